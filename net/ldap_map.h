// SPDX-License-Identifier: Apache-2.0
// ldap_map.h — LDAP entries → dirbind's model for the ldap source (docs/sources.md, "ldap"): the
// attributes to ask for, one entry → an LdapRecord (what dirbind keeps of it, also across
// incremental syncs), and the records → a RawDirectory. Pure functions; every value is still
// checked by validate_directory().
#pragma once

#include <cstdint>
#include <ctime>
#include <map>
#include <string>
#include <vector>

#include "config/config.h"
#include "directory/model.h"
#include "net/ldap_conn.h"

namespace dirbind {

// What dirbind keeps of one user or group entry: the mapped attributes as text, checked when
// the directory is assembled (so that the record of an incremental sync is judged like a new one).
struct LdapRecord {
    std::string dn;
    std::string name, uid, gid;  // uid, gid: as sent (decimal text); gid "" = the uid
    std::string gecos, home, shell;
    std::vector<std::string> keys;            // users: sshPublicKey values
    std::string shadow_expire;                // users: days since 1970, "" = none
    bool locked = false;                      // users: ppolicy pwdAccountLockedTime present
    std::string account_control;              // users: AD userAccountControl, "" = none
    std::vector<std::string> member_uids;     // groups: member user names (RFC 2307)
    std::vector<std::string> member_dns;      // groups: member DNs (RFC 2307bis, AD)
    bool operator==(const LdapRecord&) const = default;
};

// Records by entry id (ldap_entry_id()).
using LdapRecords = std::map<std::string, LdapRecord>;

// The attributes a user or group search asks for (the map's, and entryUUID).
std::vector<std::string> ldap_user_attrs(const LdapSourceConfig& l);
std::vector<std::string> ldap_group_attrs(const LdapSourceConfig& l);

// The users' search filter: (&user_filter host_filter), or user_filter alone.
std::string ldap_bound_user_filter(const LdapSourceConfig& l);

// An entry's id: its entryUUID as 32 lower-case hex digits (from the attribute's text form or the
// 16 bytes of a sync state), else "dn:" + ldap_dn_key(dn) for servers without entryUUID (AD).
std::string ldap_entry_id(const LdapEntry& e);
std::string ldap_uuid_id(const std::string& raw16);

LdapRecord ldap_user_record(const LdapSourceConfig& l, LdapEntry&& e);
LdapRecord ldap_group_record(const LdapSourceConfig& l, LdapEntry&& e);

// The directory of `users` and `groups` at time `now`: the policy from the config, each user's
// state (AD disabled → suspended, ppolicy locked → locked, shadowExpire reached → expired),
// groups with only those of their members that are among `users`. A record that cannot be a user
// (no name, a uidNumber that is not a number…) goes to `skipped`. *next_change gets the first
// moment after `now` at which a user's state changes by time alone (a future shadowExpire), or 0.
RawDirectory ldap_directory(const LdapSourceConfig& l, const LdapRecords& users, const LdapRecords& groups,
                            std::time_t now, std::vector<Skipped>* skipped, std::int64_t* next_change);

}  // namespace dirbind
