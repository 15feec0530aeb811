// SPDX-License-Identifier: Apache-2.0
// atomic_file.cc — temp file, write, fchown/fchmod, fsync, rename, fsync dir (atomic_file.h).
#include "system/atomic_file.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "system/error.h"
#include "system/safe_fs.h"

namespace dirbind {

int write_file_atomic_at_nothrow(int dirfd, std::string_view name, std::string_view data,
                                 const AtomicWriteOptions& options) noexcept {
    if (!plain_name(name)) return EINVAL;
    std::string target;
    std::string tmp;
    UniqueFd fd;
    try {
        target = std::string(name);
        // A hidden name in the same directory: rename(2) is only atomic within one file system.
        std::string prefix = "." + target.substr(0, NAME_MAX - 32) + ".tmp-";
        for (int attempt = 0; attempt < 16 && !fd; ++attempt) {
            tmp = prefix + random_hex(16);
            fd.reset(
                ::openat(dirfd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
            if (!fd && errno != EEXIST) return errno;
        }
        if (!fd) return EEXIST;
    } catch (...) {
        return ENOMEM;
    }
    auto fail = [&](int err) noexcept {
        fd.reset();
        ::unlinkat(dirfd, tmp.c_str(), 0);
        return err;
    };
    if (!write_full(fd.get(), data.data(), data.size())) return fail(errno);
    // Owner and mode are final before the name appears: no window with the wrong ones.
    if ((options.uid != static_cast<uid_t>(-1) || options.gid != static_cast<gid_t>(-1)) &&
        ::fchown(fd.get(), options.uid, options.gid) != 0)
        return fail(errno);
    if (::fchmod(fd.get(), options.mode) != 0) return fail(errno);
    if (options.sync && ::fsync(fd.get()) != 0) return fail(errno);
    if (::close(fd.release()) != 0 && errno != EINTR) return fail(errno);
    if (::renameat(dirfd, tmp.c_str(), dirfd, target.c_str()) != 0) return fail(errno);
    if (options.sync && ::fsync(dirfd) != 0) return errno;
    return 0;
}

void write_file_atomic_at(int dirfd, std::string_view name, std::string_view data,
                          const AtomicWriteOptions& options) {
    int e = write_file_atomic_at_nothrow(dirfd, name, data, options);
    if (e != 0) throw Error(Err::io, std::string(name) + ": " + std::strerror(e));
}

namespace {

// Splits a canonical absolute path into its directory and last name; false for "/" or junk.
bool split_path(const std::string& path, std::string* dir, std::string* name) {
    if (!canonical_abs_path(path) || path == "/") return false;
    std::size_t slash = path.rfind('/');
    *dir = slash == 0 ? "/" : path.substr(0, slash);
    *name = path.substr(slash + 1);
    return true;
}

int write_path(const std::string& path, std::string_view data, const AtomicWriteOptions& options,
               std::string* why) noexcept {
    try {
        std::string dir, name;
        if (!split_path(path, &dir, &name)) {
            *why = path + ": not an absolute canonical file path";
            return EINVAL;
        }
        UniqueFd dfd = open_dir_nofollow(dir, options.trusted_dir, why);
        if (!dfd) return errno != 0 ? errno : EIO;
        int e = write_file_atomic_at_nothrow(dfd.get(), name, data, options);
        if (e != 0) *why = path + ": " + std::strerror(e);
        return e;
    } catch (...) {
        return ENOMEM;
    }
}

}  // namespace

int write_file_atomic_nothrow(const std::string& path, std::string_view data,
                              const AtomicWriteOptions& options) noexcept {
    std::string why;
    return write_path(path, data, options, &why);
}

void write_file_atomic(const std::string& path, std::string_view data, const AtomicWriteOptions& options) {
    std::string why;
    int e = write_path(path, data, options, &why);
    if (e != 0) throw Error(Err::io, why.empty() ? path + ": " + std::strerror(e) : why);
}

namespace {
[[noreturn]] void fail(const std::string& what, const std::string& path, int err) {
    throw Error(err == EACCES || err == EPERM || err == EROFS ? Err::permission : Err::io,
                what + " " + path + ": " + std::strerror(err));
}
}  // namespace

AtomicFile::AtomicFile(const std::string& dir, const std::string& name, mode_t mode)
    : dir_(dir), name_(name), mode_(mode) {
    dirfd_ = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd_ < 0) fail("cannot open directory", dir, errno);
    for (int attempt = 0; fd_ < 0; ++attempt) {
        tmp_ = "." + name + ".tmp-" + random_hex(16);
        fd_ = openat(dirfd_, tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd_ < 0 && (errno != EEXIST || attempt > 16)) {
            int e = errno;
            close(dirfd_);
            fail("cannot create", dir + "/" + tmp_, e);
        }
    }
}

AtomicFile::~AtomicFile() {
    if (fd_ >= 0) {
        close(fd_);
        unlinkat(dirfd_, tmp_.c_str(), 0);
    }
    close(dirfd_);
}

void AtomicFile::write(const void* p, std::size_t n) {
    const char* b = static_cast<const char*>(p);
    while (n > 0) {
        ssize_t w = ::write(fd_, b, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) fail("cannot write", dir_ + "/" + tmp_, w < 0 ? errno : EIO);
        b += w;
        n -= static_cast<std::size_t>(w);
    }
}

void AtomicFile::write_at(const void* p, std::size_t n, off_t offset) {
    if (pwrite(fd_, p, n, offset) != static_cast<ssize_t>(n)) fail("cannot write", dir_ + "/" + tmp_, errno ? errno : EIO);
}

void AtomicFile::commit() {
    if (fchmod(fd_, mode_) != 0) fail("cannot chmod", dir_ + "/" + tmp_, errno);
    if (fsync(fd_) != 0) fail("cannot fsync", dir_ + "/" + tmp_, errno);
    if (renameat(dirfd_, tmp_.c_str(), dirfd_, name_.c_str()) != 0) fail("cannot rename into", target(), errno);
    close(fd_);
    fd_ = -1;
    if (fsync(dirfd_) != 0) fail("cannot fsync", dir_, errno);
}

}  // namespace dirbind
