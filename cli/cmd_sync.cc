// cmd_sync.cc — `dirbind sync [--force]`.
#include <cstdio>

#include "commands.h"
#include "config.h"
#include "source.h"
#include "sync.h"

namespace dirbind::cli {

int cmd_sync(const Args& a) {
    for (const auto& w : a.words)
        if (w != "--force") return usage_error("sync: unknown argument '" + w + "'");
    Config cfg = load_config(a.config);
    SyncOptions opt;
    opt.force = a.has("--force");
    SyncReport r = run_sync(cfg, opt);
    std::printf("dirbind: synced %zu users, %zu groups, %zu skipped from %s in %llu ms", r.users, r.groups,
                r.skipped.size(), describe_source(cfg).c_str(), static_cast<unsigned long long>(r.duration_ms));
    if (r.homes_rekeyed > 0) std::printf("; authorized_keys rebuilt in %zu homes", r.homes_rekeyed);
    std::printf("\n");
    return 0;
}

}  // namespace dirbind::cli
