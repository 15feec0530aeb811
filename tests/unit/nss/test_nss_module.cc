// SPDX-License-Identifier: Apache-2.0
// test_nss_module.cc — libnss_dirbind.so.2 through its real entry points (dlopen of the
// built module named by $DIRBIND_NSS_MODULE): answers, ERANGE, enumeration, initgroups,
// shadow, errno, fork, and 8 threads looking up while the cache is replaced 100 times.
#include <dlfcn.h>
#include <errno.h>
#include <grp.h>
#include <nss.h>
#include <pthread.h>
#include <pwd.h>
#include <setjmp.h>
#include <shadow.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include <cmocka.h>
}

#include "../test_util.h"
#include "sync/cache_writer.h"

using namespace dirbind;

namespace {

using getpwnam_fn = nss_status (*)(const char*, passwd*, char*, size_t, int*);
using getpwuid_fn = nss_status (*)(uid_t, passwd*, char*, size_t, int*);
using getgrnam_fn = nss_status (*)(const char*, group*, char*, size_t, int*);
using getgrgid_fn = nss_status (*)(gid_t, group*, char*, size_t, int*);
using getpwent_fn = nss_status (*)(passwd*, char*, size_t, int*);
using getgrent_fn = nss_status (*)(group*, char*, size_t, int*);
using setent_fn = nss_status (*)(int);
using endent_fn = nss_status (*)();
using initgroups_fn = nss_status (*)(const char*, gid_t, long*, long*, gid_t**, long, int*);
using getspnam_fn = nss_status (*)(const char*, spwd*, char*, size_t, int*);

struct Module {
    void* h = nullptr;
    getpwnam_fn getpwnam;
    getpwuid_fn getpwuid;
    getgrnam_fn getgrnam;
    getgrgid_fn getgrgid;
    getpwent_fn getpwent;
    setent_fn setpwent;
    endent_fn endpwent;
    getgrent_fn getgrent;
    setent_fn setgrent;
    initgroups_fn initgroups;
    getspnam_fn getspnam;
} m;

test::TempDir* g_dir;

template <typename T>
void sym(T* out, const char* name) {
    *out = reinterpret_cast<T>(dlsym(m.h, name));
    if (*out == nullptr) fail_msg("module does not export %s", name);
}

int setup(void**) {
    const char* path = getenv("DIRBIND_NSS_MODULE");
    if (path == nullptr) path = "build/libnss_dirbind.so.2";
    g_dir = new test::TempDir;
    // Read once by the module at its first lookup.
    setenv("DIRBIND_CACHE_DIR", g_dir->path().c_str(), 1);
    write_cache(test::sample_directory(), g_dir->path(), 1);
    m.h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (m.h == nullptr) fail_msg("dlopen %s: %s", path, dlerror());
    sym(&m.getpwnam, "_nss_dirbind_getpwnam_r");
    sym(&m.getpwuid, "_nss_dirbind_getpwuid_r");
    sym(&m.getgrnam, "_nss_dirbind_getgrnam_r");
    sym(&m.getgrgid, "_nss_dirbind_getgrgid_r");
    sym(&m.getpwent, "_nss_dirbind_getpwent_r");
    sym(&m.setpwent, "_nss_dirbind_setpwent");
    sym(&m.endpwent, "_nss_dirbind_endpwent");
    sym(&m.getgrent, "_nss_dirbind_getgrent_r");
    sym(&m.setgrent, "_nss_dirbind_setgrent");
    sym(&m.initgroups, "_nss_dirbind_initgroups_dyn");
    sym(&m.getspnam, "_nss_dirbind_getspnam_r");
    return 0;
}

int teardown(void**) {
    delete g_dir;
    return 0;
}

void exports_only_entry_points(void**) {
    // Internal symbols stay local (version script): a lookup of one must fail.
    assert_null(dlsym(m.h, "_ZN7dirbind10valid_nameEPKcm"));
}

void passwd_by_name_and_uid(void**) {
    passwd pw;
    char buf[1024];
    int err = 0;
    errno = 4242;
    assert_int_equal(m.getpwnam("alice", &pw, buf, sizeof buf, &err), NSS_STATUS_SUCCESS);
    assert_int_equal(errno, 4242);  // errno untouched on success
    assert_string_equal(pw.pw_name, "alice");
    assert_string_equal(pw.pw_passwd, "x");
    assert_int_equal(pw.pw_uid, 5001);
    assert_int_equal(pw.pw_gid, 5001);
    assert_string_equal(pw.pw_gecos, "User alice");
    assert_string_equal(pw.pw_dir, "/home/alice");
    assert_string_equal(pw.pw_shell, "/bin/bash");
    // Results live in the caller's buffer, nowhere else.
    assert_true(pw.pw_name >= buf && pw.pw_shell < buf + sizeof buf);
    assert_int_equal(m.getpwuid(5002, &pw, buf, sizeof buf, &err), NSS_STATUS_SUCCESS);
    assert_string_equal(pw.pw_name, "bob");
    assert_int_equal(m.getpwnam("nobody-here", &pw, buf, sizeof buf, &err), NSS_STATUS_NOTFOUND);
    assert_int_equal(m.getpwuid(0, &pw, buf, sizeof buf, &err), NSS_STATUS_NOTFOUND);
    for (const char* bad : {"", "Alice", "alice\n", "../alice", "alice:x", "-alice"})
        assert_int_equal(m.getpwnam(bad, &pw, buf, sizeof buf, &err), NSS_STATUS_NOTFOUND);
}

// Every buffer size below the need gives TRYAGAIN/ERANGE; the exact need succeeds.
void erange_everywhere(void**) {
    passwd pw;
    group gr;
    std::vector<char> buf(4096);
    int err = 0;
    std::size_t need_pw = 0, need_gr = 0;
    for (std::size_t n = 0; n < 4096 && !need_pw; ++n) {
        err = 0;
        nss_status s = m.getpwnam("alice", &pw, buf.data(), n, &err);
        if (s == NSS_STATUS_SUCCESS) need_pw = n;
        else assert_true(s == NSS_STATUS_TRYAGAIN && err == ERANGE);
    }
    assert_int_equal(need_pw, strlen("alice") + strlen("x") + strlen("User alice") + strlen("/home/alice") +
                                  strlen("/bin/bash") + 5);
    for (std::size_t n = 0; n < 4096 && !need_gr; ++n) {
        err = 0;
        nss_status s = m.getgrnam("devs", &gr, buf.data(), n, &err);
        if (s == NSS_STATUS_SUCCESS) need_gr = n;
        else assert_true(s == NSS_STATUS_TRYAGAIN && err == ERANGE);
    }
    assert_true(need_gr > 0);
    // glibc passes errnop == &errno and retries with a larger buffer only if errno is ERANGE
    // on return: the module's errno restore must not undo it (a large group was "not found").
    errno = 0;
    assert_int_equal(m.getgrnam("devs", &gr, buf.data(), need_gr - 1, &errno), NSS_STATUS_TRYAGAIN);
    assert_int_equal(errno, ERANGE);
    errno = 0;
    assert_int_equal(m.getpwuid(5001, &pw, buf.data(), need_pw - 1, &errno), NSS_STATUS_TRYAGAIN);
    assert_int_equal(errno, ERANGE);
    errno = 4242;
    assert_int_equal(m.getgrnam("devs", &gr, buf.data(), need_gr, &errno), NSS_STATUS_SUCCESS);
    assert_int_equal(errno, 4242);
}

void groups(void**) {
    group gr;
    char buf[1024];
    int err = 0;
    assert_int_equal(m.getgrnam("devs", &gr, buf, sizeof buf, &err), NSS_STATUS_SUCCESS);
    assert_int_equal(gr.gr_gid, 6001);
    assert_string_equal(gr.gr_mem[0], "alice");
    assert_string_equal(gr.gr_mem[1], "bob");
    assert_null(gr.gr_mem[2]);
    assert_int_equal(m.getgrgid(5001, &gr, buf, sizeof buf, &err), NSS_STATUS_SUCCESS);
    assert_string_equal(gr.gr_name, "alice");
    assert_null(gr.gr_mem[0]);
    assert_int_equal(m.getgrgid(0, &gr, buf, sizeof buf, &err), NSS_STATUS_NOTFOUND);
}

void enumeration_retries_same_entry(void**) {
    passwd pw;
    char buf[1024];
    int err = 0;
    std::vector<std::string> seen;
    m.setpwent(0);
    for (;;) {
        nss_status s = m.getpwent(&pw, buf, 8, &err);  // too small: must not skip the entry
        if (s == NSS_STATUS_NOTFOUND) break;
        assert_int_equal(s, NSS_STATUS_TRYAGAIN);
        assert_int_equal(err, ERANGE);
        assert_int_equal(m.getpwent(&pw, buf, sizeof buf, &err), NSS_STATUS_SUCCESS);
        seen.push_back(pw.pw_name);
    }
    m.endpwent();
    assert_int_equal(seen.size(), 3);
    assert_string_equal(seen[0].c_str(), "alice");
    assert_string_equal(seen[2].c_str(), "carol");
    group gr;
    int n = 0;
    m.setgrent(0);
    while (m.getgrent(&gr, buf, sizeof buf, &err) == NSS_STATUS_SUCCESS) ++n;
    assert_int_equal(n, 5);
}

void initgroups(void**) {
    long start = 1, size = 1;
    gid_t* groups = static_cast<gid_t*>(malloc(sizeof(gid_t)));
    groups[0] = 5001;  // glibc puts the primary gid first
    int err = 0;
    assert_int_equal(m.initgroups("alice", 5001, &start, &size, &groups, 0, &err), NSS_STATUS_SUCCESS);
    assert_int_equal(start, 3);
    assert_int_equal(groups[1], 6001);
    assert_int_equal(groups[2], 6002);
    // A limit stops growth.
    long start2 = 1, size2 = 1;
    gid_t* g2 = static_cast<gid_t*>(malloc(sizeof(gid_t)));
    g2[0] = 5001;
    assert_int_equal(m.initgroups("alice", 5001, &start2, &size2, &g2, 2, &err), NSS_STATUS_SUCCESS);
    assert_int_equal(start2, 2);
    assert_int_equal(m.initgroups("nosuch", 100, &start2, &size2, &g2, 0, &err), NSS_STATUS_NOTFOUND);
    free(groups);
    free(g2);
}

void shadow(void**) {
    spwd sp;
    char buf[1024];
    int err = 0;
    assert_int_equal(m.getspnam("alice", &sp, buf, sizeof buf, &err), NSS_STATUS_SUCCESS);
    assert_string_equal(sp.sp_pwdp, "$6$salt$hash");
    assert_int_equal(sp.sp_lstchg, -1);
    assert_int_equal(sp.sp_expire, -1);
    assert_int_equal(m.getspnam("bob", &sp, buf, sizeof buf, &err), NSS_STATUS_SUCCESS);
    assert_string_equal(sp.sp_pwdp, "!*");  // suspended, no password
    assert_int_equal(m.getspnam("carol", &sp, buf, sizeof buf, &err), NSS_STATUS_SUCCESS);
    assert_string_equal(sp.sp_pwdp, "!*");
    assert_int_equal(sp.sp_expire, 1);  // expired: pam_unix's account check refuses it too
    assert_int_equal(m.getspnam("alice", &sp, buf, 10, &err), NSS_STATUS_TRYAGAIN);
    assert_int_equal(err, ERANGE);
}

void child_after_fork(void**) {
    pid_t pid = fork();
    if (pid == 0) {
        passwd pw;
        char buf[1024];
        int err = 0;
        _exit(m.getpwnam("alice", &pw, buf, sizeof buf, &err) == NSS_STATUS_SUCCESS && pw.pw_uid == 5001 ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

// Two versions alternate; each answer must be wholly one of them (never torn, never mixed),
// and "temp" (only in version B) is either right or cleanly absent.
std::atomic<bool> g_stop;
std::atomic<long> g_answers, g_bad;

Directory version(bool b) {
    Directory d = test::sample_directory();
    d.users[0].gecos = b ? "Version B" : "Version A";
    d.users[0].home = b ? "/home/b/alice" : "/home/a/alice";
    if (b) d.users.push_back(test::make_user("temp", 5999));
    return d;
}

void* hammer(void*) {
    char buf[512];
    passwd pw;
    int err;
    while (!g_stop.load()) {
        nss_status s = m.getpwnam("alice", &pw, buf, sizeof buf, &err);
        bool ok = s == NSS_STATUS_SUCCESS &&
                  ((!strcmp(pw.pw_gecos, "Version A") && !strcmp(pw.pw_dir, "/home/a/alice")) ||
                   (!strcmp(pw.pw_gecos, "Version B") && !strcmp(pw.pw_dir, "/home/b/alice")));
        s = m.getpwuid(5999, &pw, buf, sizeof buf, &err);
        ok = ok && (s == NSS_STATUS_NOTFOUND || (s == NSS_STATUS_SUCCESS && !strcmp(pw.pw_name, "temp")));
        if (!ok) g_bad++;
        g_answers++;
    }
    return nullptr;
}

void swap_under_load(void**) {
    g_stop = false;
    g_answers = g_bad = 0;
    write_cache(version(false), g_dir->path(), 9);
    pthread_t t[8];
    for (auto& th : t) assert_int_equal(pthread_create(&th, nullptr, hammer, nullptr), 0);
    for (int i = 0; i < 100; ++i) {
        write_cache(version(i % 2), g_dir->path(), 10 + i);
        usleep(2000);
    }
    g_stop = true;
    for (auto& th : t) pthread_join(th, nullptr);
    print_message("%ld answers during 100 swaps\n", g_answers.load());
    assert_int_equal(g_bad.load(), 0);
    assert_true(g_answers.load() > 800);
    // The last version written (B) is what a new lookup sees.
    passwd pw;
    char buf[512];
    int err;
    assert_int_equal(m.getpwnam("temp", &pw, buf, sizeof buf, &err), NSS_STATUS_SUCCESS);
}

// A record with a reserved id (a cache written around the validator) is never served, and
// enumeration steps over it instead of ending.
void reserved_ids_never_served(void**) {
    Directory d = test::sample_directory();
    d.users.insert(d.users.begin() + 1, test::make_user("toor", 0));
    write_cache(d, g_dir->path(), 99);
    passwd pw;
    char buf[1024];
    int err = 0;
    assert_int_equal(m.getpwnam("toor", &pw, buf, sizeof buf, &err), NSS_STATUS_NOTFOUND);
    std::vector<std::string> seen;
    m.setpwent(0);
    while (m.getpwent(&pw, buf, sizeof buf, &err) == NSS_STATUS_SUCCESS) seen.push_back(pw.pw_name);
    m.endpwent();
    assert_int_equal(seen.size(), 3);
    assert_string_equal(seen[1].c_str(), "bob");
    write_cache(test::sample_directory(), g_dir->path(), 100);
}

void missing_cache_is_unavail(void**) {
    std::string id = g_dir->path() + "/identity.db", aside = g_dir->path() + "/aside.db";
    assert_int_equal(rename(id.c_str(), aside.c_str()), 0);
    sleep(2);  // the reader re-checks the path once a second
    passwd pw;
    char buf[512];
    int err = 0;
    assert_int_equal(m.getpwnam("alice", &pw, buf, sizeof buf, &err), NSS_STATUS_UNAVAIL);
    assert_int_equal(err, ENOENT);
    assert_int_equal(rename(aside.c_str(), id.c_str()), 0);
}

}  // namespace

int main() {
    const CMUnitTest tests[] = {
        cmocka_unit_test(exports_only_entry_points),
        cmocka_unit_test(passwd_by_name_and_uid),
        cmocka_unit_test(erange_everywhere),
        cmocka_unit_test(groups),
        cmocka_unit_test(enumeration_retries_same_entry),
        cmocka_unit_test(initgroups),
        cmocka_unit_test(shadow),
        cmocka_unit_test(child_after_fork),
        cmocka_unit_test(swap_under_load),
        cmocka_unit_test(reserved_ids_never_served),
        cmocka_unit_test(missing_cache_is_unavail),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
