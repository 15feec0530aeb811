// SPDX-License-Identifier: Apache-2.0
// safe_fs.h — descriptor-based file primitives for root code working near directories that
// other users control (security.md item 1): no symlink is ever followed, owner and mode are set
// through descriptors, reads are bounded and cannot block on a FIFO.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace dirbind {

// Owns one file descriptor and closes it on destruction. Move-only.
class UniqueFd {
public:
    UniqueFd() noexcept = default;
    explicit UniqueFd(int fd) noexcept : fd_(fd) {}
    UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
    UniqueFd& operator=(UniqueFd&& o) noexcept {
        if (this != &o) reset(o.release());
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }

    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }
    int release() noexcept {
        int fd = fd_;
        fd_ = -1;
        return fd;
    }
    // Closes the held descriptor (errors ignored: Linux frees the fd whatever close returns).
    void reset(int fd = -1) noexcept;

private:
    int fd_ = -1;
};

// read(2) until `n` bytes or end of file, retrying EINTR. Returns the bytes read (fewer than
// `n` only at end of file), or -1 with errno set.
ssize_t read_full(int fd, void* buf, std::size_t n) noexcept;

// write(2) all `n` bytes, retrying EINTR and short writes. False with errno set on failure.
bool write_full(int fd, const void* buf, std::size_t n) noexcept;

// An absolute path without empty, "." or ".." segments and without a trailing '/' ("/" is fine).
bool canonical_abs_path(std::string_view path) noexcept;

// One directory entry name: not empty, not "." or "..", no '/' or NUL, at most NAME_MAX bytes.
bool plain_name(std::string_view name) noexcept;

// Opens the directory `path` (canonical_abs_path) from "/" one component at a time, each with
// openat(O_RDONLY|O_DIRECTORY|O_NOFOLLOW), so no symlink anywhere on the way is followed.
// With `trusted`, every directory on the way, `path` included, must be owned by root and not
// writable by group or others (OpenSSH safe_path's rule), so nobody but root can swap a
// component under us. Returns an empty UniqueFd on failure, errno set and *why (if not null)
// = "<path>: <reason>". Never throws.
UniqueFd open_dir_nofollow(std::string_view path, bool trusted, std::string* why) noexcept;

enum class ReadStatus {
    ok,       // `data` holds the whole file
    missing,  // no such entry
    unsafe,   // a symlink, not a regular file, wrong owner or more than one link: not opened/read
    too_big,  // larger than the cap: not read
    failed,   // a system call failed (errno in `err`)
};

struct CheckedRead {
    ReadStatus status = ReadStatus::failed;
    std::string data;
    std::string reason;  // why it was not read ("is a symbolic link", ...), empty when ok/missing
    int err = 0;         // errno for `failed`
    struct stat st {};   // of the opened file (ok, too_big) or of the entry (unsafe)
};

// Reads `name` in `dirfd` only if it is safe to trust: lstat first (a device or FIFO is never
// even opened), then O_RDONLY|O_NOFOLLOW|O_NONBLOCK|O_CLOEXEC (a symlink swapped in is refused,
// a FIFO swapped in cannot block), then fstat: the same inode, a regular file, owned by `owner`,
// one link, at most `cap` bytes — checked before reading and again while reading, since the
// owner may be appending. Never throws.
CheckedRead read_checked_at(int dirfd, const std::string& name, uid_t owner, std::size_t cap) noexcept;

// Removes `name` in `dirfd` and, when it is a directory, everything below it, never following
// a symlink (each level opened O_DIRECTORY|O_NOFOLLOW, entries removed with unlinkat). For
// cleaning up a tree we created ourselves. Returns 0 or an errno value.
int remove_tree_at(int dirfd, const std::string& name) noexcept;

// `n` lowercase hex characters from getrandom(2), for unguessable temporary names (falling back
// to pid/clock/counter if getrandom is unavailable: uniqueness still holds through O_EXCL).
std::string random_hex(std::size_t n);

}  // namespace dirbind
