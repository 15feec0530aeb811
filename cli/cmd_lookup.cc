// SPDX-License-Identifier: Apache-2.0
// cmd_lookup.cc — `dirbind lookup user|group NAME|ID`: the cache's answer, as NSS gives it,
// plus what NSS cannot show (state, the effective sudo right, keys).
#include <cstdio>
#include <string>

#include "cache/cache_format.h"
#include "cache/cache_reader.h"
#include "cache/names.h"
#include "commands.h"
#include "config/config.h"
#include "directory/model.h"
#include "openssh/sshkey.h"
#include "sudo_report.h"

namespace dirbind::cli {
namespace {

void print_user(const Config& cfg, const UserView& u) {
    std::printf("%s:x:%u:%u:%s:%s:%s\n", u.name, u.uid, u.gid, u.gecos, u.home, u.shell);
    std::printf("state:           %s\n", to_string(static_cast<UserState>(u.state)));
    std::printf("sudo:            %s\n", effective_sudo(cfg, u).c_str());
    std::printf("public-key auth: %s\n", (u.flags & cachefmt::kUserPublicKeyAuth) ? "allowed" : "disallowed");
    std::printf("password:        %s\n", (u.flags & cachefmt::kUserHasPassword) ? "set" : "none");
    std::printf("totp:            %s\n", (u.flags & cachefmt::kUserHasTotp) ? "enrolled" : "none");
    std::printf("groups:         ");
    for (std::uint32_t i = 0; i < u.ngids; ++i) std::printf(" %u", u.gid_at(i));
    std::printf("\n");
    std::size_t pos = 0;
    for (const char* name; (name = next_string(u.keys, &pos)) != nullptr;) {
        const char* line = next_string(u.keys, &pos);
        std::string fp;
        try {
            fp = fingerprint(parse_public_key(line ? line : ""));
        } catch (const std::exception& e) {
            fp = std::string("unparseable: ") + e.what();
        }
        std::printf("key:             %s %s\n", *name ? name : "-", fp.c_str());
    }
}

void print_group(const GroupView& g) {
    std::printf("%s:x:%u:", g.name, g.gid);
    std::size_t pos = 0;
    bool first = true;
    for (const char* m; (m = next_string(g.members, &pos)) != nullptr; first = false) std::printf(first ? "%s" : ",%s", m);
    std::printf("\n");
}

}  // namespace

int cmd_lookup(const Args& a) {
    if (a.words.size() != 2 || (a.words[0] != "user" && a.words[0] != "group"))
        return usage_error("usage: dirbind lookup user NAME|UID | lookup group NAME|GID");
    Config cfg = load_config(a.config);
    ScopedCache cache(cfg.cache_dir.c_str(), cachefmt::kIdentity);
    Pin pin;
    if (pin.acquire(cache.get()) != Err::ok) {
        std::fprintf(stderr, "dirbind: error: cache %s is missing or unreadable (run 'dirbind sync')\n", cache.path());
        return 1;
    }
    const std::string& key = a.words[1];
    unsigned id = 0;
    bool numeric = parse_u32(key.data(), key.size(), &id);
    Err e;
    if (a.words[0] == "user") {
        UserView u;
        e = numeric ? find_user(pin, id, &u) : find_user(pin, key.c_str(), &u);
        if (e == Err::ok) print_user(cfg, u);
    } else {
        GroupView g;
        e = numeric ? find_group(pin, id, &g) : find_group(pin, key.c_str(), &g);
        if (e == Err::ok) print_group(g);
    }
    if (e == Err::not_found) std::fprintf(stderr, "dirbind: no %s '%s' in the cache\n", a.words[0].c_str(), key.c_str());
    else if (e != Err::ok) std::fprintf(stderr, "dirbind: error: cache %s: %s\n", cache.path(), to_string(e));
    return e == Err::ok ? 0 : 1;
}

}  // namespace dirbind::cli
