// SPDX-License-Identifier: Apache-2.0
// test_jumpcloud_map.cc — tests for common/jumpcloud_map.cc: the system object → policy, a
// bound-user element → binding, user details → User (name, state, uid, keys, sudo, gecos, groups,
// MFA enrolment and its exclusion, wrong types), the uid allocation (deterministic, stable,
// never shared, never reused) and its persisted table.
// <fstream> and nlohmann first: cmocka defines a fail() macro that breaks std::basic_ios::fail.
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
extern "C" {  // cmocka 1.1's header has no C++ guard
#include <cmocka.h>
}
// clang-format on

#include "../test_util.h"
#include "cache/names.h"
#include "net/jumpcloud_map.h"
#include "net/jumpcloud_tables.h"
#include "system/error.h"
#include "system/log.h"

using dirbind::BoundUser;
using dirbind::Err;
using dirbind::Error;
using dirbind::Sudo;
using dirbind::UidAllocator;
using dirbind::UserState;
using nlohmann::json;

namespace {

const char kId[] = "5f0000000000000000000001";
const char kKey[] =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFRcmGX2kAAdXdkPfUBsjre6WJeQJGpFnUZydFw3KdJo alice@example";
const char kKey2[] =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIATD/WV33hCSxeNH6MwXFI56+BPXVtO8nONZUnWvjHkJ bob@example";

void quiet(dirbind::LogLevel, const std::string&) {}

// jumpcloud-api.md's example user, as the API returns it.
json example_user() {
    return json::parse(R"({"_id": "5f0000000000000000000001", "username": "jdoe", "systemUsername": "john",
        "firstname": "John", "lastname": "Doe", "displayname": "John Doe", "email": "jdoe@example.org",
        "unix_uid": 5001, "unix_guid": 5002, "enable_managed_uid": true,
        "sudo": false, "passwordless_sudo": false, "allow_public_key": true, "public_key": "",
        "ssh_keys": [{"_id": "x", "name": "laptop", "public_key": ")" +
                       std::string(kKey) + R"(", "create_date": "d"}],
        "state": "ACTIVATED", "activated": true, "suspended": false, "account_locked": false,
        "password_expired": false, "password_never_expires": false, "totp_enabled": true,
        "mfa": {"configured": true, "exclusion": false, "exclusionUntil": null}})");
}

BoundUser bound(const char* id = kId) {
    BoundUser b;
    b.id = id;
    return b;
}

dirbind::User mapped(const json& d, const BoundUser& b = bound()) {
    std::string why;
    auto u = dirbind::map_user(d, b, &why);
    if (!u) fail_msg("not mapped: %s", why.c_str());
    return u->user;
}

std::string refused(const json& d) {
    std::string why;
    auto u = dirbind::map_user(d, bound(), &why);
    if (u) fail_msg("mapped although it should not be");
    return why;
}

void test_system(void**) {
    auto p = dirbind::map_system(json::parse(R"({"_id": "s", "allowPublicKeyAuthentication": true,
        "allowSshPasswordAuthentication": false, "allowSshRootLogin": true, "allowMultiFactorAuthentication": true})"));
    assert_true(p.public_key_auth);
    assert_false(p.password_auth);
    assert_true(p.root_login);
    assert_true(p.mfa);
    // Absent switches are closed.
    p = dirbind::map_system(json::parse(R"({"_id": "s"})"));
    assert_false(p.public_key_auth || p.password_auth || p.root_login || p.mfa);
    // A wrong type is not guessed.
    for (const char* bad : {R"({"allowPublicKeyAuthentication": "yes"})", R"([])", R"("x")"}) {
        try {
            dirbind::map_system(json::parse(bad));
            fail_msg("accepted %s", bad);
        } catch (const Error& e) {
            assert_int_equal(static_cast<int>(e.code()), static_cast<int>(Err::source));
        }
    }
}

void test_bound_user(void**) {
    std::string why;
    auto b = dirbind::parse_bound_user(json::parse(R"({"id": "5f0000000000000000000001", "type": "user",
        "compiledAttributes": {"sudo": {"enabled": true, "withoutPassword": true},
                               "posixGroups": [{"id": 5001, "name": "devs"}]}, "paths": []})"),
                                       &why);
    assert_true(b.has_value());
    assert_true(b->sudo && b->sudo_nopasswd);
    assert_int_equal(b->posix_groups.size(), 1);
    assert_string_equal(b->posix_groups[0].name.c_str(), "devs");
    assert_int_equal(b->posix_groups[0].gid, 5001);
    b = dirbind::parse_bound_user(json::parse(R"({"id": "5f0000000000000000000001"})"), &why);
    assert_true(b.has_value() && !b->sudo && b->posix_groups.empty());
    static const char* const bad[][2] = {
        {R"({"id": "../systemusers/5f0000000000000000000001"})", "is not 24 hex digits"},
        {R"({"type": "user"})", "is not 24 hex digits"},
        {R"({"id": 5})", "id: not a string"},
        {R"({"id": "5f0000000000000000000001", "compiledAttributes": {"sudo": {"enabled": "yes"}}})",
         "compiledAttributes.sudo.enabled: not a boolean"},
        {R"({"id": "5f0000000000000000000001", "compiledAttributes": {"posixGroups": [{"name": "x"}]}})",
         "each entry needs a name and a numeric id"},
        {R"([1])", "not a JSON object"},
    };
    for (const auto& c : bad) {
        why.clear();
        if (dirbind::parse_bound_user(json::parse(c[0]), &why)) fail_msg("accepted %s", c[0]);
        if (why.find(c[1]) == std::string::npos) fail_msg("%s: '%s' lacks '%s'", c[0], why.c_str(), c[1]);
    }
}

void test_user_example(void**) {
    std::string why;
    auto j = dirbind::map_user(example_user(), bound(), &why);
    assert_true(j.has_value());
    const auto& u = j->user;
    assert_string_equal(u.name.c_str(), "john");  // systemUsername over username
    assert_true(j->managed_uid);
    assert_int_equal(u.uid, 5001);
    assert_int_equal(u.gid, 5002);
    assert_string_equal(u.gecos.c_str(), "John Doe");
    assert_int_equal(static_cast<int>(u.state), static_cast<int>(UserState::active));
    assert_true(u.public_key_auth);
    assert_int_equal(u.ssh_keys.size(), 1);
    assert_string_equal(u.ssh_keys[0].name.c_str(), "laptop");
    assert_string_equal(u.ssh_keys[0].line.c_str(), kKey);
    assert_int_equal(static_cast<int>(u.sudo), static_cast<int>(Sudo::none));
    assert_true(u.home.empty() && u.shell.empty());  // from the config's template and default
}

void test_user_name(void**) {
    json d = example_user();
    d["systemUsername"] = "";
    assert_string_equal(mapped(d).name.c_str(), "jdoe");
    d.erase("systemUsername");
    assert_string_equal(mapped(d).name.c_str(), "jdoe");
    d["systemUsername"] = nullptr;
    assert_string_equal(mapped(d).name.c_str(), "jdoe");
    d["username"] = "";
    assert_string_equal(refused(d).c_str(), "no username");
    // Hostile names are passed on unchanged: validate_directory() refuses them, with a log line.
    d["username"] = "bad:name\n";
    assert_string_equal(mapped(d).name.c_str(), "bad:name\n");
}

void test_user_state(void**) {
    struct Case {
        const char* patch;
        UserState want;
    } cases[] = {
        {R"({})", UserState::active},
        {R"({"state": "SUSPENDED"})", UserState::suspended},
        {R"({"suspended": true})", UserState::suspended},
        {R"({"suspended": true, "account_locked": true})", UserState::suspended},
        {R"({"account_locked": true})", UserState::locked},
        {R"({"account_locked": true, "password_expired": true})", UserState::locked},
        {R"({"state": "STAGED"})", UserState::staged},
        {R"({"activated": false})", UserState::staged},
        {R"({"state": "SOMETHING_NEW"})", UserState::staged},  // unknown: not active
        {R"({"password_expired": true})", UserState::expired},
        {R"({"state": null})", UserState::active},
    };
    for (const auto& c : cases) {
        json d = example_user();
        d.merge_patch(json::parse(c.patch));
        // merge_patch removes keys patched to null: state absent means ACTIVATED's defaults.
        if (static_cast<int>(mapped(d).state) != static_cast<int>(c.want))
            fail_msg("%s: got %s, want %s", c.patch, dirbind::to_string(mapped(d).state),
                     dirbind::to_string(c.want));
    }
}

void test_user_uid(void**) {
    json d = example_user();
    d["enable_managed_uid"] = false;
    std::string why;
    auto j = dirbind::map_user(d, bound(), &why);
    assert_false(j->managed_uid);
    assert_int_equal(j->user.uid, 0);  // the allocator decides
    d["enable_managed_uid"] = true;
    d.erase("unix_guid");
    j = dirbind::map_user(d, bound(), &why);
    assert_int_equal(j->user.gid, 5001);  // no unix_guid: the uid
    d.erase("unix_uid");
    assert_string_equal(refused(d).c_str(), "enable_managed_uid is set but unix_uid is missing");
    d["unix_uid"] = -1;
    assert_string_equal(refused(d).c_str(), "unix_uid: not a number from 0 to 4294967295");
    d["unix_uid"] = "5001";
    assert_string_equal(refused(d).c_str(), "unix_uid: not a number from 0 to 4294967295");
    d["unix_uid"] = 5001.5;
    assert_string_equal(refused(d).c_str(), "unix_uid: not a number from 0 to 4294967295");
    d["unix_uid"] = 4294967296ull;
    assert_string_equal(refused(d).c_str(), "unix_uid: not a number from 0 to 4294967295");
    // uid 0 is mapped as given; validate_directory() refuses it.
    d["unix_uid"] = 0;
    assert_int_equal(mapped(d).uid, 0);
}

void test_user_keys(void**) {
    json d = example_user();
    d["public_key"] = kKey2;  // the legacy single key, added once
    auto u = mapped(d);
    assert_int_equal(u.ssh_keys.size(), 2);
    assert_string_equal(u.ssh_keys[1].line.c_str(), kKey2);
    assert_true(u.ssh_keys[1].name.empty());
    d["public_key"] = kKey;  // the same as an ssh_keys entry: not twice
    assert_int_equal(mapped(d).ssh_keys.size(), 1);
    d["allow_public_key"] = false;
    assert_false(mapped(d).public_key_auth);
    d.erase("allow_public_key");  // absent: closed
    assert_false(mapped(d).public_key_auth);
    d["ssh_keys"] = json::parse(R"([{"name": 5, "public_key": "x"}, "junk", {"name": "ok", "public_key": ")" +
                                std::string(kKey2) + R"("}])");
    d["public_key"] = "";
    u = mapped(d);  // malformed entries are left out alone
    assert_int_equal(u.ssh_keys.size(), 1);
    assert_string_equal(u.ssh_keys[0].name.c_str(), "ok");
    d["ssh_keys"] = "ssh-ed25519 AAAA";
    assert_string_equal(refused(d).c_str(), "ssh_keys: not a list");
}

void test_user_sudo(void**) {
    json d = example_user();
    BoundUser b = bound();
    assert_int_equal(static_cast<int>(mapped(d, b).sudo), static_cast<int>(Sudo::none));
    d["sudo"] = true;
    assert_int_equal(static_cast<int>(mapped(d, b).sudo), static_cast<int>(Sudo::password));
    d["passwordless_sudo"] = true;
    assert_int_equal(static_cast<int>(mapped(d, b).sudo), static_cast<int>(Sudo::nopasswd));
    d["sudo"] = false;
    d["passwordless_sudo"] = false;
    b.sudo = true;  // compiledAttributes.sudo.enabled
    assert_int_equal(static_cast<int>(mapped(d, b).sudo), static_cast<int>(Sudo::password));
    b.sudo_nopasswd = true;
    assert_int_equal(static_cast<int>(mapped(d, b).sudo), static_cast<int>(Sudo::nopasswd));
    b.sudo = false;  // passwordless without sudo is no sudo
    assert_int_equal(static_cast<int>(mapped(d, b).sudo), static_cast<int>(Sudo::none));
}

void test_user_gecos_and_groups(void**) {
    json d = example_user();
    d["displayname"] = "Evil:0:0:root:/root:/bin/sh\nnext";
    std::string g = mapped(d).gecos;
    assert_true(dirbind::valid_field_text(g.data(), g.size(), 256));
    assert_string_equal(g.c_str(), "Evil 0 0 root /root /bin/sh next");
    d["displayname"] = "";
    assert_string_equal(mapped(d).gecos.c_str(), "John Doe");
    d["lastname"] = "";
    assert_string_equal(mapped(d).gecos.c_str(), "John");
    d["displayname"] = std::string(300, 'x') + "\xc3\xa9";
    g = mapped(d).gecos;
    assert_int_equal(g.size(), 256);
    assert_true(dirbind::valid_field_text(g.data(), g.size(), 256));
    d["displayname"] = std::string(255, 'x') + "\xc3\xa9";  // the cut falls inside 'é'
    g = mapped(d).gecos;
    assert_int_equal(g.size(), 255);
    assert_true(dirbind::valid_field_text(g.data(), g.size(), 256));

    BoundUser b = bound();
    b.posix_groups.push_back({"devs", 7001, {}, ""});
    b.posix_groups.push_back({"ops", 7002, {}, ""});
    auto u = mapped(example_user(), b);
    assert_int_equal(u.groups.size(), 2);
    assert_string_equal(u.groups[1].c_str(), "ops");
}

void test_user_mfa(void**) {
    const std::time_t now = 1800000000;  // 2027-01-15T08:00:00Z
    struct Case {
        const char* patch;
        bool enrolled;
    } cases[] = {
        {R"({})", true},  // the example: totp_enabled and mfa.configured
        {R"({"totp_enabled": false})", true},
        {R"({"mfa": {"configured": false}})", true},
        {R"({"totp_enabled": false, "mfa": {"configured": false}})", false},
        {R"({"totp_enabled": false, "mfa": null})", false},
        {R"({"totp_enabled": null, "mfa": {"configured": true}})", true},
        // An exclusion without an end, or one that has not ended, exempts the user...
        {R"({"mfa": {"exclusion": true}})", false},
        {R"({"mfa": {"exclusion": true, "exclusionUntil": null}})", false},
        {R"({"mfa": {"exclusion": true, "exclusionUntil": "2027-01-15T08:00:01Z"}})", false},
        {R"({"mfa": {"exclusion": true, "exclusionUntil": "2030-01-01T00:00:00.000Z"}})", false},
        // ...an ended one does not (the exact second counts as ended).
        {R"({"mfa": {"exclusion": true, "exclusionUntil": "2027-01-15T08:00:00Z"}})", true},
        {R"({"mfa": {"exclusion": true, "exclusionUntil": "2020-06-01T12:00:00.123Z"}})", true},
        // Time zones: 09:00:01+01:00 is 08:00:01Z, still running; 08:59:59+01:00 has ended.
        {R"({"mfa": {"exclusion": true, "exclusionUntil": "2027-01-15T09:00:01+01:00"}})", false},
        {R"({"mfa": {"exclusion": true, "exclusionUntil": "2027-01-15T08:59:59+01:00"}})", true},
        {R"({"mfa": {"exclusion": false, "exclusionUntil": "2030-01-01T00:00:00Z"}})", true},
        // An exclusion of a user who is not enrolled leaves them not enrolled.
        {R"({"totp_enabled": false, "mfa": {"configured": false, "exclusion": true}})", false},
    };
    for (const auto& c : cases) {
        json d = example_user();
        d.merge_patch(json::parse(c.patch));
        std::string why;
        auto j = dirbind::map_user(d, bound(), &why, now);
        if (!j) fail_msg("%s: not mapped: %s", c.patch, why.c_str());
        if (j->user.mfa_enrolled != c.enrolled) fail_msg("%s: enrolled=%d", c.patch, j->user.mfa_enrolled);
        assert_true(j->user.totp_secret.empty());  // JumpCloud never hands the secret out
    }
    // A missing mfa object and no totp_enabled: not enrolled.
    json d = example_user();
    d.erase("mfa");
    d.erase("totp_enabled");
    assert_false(mapped(d).mfa_enrolled);

    static const char* const bad[][2] = {
        {R"({"totp_enabled": "true"})", "totp_enabled: not a boolean"},
        {R"({"mfa": true})", "mfa: not an object"},
        {R"({"mfa": {"configured": 1}})", "mfa.configured: not a boolean"},
        {R"({"mfa": {"exclusion": "yes"}})", "mfa.exclusion: not a boolean"},
        {R"({"mfa": {"exclusion": true, "exclusionUntil": 1893456000}})", "mfa.exclusionUntil: not a string"},
        {R"({"mfa": {"exclusion": true, "exclusionUntil": "next week"}})",
         "mfa.exclusionUntil: 'next week' is not"},
        {R"({"mfa": {"exclusion": true, "exclusionUntil": "2027-02-30T00:00:00Z"}})", "is not an ISO 8601"},
        {R"({"mfa": {"exclusion": true, "exclusionUntil": "2027-01-15T08:00:00"}})", "is not an ISO 8601"},
    };
    for (const auto& c : bad) {
        json j = example_user();
        j.merge_patch(json::parse(c[0]));
        std::string why;
        if (dirbind::map_user(j, bound(), &why, now)) fail_msg("%s: mapped", c[0]);
        if (why.find(c[1]) == std::string::npos) fail_msg("%s: '%s' lacks '%s'", c[0], why.c_str(), c[1]);
    }
}

void test_iso8601(void**) {
    using dirbind::parse_iso8601;
    assert_int_equal(*parse_iso8601("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(*parse_iso8601("2027-01-15T08:00:00Z"), 1800000000);
    assert_int_equal(*parse_iso8601("2027-01-15T08:00:00.999999999Z"), 1800000000);
    assert_int_equal(*parse_iso8601("2027-01-15T10:30:00+02:30"), 1800000000);
    assert_int_equal(*parse_iso8601("2027-01-15T05:00:00-03:00"), 1800000000);
    assert_int_equal(*parse_iso8601("2024-02-29T00:00:00Z"), 1709164800);  // a leap day
    for (const char* bad :
         {"", "2027-01-15", "2027-01-15T08:00Z", "2027-01-15 08:00:00Z", "2027-13-01T00:00:00Z",
          "2027-00-01T00:00:00Z", "2027-01-32T00:00:00Z", "2023-02-29T00:00:00Z", "2027-01-15T24:00:00Z",
          "2027-01-15T08:00:00.Z", "2027-01-15T08:00:00Zjunk", "2027-01-15T08:00:00+0100",
          "+2027-01-15T08:00:00Z", "2027-01-15T08:00:00+24:00"})
        if (parse_iso8601(bad)) fail_msg("'%s' parsed", bad);
}

void test_user_wrong_types(void**) {
    static const char* const cases[][2] = {
        {R"({"username": 5})", "username: not a string"},
        {R"({"suspended": "false"})", "suspended: not a boolean"},
        {R"({"allow_public_key": 1})", "allow_public_key: not a boolean"},
        {R"({"state": 3})", "state: not a string"},
        {R"({"_id": "5f0000000000000000000002"})", "the details are for user '5f0000000000000000000002'"},
    };
    for (const auto& c : cases) {
        json d = example_user();
        d.merge_patch(json::parse(c[0]));
        std::string why = refused(d);
        if (why.find(c[1]) == std::string::npos) fail_msg("%s: '%s' lacks '%s'", c[0], why.c_str(), c[1]);
    }
    std::string why;
    assert_false(dirbind::map_user(json::parse("[]"), bound(), &why).has_value());
}

std::string uid_id(int i) {
    char b[32];
    snprintf(b, sizeof b, "5f%022x", i);
    return b;
}

void test_allocator(void**) {
    dirbind::IdRange r{1000, 60000};
    UidAllocator a(r, {});
    a.reserve(1000);  // a local account
    std::set<std::uint32_t> seen;
    std::map<std::string, std::uint32_t> first;
    for (int i = 0; i < 500; ++i) {
        auto id = a.assign(uid_id(i));
        assert_true(id.has_value());
        assert_true(r.contains(*id));
        assert_false(dirbind::reserved_id(*id));
        assert_int_not_equal(*id, 1000);
        assert_true(seen.insert(*id).second);  // never shared
        first[uid_id(i)] = *id;
    }
    assert_true(a.changed());
    // Deterministic: a fresh allocator, same order, same ids.
    UidAllocator b(r, {});
    b.reserve(1000);
    for (int i = 0; i < 500; ++i) assert_int_equal(*b.assign(uid_id(i)), first[uid_id(i)]);
    // Stable: from the table, in another order, with nothing new to write.
    UidAllocator c(r, a.table());
    c.reserve(1000);
    for (int i = 499; i >= 0; --i) assert_int_equal(*c.assign(uid_id(i)), first[uid_id(i)]);
    assert_false(c.changed());
    // Departed users keep their ids: a newcomer gets none of them.
    UidAllocator d(r, a.table());
    auto fresh = d.assign(uid_id(100000));
    assert_false(seen.count(*fresh));
}

void test_allocator_conflicts(void**) {
    dirbind::set_log_sink(quiet);
    dirbind::IdRange r{1000, 60000};
    std::map<std::string, std::uint32_t> table{{uid_id(1), 5000}, {uid_id(2), 5001}, {uid_id(3), 70000}};
    UidAllocator a(r, table);
    a.reserve(5001);  // a managed user or a local account took 5001 since
    assert_int_equal(*a.assign(uid_id(1)), 5000);
    auto moved = a.assign(uid_id(2));
    assert_int_not_equal(*moved, 5001);
    assert_int_not_equal(*moved, 5000);
    auto out_of_range = a.assign(uid_id(3));  // the range shrank
    assert_true(r.contains(*out_of_range));
    assert_true(a.changed());
    // A full range: nothing to give.
    dirbind::IdRange tiny{2000, 2001};
    UidAllocator t(tiny, {});
    assert_true(t.assign(uid_id(1)).has_value());
    assert_true(t.assign(uid_id(2)).has_value());
    assert_false(t.assign(uid_id(3)).has_value());
    dirbind::set_log_sink(nullptr);
}

void test_table_file(void**) {
    dirbind::test::TempDir dir;
    assert_true(dirbind::load_uid_table(dir.path()).empty());  // none yet
    std::map<std::string, std::uint32_t> t{{uid_id(1), 5000}, {uid_id(2), 5001}};
    dirbind::save_uid_table(dir.path(), t);
    struct stat st;
    assert_int_equal(stat((dir / "jumpcloud-ids.json").c_str(), &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_true(dirbind::load_uid_table(dir.path()) == t);
    auto corrupt = [&](const char* text, const char* needle) {
        {
            std::ofstream f(dir / "jumpcloud-ids.json");
            f << text;
        }
        chmod((dir / "jumpcloud-ids.json").c_str(), 0600);
        try {
            dirbind::load_uid_table(dir.path());
            fail_msg("accepted %s", text);
        } catch (const Error& e) {
            if (std::string(e.what()).find(needle) == std::string::npos)
                fail_msg("'%s' lacks '%s'", e.what(), needle);
        }
    };
    corrupt("{", "is corrupt (not a JSON object)");
    corrupt(R"({"version": 2, "ids": {}})", "unknown version");
    corrupt(R"({"version": 1, "ids": {"../x": 5}})", "bad user id");
    corrupt(R"({"version": 1, "ids": {"5f0000000000000000000001": -5}})", "bad uid");
    corrupt(R"({"version": 1, "ids": {"5f0000000000000000000001": 5, "5f0000000000000000000002": 5}})",
            "uid 5 given twice");
    dirbind::save_uid_table(dir.path(), t);
    chmod((dir / "jumpcloud-ids.json").c_str(), 0644);
    try {
        dirbind::load_uid_table(dir.path());
        fail_msg("a world-readable table was accepted");
    } catch (const Error& e) {
        assert_int_equal(static_cast<int>(e.code()), static_cast<int>(Err::permission));
    }
}

void test_user_map_file(void**) {
    dirbind::test::TempDir dir;
    const auto file = dir / "jumpcloud-users.json";
    assert_true(dirbind::load_user_id_map(dir.path()).empty());  // no sync yet
    std::map<std::string, std::string> m{{"alice", uid_id(1)}, {"bob.smith", uid_id(2)}};
    dirbind::save_user_id_map(dir.path(), m);
    struct stat st;
    assert_int_equal(stat(file.c_str(), &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_true(dirbind::load_user_id_map(dir.path()) == m);
    // The uid table is another file: writing one leaves the other alone.
    dirbind::save_uid_table(dir.path(), {{uid_id(1), 5000}});
    assert_true(dirbind::load_user_id_map(dir.path()) == m);
    auto corrupt = [&](const char* text, const char* needle) {
        {
            std::ofstream f(file);
            f << text;
        }
        chmod(file.c_str(), 0600);
        try {
            dirbind::load_user_id_map(dir.path());
            fail_msg("accepted %s", text);
        } catch (const Error& e) {
            if (std::string(e.what()).find(needle) == std::string::npos)
                fail_msg("'%s' lacks '%s'", e.what(), needle);
        }
    };
    corrupt("[]", "is corrupt (not a JSON object)");
    corrupt(R"({"version": 2, "users": {}})", "unknown version");
    corrupt(R"({"version": 1, "ids": {}})", "no 'users' object");
    corrupt(R"({"version": 1, "users": {"../x": "5f0000000000000000000001"}})", "bad user name");
    corrupt(R"({"version": 1, "users": {"alice": "../../etc"}})", "bad user id for alice");
    corrupt(R"({"version": 1, "users": {"alice": 5}})", "bad user id for alice");
    corrupt(R"({"version": 1, "users": {"a": "5f0000000000000000000001", "b": "5f0000000000000000000001"}})",
            "given twice");
    dirbind::save_user_id_map(dir.path(), m);
    chmod(file.c_str(), 0644);
    try {
        dirbind::load_user_id_map(dir.path());
        fail_msg("a world-readable map was accepted");
    } catch (const Error& e) {
        assert_int_equal(static_cast<int>(e.code()), static_cast<int>(Err::permission));
    }
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_system),
        cmocka_unit_test(test_bound_user),
        cmocka_unit_test(test_user_example),
        cmocka_unit_test(test_user_name),
        cmocka_unit_test(test_user_state),
        cmocka_unit_test(test_user_uid),
        cmocka_unit_test(test_user_keys),
        cmocka_unit_test(test_user_sudo),
        cmocka_unit_test(test_user_gecos_and_groups),
        cmocka_unit_test(test_user_mfa),
        cmocka_unit_test(test_iso8601),
        cmocka_unit_test(test_user_wrong_types),
        cmocka_unit_test(test_allocator),
        cmocka_unit_test(test_allocator_conflicts),
        cmocka_unit_test(test_table_file),
        cmocka_unit_test(test_user_map_file),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
