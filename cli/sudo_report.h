// SPDX-License-Identifier: Apache-2.0
// sudo_report.h — what `lookup`, `status` and `check-config` say about sudo (docs/config.md,
// "sudo_groups"): a user's effective right, and whether the sudoers rule still grants the groups.
#pragma once

#include <string>
#include <vector>

#include "cache/cache_reader.h"
#include "config/config.h"

namespace dirbind::cli {

// The user's effective sudo right as the cache gives it: "no", "yes, with password (group
// dirbind-sudo)", "yes, without password (group …)", or "no (…)" with why the directory's value
// does not take effect (not active, group not served, no password hash to check).
std::string effective_sudo(const Config& cfg, const UserView& u);

// How many cached users hold each right: [0] with password, [1] without.
void count_sudo(const Config& cfg, const Pin& pin, unsigned long counts[2]);

// Warnings about cfg.sudo_groups.rule_file: missing or unreadable, or not naming (as `%name` or
// `%#gid`) a configured group that is not an existing_local_group. Only `%` entries are read
// from the file — this is no sudoers parser; `visudo -c` checks the syntax.
std::vector<std::string> sudo_rule_warnings(const Config& cfg);

}  // namespace dirbind::cli
