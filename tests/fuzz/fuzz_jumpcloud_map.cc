// SPDX-License-Identifier: Apache-2.0
// fuzz_jumpcloud_map.cc — libFuzzer target for the JumpCloud API mapping (common/jumpcloud_map.cc):
// the input is parsed as JSON the way the jumpcloud source parses a response body, then handed
// whole to map_system(), parse_bound_user() and map_user(), and — when it is an object with
// "system", "binding" and "user" members — those parts to the mapper that takes them, as one
// sync would. dirbind::Error from map_system() is the only acceptable exception; a crash, a
// sanitizer report, any other exception or a broken promise of jumpcloud_map.h is a bug.
// Seeds: tests/fuzz/corpus/jumpcloud (the API objects of ../shared/jumpcloud-api.md).
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "cache/names.h"
#include "net/jumpcloud_map.h"
#include "net/jumpcloud_sign.h"
#include "system/error.h"
#include "system/log.h"

namespace {

using nlohmann::json;

constexpr std::time_t kNow = 1800000000;  // fixed: a run must be reproducible

void quiet(dirbind::LogLevel, const std::string&) {}

void check(bool ok) {
    if (!ok) __builtin_trap();
}

void system_object(const json& j) {
    try {
        (void)dirbind::map_system(j);
    } catch (const dirbind::Error&) {
        // A wrong type fails the sync: the documented outcome.
    }
}

dirbind::BoundUser binding(const json& j) {
    std::string why;
    auto b = dirbind::parse_bound_user(j, &why);
    if (!b) {
        check(!why.empty());  // every refusal says why
        dirbind::BoundUser fallback;
        fallback.id = "5f0000000000000000000001";
        return fallback;
    }
    // Ids go into URL paths: only 24 hex digits get through.
    check(dirbind::valid_jumpcloud_id(b->id));
    for (const auto& g : b->posix_groups) check(!g.name.empty());
    return *b;
}

void user_details(const json& j, const dirbind::BoundUser& b) {
    std::string why;
    auto u = dirbind::map_user(j, b, &why, kNow);
    if (!u) {
        check(!why.empty());
        return;
    }
    const dirbind::User& user = u->user;
    check(!user.name.empty());
    // The gecos is cleaned here, not refused later: it must already be valid passwd text.
    check(dirbind::valid_field_text(user.gecos.data(), user.gecos.size(), 256));
    check(user.totp_secret.empty() && user.password_hash.empty());  // JumpCloud hands out neither
    check(u->managed_uid || user.uid == 0);                         // the allocator picks the rest
    for (const auto& k : user.ssh_keys) check(!k.line.empty());
    check(user.where.find(b.id) != std::string::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static bool once = (dirbind::set_log_sink(quiet), true);
    (void)once;
    if (size > 1 << 16) return 0;  // responses are capped by the transport; depth costs stack
    std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)dirbind::parse_iso8601(text);
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded()) return 0;
    system_object(j);
    user_details(j, binding(j));
    if (j.is_object()) {
        dirbind::BoundUser b = j.contains("binding") ? binding(j["binding"]) : binding(json::object());
        if (j.contains("system")) system_object(j["system"]);
        if (j.contains("user")) user_details(j["user"], b);
    }
    return 0;
}
