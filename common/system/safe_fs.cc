// SPDX-License-Identifier: Apache-2.0
// safe_fs.cc — the descriptor-based file primitives of safe_fs.h.
#include "system/safe_fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <vector>

namespace dirbind {

void UniqueFd::reset(int fd) noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
}

ssize_t read_full(int fd, void* buf, std::size_t n) noexcept {
    auto* p = static_cast<char*>(buf);
    std::size_t done = 0;
    while (done < n) {
        ssize_t r = ::read(fd, p + done, n - done);
        if (r < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (r == 0) break;
        done += static_cast<std::size_t>(r);
    }
    return static_cast<ssize_t>(done);
}

bool write_full(int fd, const void* buf, std::size_t n) noexcept {
    const auto* p = static_cast<const char*>(buf);
    while (n > 0) {
        ssize_t w = ::write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        p += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

bool canonical_abs_path(std::string_view path) noexcept {
    if (path.empty() || path[0] != '/') return false;
    if (path == "/") return true;
    if (path.back() == '/' || path.find('\0') != std::string_view::npos) return false;
    std::size_t pos = 1;
    while (pos <= path.size()) {
        std::size_t end = path.find('/', pos);
        if (end == std::string_view::npos) end = path.size();
        if (!plain_name(path.substr(pos, end - pos))) return false;
        pos = end + 1;
    }
    return true;
}

bool plain_name(std::string_view name) noexcept {
    return !name.empty() && name.size() <= NAME_MAX && name != "." && name != ".." &&
           name.find('/') == std::string_view::npos && name.find('\0') == std::string_view::npos;
}

namespace {

void set_why(std::string* why, std::string_view path, const char* reason) noexcept {
    if (why == nullptr) return;
    try {
        *why = std::string(path) + ": " + reason;
    } catch (...) {
        why->clear();
    }
}

// Safe_path's rule: only root may be able to rename or replace anything in this directory.
bool trusted_dir(const struct stat& st) noexcept {
    return st.st_uid == 0 && (st.st_mode & 022) == 0;
}

}  // namespace

UniqueFd open_dir_nofollow(std::string_view path, bool trusted, std::string* why) noexcept {
    if (!canonical_abs_path(path)) {
        set_why(why, path, "not an absolute canonical path");
        errno = EINVAL;
        return {};
    }
    UniqueFd cur(::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!cur) {
        int e = errno;
        set_why(why, "/", std::strerror(e));
        errno = e;
        return {};
    }
    std::size_t pos = 1;
    for (;;) {
        struct stat st;
        if (trusted) {
            if (::fstat(cur.get(), &st) != 0) {
                int e = errno;
                set_why(why, path.substr(0, pos > 1 ? pos - 1 : 1), std::strerror(e));
                errno = e;
                return {};
            }
            if (!trusted_dir(st)) {
                set_why(why, path.substr(0, pos > 1 ? pos - 1 : 1),
                        "not owned by root or writable by group/others; refusing to trust it");
                errno = EPERM;
                return {};
            }
        }
        if (pos >= path.size()) return cur;
        std::size_t end = path.find('/', pos);
        if (end == std::string_view::npos) end = path.size();
        char name[NAME_MAX + 1];
        std::size_t len = end - pos;
        std::memcpy(name, path.data() + pos, len);
        name[len] = '\0';
        UniqueFd next(::openat(cur.get(), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!next) {
            int e = errno;
            const char* reason = std::strerror(e);
            // O_NOFOLLOW|O_DIRECTORY on a symlink may say ELOOP or ENOTDIR: say what it is.
            if ((e == ELOOP || e == ENOTDIR) && ::fstatat(cur.get(), name, &st, AT_SYMLINK_NOFOLLOW) == 0)
                reason = S_ISLNK(st.st_mode) ? "is a symbolic link; not following it" : "not a directory";
            set_why(why, path.substr(0, end), reason);
            errno = e;
            return {};
        }
        cur = std::move(next);
        pos = end + 1;
    }
}

namespace {

// Why a file may not be trusted as one the owner wrote alone, or "" when it may.
std::string unsafe_reason(const struct stat& st, uid_t owner) {
    if (S_ISLNK(st.st_mode)) return "is a symbolic link";
    if (S_ISFIFO(st.st_mode)) return "is a FIFO, not a regular file";
    if (S_ISDIR(st.st_mode)) return "is a directory, not a regular file";
    if (!S_ISREG(st.st_mode)) return "is not a regular file";
    if (st.st_uid != owner)
        return "is owned by uid " + std::to_string(st.st_uid) + ", not " + std::to_string(owner);
    // A second name for the inode may be a file of someone else's we would be reading for them.
    if (st.st_nlink != 1) return "has " + std::to_string(st.st_nlink) + " hard links";
    return {};
}

}  // namespace

CheckedRead read_checked_at(int dirfd, const std::string& name, uid_t owner, std::size_t cap) noexcept {
    CheckedRead r;
    try {
        auto unsafe = [&](const std::string& reason) {
            r.status = ReadStatus::unsafe;
            r.reason = reason;
            return r;
        };
        auto failed = [&](int e) {
            r.status = ReadStatus::failed;
            r.err = e;
            r.reason = std::strerror(e);
            return r;
        };
        if (::fstatat(dirfd, name.c_str(), &r.st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno == ENOENT) {
                r.status = ReadStatus::missing;
                return r;
            }
            return failed(errno);
        }
        if (std::string why = unsafe_reason(r.st, owner); !why.empty()) return unsafe(why);
        UniqueFd fd(::openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
        if (!fd) {
            if (errno == ELOOP) return unsafe("is a symbolic link");
            if (errno == ENOENT) {
                r.status = ReadStatus::missing;
                return r;
            }
            return failed(errno);
        }
        struct stat st;
        if (::fstat(fd.get(), &st) != 0) return failed(errno);
        if (st.st_dev != r.st.st_dev || st.st_ino != r.st.st_ino)
            return unsafe("was replaced while opening it");
        r.st = st;
        if (std::string why = unsafe_reason(st, owner); !why.empty()) return unsafe(why);
        if (static_cast<std::size_t>(st.st_size) > cap) {
            r.status = ReadStatus::too_big;
            r.reason = "is larger than " + std::to_string(cap) + " bytes";
            return r;
        }
        // Checked again while reading: the owner may be appending to it right now.
        char buf[16384];
        for (;;) {
            ssize_t n = ::read(fd.get(), buf, sizeof buf);
            if (n < 0) {
                if (errno == EINTR) continue;
                return failed(errno);
            }
            if (n == 0) break;
            if (r.data.size() + static_cast<std::size_t>(n) > cap) {
                r.data.clear();
                r.status = ReadStatus::too_big;
                r.reason = "is larger than " + std::to_string(cap) + " bytes";
                return r;
            }
            r.data.append(buf, static_cast<std::size_t>(n));
        }
        r.status = ReadStatus::ok;
        return r;
    } catch (...) {
        r = CheckedRead{};
        r.status = ReadStatus::failed;
        r.err = ENOMEM;
        return r;
    }
}

namespace {

// Depth-first removal; `depth` bounds recursion (and open descriptors) on a hostile tree.
int remove_tree_impl(int dirfd, const char* name, int depth) noexcept {
    if (::unlinkat(dirfd, name, 0) == 0 || errno == ENOENT) return 0;
    if (errno != EISDIR && errno != EPERM) return errno;  // Linux says EISDIR, POSIX allows EPERM
    if (depth > 128) return ELOOP;
    int dfd = ::openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0) return errno;
    DIR* d = ::fdopendir(dfd);
    if (d == nullptr) {
        int e = errno;
        ::close(dfd);
        return e;
    }
    int result = 0;
    try {
        std::vector<std::string> names;
        errno = 0;
        while (struct dirent* de = ::readdir(d)) {
            if (std::strcmp(de->d_name, ".") != 0 && std::strcmp(de->d_name, "..") != 0)
                names.emplace_back(de->d_name);
        }
        for (const auto& n : names) {
            int e = remove_tree_impl(::dirfd(d), n.c_str(), depth + 1);
            if (e != 0 && result == 0) result = e;
        }
    } catch (...) {
        result = ENOMEM;
    }
    ::closedir(d);
    if (result != 0) return result;
    if (::unlinkat(dirfd, name, AT_REMOVEDIR) != 0 && errno != ENOENT) return errno;
    return 0;
}

}  // namespace

int remove_tree_at(int dirfd, const std::string& name) noexcept {
    if (!plain_name(name)) return EINVAL;
    return remove_tree_impl(dirfd, name.c_str(), 0);
}

std::string random_hex(std::size_t n) {
    static const char kHex[] = "0123456789abcdef";
    static std::atomic<unsigned long> counter{0};
    std::string out;
    out.reserve(n);
    unsigned char buf[32];
    while (out.size() < n) {
        std::size_t want = std::min(sizeof buf, (n - out.size() + 1) / 2);
        ssize_t got = ::getrandom(buf, want, GRND_NONBLOCK);
        if (got != static_cast<ssize_t>(want)) {
            struct timespec ts;
            ::clock_gettime(CLOCK_MONOTONIC, &ts);
            unsigned long mix = static_cast<unsigned long>(ts.tv_nsec) ^
                                (static_cast<unsigned long>(::getpid()) << 20) ^
                                (counter.fetch_add(1) * 0x9e3779b97f4a7c15ul);
            for (std::size_t i = 0; i < want; ++i) buf[i] = static_cast<unsigned char>(mix >> ((i % 8) * 8));
        }
        for (std::size_t i = 0; i < want && out.size() < n; ++i) {
            out += kHex[buf[i] >> 4];
            if (out.size() < n) out += kHex[buf[i] & 15];
        }
    }
    return out;
}

}  // namespace dirbind
