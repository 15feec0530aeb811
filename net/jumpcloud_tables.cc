// SPDX-License-Identifier: Apache-2.0
// jumpcloud_tables.cc — the jumpcloud source's side files (jumpcloud_tables.h): one safe reader
// (root-only file, size cap, version check, every key and value validated) and one atomic writer.
#include "net/jumpcloud_tables.h"

#include <sys/stat.h>

#include <cerrno>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>

#include "cache/names.h"
#include "config/doc_util.h"
#include "directory/validate.h"
#include "system/atomic_file.h"
#include "system/error.h"
#include "system/secret_file.h"

namespace dirbind {
namespace {

using nlohmann::json;

constexpr const char* kUidTableName = "jumpcloud-ids.json";
constexpr const char* kUserMapName = "jumpcloud-users.json";

// The `member` object of a version-1 side file, each entry handed to `entry` (which throws the
// error `corrupt` makes). A missing file calls nothing. `what` and `remedy` go into messages.
void read_side_file(const std::string& cache_dir, const char* file, const char* member,
                    const std::string& what, const std::string& remedy,
                    const std::function<void(const std::string&, const json&,
                                             const std::function<Error(const std::string&)>&)>& entry) {
    std::string path = cache_dir + "/" + file;
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0 && errno == ENOENT) return;
    std::string text = read_secret_file(path, what, 64u << 20);
    std::function<Error(const std::string&)> corrupt = [&](const std::string& why) {
        return Error(Err::source, path + " is corrupt (" + why + "); " + remedy);
    };
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw corrupt("not a JSON object");
    if (!j.contains("version") || j["version"] != 1) throw corrupt("unknown version");
    if (!j.contains(member) || !j[member].is_object())
        throw corrupt(std::string("no '") + member + "' object");
    for (const auto& [k, v] : j[member].items()) entry(k, v, corrupt);
}

void write_side_file(const std::string& cache_dir, const char* file, const char* member, json entries) {
    json j = {{"version", 1}, {member, std::move(entries)}};
    AtomicWriteOptions o;
    o.mode = 0600;
    write_file_atomic(cache_dir + "/" + file, j.dump(1) + "\n", o);
}

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

}  // namespace dirbind
