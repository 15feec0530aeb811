// SPDX-License-Identifier: Apache-2.0
// secret_file.h — reading the files dirbind trusts with secrets (the system's private key, the
// API key, a client key, a bearer token) and the root-owned files it trusts for identity
// (jcagent.conf): owner and mode checked on the opened descriptor, size capped (security.md 6).
#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <string>

namespace dirbind {

// Who may own a trusted file: root, or the effective uid of this process (tests and non-root
// tools run with their own files, the same rule as the cache reader). Never anyone else.
bool trusted_owner(unsigned uid) noexcept;

// Reads the secret file `path` whole. `what` names it in messages ("API key file"). Refuses,
// with Error(Err::permission) naming the file and the fix, a file that is not a regular file,
// is a symlink, is owned by someone other than trusted_owner(), or has any group/other
// permission bit (mode & 077); Error(Err::config) when it is missing, empty or over `cap` bytes.
// The caller owns the secret: clear it (secure_clear) once used, and never log it.
std::string read_secret_file(const std::string& path, const std::string& what, std::size_t cap = 64 * 1024);

// A secret that is one token on one line (an API key, a bearer token): read_secret_file(), then
// surrounding white space trimmed. Error(Err::config) naming the file when nothing is left or
// the token holds anything but printable ASCII (it goes into an HTTP header). Clear it once used.
std::string read_secret_token(const std::string& path, const std::string& what, std::size_t cap);

// Reads a non-secret file that decides who this host is (e.g. jcagent.conf): the same checks,
// except that group/other may read it; it must not be writable by group or others.
std::string read_trusted_file(const std::string& path, const std::string& what,
                              std::size_t cap = 1024 * 1024);

// The ownership rule of read_trusted_file() for a file or directory the caller opened itself
// (the config, the file source's document, the cache directory), from its fstat: "" when it is
// owned by trusted_owner() and not writable by group or others, otherwise the reason with its
// fix, e.g. "owned by uid 1000, not root (chown root PATH)", "writable by group or others (mode
// 0664): chmod go-w PATH". Callers put "refusing to use <what> PATH: " before it.
std::string untrusted_because(const struct stat& st, const std::string& path);

// Overwrites `s` with zeros in a way the compiler cannot drop, then empties it.
void secure_clear(std::string& s) noexcept;

}  // namespace dirbind
