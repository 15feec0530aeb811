// SPDX-License-Identifier: Apache-2.0
// sync_metrics.cc — the Prometheus text file of sync_metrics.h.
#include "sync/sync_metrics.h"

#include <sys/stat.h>

#include <cerrno>

#include "system/atomic_file.h"
#include "system/log.h"

namespace dirbind {
namespace {
void metric(std::string* out, const char* name, const char* type, const char* help, double value) {
    char num[64];
    std::snprintf(num, sizeof num, "%.17g", value);
    *out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " +
            num + "\n";
}
}  // namespace

std::string sync_metrics_text(const SyncStatus& s, Err error) {
    std::string t;
    metric(&t, "dirbind_sync_last_attempt_timestamp_seconds", "gauge", "Unix time of the last sync attempt.",
           static_cast<double>(s.last_attempt));
    metric(&t, "dirbind_sync_last_success_timestamp_seconds", "gauge",
           "Unix time of the last successful sync (0: never).", static_cast<double>(s.last_success));
    metric(&t, "dirbind_sync_success", "gauge", "1 if the last sync attempt succeeded, else 0.",
           error == Err::ok ? 1 : 0);
    metric(&t, "dirbind_sync_last_error_code", "gauge",
           "Error code of the last attempt (0 none; docs/monitoring.md lists the codes).",
           static_cast<double>(static_cast<int>(error)));
    metric(&t, "dirbind_sync_duration_seconds", "gauge", "Duration of the last successful sync.",
           static_cast<double>(s.duration_ms) / 1000.0);
    metric(&t, "dirbind_sync_users", "gauge", "Directory users in the cache.", static_cast<double>(s.users));
    metric(&t, "dirbind_sync_groups", "gauge", "Directory groups in the cache.",
           static_cast<double>(s.groups));
    metric(&t, "dirbind_sync_skipped", "gauge",
           "Records the last sync left out (dirbind check-config says why).", static_cast<double>(s.skipped));
    metric(&t, "dirbind_sync_http_requests", "gauge", "HTTP requests of the last successful sync.",
           static_cast<double>(s.requests));
    metric(&t, "dirbind_sync_retry_after_timestamp_seconds", "gauge",
           "Unix time before which the source gets no request, after it answered 429 (0: none).",
           static_cast<double>(s.retry_after));
    return t;
}

void write_sync_metrics(const Config& cfg, const SyncStatus& s, Err error) noexcept {
    try {
        if (cfg.metrics_file.empty()) return;
        std::string dir = cfg.metrics_file.substr(0, cfg.metrics_file.rfind('/'));
        struct stat st;
        // The default belongs to the host's own cache: a second instance or a test with its own
        // cache_dir must not overwrite what the host's sync reports.
        if (cfg.metrics_file == kDefaultMetricsFile &&
            (cfg.cache_dir != Config{}.cache_dir || ::stat(dir.empty() ? "/" : dir.c_str(), &st) != 0))
            return;
        AtomicWriteOptions o;
        o.mode = 0644;
        o.sync = false;  // rewritten every minute; a lost one costs nothing
        write_file_atomic(cfg.metrics_file, sync_metrics_text(s, error), o);
    } catch (const std::exception& e) {
        log(LogLevel::warning, std::string("metrics file not written: ") + e.what());
    }
}

}  // namespace dirbind
