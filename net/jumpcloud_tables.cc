// SPDX-License-Identifier: Apache-2.0
// jumpcloud_tables.cc — the jumpcloud source's side files (jumpcloud_tables.h): one safe reader
// (root-only file, size cap, version check, every key and value validated) and one atomic writer.
#include "net/jumpcloud_tables.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>

#include "cache/names.h"
#include "config/doc_util.h"
#include "directory/validate.h"
#include "system/atomic_file.h"
#include "system/error.h"
#include "system/log.h"
#include "system/secret_file.h"

namespace dirbind {
namespace {

using nlohmann::json;

constexpr const char* kUidTableName = "jumpcloud-ids.json";
constexpr const char* kUserMapName = "jumpcloud-users.json";
constexpr const char* kStateName = "jumpcloud-state.json";
constexpr const char* kDetailsName = "jumpcloud-details.json";

using Corrupt = std::function<Error(const std::string&)>;

// The version-1 side file `file` as a JSON object, or null when it does not exist. `what` and
// `remedy` go into messages; *corrupt (if not null) is set to the error maker for the caller's
// own checks. Reads at most `cap` bytes.
json read_side_doc(const std::string& cache_dir, const char* file, const std::string& what,
                   const std::string& remedy, Corrupt* corrupt_out, std::size_t cap = 64u << 20) {
    std::string path = cache_dir + "/" + file;
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0 && errno == ENOENT) return nullptr;
    std::string text = read_secret_file(path, what, cap);
    Corrupt corrupt = [path, remedy](const std::string& why) {
        return Error(Err::source, path + " is corrupt (" + why + "); " + remedy);
    };
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw corrupt("not a JSON object");
    if (!j.contains("version") || j["version"] != 1) throw corrupt("unknown version");
    if (corrupt_out) *corrupt_out = corrupt;
    return j;
}

// The `member` object of a version-1 side file, each entry handed to `entry` (which throws the
// error `corrupt` makes). A missing file calls nothing.
void read_side_file(const std::string& cache_dir, const char* file, const char* member,
                    const std::string& what, const std::string& remedy,
                    const std::function<void(const std::string&, const json&, const Corrupt&)>& entry) {
    Corrupt corrupt;
    json j = read_side_doc(cache_dir, file, what, remedy, &corrupt);
    if (j.is_null()) return;
    if (!j.contains(member) || !j[member].is_object())
        throw corrupt(std::string("no '") + member + "' object");
    for (const auto& [k, v] : j[member].items()) entry(k, v, corrupt);
}

void write_side_doc(const std::string& cache_dir, const char* file, const json& doc, int indent = 1) {
    AtomicWriteOptions o;
    o.mode = 0600;
    write_file_atomic(cache_dir + "/" + file, doc.dump(indent) + "\n", o);
}

void write_side_file(const std::string& cache_dir, const char* file, const char* member, json entries) {
    write_side_doc(cache_dir, file, {{"version", 1}, {member, std::move(entries)}});
}

bool is_u64(const json& v) { return v.is_number_unsigned(); }

}  // namespace

std::map<std::string, std::uint32_t> load_uid_table(const std::string& cache_dir) {
    std::map<std::string, std::uint32_t> table;
    std::set<std::uint32_t> seen;
    read_side_file(cache_dir, kUidTableName, "ids", "uid allocation table",
                   "restore it or remove it (users without JumpCloud-managed uids would then get new uids)",
                   [&](const std::string& k, const json& v, const auto& corrupt) {
                       if (!valid_jumpcloud_id(k)) throw corrupt("bad user id '" + doc::printable(k) + "'");
                       if (!v.is_number_unsigned() || v.get<std::uint64_t>() > 0xffffffffull)
                           throw corrupt("bad uid for " + k);
                       auto id = static_cast<std::uint32_t>(v.get<std::uint64_t>());
                       if (!seen.insert(id).second)
                           throw corrupt("uid " + std::to_string(id) + " given twice");
                       table.emplace(k, id);
                   });
    return table;
}

void save_uid_table(const std::string& cache_dir, const std::map<std::string, std::uint32_t>& table) {
    json ids = json::object();
    for (const auto& [k, v] : table) ids[k] = v;
    write_side_file(cache_dir, kUidTableName, "ids", std::move(ids));
}

std::map<std::string, std::string> load_user_id_map(const std::string& cache_dir) {
    std::map<std::string, std::string> names;
    std::set<std::string> seen;
    read_side_file(cache_dir, kUserMapName, "users", "JumpCloud user map",
                   "remove it; the next sync writes it again",
                   [&](const std::string& k, const json& v, const auto& corrupt) {
                       if (!valid_name(k.data(), k.size()))
                           throw corrupt("bad user name '" + doc::printable(k) + "'");
                       if (!v.is_string() || !valid_jumpcloud_id(v.get<std::string>()))
                           throw corrupt("bad user id for " + k);
                       if (!seen.insert(v.get<std::string>()).second)
                           throw corrupt("user id " + v.get<std::string>() + " given twice");
                       names.emplace(k, v.get<std::string>());
                   });
    return names;
}

void save_user_id_map(const std::string& cache_dir, const std::map<std::string, std::string>& names) {
    json users = json::object();
    for (const auto& [k, v] : names) users[k] = v;
    write_side_file(cache_dir, kUserMapName, "users", std::move(users));
}

JumpCloudState load_state(const std::string& cache_dir) {
    JumpCloudState st;
    const std::map<std::string, std::uint64_t JumpCloudState::*> fields = {
        {"org_users", &JumpCloudState::org_users},       {"org_users_at", &JumpCloudState::org_users_at},
        {"throttled_at", &JumpCloudState::throttled_at}, {"retry_until", &JumpCloudState::retry_until},
        {"throttled", &JumpCloudState::throttled}};
    read_side_file(cache_dir, kStateName, "state", "JumpCloud source state", "remove it; the next sync writes it again",
                   [&](const std::string& k, const json& v, const Corrupt& corrupt) {
                       auto f = fields.find(k);
                       if (f == fields.end()) throw corrupt("unknown entry '" + doc::printable(k) + "'");
                       if (!is_u64(v)) throw corrupt(k + " is not a count");
                       st.*(f->second) = v.get<std::uint64_t>();
                   });
    return st;
}

void save_state(const std::string& cache_dir, const JumpCloudState& s) {
    write_side_file(cache_dir, kStateName, "state",
                    {{"org_users", s.org_users},
                     {"org_users_at", s.org_users_at},
                     {"throttled_at", s.throttled_at},
                     {"retry_until", s.retry_until},
                     {"throttled", s.throttled}});
}

DetailsStore load_details_store(const std::string& cache_dir) {
    DetailsStore store;
    Corrupt corrupt;
    // Large: every bound user's record (≈ 1 KB each).
    json j = read_side_doc(cache_dir, kDetailsName, "JumpCloud details store",
                           "remove it; the next sync reads every user's details again", &corrupt, 1u << 30);
    if (j.is_null()) return store;
    if (!j.contains("sync") || !is_u64(j["sync"])) throw corrupt("no sync number");
    if (!j.contains("users") || !j["users"].is_object()) throw corrupt("no 'users' object");
    store.sync = j["sync"].get<std::uint64_t>();
    for (auto& [k, v] : j["users"].items()) {
        if (!valid_jumpcloud_id(k)) throw corrupt("bad user id '" + doc::printable(k) + "'");
        if (!v.is_object() || !v.contains("sync") || !is_u64(v["sync"]) || !v.contains("details") ||
            !v["details"].is_object())
            throw corrupt("bad entry for " + k);
        StoredDetails d{v["sync"].get<std::uint64_t>(), std::move(v["details"])};
        if (d.sync > store.sync) throw corrupt("the entry for " + k + " is from a later sync than the store");
        store.users.emplace(k, std::move(d));
    }
    return store;
}

void save_details_store(const std::string& cache_dir, const DetailsStore& store) {
    json users = json::object();
    for (const auto& [id, d] : store.users) users[id] = {{"sync", d.sync}, {"details", d.details}};
    // Compact: this file holds every bound user and is rewritten by every sync.
    write_side_doc(cache_dir, kDetailsName, {{"version", 1}, {"sync", store.sync}, {"users", std::move(users)}},
                   -1);
}

void remove_details_store(const std::string& cache_dir) {
    std::string path = cache_dir + "/" + kDetailsName;
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        throw Error(Err::io, "cannot remove " + path + ": " + errno_text(errno));
}

}  // namespace dirbind
