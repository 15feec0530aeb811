// SPDX-License-Identifier: Apache-2.0
// sudo_groups.h — the directory's `sudo` field as group membership (docs/config.md,
// "sudo_groups"): admins become members of two groups that the cache stores and the NSS module
// serves, so a sync is the only thing that grants or takes away sudo; nothing is written to
// /etc at run time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "directory/model.h"

namespace dirbind {

struct LocalAccounts;

// The sudo group of `cfg` that `value` grants, or nullptr for Sudo::none.
const SudoGroup* sudo_group_for(const Config& cfg, Sudo value) noexcept;

// "" when a directory group (or a user's private group) may have `name` and `gid`; otherwise why
// not: one of the sudo groups dirbind serves itself has that name or gid.
std::string sudo_group_conflict(const Config& cfg, std::string_view name, std::uint32_t gid);

// Puts every active user of a validated directory whose `sudo` is password or nopasswd into the
// group sudo_groups gives for it: a Group record with its members (the NSS module serves it while
// it has members) and the gid in the user's `gids` (initgroups). An existing_local_group adds
// only the local gid to `gids`. A group that cannot be served — its name or gid taken by a local
// group, or the local group it opts in to missing — is left out, so its admins get no sudo from
// it, and is reported in `skipped` (what "group") and the log. `validate_directory()` calls it.
void add_sudo_groups(Directory& dir, const Config& cfg, const LocalAccounts& local,
                     std::vector<Skipped>* skipped);

}  // namespace dirbind
