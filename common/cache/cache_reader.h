// SPDX-License-Identifier: Apache-2.0
// cache_reader.h — read-only access to the mapped cache (cache_format.h). Freestanding
// (libc only, no exceptions): the NSS module, PAM, and the CLI all read through this.
//
// Use: a CacheFile per file, living as long as the process uses it (static storage in the
// NSS module); a Pin holds one mapped version alive while a lookup copies data out of it.
// Views point into the mapping and are valid only while their Pin lives.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>

#include "system/error.h"

namespace dirbind {

struct Mapping;  // one mapped version of one file (cache_reader.cc)

// One cache file a process reads. Zero-initialised state is valid; set_cache_path() first.
struct CacheFile {
    char path[512];
    std::uint32_t dir_len;   // path[0, dir_len) is the cache directory
    std::uint32_t kind;      // cachefmt::Kind
    Mapping* current;        // guarded by the reader's global lock
    std::uint64_t next_check_ns;
};

// Sets the file `dir`/identity.db or `dir`/secrets.db (trailing '/' of `dir` dropped). Returns
// Err::invalid if too long or `dir` is empty.
Err set_cache_path(CacheFile* f, const char* dir, std::uint32_t kind) noexcept;

// True when the file was never written: it does not exist in a directory that only root (or
// this process's euid) can change — or that directory itself does not exist in such a parent.
// False when it exists, or when someone else could have removed it (the directory or its
// parent is another's, or writable by group or others). The rules that treat "never synced"
// apart from "cannot be read" (pam_dirbind's root rule) ask this after a failed Pin.
bool cache_never_written(const CacheFile* f) noexcept;

// Drops the file's current mapping (unmapped once no Pin holds it). For CacheFiles that
// go out of scope; the NSS module's live for the whole process and are never closed.
void close_cache(CacheFile* f) noexcept;

// A CacheFile for code that reads the cache for a while and then lets it go (CLI, PAM).
class ScopedCache {
public:
    ScopedCache(const char* dir, std::uint32_t kind) noexcept { set_cache_path(&f_, dir, kind); }
    ~ScopedCache() { close_cache(&f_); }
    ScopedCache(const ScopedCache&) = delete;
    ScopedCache& operator=(const ScopedCache&) = delete;
    CacheFile* get() noexcept { return &f_; }
    const char* path() const noexcept { return f_.path; }

private:
    CacheFile f_{};
};

// Pins the current version (mapping or re-mapping it when replaced). Thread-safe.
// Err::unavailable when the file is missing, untrusted (owner, mode, type; or its directory is
// not root's — or the euid's — or is writable by group or others) or corrupt.
class Pin {
public:
    Pin() = default;
    Pin(const Pin&) = delete;
    Pin& operator=(const Pin&) = delete;
    ~Pin() { release(); }
    Err acquire(CacheFile* f) noexcept;
    void release() noexcept;

    const unsigned char* base() const noexcept { return base_; }
    std::size_t size() const noexcept { return size_; }
    std::uint64_t seed() const noexcept;
    std::uint32_t user_count() const noexcept;
    std::uint32_t group_count() const noexcept;
    std::uint32_t policy() const noexcept;  // cachefmt::kPasswordAuth… bits
    std::uint64_t created() const noexcept;  // unix time of the sync
    const Mapping* mapping() const noexcept { return m_; }

private:
    Mapping* m_ = nullptr;
    const unsigned char* base_ = nullptr;
    std::size_t size_ = 0;
};

// Sequence of NUL-terminated strings [p, p+len).
struct StringList {
    const char* p = nullptr;
    std::size_t len = 0;
    std::uint32_t count = 0;
};

struct UserView {
    std::uint32_t uid, gid;
    std::uint8_t state, sudo, flags;  // UserState, Sudo, cachefmt::kUser* flags
    const char* name;
    const char* gecos;
    const char* home;
    const char* shell;
    std::uint32_t ngids;
    const unsigned char* gids;  // ngids × le32; use gid_at()
    StringList keys;            // count = 2 × nkeys: key name, key line, …
    std::uint32_t gid_at(std::uint32_t i) const noexcept;
};

struct GroupView {
    std::uint32_t gid;
    const char* name;
    StringList members;
};

struct SecretView {
    std::uint8_t state;  // UserState
    const char* name;
    const char* password_hash;  // "" = none
    const char* totp_secret;    // "" = none
};

// Lookups: Err::ok with the view filled, Err::not_found, or Err::unavailable on corruption.
// Names that fail valid_name() are not_found without touching the file.
Err find_user(const Pin& pin, const char* name, UserView* out) noexcept;
Err find_user(const Pin& pin, std::uint32_t uid, UserView* out) noexcept;
Err find_group(const Pin& pin, const char* name, GroupView* out) noexcept;
Err find_group(const Pin& pin, std::uint32_t gid, GroupView* out) noexcept;
Err find_secret(const Pin& pin, const char* name, SecretView* out) noexcept;

// Enumeration by position, 0 ≤ i < count: Err::not_found past the end.
Err user_at(const Pin& pin, std::uint32_t i, UserView* out) noexcept;
Err group_at(const Pin& pin, std::uint32_t i, GroupView* out) noexcept;
Err secret_at(const Pin& pin, std::uint32_t i, SecretView* out) noexcept;

// Walks a StringList: returns the string at `*pos` and advances it; nullptr at the end.
const char* next_string(const StringList& l, std::size_t* pos) noexcept;

}  // namespace dirbind
