// SPDX-License-Identifier: Apache-2.0
// nss_common.h — what every libnss_dirbind entry point shares: the cache files, the status
// mapping, buffer packing and enumeration state. Each _nss_dirbind_* is one call into this.
#pragma once

#include <errno.h>
#include <nss.h>
#include <pthread.h>

#include <cstddef>
#include <cstdint>

#include "cache/cache_reader.h"
#include "system/error.h"

namespace dirbind::nss {

// The identity or secrets cache of this process, in cache_location() as it was at the first
// lookup (cache/cache_location.h: the directory every part of dirbind agrees on).
CacheFile* identity_cache() noexcept;
CacheFile* secrets_cache() noexcept;

// The one mapping from our error codes to NSS: not_found → NOTFOUND (errno untouched),
// range → TRYAGAIN + ERANGE, anything else → UNAVAIL + ENOENT (glibc moves on).
nss_status to_status(Err e, int* errnop) noexcept;

// Bump allocator over the caller's buffer. Results point into that buffer only (never into
// the mapping or static memory), so they stay valid after the cache is replaced.
class Packer {
public:
    Packer(char* buf, std::size_t len) : buf_(buf), len_(len) {}
    // Copies `prefix` then `s` as one string; nullptr when the buffer is too small.
    char* str(const char* s, const char* prefix = "") noexcept;
    // Copies `n` raw bytes; nullptr when the buffer is too small.
    char* bytes(const char* p, std::size_t n) noexcept;
    // `n` pointer slots, aligned; nullptr when the buffer is too small.
    char** ptrs(std::size_t n) noexcept;

private:
    char* buf_;
    std::size_t len_;
    std::size_t used_ = 0;
};

// Position of a getXXent() walk; one per database, guarded by its own mutex because glibc
// may call setXXent/getXXent_r from several threads.
struct Walk {
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    std::uint32_t next = 0;
};

// Saves errno on entry and restores it on exit: the module must not change errno on success.
// Destroy it before setting *errnop: glibc passes errnop == &errno, so a restore after that
// would undo the ERANGE that tells glibc to retry with a larger buffer.
class KeepErrno {
public:
    KeepErrno() : saved_(errno) {}
    ~KeepErrno() { errno = saved_; }

private:
    int saved_;
};

// One lookup: pins the cache, finds the entry with `find(pin, &view)` and packs it into the
// caller's buffer with `pack(view)`. Every by-name and by-id entry point is one call of this.
template <typename View, typename Find, typename Pack>
nss_status lookup(CacheFile* f, int* errnop, Find find, Pack pack) noexcept {
    Err e;
    {
        KeepErrno keep;
        Pin pin;
        View v;
        e = pin.acquire(f);
        if (e == Err::ok) e = find(pin, &v);
        if (e == Err::ok) e = pack(v);
    }
    return to_status(e, errnop);
}

// One enumeration step: the walk's next entry via `at(pin, index, &view)`, packed with
// `pack(view)`. Entries `pack` refuses as not_found are skipped, so one bad record does not
// end the walk; the position advances only on success, so an ERANGE retry with a larger
// buffer returns the same entry.
template <typename View, typename At, typename Pack>
nss_status walk_next(Walk& w, CacheFile* f, int* errnop, At at, Pack pack) noexcept {
    Err e;
    {
        KeepErrno keep;
        Pin pin;
        e = pin.acquire(f);
        pthread_mutex_lock(&w.lock);
        while (e == Err::ok) {
            View v;
            e = at(pin, w.next, &v);  // not_found: past the end
            if (e != Err::ok) break;
            e = pack(v);
            if (e == Err::not_found) {  // refused by pack(): skip it
                ++w.next;
                e = Err::ok;
                continue;
            }
            if (e == Err::ok) ++w.next;
            break;
        }
        pthread_mutex_unlock(&w.lock);
    }
    return to_status(e, errnop);
}

inline nss_status walk_reset(Walk& w) noexcept {
    pthread_mutex_lock(&w.lock);
    w.next = 0;
    pthread_mutex_unlock(&w.lock);
    return NSS_STATUS_SUCCESS;
}

}  // namespace dirbind::nss
