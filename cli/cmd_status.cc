// SPDX-License-Identifier: Apache-2.0
// cmd_status.cc — `dirbind status`: what the cache holds and how the last sync went.
#include <cstdio>
#include <ctime>
#include <string>

#include "cache/cache_format.h"
#include "cache/cache_reader.h"
#include "commands.h"
#include "config/config.h"
#include "config/doc_util.h"
#include "sync/sync_status.h"

namespace dirbind::cli {
namespace {
std::string utc(std::uint64_t t) {
    char buf[64];
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return buf;
}
long long from_now(std::uint64_t t) {
    return static_cast<long long>(t) - static_cast<long long>(std::time(nullptr));
}
std::string when(std::uint64_t t) {
    if (t == 0) return "never";
    return utc(t) + " (" + std::to_string(-from_now(t)) + " s ago)";
}
std::string until(std::uint64_t t) { return utc(t) + " (in " + std::to_string(from_now(t)) + " s)"; }
const char* yn(std::uint32_t bits, std::uint32_t bit) { return (bits & bit) ? "yes" : "no"; }
}  // namespace

int cmd_status(const Args& a) {
    if (!a.words.empty()) return usage_error("status takes no arguments");
    Config cfg = load_config(a.config);
    SyncStatus s = read_sync_status(cfg.cache_dir);
    ScopedCache cache(cfg.cache_dir.c_str(), cachefmt::kIdentity);
    Pin pin;
    bool have = pin.acquire(cache.get()) == Err::ok;
    std::printf("source:       %s\n", s.source.empty() ? "(never synced)" : s.source.c_str());
    if (have) {
        std::printf("cache:        %s (%u users, %u groups, written %s)\n", cache.path(), pin.user_count(), pin.group_count(),
                    when(pin.created()).c_str());
        std::uint32_t p = pin.policy();
        std::printf("policy:       password auth %s, public-key auth %s, root login %s, mfa %s\n",
                    yn(p, cachefmt::kPasswordAuth), yn(p, cachefmt::kPublicKeyAuth), yn(p, cachefmt::kRootLogin),
                    yn(p, cachefmt::kMfa));
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
        std::printf(", %llu HTTP requests", static_cast<unsigned long long>(s.requests));
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
    if (s.retry_after > static_cast<std::uint64_t>(std::time(nullptr)))
        std::printf("next request: not before %s: the source answered 429 Too Many Requests\n",
                    until(s.retry_after).c_str());
    std::printf("last error:   %s\n", s.last_error.empty() ? "none" : s.last_error.c_str());
    return have && s.last_error.empty() ? 0 : 1;
}

}  // namespace dirbind::cli
