// SPDX-License-Identifier: Apache-2.0
// test_login_refresh.cc — login_refresh below the PAM module: fetch_user() over the file source
// (found, gone, a record validation drops, an unreadable file, an empty directory), the answer's
// format written and parsed back, the strict parser's refusals, and decide_refresh() — which
// may deny what the cache allowed but never the reverse.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>

#include <fstream>
#include <string>

extern "C" {
#include <cmocka.h>
}

#include "../test_util.h"
#include "cache/cache_format.h"
#include "config/config.h"
#include "login/login_policy.h"
#include "login/login_refresh.h"
#include "openssh/sshkey.h"
#include "sync/source.h"
#include "system/error.h"

using namespace dirbind;

namespace {

const char kKey1[] = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFRcmGX2kAAdXdkPfUBsjre6WJeQJGpFnUZydFw3KdJo";
const char kKey2[] = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHqFCy1ZvB5YkLx8a0yZb2C4m5bqj8kF3Hq9vZk5l9Qe";

void write_file(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
}

// A file-source config over `dir`, with empty local account files and its cache in dir/cache.
Config file_config(const test::TempDir& dir) {
    write_file(dir / "passwd", "root:x:0:0::/root:/bin/sh\n");
    write_file(dir / "group", "root:x:0:\n");
    setenv("DIRBIND_CACHE_DIR", (dir / "cache").c_str(), 1);
    return parse_config("source: {type: file, path: " + (dir / "d.yaml") + "}\nlocal_passwd: " + (dir / "passwd") +
                            "\nlocal_group: " + (dir / "group") + "\n",
                        "t.yaml");
}

const char kDirectory[] =
    "system: {password_auth: false, public_key_auth: true}\n"
    "users:\n"
    "  - {name: alice, uid: 5001, gid: 5001, ssh_keys: [{name: a, key: 'KEY1 alice@laptop'}, {name: b, key: "
    "'KEY2'}]}\n"
    "  - {name: bob, uid: 5002, gid: 5002, state: suspended, public_key_auth: false}\n"
    "  - {name: root, uid: 5003, gid: 5003}\n";

std::string directory_text() {
    std::string t = kDirectory;
    t.replace(t.find("KEY1"), 4, kKey1);
    t.replace(t.find("KEY2"), 4, kKey2);
    return t;
}

void fetch_user_file_source(void**) {
    test::TempDir dir;
    Config cfg = file_config(dir);
    write_file(dir / "d.yaml", directory_text());

    UserFetch a = fetch_user(cfg, "alice", 2000);
    assert_int_equal(static_cast<int>(a.kind), static_cast<int>(UserFetch::Kind::found));
    assert_true(a.has_system);
    assert_false(a.system.password_auth);
    assert_true(a.system.public_key_auth);
    assert_int_equal(a.user.ssh_keys.size(), 2);
    assert_int_equal(static_cast<int>(a.user.state), static_cast<int>(UserState::active));

    UserFetch b = fetch_user(cfg, "bob", 2000);
    assert_int_equal(static_cast<int>(b.kind), static_cast<int>(UserFetch::Kind::found));
    assert_int_equal(static_cast<int>(b.user.state), static_cast<int>(UserState::suspended));
    assert_false(b.user.public_key_auth);

    // Not in the document, and a record the sync's validator drops (a local name): both gone.
    assert_int_equal(static_cast<int>(fetch_user(cfg, "zoe", 2000).kind),
                     static_cast<int>(UserFetch::Kind::gone));
    assert_int_equal(static_cast<int>(fetch_user(cfg, "root", 2000).kind),
                     static_cast<int>(UserFetch::Kind::gone));

    // No answer at all is an error, never "gone": the caller keeps the cache's decision.
    unlink((dir / "d.yaml").c_str());
    try {
        fetch_user(cfg, "alice", 2000);
        fail_msg("a missing directory file gave an answer");
    } catch (const Error& e) {
        assert_int_equal(static_cast<int>(e.code()), static_cast<int>(Err::source));
    }
    // A directory with no valid user would refuse everybody: refused like an empty sync.
    write_file(dir / "d.yaml", "users: []\n");
    try {
        fetch_user(cfg, "alice", 2000);
        fail_msg("an empty directory gave an answer");
    } catch (const Error& e) {
        assert_int_equal(static_cast<int>(e.code()), static_cast<int>(Err::refused));
    }
}

void format_and_parse_round_trip(void**) {
    test::TempDir dir;
    Config cfg = file_config(dir);
    write_file(dir / "d.yaml", directory_text());
    UserFetch a = fetch_user(cfg, "alice", 2000);
    std::string text = format_refresh_verdict("alice", a);
    // Comments are left out: the key is the type and blob.
    assert_string_equal(text.c_str(), ("user alice\nstate active\nsystem password no\nsystem publickey yes\n"
                                       "publickey yes\nkey " +
                                       std::string(kKey1) + "\nkey " + kKey2 + "\nend\n")
                                          .c_str());
    RefreshVerdict v;
    assert_string_equal(parse_refresh_verdict(text, "alice", &v).c_str(), "");
    assert_int_equal(static_cast<int>(v.kind), static_cast<int>(RefreshVerdict::Kind::found));
    assert_true(v.has_system);
    assert_false(v.system_password);
    assert_true(v.system_publickey);
    assert_true(v.user_publickey);
    assert_int_equal(v.keys.size(), 2);
    assert_string_equal(v.keys[1].c_str(), kKey2);

    UserFetch g;
    g.kind = UserFetch::Kind::gone;
    assert_string_equal(format_refresh_verdict("x", g).c_str(), "gone\nend\n");
    assert_string_equal(parse_refresh_verdict("gone\nend\n", "x", &v).c_str(), "");
    assert_int_equal(static_cast<int>(v.kind), static_cast<int>(RefreshVerdict::Kind::gone));
    UserFetch u;
    assert_string_equal(format_refresh_verdict("x", u).c_str(), "unchanged\nend\n");
    assert_string_equal(parse_refresh_verdict("unchanged\nend\n", "x", &v).c_str(), "");
    assert_int_equal(static_cast<int>(v.kind), static_cast<int>(RefreshVerdict::Kind::unchanged));
    // Without the system lines (a source whose answer does not carry the policy).
    assert_string_equal(parse_refresh_verdict("user x\nstate locked\npublickey no\nend\n", "x", &v).c_str(),
                        "");
    assert_false(v.has_system);
    assert_int_equal(static_cast<int>(v.state), static_cast<int>(UserState::locked));
    assert_true(v.keys.empty());
}

void parser_refuses_garbage(void**) {
    struct Case {
        std::string text;
        const char* why;  // a part of the reason
    } cases[] = {
        {"", "empty"},
        {"gone\n", "no 'end'"},
        {"gone\nend", "line break"},
        {"gone\nend\ngone\n", "text after 'end'"},
        {"GONE\nend\n", "expected 'unchanged'"},
        {"user mallory\nstate active\npublickey yes\nend\n", "another user"},
        {"user alice\npublickey yes\nend\n", "no 'state'"},
        {"user alice\nstate active\nend\n", "no 'publickey'"},
        {"user alice\nstate sleepy\npublickey yes\nend\n", "unknown state"},
        {"user alice\nstate active\nstate active\npublickey yes\nend\n", "twice"},
        {"user alice\nstate active\npublickey maybe\nend\n", "publickey yes|no"},
        {"user alice\nstate active\npublickey yes\nsystem password yes\nend\n", "go together"},
        {"user alice\nstate active\npublickey yes\nsystem mfa yes\nend\n", "unknown system setting"},
        {"user alice\nstate active\npublickey yes\nkey ssh-ed25519 AAAA\nend\n", "bad key"},
        {"user alice\nstate active\npublickey yes\nkey " + std::string(kKey1) + " comment\nend\n", "comment"},
        {"user alice\nstate active\npublickey yes\nsudo yes\nend\n", "unknown line"},
        {"user alice\nstate\tactive\npublickey yes\nend\n", "control character"},
        {"gone\nstate active\nend\n", "expected 'end'"},
        {std::string(kMaxRefreshAnswer + 1, 'x'), "larger than"},
    };
    for (const auto& c : cases) {
        RefreshVerdict v;
        std::string why = parse_refresh_verdict(c.text, "alice", &v);
        if (why.find(c.why) == std::string::npos)
            fail_msg("answer '%.60s': want a reason with '%s', got '%s'", c.text.c_str(), c.why, why.c_str());
    }
}

// ---- decide_refresh: the fresh answer over a context the cache allowed ------------------------

LoginContext alice_context(const std::string& auth_info) {
    LoginContext c;
    c.service = "sshd";
    c.subject = Subject::directory_user;
    c.cache = CacheState::ok;
    c.policy = cachefmt::kPasswordAuth | cachefmt::kPublicKeyAuth;
    c.account.name = "alice";
    c.account.public_key_auth = true;
    c.account.keys = {kKey1, kKey2};
    c.auth_info = auth_info;
    return c;
}

RefreshVerdict found(UserState st, bool user_pk, std::vector<std::string> keys) {
    RefreshVerdict v;
    v.kind = RefreshVerdict::Kind::found;
    v.state = st;
    v.user_publickey = user_pk;
    v.keys = std::move(keys);
    return v;
}

void decide_refresh_denies_only(void**) {
    const std::string key1_login = std::string("publickey ") + kKey1 + "\n";
    const LoginContext c = alice_context(key1_login);
    assert_int_equal(static_cast<int>(decide_account(c, nullptr).verdict), static_cast<int>(Verdict::allow));
    auto verdict_of = [&](const LoginContext& ctx, const RefreshVerdict& v,
                          UnmanagedKeysLoader load = nullptr) { return decide_refresh(ctx, v, load); };

    RefreshVerdict unchanged;
    assert_int_equal(static_cast<int>(verdict_of(c, unchanged).verdict), static_cast<int>(Verdict::allow));
    RefreshVerdict gone;
    gone.kind = RefreshVerdict::Kind::gone;
    Decision d = verdict_of(c, gone);
    assert_int_equal(static_cast<int>(d.reason), static_cast<int>(Reason::gone));
    assert_true(d.user_message.find("no longer enabled") != std::string::npos);

    // States other than active, on any service.
    for (UserState st : {UserState::suspended, UserState::locked, UserState::staged, UserState::expired}) {
        LoginContext sudo = c;
        sudo.service = "sudo";
        Decision s = verdict_of(sudo, found(st, true, {kKey1}));
        assert_int_equal(static_cast<int>(s.verdict), static_cast<int>(Verdict::deny));
        assert_true(s.log_message.find("login_refresh") != std::string::npos);
    }
    assert_int_equal(static_cast<int>(verdict_of(c, found(UserState::expired, true, {kKey1})).reason),
                     static_cast<int>(Reason::expired));

    // Same key still there: allowed. Key removed: refused, unless hand-added.
    assert_int_equal(static_cast<int>(verdict_of(c, found(UserState::active, true, {kKey1})).verdict),
                     static_cast<int>(Verdict::allow));
    assert_int_equal(static_cast<int>(verdict_of(c, found(UserState::active, true, {kKey2})).reason),
                     static_cast<int>(Reason::key_not_current));
    UnmanagedKeysLoader handadded = [] {
        UnmanagedKeys u;
        u.keys.push_back(parse_public_key(kKey1));
        return u;
    };
    assert_int_equal(
        static_cast<int>(verdict_of(c, found(UserState::active, true, {kKey2}), handadded).verdict),
        static_cast<int>(Verdict::allow));
    // Public keys now disallowed for the user, or for the system.
    assert_int_equal(static_cast<int>(verdict_of(c, found(UserState::active, false, {kKey1})).reason),
                     static_cast<int>(Reason::publickey_user));
    RefreshVerdict sys = found(UserState::active, true, {kKey1});
    sys.has_system = true;
    sys.system_password = true;
    sys.system_publickey = false;
    assert_int_equal(static_cast<int>(verdict_of(c, sys).reason), static_cast<int>(Reason::publickey_system));
    // A password login is not judged on keys; the system's password switch is.
    LoginContext pw = alice_context("keyboard-interactive/pam\n");
    assert_int_equal(static_cast<int>(verdict_of(pw, found(UserState::active, false, {})).verdict),
                     static_cast<int>(Verdict::allow));
    sys.system_password = false;
    assert_int_equal(static_cast<int>(verdict_of(pw, sys).reason), static_cast<int>(Reason::password_system));
    // Not a directory user: nothing to say.
    LoginContext local = c;
    local.subject = Subject::other;
    assert_int_equal(static_cast<int>(verdict_of(local, gone).verdict), static_cast<int>(Verdict::ignore));
}

}  // namespace

int main() {
    const CMUnitTest tests[] = {
        cmocka_unit_test(fetch_user_file_source),
        cmocka_unit_test(format_and_parse_round_trip),
        cmocka_unit_test(parser_refuses_garbage),
        cmocka_unit_test(decide_refresh_denies_only),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
