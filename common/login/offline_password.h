// SPDX-License-Identifier: Apache-2.0
// offline_password.h — the offline password verifiers of `password_check: bind` with
// `offline_password_days` (docs/sources.md, "Password checks by bind"), like SSSD's
// cache_credentials: after the directory accepted a user's password, a salted yescrypt hash of it
// and the time go to <cache_dir>/password-verifiers/<name> (directory 0700, file 0600, the
// caller's own: root), so that the password keeps working while the directory cannot be reached.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

namespace dirbind {

inline constexpr const char* kOfflinePasswordDir = "password-verifiers";

// Stores the verifier of `password` for the valid user name `name` at time `now`, replacing the
// last one atomically. Throws Error (Err::io, Err::permission) naming the path.
void remember_password(const std::string& cache_dir, const std::string& name, std::string_view password,
                       std::time_t now);

// True when `name` has a verifier made at most `max_age_s` seconds before `now` (and not after
// it) that `password` matches. False otherwise, also when the file is missing, unsafe or
// unreadable. Never throws.
bool check_remembered_password(const std::string& cache_dir, const std::string& name,
                               std::string_view password, std::time_t now, std::int64_t max_age_s) noexcept;

// Removes `name`'s verifier (the directory refused the password: it may have been changed).
// Missing is fine. Never throws.
void forget_password(const std::string& cache_dir, const std::string& name) noexcept;

}  // namespace dirbind
