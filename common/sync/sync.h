// SPDX-License-Identifier: Apache-2.0
// sync.h — one sync: fetch from the source, validate, write the cache, refresh keys, record.
#pragma once

#include "config/config.h"
#include "sync/source.h"
#include "sync/sync_status.h"

namespace dirbind {

struct SyncOptions {
    bool force = false;  // allow replacing a non-empty cache with an empty directory
    FetchHooks fetch;    // verbose request log and progress for network sources
};

// Runs a sync under an exclusive lock on <cache_dir>/.sync.lock: fetch (conditionally when the
// record allows), validate, write the cache, let the source commit its state, rebuild
// authorized_keys in existing homes whose keys changed (key_refresh.h), record the outcome in
// status.json. On any failure it throws Error (Err::busy when another sync holds the lock,
// Err::refused for an empty directory without `force`) and leaves the cache files as they
// were; status.json records the error.
SyncReport run_sync(const Config& cfg, const SyncOptions& opt);

}  // namespace dirbind
