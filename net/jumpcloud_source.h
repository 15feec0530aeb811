// SPDX-License-Identifier: Apache-2.0
// jumpcloud_source.h — the `jumpcloud` source (docs/sources.md): this host's identity from the
// JumpCloud agent (jcagent.conf's systemKey, client.key), requests signed as the system
// (jumpcloud_sign.h) for the system object and the bound users, each user's details read with a
// read-only administrator API key, mapped by jumpcloud_map.h.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "directory/model.h"
#include "net/https_client.h"
#include "sync/source.h"

namespace dirbind {

// Fetches the system object, every page of bound users (limit=100, skip, x-total-count) and the
// details of the bound users that are due (source.details_every; the others' come from the
// details store), each projected to kUserFields, one request per user or from the organisation's
// user list, whichever jumpcloud_plan.h finds cheaper (source.details), at most source.parallel
// requests at a time. Partial failure rule: any request that fails after its retries fails the
// whole fetch (the sync keeps the last good cache); only a user whose details answer 404
// (deleted meanwhile) or whose record is malformed is left out, into `skipped`. A 429 is not
// retried: it stops the fetch, and no request is made before its Retry-After has passed (with
// hooks.persist, remembered in cfg.cache_dir; hooks.rate_limited is told). With hooks.persist,
// new uid allocations are saved in cfg.cache_dir; the name map, the state and the details store
// through the result's commit. Throws Error (Err::source, Err::config, Err::permission).
FetchResult fetch_jumpcloud(const Config& cfg, const FetchHooks& hooks, std::vector<Skipped>* skipped);

// login_refresh for one user (docs/sources.md): the JumpCloud id of `name` from the last sync's
// map (jumpcloud_tables.h; no entry throws Err::source), then GET /systems/{system} (signed) and
// /systemusers/{id} (API key) in parallel over `transport` — none while a sync's 429 wait holds —
// mapped as the sync maps them, with
// the uid of the allocation table. The answer holds the system policy and either that one user
// or, when the user answers 404, fails to map or now maps to another name, no user ("gone").
// Bindings are not read. Writes nothing. Throws Error (Err::source, Err::config, Err::permission).
FetchResult fetch_jumpcloud_user(const Config& cfg, const std::string& name, const HttpsOptions& transport,
                                 std::vector<Skipped>* skipped);

}  // namespace dirbind
