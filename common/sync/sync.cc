// SPDX-License-Identifier: Apache-2.0
// sync.cc — run_sync(): the steps of a sync, in order, with the lock and status around them.
#include "sync/sync.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <map>
#include <utility>

#include "directory/validate.h"
#include "provisioning/key_refresh.h"
#include "sync/cache_writer.h"
#include "sync/jumpcloud_tables.h"
#include "sync/source.h"
#include "sync/sync_status.h"
#include "system/error.h"

namespace dirbind {
namespace {

// The entries of `fetched` for the users the cache now holds: a user the validator dropped is
// not one login_refresh may ask about.
std::map<std::string, std::string> cached_user_ids(const Directory& dir,
                                                   const std::map<std::string, std::string>& fetched) {
    std::map<std::string, std::string> out;
    for (const User& u : dir.users)
        if (auto it = fetched.find(u.name); it != fetched.end()) out.emplace(u.name, it->second);
    return out;
}

// Holds flock(LOCK_EX) on the lock file for its lifetime.
class SyncLock {
public:
    explicit SyncLock(const std::string& dir) {
        std::string path = dir + "/.sync.lock";
        fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd_ < 0)
            throw Error(errno == EACCES ? Err::permission : Err::io,
                        "cannot open lock " + path + ": " + std::strerror(errno));
        if (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
            close(fd_);
            throw Error(Err::busy, "another dirbind sync is running (lock " + path + " is held)");
        }
    }
    ~SyncLock() { close(fd_); }
    SyncLock(const SyncLock&) = delete;
    SyncLock& operator=(const SyncLock&) = delete;

private:
    int fd_ = -1;
};

void ensure_cache_dir(const std::string& dir) {
    if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
        throw Error(errno == EACCES ? Err::permission : Err::io,
                    "cannot create cache directory " + dir + ": " + std::strerror(errno));
    struct stat st;
    if (lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        throw Error(Err::io, "cache directory " + dir + " is not a directory");
    if (access(dir.c_str(), W_OK) != 0)
        throw Error(Err::permission, "no permission to write the cache directory " + dir + " (run as root)");
}

std::uint64_t now() { return static_cast<std::uint64_t>(std::time(nullptr)); }

// ---- network sources: conditional fetch (docs/sources.md) ----

std::uint64_t ms_since(std::chrono::steady_clock::time_point start) {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count());
}

// After a good sync: what a conditional fetch needs next time (sync_status.h).
void record_fetch(const FetchState& fetched, const std::string& fingerprint, bool changed, SyncStatus* status) {
    status->etag = fetched.etag;
    status->last_modified = fetched.last_modified;
    status->fingerprint = fingerprint;
    status->not_modified = !changed;
    if (changed) status->last_change = status->last_attempt;
}

// The source answered "not modified": the cache already holds its data, so nothing but
// status.json is written.
SyncReport finish_unchanged(const Config& cfg, std::chrono::steady_clock::time_point start, const FetchResult& fetched,
                            const std::string& fingerprint, SyncStatus& status, SyncReport& report) {
    report.not_modified = true;
    report.requests = fetched.requests;
    report.users = status.users;
    report.groups = status.groups;
    report.duration_ms = ms_since(start);
    record_fetch(fetched.state, fingerprint, false, &status);
    status.last_success = status.last_attempt;
    status.last_error.clear();
    status.duration_ms = report.duration_ms;
    status.requests = report.requests;
    write_sync_status(cfg.cache_dir, status, false);
    return report;
}

}  // namespace

SyncReport run_sync(const Config& cfg, const SyncOptions& opt) {
    auto start = std::chrono::steady_clock::now();
    ensure_cache_dir(cfg.cache_dir);
    SyncLock lock(cfg.cache_dir);
    SyncStatus status = read_sync_status(cfg.cache_dir);
    status.last_attempt = now();
    status.source = describe_source(cfg);
    SyncReport report;
    const std::string fingerprint = sync_fingerprint(cfg);
    FetchState fetched_state;
    try {
        FetchState since{status.etag, status.last_modified};
        FetchHooks hooks = opt.fetch;
        hooks.persist = true;  // we hold the sync lock: the source may keep its state (uid table)
        FetchResult fetched = fetch_directory(cfg, can_sync_conditionally(cfg, status, fingerprint) ? &since : nullptr,
                                              hooks, &report.skipped);
        if (fetched.not_modified) return finish_unchanged(cfg, start, fetched, fingerprint, status, report);
        report.requests = fetched.requests;
        fetched_state = std::move(fetched.state);
        std::map<std::string, std::string> user_ids = std::move(fetched.user_ids);
        RawDirectory raw = std::move(fetched.dir);
        Directory dir = validate_directory(std::move(raw), cfg, read_local_accounts(cfg), &report.skipped);
        // Held mapped across the write: the refresh compares the replaced cache with the new one.
        CacheSnapshot before(cfg.cache_dir);
        if (dir.users.empty() && before.users() > 0 && !opt.force)
            throw Error(Err::refused, "the directory has no valid users but the cache has " +
                                          std::to_string(before.users()) +
                                          "; keeping the cache (use --force to replace it)");
        write_cache(dir, cfg.cache_dir, status.last_attempt);
        if (cfg.source.type == "jumpcloud") save_user_id_map(cfg.cache_dir, cached_user_ids(dir, user_ids));
        report.homes_rekeyed = refresh_authorized_keys(cfg, before, dir);
        report.users = dir.users.size();
        report.groups = dir.groups.size();
    } catch (const Error& e) {
        status.last_error = e.what();
        // The cache may or may not have been replaced: the next sync fetches in full.
        status.etag.clear();
        status.last_modified.clear();
        try {
            write_sync_status(cfg.cache_dir, status);
        } catch (const Error&) {
            // The original error is the one worth reporting.
        }
        throw;
    }
    report.duration_ms = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count());
    status.last_success = status.last_attempt;
    status.last_error.clear();
    status.users = report.users;
    status.groups = report.groups;
    status.skipped = report.skipped.size();
    status.duration_ms = report.duration_ms;
    status.requests = report.requests;
    record_fetch(fetched_state, fingerprint, true, &status);
    write_sync_status(cfg.cache_dir, status);
    return report;
}

}  // namespace dirbind
