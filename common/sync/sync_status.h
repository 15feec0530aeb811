// SPDX-License-Identifier: Apache-2.0
// sync_status.h — <cache_dir>/status.json, the record of the last sync: what `dirbind status`
// shows, and the validators a conditional fetch may send. Root-written, world-readable, holds no
// secrets. SyncRecord is its one writer: the sync and login_refresh go through it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"
#include "sync/source.h"

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
    std::string fingerprint;         // SyncRecord's fingerprint when the cache was built
    std::uint64_t last_change = 0;   // unix time the cache content last changed (0 = unknown)
    std::uint64_t requests = 0;      // HTTP requests of the last successful sync, retries included
    bool not_modified = false;       // the last successful sync found the source unchanged
    // The source answered 429: no request to it before this unix time (0 = none). Cleared by a
    // successful sync, and by a failed one that starts after it.
    std::uint64_t retry_after = 0;
    // What the last sync that validated the directory left out, and why (the first
    // kMaxSkippedRecords; `skipped` has the count): for `status` and `doctor`.
    std::vector<Skipped> skipped_records;
};

constexpr std::size_t kMaxSkippedRecords = 1000;

// What one sync did, for its caller and for the record.
struct SyncReport {
    std::size_t users = 0, groups = 0;
    std::vector<Skipped> skipped;
    std::uint64_t duration_ms = 0;
    std::size_t homes_rekeyed = 0;  // existing homes whose authorized_keys were rebuilt
    bool not_modified = false;      // the source said "unchanged" (304): the cache was kept as is
    std::uint64_t requests = 0;     // HTTP requests made (network sources)
};

// Reads status.json from `cache_dir`; a missing or unreadable file gives a default status.
SyncStatus read_sync_status(const std::string& cache_dir);

// The record as one sync sees it: read once at the start, changed in memory, written once at
// the end with the outcome.
class SyncRecord {
public:
    // Reads status.json and takes what the cache's content depends on besides the source's data:
    // the config file, the local account files (validation refuses their names and ids) and this
    // dirbind's version. While that fingerprint is unchanged, an unchanged source means an
    // unchanged cache.
    explicit SyncRecord(const Config& cfg);

    const SyncStatus& status() const noexcept { return s_; }

    // The validators a conditional fetch may send, or nullptr: only those of a last good sync of
    // the same source with the same fingerprint, while both cache files are there (a cache
    // someone removed must be fetched again, whatever the server says).
    const FetchState* since() const noexcept { return since_ ? &validators_ : nullptr; }

    // Records a successful sync that started at unix time `attempt`: `fetched` holds the
    // validators of what the cache now holds; a `report.not_modified` sync kept the cache as it
    // was. Writes status.json (not fsync'ed when nothing else changed: losing it on a power cut
    // only costs the next sync a full fetch). Throws Error(Err::io).
    void succeeded(std::uint64_t attempt, const SyncReport& report, const FetchState& fetched);

    // Records a sync that failed with `error`: the cache may or may not have been replaced, so the
    // validators are dropped and the next sync fetches in full. Writes status.json; a failure to
    // write it is ignored (the original error is the one worth reporting).
    void failed(std::uint64_t attempt, const std::string& error) noexcept;

    // Notes that the source makes no request before unix time `until` (FetchHooks::rate_limited);
    // written with the outcome.
    void rate_limited(std::uint64_t until) noexcept { s_.retry_after = until; }

private:
    void write(bool durable);

    std::string cache_dir_;
    std::string fingerprint_;
    SyncStatus s_;
    FetchState validators_;
    bool since_ = false;
};

}  // namespace dirbind
