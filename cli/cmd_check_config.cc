// SPDX-License-Identifier: Apache-2.0
// cmd_check_config.cc — `dirbind check-config`: loads the config and the source as a sync
// would, writes nothing, and prints every problem found.
#include <cstdio>
#include <utility>

#include "commands.h"
#include "sudo_report.h"
#include "config/config.h"
#include "directory/validate.h"
#include "sync/source.h"
#include "system/error.h"
#include "system/log.h"

namespace dirbind::cli {

int cmd_check_config(const Args& a) {
    if (!a.words.empty()) return usage_error("check-config takes no arguments");
    Config cfg;
    try {
        cfg = load_config(a.config);
    } catch (const Error& e) {
        std::printf("%s\n", e.what());
        std::printf("config: 1 problem\n");
        return 1;
    }
    std::printf("config %s: ok (source: %s, cache: %s)\n", a.config.c_str(), describe_source(cfg).c_str(),
                cfg.cache_dir.c_str());
    // Warnings, not problems: the exit status stays about the config and the directory.
    for (const std::string& w : sudo_rule_warnings(cfg)) std::printf("warning: sudo: %s\n", w.c_str());
    std::vector<Skipped> skipped;
    // Each skipped record is also logged by the validator; here the list is the report.
    set_log_sink([](LogLevel, const std::string&) {});
    try {
        RawDirectory raw = fetch_directory(cfg, &skipped);
        Directory d = validate_directory(std::move(raw), cfg, read_local_accounts(cfg), &skipped);
        std::printf("source: %zu users, %zu groups valid\n", d.users.size(), d.groups.size());
    } catch (const Error& e) {
        std::printf("%s\n", e.what());
        return 1;
    }
    for (const Skipped& s : skipped)
        std::printf("problem: %s %s: %s\n", s.what.c_str(), s.name.c_str(), s.reason.c_str());
    std::printf("%zu problem%s\n", skipped.size(), skipped.size() == 1 ? "" : "s");
    return skipped.empty() ? 0 : 1;
}

}  // namespace dirbind::cli
