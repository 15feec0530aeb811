// sync_status.h — <cache_dir>/status.json: what the last sync did, for `dirbind status`.
// Root-written, world-readable, holds no secrets.
#pragma once

#include <cstdint>
#include <string>

namespace dirbind {

struct SyncStatus {
    std::uint64_t last_attempt = 0;  // unix time
    std::uint64_t last_success = 0;  // unix time, 0 = never
    std::string last_error;          // "" after a successful sync
    std::string source;              // describe_source()
    std::uint64_t users = 0, groups = 0, skipped = 0;
    std::uint64_t duration_ms = 0;   // of the last successful sync
};

// Reads status.json from `cache_dir`; a missing or unreadable file gives a default status.
SyncStatus read_sync_status(const std::string& cache_dir);

// Replaces status.json in `cache_dir` atomically (mode 0644). Throws Error(Err::io).
void write_sync_status(const std::string& cache_dir, const SyncStatus& s);

}  // namespace dirbind
