// SPDX-License-Identifier: Apache-2.0
// jumpcloud_tables.h — the state the jumpcloud source keeps beside the cache, root-only (0600)
// JSON files in cache_dir written atomically: the uid allocation table (jumpcloud-ids.json,
// written by the fetch), the local name → JumpCloud user id map of the last successful sync
// (jumpcloud-users.json, written through the fetch's commit once the sync has written the cache),
// which login_refresh needs because the API has no lookup by user name, what the source learned
// about the API (jumpcloud-state.json: the organisation's size for the request planner, a 429's
// Retry-After) and, with details_every > 1, the details each bound user had when last read
// (jumpcloud-details.json) (docs/sources.md).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace dirbind {

// The persisted table <cache_dir>/jumpcloud-ids.json: {"version": 1, "ids": {"<user id>": uid}}.
// A missing file is an empty table; an unreadable or corrupt one throws Error (re-allocating
// would silently change users' uids).
std::map<std::string, std::uint32_t> load_uid_table(const std::string& cache_dir);
// Replaces the uid table atomically (mode 0600). Throws Error.
void save_uid_table(const std::string& cache_dir, const std::map<std::string, std::uint32_t>& table);

// <cache_dir>/jumpcloud-users.json: {"version": 1, "users": {"<local name>": "<user id>"}}. A
// missing file is an empty map; an unreadable, unsafe or corrupt one (a bad name or id, an id
// given to two names) throws Error.
std::map<std::string, std::string> load_user_id_map(const std::string& cache_dir);
// Replaces the name map atomically (mode 0600). Throws Error.
void save_user_id_map(const std::string& cache_dir, const std::map<std::string, std::string>& names);

// What the source keeps between syncs about the API itself (not about users).
struct JumpCloudState {
    std::uint64_t org_users = 0;     // the organisation's user count (/systemusers totalCount)
    std::uint64_t org_users_at = 0;  // unix time that count was read; 0 = never
    std::uint64_t throttled_at = 0;  // unix time of the last 429; 0 = none since the last good sync
    std::uint64_t retry_until = 0;   // no request before this unix time (Retry-After)
    std::uint64_t throttled = 0;     // 429s since the last good sync
    bool operator==(const JumpCloudState&) const = default;
};

// <cache_dir>/jumpcloud-state.json: {"version": 1, "state": {"org_users": n, …}}. A missing file
// is the default state; an unsafe or corrupt one throws Error naming the file.
JumpCloudState load_state(const std::string& cache_dir);
// Replaces the state file atomically (mode 0600). Throws Error.
void save_state(const std::string& cache_dir, const JumpCloudState& state);

// One bound user's details as last read: the projected /systemusers object and the number of the
// successful sync that read it.
struct StoredDetails {
    std::uint64_t sync = 0;
    nlohmann::json details;
};
struct DetailsStore {
    std::uint64_t sync = 0;  // number of the last successful sync that wrote the store
    std::map<std::string, StoredDetails> users;  // by JumpCloud user id
};

// <cache_dir>/jumpcloud-details.json: {"version": 1, "sync": n, "users": {"<id>": {"sync": n,
// "details": {…}}}}. A missing file is an empty store; an unsafe or corrupt one (a bad id, an
// entry from a later sync than the store's) throws Error naming the file.
DetailsStore load_details_store(const std::string& cache_dir);
// Replaces the store atomically (mode 0600). Throws Error.
void save_details_store(const std::string& cache_dir, const DetailsStore& store);
// Removes the store (details_every 1 keeps none). Throws Error unless it is removed or absent.
void remove_details_store(const std::string& cache_dir);

}  // namespace dirbind
