// SPDX-License-Identifier: Apache-2.0
// ldap_source.h — the `ldap` source (docs/sources.md, "ldap"): the users of source.user_base that
// match (&user_filter host_filter) and the groups of source.group_base, read in pages (RFC 2696)
// over ldap_conn.h and mapped by ldap_map.h; after the first sync, when the server offers RFC 4533
// content synchronisation, only the changes since the stored cookie (ldap_state.h). Also the
// one-user question of login_refresh and the password check by bind.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"
#include "directory/model.h"
#include "sync/source.h"

namespace dirbind {

// A sync's fetch. With hooks.persist and `since` naming the state file's generation, the fetch
// is incremental: the changes since the cookies are applied to the stored records, and when there
// are none (and no shadowExpire has passed) it returns not_modified. Otherwise, or when the server
// cannot use the cookie, everything is read again. With hooks.persist the result's commit writes
// the new state. Throws Error (Err::source, Err::config, Err::permission).
FetchResult fetch_ldap(const Config& cfg, const FetchState* since, const FetchHooks& hooks,
                       std::vector<Skipped>* skipped);

// login_refresh: the one user `name` (a search of user_base for (&user_filter host_filter
// (name=NAME)), so an unbound user is gone), within `timeout_ms` per operation. Writes nothing.
FetchResult fetch_ldap_user(const Config& cfg, const std::string& name, std::uint32_t timeout_ms,
                            std::vector<Skipped>* skipped);

// The password check of pam_dirbind (password_check: bind): finds the bound user `name` as the
// source's account, then binds as their DN with `password`. True when the server accepts it,
// false when it refuses the credentials or the user is not bound to this host. Throws Error
// when the server cannot tell (unreachable, hung, another error): never an answer of its own.
bool check_ldap_password(const Config& cfg, const std::string& name, const std::string& password,
                         std::uint32_t timeout_ms);

}  // namespace dirbind
