// SPDX-License-Identifier: Apache-2.0
// jumpcloud_map.h — JumpCloud API objects → dirbind's model (docs/sources.md, "Mapping"):
// the system object → SystemPolicy, a bound-user element of /v2/systems/{id}/users and a
// /systemusers/{id} object → User, and the host-side uid allocation for users whose uid
// JumpCloud does not manage. Pure functions over parsed JSON, so that they can be unit-tested;
// every value is still checked again by validate_directory().
#pragma once

#include <cstdint>
#include <ctime>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "directory/model.h"

namespace dirbind {

// allowSshPasswordAuthentication, allowPublicKeyAuthentication, allowSshRootLogin,
// allowMultiFactorAuthentication → SystemPolicy; absent = false (closed). Throws
// Error(Err::source) when `system` is not an object or a switch is not a boolean: guessing a
// host-wide switch could open access.
SystemPolicy map_system(const nlohmann::json& system);

// One element of /v2/systems/{id}/users: the user id and what the binding grants.
struct BoundUser {
    std::string id;
    bool sudo = false;                // compiledAttributes.sudo.enabled
    bool sudo_nopasswd = false;       // compiledAttributes.sudo.withoutPassword
    std::vector<Group> posix_groups;  // compiledAttributes.posixGroups [{id, name}] (unverified key)
};

// Reads one bound-user element. Returns nullopt and sets *why when it has no valid id (24 hex
// digits: ids go into URL paths) or a field has the wrong type.
std::optional<BoundUser> parse_bound_user(const nlohmann::json& element, std::string* why);

// A user's details reduced to what dirbind keeps, before a uid is chosen.
struct JumpCloudUser {
    User user;                 // uid/gid 0 until assigned
    bool managed_uid = false;  // enable_managed_uid with unix_uid/unix_guid
    std::uint32_t managed_gid = 0;
};

// Every field of a /systemusers object that map_user() reads, and nothing else: the `fields`
// projection of the requests for users' details.
inline constexpr const char* kUserFields[] = {
    "_id",        "username",          "systemUsername", "displayname",    "firstname",        "lastname",
    "unix_uid",   "unix_guid",         "enable_managed_uid", "sudo",       "passwordless_sudo", "allow_public_key",
    "public_key", "ssh_keys",          "state",          "activated",      "suspended",        "account_locked",
    "password_expired", "totp_enabled", "mfa"};

// Maps /systemusers/{id} plus its binding. Name: systemUsername when set, else username. State:
// suspended (state SUSPENDED or suspended), locked (account_locked), staged (state STAGED or
// activated false), expired (password_expired), else active. Keys: ssh_keys[].public_key and the
// legacy public_key (once); public_key_auth = allow_public_key (absent: false). Sudo: from the
// binding or the user's sudo/passwordless_sudo. Groups: the binding's POSIX group names. Gecos:
// displayname, else "firstname lastname", with ':' and control characters replaced by ' '.
// MFA enrolment: totp_enabled or mfa.configured, unless mfa.exclusion is true and
// mfa.exclusionUntil (ISO 8601, e.g. "2030-01-01T00:00:00.000Z") is absent, null or later than
// `now`; JumpCloud never hands out the TOTP secret, so totp_secret stays empty. Returns nullopt
// and sets *why when a field has the wrong type (exclusionUntil: not a date-time) or the name
// is missing.
std::optional<JumpCloudUser> map_user(const nlohmann::json& details, const BoundUser& bound, std::string* why,
                                      std::time_t now);
// The same at the current time.
std::optional<JumpCloudUser> map_user(const nlohmann::json& details, const BoundUser& bound,
                                      std::string* why);

// "YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)" → seconds since the epoch (the fraction is dropped);
// nullopt for anything else, including out-of-range fields.
std::optional<std::time_t> parse_iso8601(std::string_view text);

// Chooses uids (and private-group gids, equal to the uid) for users whose uid JumpCloud does not
// manage: deterministic, inside `range`, never an id in use (local accounts, managed users, the
// directory's groups, reserved ids), never an id once given to another user (departed users
// keep theirs in the table), and stable across syncs through the persisted table.
class UidAllocator {
public:
    // `table`: the persisted JumpCloud user id → uid map (may be empty).
    UidAllocator(IdRange range, std::map<std::string, std::uint32_t> table);

    // Marks `id` as used by someone else (a local account, a managed uid or gid, a group).
    void reserve(std::uint32_t id);

    // The uid of `user_id`: its table entry when that is still in range and not reserved by
    // someone else, otherwise the first free id probing upward (wrapping) from a hash of the
    // user id. Call in a fixed order (sorted user ids) so that allocation is deterministic.
    // nullopt when the range is full.
    std::optional<std::uint32_t> assign(const std::string& user_id);

    const std::map<std::string, std::uint32_t>& table() const noexcept { return table_; }
    bool changed() const noexcept { return changed_; }

private:
    bool taken(std::uint32_t id, const std::string& by) const;
    IdRange range_;
    std::map<std::string, std::uint32_t> table_;
    std::map<std::uint32_t, std::string> owner_;  // table_ inverted
    std::set<std::uint32_t> reserved_;
    bool changed_ = false;
};

}  // namespace dirbind
