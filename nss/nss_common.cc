// SPDX-License-Identifier: Apache-2.0
// nss_common.cc — the cache files of this process and the helpers of nss_common.h.
#include "nss_common.h"

#include <string.h>

#include "cache/cache_format.h"
#include "cache/cache_location.h"

namespace dirbind::nss {
namespace {
CacheFile g_identity, g_secrets;
pthread_once_t g_once = PTHREAD_ONCE_INIT;

void init() {
    const char* dir = cache_location();
    set_cache_path(&g_identity, dir, cachefmt::kIdentity);
    set_cache_path(&g_secrets, dir, cachefmt::kSecrets);
}
}  // namespace

CacheFile* identity_cache() noexcept {
    pthread_once(&g_once, init);
    return &g_identity;
}

CacheFile* secrets_cache() noexcept {
    pthread_once(&g_once, init);
    return &g_secrets;
}

nss_status to_status(Err e, int* errnop) noexcept {
    switch (e) {
        case Err::ok: return NSS_STATUS_SUCCESS;
        case Err::not_found: return NSS_STATUS_NOTFOUND;
        case Err::range: *errnop = ERANGE; return NSS_STATUS_TRYAGAIN;
        default: *errnop = ENOENT; return NSS_STATUS_UNAVAIL;
    }
}

char* Packer::str(const char* s, const char* prefix) noexcept {
    std::size_t k = strlen(prefix), n = strlen(s) + 1;
    if (k + n > len_ - used_) return nullptr;
    char* p = buf_ + used_;
    memcpy(p, prefix, k);
    memcpy(p + k, s, n);
    used_ += k + n;
    return p;
}

char* Packer::bytes(const char* p, std::size_t n) noexcept {
    if (n > len_ - used_) return nullptr;
    char* out = buf_ + used_;
    memcpy(out, p, n);
    used_ += n;
    return out;
}

char** Packer::ptrs(std::size_t n) noexcept {
    std::size_t align = (alignof(char*) - reinterpret_cast<std::uintptr_t>(buf_ + used_) % alignof(char*)) %
                        alignof(char*);
    if (n > (len_ - used_) / sizeof(char*) || align + n * sizeof(char*) > len_ - used_) return nullptr;
    used_ += align;
    char** p = reinterpret_cast<char**>(buf_ + used_);
    used_ += n * sizeof(char*);
    return p;
}

}  // namespace dirbind::nss
