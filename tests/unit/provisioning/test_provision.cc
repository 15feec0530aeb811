// SPDX-License-Identifier: Apache-2.0
// test_provision.cc — tests of common/provision.h as real root: home creation from a skeleton,
// login.defs modes, the authorized_keys rebuild (in dirbind-keys-helper, never in a copy of the
// caller), and the attacks of security.md item 1. Only run through tests/unit/in_namespace.sh (a
// private mount namespace with a copy of /etc bind-mounted over /etc and a tmpfs scratch), which
// it checks before touching anything.
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/fanotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <csetjmp>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

extern "C" {
#include <cmocka.h>
}

#include "../test_util.h"
#include "provisioning/keys_helper.h"
#include "provisioning/provision.h"
#include "system/error.h"
#include "system/log.h"

namespace {

using dirbind::Err;
using dirbind::ProvisionRequest;
using dirbind::ProvisionResult;

constexpr uid_t kUid = 5001;
constexpr gid_t kGid = 5001;
std::string g_scratch;
std::vector<std::string> g_logs;

void capture_sink(dirbind::LogLevel, const std::string& message) {
    g_logs.push_back(message);
    if (getenv("DIRBIND_TEST_VERBOSE")) fprintf(stderr, "log: %s\n", message.c_str());
}

bool logged(const std::string& a, const std::string& b = "") {
    for (const auto& m : g_logs)
        if (m.find(a) != std::string::npos && m.find(b) != std::string::npos) return true;
    return false;
}

// ---- files -----------------------------------------------------------------------------------

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_file(const std::string& path, const std::string& data, mode_t mode = 0644, uid_t uid = 0,
                gid_t gid = 0) {
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
    assert_int_equal(fchown(fd, uid, gid), 0);
    assert_int_equal(fchmod(fd, mode), 0);
    close(fd);
}

void append_file(const std::string& path, const std::string& data) {
    int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
    close(fd);
}

void make_dir(const std::string& path, mode_t mode = 0755, uid_t uid = 0, gid_t gid = 0) {
    assert_int_equal(mkdir(path.c_str(), mode), 0);
    assert_int_equal(chown(path.c_str(), uid, gid), 0);
    assert_int_equal(chmod(path.c_str(), mode), 0);
}

void make_symlink(const std::string& target, const std::string& path, uid_t uid = kUid) {
    assert_int_equal(symlink(target.c_str(), path.c_str()), 0);
    assert_int_equal(lchown(path.c_str(), uid, uid), 0);
}

struct stat lstat_of(const std::string& path) {
    struct stat st;
    memset(&st, 0, sizeof st);
    if (lstat(path.c_str(), &st) != 0) st.st_mode = 0;
    return st;
}

bool exists(const std::string& path) {
    struct stat st;
    return lstat(path.c_str(), &st) == 0;
}

std::set<std::string> list(const std::string& dir) {
    std::set<std::string> names;
    DIR* d = opendir(dir.c_str());
    if (d == nullptr) return names;
    while (struct dirent* de = readdir(d))
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) names.insert(de->d_name);
    closedir(d);
    return names;
}

std::size_t count(const std::string& hay, const std::string& needle) {
    std::size_t n = 0;
    for (std::size_t pos = hay.find(needle); pos != std::string::npos; pos = hay.find(needle, pos + 1)) ++n;
    return n;
}

// ---- keys: distinct, valid ed25519 public keys -----------------------------------------------

std::string base64(const std::vector<unsigned char>& in) {
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 3 <= in.size(); i += 3) {
        unsigned v = (in[i] << 16) | (in[i + 1] << 8) | in[i + 2];
        out += t[v >> 18], out += t[(v >> 12) & 63], out += t[(v >> 6) & 63], out += t[v & 63];
    }
    if (in.size() - i == 1) {
        unsigned v = in[i] << 16;
        out += t[v >> 18], out += t[(v >> 12) & 63], out += "==";
    } else if (in.size() - i == 2) {
        unsigned v = (in[i] << 16) | (in[i + 1] << 8);
        out += t[v >> 18], out += t[(v >> 12) & 63], out += t[(v >> 6) & 63], out += '=';
    }
    return out;
}

// "ssh-ed25519 <base64> key<n>@test"; the base64 alone identifies the key in file contents.
std::string b64_of(int n) {
    std::vector<unsigned char> blob = {0, 0, 0, 11};
    for (char c : std::string("ssh-ed25519")) blob.push_back(static_cast<unsigned char>(c));
    blob.insert(blob.end(), {0, 0, 0, 32});
    for (int i = 0; i < 32; ++i) blob.push_back(static_cast<unsigned char>(n * 7 + i * 13));
    return base64(blob);
}
std::string key(int n) {
    return "ssh-ed25519 " + b64_of(n) + " key" + std::to_string(n) + "@test";
}

// ---- a fresh case: base dir, skeleton, state dir, login.defs ---------------------------------

struct Case {
    std::string dir, base, home, ssh, ak, jc, skel, defs, state, record;
    ProvisionRequest req;
};

Case make_case(const char* name) {
    static int n = 0;
    Case c;
    c.dir = g_scratch + "/" + std::to_string(++n) + "-" + name;
    c.base = c.dir + "/home";
    c.home = c.base + "/alice";
    c.ssh = c.home + "/.ssh";
    c.ak = c.ssh + "/authorized_keys";
    c.jc = c.ssh + "/authorized_keys.jcorig";
    c.skel = c.dir + "/skel";
    c.defs = c.dir + "/login.defs";
    c.state = c.dir + "/var/keys";
    c.record = c.state + "/alice";
    make_dir(c.dir);
    make_dir(c.base);
    make_dir(c.skel);
    make_dir(c.dir + "/var");
    write_file(c.defs, "UMASK\t\t022\nHOME_MODE\t0750\n");
    c.req.user = "alice";
    c.req.uid = kUid;
    c.req.gid = kGid;
    c.req.home = c.home;
    c.req.home_base = c.base;
    c.req.skel = c.skel;
    c.req.login_defs = c.defs;
    c.req.state_dir = c.state;
    g_logs.clear();
    return c;
}

void expect_ok(const ProvisionResult& r) {
    if (r.code != Err::ok)
        fprintf(stderr, "unexpected failure: %s: %s\n", dirbind::to_string(r.code), r.message.c_str());
    assert_int_equal(static_cast<int>(r.code), static_cast<int>(Err::ok));
}

void expect_code(const ProvisionResult& r, Err code) {
    if (r.code != code)
        fprintf(stderr, "expected %s, got %s: %s\n", dirbind::to_string(code), dirbind::to_string(r.code),
                r.message.c_str());
    assert_int_equal(static_cast<int>(r.code), static_cast<int>(code));
    assert_false(r.message.empty());
}

// A home made by provision_home from an empty skeleton, and a first rebuild with `keys`.
void home_with_keys(Case& c, std::vector<std::string> keys) {
    expect_ok(dirbind::provision_home(c.req));
    c.req.keys = std::move(keys);
    expect_ok(dirbind::rebuild_authorized_keys(c.req));
}

// ---- home creation ---------------------------------------------------------------------------

void test_fresh_home(void**) {
    Case c = make_case("fresh");
    write_file(c.skel + "/.bashrc", "# bashrc\n", 0644);
    write_file(c.skel + "/.profile", "# profile\n", 0600);
    write_file(c.skel + "/setuid-tool", "#!/bin/sh\n", 04755);
    make_dir(c.skel + "/conf", 0750);
    make_dir(c.skel + "/conf/deep", 0700);
    write_file(c.skel + "/conf/deep/file.txt", "nested\n", 0640);
    make_symlink("/etc/shadow", c.skel + "/shadow-link", 0);
    make_symlink(".bashrc", c.skel + "/rel-link", 0);
    assert_int_equal(mkfifo((c.skel + "/pipe").c_str(), 0644), 0);

    ProvisionResult r = dirbind::provision_home(c.req);
    expect_ok(r);
    assert_true(r.home_created);

    struct stat st = lstat_of(c.home);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0750);
    assert_int_equal(st.st_uid, kUid);
    assert_int_equal(st.st_gid, kGid);
    struct Want {
        const char* name;
        mode_t type, mode;
    } wants[] = {{".bashrc", S_IFREG, 0644},     {".profile", S_IFREG, 0600},
                 {"setuid-tool", S_IFREG, 0755}, {"conf", S_IFDIR, 0750},
                 {"conf/deep", S_IFDIR, 0700},   {"conf/deep/file.txt", S_IFREG, 0640},
                 {"shadow-link", S_IFLNK, 0},    {"rel-link", S_IFLNK, 0}};
    for (const auto& w : wants) {
        st = lstat_of(c.home + "/" + w.name);
        if ((st.st_mode & S_IFMT) != w.type) fprintf(stderr, "%s: wrong type\n", w.name);
        assert_int_equal(st.st_mode & S_IFMT, w.type);
        if (w.type != S_IFLNK) assert_int_equal(st.st_mode & 07777, w.mode);
        assert_int_equal(st.st_uid, kUid);
        assert_int_equal(st.st_gid, kGid);
    }
    assert_string_equal(read_file(c.home + "/.bashrc").c_str(), "# bashrc\n");
    assert_string_equal(read_file(c.home + "/conf/deep/file.txt").c_str(), "nested\n");
    // The link is recreated, not followed: no copy of the shadow file in the home.
    char target[256] = {};
    assert_true(readlink((c.home + "/shadow-link").c_str(), target, sizeof target - 1) > 0);
    assert_string_equal(target, "/etc/shadow");
    assert_false(exists(c.home + "/pipe"));
    // Built under a temporary name and renamed: nothing else is left in the base.
    assert_true(list(c.base) == std::set<std::string>{"alice"});
    // No keys yet: provision_home does not touch ~/.ssh.
    assert_false(exists(c.ssh));
}

void test_home_mode_rules(void**) {
    Case c = make_case("modes");
    struct {
        const char* text;
        mode_t want;
    } cases[] = {
        {"HOME_MODE 0750\nUMASK 077\n", 0750},
        {"UMASK 027\n", 0750},
        {"UMASK\t077\n", 0700},
        {"UMASK 022\n", 0755},
        {"", 0700},
        {"# HOME_MODE 0755\n  UMASK   002  # trailing\n", 0775},
        {"HOME_MODE 0999\nUMASK 077\n", 0700},  // a bad value is ignored, UMASK decides
        {"HOME_MODE 0755\nHOME_MODE 0711\n", 0711},
        {"HOME_MODEX 0755\nXUMASK 000\n", 0700},
        {"HOME_MODE 17777\n", 0700},
    };
    for (const auto& t : cases) {
        write_file(c.defs, t.text);
        mode_t got = dirbind::home_mode_from_login_defs(c.defs);
        if (got != t.want) fprintf(stderr, "login.defs %s: got %o\n", t.text, got);
        assert_int_equal(got, t.want);
    }
    assert_int_equal(dirbind::home_mode_from_login_defs(c.dir + "/missing"), 0700);
    assert_true(logged(c.defs + ":1", "HOME_MODE"));

    // And through provision_home: UMASK only, then no login.defs at all.
    write_file(c.defs, "UMASK 027\n");
    expect_ok(dirbind::provision_home(c.req));
    assert_int_equal(lstat_of(c.home).st_mode & 07777, 0750);
    c.req.home = c.base + "/bob";
    c.req.login_defs = c.dir + "/missing";
    expect_ok(dirbind::provision_home(c.req));
    assert_int_equal(lstat_of(c.base + "/bob").st_mode & 07777, 0700);
}

void test_existing_home_untouched(void**) {
    Case c = make_case("existing");
    write_file(c.skel + "/.bashrc", "# bashrc\n");
    make_dir(c.home, 0711, 5002, 5002);
    write_file(c.home + "/keep", "data\n", 0604, 5002, 5002);
    struct stat before = lstat_of(c.home), file_before = lstat_of(c.home + "/keep");

    ProvisionResult r = dirbind::provision_home(c.req);
    expect_ok(r);
    assert_false(r.home_created);
    struct stat after = lstat_of(c.home), file_after = lstat_of(c.home + "/keep");
    assert_int_equal(after.st_mode, before.st_mode);
    assert_int_equal(after.st_uid, 5002);
    assert_int_equal(after.st_gid, 5002);
    assert_int_equal(after.st_ino, before.st_ino);
    assert_int_equal(file_after.st_mode, file_before.st_mode);
    assert_int_equal(file_after.st_uid, 5002);
    assert_string_equal(read_file(c.home + "/keep").c_str(), "data\n");
    assert_true(list(c.home) == std::set<std::string>{"keep"});

    // Keys are not written into a home the user does not own.
    c.req.keys = {key(1)};
    expect_code(dirbind::rebuild_authorized_keys(c.req), Err::permission);
    assert_false(exists(c.ssh));
}

// ---- authorized_keys -------------------------------------------------------------------------

void test_keys_header_and_options(void**) {
    Case c = make_case("keys");
    c.req.key_options = "restrict";
    // Extra spaces: the unit re-serialises what it is given.
    std::string spaced = "ssh-ed25519   " + b64_of(2) + "   key2@test";
    expect_ok(dirbind::provision_home(c.req));
    c.req.keys = {key(1), spaced, key(1)};
    ProvisionResult r = dirbind::rebuild_authorized_keys(c.req);
    expect_ok(r);
    assert_int_equal(r.keys_written, 2);
    assert_int_equal(r.keys_refused, 0);

    std::string ak = read_file(c.ak);
    assert_int_equal(ak.rfind("# This file is managed by dirbind.\n", 0), 0);
    assert_non_null(strstr(ak.c_str(), "~/.ssh/authorized_keys.jcorig"));
    assert_non_null(strstr(ak.c_str(), ("\nrestrict " + key(1) + "\n").c_str()));
    assert_non_null(strstr(ak.c_str(), ("\nrestrict " + key(2) + "\n").c_str()));
    assert_int_equal(count(ak, b64_of(1)), 1);

    struct stat st = lstat_of(c.ssh);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0700);
    assert_int_equal(st.st_uid, kUid);
    st = lstat_of(c.ak);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(st.st_uid, kUid);
    assert_int_equal(st.st_gid, kGid);
    // The record: root's, private, one fingerprint per key written.
    st = lstat_of(c.state);
    assert_int_equal(st.st_mode & 07777, 0700);
    assert_int_equal(st.st_uid, 0);
    st = lstat_of(c.record);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(st.st_uid, 0);
    std::string rec = read_file(c.record);
    assert_int_equal(count(rec, "\nSHA256:"), 2);
    assert_non_null(strstr(rec.c_str(), "\nuid 5001\n"));
    assert_false(exists(c.jc));

    // Nothing changed: the file is left as it is (same inode), and says so.
    ino_t ino = lstat_of(c.ak).st_ino;
    r = dirbind::rebuild_authorized_keys(c.req);
    expect_ok(r);
    assert_non_null(strstr(r.message.c_str(), "unchanged"));
    assert_int_equal(lstat_of(c.ak).st_ino, ino);

    // Options from config are checked for syntax; a broken list is a config error.
    c.req.key_options = "restrict,command=\"oops";
    expect_code(dirbind::rebuild_authorized_keys(c.req), Err::config);
    c.req.key_options = "restrict\nssh-ed25519";
    expect_code(dirbind::rebuild_authorized_keys(c.req), Err::config);
}

void test_unmanaged_keys_kept(void**) {
    Case c = make_case("jcorig");
    c.req.key_options = "restrict";
    expect_ok(dirbind::provision_home(c.req));
    make_dir(c.ssh, 0700, kUid, kGid);
    std::string mine = "from=\"10.0.0.0/8\",no-pty " + key(3);
    write_file(c.jc, "# my keys\n" + mine + "\nnot a key line\n" + key(1) + "\n", 0600, kUid, kGid);
    std::string jc_before = read_file(c.jc);

    c.req.keys = {key(1)};
    ProvisionResult r = dirbind::rebuild_authorized_keys(c.req);
    expect_ok(r);
    assert_int_equal(r.keys_written, 2);
    std::string ak = read_file(c.ak);
    assert_non_null(strstr(ak.c_str(), ("\n" + mine + "\n").c_str()));  // options as the user wrote them
    assert_non_null(strstr(ak.c_str(), ("\nrestrict " + key(1) + "\n").c_str()));
    assert_int_equal(count(ak, b64_of(1)), 1);  // the directory's copy wins, once
    assert_null(strstr(ak.c_str(), "not a key line"));
    assert_true(logged(c.jc + ":3"));  // the bad line is reported as file:line
    assert_string_equal(read_file(c.jc).c_str(), jc_before.c_str());
}

void test_hand_added_keys_moved(void**) {
    Case c = make_case("hand");
    home_with_keys(c, {key(1)});
    append_file(c.ak, "no-pty " + key(4) + "\n");

    ProvisionResult r = dirbind::rebuild_authorized_keys(c.req);
    expect_ok(r);
    assert_int_equal(r.keys_moved, 1);
    assert_int_equal(r.keys_removed, 0);
    std::string jc = read_file(c.jc);
    assert_non_null(strstr(jc.c_str(), ("\nno-pty " + key(4) + "\n").c_str()));
    struct stat st = lstat_of(c.jc);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(st.st_uid, kUid);
    assert_non_null(strstr(read_file(c.ak).c_str(), ("\nno-pty " + key(4) + "\n").c_str()));

    // Moved once only.
    r = dirbind::rebuild_authorized_keys(c.req);
    expect_ok(r);
    assert_int_equal(r.keys_moved, 0);
    assert_int_equal(count(read_file(c.jc), b64_of(4)), 1);
    assert_int_equal(count(read_file(c.ak), b64_of(4)), 1);
}

void test_existing_file_adopted(void**) {
    Case c = make_case("adopt");
    expect_ok(dirbind::provision_home(c.req));
    make_dir(c.ssh, 0700, kUid, kGid);
    write_file(c.ak, key(5) + "\n" + key(1) + "\n", 0600, kUid, kGid);
    c.req.keys = {key(1)};
    ProvisionResult r = dirbind::rebuild_authorized_keys(c.req);
    expect_ok(r);
    // A file dirbind never wrote (no header, no record): its own keys are the user's.
    assert_int_equal(r.keys_moved, 1);
    assert_non_null(strstr(read_file(c.jc).c_str(), key(5).c_str()));
    assert_int_equal(count(read_file(c.jc), b64_of(1)), 0);
}

void test_revoked_key_removed(void**) {
    Case c = make_case("revoke");
    home_with_keys(c, {key(1), key(2)});
    c.req.keys = {key(1)};
    ProvisionResult r = dirbind::rebuild_authorized_keys(c.req);
    expect_ok(r);
    assert_int_equal(r.keys_removed, 1);
    assert_int_equal(r.keys_moved, 0);
    assert_int_equal(count(read_file(c.ak), b64_of(2)), 0);
    assert_false(exists(c.jc));

    // A key the user deletes from the unmanaged file goes too; it is not moved back.
    write_file(c.jc, key(3) + "\n", 0600, kUid, kGid);
    expect_ok(dirbind::rebuild_authorized_keys(c.req));
    assert_int_equal(count(read_file(c.ak), b64_of(3)), 1);
    write_file(c.jc, "# emptied\n", 0600, kUid, kGid);
    r = dirbind::rebuild_authorized_keys(c.req);
    expect_ok(r);
    assert_int_equal(r.keys_moved, 0);
    assert_int_equal(count(read_file(c.ak), b64_of(3)), 0);
    assert_int_equal(count(read_file(c.jc), b64_of(3)), 0);

    // Record lost (state dir wiped): a file with dirbind's header is still dirbind's.
    c.req.keys = {key(1), key(2)};
    expect_ok(dirbind::rebuild_authorized_keys(c.req));
    assert_int_equal(unlink(c.record.c_str()), 0);
    c.req.keys = {key(1)};
    r = dirbind::rebuild_authorized_keys(c.req);
    expect_ok(r);
    assert_int_equal(r.keys_removed, 1);
    assert_int_equal(count(read_file(c.ak), b64_of(2)), 0);
    assert_int_equal(count(read_file(c.jc), b64_of(2)), 0);
    assert_true(logged("no record"));

    // A record of another uid (a reused name) is not trusted.
    write_file(c.record, "# x\nuid 5999\n", 0600);
    r = dirbind::rebuild_authorized_keys(c.req);
    expect_ok(r);
    assert_true(logged(c.record, "another uid"));
}

void test_public_keys_disabled(void**) {
    Case c = make_case("nokeys");
    home_with_keys(c, {key(1)});
    write_file(c.jc, key(3) + "\n", 0600, kUid, kGid);
    c.req.keys = {};
    ProvisionResult r = dirbind::rebuild_authorized_keys(c.req);
    expect_ok(r);
    assert_int_equal(r.keys_written, 1);
    std::string ak = read_file(c.ak);
    assert_int_equal(count(ak, b64_of(1)), 0);
    assert_int_equal(count(ak, b64_of(3)), 1);
    assert_int_equal(count(read_file(c.jc), b64_of(1)), 0);
}

void test_directory_key_injection(void**) {
    Case c = make_case("inject");
    expect_ok(dirbind::provision_home(c.req));
    c.req.keys = {
        key(1) + "\n" + key(2),                            // a second line smuggled in
        "command=\"/bin/sh -c 'id'\" " + key(3),           // options from directory text
        "environment=\"LD_PRELOAD=/tmp/x.so\" " + key(4),  //
        key(6) + "\r",                                     //
        "-----BEGIN OPENSSH PRIVATE KEY-----",             //
        std::string("ssh-ed25519 ") + b64_of(7) + std::string(" a\0b", 4),
        key(5),
    };
    ProvisionResult r = dirbind::rebuild_authorized_keys(c.req);
    expect_ok(r);
    assert_int_equal(r.keys_refused, 6);
    assert_int_equal(r.keys_written, 1);
    std::string ak = read_file(c.ak);
    for (int n : {1, 2, 3, 4, 6, 7}) assert_int_equal(count(ak, b64_of(n)), 0);
    assert_int_equal(count(ak, b64_of(5)), 1);
    assert_null(strstr(ak.c_str(), "command="));
    assert_null(strstr(ak.c_str(), "environment="));
    assert_true(logged("alice: directory key 1 refused", "line break"));
    assert_true(logged("alice: directory key 2 refused"));
}

// ---- attacks (security.md item 1) ------------------------------------------------------------

std::string g_shadow;  // /etc/shadow of the namespace's copy, as it was at start

void assert_shadow_intact() {
    struct stat st = lstat_of("/etc/shadow");
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_uid, 0);
    assert_true(read_file("/etc/shadow") == g_shadow);
}

void test_attack_ssh_symlink_to_etc(void**) {
    Case c = make_case("ssh-to-etc");
    expect_ok(dirbind::provision_home(c.req));
    std::set<std::string> etc_before = list("/etc");
    make_symlink("/etc", c.ssh);
    c.req.keys = {key(1)};
    ProvisionResult r = dirbind::rebuild_authorized_keys(c.req);
    expect_code(r, Err::refused);
    assert_non_null(strstr(r.message.c_str(), ".ssh"));
    assert_true(list("/etc") == etc_before);
    assert_shadow_intact();
    assert_true(S_ISLNK(lstat_of(c.ssh).st_mode));
}

void test_attack_authorized_keys_symlink_to_shadow(void**) {
    Case c = make_case("ak-to-shadow");
    home_with_keys(c, {key(1)});
    assert_int_equal(unlink(c.ak.c_str()), 0);
    make_symlink("/etc/shadow", c.ak);
    ProvisionResult r = dirbind::rebuild_authorized_keys(c.req);
    expect_ok(r);
    assert_shadow_intact();
    struct stat st = lstat_of(c.ak);
    assert_true(S_ISREG(st.st_mode));  // the link was replaced as a name
    assert_int_equal(st.st_uid, kUid);
    assert_null(strstr(read_file(c.ak).c_str(), "root:"));
    assert_true(logged(c.ak, "symbolic link"));
}

void test_attack_authorized_keys_hard_link(void**) {
    Case c = make_case("ak-hardlink");
    home_with_keys(c, {key(1)});
    std::string rootfile = c.dir + "/root-secret";
    write_file(rootfile, "root secret " + key(9) + "\n", 0600);
    assert_int_equal(unlink(c.ak.c_str()), 0);
    assert_int_equal(link(rootfile.c_str(), c.ak.c_str()), 0);

    ProvisionResult r = dirbind::rebuild_authorized_keys(c.req);
    expect_ok(r);
    struct stat st = lstat_of(rootfile);
    assert_int_equal(st.st_uid, 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(st.st_nlink, 1);  // our name for it was replaced, the file itself untouched
    assert_string_equal(read_file(rootfile).c_str(), ("root secret " + key(9) + "\n").c_str());
    std::string ak = read_file(c.ak);
    assert_null(strstr(ak.c_str(), "root secret"));
    assert_int_equal(count(ak, b64_of(9)), 0);
    assert_int_equal(lstat_of(c.ak).st_uid, kUid);
}

void test_attack_fifo(void**) {
    Case c = make_case("fifo");
    home_with_keys(c, {key(1)});
    assert_int_equal(unlink(c.ak.c_str()), 0);
    assert_int_equal(mkfifo(c.ak.c_str(), 0600), 0);
    assert_int_equal(lchown(c.ak.c_str(), kUid, kGid), 0);
    assert_int_equal(mkfifo(c.jc.c_str(), 0600), 0);
    assert_int_equal(lchown(c.jc.c_str(), kUid, kGid), 0);

    alarm(20);  // a hang kills the test program: a visible failure
    ProvisionResult r = dirbind::rebuild_authorized_keys(c.req);
    alarm(0);
    expect_ok(r);
    assert_true(S_ISREG(lstat_of(c.ak).st_mode));
    assert_true(S_ISFIFO(lstat_of(c.jc).st_mode));  // an unusable unmanaged file is left alone
    assert_true(logged(c.jc, "FIFO"));
    assert_int_equal(count(read_file(c.ak), b64_of(1)), 1);
}

void test_attack_home_symlink_to_root(void**) {
    Case c = make_case("home-to-root");
    bool dot_ssh_before = exists("/.ssh");
    struct stat root_before = lstat_of("/");
    make_symlink("/", c.home);
    c.req.keys = {key(1)};
    expect_code(dirbind::provision_home(c.req), Err::refused);
    expect_code(dirbind::rebuild_authorized_keys(c.req), Err::refused);
    expect_code(dirbind::provision_user(c.req), Err::refused);
    assert_int_equal(exists("/.ssh"), dot_ssh_before);
    struct stat root_after = lstat_of("/");
    assert_int_equal(root_after.st_uid, root_before.st_uid);
    assert_int_equal(root_after.st_mode, root_before.st_mode);

    // A symlink anywhere in the base path is not followed either.
    std::string real_base = c.dir + "/real";
    make_dir(real_base);
    assert_int_equal(unlink(c.home.c_str()), 0);
    assert_int_equal(rmdir(c.base.c_str()), 0);
    make_symlink(real_base, c.base, 0);
    c.req.home = c.base + "/alice2";
    ProvisionResult r = dirbind::provision_home(c.req);
    expect_code(r, Err::refused);
    assert_non_null(strstr(r.message.c_str(), "symbolic link"));
    assert_false(exists(real_base + "/alice2"));

    // Nor is a base writable by others trusted.
    assert_int_equal(unlink(c.base.c_str()), 0);
    make_dir(c.base, 0777);
    expect_code(dirbind::provision_home(c.req), Err::permission);
    assert_false(exists(c.req.home));
}

void test_attack_unmanaged_symlink(void**) {
    Case c = make_case("jc-to-shadow");
    home_with_keys(c, {key(1)});
    make_symlink("/etc/shadow", c.jc);
    ProvisionResult r = dirbind::rebuild_authorized_keys(c.req);
    expect_ok(r);
    std::string ak = read_file(c.ak);
    // Nothing of the target reaches the file: not its first line, not any line of it.
    std::istringstream lines(g_shadow);
    for (std::string line; std::getline(lines, line);)
        if (!line.empty()) assert_null(strstr(ak.c_str(), line.c_str()));
    assert_true(S_ISLNK(lstat_of(c.jc).st_mode));
    assert_shadow_intact();

    // The same with a world-readable target that holds a valid key: still not read.
    write_file("/etc/dirbind-test-keys", key(6) + "\n", 0644);
    assert_int_equal(unlink(c.jc.c_str()), 0);
    make_symlink("/etc/dirbind-test-keys", c.jc);
    expect_ok(dirbind::rebuild_authorized_keys(c.req));
    assert_int_equal(count(read_file(c.ak), b64_of(6)), 0);
    assert_true(logged(c.jc, "symbolic link"));
    unlink("/etc/dirbind-test-keys");
}

void test_oversized_files(void**) {
    Case c = make_case("big");
    home_with_keys(c, {key(1)});
    std::string big = key(7) + "\n";
    while (big.size() < 10u * 1024 * 1024)
        big += "# padding padding padding padding padding padding padding\n";
    write_file(c.jc, big, 0600, kUid, kGid);

    ProvisionResult r = dirbind::rebuild_authorized_keys(c.req);
    expect_ok(r);
    assert_int_equal(count(read_file(c.ak), b64_of(7)), 0);
    assert_int_equal(lstat_of(c.jc).st_size, static_cast<off_t>(big.size()));  // left alone
    assert_true(logged(c.jc, "larger than"));

    // A hand-added key cannot go into an unusable unmanaged file: it stays, not lost.
    append_file(c.ak, key(8) + "\n");
    r = dirbind::rebuild_authorized_keys(c.req);
    expect_ok(r);
    assert_int_equal(r.keys_moved, 0);
    assert_int_equal(count(read_file(c.ak), b64_of(8)), 1);

    // An authorized_keys too big to read is moved aside, not lost, and replaced.
    std::string big_ak = key(8) + "\n" + big;
    write_file(c.ak, big_ak, 0600, kUid, kGid);
    r = dirbind::rebuild_authorized_keys(c.req);
    expect_ok(r);
    std::string saved;
    for (const auto& n : list(c.ssh))
        if (n.rfind("authorized_keys.saved-", 0) == 0) saved = c.ssh + "/" + n;
    assert_false(saved.empty());
    assert_int_equal(lstat_of(saved).st_size, static_cast<off_t>(big_ak.size()));
    assert_true(lstat_of(c.ak).st_size < 4096);
    assert_int_equal(count(read_file(c.ak), b64_of(1)), 1);
}

void test_foreign_ssh_dir(void**) {
    Case c = make_case("foreign-ssh");
    expect_ok(dirbind::provision_home(c.req));
    make_dir(c.ssh, 0755);  // root's, in the user's home
    c.req.keys = {key(1)};
    expect_code(dirbind::rebuild_authorized_keys(c.req), Err::permission);
    assert_false(exists(c.ak));
}

void test_bad_requests(void**) {
    Case c = make_case("bad");
    ProvisionRequest good = c.req;
    auto expect = [&](ProvisionRequest req, Err code) { expect_code(dirbind::provision_user(req), code); };
    ProvisionRequest r = good;
    r.user = "Alice:x";
    expect(r, Err::invalid);
    r = good;
    r.uid = 0;
    expect(r, Err::refused);
    r = good;
    r.gid = 0;
    expect(r, Err::refused);
    r = good;
    r.home = "/etc/alice";
    expect(r, Err::invalid);
    r = good;
    r.home = c.base + "/../alice";
    expect(r, Err::invalid);
    r = good;
    r.home = c.base;
    expect(r, Err::invalid);
    r = good;
    r.home = "/";
    expect(r, Err::invalid);
    r = good;
    r.home = "";
    expect(r, Err::invalid);
    r = good;
    r.home_base = "home";
    expect(r, Err::config);
    r = good;
    r.unmanaged_name = "../x";
    expect(r, Err::config);
    r = good;
    r.unmanaged_name = "authorized_keys";
    expect(r, Err::config);
    r = good;
    r.state_dir = "var/keys";
    expect(r, Err::config);
    // A missing parent is not created: nothing outside the home is made.
    r = good;
    r.home = c.base + "/staff/alice";
    expect(r, Err::not_found);
    assert_false(exists(c.base + "/staff"));
    // Keys for a home that does not exist.
    expect_code(dirbind::rebuild_authorized_keys(good), Err::not_found);
    assert_true(list(c.base).empty());
}

// ---- the rebuild runs in an exec'd helper, not in a copy of the caller (issue 12, item 7c) -----

// Whether `marker` is anywhere in the readable memory of process `pid` (root reads any
// process's /proc/PID/mem). Regions over 1 GiB are skipped: sanitizer shadow, never data.
bool memory_holds(pid_t pid, const std::string& marker) {
    std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
    int mem = open(("/proc/" + std::to_string(pid) + "/mem").c_str(), O_RDONLY | O_CLOEXEC);
    if (mem < 0) return false;
    std::string line, buf;
    bool found = false;
    while (!found && std::getline(maps, line)) {
        unsigned long lo = 0, hi = 0;
        char perms[5] = {};
        if (sscanf(line.c_str(), "%lx-%lx %4s", &lo, &hi, perms) != 3 || perms[0] != 'r') continue;
        if (hi - lo > (1ul << 30)) continue;
        constexpr std::size_t kChunk = 1 << 20;
        for (unsigned long at = lo; at < hi && !found; at += kChunk) {
            std::size_t want = std::min<unsigned long>(kChunk + marker.size(), hi - at);
            buf.resize(want);
            ssize_t n = pread(mem, buf.data(), want, static_cast<off_t>(at));
            if (n <= 0) break;  // [vvar] and the like
            found = buf.find(marker.data(), 0, marker.size()) < static_cast<std::size_t>(n);
        }
    }
    close(mem);
    return found;
}

struct Opener {
    std::string exe;  // /proc/PID/exe of the process that opened the file
    bool marker_seen = false;
};

// Forks a watcher that holds the first open of `path` (fanotify FAN_OPEN_PERM), looks at the
// process doing it, then lets the open go on; returns the watcher's pid and its result pipe.
// -1 when this kernel offers no permission events (the caller skips).
pid_t watch_first_open(const std::string& path, const std::string& marker, int* result_fd) {
    int fan = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC, O_RDONLY | O_LARGEFILE);
    if (fan < 0) return -1;
    if (fanotify_mark(fan, FAN_MARK_ADD, FAN_OPEN_PERM, AT_FDCWD, path.c_str()) != 0) {
        close(fan);
        return -1;
    }
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        std::string out = "no open within 20 s";
        struct pollfd pfd = {fan, POLLIN, 0};
        alignas(struct fanotify_event_metadata) char buf[4096];
        if (poll(&pfd, 1, 20000) == 1) {
            ssize_t n = read(fan, buf, sizeof buf);
            auto* ev = reinterpret_cast<struct fanotify_event_metadata*>(buf);
            if (n >= static_cast<ssize_t>(sizeof *ev) && ev->vers == FANOTIFY_METADATA_VERSION) {
                char exe[PATH_MAX] = {};
                std::string link = "/proc/" + std::to_string(ev->pid) + "/exe";
                ssize_t len = readlink(link.c_str(), exe, sizeof exe - 1);
                out = std::string(len > 0 ? exe : "?") + "\n" + (memory_holds(ev->pid, marker) ? "1" : "0");
                struct fanotify_response allow = {ev->fd, FAN_ALLOW};
                if (write(fan, &allow, sizeof allow) != sizeof allow) out = "cannot answer the open";
                close(ev->fd);
            }
        }
        if (write(p[1], out.data(), out.size())) {
        }
        _exit(0);  // the group goes with the last descriptor: nothing is held after this
    }
    close(fan);
    close(p[1]);
    *result_fd = p[0];
    return pid;
}

Opener watcher_result(pid_t pid, int fd) {
    std::string text;
    char buf[PATH_MAX + 16];
    for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
    close(fd);
    int status = 0;
    waitpid(pid, &status, 0);
    Opener o;
    std::size_t nl = text.find('\n');
    if (nl == std::string::npos) fail_msg("watcher: %s", text.c_str());
    o.exe = text.substr(0, nl);
    o.marker_seen = text.substr(nl + 1) == "1";
    return o;
}

std::string basename_of(const std::string& path) {
    return path.substr(path.rfind('/') + 1);
}

// The process that opens the user's authorized_keys is dirbind-keys-helper, and nothing the
// caller holds in memory (inside sshd: its host private keys) is in it. Without the exec, the
// opener is a fork of this program and the marker is found.
void test_rebuild_runs_in_exec_helper(void**) {
    Case c = make_case("exec-helper");
    home_with_keys(c, {key(1)});
    // What the caller holds: made at run time, so no binary carries it.
    void* page = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(page != MAP_FAILED);
    std::string marker = "caller-secret-" + std::to_string(getpid()) + "-" + std::to_string(time(nullptr)) +
                         "-do-not-leak-into-the-helper";
    memcpy(page, marker.data(), marker.size());
    std::string copy = marker;  // also on the heap
    int result_fd = -1;
    pid_t watcher = watch_first_open(c.ak, marker, &result_fd);
    if (watcher < 0) {
        munmap(page, 4096);
        skip();  // no fanotify permission events here (CONFIG_FANOTIFY_ACCESS_PERMISSIONS)
    }
    c.req.keys = {key(1), key(2)};
    alarm(30);
    ProvisionResult r = dirbind::rebuild_authorized_keys(c.req);
    alarm(0);
    Opener o = watcher_result(watcher, result_fd);
    expect_ok(r);
    assert_int_equal(count(read_file(c.ak), b64_of(2)), 1);
    if (basename_of(o.exe) != dirbind::kKeysHelperName || o.marker_seen)
        fail_msg("authorized_keys was opened by %s (wanted %s); the caller's marker in its memory: %s",
                 o.exe.c_str(), dirbind::kKeysHelperName, o.marker_seen ? "yes" : "no");
    memset(page, 0, 4096);
    munmap(page, 4096);
}

// Without a usable helper nothing is rebuilt — never a fallback to parsing in a copy of the
// caller — and the message names the helper and the problem.
void test_helper_missing_or_untrusted(void**) {
    Case c = make_case("no-helper");
    home_with_keys(c, {key(1)});
    const std::string before = read_file(c.ak), record = read_file(c.record);
    const std::string helper = dirbind::keys_helper_path();
    c.req.keys = {key(2)};
    auto refused = [&](const std::string& path, Err code, const std::string& why) {
        setenv("DIRBIND_KEYS_HELPER", path.c_str(), 1);
        ProvisionResult r = dirbind::rebuild_authorized_keys(c.req);
        setenv("DIRBIND_KEYS_HELPER", helper.c_str(), 1);
        expect_code(r, code);
        if (r.message.find(path) == std::string::npos || r.message.find(why) == std::string::npos)
            fail_msg("message \"%s\" does not name %s and \"%s\"", r.message.c_str(), path.c_str(),
                     why.c_str());
        assert_string_equal(read_file(c.ak).c_str(), before.c_str());  // untouched
        assert_string_equal(read_file(c.record).c_str(), record.c_str());
    };
    refused(c.dir + "/absent-helper", Err::unavailable, "No such file or directory");
    refused("relative/dirbind-keys-helper", Err::config, "not an absolute path");
    write_file(c.dir + "/writable-helper", read_file(helper), 0775);
    refused(c.dir + "/writable-helper", Err::permission, "writable by group or others");
    write_file(c.dir + "/user-helper", read_file(helper), 0755, kUid, kGid);
    refused(c.dir + "/user-helper", Err::permission, "not root");
    expect_ok(dirbind::rebuild_authorized_keys(c.req));  // the real one works
    assert_int_equal(count(read_file(c.ak), b64_of(2)), 1);
}

bool etc_is_a_mount() {
    std::ifstream in("/proc/self/mountinfo");
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream f(line);
        std::string id, parent, devs, root, point;
        f >> id >> parent >> devs >> root >> point;
        if (point == "/etc") return true;
    }
    return false;
}

}  // namespace

int main() {
    if (geteuid() != 0) {
        printf("SKIP: test_provision needs real root (it creates homes owned by uid %u)\n", kUid);
        return 77;
    }
    const char* scratch = getenv("DIRBIND_PROVISION_SCRATCH");
    if (scratch == nullptr || !etc_is_a_mount()) {
        printf("SKIP: run test_provision through tests/unit/in_namespace.sh (private namespace, copy of /etc)\n");
        return 77;
    }
    g_scratch = scratch;
    dirbind::test::use_built_keys_helper();
    g_shadow = read_file("/etc/shadow");
    dirbind::set_log_sink(capture_sink);
    umask(022);
    signal(SIGALRM, SIG_DFL);

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fresh_home),
        cmocka_unit_test(test_home_mode_rules),
        cmocka_unit_test(test_existing_home_untouched),
        cmocka_unit_test(test_keys_header_and_options),
        cmocka_unit_test(test_unmanaged_keys_kept),
        cmocka_unit_test(test_hand_added_keys_moved),
        cmocka_unit_test(test_existing_file_adopted),
        cmocka_unit_test(test_revoked_key_removed),
        cmocka_unit_test(test_public_keys_disabled),
        cmocka_unit_test(test_directory_key_injection),
        cmocka_unit_test(test_attack_ssh_symlink_to_etc),
        cmocka_unit_test(test_attack_authorized_keys_symlink_to_shadow),
        cmocka_unit_test(test_attack_authorized_keys_hard_link),
        cmocka_unit_test(test_attack_fifo),
        cmocka_unit_test(test_attack_home_symlink_to_root),
        cmocka_unit_test(test_attack_unmanaged_symlink),
        cmocka_unit_test(test_oversized_files),
        cmocka_unit_test(test_foreign_ssh_dir),
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_rebuild_runs_in_exec_helper),
        cmocka_unit_test(test_helper_missing_or_untrusted),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
