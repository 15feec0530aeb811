// SPDX-License-Identifier: Apache-2.0
// offline_password.cc — the offline password verifiers (offline_password.h).
#include "login/offline_password.h"

#include <crypt.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "cache/names.h"
#include "login/login_policy.h"
#include "system/atomic_file.h"
#include "system/error.h"
#include "system/safe_fs.h"

namespace dirbind {
namespace {

constexpr const char* kHeader = "dirbind-password-verifier 1 ";
constexpr std::size_t kMaxFileBytes = 1024;

// <cache_dir>/password-verifiers, made 0700 when missing; owned by us and private, else refused.
UniqueFd verifier_dir(const std::string& cache_dir, bool create, std::string* why) {
    UniqueFd cfd = open_dir_nofollow(cache_dir, false, why);
    if (!cfd) return cfd;
    if (create && ::mkdirat(cfd.get(), kOfflinePasswordDir, 0700) != 0 && errno != EEXIST) {
        *why = cache_dir + "/" + kOfflinePasswordDir + ": cannot create: " + std::strerror(errno);
        return UniqueFd();
    }
    UniqueFd d(::openat(cfd.get(), kOfflinePasswordDir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    struct stat st {};
    if (!d || ::fstat(d.get(), &st) != 0) {
        *why = cache_dir + "/" + kOfflinePasswordDir + ": " + std::strerror(errno);
        return UniqueFd();
    }
    if (st.st_uid != ::geteuid() || (st.st_mode & 077) != 0) {
        *why = cache_dir + "/" + kOfflinePasswordDir + ": not a private directory of uid " +
               std::to_string(::geteuid()) + "; refusing to trust it";
        return UniqueFd();
    }
    return d;
}

bool valid(const std::string& name) {
    return valid_name(name.data(), name.size()) && plain_name(name);
}

}  // namespace

void remember_password(const std::string& cache_dir, const std::string& name, std::string_view password,
                       std::time_t now) {
    if (!valid(name)) throw Error(Err::invalid, "not a valid user name");
    if (password.empty() || password.size() > kMaxPasswordBytes ||
        password.find('\0') != std::string_view::npos)
        throw Error(Err::invalid, "password not remembered: empty, too long or with a NUL byte");
    std::string why;
    UniqueFd d = verifier_dir(cache_dir, true, &why);
    if (!d) throw Error(Err::permission, why);
    // yescrypt with libcrypt's default cost and a salt from getrandom (rbytes null).
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    if (crypt_gensalt_rn("$y$", 0, nullptr, 0, setting, sizeof setting) == nullptr)
        throw Error(Err::io, std::string("crypt_gensalt: ") + std::strerror(errno));
    auto data = std::make_unique<crypt_data>();
    std::memset(data.get(), 0, sizeof *data);
    std::string pw(password);
    const char* h = crypt_rn(pw.c_str(), setting, data.get(), sizeof *data);
    std::string hash = h != nullptr && h[0] != '*' ? h : "";
    explicit_bzero(data.get(), sizeof *data);
    explicit_bzero(pw.data(), pw.size());
    if (hash.empty()) throw Error(Err::io, "crypt: cannot hash the password");
    const std::string text = kHeader + std::to_string(static_cast<long long>(now)) + " " + hash + "\n";
    AtomicWriteOptions o;
    o.mode = 0600;
    if (int e = write_file_atomic_at_nothrow(d.get(), name, text, o); e != 0)
        throw Error(Err::io, cache_dir + "/" + kOfflinePasswordDir + "/" + name + ": " + std::strerror(e));
}

bool check_remembered_password(const std::string& cache_dir, const std::string& name,
                               std::string_view password, std::time_t now, std::int64_t max_age_s) noexcept {
    try {
        if (!valid(name) || max_age_s <= 0) return false;
        std::string why;
        UniqueFd d = verifier_dir(cache_dir, false, &why);
        if (!d) return false;
        CheckedRead r = read_checked_at(d.get(), name, ::geteuid(), kMaxFileBytes);
        if (r.status != ReadStatus::ok || r.st.st_mode & 077) return false;
        const std::string& t = r.data;
        const std::size_t hl = std::strlen(kHeader);
        if (t.compare(0, hl, kHeader) != 0 || t.empty() || t.back() != '\n') return false;
        const std::size_t sp = t.find(' ', hl);
        if (sp == std::string::npos || sp == hl || sp - hl > 19) return false;
        long long made = 0;
        for (std::size_t i = hl; i < sp; ++i) {
            if (t[i] < '0' || t[i] > '9') return false;
            made = made * 10 + (t[i] - '0');
        }
        // A verifier "from the future" (a clock set back) is not trusted either.
        if (made > now || now - made > max_age_s) return false;
        return verify_password(password, t.substr(sp + 1, t.size() - sp - 2));
    } catch (...) {
        return false;
    }
}

void forget_password(const std::string& cache_dir, const std::string& name) noexcept {
    try {
        if (!valid(name)) return;
        std::string why;
        UniqueFd d = verifier_dir(cache_dir, false, &why);
        if (d) ::unlinkat(d.get(), name.c_str(), 0);
    } catch (...) {
    }
}

}  // namespace dirbind
