// SPDX-License-Identifier: Apache-2.0
// validate.h — the one gate between any directory source and the cache (security.md 3–5).
// Everything a source says is checked here at sync time; names are checked again at every
// entry point with names.h.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "directory/model.h"

namespace dirbind {

// Names and ids already used by local accounts (the `files` databases): they always win.
struct LocalAccounts {
    std::set<std::string> users;
    std::set<std::uint32_t> uids;
    std::map<std::string, std::uint32_t> groups;  // name → gid
    std::set<std::uint32_t> gids;
    // Home directories of local accounts: a directory user must not be handed one (sshd
    // would read that account's ~/.ssh, provisioning would write into it).
    std::set<std::string> homes;
};

// Reads cfg.local_passwd and cfg.local_group (plain files, not NSS). Throws Error(Err::io)
// when a file exists but cannot be read; a missing file counts as empty.
LocalAccounts read_local_accounts(const Config& cfg);

// Checks every user and group of `raw` against the rules below and returns the valid part.
// Each dropped record (or dropped key) is appended to `skipped` and logged with the name
// and the reason; the rest still syncs. Rules: names valid_name(); uid/gid inside
// cfg.uid_range and never reserved_id(); no name or id that LocalAccounts knows; no
// duplicate names or ids inside the directory (the first one wins); gecos valid_field_text;
// home = template expansion when empty, else an absolute canonical path strictly below
// home_base(cfg); shell = cfg.shell when empty, else an absolute canonical path; keys via
// parse_public_key() (a bad key drops that key only); password_hash a crypt(3) string;
// totp_secret base32, and a user with one is mfa_enrolled; supplementary groups must be
// directory groups or listed in cfg.local_groups (others are dropped with a log line); a
// primary gid with no directory group gets a private group named after the user; no name or gid
// of a sudo group (sudo_groups.h), whose members add_sudo_groups() then adds. `raw` is
// consumed: its records are moved into the result, never copied (a million users would
// otherwise be held twice).
Directory validate_directory(RawDirectory&& raw, const Config& cfg, const LocalAccounts& local,
                             std::vector<Skipped>* skipped);

// The single-field checks used above, for other callers (PAM, CLI). Each returns "" when
// `value` is acceptable, otherwise the reason.
std::string check_home(const Config& cfg, const std::string& value);
std::string check_shell(const std::string& value);
std::string check_password_hash(const std::string& value);
std::string check_totp_secret(const std::string& value);

// Directory text made fit for the passwd gecos field: ':' and control characters become spaces,
// surrounding spaces go, and it is cut to 256 bytes at a UTF-8 boundary. For sources whose
// display names are free text (ldap), so that a ':' in a name does not cost the user the account.
std::string gecos_field(std::string s);

// True for a JumpCloud object id as the API uses them: 24 lower-case hex digits. Ids go into URL
// paths and file names' contents, so nothing else is ever accepted.
bool valid_jumpcloud_id(std::string_view id) noexcept;

}  // namespace dirbind
