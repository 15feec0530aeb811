// SPDX-License-Identifier: Apache-2.0
// atomic_file.h — the one atomic file writer of dirbind, shaped like folly's writeFileAtomic:
// a throwing form for common/ and cli/ code and a NoThrow twin (errno result) for PAM/NSS paths.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace dirbind {

struct AtomicWriteOptions {
    mode_t mode = 0600;                  // set with fchmod on the temp file, so the umask plays no part
    uid_t uid = static_cast<uid_t>(-1);  // fchown on the temp file when not -1 (needs privilege)
    gid_t gid = static_cast<gid_t>(-1);
    // fsync the file before the rename and the directory after it. Without it the replacement is
    // still atomic for readers, but not durable across a power loss.
    bool sync = true;
    // Path forms only: the target's directory must be root-owned and not group/world-writable,
    // and so must every directory above it (open_dir_nofollow's `trusted`).
    bool trusted_dir = false;
};

// Replaces `name` in directory `dirfd` (an O_RDONLY directory descriptor, not O_PATH) with
// `data`: a temp file ".<name>.tmp-<random>" created O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC in the
// same directory, every byte written, owner (fchown) then mode (fchmod: chown clears set-id
// bits) set through the descriptor, fsync, close, renameat over `name`, fsync of the directory.
// Readers see the old or the new content, never a mix; whatever `name` was (a symlink, a FIFO, a
// hard link to someone else's file) is replaced as a directory entry, never written through.
// On failure the temp file is removed and `name` is untouched. Returns 0 or an errno value
// (EINVAL when `name` is not a plain_name()).
int write_file_atomic_at_nothrow(int dirfd, std::string_view name, std::string_view data,
                                 const AtomicWriteOptions& options = {}) noexcept;

// As above; throws Error(Err::io, "<name>: <reason>") on failure.
void write_file_atomic_at(int dirfd, std::string_view name, std::string_view data,
                          const AtomicWriteOptions& options = {});

// The same for an absolute canonical `path`: its directory is opened with open_dir_nofollow
// (no symlink followed anywhere on the way; `options.trusted_dir` adds the ownership rule).
// The NoThrow form returns 0 or an errno value; the other throws Error(Err::io) naming the path.
int write_file_atomic_nothrow(const std::string& path, std::string_view data,
                              const AtomicWriteOptions& options = {}) noexcept;
void write_file_atomic(const std::string& path, std::string_view data,
                       const AtomicWriteOptions& options = {});

// The streaming form, for files too big to build in memory (the cache): the same temp file,
// checked writes, mode on the fd, fsync, rename and directory fsync, written piece by piece.
class AtomicFile {
public:
    // Creates the temp file "<dir>/.<name>.tmpXXXX" (mode 0600 until commit). Throws Error.
    AtomicFile(const std::string& dir, const std::string& name, mode_t mode);
    // Removes the temp file unless commit() succeeded.
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    // Appends all `n` bytes (retrying short writes and EINTR). Throws Error(Err::io).
    void write(const void* p, std::size_t n);
    // Writes all `n` bytes at `offset`. Throws Error(Err::io).
    void write_at(const void* p, std::size_t n, off_t offset);
    // fchmod to the final mode, fsync, rename over <dir>/<name>, fsync <dir>. Throws Error.
    void commit();
    // "<dir>/<name>", for messages.
    std::string target() const { return dir_ + "/" + name_; }

private:
    std::string dir_, name_, tmp_;
    mode_t mode_;
    int dirfd_ = -1, fd_ = -1;
};

}  // namespace dirbind
