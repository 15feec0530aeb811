// SPDX-License-Identifier: Apache-2.0
// jumpcloud_tables.h — the state the jumpcloud source keeps beside the cache, root-only (0600)
// JSON files in cache_dir written atomically: the uid allocation table (jumpcloud-ids.json,
// written by the fetch) and the local name → JumpCloud user id map of the last successful sync
// (jumpcloud-users.json, written through the fetch's commit once the sync has written the cache),
// which login_refresh needs because the API has no lookup by user name (docs/sources.md).
#pragma once

#include <cstdint>
#include <map>
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

}  // namespace dirbind
