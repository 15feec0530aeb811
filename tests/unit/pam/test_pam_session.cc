// SPDX-License-Identifier: Apache-2.0
// test_pam_session.cc — pam_dirbind.so's session open as real root, through libpam: a fresh home
// with the right owner and mode and the directory keys in authorized_keys; no keys when the
// system or the user disallows them (and keys removed once disallowed); provision=required
// turning a failure into PAM_SESSION_ERR; a symlinked home refused. Only run through
// tests/unit/pam/test_pam_session.sh (a private mount namespace, /etc a copy; see
// tests/unit/in_namespace.sh). The provisioning attack matrix itself is test_provision's.
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

// Before cmocka.h, whose fail() macro would clash with std::ios::fail().
#include "harness.h"
#include "keys.h"

extern "C" {
#include <cmocka.h>
}

#include "../test_util.h"
#include "directory/model.h"
#include "provisioning/provision.h"
#include "sync/cache_writer.h"

using namespace dirbind;
using dirbind::test::key_line;
using dirbind::test::key_text;
using dirbind::test::kIgnored;
using dirbind::test::Pam;

namespace {

std::string g_dir;  // harness scratch (service files, passwd and group files)
std::string g_s;    // under the namespace's root-owned tmpfs: the cache (NSS's and PAM's), homes

// Passwords stay allowed throughout: the sessions below follow a password login, as
// SSH_AUTH_INFO_0 says by the time sshd opens the session.
SystemPolicy keys_allowed(bool yes) {
    SystemPolicy p;
    p.public_key_auth = yes;
    p.password_auth = true;
    return p;
}

Directory directory(const SystemPolicy& p) {
    Directory d;
    d.system = p;
    auto add = [&](const std::string& name, std::uint32_t uid, UserState st, bool pk,
                   const std::string& base) {
        User u = test::make_user(name, uid);
        u.home = g_s + "/" + base + "/" + name;
        u.state = st;
        u.public_key_auth = pk;
        u.ssh_keys = {{"a", key_line(uid)}, {"b", key_line(uid + 100)}};
        d.users.push_back(u);
        d.groups.push_back({name, uid, {}, ""});
    };
    add("alice", 5001, UserState::active, true, "home");
    add("bob", 5002, UserState::active, true, "home");
    add("carol", 5003, UserState::active, false, "home");  // the user's own switch is off
    add("dave", 5004, UserState::active, true, "badbase");
    add("erin", 5005, UserState::active, true, "home");
    add("sam", 5006, UserState::suspended, true, "home");
    return d;
}

void use(const SystemPolicy& p, const std::string& home_template = "home") {
    test::write_text(g_dir + "/dirbind.yaml",
                     "home: " + g_s + "/" + home_template + "/%u\nlocal_passwd: " + g_dir + "/passwd\n");
    write_cache(directory(p), g_s + "/cache", 1);
}

struct stat lstat_of(const std::string& path) {
    struct stat st {};
    if (lstat(path.c_str(), &st) != 0) st.st_mode = 0;
    return st;
}

bool exists(const std::string& path) {
    return lstat_of(path).st_mode != 0;
}

int group_setup(void**) {
    const char* scratch = getenv("DIRBIND_PROVISION_SCRATCH");
    g_s = std::string(scratch) + "/pam-session";
    for (const char* d : {"", "/home", "/cache", "/badbase"}) {
        if (mkdir((g_s + d).c_str(), 0755) != 0) return -1;
    }
    chmod((g_s + "/badbase").c_str(), 0777);  // writable by all: never trusted as a home base
    return 0;
}

void fresh_home_with_the_directory_keys(void**) {
    use(keys_allowed(true));
    Pam p("sshd", "alice");
    p.set_auth_info("password");
    int rc = p.open_session();
    if (rc != PAM_SUCCESS) fail_msg("open_session: %d\n%s", rc, p.log.c_str());
    const std::string home = g_s + "/home/alice";
    struct stat st = lstat_of(home);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_uid, 5001);
    assert_int_equal(st.st_gid, 5001);
    assert_int_equal(st.st_mode & 07777, home_mode_from_login_defs("/etc/login.defs"));
    if (exists("/etc/skel/.profile")) assert_int_equal(lstat_of(home + "/.profile").st_uid, 5001);
    const std::string ak = home + "/.ssh/authorized_keys";
    st = lstat_of(ak);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_uid, 5001);
    assert_int_equal(st.st_mode & 0777, 0600);
    std::string text = test::read_text(ak);
    assert_true(text.find(key_text(5001)) != std::string::npos);
    assert_true(text.find(key_text(5101)) != std::string::npos);
    // The key record lives in <cache_dir>/keys, root's alone.
    st = lstat_of(g_s + "/cache/keys");
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_uid, 0);
    assert_int_equal(st.st_mode & 07777, 0700);
    assert_int_equal(p.close_session(), PAM_SUCCESS);
}

void no_keys_when_the_system_or_the_user_disallows_them(void**) {
    use(keys_allowed(false));
    Pam bob("sshd", "bob");
    bob.set_auth_info("password");
    assert_int_equal(bob.open_session(), PAM_SUCCESS);
    assert_true(exists(g_s + "/home/bob"));                       // the home is still made
    assert_true(exists(g_s + "/home/bob/.ssh/authorized_keys"));  // dirbind's, listing no key
    std::string text = test::read_text(g_s + "/home/bob/.ssh/authorized_keys");
    assert_true(text.find(key_text(5002)) == std::string::npos);

    use(keys_allowed(true));
    Pam carol("sshd", "carol");
    carol.set_auth_info("password");
    assert_int_equal(carol.open_session(), PAM_SUCCESS);
    assert_true(exists(g_s + "/home/carol/.ssh/authorized_keys"));
    text = test::read_text(g_s + "/home/carol/.ssh/authorized_keys");
    assert_true(text.find(key_text(5003)) == std::string::npos);

    // alice's keys, written by the first test, go away at her next login once disallowed.
    use(keys_allowed(false));
    Pam alice("sshd", "alice");
    alice.set_auth_info("password");
    assert_int_equal(alice.open_session(), PAM_SUCCESS);
    text = test::read_text(g_s + "/home/alice/.ssh/authorized_keys");
    assert_true(text.find(key_text(5001)) == std::string::npos);
    use(keys_allowed(true));
}

void provision_required_turns_a_failure_into_session_err(void**) {
    use(keys_allowed(true), "badbase");
    Pam optional("sshd", "dave");
    optional.set_auth_info("password");
    assert_int_equal(optional.open_session(), PAM_SUCCESS);  // default: logged, session opens
    if (!optional.logged("provisioning failed: " + g_s + "/badbase"))
        fail_msg("failure not logged with its path:\n%s", optional.log.c_str());
    Pam required("login-required", "dave");
    assert_int_equal(required.open_session(), PAM_SESSION_ERR);
    assert_false(exists(g_s + "/badbase/dave"));
    use(keys_allowed(true));
}

void symlinked_home_is_refused(void**) {
    use(keys_allowed(true));
    const std::string home = g_s + "/home/erin";
    assert_int_equal(symlink("/etc", home.c_str()), 0);
    Pam p("sshd", "erin");
    p.set_auth_info("password");
    assert_int_equal(p.open_session(), PAM_SUCCESS);
    assert_true(p.logged("symbolic link"));
    assert_false(exists("/etc/.ssh"));  // nothing written through the link
    Pam q("login-required", "erin");
    assert_int_equal(q.open_session(), PAM_SESSION_ERR);
    assert_true(S_ISLNK(lstat_of(home).st_mode));
    assert_int_equal(lstat_of("/etc").st_uid, 0);
}

// sshd's account step cannot see the method yet; the session step refuses a revoked key
// before anything is provisioned.
void revoked_key_refused_at_session(void**) {
    use(keys_allowed(true));
    const std::string ak = g_s + "/home/bob/.ssh/authorized_keys";
    auto state = [&] { return exists(ak) ? test::read_text(ak) : std::string("<none>"); };
    const std::string before = state();
    Pam p("sshd", "bob");
    p.set_auth_info("publickey " + key_text(4242));
    assert_int_equal(p.open_session(), PAM_SESSION_ERR);
    assert_string_equal(state().c_str(), before.c_str());  // refused before provisioning
    Pam ok("sshd", "bob");
    ok.set_auth_info("publickey " + key_text(5002));
    assert_int_equal(ok.open_session(), PAM_SUCCESS);
}

void suspended_and_local_users_get_no_home(void**) {
    use(keys_allowed(true));
    Pam sam("sshd", "sam");
    sam.set_auth_info("password");
    assert_int_equal(sam.open_session(), PAM_SESSION_ERR);
    assert_false(exists(g_s + "/home/sam"));
    Pam local("sshd", "localuser");
    local.set_auth_info("password");
    assert_int_equal(local.open_session(), kIgnored);
    assert_false(exists(g_s + "/home/localuser"));
}

}  // namespace

int main(int, char** argv) {
    // tests/unit/in_namespace.sh made the namespace: a tmpfs scratch and /etc a copy with a canary.
    if (getenv("DIRBIND_PROVISION_SCRATCH") == nullptr ||
        access("/etc/.dirbind-provision-canary", F_OK) != 0) {
        printf("SKIP: run through tests/unit/pam/test_pam_session.sh (needs its private mount namespace)\n");
        return 77;
    }
    g_dir = test::reexec_under_wrappers(argv, [](const std::string& dir) {
        std::string mod = test::abs_path("DIRBIND_PAM_MODULE", "build/pam_dirbind.so");
        std::string cfg = "config=" + dir + "/dirbind.yaml";
        test::write_text(dir + "/svc/sshd", test::service_stack(mod, cfg + " debug"));
        test::write_text(dir + "/svc/login-required", test::service_stack(mod, cfg + " provision=required"));
        test::write_text(dir + "/passwd",
                         "root:x:0:0:root:/root:/bin/bash\nlocaluser:x:1500:1500::/home/l:/bin/sh\n");
        test::write_text(dir + "/group", "root:x:0:\nlocaluser:x:1500:\n");
        // The key record lives in the cache directory: it must be below a root-owned tree.
        setenv("DIRBIND_CACHE_DIR", (std::string(getenv("DIRBIND_PROVISION_SCRATCH")) + "/pam-session/cache").c_str(),
               1);
    });
    const CMUnitTest tests[] = {
        cmocka_unit_test(fresh_home_with_the_directory_keys),
        cmocka_unit_test(no_keys_when_the_system_or_the_user_disallows_them),
        cmocka_unit_test(provision_required_turns_a_failure_into_session_err),
        cmocka_unit_test(symlinked_home_is_refused),
        cmocka_unit_test(revoked_key_refused_at_session),
        cmocka_unit_test(suspended_and_local_users_get_no_home),
    };
    int rc = cmocka_run_group_tests(tests, group_setup, nullptr);
    if (!getenv("DIRBIND_TEST_KEEP") && test::remove_tree(g_dir) != 0) rc = rc ? rc : 1;
    return rc;
}
