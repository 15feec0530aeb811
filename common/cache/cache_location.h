// SPDX-License-Identifier: Apache-2.0
// cache_location.h — where the cache lives: one answer that every reader and writer of it takes
// (the NSS module in every process, pam_dirbind, the CLI, the sync), so that none of them can
// serve or judge from a cache the others no longer write. Freestanding (libc only), noexcept.
#pragma once

namespace dirbind {

constexpr const char* kDefaultCacheDir = "/var/lib/dirbind";

// The cache directory: $DIRBIND_CACHE_DIR when it is set to an absolute path and the process is
// not set-id (read with secure_getenv: tests and sandboxes set it, a user cannot point a sudo or
// su at a cache of theirs), otherwise /var/lib/dirbind. Never nullptr.
const char* cache_location() noexcept;

}  // namespace dirbind
