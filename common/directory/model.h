// SPDX-License-Identifier: Apache-2.0
// model.h — the in-memory model of "what the directory says about this host".
// Every source (file, https, jumpcloud) produces a RawDirectory; validate_directory()
// (validate.h) turns it into a Directory that only holds checked data. The cache writer
// takes a Directory; nothing else is ever written to the cache.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cache/account_values.h"

namespace dirbind {

// Host-wide policy the directory sets for this system. Defaults are the closed ones.
struct SystemPolicy {
    bool password_auth = false;
    bool public_key_auth = false;
    bool root_login = false;
    bool mfa = false;
};

// UserState and Sudo: cache/account_values.h (their numbers are stored in the cache).

struct SshKey {
    std::string name;  // label from the directory ("laptop"); may be empty
    std::string line;  // "type base64 [comment]" as given by the source; re-serialised after parsing
};

struct User {
    std::string name;
    std::uint32_t uid = 0;
    std::uint32_t gid = 0;
    std::string gecos;
    std::string home;   // empty: from the home template
    std::string shell;  // empty: config's default shell
    UserState state = UserState::active;
    bool public_key_auth = true;  // the user's own allow_public_key
    std::vector<SshKey> ssh_keys;
    Sudo sudo = Sudo::none;
    std::string password_hash;  // crypt(3) string or empty
    std::string totp_secret;    // base32 or empty
    // The user has enrolled a TOTP device, so a system with `mfa` on asks them for a code. A
    // user with a totp_secret is always enrolled (validate_directory() sets it); JumpCloud
    // reports enrolment but never hands out the secret, so its users are enrolled without one.
    bool mfa_enrolled = false;
    std::vector<std::string> groups;  // supplementary group names
    // Filled by validate_directory(): the gids of `groups` (directory groups and allowlisted
    // local groups), without the primary gid, no duplicates.
    std::vector<std::uint32_t> gids;
    std::string where;  // position in the source ("directory.yaml:12", "users[3]"), for messages
};

struct Group {
    std::string name;
    std::uint32_t gid = 0;
    std::vector<std::string> members;  // explicit members; users' `groups` lists are added on validation
    std::string where;
};

// What a source returns: unchecked, straight from the document or API.
struct RawDirectory {
    SystemPolicy system;
    std::vector<User> users;
    std::vector<Group> groups;
};

// A record left out of the directory, and why. `what` is "user" or "group".
struct Skipped {
    std::string what;
    std::string name;
    std::string reason;
};

// Checked data: every name, id, path and key valid; homes and shells filled in; each
// user's primary group exists (a private group was added where the source had none);
// group member lists include every user that lists the group.
struct Directory {
    SystemPolicy system;
    std::vector<User> users;
    std::vector<Group> groups;
};

const char* to_string(UserState s) noexcept;
const char* to_string(Sudo s) noexcept;

}  // namespace dirbind
