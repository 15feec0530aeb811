// SPDX-License-Identifier: Apache-2.0
// ldap_state.cc — <cache_dir>/ldap-state.json and ldap-records.json (ldap_state.h): compact
// JSON, every field checked on reading; one atomic writer.
#include "net/ldap_state.h"

#include <sys/random.h>
#include <sys/stat.h>

#include <cerrno>
#include <optional>
#include <nlohmann/json.hpp>

#include "system/atomic_file.h"
#include "system/error.h"
#include "system/secret_file.h"

namespace dirbind {
namespace {

using nlohmann::json;

constexpr const char* kStateName = "ldap-state.json";
constexpr const char* kRecordsName = "ldap-records.json";
constexpr int kVersion = 2;  // 1: one file with the records; read as unusable (a full read)
constexpr std::size_t kMaxStateBytes = std::size_t{2} << 30;

std::string hex(const std::string& raw) {
    static const char* d = "0123456789abcdef";
    std::string out;
    for (unsigned char c : raw) out += d[c >> 4], out += d[c & 15];
    return out;
}

std::string unhex(const std::string& h) {
    if (h.size() % 2) throw Error(Err::source, "odd hex");
    auto v = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        throw Error(Err::source, "bad hex");
    };
    std::string out;
    for (std::size_t i = 0; i < h.size(); i += 2) out += static_cast<char>(v(h[i]) << 4 | v(h[i + 1]));
    return out;
}

// Users: [dn, name, uid, gid, gecos, home, shell, [keys], shadow_expire, locked, account_control].
// Groups: [dn, name, gid, [member uids], [member dns]].
json user_json(const LdapRecord& r) {
    return json::array({r.dn, r.name, r.uid, r.gid, r.gecos, r.home, r.shell, r.keys, r.shadow_expire, r.locked,
                        r.account_control});
}
json group_json(const LdapRecord& r) {
    return json::array({r.dn, r.name, r.gid, r.member_uids, r.member_dns});
}

std::vector<std::string> strings(const json& j) {
    if (!j.is_array()) throw Error(Err::source, "not a list");
    std::vector<std::string> v;
    for (const auto& s : j) v.push_back(s.get<std::string>());
    return v;
}

LdapRecord user_of(const json& j) {
    if (!j.is_array() || j.size() != 11) throw Error(Err::source, "bad user record");
    LdapRecord r;
    r.dn = j[0].get<std::string>(), r.name = j[1].get<std::string>(), r.uid = j[2].get<std::string>();
    r.gid = j[3].get<std::string>(), r.gecos = j[4].get<std::string>(), r.home = j[5].get<std::string>();
    r.shell = j[6].get<std::string>(), r.keys = strings(j[7]), r.shadow_expire = j[8].get<std::string>();
    r.locked = j[9].get<bool>(), r.account_control = j[10].get<std::string>();
    return r;
}
LdapRecord group_of(const json& j) {
    if (!j.is_array() || j.size() != 5) throw Error(Err::source, "bad group record");
    LdapRecord r;
    r.dn = j[0].get<std::string>(), r.name = j[1].get<std::string>(), r.gid = j[2].get<std::string>();
    r.member_uids = strings(j[3]), r.member_dns = strings(j[4]);
    return r;
}

// The JSON of <cache_dir>/NAME; nullopt when it does not exist. Throws Error when it is
// unsafe, unreadable, corrupt or of another version.
std::optional<json> read_state_file(const std::string& cache_dir, const char* name, const char* what) {
    const std::string path = cache_dir + "/" + name;
    struct stat sb;
    if (::lstat(path.c_str(), &sb) != 0 && errno == ENOENT) return std::nullopt;
    std::string text = read_secret_file(path, what, kMaxStateBytes);
    try {
        json j = json::parse(text);
        if (j.at("version") != kVersion) throw Error(Err::source, "unknown version");
        return j;
    } catch (const std::exception& e) {
        throw Error(Err::source, path + " is corrupt (" + e.what() + ")");
    }
}

void write_state_file(const std::string& cache_dir, const char* name, const json& j) {
    AtomicWriteOptions o;
    o.mode = 0600;
    // Invalid UTF-8 from the directory is replaced, not refused: the records are checked again
    // (and refused there) whenever the directory is assembled from them.
    write_file_atomic(cache_dir + "/" + name, j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n", o);
}

}  // namespace

LdapState load_ldap_state(const std::string& cache_dir) {
    LdapState st;
    std::optional<json> j = read_state_file(cache_dir, kStateName, "LDAP sync state");
    if (!j) return st;
    try {
        st.generation = j->at("generation").get<std::string>();
        st.incremental = j->at("incremental").get<bool>();
        st.user_cookie = unhex(j->at("user_cookie").get<std::string>());
        st.group_cookie = unhex(j->at("group_cookie").get<std::string>());
        st.next_change = j->at("next_change").get<std::int64_t>();
    } catch (const std::exception& e) {
        throw Error(Err::source, cache_dir + "/" + kStateName + " is corrupt (" + e.what() + ")");
    }
    return st;
}

void load_ldap_records(const std::string& cache_dir, LdapState* st) {
    const std::string path = cache_dir + "/" + kRecordsName;
    std::optional<json> j = read_state_file(cache_dir, kRecordsName, "LDAP sync records");
    if (!j) throw Error(Err::source, path + " is missing");
    try {
        if (j->at("generation").get<std::string>() != st->generation)
            throw Error(Err::source, "written by another sync than " + std::string(kStateName));
        st->users.clear();
        st->groups.clear();
        for (const auto& [id, r] : j->at("users").items()) st->users.emplace(id, user_of(r));
        for (const auto& [id, r] : j->at("groups").items()) st->groups.emplace(id, group_of(r));
    } catch (const std::exception& e) {
        throw Error(Err::source, path + " is corrupt (" + e.what() + ")");
    }
}

void save_ldap_state(const std::string& cache_dir, const LdapState& st) {
    json users = json::object(), groups = json::object();
    for (const auto& [id, r] : st.users) users[id] = user_json(r);
    for (const auto& [id, r] : st.groups) groups[id] = group_json(r);
    write_state_file(cache_dir, kRecordsName,
                     {{"version", kVersion},
                      {"generation", st.generation},
                      {"users", std::move(users)},
                      {"groups", std::move(groups)}});
    write_state_file(cache_dir, kStateName,
                     {{"version", kVersion},
                      {"generation", st.generation},
                      {"incremental", st.incremental},
                      {"user_cookie", hex(st.user_cookie)},
                      {"group_cookie", hex(st.group_cookie)},
                      {"next_change", st.next_change}});
}

std::string ldap_state_etag(const std::string& generation) {
    return "ldap-state " + generation;
}

std::string new_ldap_generation() {
    unsigned char b[16];
    std::size_t got = 0;
    while (got < sizeof b) {
        ssize_t n = ::getrandom(b + got, sizeof b - got, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw Error(Err::io, "getrandom failed");
        got += static_cast<std::size_t>(n);
    }
    return hex(std::string(reinterpret_cast<char*>(b), sizeof b));
}

}  // namespace dirbind
