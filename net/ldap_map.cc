// SPDX-License-Identifier: Apache-2.0
// ldap_map.cc — LDAP entries → LdapRecord → RawDirectory (ldap_map.h).
#include "net/ldap_map.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <set>
#include <unordered_map>

#include "cache/names.h"
#include "directory/validate.h"
#include "system/log.h"

namespace dirbind {
namespace {

void add_attr(std::vector<std::string>* v, const std::string& a) {
    if (!a.empty()) v->push_back(a);
}

bool is_hex(char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}

// Full-string decimal (an optional leading '-' for signed attributes), no spaces.
bool parse_i64(const std::string& s, std::int64_t* out) {
    if (s.empty() || s.size() > 19) return false;
    std::size_t i = s[0] == '-' ? 1 : 0;
    if (i == s.size()) return false;
    for (std::size_t k = i; k < s.size(); ++k)
        if (s[k] < '0' || s[k] > '9') return false;
    *out = std::strtoll(s.c_str(), nullptr, 10);
    return true;
}

bool parse_id(const std::string& s, std::uint32_t* out) {
    unsigned v = 0;
    if (!parse_u32(s.data(), s.size(), &v)) return false;
    *out = v;
    return true;
}

std::vector<std::string> take(LdapEntry& e, const std::string& attr) {
    if (attr.empty()) return {};
    const std::string n = [&] {
        std::string x = attr;
        for (char& c : x) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return x;
    }();
    for (auto& [k, v] : e.attrs)
        if (k == n) return std::move(v);
    return {};
}

std::string take_first(LdapEntry& e, const std::string& attr) {
    std::vector<std::string> v = take(e, attr);
    return v.empty() ? std::string() : std::move(v[0]);
}

constexpr std::int64_t kDay = 86400;
constexpr std::uint32_t kAdAccountDisable = 0x2;  // userAccountControl ACCOUNTDISABLE

}  // namespace

std::vector<std::string> ldap_user_attrs(const LdapSourceConfig& l) {
    std::vector<std::string> a;
    const LdapAttributeMap& m = l.map;
    for (const std::string* s : {&m.name, &m.uid, &m.gid, &m.gecos, &m.home, &m.shell, &m.ssh_public_key,
                                 &m.shadow_expire, &m.locked_time, &m.account_control})
        add_attr(&a, *s);
    a.push_back("entryUUID");
    return a;
}

std::vector<std::string> ldap_group_attrs(const LdapSourceConfig& l) {
    std::vector<std::string> a;
    for (const std::string* s : {&l.map.group_name, &l.map.group_gid, &l.map.member_uid, &l.map.member})
        add_attr(&a, *s);
    a.push_back("entryUUID");
    return a;
}

std::string ldap_bound_user_filter(const LdapSourceConfig& l) {
    return l.host_filter.empty() ? l.user_filter : "(&" + l.user_filter + l.host_filter + ")";
}

std::string ldap_uuid_id(const std::string& raw16) {
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned char c : raw16) {
        out += hex[c >> 4];
        out += hex[c & 15];
    }
    return out;
}

std::string ldap_entry_id(const LdapEntry& e) {
    std::string text = e.first("entryUUID"), id;
    for (char c : text)
        if (c != '-') id += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool ok = id.size() == 32;
    for (char c : id) ok = ok && is_hex(c);
    return ok ? id : "dn:" + ldap_dn_key(e.dn);
}

LdapRecord ldap_user_record(const LdapSourceConfig& l, LdapEntry&& e) {
    const LdapAttributeMap& m = l.map;
    LdapRecord r;
    r.dn = std::move(e.dn);
    r.name = take_first(e, m.name);
    r.uid = take_first(e, m.uid);
    r.gid = take_first(e, m.gid);
    r.gecos = take_first(e, m.gecos);
    r.home = take_first(e, m.home);
    r.shell = take_first(e, m.shell);
    r.keys = take(e, m.ssh_public_key);
    r.shadow_expire = take_first(e, m.shadow_expire);
    r.locked = !m.locked_time.empty() && !take(e, m.locked_time).empty();
    r.account_control = take_first(e, m.account_control);
    return r;
}

LdapRecord ldap_group_record(const LdapSourceConfig& l, LdapEntry&& e) {
    LdapRecord r;
    r.dn = std::move(e.dn);
    r.name = take_first(e, l.map.group_name);
    r.gid = take_first(e, l.map.group_gid);
    r.member_uids = take(e, l.map.member_uid);
    r.member_dns = take(e, l.map.member);
    return r;
}

RawDirectory ldap_directory(const LdapSourceConfig& l, const LdapRecords& users, const LdapRecords& groups,
                            std::time_t now, std::vector<Skipped>* skipped, std::int64_t* next_change) {
    RawDirectory d;
    d.system.password_auth = l.policy.password_auth;
    d.system.public_key_auth = l.policy.public_key_auth;
    d.system.root_login = l.policy.root_login;
    d.system.mfa = l.policy.mfa;
    *next_change = 0;
    const std::int64_t today = static_cast<std::int64_t>(now) / kDay;
    // Member DNs resolve to the users of this directory only: anything else (unbound users, other
    // entries, nested groups) is not a member here.
    std::unordered_map<std::string, std::string> name_of_dn;
    std::set<std::string> names;
    d.users.reserve(users.size());
    auto skip = [&](const char* what, const LdapRecord& r, const std::string& why) {
        skipped->push_back({what, r.name.empty() ? r.dn : r.name, why});
        log(LogLevel::warning, std::string(what) + " " + printable(r.dn, 200) + ": skipped: " + why);
    };
    for (const auto& [id, r] : users) {
        User u;
        u.where = r.dn;
        u.name = r.name;
        if (u.name.empty()) {
            skip("user", r, "no " + l.map.name);
            continue;
        }
        if (!parse_id(r.uid, &u.uid)) {
            skip("user", r, l.map.uid + " '" + printable(r.uid, 40) + "' is not a number from 0 to 4294967295");
            continue;
        }
        if (r.gid.empty()) {
            u.gid = u.uid;
        } else if (!parse_id(r.gid, &u.gid)) {
            skip("user", r, l.map.gid + " '" + printable(r.gid, 40) + "' is not a number from 0 to 4294967295");
            continue;
        }
        u.gecos = gecos_field(r.gecos);
        u.home = r.home;
        u.shell = r.shell;
        for (const auto& k : r.keys) u.ssh_keys.push_back({"", k});
        u.public_key_auth = true;
        u.state = UserState::active;
        if (!r.shadow_expire.empty()) {
            std::int64_t days = 0;
            if (!parse_i64(r.shadow_expire, &days)) {
                skip("user", r, l.map.shadow_expire + " '" + printable(r.shadow_expire, 40) + "' is not a number");
                continue;
            }
            // shadow(5): -1 is "never"; otherwise the account is expired from that day on (pam_unix).
            if (days >= 0 && today >= days) u.state = UserState::expired;
            if (days >= 0 && today < days && (*next_change == 0 || days * kDay < *next_change))
                *next_change = days * kDay;
        }
        if (r.locked) u.state = UserState::locked;
        if (!r.account_control.empty()) {
            std::int64_t uac = 0;
            if (!parse_i64(r.account_control, &uac) || uac < 0 || uac > 0xffffffffll) {
                skip("user", r, l.map.account_control + " '" + printable(r.account_control, 40) + "' is not a number");
                continue;
            }
            if (static_cast<std::uint32_t>(uac) & kAdAccountDisable) u.state = UserState::suspended;
        }
        if (!r.dn.empty()) name_of_dn.emplace(ldap_dn_key(r.dn), u.name);
        names.insert(u.name);
        d.users.push_back(std::move(u));
    }
    d.groups.reserve(groups.size());
    for (const auto& [id, r] : groups) {
        Group g;
        g.where = r.dn;
        g.name = r.name;
        if (g.name.empty()) {
            skip("group", r, "no " + l.map.group_name);
            continue;
        }
        if (!parse_id(r.gid, &g.gid)) {
            skip("group", r, l.map.group_gid + " '" + printable(r.gid, 40) + "' is not a number from 0 to 4294967295");
            continue;
        }
        for (const auto& n : r.member_uids)
            if (names.count(n)) g.members.push_back(n);
        for (const auto& dn : r.member_dns) {
            auto it = name_of_dn.find(ldap_dn_key(dn));
            if (it != name_of_dn.end()) g.members.push_back(it->second);
        }
        d.groups.push_back(std::move(g));
    }
    return d;
}

}  // namespace dirbind
