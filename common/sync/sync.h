// SPDX-License-Identifier: Apache-2.0
// sync.h — one sync: fetch from the source, validate, write the cache, record the status.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"
#include "directory/model.h"
#include "sync/source.h"

namespace dirbind {

struct SyncOptions {
    bool force = false;  // allow replacing a non-empty cache with an empty directory
    FetchHooks fetch;    // verbose request log and progress for network sources
};

struct SyncReport {
    std::size_t users = 0, groups = 0;
    std::vector<Skipped> skipped;
    std::uint64_t duration_ms = 0;
    std::size_t homes_rekeyed = 0;  // existing homes whose authorized_keys were rebuilt
    bool not_modified = false;      // the source said "unchanged" (304): the cache was kept as is
    std::uint64_t requests = 0;     // HTTP requests made (network sources)
};

// Runs a sync under an exclusive lock on <cache_dir>/.sync.lock; after writing the cache it
// rebuilds authorized_keys in existing homes whose keys changed (key_refresh.h). On any failure it throws
// Error (Err::busy when another sync holds the lock, Err::refused for an empty directory
// without `force`) and leaves the cache files as they were; status.json records the error.
SyncReport run_sync(const Config& cfg, const SyncOptions& opt);

}  // namespace dirbind
