// SPDX-License-Identifier: Apache-2.0
// sync_status.h — <cache_dir>/status.json: what the last sync did, for `dirbind status`.
// Root-written, world-readable, holds no secrets.
#pragma once

#include <cstdint>
#include <string>

#include "config/config.h"

namespace dirbind {

struct SyncStatus {
    std::uint64_t last_attempt = 0;  // unix time
    std::uint64_t last_success = 0;  // unix time, 0 = never
    std::string last_error;          // "" after a successful sync
    std::string source;              // describe_source()
    std::uint64_t users = 0, groups = 0, skipped = 0;
    std::uint64_t duration_ms = 0;   // of the last successful sync
    // Network sources (docs/sources.md). The validators of the document the cache was built
    // from, for a conditional fetch: kept only after a successful sync, cleared by a failed one.
    std::string etag;                // https: the ETag header, as sent
    std::string last_modified;       // https: the Last-Modified header, as sent
    std::string fingerprint;         // sync_fingerprint() when the cache was built
    std::uint64_t last_change = 0;   // unix time the cache content last changed (0 = unknown)
    std::uint64_t requests = 0;      // HTTP requests of the last successful sync, retries included
    bool not_modified = false;       // the last successful sync found the source unchanged
};

// What the cache's content depends on besides the source's data: the config file, the local
// account files (validation refuses their names and ids) and this dirbind's version. While it
// is unchanged, an unchanged source means an unchanged cache.
std::string sync_fingerprint(const Config& cfg);

// True when a "not modified" answer may keep the cache: the last good sync read the same
// source with the same fingerprint, recorded a validator, and the cache files are there.
bool can_sync_conditionally(const Config& cfg, const SyncStatus& s, const std::string& fingerprint);

// Reads status.json from `cache_dir`; a missing or unreadable file gives a default status.
SyncStatus read_sync_status(const std::string& cache_dir);

// Replaces status.json in `cache_dir` atomically (mode 0644). With `durable` false the file
// and directory are not fsync'ed (a 304 sync: losing that status on a power cut only costs the
// next sync a full fetch). Throws Error(Err::io).
void write_sync_status(const std::string& cache_dir, const SyncStatus& s, bool durable = true);

}  // namespace dirbind
