// SPDX-License-Identifier: Apache-2.0
// jumpcloud_map.cc — the JumpCloud → model mapping and the host-side uid allocation
// (jumpcloud_map.h). Wrong types never throw from here: a user is skipped with a reason, the
// system object (which has no record to skip) fails the sync.
#include "net/jumpcloud_map.h"

#include <nlohmann/json.hpp>

#include "cache/names.h"
#include "config/doc_util.h"
#include "directory/validate.h"
#include "net/jumpcloud_sign.h"
#include "system/error.h"
#include "system/log.h"

namespace dirbind {
namespace {

using nlohmann::json;

// FNV-1a: stable across builds and platforms, unlike std::hash; the allocation depends on it.
std::uint64_t fnv1a(std::string_view s) {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
    return h;
}

// Field readers: absent or null leave *out alone and succeed; a wrong type fails and says so.
bool get_bool(const json& o, const char* k, bool* out, std::string* why) {
    auto it = o.find(k);
    if (it == o.end() || it->is_null()) return true;
    if (!it->is_boolean()) return *why = std::string(k) + ": not a boolean", false;
    *out = it->get<bool>();
    return true;
}

bool get_string(const json& o, const char* k, std::string* out, std::string* why) {
    auto it = o.find(k);
    if (it == o.end() || it->is_null()) return true;
    if (!it->is_string()) return *why = std::string(k) + ": not a string", false;
    *out = it->get<std::string>();
    return true;
}

bool get_u32(const json& o, const char* k, std::uint32_t* out, bool* present, std::string* why) {
    auto it = o.find(k);
    if (it == o.end() || it->is_null()) return true;
    // Parsed text gives unsigned for non-negative integers, built values may be signed: take both.
    bool ok = it->is_number_integer() && (it->is_number_unsigned() || it->get<std::int64_t>() >= 0) &&
              it->get<std::uint64_t>() <= 0xffffffffull;
    if (!ok) return *why = std::string(k) + ": not a number from 0 to 4294967295", false;
    *out = static_cast<std::uint32_t>(it->get<std::uint64_t>());
    if (present) *present = true;
    return true;
}

// The `n` decimal digits at `p` as a number; false when one is missing or not a digit.
bool digits(std::string_view t, std::size_t p, std::size_t n, int* out) {
    if (p + n > t.size()) return false;
    int v = 0;
    for (std::size_t i = p; i < p + n; ++i) {
        if (t[i] < '0' || t[i] > '9') return false;
        v = v * 10 + (t[i] - '0');
    }
    *out = v;
    return true;
}

// The user's TOTP enrolment (jumpcloud_map.h, map_user): false with *why on a wrong type.
bool map_mfa(const json& d, std::time_t now, bool* enrolled, std::string* why) {
    bool totp = false, configured = false, exclusion = false;
    std::string until;
    if (!get_bool(d, "totp_enabled", &totp, why)) return false;
    if (auto m = d.find("mfa"); m != d.end() && !m->is_null()) {
        if (!m->is_object()) return *why = "mfa: not an object", false;
        if (!get_bool(*m, "configured", &configured, why) || !get_bool(*m, "exclusion", &exclusion, why) ||
            !get_string(*m, "exclusionUntil", &until, why))
            return *why = "mfa." + *why, false;
    }
    bool excluded = exclusion;
    if (exclusion && !until.empty()) {
        auto t = parse_iso8601(until);
        if (!t)
            return *why = "mfa.exclusionUntil: '" + doc::printable(until) + "' is not an ISO 8601 date-time",
                   false;
        // An exclusion that has run out no longer exempts the user. It is judged at sync time:
        // the cache keeps the user exempt until the first sync after the date.
        excluded = *t > now;
    }
    *enrolled = (totp || configured) && !excluded;
    return true;
}

}  // namespace

std::optional<std::time_t> parse_iso8601(std::string_view t) {
    int y, mo, d, h, mi, s;
    if (!digits(t, 0, 4, &y) || t.size() < 20 || t[4] != '-' || !digits(t, 5, 2, &mo) || t[7] != '-' ||
        !digits(t, 8, 2, &d) || (t[10] != 'T' && t[10] != 't') || !digits(t, 11, 2, &h) || t[13] != ':' ||
        !digits(t, 14, 2, &mi) || t[16] != ':' || !digits(t, 17, 2, &s))
        return std::nullopt;
    std::size_t p = 19;
    if (t[p] == '.') {
        std::size_t q = ++p;
        while (p < t.size() && t[p] >= '0' && t[p] <= '9') ++p;
        if (p == q || p - q > 9) return std::nullopt;
    }
    long offset = 0;
    if (p < t.size() && (t[p] == 'Z' || t[p] == 'z')) {
        ++p;
    } else if (p < t.size() && (t[p] == '+' || t[p] == '-')) {
        int oh, om;
        if (!digits(t, p + 1, 2, &oh) || p + 3 >= t.size() || t[p + 3] != ':' || !digits(t, p + 4, 2, &om) ||
            oh > 23 || om > 59)
            return std::nullopt;
        offset = (t[p] == '+' ? 1 : -1) * (oh * 3600L + om * 60L);
        p += 6;
    } else {
        return std::nullopt;
    }
    if (p != t.size() || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 60) return std::nullopt;
    static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > kDays[mo - 1] + (mo == 2 && leap ? 1 : 0)) return std::nullopt;
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    std::time_t v = timegm(&tm);
    return v - offset;
}

SystemPolicy map_system(const json& system) {
    if (!system.is_object()) throw Error(Err::source, "the system object is not a JSON object");
    SystemPolicy p;
    std::string why;
    if (!get_bool(system, "allowSshPasswordAuthentication", &p.password_auth, &why) ||
        !get_bool(system, "allowPublicKeyAuthentication", &p.public_key_auth, &why) ||
        !get_bool(system, "allowSshRootLogin", &p.root_login, &why) ||
        !get_bool(system, "allowMultiFactorAuthentication", &p.mfa, &why))
        throw Error(Err::source, "the system object's " + why);
    return p;
}

std::optional<BoundUser> parse_bound_user(const json& e, std::string* why) {
    if (!e.is_object()) return *why = "not a JSON object", std::nullopt;
    BoundUser b;
    if (!get_string(e, "id", &b.id, why)) return std::nullopt;
    if (!valid_jumpcloud_id(b.id))
        return *why = "id '" + doc::printable(b.id) + "' is not 24 hex digits", std::nullopt;
    auto ca = e.find("compiledAttributes");
    if (ca == e.end() || ca->is_null()) return b;
    if (!ca->is_object()) return *why = "compiledAttributes: not an object", std::nullopt;
    if (auto sudo = ca->find("sudo"); sudo != ca->end() && !sudo->is_null()) {
        if (!sudo->is_object()) return *why = "compiledAttributes.sudo: not an object", std::nullopt;
        if (!get_bool(*sudo, "enabled", &b.sudo, why) ||
            !get_bool(*sudo, "withoutPassword", &b.sudo_nopasswd, why))
            return *why = "compiledAttributes.sudo." + *why, std::nullopt;
    }
    if (auto pg = ca->find("posixGroups"); pg != ca->end() && !pg->is_null()) {
        if (!pg->is_array()) return *why = "compiledAttributes.posixGroups: not a list", std::nullopt;
        for (const json& g : *pg) {
            Group grp;
            bool have_id = false;
            std::string gwhy;
            if (!g.is_object() || !get_string(g, "name", &grp.name, &gwhy) ||
                !get_u32(g, "id", &grp.gid, &have_id, &gwhy) || grp.name.empty() || !have_id)
                return *why = "compiledAttributes.posixGroups: each entry needs a name and a numeric id",
                       std::nullopt;
            grp.where = "jumpcloud binding of user " + b.id;
            b.posix_groups.push_back(std::move(grp));
        }
    }
    return b;
}

std::optional<JumpCloudUser> map_user(const json& d, const BoundUser& b, std::string* why) {
    return map_user(d, b, why, std::time(nullptr));
}

std::optional<JumpCloudUser> map_user(const json& d, const BoundUser& b, std::string* why, std::time_t now) {
    if (!d.is_object()) return *why = "the user's details are not a JSON object", std::nullopt;
    JumpCloudUser out;
    User& u = out.user;
    u.where = "jumpcloud user " + b.id;
    std::string id, username, system_username, state, display, first, last, legacy_key;
    bool activated = true, suspended = false, locked = false, expired = false, managed = false;
    bool sudo = false, nopasswd = false, allow_keys = false, have_uid = false, have_gid = false;
    if (!get_string(d, "_id", &id, why) || !get_string(d, "username", &username, why) ||
        !get_string(d, "systemUsername", &system_username, why) || !get_string(d, "state", &state, why) ||
        !get_string(d, "displayname", &display, why) || !get_string(d, "firstname", &first, why) ||
        !get_string(d, "lastname", &last, why) || !get_string(d, "public_key", &legacy_key, why) ||
        !get_bool(d, "activated", &activated, why) || !get_bool(d, "suspended", &suspended, why) ||
        !get_bool(d, "account_locked", &locked, why) || !get_bool(d, "password_expired", &expired, why) ||
        !get_bool(d, "enable_managed_uid", &managed, why) || !get_bool(d, "sudo", &sudo, why) ||
        !get_bool(d, "passwordless_sudo", &nopasswd, why) ||
        !get_bool(d, "allow_public_key", &allow_keys, why) ||
        !get_u32(d, "unix_uid", &u.uid, &have_uid, why) ||
        !get_u32(d, "unix_guid", &out.managed_gid, &have_gid, why) || !map_mfa(d, now, &u.mfa_enrolled, why))
        return std::nullopt;
    if (!id.empty() && id != b.id)
        return *why = "the details are for user '" + doc::printable(id) + "', not " + b.id, std::nullopt;
    u.name = !system_username.empty() ? system_username : username;
    if (u.name.empty()) return *why = "no username", std::nullopt;

    // Only ACTIVATED is active; an unknown state is not (fail closed).
    if (suspended || state == "SUSPENDED")
        u.state = UserState::suspended;
    else if (locked)
        u.state = UserState::locked;
    else if (state == "STAGED" || !activated || (!state.empty() && state != "ACTIVATED"))
        u.state = UserState::staged;
    else if (expired)
        u.state = UserState::expired;
    else
        u.state = UserState::active;

    if (managed) {
        if (!have_uid) return *why = "enable_managed_uid is set but unix_uid is missing", std::nullopt;
        out.managed_uid = true;
        if (!have_gid) out.managed_gid = u.uid;
        u.gid = out.managed_gid;
    } else {
        u.uid = 0;
    }

    u.public_key_auth = allow_keys;
    if (auto keys = d.find("ssh_keys"); keys != d.end() && !keys->is_null()) {
        if (!keys->is_array()) return *why = "ssh_keys: not a list", std::nullopt;
        for (const json& k : *keys) {
            std::string kwhy;
            SshKey key;
            if (!k.is_object() || !get_string(k, "name", &key.name, &kwhy) ||
                !get_string(k, "public_key", &key.line, &kwhy)) {
                log(LogLevel::warning, u.where + ": an ssh_keys entry is malformed; that key is left out");
                continue;
            }
            if (!key.line.empty()) u.ssh_keys.push_back(std::move(key));
        }
    }
    if (!legacy_key.empty()) {
        bool dup = false;
        for (const SshKey& k : u.ssh_keys) dup = dup || k.line == legacy_key;
        if (!dup) u.ssh_keys.push_back({"", legacy_key});
    }

    sudo = sudo || b.sudo;
    nopasswd = nopasswd || b.sudo_nopasswd;
    u.sudo = !sudo ? Sudo::none : nopasswd ? Sudo::nopasswd : Sudo::password;

    std::string gecos =
        !display.empty() ? display : first + (first.empty() || last.empty() ? "" : " ") + last;
    u.gecos = gecos_field(std::move(gecos));
    for (const Group& g : b.posix_groups) u.groups.push_back(g.name);
    return out;
}

UidAllocator::UidAllocator(IdRange range, std::map<std::string, std::uint32_t> table)
    : range_(range), table_(std::move(table)) {
    for (const auto& [user, id] : table_) owner_.emplace(id, user);
}

void UidAllocator::reserve(std::uint32_t id) {
    reserved_.insert(id);
}

bool UidAllocator::taken(std::uint32_t id, const std::string& by) const {
    if (reserved_id(id) || reserved_.count(id)) return true;
    auto it = owner_.find(id);
    return it != owner_.end() && it->second != by;
}

std::optional<std::uint32_t> UidAllocator::assign(const std::string& user_id) {
    if (auto it = table_.find(user_id); it != table_.end()) {
        std::uint32_t id = it->second;
        if (range_.contains(id) && !taken(id, user_id)) return id;
        // Out of the configured range now, or a local account or managed user took it: this user
        // gets a new id (and a log line: their files keep the old owner). The old id stays
        // owned in owner_ only while someone else holds it, so nothing is shared.
        log(LogLevel::warning,
            "jumpcloud user " + user_id + ": uid " + std::to_string(id) +
                (range_.contains(id) ? " is now used by another account" : " is outside uid_range") +
                "; allocating a new uid");
        if (owner_.count(id) && owner_[id] == user_id) owner_.erase(id);
        table_.erase(it);
        changed_ = true;
    }
    std::uint64_t span = static_cast<std::uint64_t>(range_.max) - range_.min + 1;
    std::uint64_t start = fnv1a(user_id) % span;
    for (std::uint64_t i = 0; i < span; ++i) {
        auto id = static_cast<std::uint32_t>(range_.min + (start + i) % span);
        if (taken(id, user_id) || owner_.count(id)) continue;
        table_[user_id] = id;
        owner_[id] = user_id;
        changed_ = true;
        return id;
    }
    return std::nullopt;
}

}  // namespace dirbind
