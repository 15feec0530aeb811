// SPDX-License-Identifier: Apache-2.0
// key_refresh.h — after a sync, bring ~/.ssh/authorized_keys of existing homes in line with
// the directory, so a revoked key stops working without waiting for the user's next login.
#pragma once

#include <cstdint>
#include <string>

#include "cache/cache_reader.h"
#include "config/config.h"
#include "directory/model.h"

namespace dirbind {

// The cache at `cache_dir` as it is now, kept mapped so that the refresh can compare the
// cache it replaced with the new one, user by user, without copying either. Empty when there
// is no (usable) cache.
class CacheSnapshot {
public:
    explicit CacheSnapshot(const std::string& cache_dir) noexcept;
    CacheSnapshot(const CacheSnapshot&) = delete;
    CacheSnapshot& operator=(const CacheSnapshot&) = delete;

    std::uint32_t users() const noexcept { return ok_ ? pin_.user_count() : 0; }
    const Pin* pin() const noexcept { return ok_ ? &pin_ : nullptr; }

private:
    ScopedCache cache_;
    Pin pin_;
    bool ok_ = false;
};

// Rebuilds authorized_keys (provision.h, as the user) for every user whose owner, home or
// effective keys (user_keys.h) differ between `before` and the cache now in cfg.cache_dir,
// when the home exists; users that left the directory get an empty key list (their directory
// keys are revoked, home kept). `written` is the directory that cache was just written from:
// it lists the users and their homes, so that the new cache is only read for users whose
// home exists. Needs root; returns the number of homes rebuilt, logs each failure and never
// throws for one user.
std::size_t refresh_authorized_keys(const Config& cfg, const CacheSnapshot& before, const Directory& written);

}  // namespace dirbind
