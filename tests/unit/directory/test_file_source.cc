// SPDX-License-Identifier: Apache-2.0
// test_file_source.cc — tests for common/file_source.cc: YAML and JSON of one document give
// the same RawDirectory, a wrongly typed record is skipped alone, unknown keys warn once,
// document-level errors throw with line:col, and the YAML alias guard holds.
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
extern "C" {  // cmocka 1.1's header has no C++ guard
#include <cmocka.h>
}
// clang-format on

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "directory/file_source.h"
#include "system/error.h"
#include "system/log.h"

using dirbind::Err;
using dirbind::Error;
using dirbind::RawDirectory;
using dirbind::Skipped;

namespace {

std::vector<std::string> g_logs;
void capture(dirbind::LogLevel level, const std::string& message) {
    g_logs.push_back(std::string(level == dirbind::LogLevel::warning ? "warning: " : "other: ") + message);
}

int setup(void**) {
    g_logs.clear();
    dirbind::set_log_sink(capture);
    return 0;
}
int teardown(void**) {
    dirbind::set_log_sink(nullptr);
    return 0;
}

const char kKeyA[] =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFRcmGX2kAAdXdkPfUBsjre6WJeQJGpFnUZydFw3KdJo alice@example";
const char kKeyC[] =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIATD/WV33hCSxeNH6MwXFI56+BPXVtO8nONZUnWvjHkJ carol@example";

// One document, written twice.
const std::string kYaml =
    std::string(
        "version: 1\n"
        "system: {password_auth: true, public_key_auth: true, root_login: false, mfa: true}\n"
        "users:\n"
        "  - name: alice\n"  // line 4
        "    uid: 5001\n"
        "    gid: 5001\n"
        "    gecos: Alice Example\n"
        "    shell: /bin/zsh\n"
        "    home: /home/alice\n"
        "    state: active\n"
        "    public_key_auth: true\n"
        "    ssh_keys: [{name: laptop, key: \"") +
    kKeyA +
    "\"}]\n"
    "    sudo: nopasswd\n"
    "    password_hash: \"$y$j9T$abc$def\"\n"
    "    totp_secret: JBSWY3DPEHPK3PXP\n"
    "    groups: [devs, ops]\n"
    "  - name: bob\n"  // line 17
    "    uid: 5002\n"
    "    gid: 6001\n"
    "    state: suspended\n"
    "    public_key_auth: false\n"
    "    sudo: password\n"
    "    password_hash: null\n"
    "  - {name: carol, uid: 5003, gid: 5003, state: expired, ssh_keys: [\"" +
    kKeyC +
    "\"]}\n"
    "  - {name: dave, uid: 5004, gid: 5004, state: locked}\n"
    "  - {name: erin, uid: 5005, gid: 5005, state: staged, groups: []}\n"
    "groups:\n"
    "  - {name: devs, gid: 6001, members: [bob]}\n"  // line 28
    "  - name: ops\n"
    "    gid: 6002\n";

const std::string kJson =
    std::string(
        "{\"version\": 1,\n"
        " \"system\": {\"password_auth\": true, \"public_key_auth\": true, \"root_login\": false,"
        " \"mfa\": true},\n"
        " \"users\": [\n"
        "  {\"name\": \"alice\", \"uid\": 5001, \"gid\": 5001, \"gecos\": \"Alice Example\","
        " \"shell\": \"/bin/zsh\", \"home\": \"/home/alice\", \"state\": \"active\","
        " \"public_key_auth\": true, \"ssh_keys\": [{\"name\": \"laptop\", \"key\": \"") +
    kKeyA +
    "\"}], \"sudo\": \"nopasswd\", \"password_hash\": \"$y$j9T$abc$def\","
    " \"totp_secret\": \"JBSWY3DPEHPK3PXP\", \"groups\": [\"devs\", \"ops\"]},\n"
    "  {\"name\": \"bob\", \"uid\": 5002, \"gid\": 6001, \"state\": \"suspended\","
    " \"public_key_auth\": false, \"sudo\": \"password\", \"password_hash\": null},\n"
    "  {\"name\": \"carol\", \"uid\": 5003, \"gid\": 5003, \"state\": \"expired\", \"ssh_keys\": [\"" +
    kKeyC +
    "\"]},\n"
    "  {\"name\": \"dave\", \"uid\": 5004, \"gid\": 5004, \"state\": \"locked\"},\n"
    "  {\"name\": \"erin\", \"uid\": 5005, \"gid\": 5005, \"state\": \"staged\", \"groups\": []}\n"
    " ],\n"
    " \"groups\": [{\"name\": \"devs\", \"gid\": 6001, \"members\": [\"bob\"]},"
    " {\"name\": \"ops\", \"gid\": 6002}]}\n";

RawDirectory parse_ok(const std::string& text, const char* name, std::vector<Skipped>* skipped = nullptr) {
    std::vector<Skipped> local;
    RawDirectory d = dirbind::parse_directory(text, name, skipped ? skipped : &local);
    if (!skipped && !local.empty()) {
        print_error("unexpected skip: %s\n", local[0].reason.c_str());
        fail();
    }
    return d;
}

std::string error_of(const std::string& text, const char* name) {
    try {
        std::vector<Skipped> skipped;
        dirbind::parse_directory(text, name, &skipped);
        return "OK";
    } catch (const Error& e) {
        assert_int_equal(static_cast<int>(e.code()), static_cast<int>(Err::source));
        return e.what();
    }
}

void check_sample(const RawDirectory& d) {
    assert_true(d.system.password_auth);
    assert_true(d.system.public_key_auth);
    assert_false(d.system.root_login);
    assert_true(d.system.mfa);
    assert_int_equal(d.users.size(), 5);
    const auto& a = d.users[0];
    assert_string_equal(a.name.c_str(), "alice");
    assert_int_equal(a.uid, 5001);
    assert_int_equal(a.gid, 5001);
    assert_string_equal(a.gecos.c_str(), "Alice Example");
    assert_string_equal(a.shell.c_str(), "/bin/zsh");
    assert_string_equal(a.home.c_str(), "/home/alice");
    assert_int_equal(static_cast<int>(a.state), static_cast<int>(dirbind::UserState::active));
    assert_true(a.public_key_auth);
    assert_int_equal(a.ssh_keys.size(), 1);
    assert_string_equal(a.ssh_keys[0].name.c_str(), "laptop");
    assert_string_equal(a.ssh_keys[0].line.c_str(), kKeyA);
    assert_int_equal(static_cast<int>(a.sudo), static_cast<int>(dirbind::Sudo::nopasswd));
    assert_string_equal(a.password_hash.c_str(), "$y$j9T$abc$def");
    assert_string_equal(a.totp_secret.c_str(), "JBSWY3DPEHPK3PXP");
    assert_int_equal(a.groups.size(), 2);
    assert_string_equal(a.groups[1].c_str(), "ops");
    const auto& b = d.users[1];
    assert_string_equal(b.name.c_str(), "bob");
    assert_int_equal(b.gid, 6001);
    assert_int_equal(static_cast<int>(b.state), static_cast<int>(dirbind::UserState::suspended));
    assert_false(b.public_key_auth);
    assert_int_equal(static_cast<int>(b.sudo), static_cast<int>(dirbind::Sudo::password));
    assert_true(b.password_hash.empty());  // null: not given
    assert_true(b.gecos.empty() && b.shell.empty() && b.home.empty() && b.ssh_keys.empty());
    const auto& c = d.users[2];
    assert_int_equal(static_cast<int>(c.state), static_cast<int>(dirbind::UserState::expired));
    assert_true(c.public_key_auth);  // model default
    assert_int_equal(static_cast<int>(c.sudo), static_cast<int>(dirbind::Sudo::none));
    assert_int_equal(c.ssh_keys.size(), 1);
    assert_true(c.ssh_keys[0].name.empty());  // a plain string key has no label
    assert_string_equal(c.ssh_keys[0].line.c_str(), kKeyC);
    assert_int_equal(static_cast<int>(d.users[3].state), static_cast<int>(dirbind::UserState::locked));
    assert_int_equal(static_cast<int>(d.users[4].state), static_cast<int>(dirbind::UserState::staged));
    assert_int_equal(d.groups.size(), 2);
    assert_string_equal(d.groups[0].name.c_str(), "devs");
    assert_int_equal(d.groups[0].gid, 6001);
    assert_int_equal(d.groups[0].members.size(), 1);
    assert_string_equal(d.groups[0].members[0].c_str(), "bob");
    assert_string_equal(d.groups[1].name.c_str(), "ops");
    assert_true(d.groups[1].members.empty());
}

bool same_user(const dirbind::User& x, const dirbind::User& y) {
    if (x.ssh_keys.size() != y.ssh_keys.size()) return false;
    for (std::size_t i = 0; i < x.ssh_keys.size(); ++i)
        if (x.ssh_keys[i].name != y.ssh_keys[i].name || x.ssh_keys[i].line != y.ssh_keys[i].line)
            return false;
    return x.name == y.name && x.uid == y.uid && x.gid == y.gid && x.gecos == y.gecos && x.home == y.home &&
           x.shell == y.shell && x.state == y.state && x.public_key_auth == y.public_key_auth &&
           x.sudo == y.sudo && x.password_hash == y.password_hash && x.totp_secret == y.totp_secret &&
           x.groups == y.groups && x.gids == y.gids;
}

void test_yaml_and_json_agree(void**) {
    RawDirectory y = parse_ok(kYaml, "d.yaml");
    RawDirectory j = parse_ok(kJson, "d.json");
    check_sample(y);
    check_sample(j);
    assert_int_equal(y.users.size(), j.users.size());
    for (std::size_t i = 0; i < y.users.size(); ++i) assert_true(same_user(y.users[i], j.users[i]));
    assert_int_equal(y.groups.size(), j.groups.size());
    for (std::size_t i = 0; i < y.groups.size(); ++i) {
        assert_true(y.groups[i].name == j.groups[i].name && y.groups[i].gid == j.groups[i].gid &&
                    y.groups[i].members == j.groups[i].members);
    }
    // Positions: line of the record in YAML, index in JSON.
    assert_string_equal(y.users[0].where.c_str(), "d.yaml:4");
    assert_string_equal(y.users[1].where.c_str(), "d.yaml:17");
    assert_string_equal(y.groups[0].where.c_str(), "d.yaml:28");
    assert_string_equal(j.users[1].where.c_str(), "d.json: users[1]");
    assert_string_equal(j.groups[1].where.c_str(), "d.json: groups[1]");
    assert_true(g_logs.empty());
}

void test_example_file_parses(void**) {
    // docs/examples/directory.yaml is installed as the template: it must stay valid.
    for (const char* path : {"docs/examples/directory.yaml", "../docs/examples/directory.yaml"}) {
        if (access(path, R_OK) != 0) continue;
        std::vector<Skipped> skipped;
        RawDirectory d = dirbind::load_directory_file(path, &skipped);
        assert_true(skipped.empty());
        assert_int_equal(d.users.size(), 3);
        assert_string_equal(d.users[1].name.c_str(), "bob");
        assert_int_equal(static_cast<int>(d.users[1].state), static_cast<int>(dirbind::UserState::suspended));
        assert_false(d.users[2].password_hash.empty());
        assert_int_equal(d.groups.size(), 2);
        return;
    }
    skip();
}

void test_defaults(void**) {
    for (auto [text, name] :
         {std::pair{"users:\n  - {name: u, uid: 5001, gid: 5001}\n", "m.yaml"},
          std::pair{"{\"users\": [{\"name\": \"u\", \"uid\": 5001, \"gid\": 5001}]}", "m.json"}}) {
        RawDirectory d = parse_ok(text, name);
        // No `system`: every host-wide switch closed.
        assert_false(d.system.password_auth || d.system.public_key_auth || d.system.root_login ||
                     d.system.mfa);
        assert_int_equal(d.users.size(), 1);
        const auto& u = d.users[0];
        assert_int_equal(static_cast<int>(u.state), static_cast<int>(dirbind::UserState::active));
        assert_true(u.public_key_auth);
        assert_int_equal(static_cast<int>(u.sudo), static_cast<int>(dirbind::Sudo::none));
        assert_true(u.home.empty() && u.shell.empty() && u.gecos.empty() && u.groups.empty());
        assert_true(d.groups.empty());
    }
    // A document with nothing in it but an empty object / empty lists is valid (and empty).
    assert_int_equal(parse_ok("{}", "e.json").users.size(), 0);
    assert_int_equal(parse_ok("users: []\ngroups: []\n", "e.yaml").users.size(), 0);
}

struct SkipCase {
    const char* record;  // one users/groups item, YAML flow style or JSON object
    const char* who;     // Skipped::name
    const char* why;     // Skipped::reason after "<where>: "
};

// Each bad record sits between two good ones; only it may go.
void run_skip_cases(const SkipCase* cases, std::size_t n, bool json, const char* list) {
    for (std::size_t i = 0; i < n; ++i) {
        std::string text;
        std::string where;
        bool users = std::string(list) == "users";
        const char* good1 =
            users ? "{\"name\": \"a\", \"uid\": 5001, \"gid\": 5001}" : "{\"name\": \"a\", \"gid\": 6001}";
        const char* good2 =
            users ? "{\"name\": \"z\", \"uid\": 5009, \"gid\": 5009}" : "{\"name\": \"z\", \"gid\": 6009}";
        if (json) {
            text =
                std::string("{\"") + list + "\": [" + good1 + ",\n" + cases[i].record + ",\n" + good2 + "]}";
            where = std::string("t.json: ") + list + "[1]";
        } else {
            text =
                std::string(list) + ":\n  - " + good1 + "\n  - " + cases[i].record + "\n  - " + good2 + "\n";
            where = "t.yaml:3";
        }
        std::vector<Skipped> skipped;
        RawDirectory d = dirbind::parse_directory(text, json ? "t.json" : "t.yaml", &skipped);
        std::size_t kept = users ? d.users.size() : d.groups.size();
        std::string want = where + ": " + cases[i].why;
        if (kept != 2 || skipped.size() != 1 || skipped[0].reason != want ||
            skipped[0].name != cases[i].who || skipped[0].what != (users ? "user" : "group")) {
            print_error("%s case %zu: %s\n  kept %zu, skipped %zu\n  want: [%s] %s\n  got:  [%s] %s\n",
                        json ? "JSON" : "YAML", i, cases[i].record, kept, skipped.size(), cases[i].who,
                        want.c_str(), skipped.empty() ? "" : skipped[0].name.c_str(),
                        skipped.empty() ? "" : skipped[0].reason.c_str());
            fail();
        }
    }
}

// JSON syntax is YAML flow syntax, so these records read the same in both.
const SkipCase kUserSkips[] = {
    {"{\"name\": \"b\", \"uid\": \"abc\", \"gid\": 5002}", "b", "uid: not a number"},
    {"{\"name\": \"b\", \"uid\": \"5002\", \"gid\": 5002}", "b", "uid: not a number"},
    {"{\"name\": \"b\", \"uid\": -1, \"gid\": 5002}", "b", "uid: not a number"},
    {"{\"name\": \"b\", \"uid\": 1.5, \"gid\": 5002}", "b", "uid: not a number"},
    {"{\"name\": \"b\", \"uid\": 4294967296, \"gid\": 5002}", "b", "uid: not a number"},
    {"{\"name\": \"b\", \"uid\": [5002], \"gid\": 5002}", "b", "uid: not a number"},
    {"{\"name\": \"b\", \"uid\": null, \"gid\": 5002}", "b", "uid: not a number"},
    {"{\"name\": \"b\", \"uid\": 5002}", "b", "gid: missing"},
    {"{\"uid\": 5002, \"gid\": 5002}", "users[1]", "name: missing"},
    {"{\"name\": {\"x\": 1}, \"uid\": 5002, \"gid\": 5002}", "users[1]", "name: not a string"},
    {"{\"name\": \"b\", \"uid\": 5002, \"gid\": 5002, \"state\": \"bogus\"}", "b",
     "state: unknown state 'bogus' (expected active, suspended, locked, staged or expired)"},
    {"{\"name\": \"b\", \"uid\": 5002, \"gid\": 5002, \"sudo\": \"root\"}", "b",
     "sudo: unknown value 'root' (expected none, password or nopasswd)"},
    {"{\"name\": \"b\", \"uid\": 5002, \"gid\": 5002, \"public_key_auth\": \"true\"}", "b",
     "public_key_auth: not true or false"},
    {"{\"name\": \"b\", \"uid\": 5002, \"gid\": 5002, \"ssh_keys\": \"ssh-ed25519 AAAA\"}", "b",
     "ssh_keys: not a list"},
    {"{\"name\": \"b\", \"uid\": 5002, \"gid\": 5002, \"ssh_keys\": [{\"name\": \"x\"}]}", "b",
     "ssh_keys[0]: 'key' missing"},
    {"{\"name\": \"b\", \"uid\": 5002, \"gid\": 5002, \"ssh_keys\": [\"k\", [\"k\"]]}", "b",
     "ssh_keys[1]: not a string or mapping"},
    {"{\"name\": \"b\", \"uid\": 5002, \"gid\": 5002, \"ssh_keys\": [{\"key\": [1]}]}", "b",
     "ssh_keys[0].key: not a string"},
    {"{\"name\": \"b\", \"uid\": 5002, \"gid\": 5002, \"groups\": [\"devs\", {\"x\": 1}]}", "b",
     "groups[1]: not a string"},
    {"{\"name\": \"b\", \"uid\": 5002, \"gid\": 5002, \"groups\": \"devs\"}", "b", "groups: not a list"},
    {"{\"name\": \"b\", \"uid\": 5002, \"gid\": 5002, \"gecos\": [\"x\"]}", "b", "gecos: not a string"},
    {"{\"name\": \"b\", \"uid\": 5002, \"uid\": 5003, \"gid\": 5002}", "b", "uid: given twice"},
    {"\"just a string\"", "users[1]", "not a mapping"},
};

void test_user_type_errors_skip_only_that_user(void**) {
    run_skip_cases(kUserSkips, sizeof kUserSkips / sizeof kUserSkips[0], false, "users");
    // JSON says "object" where YAML says "mapping"; otherwise the same reasons.
    SkipCase json_cases[sizeof kUserSkips / sizeof kUserSkips[0]];
    for (std::size_t i = 0; i < sizeof kUserSkips / sizeof kUserSkips[0]; ++i) json_cases[i] = kUserSkips[i];
    json_cases[sizeof kUserSkips / sizeof kUserSkips[0] - 1].why = "not an object";
    run_skip_cases(json_cases, sizeof json_cases / sizeof json_cases[0], true, "users");
}

void test_type_differences_between_syntaxes(void**) {
    // A plain YAML scalar is text wherever text is expected; JSON numbers and booleans are not.
    static const SkipCase json_only[] = {
        {"{\"name\": \"b\", \"uid\": 5002, \"gid\": 5002, \"gecos\": 12}", "b", "gecos: not a string"},
        {"{\"name\": \"b\", \"uid\": 5002, \"gid\": 5002, \"ssh_keys\": [5]}", "b",
         "ssh_keys[0]: not a string or mapping"},
    };
    run_skip_cases(json_only, 2, true, "users");
    RawDirectory d = parse_ok("users:\n  - {name: b, uid: 5002, gid: 5002, gecos: 12}\n", "t.yaml");
    assert_string_equal(d.users[0].gecos.c_str(), "12");
    // YAML 1.1 booleans are not booleans here: one spelling only.
    static const SkipCase yaml_only[] = {
        {"{name: b, uid: 5002, gid: 5002, public_key_auth: yes}", "b", "public_key_auth: not true or false"},
        {"{name: b, uid: 5002, gid: 5002, public_key_auth: True}", "b", "public_key_auth: not true or false"},
        {"{name: b, uid: 0x138a, gid: 5002}", "b", "uid: not a number"},
        {"{name: b, uid: 05002, gid: 5002}", "b", "uid: not a number"},
        {"{name: b, uid: +5002, gid: 5002}", "b", "uid: not a number"},
    };
    run_skip_cases(yaml_only, sizeof yaml_only / sizeof yaml_only[0], false, "users");
}

void test_group_type_errors(void**) {
    static const SkipCase cases[] = {
        {"{\"name\": \"g\", \"gid\": \"x\"}", "g", "gid: not a number"},
        {"{\"name\": \"g\"}", "g", "gid: missing"},
        {"{\"gid\": 6002}", "groups[1]", "name: missing"},
        {"{\"name\": \"g\", \"gid\": 6002, \"members\": \"bob\"}", "g", "members: not a list"},
        {"{\"name\": \"g\", \"gid\": 6002, \"members\": [\"bob\", [\"x\"]]}", "g",
         "members[1]: not a string"},
    };
    run_skip_cases(cases, sizeof cases / sizeof cases[0], false, "groups");
    run_skip_cases(cases, sizeof cases / sizeof cases[0], true, "groups");
}

void test_yaml_skip_reason_names_the_line(void**) {
    std::vector<Skipped> skipped;
    RawDirectory d = parse_ok(
        "users:\n"
        "  - name: a\n"
        "    uid: 5001\n"
        "    gid: 5001\n"
        "  - name: b\n"
        "    gid: 5002\n"
        "    uid: abc\n",
        "t.yaml", &skipped);
    assert_int_equal(d.users.size(), 1);
    assert_int_equal(skipped.size(), 1);
    // The line of the bad value, not of the record.
    assert_string_equal(skipped[0].reason.c_str(), "t.yaml:7: uid: not a number");
}

void test_unknown_keys_warn_once(void**) {
    g_logs.clear();
    RawDirectory d = parse_ok(
        "colour: blue\n"
        "system: {mfa: false, password_uath: true}\n"
        "users:\n"
        "  - {name: a, uid: 5001, gid: 5001, uidd: 1, extra: {deep: [1, 2]}}\n"
        "  - {name: b, uid: 5002, gid: 5002, uidd: 2}\n"
        "  - {name: c, uid: 5003, gid: 5003, ssh_keys: [{key: k, comment: x}]}\n"
        "groups:\n"
        "  - {name: g, gid: 6001, membres: [a]}\n",
        "w.yaml");
    assert_int_equal(d.users.size(), 3);
    assert_false(d.system.password_auth);
    const char* want[] = {
        "warning: w.yaml:1: unknown key 'colour' in the document ignored",
        "warning: w.yaml:2: unknown key 'password_uath' in system ignored (did you mean 'password_auth'?)",
        "warning: w.yaml:4: unknown key 'uidd' in users ignored (did you mean 'uid'?)",
        "warning: w.yaml:4: unknown key 'extra' in users ignored",
        "warning: w.yaml:6: unknown key 'comment' in ssh_keys ignored",
        "warning: w.yaml:8: unknown key 'membres' in groups ignored (did you mean 'members'?)",
    };
    assert_int_equal(g_logs.size(), sizeof want / sizeof want[0]);
    for (std::size_t i = 0; i < g_logs.size(); ++i) assert_string_equal(g_logs[i].c_str(), want[i]);

    g_logs.clear();
    d = parse_ok(
        "{\"colour\": [1, {\"a\": 2}], \"users\": [{\"name\": \"a\", \"uid\": 5001, \"gid\": 5001, \"uidd\": "
        "{\"x\": [1]}},"
        " {\"name\": \"b\", \"uid\": 5002, \"gid\": 5002, \"uidd\": 2}]}",
        "w.json");
    assert_int_equal(d.users.size(), 2);
    assert_int_equal(g_logs.size(), 2);
    assert_string_equal(g_logs[0].c_str(), "warning: w.json: unknown key 'colour' in the document ignored");
    assert_string_equal(
        g_logs[1].c_str(),
        "warning: w.json: users[0]: unknown key 'uidd' in users ignored (did you mean 'uid'?)");
}

void test_unknown_key_text_is_escaped(void**) {
    g_logs.clear();
    parse_ok("{\"users\": [], \"evil\\nkey\\u001b[31m\": 1}", "w.json");
    assert_int_equal(g_logs.size(), 1);
    assert_string_equal(g_logs[0].c_str(),
                        "warning: w.json: unknown key 'evil\\x0akey\\x1b[31m' in the document ignored");
}

struct DocCase {
    const char* text;
    const char* name;
    const char* want;
};

void test_document_errors(void**) {
    static const DocCase cases[] = {
        {"", "d.yaml", "d.yaml:1:1: the document is empty"},
        {"# nothing\n", "d.yaml", "d.yaml:1:1: the document is empty"},
        {"- a\n- b\n", "d.yaml",
         "d.yaml:1:1: the document is not a mapping (expected system, users, groups)"},
        {"version: 1\nusers: 5\n", "d.yaml", "d.yaml:2:8: users: not a list"},
        {"version: 1\nusers:\ngroups: []\n", "d.yaml", "d.yaml:2:1: users: not a list"},
        {"groups: {a: 1}\n", "d.yaml", "d.yaml:1:9: groups: not a list"},
        {"system: [true]\n", "d.yaml", "d.yaml:1:9: system: not a mapping"},
        {"system:\n  mfa: yes\n", "d.yaml", "d.yaml:2:8: system.mfa: not true or false"},
        {"system: {mfa: true, mfa: false}\n", "d.yaml", "d.yaml:1:21: system.mfa: given twice"},
        {"version: 2\n", "d.yaml", "d.yaml:1:10: version: 2 is not supported (this build reads version 1)"},
        {"version: one\n", "d.yaml", "d.yaml:1:10: version: not a number"},
        {"users: []\nusers: []\n", "d.yaml", "d.yaml:2:1: duplicate key 'users'"},
        {"users:\n  - name: a\n   uid: 1\n", "d.yaml",
         "d.yaml:3:4: YAML syntax error: end of sequence not found"},
        {"users: [\n", "d.yaml", "d.yaml:2:1: YAML syntax error: end of sequence flow not found"},
        {"users: []\n---\nusers: []\n", "d.yaml", "d.yaml:2:1: YAML syntax error: more than one document"},
        {",\n", "d.yaml",
         "d.yaml:1:1: YAML syntax error: unexpected character"},  // hangs yaml-cpp 0.7 LoadAll
        {"{\"users\": 5}", "d.json", "d.json:1:13: users: not a list"},
        {"{\"system\": []}", "d.json", "d.json:1:13: system: not an object"},
        {"{\"system\": {\"mfa\": 1}}", "d.json", "d.json:1:22: system.mfa: not true or false"},
        {"{\"version\": 2}", "d.json",
         "d.json:1:15: version: 2 is not supported (this build reads version 1)"},
        {"{\"users\": [], \"users\": []}", "d.json", "d.json:1:22: duplicate key 'users'"},
        {"{\n  \"users\": [\n    {,\n", "d.json",
         "d.json:3:6: JSON syntax error: syntax error while parsing object key - unexpected ','; expected "
         "string literal"},
        {"{\"a\":1} x", "d.json",
         "d.json:1:9: JSON syntax error: syntax error while parsing value - invalid literal; last read: '1} "
         "x'; expected "
         "end of input"},
        {"{\"users\": [{\"name\": \"a\"", "d.json",
         "d.json:1:24: JSON syntax error: syntax error while parsing object - unexpected end of input; "
         "expected '}'"},
    };
    for (const auto& c : cases) {
        std::string got = error_of(c.text, c.name);
        if (got != c.want) {
            print_error("%s\n  want: %s\n  got:  %s\n", c.text, c.want, got.c_str());
            fail();
        }
    }
}

void test_yaml_alias_bomb_refused(void**) {
    // 1000 users each naming the same 1000-name list: ~50 KB of text, a million group entries.
    std::string text = "x: &g [";
    for (int i = 0; i < 1000; ++i) text += (i ? ",g" : "g") + std::to_string(i);
    text += "]\nusers:\n";
    for (int i = 0; i < 1000; ++i)
        text += "  - {name: u" + std::to_string(i) + ", uid: 5001, gid: 5001, groups: *g}\n";
    std::string got = error_of(text, "bomb.yaml");
    const std::string tail = ": the document expands far beyond its size through YAML aliases";
    assert_true(got.rfind("bomb.yaml:1:", 0) == 0);  // somewhere inside the aliased list
    assert_true(got.size() > tail.size() && got.compare(got.size() - tail.size(), tail.size(), tail) == 0);
    // A few aliases are fine.
    RawDirectory d =
        parse_ok("x: &g [a, b]\nusers:\n  - {name: u, uid: 5001, gid: 5001, groups: *g}\n", "ok.yaml");
    assert_int_equal(d.users[0].groups.size(), 2);
}

void test_deep_nesting_is_an_error_not_a_crash(void**) {
    std::string yaml = "users: " + std::string(100000, '[');
    assert_true(error_of(yaml, "deep.yaml").find("deep.yaml:") == 0);
    // JSON: nlohmann's parser is not recursive; an unknown deep value is skipped by counting.
    std::string json = "{\"x\": " + std::string(100000, '[') + std::string(100000, ']') + ", \"users\": []}";
    assert_string_equal(error_of(json, "deep.json").c_str(), "OK");
}

void test_load_directory_file(void**) {
    char dir[] = "/tmp/test_file_source.XXXXXX";
    assert_non_null(mkdtemp(dir));
    std::string missing = std::string(dir) + "/nope.yaml";
    try {
        dirbind::load_directory_file(missing, nullptr);
        fail();
    } catch (const Error& e) {
        assert_int_equal(static_cast<int>(e.code()), static_cast<int>(Err::source));
        assert_string_equal(e.what(),
                            ("cannot read directory " + missing + ": No such file or directory").c_str());
    }
    std::string path = std::string(dir) + "/d.json";
    FILE* f = std::fopen(path.c_str(), "w");
    assert_non_null(f);
    std::fputs(kJson.c_str(), f);
    std::fclose(f);
    RawDirectory d = dirbind::load_directory_file(path, nullptr);  // a null `skipped` is allowed
    check_sample(d);
    assert_string_equal(d.users[0].where.c_str(), (path + ": users[0]").c_str());

    // Whoever can write the document decides who logs in: only root's (or ours, in a test).
    auto refusal = [&] {
        try {
            dirbind::load_directory_file(path, nullptr);
        } catch (const Error& e) {
            assert_int_equal(static_cast<int>(e.code()), static_cast<int>(Err::source));
            return std::string(e.what());
        }
        return std::string("OK");
    };
    chmod(path.c_str(), 0664);
    assert_string_equal(refusal().c_str(), ("refusing to use directory " + path +
                                            ": writable by group or others (mode 0664): chmod go-w " + path)
                                               .c_str());
    chmod(path.c_str(), 0644);
    assert_string_equal(refusal().c_str(), "OK");
    if (geteuid() == 0) {
        assert_int_equal(chown(path.c_str(), 4242, 4242), 0);
        assert_string_equal(refusal().c_str(), ("refusing to use directory " + path +
                                                ": owned by uid 4242, not root (chown root " + path + ")")
                                                   .c_str());
    } else {
        print_message("SKIP part: foreign-owner case needs root\n");
    }
    unlink(path.c_str());
    rmdir(dir);
}

}  // namespace

int main() {
    alarm(60);  // a parser that hangs (yaml-cpp has had such bugs) fails the run instead of stalling it
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_yaml_and_json_agree, setup, teardown),
        cmocka_unit_test_setup_teardown(test_example_file_parses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_type_errors_skip_only_that_user, setup, teardown),
        cmocka_unit_test_setup_teardown(test_type_differences_between_syntaxes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_type_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_yaml_skip_reason_names_the_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_keys_warn_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_key_text_is_escaped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_document_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_yaml_alias_bomb_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deep_nesting_is_an_error_not_a_crash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_directory_file, setup, teardown),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
