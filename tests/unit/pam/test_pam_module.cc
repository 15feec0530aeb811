// SPDX-License-Identifier: Apache-2.0
// test_pam_module.cc — pam_dirbind.so ($DIRBIND_PAM_MODULE) through real libpam (pam_wrapper for
// the service files, nss_wrapper + the built NSS module for users): every PAM type, the method
// matrix, user states, the root rule, missing SSH_AUTH_INFO_0, revoked / current / hand-added
// keys, passwords with real hashes, MFA (the code asked when and only when needed, wrong,
// replayed, no secret cached, the session's refusal of a key alone), the chauthtok message,
// local users left alone and their names kept out of the log. Provisioning as real root is
// test_pam_session's.
#include <dlfcn.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string>

// Before cmocka.h, whose fail() macro would clash with std::ios::fail().
#include "harness.h"
#include "keys.h"

extern "C" {
#include <cmocka.h>
}

#include "../test_util.h"
#include "directory/model.h"
#include "login/totp.h"
#include "sync/cache_writer.h"

using namespace dirbind;
using dirbind::test::key_line;
using dirbind::test::key_text;
using dirbind::test::kIgnored;
using dirbind::test::Pam;

namespace {

// pam_wrapper's helper modules (Debian: libpam-wrapper).
#define PAM_WRAPPER_MODULES "/usr/lib/x86_64-linux-gnu/pam_wrapper"

// scratch: svc/, passwd (what NSS's files source answers), local-passwd (the config's local
// accounts), group, cache/ (the one cache NSS and the module read), home/, dirbind.yaml
std::string g_dir;
const char kMiaSecret[] = "JBSWY3DPEHPK3PXP";
std::string g_hash_alice, g_hash_bob, g_hash_nopk, g_hash_ivan, g_hash_fred;

SystemPolicy policy(bool pw, bool pk, bool root, bool mfa = false) {
    SystemPolicy p;
    p.password_auth = pw;
    p.public_key_auth = pk;
    p.root_login = root;
    p.mfa = mfa;
    return p;
}
const SystemPolicy kAll = policy(true, true, true);

// The directory of every test. uids 5001…; homes under <scratch>/home.
Directory directory(const SystemPolicy& p) {
    Directory d;
    d.system = p;
    auto add = [&](const std::string& name, std::uint32_t uid, UserState st, const std::string& hash,
                   std::vector<int> keys, bool pk = true) {
        User u = test::make_user(name, uid);
        u.home = g_dir + "/home/" + name;
        u.state = st;
        u.password_hash = hash;
        u.public_key_auth = pk;
        for (int k : keys) u.ssh_keys.push_back({"k" + std::to_string(k), key_line(k)});
        d.users.push_back(u);
        d.groups.push_back({name, uid, {}, ""});
    };
    add("alice", 5001, UserState::active, g_hash_alice, {1, 2});
    add("bob", 5002, UserState::suspended, g_hash_bob, {5});
    add("carol", 5003, UserState::expired, g_hash_bob, {});
    add("dan", 5004, UserState::locked, g_hash_bob, {});
    add("eve", 5005, UserState::active, g_hash_bob, {});    // also a local account (passwd file)
    add("fred", 5006, UserState::active, g_hash_fred, {});  // another NSS source says uid 5016
    add("erin", 5007, UserState::staged, g_hash_bob, {});
    add("nopk", 5008, UserState::active, g_hash_nopk, {4}, false);
    add("nopw", 5009, UserState::active, "", {});
    add("ivan", 5010, UserState::active, g_hash_ivan, {});
    // MFA: mia is enrolled with her secret in the cache; jay is enrolled without one (JumpCloud).
    add("mia", 5011, UserState::active, g_hash_alice, {6});
    d.users.back().totp_secret = kMiaSecret;
    d.users.back().mfa_enrolled = true;
    add("jay", 5012, UserState::active, g_hash_alice, {7});
    d.users.back().mfa_enrolled = true;
    add("nina", 5013, UserState::active, g_hash_alice, {});  // NSS also finds her elsewhere
    return d;
}

void write_config() {
    test::write_text(g_dir + "/dirbind.yaml", "home: " + g_dir + "/home/%u\nlocal_passwd: " + g_dir +
                                                  "/local-passwd\nlocal_group: " + g_dir + "/group\n");
}

// The cache NSS and pam_dirbind read ($DIRBIND_CACHE_DIR), with policy `p`.
void use(const SystemPolicy& p) {
    write_config();
    write_cache(directory(p), g_dir + "/cache", static_cast<std::uint64_t>(time(nullptr)));
}

// No cache at all (never synced), or one that cannot be trusted (garbage in identity.db).
void no_cache() {
    unlink((g_dir + "/cache/identity.db").c_str());
    unlink((g_dir + "/cache/secrets.db").c_str());
}
void bad_cache() {
    no_cache();
    test::write_text(g_dir + "/cache/identity.db", std::string(300, 'x'));
}

int group_setup(void**) {
    g_hash_alice = test::make_hash("$y$", "alice-pw");
    g_hash_bob = test::make_hash("$y$", "bob-pw");
    g_hash_nopk = test::make_hash("$6$", "nopk-pw");
    g_hash_ivan = test::make_hash("$2b$", "ivan-pw");
    g_hash_fred = test::make_hash("$y$", "fred-pw");
    if (g_hash_alice.empty() || g_hash_nopk.empty() || g_hash_ivan.empty()) return -1;
    // 0777: never a trusted home base, so session provisioning here always fails (on purpose).
    mkdir((g_dir + "/home").c_str(), 0777);
    chmod((g_dir + "/home").c_str(), 0777);
    use(kAll);
    return 0;
}

// ---- the module file -------------------------------------------------------------------------

void exports_only_pam_entry_points(void**) {
    std::string path = test::abs_path("DIRBIND_PAM_MODULE", "build/pam_dirbind.so");
    void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (h == nullptr) fail_msg("dlopen %s: %s", path.c_str(), dlerror());
    for (const char* s : {"pam_sm_authenticate", "pam_sm_setcred", "pam_sm_acct_mgmt", "pam_sm_open_session",
                          "pam_sm_close_session", "pam_sm_chauthtok"})
        if (dlsym(h, s) == nullptr) fail_msg("%s not exported", s);
    assert_null(dlsym(h, "_ZN7dirbind10valid_nameEPKcm"));
    assert_null(dlsym(h, "_ZN7dirbind8classifyERKNS_12SubjectFactsE"));
    dlclose(h);
}

// ---- users dirbind must leave alone ----------------------------------------------------------

void local_and_unknown_users_ignored_by_every_type(void**) {
    use(kAll);
    for (const char* user : {"localuser", "nosuchuser"})
        for (const char* svc : {"sshd", "sudo"}) {
            Pam p(svc, user, "whatever");
            assert_true(p.started());
            p.set_auth_info("hostbased ssh-ed25519 AAAA\n");  // would be refused for a directory user
            assert_int_equal(p.authenticate(), kIgnored);
            assert_int_equal(p.setcred(), kIgnored);
            assert_int_equal(p.account(), kIgnored);
            assert_int_equal(p.open_session(), kIgnored);
            assert_int_equal(p.close_session(), kIgnored);
            assert_int_equal(p.chauthtok(), kIgnored);
            assert_int_equal(p.prompts, 0);
            for (const auto& m : p.errors) fail_msg("%s told: %s", user, m.c_str());
            for (const auto& m : p.infos) fail_msg("%s told: %s", user, m.c_str());
            // The module did run (debug), and never wrote the name down.
            if (!p.logged("not a directory user")) fail_msg("no debug line for %s:\n%s", user, p.log.c_str());
            if (p.logged(user)) fail_msg("%s logged:\n%s", user, p.log.c_str());
        }
}

void local_account_with_a_directory_name_wins(void**) {
    use(kAll);
    // eve: in the local passwd file too. fred: NSS resolves the name to another uid.
    for (const char* user : {"eve", "fred"}) {
        Pam p("sshd", user, std::string(user) == "fred" ? "fred-pw" : "bob-pw");
        p.set_auth_info("hostbased x\n");
        assert_int_equal(p.authenticate(), kIgnored);  // the directory password logs nobody in here
        assert_int_equal(p.account(), kIgnored);
        assert_int_equal(p.prompts, 0);
        assert_true(p.logged("local account"));
    }
}

// ---- account ---------------------------------------------------------------------------------

void account_method_matrix(void**) {
    int cases = 0;
    for (bool pw : {false, true})
        for (bool pk : {false, true}) {
            use(policy(pw, pk, false));
            for (const char* user : {"alice", "nopk"})
                for (const char* method : {"publickey", "password", "keyboard-interactive/pam"}) {
                    const bool user_pk = std::string(user) == "alice";
                    std::string info = method;
                    if (info == "publickey") info += " " + key_text(user_pk ? 1 : 4);
                    Pam p("sshd", user);
                    p.set_auth_info(info + "\n");
                    const bool allowed = info.rfind("publickey", 0) == 0 ? pk && user_pk : pw;
                    int rc = p.account();
                    ++cases;
                    if (rc != (allowed ? PAM_SUCCESS : PAM_PERM_DENIED))
                        fail_msg("%s %s pw=%d pk=%d: got %d (%s)\n%s", user, method, pw, pk, rc,
                                 pam_strerror(p.handle(), rc), p.log.c_str());
                    // A refused user is told why.
                    if (!allowed)
                        assert_true(p.said("disabled"));
                    else
                        assert_true(p.errors.empty());
                }
        }
    assert_int_equal(cases, 24);
}

void account_states_denied_everywhere(void**) {
    use(kAll);
    const struct {
        const char* user;
        int rc;
        const char* word;
    } rows[] = {{"bob", PAM_PERM_DENIED, "suspended"},
                {"dan", PAM_PERM_DENIED, "locked"},
                {"erin", PAM_PERM_DENIED, "not activated"},
                {"carol", PAM_ACCT_EXPIRED, "expired"}};
    for (const auto& r : rows)
        for (const char* svc : {"sshd", "sudo"}) {
            Pam p(svc, r.user);
            p.set_auth_info("publickey " + key_text(5) + "\n");
            int rc = p.account();
            if (rc != r.rc) fail_msg("%s on %s: %d\n%s", r.user, svc, rc, p.log.c_str());
            if (!p.said(r.word)) fail_msg("%s on %s: not told '%s'", r.user, svc, r.word);
            assert_true(p.logged(r.user));  // a directory user: named in the log
        }
    // PAM_SILENT: refused all the same, but nothing is said.
    Pam p("sshd", "bob");
    p.set_auth_info("password\n");
    assert_int_equal(p.account(PAM_SILENT), PAM_PERM_DENIED);
    assert_true(p.errors.empty());
}

void account_without_auth_info(void**) {
    use(kAll);
    Pam ssh("sshd", "alice");
    assert_int_equal(ssh.account(), PAM_PERM_DENIED);  // sshd always sets it: its absence is suspicious
    assert_true(ssh.said("did not say how you authenticated"));
    Pam sudo("sudo", "alice");
    assert_int_equal(sudo.account(), PAM_SUCCESS);  // off sshd only the state matters
}

void account_chained_methods(void**) {
    const std::string info = "publickey " + key_text(1) + "\nkeyboard-interactive/pam\n";
    use(policy(false, true, false));
    Pam denied("sshd", "alice");
    denied.set_auth_info(info);
    assert_int_equal(denied.account(), PAM_PERM_DENIED);
    assert_true(denied.said("Password login is disabled"));
    use(policy(true, true, false));
    Pam allowed("sshd", "alice");
    allowed.set_auth_info(info);
    assert_int_equal(allowed.account(), PAM_SUCCESS);
    Pam other("sshd", "alice");
    other.set_auth_info(info + "gssapi-with-mic\n");
    assert_int_equal(other.account(), PAM_PERM_DENIED);
}

void account_root_rule(void**) {
    use(policy(true, true, false));
    Pam off("sshd", "root");
    off.set_auth_info("publickey " + key_text(9) + "\n");
    assert_int_equal(off.account(), PAM_PERM_DENIED);
    assert_true(off.said("Root login over SSH is disabled"));
    Pam sudo("sudo", "root");
    assert_int_equal(sudo.account(), kIgnored);  // only sshd

    use(policy(false, false, true));
    Pam on("sshd", "root");
    on.set_auth_info("password\n");
    assert_int_equal(on.account(), kIgnored);  // allowed: pam_unix and sshd_config decide

    // Never synced: dirbind has no policy, root is not its business.
    no_cache();
    Pam missing("sshd", "root");
    missing.set_auth_info("password\n");
    assert_int_equal(missing.account(), kIgnored);
    // ...unless somebody else could have removed the cache: then it is unknown, not missing.
    chmod((g_dir + "/cache").c_str(), 0777);
    Pam removed("sshd", "root");
    removed.set_auth_info("password\n");
    assert_int_equal(removed.account(), PAM_PERM_DENIED);
    assert_true(removed.said("cannot be read"));
    chmod((g_dir + "/cache").c_str(), 0755);

    // A cache that exists but cannot be trusted: its last policy may have said no.
    bad_cache();
    Pam broken("sshd", "root");
    broken.set_auth_info("password\n");
    assert_int_equal(broken.account(), PAM_PERM_DENIED);
    assert_true(broken.said("cannot be read"));
    use(kAll);
}

void no_readable_cache_refuses_directory_users_only(void**) {
    for (void (*breaks)() : {no_cache, bad_cache}) {
        breaks();
        // nina still resolves through NSS (another source, e.g. nscd): she may be a directory user.
        Pam nina("sudo", "nina", "alice-pw");
        assert_int_equal(nina.authenticate(), PAM_AUTHINFO_UNAVAIL);
        assert_int_equal(nina.account(), PAM_PERM_DENIED);
        assert_true(nina.said("unavailable"));
        assert_false(nina.logged("nina"));  // unknown to dirbind now: not named
        // A local account is unaffected.
        Pam local("sudo", "localuser", "x");
        assert_int_equal(local.account(), kIgnored);
        assert_int_equal(local.authenticate(), kIgnored);
    }
    use(kAll);
}

void account_keys_current_handadded_revoked(void**) {
    if (geteuid() != 0) skip();  // the home must belong to uid 5001
    use(policy(false, true, false));
    const std::string home = g_dir + "/home/alice", ssh = home + "/.ssh",
                      jc = ssh + "/authorized_keys.jcorig";
    mkdir(home.c_str(), 0750);
    mkdir(ssh.c_str(), 0700);
    test::write_text(jc, key_line(7) + "\n");
    assert_int_equal(
        chown(home.c_str(), 5001, 5001) | chown(ssh.c_str(), 5001, 5001) | chown(jc.c_str(), 5001, 5001), 0);
    auto login = [](int key) {
        Pam p("sshd", "alice");
        p.set_auth_info("publickey " + key_text(key) + "\n");
        int rc = p.account();
        return std::make_pair(rc, p.said("no longer authorised"));
    };
    assert_int_equal(login(2).first, PAM_SUCCESS);  // a current directory key
    assert_int_equal(login(7).first, PAM_SUCCESS);  // hand-added, in authorized_keys.jcorig
    auto revoked = login(3);                        // neither: revoked
    assert_int_equal(revoked.first, PAM_PERM_DENIED);
    assert_true(revoked.second);

    // A .jcorig that is a symlink is never followed, even to a file that lists the key.
    const std::string decoy = g_dir + "/decoy-keys";
    test::write_text(decoy, key_line(8) + "\n");
    assert_int_equal(chown(decoy.c_str(), 5001, 5001), 0);
    unlink(jc.c_str());
    assert_int_equal(symlink(decoy.c_str(), jc.c_str()), 0);
    assert_int_equal(lchown(jc.c_str(), 5001, 5001), 0);
    assert_int_equal(login(8).first, PAM_PERM_DENIED);
    assert_int_equal(login(7).first, PAM_PERM_DENIED);
    // Pointed at /etc/shadow: refused, not read.
    unlink(jc.c_str());
    assert_int_equal(symlink("/etc/shadow", jc.c_str()), 0);
    assert_int_equal(lchown(jc.c_str(), 5001, 5001), 0);
    Pam p("sshd", "alice");
    p.set_auth_info("publickey " + key_text(7) + "\n");
    assert_int_equal(p.account(), PAM_PERM_DENIED);
    assert_true(p.logged("symbolic link"));
    // A hard link to a file of someone else's, and a ~/.ssh that is a symlink: not trusted.
    unlink(jc.c_str());
    test::write_text(jc, key_line(7) + "\n");  // owned by root now
    assert_int_equal(login(7).first, PAM_PERM_DENIED);
    assert_int_equal(chown(jc.c_str(), 5001, 5001), 0);
    assert_int_equal(login(7).first, PAM_SUCCESS);
    const std::string real_ssh = home + "/real-ssh";
    assert_int_equal(rename(ssh.c_str(), real_ssh.c_str()), 0);
    assert_int_equal(symlink("real-ssh", ssh.c_str()), 0);
    assert_int_equal(lchown(ssh.c_str(), 5001, 5001), 0);
    assert_int_equal(login(7).first, PAM_PERM_DENIED);
    assert_int_equal(login(1).first, PAM_SUCCESS);  // directory keys do not need the home
    assert_int_equal(test::remove_tree(home), 0);
    use(kAll);
}

// ---- auth ------------------------------------------------------------------------------------

void password_right_wrong_and_disallowed(void**) {
    use(policy(true, false, false));
    {
        Pam p("sshd", "alice", "alice-pw");
        assert_int_equal(p.authenticate(), PAM_SUCCESS);
        assert_int_equal(p.prompts, 1);
        assert_true(p.logged("password accepted"));
    }
    {
        Pam p("sshd", "alice", "alice-pw ");
        assert_int_equal(p.authenticate(), PAM_AUTH_ERR);
        // pam_fail_delay(2 s): libpam randomises it to 50–150 %, and hands it to our recorder.
        assert_in_range(p.delay_usec, 1000000, 3000000);
        assert_true(p.logged("wrong password"));
        assert_false(p.logged("alice-pw"));  // never the password
    }
    // Every hash method libcrypt knows: yescrypt (alice), sha512crypt (nopk), bcrypt (ivan).
    for (auto [user, pw] : {std::pair{"nopk", "nopk-pw"}, std::pair{"ivan", "ivan-pw"}}) {
        Pam p("sshd", user, pw);
        assert_int_equal(p.authenticate(), PAM_SUCCESS);
        Pam q("sshd", user, "alice-pw");
        assert_int_equal(q.authenticate(), PAM_AUTH_ERR);
    }
    // No hash in the directory; a suspended user with the right password.
    for (auto [user, pw] : {std::pair{"nopw", ""}, std::pair{"nopw", "x"}, std::pair{"bob", "bob-pw"},
                            std::pair{"carol", "bob-pw"}}) {
        Pam p("sshd", user, pw);
        assert_int_equal(p.authenticate(), PAM_AUTH_ERR);
        assert_true(p.errors.empty());  // nothing said about the account before the password
    }
    // sudo (su, login) for a user the directory gives no hash (a JumpCloud admin with `sudo:
    // password`): told why and what to do, even under PAM_SILENT (sudo always passes it), and a
    // code that is not "wrong password", so that sudo does not ask again.
    {
        Pam p("sudo", "nopw", "anything");
        assert_int_equal(p.authenticate(PAM_SILENT), PAM_CRED_INSUFFICIENT);
        assert_true(p.said("holds no password for your account"));
        assert_true(p.said("sudo: nopasswd"));
        assert_true(p.logged("user nopw: password authentication refused: the directory holds no password"));
    }
    // Passwords disallowed for the system: refused over sshd even when right...
    use(policy(false, true, true));
    {
        Pam p("sshd", "alice", "alice-pw");
        assert_int_equal(p.authenticate(), PAM_AUTH_ERR);
        assert_true(p.logged("disallows passwords"));
    }
    // ...but sudo/su/login still check the directory password (docs/pam.md).
    {
        Pam p("sudo", "alice", "alice-pw");
        assert_int_equal(p.authenticate(), PAM_SUCCESS);
    }
    use(kAll);
}

void password_use_first_pass(void**) {
    use(kAll);
    // An earlier module in the stack (pam_wrapper's pam_set_items.so) leaves $PAM_AUTHTOK as the
    // PAM_AUTHTOK item, as pam_unix would with the password it asked for.
    {
        setenv("PAM_AUTHTOK", "alice-pw", 1);
        Pam p("sudo-first", "alice", "prompted");
        int rc = p.authenticate();
        unsetenv("PAM_AUTHTOK");
        assert_int_equal(rc, PAM_SUCCESS);
        assert_int_equal(p.prompts, 0);  // the earlier module's password, no prompt
    }
    {
        Pam p("sudo-first", "alice", "alice-pw");
        assert_int_equal(p.authenticate(), PAM_AUTH_ERR);  // nothing earlier: use_first_pass never prompts
        assert_int_equal(p.prompts, 0);
    }
    {
        setenv("PAM_AUTHTOK", "wrong", 1);
        Pam p("sudo-try", "alice", "alice-pw");
        int rc = p.authenticate();
        unsetenv("PAM_AUTHTOK");
        assert_int_equal(rc, PAM_AUTH_ERR);  // try_first_pass: the earlier password is the one tried
        assert_int_equal(p.prompts, 0);
        Pam q("sudo-try", "alice", "alice-pw");
        assert_int_equal(q.authenticate(), PAM_SUCCESS);  // and without one, it prompts
        assert_int_equal(q.prompts, 1);
    }
}

// ---- MFA -------------------------------------------------------------------------------------

const SystemPolicy kMfa = policy(true, true, false, true);

// mia's code for the time step `delta` steps from now.
std::string mia_code(int delta = 0) {
    std::vector<unsigned char> key;
    if (!base32_decode(kMiaSecret, &key)) fail_msg("bad test secret");
    return hotp(key, totp_step(time(nullptr)) + delta);
}

// Forget which codes were used, so that each test starts afresh.
void forget_codes() {
    unlink((g_dir + "/cache/totp/mia").c_str());
}

void mfa_code_asked_and_accepted(void**) {
    use(kMfa);
    forget_codes();
    {
        // sshd, after a public key (AuthenticationMethods publickey,keyboard-interactive): the code only.
        Pam p("sshd", "mia", "wrong password, never asked");
        p.set_auth_info("publickey " + key_text(6) + "\n");
        p.code = mia_code();
        assert_int_equal(p.authenticate(), PAM_SUCCESS);
        assert_int_equal(p.prompts, 0);
        assert_int_equal(p.code_prompts, 1);
        assert_true(p.logged("user mia: verification code accepted"));
        assert_false(p.logged(p.code));  // never the code
        // The account step runs inside that keyboard-interactive step, before sshd lists it.
        assert_int_equal(p.account(), PAM_SUCCESS);
    }
    struct stat st;
    assert_int_equal(stat((g_dir + "/cache/totp").c_str(), &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
    assert_int_equal(stat((g_dir + "/cache/totp/mia").c_str(), &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    {
        // Another service (su, login, sudo): the password, then the code (the next step's: the
        // current one is used up).
        Pam p("sudo", "mia", "alice-pw");
        p.code = mia_code(1);
        assert_int_equal(p.authenticate(), PAM_SUCCESS);
        assert_int_equal(p.prompts, 1);
        assert_int_equal(p.code_prompts, 1);
    }
    forget_codes();
    {
        // sshd without a key step: keyboard-interactive asks both.
        Pam p("sshd", "mia", "alice-pw");
        p.set_auth_info("");
        p.code = mia_code();
        assert_int_equal(p.authenticate(), PAM_SUCCESS);
        assert_int_equal(p.prompts, 1);
        assert_int_equal(p.code_prompts, 1);
    }
    use(kAll);
}

void mfa_wrong_code(void**) {
    use(kMfa);
    forget_codes();
    std::string wrong = mia_code();
    wrong[0] = wrong[0] == '9' ? '0' : static_cast<char>(wrong[0] + 1);
    for (const char* svc : {"sshd", "sudo"}) {
        Pam p(svc, "mia", "alice-pw");
        p.set_auth_info("publickey " + key_text(6) + "\n");
        p.code = wrong;
        assert_int_equal(p.authenticate(), PAM_AUTH_ERR);
        assert_in_range(p.delay_usec, 1000000, 3000000);  // the module's usual failure delay
        assert_true(p.logged("user mia: wrong verification code"));
        assert_false(p.logged(wrong));
        assert_true(p.errors.empty());
    }
    for (const char* bad : {"", "12345", "1234567", "abcdef"}) {
        Pam p("sshd", "mia");
        p.set_auth_info("publickey " + key_text(6) + "\n");
        p.code = bad;
        assert_int_equal(p.authenticate(), PAM_AUTH_ERR);
    }
    // A wrong password with the right code: refused, and the code is not used up by it.
    {
        Pam p("sudo", "mia", "not-her-password");
        p.code = mia_code();
        assert_int_equal(p.authenticate(), PAM_AUTH_ERR);
        assert_int_equal(p.code_prompts, 1);  // asked all the same: the prompts reveal nothing
        assert_true(p.logged("wrong password"));
        Pam q("sudo", "mia", "alice-pw");
        q.code = p.code;
        assert_int_equal(q.authenticate(), PAM_SUCCESS);
    }
    use(kAll);
}

void mfa_replayed_code(void**) {
    use(kMfa);
    forget_codes();
    const std::string code = mia_code();
    Pam first("sshd", "mia");
    first.set_auth_info("publickey " + key_text(6) + "\n");
    first.code = code;
    assert_int_equal(first.authenticate(), PAM_SUCCESS);
    // The same code again — an onlooker, or a second connection — is refused...
    Pam again("sshd", "mia");
    again.set_auth_info("publickey " + key_text(6) + "\n");
    again.code = code;
    assert_int_equal(again.authenticate(), PAM_AUTH_ERR);
    assert_true(again.logged("user mia: verification code refused: it was used already"));
    // ...and so is the previous step's code, older than the one used.
    Pam older("sudo", "mia", "alice-pw");
    older.code = mia_code(-1);
    assert_int_equal(older.authenticate(), PAM_AUTH_ERR);
    // A record that cannot be trusted refuses every code rather than allow a replay.
    test::write_text(g_dir + "/cache/totp/mia", "garbage\n");
    Pam broken("sshd", "mia");
    broken.set_auth_info("publickey " + key_text(6) + "\n");
    broken.code = mia_code(1);
    assert_int_equal(broken.authenticate(), PAM_AUTHINFO_UNAVAIL);
    assert_true(broken.logged("replay record cannot be used"));
    forget_codes();
    use(kAll);
}

void mfa_enrolled_without_secret(void**) {
    use(kMfa);
    // jay: JumpCloud says he is enrolled, but the cache has no secret: refused, whatever he types.
    for (const char* info : {"publickey KEY\n", ""}) {
        Pam p("sshd", "jay", "alice-pw");
        std::string i = info;
        if (i.rfind("publickey", 0) == 0) i = "publickey " + key_text(7) + "\n";
        p.set_auth_info(i);
        p.code = "123456";
        assert_int_equal(p.authenticate(), PAM_AUTH_ERR);
        assert_int_equal(p.code_prompts, 1);
        assert_true(p.logged("user jay: verification code refused"));
        assert_true(p.logged("no TOTP secret"));
        assert_true(p.errors.empty());
    }
    use(kAll);
}

void mfa_off_or_not_enrolled_no_prompt(void**) {
    // The system's mfa switch off: mia logs in as before, with her password and no code.
    use(kAll);
    {
        Pam p("sshd", "mia", "alice-pw");
        p.set_auth_info("publickey " + key_text(6) + "\n");
        assert_int_equal(p.authenticate(), PAM_SUCCESS);
        assert_int_equal(p.prompts, 1);
        assert_int_equal(p.code_prompts, 0);
    }
    // MFA on, alice not enrolled: her password alone, no code.
    use(kMfa);
    for (const char* svc : {"sshd", "sudo"}) {
        Pam p(svc, "alice", "alice-pw");
        p.set_auth_info("publickey " + key_text(1) + "\n");
        assert_int_equal(p.authenticate(), PAM_SUCCESS);
        assert_int_equal(p.prompts, 1);
        assert_int_equal(p.code_prompts, 0);
    }
    // Local users are untouched.
    Pam local("sshd", "localuser", "x");
    assert_int_equal(local.authenticate(), kIgnored);
    assert_int_equal(local.code_prompts, 0);
    use(kAll);
}

void mfa_session_refuses_key_alone(void**) {
    use(kMfa);
    {
        // AuthenticationMethods publickey (the admin forgot keyboard-interactive): the account
        // step sees nothing yet, the session step sees the key alone and refuses.
        Pam p("sshd", "mia");
        p.set_auth_info("");
        assert_int_equal(p.account(), PAM_SUCCESS);
        p.set_auth_info("publickey " + key_text(6) + "\n");
        assert_int_equal(p.open_session(), PAM_SESSION_ERR);
        assert_true(p.said("verification code is required"));
        assert_true(p.logged("no keyboard-interactive step ran"));
    }
    {
        Pam p("sshd", "mia");
        p.set_auth_info("publickey " + key_text(6) + "\nkeyboard-interactive/pam\n");
        assert_int_equal(p.open_session(), PAM_SUCCESS);  // provisioning fails here, the session opens
        assert_false(p.said("verification code"));
    }
    {
        Pam p("sshd", "alice");  // not enrolled: a key alone is enough
        p.set_auth_info("publickey " + key_text(1) + "\n");
        assert_int_equal(p.open_session(), PAM_SUCCESS);
    }
    use(kAll);
    Pam p("sshd", "mia");  // the system's mfa switch off: a key alone is enough
    p.set_auth_info("publickey " + key_text(6) + "\n");
    assert_int_equal(p.open_session(), PAM_SUCCESS);
}

// ---- password, setcred, sessions ------------------------------------------------------------

void chauthtok_points_to_the_directory(void**) {
    use(kAll);
    Pam p("sshd", "alice", "new-pw");
    assert_int_equal(p.chauthtok(), PAM_AUTHTOK_ERR);
    assert_int_equal(p.errors.size(), 1);
    assert_true(p.said("change your password in the directory"));
    Pam q("sudo", "nopk", "new-pw");
    assert_int_equal(q.chauthtok(PAM_CHANGE_EXPIRED_AUTHTOK), PAM_AUTHTOK_ERR);
}

void setcred_and_close_session(void**) {
    use(kAll);
    Pam p("sshd", "alice");
    assert_int_equal(p.setcred(), PAM_SUCCESS);
    assert_int_equal(p.setcred(PAM_DELETE_CRED), PAM_SUCCESS);
    assert_int_equal(p.close_session(), PAM_SUCCESS);
}

void session_provisioning_failure(void**) {
    use(kAll);
    // The home base (<scratch>/home, mode 0777) is not trusted: provisioning fails.
    {
        Pam p("sudo", "alice");
        assert_int_equal(p.open_session(), PAM_SUCCESS);  // by default the session still opens
        if (!p.logged("user alice: provisioning failed: /"))
            fail_msg("failure not logged with its path:\n%s", p.log.c_str());
    }
    {
        Pam p("login-required", "alice");
        assert_int_equal(p.open_session(), PAM_SESSION_ERR);  // provision=required
        assert_true(p.logged("session refused"));
    }
    {
        Pam p("sudo", "bob");  // suspended: no session, whatever the stack before said
        assert_int_equal(p.open_session(), PAM_SESSION_ERR);
    }
}

// ---- options and configuration ---------------------------------------------------------------

void unknown_options_logged_not_fatal(void**) {
    use(kAll);
    Pam p("sudo-odd", "alice");
    assert_int_equal(p.account(), PAM_SUCCESS);
    assert_true(p.logged("unknown option: frobnicate"));
    assert_true(p.logged("unknown option: provision=sometimes"));
}

// The built-in defaults name the cache NSS serves users from: the rules keep applying to the
// users that can actually log in, and nothing is provisioned.
void unloadable_config_fails_closed(void**) {
    use(policy(true, false, false));  // no public keys, no root login
    for (bool present : {true, false}) {
        if (present)
            test::write_text(g_dir + "/dirbind.yaml", "cache_dir: [not, a, path]\n");
        else
            unlink((g_dir + "/dirbind.yaml").c_str());
        Pam root("sshd", "root");
        root.set_auth_info("password\n");
        assert_int_equal(root.account(), PAM_PERM_DENIED);
        assert_true(root.logged("configuration not loaded"));
        Pam alice("sshd", "alice");
        alice.set_auth_info("publickey " + key_text(1) + "\n");
        assert_int_equal(alice.account(), PAM_PERM_DENIED);
        assert_true(alice.said("Public-key login is disabled"));
        Pam bob("sudo", "bob");
        assert_int_equal(bob.account(), PAM_PERM_DENIED);  // suspended
        Pam session("sshd", "alice");
        session.set_auth_info("password\n");
        assert_int_equal(session.open_session(), PAM_SUCCESS);  // provision=optional: logged, not fatal
        assert_true(session.logged("configuration could not be loaded"));
    }
    use(kAll);
}

// ---- login_refresh (docs/pam.md) ---------------------------------------------------------------
// The sshd service passes refresh_command=<scratch>/refresh.sh: a shell script each test writes,
// standing in for `dirbind refresh-user`. refresh_on() turns login_refresh on (timeout 1 s) in
// dirbind.yaml; use() writes it without.

std::string rpath(const char* name) {
    return g_dir + "/refresh." + name;
}

void refresh_on() {
    use(kAll);
    test::write_text(g_dir + "/dirbind.yaml", test::read_text(g_dir + "/dirbind.yaml") +
                                                  "login_refresh: {enabled: true, timeout: 1}\n");
}

// The fake command: records its pid, arguments, environment and open descriptors, then `body`.
void fake_refresh(const std::string& body) {
    refresh_on();
    for (const char* f : {"pid", "args", "env", "fds"}) unlink(rpath(f).c_str());
    test::write_text(rpath("sh"), "#!/bin/sh\necho $$ > " + rpath("pid") + "\necho \"$@\" > " +
                                      rpath("args") + "\nenv > " + rpath("env") + "\nls -l /proc/$$/fd > " +
                                      rpath("fds") + " 2>&1\n" + body + "\n");
    chmod(rpath("sh").c_str(), 0755);
}

// What `dirbind refresh-user alice` prints for an alice with `state` and keys `keys`.
std::string answer(const char* state, std::vector<int> keys, const char* user_pk = "yes") {
    std::string out = "cat <<'EOF'\nuser alice\nstate " + std::string(state) + "\nsystem password yes\n" +
                      "system publickey yes\npublickey " + user_pk + "\n";
    for (int k : keys) out += "key " + key_text(k) + "\n";
    return out + "end\nEOF";
}

bool ran() {
    return access(rpath("args").c_str(), F_OK) == 0;
}

// True while `pid` exists and is not a zombie (one its parent has yet to reap).
bool alive(const std::string& pid) {
    std::string stat = test::read_text("/proc/" + pid + "/stat");
    std::size_t paren = stat.rfind(')');
    return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

// alice logs in over sshd with key `key` (0: a one-method login, SSH_AUTH_INFO_0 still empty).
int refresh_login(int key, Pam& p) {
    p.set_auth_info(key ? "publickey " + key_text(key) + "\n" : "");
    return p.account();
}

void refresh_verdicts_deny(void**) {
    // alice is active with keys 1 and 2 in the cache; the directory now says otherwise.
    struct {
        std::string body;
        int key;
        int want;
        const char* told;
    } cases[] = {
        {answer("suspended", {1, 2}), 1, PAM_PERM_DENIED, "suspended"},
        {answer("locked", {1, 2}), 0, PAM_PERM_DENIED, "locked"},
        {answer("expired", {1, 2}), 1, PAM_ACCT_EXPIRED, "expired"},
        {answer("staged", {1, 2}), 1, PAM_PERM_DENIED, "not activated"},
        {"printf 'gone\\nend\\n'", 1, PAM_PERM_DENIED, "no longer enabled"},
        {answer("active", {2}), 1, PAM_PERM_DENIED, "no longer authorised"},  // key 1 removed
        {answer("active", {1, 2}, "no"), 1, PAM_PERM_DENIED, "disabled for your account"},
    };
    for (const auto& c : cases) {
        fake_refresh(c.body);
        Pam p("sshd", "alice");
        int rc = refresh_login(c.key, p);
        if (rc != c.want || !p.said(c.told))
            fail_msg("%s: got %d, told '%s'\n%s", c.body.c_str(), rc,
                     p.errors.empty() ? "" : p.errors[0].c_str(), p.log.c_str());
        assert_true(p.logged("login_refresh"));
        assert_true(ran());
    }
    // How it was run: the configured config, the user, a clean environment, no inherited fd.
    assert_string_equal(test::read_text(rpath("args")).c_str(),
                        ("--config " + g_dir + "/dirbind.yaml refresh-user alice\n").c_str());
    std::string env = test::read_text(rpath("env"));
    assert_true(env.find("LD_PRELOAD") == std::string::npos);
    assert_true(env.find("PAM_WRAPPER") == std::string::npos);
    std::string fds = test::read_text(rpath("fds"));
    // dash keeps the script open and saves 1 and 2 (the pipes) while `ls > file` runs: whatever
    // else is open was inherited.
    if (fds.find(" 0 -> /dev/null") == std::string::npos || fds.find("pipe:") == std::string::npos)
        fail_msg("the command's descriptors:\n%s", fds.c_str());
    for (std::size_t at = fds.find(" -> "); at != std::string::npos; at = fds.find(" -> ", at + 1)) {
        std::string target = fds.substr(at + 4, fds.find('\n', at) - at - 4);
        if (target != "/dev/null" && target.rfind("pipe:", 0) != 0 && target != rpath("fds") &&
            target != rpath("sh"))
            fail_msg("the command inherited %s:\n%s", target.c_str(), fds.c_str());
    }
}

void refresh_agrees_or_unchanged(void**) {
    for (const std::string& body : {answer("active", {1, 2}), std::string("printf 'unchanged\\nend\\n'")}) {
        fake_refresh(body);
        Pam p("sshd", "alice");
        assert_int_equal(refresh_login(1, p), PAM_SUCCESS);
        assert_true(ran());
        assert_true(p.errors.empty());
    }
    // No descriptor of the application reaches the command, even one opened without O_CLOEXEC.
    int leak = open((g_dir + "/leaked-fd").c_str(), O_WRONLY | O_CREAT, 0600);
    assert_true(leak >= 0);
    fake_refresh(answer("active", {1}));
    Pam p("sshd", "alice");
    assert_int_equal(refresh_login(1, p), PAM_SUCCESS);
    close(leak);
    assert_true(test::read_text(rpath("fds")).find("leaked-fd") == std::string::npos);
}

// A key removed in the directory after an account step that could not see the key (sshd lists
// a one-method login's key only later): the session step, with the complete list, refuses it.
void refresh_session_checks_the_complete_list(void**) {
    fake_refresh(answer("active", {2}));
    {
        Pam p("sshd", "alice");
        assert_int_equal(refresh_login(0, p), PAM_SUCCESS);
        p.set_auth_info("publickey " + key_text(1) + "\n");
        assert_int_equal(p.open_session(), PAM_SESSION_ERR);
        assert_true(p.logged("login_refresh"));
    }
    {
        Pam p("sshd", "alice");
        assert_int_equal(refresh_login(0, p), PAM_SUCCESS);
        p.set_auth_info("publickey " + key_text(2) + "\n");
        assert_int_equal(p.open_session(), PAM_SUCCESS);  // provisioning fails here, optional
    }
}

void refresh_failures_keep_the_cache_decision(void**) {
    struct {
        std::string body;
        const char* logged;
    } cases[] = {
        {"echo 'state: suspended'; echo garbage", "unusable answer"},
        {"printf 'user alice\\nstate suspended\\npublickey yes\\n'", "no 'end' line"},  // cut short
        {"printf 'user mallory\\nstate suspended\\npublickey yes\\nend\\n'", "another user"},
        {"echo 'dirbind: error: cannot reach the directory' >&2; exit 3",
         "exited with status 3: dirbind: error: cannot reach the directory"},
        {answer("suspended", {}) + "\nkill -KILL $$", "killed by signal 9"},
        {"exec /nonexistent/dirbind", "exited with status 127"},
    };
    for (const auto& c : cases) {
        fake_refresh(c.body);
        Pam p("sshd", "alice");
        int rc = refresh_login(1, p);
        if (rc != PAM_SUCCESS || !p.logged(c.logged) || !p.logged("the cached decision (allow) stands"))
            fail_msg("%s: got %d\n%s", c.body.c_str(), rc, p.log.c_str());
    }
    // A refresh_command that does not exist at all.
    refresh_on();
    unlink(rpath("sh").c_str());
    Pam p("sshd", "alice");
    assert_int_equal(refresh_login(1, p), PAM_SUCCESS);
    assert_true(p.logged("cannot be executed"));
}

void refresh_hung_command_is_killed(void**) {
    // Ignores the polite signals, and leaves a grandchild holding the pipe.
    fake_refresh("trap '' TERM HUP INT\n( trap '' TERM HUP INT; exec sleep 30 ) &\necho $! > " + rpath("gc") +
                 "\nsleep 30 &\necho $! > " + rpath("sleep") + "\nwait\n" + answer("suspended", {}));
    Pam p("sshd", "alice");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = refresh_login(1, p);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double elapsed =
        static_cast<double>(t1.tv_sec - t0.tv_sec) + static_cast<double>(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_int_equal(rc, PAM_SUCCESS);  // the cache said yes; no answer changes nothing
    if (elapsed < 1.0 || elapsed >= 3.0) fail_msg("took %.2f s (timeout 1 s + margin)", elapsed);
    assert_true(p.logged("no answer within 1000 ms"));
    // Nothing left running: the command was reaped, its group killed (the grandchild's parent is
    // gone, so whoever adopts it reaps it; a zombie is not running).
    std::string pid = test::read_text(rpath("pid")), gc = test::read_text(rpath("gc")),
                sl = test::read_text(rpath("sleep"));
    for (std::string* s : {&pid, &gc, &sl})
        if (!s->empty() && s->back() == '\n') s->pop_back();
    assert_false(pid.empty() || gc.empty() || sl.empty());
    assert_true(access(("/proc/" + pid).c_str(), F_OK) != 0);  // reaped by the module, no zombie
    for (int i = 0; i < 100 && (alive(gc) || alive(sl)); ++i) usleep(10000);
    assert_false(alive(gc));
    assert_false(alive(sl));
}

void refresh_only_when_the_cache_allows(void**) {
    fake_refresh(answer("active", {1, 2}));
    {
        Pam p("sshd", "bob");  // suspended in the cache
        p.set_auth_info("publickey " + key_text(5) + "\n");
        assert_int_equal(p.account(), PAM_PERM_DENIED);
    }
    {
        Pam p("sshd", "alice");  // the cache refuses key 3 already
        assert_int_equal(refresh_login(3, p), PAM_PERM_DENIED);
    }
    {
        Pam p("sshd", "localuser");  // not a directory user
        p.set_auth_info("publickey " + key_text(1) + "\n");
        assert_int_equal(p.account(), kIgnored);
    }
    assert_false(ran());
    // Off (the default): never run either.
    use(kAll);
    Pam p("sshd", "alice");
    assert_int_equal(refresh_login(1, p), PAM_SUCCESS);
    assert_false(ran());
}

}  // namespace

int main(int, char** argv) {
    g_dir = test::reexec_under_wrappers(argv, [](const std::string& dir) {
        std::string mod = test::abs_path("DIRBIND_PAM_MODULE", "build/pam_dirbind.so");
        std::string cfg = "config=" + dir + "/dirbind.yaml";
        // login_refresh stays off (dirbind.yaml) except in the refresh_* tests, which turn it on.
        test::write_text(dir + "/svc/sshd",
                         test::service_stack(mod, cfg + " debug refresh_command=" + dir + "/refresh.sh"));
        test::write_text(dir + "/svc/sudo", test::service_stack(mod, cfg + " debug"));
        const std::string set_items = "auth optional " PAM_WRAPPER_MODULES "/pam_set_items.so\n";
        test::write_text(dir + "/svc/sudo-first",
                         set_items + test::service_stack(mod, cfg + " use_first_pass"));
        test::write_text(dir + "/svc/sudo-try",
                         set_items + test::service_stack(mod, cfg + " try_first_pass"));
        test::write_text(dir + "/svc/sudo-odd",
                         test::service_stack(mod, cfg + " frobnicate provision=sometimes"));
        test::write_text(dir + "/svc/login-required", test::service_stack(mod, cfg + " provision=required"));
        const std::string local =
            "root:x:0:0:root:/root:/bin/bash\n"
            "localuser:x:1500:1500:Local:/home/localuser:/bin/sh\n"
            "eve:x:1600:1600:Local eve:/home/eve:/bin/sh\n";
        test::write_text(dir + "/local-passwd", local);
        // NSS asks its files source (nss_wrapper) before the dirbind module: it stands for an
        // NSS source listed before dirbind, which knows fred under another uid and nina too.
        test::write_text(dir + "/passwd", local +
                                              "fred:x:5016:5016::/home/fred:/bin/sh\n"
                                              "nina:x:5013:5013::/home/nina:/bin/sh\n");
        test::write_text(dir + "/group", "root:x:0:\nlocaluser:x:1500:\neve:x:1600:\n");
    });
    const CMUnitTest tests[] = {
        cmocka_unit_test(exports_only_pam_entry_points),
        cmocka_unit_test(local_and_unknown_users_ignored_by_every_type),
        cmocka_unit_test(local_account_with_a_directory_name_wins),
        cmocka_unit_test(account_method_matrix),
        cmocka_unit_test(account_states_denied_everywhere),
        cmocka_unit_test(account_without_auth_info),
        cmocka_unit_test(account_chained_methods),
        cmocka_unit_test(account_root_rule),
        cmocka_unit_test(no_readable_cache_refuses_directory_users_only),
        cmocka_unit_test(account_keys_current_handadded_revoked),
        cmocka_unit_test(password_right_wrong_and_disallowed),
        cmocka_unit_test(password_use_first_pass),
        cmocka_unit_test(mfa_code_asked_and_accepted),
        cmocka_unit_test(mfa_wrong_code),
        cmocka_unit_test(mfa_replayed_code),
        cmocka_unit_test(mfa_enrolled_without_secret),
        cmocka_unit_test(mfa_off_or_not_enrolled_no_prompt),
        cmocka_unit_test(mfa_session_refuses_key_alone),
        cmocka_unit_test(chauthtok_points_to_the_directory),
        cmocka_unit_test(setcred_and_close_session),
        cmocka_unit_test(session_provisioning_failure),
        cmocka_unit_test(unknown_options_logged_not_fatal),
        cmocka_unit_test(unloadable_config_fails_closed),
        cmocka_unit_test(refresh_verdicts_deny),
        cmocka_unit_test(refresh_agrees_or_unchanged),
        cmocka_unit_test(refresh_session_checks_the_complete_list),
        cmocka_unit_test(refresh_failures_keep_the_cache_decision),
        cmocka_unit_test(refresh_hung_command_is_killed),
        cmocka_unit_test(refresh_only_when_the_cache_allows),
    };
    int rc = cmocka_run_group_tests(tests, group_setup, nullptr);
    if (!getenv("DIRBIND_TEST_KEEP") && test::remove_tree(g_dir) != 0) rc = rc ? rc : 1;
    return rc;
}
