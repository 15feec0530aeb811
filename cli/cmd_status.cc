// SPDX-License-Identifier: Apache-2.0
// cmd_status.cc — `dirbind status`: what the cache holds and how the last sync went.
#include <cstdio>
#include <ctime>
#include <string>

#include "cache/cache_format.h"
#include "cache/cache_reader.h"
#include <nlohmann/json.hpp>

#include "commands.h"
#include "skip_summary.h"
#include "config/config.h"
#include "config/doc_util.h"
#include "sudo_report.h"
#include "sync/sync_status.h"
#include "system/log.h"

namespace dirbind::cli {
namespace {
long long from_now(std::uint64_t t) {
    return static_cast<long long>(t) - static_cast<long long>(std::time(nullptr));
}
std::string when(std::uint64_t t) {
    if (t == 0) return "never";
    return utc_text(t) + " (" + std::to_string(-from_now(t)) + " s ago)";
}
std::string until(std::uint64_t t) { return utc_text(t) + " (in " + std::to_string(from_now(t)) + " s)"; }
const char* yn(std::uint32_t bits, std::uint32_t bit) { return (bits & bit) ? "yes" : "no"; }
// Whether a source's 429 wait (SyncStatus::retry_after) is still in force.
bool waiting(std::uint64_t retry_after) { return from_now(retry_after) > 0; }

// docs/monitoring.md, "dirbind status --json".
int print_status_json(const SyncStatus& s, const char* cache_path, const Pin* pin) {
    nlohmann::json cache = {{"path", cache_path}, {"readable", pin != nullptr}};
    if (pin != nullptr) {
        std::uint32_t p = pin->policy();
        cache["users"] = pin->user_count();
        cache["groups"] = pin->group_count();
        cache["written"] = pin->created();
        cache["policy"] = {{"password_auth", (p & cachefmt::kPasswordAuth) != 0},
                           {"public_key_auth", (p & cachefmt::kPublicKeyAuth) != 0},
                           {"root_login", (p & cachefmt::kRootLogin) != 0},
                           {"mfa", (p & cachefmt::kMfa) != 0}};
    }
    nlohmann::json skipped = nlohmann::json::array();
    for (const Skipped& k : s.skipped_records)
        skipped.push_back({{"what", k.what}, {"name", k.name}, {"reason", k.reason}});
    auto opt_time = [](std::uint64_t t) { return t == 0 ? nlohmann::json(nullptr) : nlohmann::json(t); };
    nlohmann::json j = {{"schema", 1},
                        {"source", s.source},
                        {"cache", cache},
                        {"last_attempt", opt_time(s.last_attempt)},
                        {"last_success", opt_time(s.last_success)},
                        {"last_change", opt_time(s.last_change)},
                        {"last_error", s.last_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.last_error)},
                        {"not_modified", s.not_modified},
                        {"duration_ms", s.duration_ms},
                        {"users", s.users},
                        {"groups", s.groups},
                        {"skipped", s.skipped},
                        {"skipped_records", skipped},
                        {"http_requests", s.requests},
                        {"retry_after", waiting(s.retry_after) ? nlohmann::json(s.retry_after) : nlohmann::json(nullptr)},
                        {"ok", pin != nullptr && s.last_error.empty()}};
    std::puts(j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return pin != nullptr && s.last_error.empty() ? 0 : 1;
}
}  // namespace

int cmd_status(const Args& a) {
    bool json = a.words.size() == 1 && a.words[0] == "--json";
    if (!a.words.empty() && !json) return usage_error("status takes no arguments but --json");
    Config cfg = load_config(a.config);
    SyncStatus s = read_sync_status(cfg.cache_dir);
    ScopedCache cache(cfg.cache_dir.c_str(), cachefmt::kIdentity);
    Pin pin;
    bool have = pin.acquire(cache.get()) == Err::ok;
    if (json) return print_status_json(s, cache.path(), have ? &pin : nullptr);
    std::printf("source:       %s\n", s.source.empty() ? "(never synced)" : s.source.c_str());
    if (have) {
        std::printf("cache:        %s (%u users, %u groups, written %s)\n", cache.path(), pin.user_count(), pin.group_count(),
                    when(pin.created()).c_str());
        std::uint32_t p = pin.policy();
        std::printf("policy:       password auth %s, public-key auth %s, root login %s, mfa %s\n",
                    yn(p, cachefmt::kPasswordAuth), yn(p, cachefmt::kPublicKeyAuth), yn(p, cachefmt::kRootLogin),
                    yn(p, cachefmt::kMfa));
        unsigned long n[2];
        count_sudo(cfg, pin, n);
        std::printf("sudo:         %lu with password (group %s), %lu without (group %s)\n", n[0],
                    cfg.sudo_groups.password.name.c_str(), n[1], cfg.sudo_groups.nopasswd.name.c_str());
    } else {
        std::printf("cache:        %s missing or unreadable: directory users do not resolve\n", cache.path());
    }
    std::printf("last sync:    %s", when(s.last_success).c_str());
    if (s.last_success != 0 && s.not_modified)
        std::printf(", source not modified: cache kept, %llu ms", static_cast<unsigned long long>(s.duration_ms));
    else if (s.last_success != 0)
        std::printf(", %llu users, %llu groups, %llu skipped, %llu ms", static_cast<unsigned long long>(s.users),
                    static_cast<unsigned long long>(s.groups), static_cast<unsigned long long>(s.skipped),
                    static_cast<unsigned long long>(s.duration_ms));
    if (s.last_success != 0 && s.requests != 0)
        std::printf(", %llu %s", static_cast<unsigned long long>(s.requests),
                    s.source.compare(0, 5, "ldap ") == 0 ? "LDAP operations" : "HTTP requests");
    std::printf("\n");
    // Network sources: when the content last changed, and the validator of what the cache holds.
    if (s.last_change != 0) std::printf("last change:  %s\n", when(s.last_change).c_str());
    if (!s.etag.empty() || !s.last_modified.empty()) {
        std::printf("etag:         %s", s.etag.empty() ? "(none)" : doc::printable(s.etag, 256).c_str());
        if (!s.last_modified.empty())
            std::printf(" (Last-Modified: %s)", doc::printable(s.last_modified, 64).c_str());
        std::printf("\n");
    }
    std::printf("last attempt: %s\n", when(s.last_attempt).c_str());
    if (waiting(s.retry_after))
        std::printf("next request: not before %s: the source answered 429 Too Many Requests\n",
                    until(s.retry_after).c_str());
    std::printf("last error:   %s\n", s.last_error.empty() ? "none" : s.last_error.c_str());
    for (const std::string& w : sudo_rule_warnings(cfg)) std::printf("warning:      %s\n", w.c_str());
    std::vector<std::string> why = skip_summary(s.skipped_records, s.skipped);
    if (!why.empty()) std::printf("skipped:\n");
    for (const std::string& line : why) std::printf("%s\n", line.c_str());
    return have && s.last_error.empty() ? 0 : 1;
}

}  // namespace dirbind::cli
