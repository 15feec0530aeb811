// SPDX-License-Identifier: Apache-2.0
// ldap_state.h — what the ldap source keeps beside the cache between syncs (root-only, 0600,
// replaced atomically through the fetch's commit once the sync has written the cache): the
// RFC 4533 cookies in <cache_dir>/ldap-state.json and the records the cache was built from in
// <cache_dir>/ldap-records.json, so that an incremental sync applies the server's changes to
// the last good directory. Two files: a sync that finds no change reads only the small one, and
// costs the same at any directory size.
#pragma once

#include <cstdint>
#include <string>

#include "net/ldap_map.h"

namespace dirbind {

struct LdapState {
    // A random token written with the state and into status.json (as its etag) by the same sync:
    // the state is used only when the two agree, i.e. when the cache was built from it.
    std::string generation;
    bool incremental = false;  // the server offered content synchronisation (syncprov)
    std::string user_cookie, group_cookie;
    std::int64_t next_change = 0;  // unix time a user's state changes by time alone (shadowExpire), 0 none
    LdapRecords users, groups;
};

// Reads <cache_dir>/ldap-state.json, without the records. A missing file gives an empty state
// (generation ""). A file that is unsafe (owner, mode, symlink), unreadable, corrupt or of
// another version throws Error: the caller then reads the directory in full.
LdapState load_ldap_state(const std::string& cache_dir);

// Fills state->users and state->groups from <cache_dir>/ldap-records.json, which must have been
// written with state->generation. Throws Error (missing, unsafe, corrupt, another generation).
void load_ldap_records(const std::string& cache_dir, LdapState* state);

// Replaces <cache_dir>/ldap-records.json, then <cache_dir>/ldap-state.json, each atomically
// (mode 0600): a crash between the two leaves generations that disagree, i.e. a full read.
// Throws Error.
void save_ldap_state(const std::string& cache_dir, const LdapState& state);

// The token status.json keeps for `generation`.
std::string ldap_state_etag(const std::string& generation);

// A new random generation token (32 hex digits).
std::string new_ldap_generation();

}  // namespace dirbind
