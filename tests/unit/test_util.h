// SPDX-License-Identifier: Apache-2.0
// test_util.h — small helpers shared by the cmocka programs: scratch dirs and sample data.
#pragma once

#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <string>

#include "directory/model.h"

namespace dirbind::test {

// A fresh directory under $TMPDIR, removed (recursively) at destruction.
class TempDir {
public:
    TempDir() {
        const char* base = getenv("TMPDIR");
        std::string tmpl = std::string(base ? base : "/tmp") + "/dirbind-test.XXXXXX";
        path_ = mkdtemp(tmpl.data()) ? tmpl : "";
    }
    ~TempDir() {
        if (!path_.empty()) {
            std::string cmd = "rm -rf -- '" + path_ + "'";
            if (system(cmd.c_str()) != 0) {
            }
        }
    }
    const std::string& path() const { return path_; }
    std::string operator/(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

// Points $DIRBIND_KEYS_HELPER, unless it is set (tests/run-all.sh sets it per flavour), at the
// dirbind-keys-helper of the build this program belongs to: BUILD/tests/test_X → BUILD/.
inline void use_built_keys_helper() {
    const char* set = getenv("DIRBIND_KEYS_HELPER");
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if ((set != nullptr && *set != '\0') || n <= 0) return;
    std::string dir(self, static_cast<std::size_t>(n));
    dir = dir.substr(0, dir.rfind('/'));  // BUILD/tests
    setenv("DIRBIND_KEYS_HELPER", (dir.substr(0, dir.rfind('/')) + "/dirbind-keys-helper").c_str(), 1);
}

inline User make_user(const std::string& name, std::uint32_t uid) {
    User u;
    u.name = name;
    u.uid = uid;
    u.gid = uid;
    u.gecos = "User " + name;
    u.home = "/home/" + name;
    u.shell = "/bin/bash";
    return u;
}

// alice (active, key, groups devs+ops, password), bob (suspended), carol (expired);
// groups alice/bob/carol private, devs (6001: alice, bob), ops (6002: alice).
inline Directory sample_directory() {
    Directory d;
    d.system.public_key_auth = true;
    User a = make_user("alice", 5001);
    a.ssh_keys.push_back({"laptop", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHqFCy1ZvB5YkLx8a0yZb2C4m5bqj8kF3Hq9vZk5l9Qe alice@laptop"});
    a.gids = {6001, 6002};
    a.groups = {"devs", "ops"};
    a.password_hash = "$6$salt$hash";
    a.sudo = Sudo::password;
    User b = make_user("bob", 5002);
    b.state = UserState::suspended;
    b.gids = {6001};
    User c = make_user("carol", 5003);
    c.state = UserState::expired;
    d.users = {a, b, c};
    d.groups = {{"alice", 5001, {}, ""}, {"bob", 5002, {}, ""}, {"carol", 5003, {}, ""},
                {"devs", 6001, {"alice", "bob"}, ""}, {"ops", 6002, {"alice"}, ""}};
    return d;
}

}  // namespace dirbind::test
