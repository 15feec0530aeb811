// SPDX-License-Identifier: Apache-2.0
// test_login_policy.cc — common/login_policy.h as tables: who is whose (classify), how sshd's
// SSH_AUTH_INFO_0 is read, and every login method × system switch × user switch × state, the
// root rule, missing auth info, chained methods, revoked / current / hand-added keys, password
// checks with real hashes, the keys a session provisions, and the MFA rules (what auth asks,
// the code decision, the session's keyboard-interactive requirement).
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "../pam/keys.h"

extern "C" {
#include <cmocka.h>
}

#include "../test_util.h"
#include "cache/cache_format.h"
#include "cache/cache_reader.h"
#include "login/login_policy.h"
#include "provisioning/user_keys.h"
#include "sync/cache_writer.h"

using namespace dirbind;
using dirbind::test::key_line;
using dirbind::test::key_text;

namespace {

constexpr std::uint32_t PW = cachefmt::kPasswordAuth, PK = cachefmt::kPublicKeyAuth,
                        ROOT = cachefmt::kRootLogin;
constexpr UserState kStates[] = {UserState::active, UserState::suspended, UserState::locked,
                                 UserState::staged, UserState::expired};

const char* name_of(Verdict v) {
    return v == Verdict::allow ? "allow" : v == Verdict::deny ? "deny" : "ignore";
}

void expect(const Decision& d, Verdict v, Reason r, const char* what) {
    if (d.verdict != v || d.reason != r)
        fail_msg("%s: got %s (reason %d: %s), expected %s (reason %d)", what, name_of(d.verdict),
                 int(d.reason), d.log_message.c_str(), name_of(v), int(r));
}

// alice, a directory user with keys 1 and 2, public keys allowed for her.
LoginContext alice(const char* service, std::uint32_t policy, const char* auth_info) {
    LoginContext c;
    c.service = service;
    c.subject = Subject::directory_user;
    c.cache = CacheState::ok;
    c.policy = policy;
    c.account.name = "alice";
    c.account.public_key_auth = true;
    c.account.keys = {key_line(1), key_line(2)};
    if (auth_info) c.auth_info = auth_info;
    return c;
}

UnmanagedKeysLoader no_unmanaged() {
    return [] { return UnmanagedKeys{}; };
}

UnmanagedKeysLoader unmanaged_with(std::vector<int> ns, int* calls = nullptr) {
    return [ns, calls] {
        if (calls) ++*calls;
        UnmanagedKeys u;
        for (int n : ns) u.keys.push_back(parse_public_key(key_line(n)));
        return u;
    };
}

// ---- classify ------------------------------------------------------------------------------

void classify_table(void**) {
    struct Row {
        const char* what;
        SubjectFacts f;
        Subject expected;
    };
    auto F = [](bool root, bool nss, uid_t nss_uid, bool local, CacheState cache, bool in_cache,
                uid_t cache_uid) {
        SubjectFacts f;
        f.name_is_root = root, f.nss_found = nss, f.nss_uid = nss_uid, f.in_local_passwd = local;
        f.cache = cache, f.in_cache = in_cache, f.cache_uid = cache_uid;
        return f;
    };
    const CacheState OK = CacheState::ok, MISSING = CacheState::missing, BAD = CacheState::unreadable;
    const Row rows[] = {
        {"root by name", F(true, true, 0, true, OK, false, 0), Subject::root},
        {"root by name, no cache", F(true, false, 0, false, MISSING, false, 0), Subject::root},
        {"uid 0 under another name", F(false, true, 0, false, OK, false, 0), Subject::root},
        {"uid 0 even if the cache lists the name", F(false, true, 0, false, OK, true, 5001), Subject::root},
        {"directory user", F(false, true, 5001, false, OK, true, 5001), Subject::directory_user},
        {"directory user NSS does not resolve", F(false, false, 0, false, OK, true, 5001),
         Subject::directory_user},
        {"local user, not in cache", F(false, true, 1500, true, OK, false, 0), Subject::other},
        {"name in cache and in local passwd: local wins", F(false, true, 5001, true, OK, true, 5001),
         Subject::other},
        {"NSS resolves the name to another uid", F(false, true, 1600, false, OK, true, 5001), Subject::other},
        {"unknown to everybody", F(false, false, 0, false, OK, false, 0), Subject::other},
        {"other NSS source, readable cache", F(false, true, 7000, false, OK, false, 0), Subject::other},
        {"no cache, local user", F(false, true, 1500, true, MISSING, false, 0), Subject::other},
        {"no cache, NSS-only user", F(false, true, 5001, false, MISSING, false, 0), Subject::unknown},
        {"broken cache, NSS-only user", F(false, true, 5001, false, BAD, false, 0), Subject::unknown},
        {"broken cache, local user", F(false, true, 1500, true, BAD, false, 0), Subject::other},
        {"broken cache, unresolvable name", F(false, false, 0, false, BAD, false, 0), Subject::other},
    };
    for (const auto& r : rows)
        if (classify(r.f) != r.expected)
            fail_msg("%s: got %d, expected %d", r.what, int(classify(r.f)), int(r.expected));
}

// ---- SSH_AUTH_INFO_0 -------------------------------------------------------------------------

void auth_info_parsing(void**) {
    std::vector<AuthStep> s;
    assert_true(parse_auth_info("publickey " + key_text(1) + "\n", &s));
    assert_int_equal(s.size(), 1);
    assert_int_equal(int(s[0].method), int(Method::publickey));
    assert_string_equal(s[0].key.c_str(), key_text(1).c_str());

    // Certificate details after the key are not part of the key.
    assert_true(
        parse_auth_info("publickey " + key_text(1) + " ID x (serial 1) CA ssh-ed25519 SHA256:abc\n", &s));
    assert_string_equal(s[0].key.c_str(), key_text(1).c_str());

    assert_true(parse_auth_info("publickey " + key_text(1) + "\nkeyboard-interactive/pam\npassword", &s));
    assert_int_equal(s.size(), 3);
    assert_int_equal(int(s[1].method), int(Method::keyboard_interactive));
    assert_string_equal(s[1].name.c_str(), "keyboard-interactive/pam");
    assert_int_equal(int(s[2].method), int(Method::password));

    assert_true(parse_auth_info("hostbased ssh-ed25519 AAAA\n", &s));
    assert_int_equal(int(s[0].method), int(Method::other));
    // Look-alikes are other methods, not the ones they resemble.
    assert_true(parse_auth_info("passwordless\n", &s));
    assert_int_equal(int(s[0].method), int(Method::other));
    assert_true(parse_auth_info("publickeyX " + key_text(1) + "\n", &s));
    assert_int_equal(int(s[0].method), int(Method::other));

    const std::string bad[] = {
        "",
        "\n",
        "password\n\npublickey x\n",
        "\npassword\n",
        "password\r\n",
        std::string("password\0x", 10),
        "pass\tword\n",
        "password\x7f\n",
        std::string(kMaxAuthInfoBytes + 1, 'a'),
    };
    for (const auto& b : bad) {
        s.assign(1, AuthStep{});
        if (parse_auth_info(b, &s)) fail_msg("accepted malformed SSH_AUTH_INFO_0 (%zu bytes)", b.size());
        assert_true(s.empty());
    }
    std::string many;
    for (std::size_t i = 0; i <= kMaxAuthSteps; ++i) many += "password\n";
    assert_false(parse_auth_info(many, &s));
}

// ---- account: methods × switches × states ----------------------------------------------------

void account_method_matrix(void**) {
    const struct {
        const char* info;
        Method m;
    } methods[] = {
        {"publickey ", Method::publickey},  // key appended below
        {"password\n", Method::password},
        {"keyboard-interactive/pam\n", Method::keyboard_interactive},
        {"keyboard-interactive\n", Method::keyboard_interactive},
    };
    int cases = 0;
    for (const auto& m : methods)
        for (std::uint32_t policy = 0; policy < 16; ++policy)  // every combination of the four bits
            for (bool user_pk : {false, true})
                for (UserState st : kStates) {
                    std::string info = m.info;
                    if (m.m == Method::publickey) info += key_text(1) + "\n";
                    LoginContext c = alice("sshd", policy, info.c_str());
                    c.account.public_key_auth = user_pk;
                    c.account.state = st;
                    Decision d = decide_account(c, no_unmanaged());
                    char what[160];
                    snprintf(what, sizeof what, "%s policy=%u user_pk=%d state=%s", m.info, policy, user_pk,
                             to_string(st));
                    ++cases;
                    // The state is checked first, whatever the method and the switches.
                    if (st != UserState::active) {
                        Reason r = st == UserState::suspended ? Reason::suspended
                                   : st == UserState::locked  ? Reason::locked
                                   : st == UserState::staged  ? Reason::staged
                                                              : Reason::expired;
                        expect(d, Verdict::deny, r, what);
                        assert_false(d.user_message.empty());
                        continue;
                    }
                    if (m.m == Method::publickey) {
                        if (!(policy & PK))
                            expect(d, Verdict::deny, Reason::publickey_system, what);
                        else if (!user_pk)
                            expect(d, Verdict::deny, Reason::publickey_user, what);
                        else
                            expect(d, Verdict::allow, Reason::none, what);
                    } else {
                        // The user's public-key switch never matters for passwords.
                        if (!(policy & PW))
                            expect(d, Verdict::deny, Reason::password_system, what);
                        else
                            expect(d, Verdict::allow, Reason::none, what);
                    }
                }
    assert_int_equal(cases, 4 * 16 * 2 * 5);
}

void account_state_messages(void**) {
    const struct {
        UserState st;
        const char* word;
    } rows[] = {{UserState::suspended, "suspended"},
                {UserState::locked, "locked"},
                {UserState::staged, "not activated"},
                {UserState::expired, "expired"}};
    for (const auto& r : rows)
        for (const char* svc : {"sshd", "sudo", "login", "su"}) {
            LoginContext c = alice(svc, PW | PK, "password\n");
            c.account.state = r.st;
            Decision d = decide_account(c, no_unmanaged());
            assert_int_equal(int(d.verdict), int(Verdict::deny));
            if (d.user_message.find(r.word) == std::string::npos)
                fail_msg("%s on %s: message '%s' lacks '%s'", to_string(r.st), svc, d.user_message.c_str(),
                         r.word);
            assert_true(d.log_message.find("alice") != std::string::npos);
        }
}

void account_other_services_check_state_only(void**) {
    for (const char* svc : {"sudo", "su", "login", "cron", ""}) {
        // No auth info, nothing allowed by the system: only the state counts off sshd.
        LoginContext c = alice(svc, 0, nullptr);
        c.account.public_key_auth = false;
        expect(decide_account(c, no_unmanaged()), Verdict::allow, Reason::none, svc);
    }
}

// The sshd rules follow sshd, not the service's name (PAMServiceName, renamed services): a set
// SSH_AUTH_INFO_0 is an sshd login, and a service named like ssh without it fails closed.
void ssh_rules_whatever_the_service_name(void**) {
    std::vector<std::string> keys;
    for (const char* svc : {"sshd", "sshd-internal", "SSHD", "openssh", "login", "custom", ""}) {
        LoginContext c = alice(svc, PK, "keyboard-interactive/pam\n");
        expect(decide_account(c, no_unmanaged()), Verdict::deny, Reason::password_system, svc);
        expect(decide_session(c, no_unmanaged(), &keys), Verdict::deny, Reason::password_system, svc);
        c.auth_info = "hostbased x\n";
        expect(decide_account(c, no_unmanaged()), Verdict::deny, Reason::method_not_allowed, svc);
        c.auth_info = "publickey " + key_text(9) + "\n";
        expect(decide_session(c, no_unmanaged(), &keys), Verdict::deny, Reason::key_not_current, svc);
        LoginContext root = c;
        root.subject = Subject::root;
        root.auth_info = "password\n";
        expect(decide_account(root, no_unmanaged()), Verdict::deny, Reason::root_login, svc);
    }
    for (const char* svc : {"sshd-internal", "SSHD", "openssh"}) {
        LoginContext c = alice(svc, PW | PK, nullptr);
        expect(decide_account(c, no_unmanaged()), Verdict::deny, Reason::no_auth_info, svc);
        expect(decide_session(c, no_unmanaged(), &keys), Verdict::deny, Reason::no_auth_info, svc);
    }
}

void account_missing_auth_info(void**) {
    LoginContext c = alice("sshd", PW | PK | ROOT, nullptr);
    Decision d = decide_account(c, no_unmanaged());
    expect(d, Verdict::deny, Reason::no_auth_info, "absent");
    assert_false(d.user_message.empty());
    for (const char* info : {"password\n\n", "pass\x01word\n", "\npassword"}) {
        c.auth_info = info;
        expect(decide_account(c, no_unmanaged()), Verdict::deny, Reason::no_auth_info, "malformed");
    }
    // Set but empty: OpenSSH has not recorded the method yet; the session step decides.
    for (const char* info : {"", "\n"}) {
        c.auth_info = info;
        expect(decide_account(c, no_unmanaged()), Verdict::allow, Reason::none, "empty at account");
    }
}

// The session step repeats the method checks with the complete SSH_AUTH_INFO_0 and fails closed.
void session_rechecks_methods_on_sshd(void**) {
    std::vector<std::string> keys;
    LoginContext c = alice("sshd", PK, nullptr);
    expect(decide_session(c, no_unmanaged(), &keys), Verdict::deny, Reason::no_auth_info, "absent");
    for (const char* info : {"", "\n", "pass\x01word\n"}) {
        c.auth_info = info;
        expect(decide_session(c, no_unmanaged(), &keys), Verdict::deny, Reason::no_auth_info, info);
        assert_true(keys.empty());
    }
    std::string current = "publickey " + key_text(2) + "\n", revoked = "publickey " + key_text(9) + "\n";
    c.auth_info = current;
    expect(decide_session(c, no_unmanaged(), &keys), Verdict::allow, Reason::none, "current key");
    assert_int_equal(keys.size(), 2);
    c.auth_info = revoked;
    expect(decide_session(c, no_unmanaged(), &keys), Verdict::deny, Reason::key_not_current, "revoked key");
    assert_true(keys.empty());
    c.auth_info = "keyboard-interactive/pam\n";
    expect(decide_session(c, no_unmanaged(), &keys), Verdict::deny, Reason::password_system, "password off");
    c.policy = PK | PW;
    expect(decide_session(c, no_unmanaged(), &keys), Verdict::allow, Reason::none, "password on");
    c.account.public_key_auth = false;
    c.auth_info = current;
    expect(decide_session(c, no_unmanaged(), &keys), Verdict::deny, Reason::publickey_user, "user keys off");
    // Off sshd there is no method to check.
    LoginContext su = alice("su", 0, nullptr);
    expect(decide_session(su, no_unmanaged(), &keys), Verdict::allow, Reason::none, "su");
}

void account_chained_methods(void**) {
    const std::string pk = "publickey " + key_text(1) + "\n";
    struct Row {
        std::string info;
        std::uint32_t policy;
        bool user_pk;
        Verdict v;
        Reason r;
    } rows[] = {
        {pk + "password\n", PW | PK, true, Verdict::allow, Reason::none},
        {pk + "keyboard-interactive/pam\n", PW | PK, true, Verdict::allow, Reason::none},
        {pk + "password\n", PK, true, Verdict::deny, Reason::password_system},
        {"password\n" + pk, PW, true, Verdict::deny, Reason::publickey_system},
        {"password\n" + pk, PW | PK, false, Verdict::deny, Reason::publickey_user},
        {pk + "publickey " + key_text(2) + "\n", PK, true, Verdict::allow, Reason::none},
        {pk + "publickey " + key_text(9) + "\n", PK, true, Verdict::deny, Reason::key_not_current},
        {pk + "gssapi-with-mic\n", PW | PK, true, Verdict::deny, Reason::method_not_allowed},
    };
    for (const auto& r : rows) {
        LoginContext c = alice("sshd", r.policy, r.info.c_str());
        c.account.public_key_auth = r.user_pk;
        expect(decide_account(c, no_unmanaged()), r.v, r.r, r.info.c_str());
    }
}

void account_other_methods_denied(void**) {
    for (const char* info : {"hostbased ssh-ed25519 AAAA\n", "gssapi-with-mic\n", "gssapi-keyex\n", "none\n",
                             "publickeys " /* not publickey */, "Password\n"}) {
        LoginContext c = alice("sshd", PW | PK | ROOT, info);
        Decision d = decide_account(c, no_unmanaged());
        expect(d, Verdict::deny, Reason::method_not_allowed, info);
        assert_false(d.user_message.empty());
    }
}

void account_keys_current_jcorig_revoked(void**) {
    // Current directory key, offered without the comment the directory has: same key.
    int calls = 0;
    std::string info = "publickey " + key_text(2) + "\n";
    LoginContext c = alice("sshd", PK, info.c_str());
    expect(decide_account(c, unmanaged_with({7}, &calls)), Verdict::allow, Reason::none, "current key");
    assert_int_equal(calls, 0);  // the user's file is not even read for a directory key

    // A hand-added key from the unmanaged file.
    info = "publickey " + key_text(7) + "\n";
    c = alice("sshd", PK, info.c_str());
    expect(decide_account(c, unmanaged_with({6, 7}, &calls)), Verdict::allow, Reason::none, ".jcorig key");
    assert_int_equal(calls, 1);

    // Revoked: neither in the directory nor in the unmanaged file.
    info = "publickey " + key_text(3) + "\n";
    c = alice("sshd", PK, info.c_str());
    Decision d = decide_account(c, unmanaged_with({6, 7}));
    expect(d, Verdict::deny, Reason::key_not_current, "revoked key");
    assert_true(d.user_message.find("no longer") != std::string::npos);
    assert_true(d.log_message.find("SHA256:") != std::string::npos);

    // The loader's problem is logged with the refusal.
    c = alice("sshd", PK, info.c_str());
    d = decide_account(c, [] {
        UnmanagedKeys u;
        u.problem = "/home/alice/.ssh/authorized_keys.jcorig: is a symbolic link";
        return u;
    });
    expect(d, Verdict::deny, Reason::key_not_current, "unusable .jcorig");
    assert_true(d.log_message.find("is a symbolic link") != std::string::npos);

    // Loaded at most once for a chain of two unknown-to-the-directory keys.
    calls = 0;
    info = "publickey " + key_text(6) + "\npublickey " + key_text(7) + "\n";
    c = alice("sshd", PK, info.c_str());
    expect(decide_account(c, unmanaged_with({6, 7}, &calls)), Verdict::allow, Reason::none,
           "two .jcorig keys");
    assert_int_equal(calls, 1);

    // Compared by key, not by text: a key that is a text prefix of a directory key is not one.
    std::string k1 = key_text(1);
    info = "publickey " + k1.substr(0, k1.size() - 4) + "\n";
    c = alice("sshd", PK, info.c_str());
    expect(decide_account(c, no_unmanaged()), Verdict::deny, Reason::key_not_current, "truncated key");
    // The same blob under another type name is refused by the parser, never matched.
    info = "publickey ssh-rsa " + k1.substr(12) + "\n";
    c = alice("sshd", PK, info.c_str());
    expect(decide_account(c, no_unmanaged()), Verdict::deny, Reason::key_not_current, "type swapped");
    // No loader at all: only directory keys count.
    info = "publickey " + key_text(7) + "\n";
    c = alice("sshd", PK, info.c_str());
    expect(decide_account(c, UnmanagedKeysLoader{}), Verdict::deny, Reason::key_not_current, "no loader");
}

void account_root_rule(void**) {
    struct Row {
        const char* service;
        CacheState cache;
        std::uint32_t policy;
        Verdict v;
    } rows[] = {
        {"sshd", CacheState::ok, PW | PK, Verdict::deny},
        {"sshd", CacheState::ok, 0, Verdict::deny},
        {"sshd", CacheState::ok, ROOT, Verdict::ignore},
        {"sshd", CacheState::ok, ROOT | PW | PK, Verdict::ignore},
        {"sshd", CacheState::unreadable, ROOT, Verdict::deny},  // the last policy may have said no
        {"sshd", CacheState::missing, 0, Verdict::ignore},      // never synced: sshd_config alone decides
        {"sshd-internal", CacheState::ok, PW | PK, Verdict::deny},  // PAMServiceName sshd-internal
        {"sudo", CacheState::ok, 0, Verdict::ignore},
        {"su", CacheState::unreadable, 0, Verdict::ignore},
        {"login", CacheState::ok, 0, Verdict::ignore},
    };
    for (const auto& r : rows) {
        LoginContext c;
        c.service = r.service;
        c.subject = Subject::root;
        c.cache = r.cache;
        c.policy = r.policy;
        // Only sshd puts SSH_AUTH_INFO_0 in the PAM environment (its absence is tested above).
        if (std::string(r.service).starts_with("sshd")) c.auth_info = "publickey " + key_text(1) + "\n";
        Decision d = decide_account(c, no_unmanaged());
        char what[96];
        snprintf(what, sizeof what, "root %s cache=%d policy=%u", r.service, int(r.cache), r.policy);
        expect(d, r.v, r.v == Verdict::deny ? Reason::root_login : Reason::none, what);
        if (r.v == Verdict::deny) assert_true(d.user_message.find("Root login") != std::string::npos);
    }
}

void account_other_and_unknown(void**) {
    for (const char* svc : {"sshd", "sudo"}) {
        LoginContext c = alice(svc, 0, nullptr);
        c.account.state = UserState::suspended;  // whatever the account data says: not ours
        c.subject = Subject::other;
        expect(decide_account(c, no_unmanaged()), Verdict::ignore, Reason::none, "other");
        c.subject = Subject::unknown;
        c.account.name = "mallory";
        Decision d = decide_account(c, no_unmanaged());
        expect(d, Verdict::deny, Reason::cache_unavailable, "unknown");
        // An unknown user's name is never logged.
        assert_true(d.log_message.find("mallory") == std::string::npos);
    }
}

// ---- auth ----------------------------------------------------------------------------------

void password_auth_table(void**) {
    for (const char* svc : {"sshd", "sudo", "login"})
        for (std::uint32_t policy : {0u, PW, PK, PW | PK | ROOT})
            for (bool hash : {false, true})
                for (UserState st : kStates) {
                    LoginContext c = alice(svc, policy, nullptr);
                    c.account.state = st;
                    Decision d = decide_password_auth(c, hash);
                    char what[128];
                    snprintf(what, sizeof what, "%s policy=%u hash=%d %s", svc, policy, hash, to_string(st));
                    bool sshd = std::string(svc) == "sshd";
                    if (st != UserState::active) {
                        assert_int_equal(int(d.verdict), int(Verdict::deny));
                        // Nothing about the account is said before the password is checked.
                        assert_true(d.user_message.empty());
                    } else if (sshd && !(policy & PW)) {
                        expect(d, Verdict::deny, Reason::password_system, what);
                    } else if (!hash && sshd) {
                        expect(d, Verdict::deny, Reason::no_password, what);
                        assert_true(d.user_message.empty());
                    } else if (!hash) {
                        // sudo, su, login: the user is told why no password can work, and what to do.
                        expect(d, Verdict::deny, Reason::password_unverifiable, what);
                        assert_true(d.user_message.find("holds no password for your account") != std::string::npos);
                        assert_true(d.user_message.find("sudo: nopasswd") != std::string::npos);
                    } else {
                        expect(d, Verdict::allow, Reason::none, what);
                    }
                }
    LoginContext c = alice("sshd", PW, nullptr);
    c.subject = Subject::other;
    expect(decide_password_auth(c, true), Verdict::ignore, Reason::none, "other");
    c.subject = Subject::root;
    expect(decide_password_auth(c, true), Verdict::ignore, Reason::none, "root");
    c.subject = Subject::unknown;
    expect(decide_password_auth(c, true), Verdict::deny, Reason::cache_unavailable, "unknown");
}

void password_verification(void**) {
    const std::string pw = "correct horse battery staple";
    for (const char* prefix : {"$y$", "$6$", "$2b$", "$5$"}) {
        std::string h = test::make_hash(prefix, pw);
        if (h.empty()) fail_msg("libcrypt cannot make a %s hash", prefix);
        assert_true(verify_password(pw, h));
        assert_false(verify_password(pw + "x", h));
        assert_false(verify_password(pw.substr(0, pw.size() - 1), h));
        assert_false(verify_password("", h));
        assert_false(verify_password(pw, "!" + h));                    // locked
        assert_false(verify_password(pw, h.substr(0, h.size() - 1)));  // damaged hash
    }
    std::string h = test::make_hash("$y$", "");
    assert_false(verify_password("", h));  // empty passwords never log in
    assert_false(verify_password(pw, ""));
    assert_false(verify_password(pw, "*"));
    assert_false(verify_password(pw, "$9$unknown$method"));
    assert_false(verify_password(std::string("a\0b", 3), test::make_hash("$y$", "a")));
    std::string huge(kMaxPasswordBytes + 1, 'p');
    assert_false(verify_password(huge, test::make_hash("$6$", huge)));
}

// ---- MFA -------------------------------------------------------------------------------------

constexpr std::uint32_t MFA = cachefmt::kMfa;

void mfa_required_needs_policy_and_enrolment(void**) {
    for (std::uint32_t policy : {0u, MFA, PW | PK | MFA})
        for (bool enrolled : {false, true}) {
            LoginContext c = alice("sshd", policy, nullptr);
            c.account.mfa_enrolled = enrolled;
            assert_int_equal(mfa_required(c), (policy & MFA) && enrolled);
            for (Subject s : {Subject::other, Subject::root, Subject::unknown}) {
                c.subject = s;
                assert_false(mfa_required(c));  // local users, root: never dirbind's second factor
            }
        }
}

void mfa_auth_plan(void**) {
    const std::string key = "publickey " + key_text(1) + "\n";
    struct Row {
        const char* svc;
        std::uint32_t policy;
        bool enrolled;
        const char* info;  // SSH_AUTH_INFO_0 in the keyboard-interactive step (nullptr: unset)
        bool password, code;
    } rows[] = {
        // Without MFA nothing changes: the password, never a code.
        {"sshd", PW | PK, true, nullptr, true, false},
        {"sshd", PW | PK, true, "", true, false},
        {"sshd", PW | PK | MFA, false, nullptr, true, false},
        {"sshd", PW | PK | MFA, false, "KEY", true, false},
        {"sudo", PW | MFA, false, nullptr, true, false},
        // With MFA: after a key, the code alone; without one, the password and the code.
        {"sshd", PW | PK | MFA, true, "KEY", false, true},
        {"sshd", PK | MFA, true, "KEY", false, true},
        {"sshd", PW | PK | MFA, true, "", true, true},
        {"sshd", PW | PK | MFA, true, nullptr, true, true},
        {"sshd", PW | PK | MFA, true, "password\n", true, true},
        {"sshd", PW | PK | MFA, true, "publickeyX AAAA\n", true, true},          // not a key step
        {"sshd", PW | PK | MFA, true, "publickey x\n\npassword\n", true, true},  // malformed: proves nothing
        // Other services never skip the password, whatever the variable says.
        {"su", PW | PK | MFA, true, "KEY", true, true},
        {"login", PW | MFA, true, nullptr, true, true},
        {"sudo", MFA, true, nullptr, true, true},
    };
    for (const auto& r : rows) {
        std::string info = r.info && std::string(r.info) == "KEY" ? key : r.info ? r.info : "";
        LoginContext c = alice(r.svc, r.policy, r.info ? info.c_str() : nullptr);
        c.account.mfa_enrolled = r.enrolled;
        AuthPlan p = plan_auth(c);
        if (p.password != r.password || p.code != r.code)
            fail_msg("%s policy=%u enrolled=%d info=%s: asks password=%d code=%d, expected %d %d", r.svc,
                     r.policy, r.enrolled, r.info ? r.info : "(unset)", p.password, p.code, r.password,
                     r.code);
    }
}

void mfa_code_auth_table(void**) {
    for (bool secret : {false, true})
        for (UserState st : kStates) {
            LoginContext c = alice("sshd", PK | MFA, nullptr);
            c.account.mfa_enrolled = true;
            c.account.state = st;
            Decision d = decide_code_auth(c, secret);
            char what[96];
            snprintf(what, sizeof what, "secret=%d %s", secret, to_string(st));
            if (st != UserState::active) {
                assert_int_equal(int(d.verdict), int(Verdict::deny));
                assert_true(d.user_message.empty());  // nothing said before the code is checked
            } else if (!secret) {
                // JumpCloud: enrolled, but no secret to check against. Refused, and logged why.
                expect(d, Verdict::deny, Reason::no_totp_secret, what);
                assert_true(d.log_message.find("no TOTP secret") != std::string::npos);
                assert_true(d.log_message.find("alice") != std::string::npos);
            } else {
                expect(d, Verdict::allow, Reason::none, what);
            }
        }
    LoginContext c = alice("sshd", PK | MFA, nullptr);
    c.subject = Subject::other;
    expect(decide_code_auth(c, true), Verdict::ignore, Reason::none, "other");
    c.subject = Subject::unknown;
    expect(decide_code_auth(c, true), Verdict::deny, Reason::cache_unavailable, "unknown");
}

void mfa_session_needs_keyboard_interactive(void**) {
    const std::string key = "publickey " + key_text(1) + "\n";
    struct Row {
        const char* what;
        const char* svc;
        std::uint32_t policy;
        bool enrolled;
        std::string info;
        Verdict v;
        Reason r;
    } rows[] = {
        {"key alone, MFA user", "sshd", PW | PK | MFA, true, key, Verdict::deny, Reason::mfa_not_done},
        {"key + code", "sshd", PW | PK | MFA, true, key + "keyboard-interactive/pam\n", Verdict::allow,
         Reason::none},
        {"password + code (one kbd-int step)", "sshd", PW | MFA, true, "keyboard-interactive/pam\n",
         Verdict::allow, Reason::none},
        {"password method: no code was asked", "sshd", PW | MFA, true, "password\n", Verdict::deny,
         Reason::mfa_not_done},
        {"key alone, not enrolled", "sshd", PK | MFA, false, key, Verdict::allow, Reason::none},
        {"key alone, system MFA off", "sshd", PK, true, key, Verdict::allow, Reason::none},
        {"not sshd: auth asked the code", "login", PW | MFA, true, "-", Verdict::allow, Reason::none},
        // Keys only plus a code, the usual MFA setup: the code-only step is no password login.
        {"key + code, passwords off", "sshd", PK | MFA, true, key + "keyboard-interactive/pam\n", Verdict::allow,
         Reason::none},
        {"kbd-int without a key, passwords off", "sshd", PK | MFA, true, "keyboard-interactive/pam\n",
         Verdict::deny, Reason::password_system},
        {"key + kbd-int, not enrolled, passwords off", "sshd", PK | MFA, false, key + "keyboard-interactive/pam\n",
         Verdict::deny, Reason::password_system},
        {"key + kbd-int, system MFA off, passwords off", "sshd", PK, true, key + "keyboard-interactive/pam\n",
         Verdict::deny, Reason::password_system},
        // The method rules still come first: a key the system refuses is refused as such.
        {"key on a no-keys system", "sshd", PW | MFA, true, key + "keyboard-interactive/pam\n", Verdict::deny,
         Reason::publickey_system},
    };
    for (const auto& r : rows) {
        LoginContext c = alice(r.svc, r.policy, r.info == "-" ? nullptr : r.info.c_str());
        c.account.mfa_enrolled = r.enrolled;
        std::vector<std::string> keys;
        Decision d = decide_session(c, no_unmanaged(), &keys);
        expect(d, r.v, r.r, r.what);
        if (r.r == Reason::mfa_not_done) {
            assert_true(d.user_message.find("verification code") != std::string::npos);
            assert_true(keys.empty());
        }
    }
}

void mfa_account_defers_to_session(void**) {
    // sshd runs the account step inside the keyboard-interactive step, before listing it: the
    // chain shows only the key there (and a key-only login shows nothing). Neither is refused
    // at account; the session step above decides.
    LoginContext c = alice("sshd", PW | PK | MFA, ("publickey " + key_text(1) + "\n").c_str());
    c.account.mfa_enrolled = true;
    expect(decide_account(c, no_unmanaged()), Verdict::allow, Reason::none, "chain, at account");
    c.auth_info = "";
    expect(decide_account(c, no_unmanaged()), Verdict::allow, Reason::none, "one method, at account");
    c.account.state = UserState::suspended;
    expect(decide_account(c, no_unmanaged()), Verdict::deny, Reason::suspended, "suspended MFA user");
}

// ---- session, chauthtok, passthrough ---------------------------------------------------------

void session_keys_table(void**) {
    for (std::uint32_t policy : {0u, PW, PK, PW | PK})
        for (bool user_pk : {false, true})
            for (UserState st : kStates) {
                // "login": the keys depend on the switches alone (sshd's method checks are
                // session_rechecks_methods_on_sshd's business).
                LoginContext c = alice("login", policy, nullptr);
                c.account.public_key_auth = user_pk;
                c.account.state = st;
                std::vector<std::string> keys = {"stale"};
                Decision d = decide_session(c, no_unmanaged(), &keys);
                if (st != UserState::active) {
                    assert_int_equal(int(d.verdict), int(Verdict::deny));
                    assert_true(keys.empty());
                } else if ((policy & PK) && user_pk) {
                    assert_int_equal(int(d.verdict), int(Verdict::allow));
                    assert_int_equal(keys.size(), 2);
                    assert_string_equal(keys[0].c_str(), key_line(1).c_str());
                } else {
                    assert_int_equal(int(d.verdict), int(Verdict::allow));
                    assert_true(keys.empty());
                }
            }
    LoginContext c = alice("sshd", PK, nullptr);
    std::vector<std::string> keys;
    for (Subject s : {Subject::other, Subject::root, Subject::unknown}) {
        c.subject = s;
        assert_int_equal(int(decide_session(c, no_unmanaged(), &keys).verdict), int(Verdict::ignore));
        assert_true(keys.empty());
    }
}

// decide_session() and `dirbind authorized-keys` (user_keys.h effective_keys) must agree on
// which keys a user has: checked through a real cache.
void session_keys_match_effective_keys(void**) {
    test::TempDir dir;
    for (std::uint32_t policy : {0u, PK, PW | PK}) {
        Directory d;
        d.system.public_key_auth = policy & PK;
        d.system.password_auth = policy & PW;
        int uid = 5001;
        for (bool user_pk : {false, true})
            for (UserState st : kStates) {
                User u = test::make_user("u" + std::to_string(uid), uid);
                u.state = st;
                u.public_key_auth = user_pk;
                u.ssh_keys = {{"a", key_line(uid)}, {"b", key_line(uid + 100)}};
                d.users.push_back(u);
                d.groups.push_back({u.name, u.gid, {}, ""});
                ++uid;
            }
        write_cache(d, dir.path(), 1);
        ScopedCache cache(dir.path().c_str(), cachefmt::kIdentity);
        Pin pin;
        assert_int_equal(int(pin.acquire(cache.get())), int(Err::ok));
        for (const User& u : d.users) {
            UserView v;
            assert_int_equal(int(find_user(pin, u.name.c_str(), &v)), int(Err::ok));
            LoginContext c = alice("login", pin.policy(), nullptr);
            c.account.state = static_cast<UserState>(v.state);
            c.account.public_key_auth = v.flags & cachefmt::kUserPublicKeyAuth;
            c.account.keys = {u.ssh_keys[0].line, u.ssh_keys[1].line};
            std::vector<std::string> keys;
            decide_session(c, no_unmanaged(), &keys);
            std::vector<std::string> effective = effective_keys(v, pin.policy());
            if (keys != effective)
                fail_msg("%s: session provisions %zu keys, authorized-keys prints %zu", u.name.c_str(),
                         keys.size(), effective.size());
        }
    }
}

void chauthtok_and_passthrough(void**) {
    LoginContext c = alice("passwd", PW | PK, nullptr);
    Decision d = decide_chauthtok(c);
    assert_int_equal(int(d.verdict), int(Verdict::deny));
    assert_true(d.user_message.find("change your password in the directory") != std::string::npos);
    assert_int_equal(int(decide_passthrough(c).verdict), int(Verdict::allow));
    for (Subject s : {Subject::other, Subject::root, Subject::unknown}) {
        c.subject = s;
        assert_int_equal(int(decide_chauthtok(c).verdict), int(Verdict::ignore));
        assert_int_equal(int(decide_passthrough(c).verdict), int(Verdict::ignore));
    }
}

}  // namespace

int main() {
    const CMUnitTest tests[] = {
        cmocka_unit_test(classify_table),
        cmocka_unit_test(auth_info_parsing),
        cmocka_unit_test(account_method_matrix),
        cmocka_unit_test(account_state_messages),
        cmocka_unit_test(account_other_services_check_state_only),
        cmocka_unit_test(ssh_rules_whatever_the_service_name),
        cmocka_unit_test(account_missing_auth_info),
        cmocka_unit_test(account_chained_methods),
        cmocka_unit_test(account_other_methods_denied),
        cmocka_unit_test(account_keys_current_jcorig_revoked),
        cmocka_unit_test(account_root_rule),
        cmocka_unit_test(account_other_and_unknown),
        cmocka_unit_test(password_auth_table),
        cmocka_unit_test(password_verification),
        cmocka_unit_test(session_keys_table),
        cmocka_unit_test(session_rechecks_methods_on_sshd),
        cmocka_unit_test(session_keys_match_effective_keys),
        cmocka_unit_test(chauthtok_and_passthrough),
        cmocka_unit_test(mfa_required_needs_policy_and_enrolment),
        cmocka_unit_test(mfa_auth_plan),
        cmocka_unit_test(mfa_code_auth_table),
        cmocka_unit_test(mfa_session_needs_keyboard_interactive),
        cmocka_unit_test(mfa_account_defers_to_session),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
