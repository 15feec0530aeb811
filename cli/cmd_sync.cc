// SPDX-License-Identifier: Apache-2.0
// cmd_sync.cc — `dirbind sync [--force] [--verbose]`: one sync, with progress on a terminal and
// one summary line otherwise.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "commands.h"
#include "config/config.h"
#include "sync/source.h"
#include "sync/sync.h"
#include "skip_summary.h"
#include "system/log.h"

namespace dirbind::cli {
namespace {

using Clock = std::chrono::steady_clock;

// Redraws one status line on the terminal, at most ten times a second.
class ProgressLine {
public:
    void update(const FetchProgress& p) {
        auto now = Clock::now();
        if (phase_ != p.phase) {
            phase_ = p.phase;
            phase_start_ = now;
        }
        bool last = p.total != 0 && p.done == p.total;
        if (!last && now - drawn_ < std::chrono::milliseconds(100)) return;
        drawn_ = now;
        std::string line = "dirbind: " + label(p.phase) + " " + std::to_string(p.done);
        if (p.total) line += "/" + std::to_string(p.total);
        line += " (" + std::to_string(p.requests) + " requests";
        double secs = std::chrono::duration<double>(now - phase_start_).count();
        if (p.total && p.done > 0 && p.done < p.total && secs > 0.5) {
            double eta = secs / static_cast<double>(p.done) * static_cast<double>(p.total - p.done);
            line += ", ETA " + std::to_string(static_cast<long>(eta + 0.5)) + " s";
        }
        line += ")";
        std::printf("\r\033[K%s", line.c_str());
        std::fflush(stdout);
        shown_ = true;
    }
    void clear() {
        if (shown_) std::printf("\r\033[K");
        shown_ = false;
    }
    ~ProgressLine() { clear(); }

private:
    static std::string label(const std::string& phase) {
        if (phase == "users") return "bound-user pages";
        if (phase == "details") return "user details";
        return phase;
    }
    std::string phase_;
    Clock::time_point phase_start_{}, drawn_{};
    bool shown_ = false;
};

}  // namespace

int cmd_sync(const Args& a) {
    for (const auto& w : a.words)
        if (w != "--force" && w != "--verbose") return usage_error("sync: unknown argument '" + w + "'");
    Config cfg = load_config(a.config);
    SyncOptions opt;
    opt.force = a.has("--force");
    opt.fetch.verbose = a.has("--verbose");
    ProgressLine progress;
    // Progress only for a person watching, and not interleaved with --verbose's request log.
    if (isatty(STDOUT_FILENO) && !opt.fetch.verbose)
        opt.fetch.progress = [&progress](const FetchProgress& p) { progress.update(p); };
    SyncReport r;
    try {
        r = run_sync(cfg, opt);
    } catch (...) {
        progress.clear();
        throw;
    }
    progress.clear();
    std::string source = describe_source(cfg);
    unsigned long long ms = r.duration_ms;
    if (r.not_modified) {
        std::printf(
            "dirbind: %s not modified since the last sync: cache kept (%zu users, %zu groups) in %llu ms",
            source.c_str(), r.users, r.groups, ms);
    } else {
        std::printf("dirbind: synced %zu users, %zu groups, %zu skipped from %s in %llu ms", r.users,
                    r.groups, r.skipped.size(), source.c_str(), ms);
        if (r.homes_rekeyed > 0) std::printf("; authorized_keys rebuilt in %zu homes", r.homes_rekeyed);
    }
    if (r.requests > 0)
        std::printf(" (%llu %s)", static_cast<unsigned long long>(r.requests),
                    cfg.source.type == "ldap" ? "LDAP operations" : "HTTP requests");
    std::printf("\n");
    // The reasons also went to the log one by one; here the few that say what to fix.
    std::vector<std::string> why = skip_summary(r.skipped, r.skipped.size());
    if (!why.empty()) std::printf("dirbind: skipped:\n");
    for (const std::string& line : why) std::printf("%s\n", line.c_str());
    return 0;
}

}  // namespace dirbind::cli
