// SPDX-License-Identifier: Apache-2.0
// sudo_groups.cc — membership of the sudo groups, computed at sync time (sudo_groups.h).
#include "directory/sudo_groups.h"

#include <algorithm>

#include "directory/validate.h"
#include "system/log.h"

namespace dirbind {
namespace {

const char* key_of(const Config& cfg, const SudoGroup& g) {
    return &g == &cfg.sudo_groups.password ? "sudo_groups.password" : "sudo_groups.nopasswd";
}

// Why `g` cannot be served on this host, or "" with *gid set to the gid its members get.
std::string unusable(const Config& cfg, const SudoGroup& g, const LocalAccounts& local, std::uint32_t* gid) {
    const std::string key = key_of(cfg, g);
    auto lg = local.groups.find(g.name);
    if (g.existing_local_group) {
        if (lg == local.groups.end())
            return key + ": existing_local_group is set, but " + g.name + " is not a group in " +
                   cfg.local_group;
        *gid = lg->second;
        return "";
    }
    if (lg != local.groups.end())
        return key + ": the name " + g.name + " is a local group in " + cfg.local_group +
               "; choose another name, or set existing_local_group: true to use that group (root-equivalent)";
    if (local.gids.count(g.gid))
        return key + ": gid " + std::to_string(g.gid) + " is a local group in " + cfg.local_group +
               "; choose another gid";
    *gid = g.gid;
    return "";
}

}  // namespace

const SudoGroup* sudo_group_for(const Config& cfg, Sudo value) noexcept {
    switch (value) {
        case Sudo::password:
            return &cfg.sudo_groups.password;
        case Sudo::nopasswd:
            return &cfg.sudo_groups.nopasswd;
        case Sudo::none:
            break;
    }
    return nullptr;
}

std::string sudo_group_conflict(const Config& cfg, std::string_view name, std::uint32_t gid) {
    for (const SudoGroup* g : {&cfg.sudo_groups.password, &cfg.sudo_groups.nopasswd}) {
        // An existing local group is protected by the local-accounts rules already.
        if (g->existing_local_group) continue;
        if (name == g->name)
            return "name " + g->name + " is this host's sudo group (" + key_of(cfg, *g) + " in " + cfg.file +
                   ")";
        if (gid == g->gid)
            return "gid " + std::to_string(gid) + " is the gid of this host's sudo group " + g->name + " (" +
                   key_of(cfg, *g) + " in " + cfg.file + ")";
    }
    return "";
}

void add_sudo_groups(Directory& dir, const Config& cfg, const LocalAccounts& local,
                     std::vector<Skipped>* skipped) {
    for (Sudo kind : {Sudo::password, Sudo::nopasswd}) {
        const SudoGroup& g = *sudo_group_for(cfg, kind);
        std::uint32_t gid = 0;
        if (std::string why = unusable(cfg, g, local, &gid); !why.empty()) {
            why += "; users with sudo: " + std::string(to_string(kind)) + " get no sudo rights";
            if (skipped != nullptr) skipped->push_back(Skipped{"group", g.name, why});
            log(LogLevel::warning, "sudo group " + g.name + " left out: " + why);
            continue;
        }
        std::vector<std::string> members;
        for (User& u : dir.users) {
            // Only active users: a suspended admin loses the group at the sync that says so, even
            // where sudo's own PAM stack does not consult pam_dirbind.
            if (u.sudo != kind || u.state != UserState::active) continue;
            if (gid != u.gid && std::find(u.gids.begin(), u.gids.end(), gid) == u.gids.end())
                u.gids.push_back(gid);
            if (!g.existing_local_group) members.push_back(u.name);
        }
        // Served while it has members: `%group` of a group that does not exist matches nobody.
        if (!members.empty()) dir.groups.push_back(Group{g.name, gid, std::move(members), key_of(cfg, g)});
    }
}

}  // namespace dirbind
