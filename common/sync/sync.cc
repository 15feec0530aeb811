// SPDX-License-Identifier: Apache-2.0
// sync.cc — run_sync(): the steps of a sync, in order, with the lock and the record around them.
#include "sync/sync.h"
#include "sync/sync_metrics.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <utility>

#include "directory/validate.h"
#include "provisioning/key_refresh.h"
#include "sync/cache_writer.h"
#include "system/error.h"
#include "system/secret_file.h"

namespace dirbind {
namespace {

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

// The readers trust the cache only in a directory nobody else can change (cache_reader.h), and
// a file someone else removed would read as "never synced": refuse to write anywhere else.
void ensure_cache_dir(const std::string& dir) {
    if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
        throw Error(errno == EACCES ? Err::permission : Err::io,
                    "cannot create cache directory " + dir + ": " + std::strerror(errno));
    struct stat st;
    if (lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        throw Error(Err::io, "cache directory " + dir + " is not a directory");
    if (std::string why = untrusted_because(st, dir); !why.empty())
        throw Error(Err::permission, "refusing to use cache directory " + dir + ": " + why);
    if (access(dir.c_str(), W_OK) != 0)
        throw Error(Err::permission, "no permission to write the cache directory " + dir + " (run as root)");
}

// Validates what the source sent, replaces the cache with it and lets the source commit its state;
// fills the report's counts.
void replace_cache(const Config& cfg, const SyncOptions& opt, FetchResult&& fetched, std::uint64_t written_at,
                   SyncReport* report) {
    Directory dir = validate_directory(std::move(fetched.dir), cfg, read_local_accounts(cfg), &report->skipped);
    // Held mapped across the write: the refresh compares the replaced cache with the new one.
    CacheSnapshot before(cfg.cache_dir);
    if (dir.users.empty() && before.users() > 0 && !opt.force)
        throw Error(Err::refused, "the directory has no valid users but the cache has " +
                                      std::to_string(before.users()) +
                                      "; keeping the cache (use --force to replace it)");
    write_cache(dir, cfg.cache_dir, written_at);
    if (fetched.commit)
        if (std::string why = fetched.commit(dir); !why.empty()) throw Error(Err::io, why);
    report->homes_rekeyed = refresh_authorized_keys(cfg, before, dir);
    report->users = dir.users.size();
    report->groups = dir.groups.size();
}

}  // namespace

SyncReport run_sync(const Config& cfg, const SyncOptions& opt) {
    const auto start = std::chrono::steady_clock::now();
    ensure_cache_dir(cfg.cache_dir);
    SyncLock lock(cfg.cache_dir);
    SyncRecord record(cfg);
    const auto attempt = static_cast<std::uint64_t>(std::time(nullptr));
    SyncReport report;
    FetchState fetched_state;
    try {
        FetchHooks hooks = opt.fetch;
        hooks.persist = true;  // we hold the sync lock: the source may keep its state (uid table)
        hooks.rate_limited = [&record](std::uint64_t until) { record.rate_limited(until); };
        FetchResult fetched = fetch_directory(cfg, record.since(), hooks, &report.skipped);
        report.requests = fetched.requests;
        report.not_modified = fetched.not_modified;
        fetched_state = std::move(fetched.state);
        if (fetched.not_modified) {  // the cache already holds the source's data
            report.users = record.status().users;
            report.groups = record.status().groups;
        } else {
            replace_cache(cfg, opt, std::move(fetched), attempt, &report);
        }
    } catch (const Error& e) {
        record.failed(attempt, e.what());
        write_sync_metrics(cfg, record.status(), e.code());
        throw;
    }
    report.duration_ms = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count());
    record.succeeded(attempt, report, fetched_state);
    write_sync_metrics(cfg, record.status(), Err::ok);
    return report;
}

}  // namespace dirbind
