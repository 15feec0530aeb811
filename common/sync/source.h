// SPDX-License-Identifier: Apache-2.0
// source.h — picks the directory source named by the config and fetches from it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "config/config.h"
#include "directory/model.h"

namespace dirbind {

// How far a network fetch has come, for `dirbind sync` on a terminal.
struct FetchProgress {
    const char* phase = "";           // "system", "users", "details", "snapshot"
    std::size_t done = 0, total = 0;  // items of this phase (pages, users); total 0 = unknown
    std::uint64_t requests = 0;       // HTTP requests so far, retries included
};

// What the caller of a fetch wants besides the data.
struct FetchHooks {
    bool verbose = false;  // log each HTTP request (method, URL, status, size, time; never secrets)
    std::function<void(const FetchProgress&)> progress;  // called now and then; may be empty
    // The source may keep its own state in cfg.cache_dir (the jumpcloud uid allocations, a 429's
    // Retry-After). Only a sync, holding the sync lock, sets this; check-config never writes.
    bool persist = false;
    // Called before a fetch fails because the server said "too many requests" (HTTP 429), now or
    // earlier: the source makes no request before unix time `until`. May be empty.
    std::function<void(std::uint64_t until)> rate_limited;
};

// The validators of a fetched document (https: ETag and Last-Modified), kept in status.json
// so that the next sync can ask "only if changed".
struct FetchState {
    std::string etag;
    std::string last_modified;
    bool empty() const { return etag.empty() && last_modified.empty(); }
};

struct FetchResult {
    bool not_modified = false;  // the source answered "unchanged since `since`": `dir` is empty
    RawDirectory dir;
    FetchState state;            // validators of what was fetched (or of `since`, when unchanged)
    std::uint64_t requests = 0;  // HTTP requests made, retries included
    // Called by the sync once the cache holds `written` (the validated directory), for state the
    // source keeps beside the cache that must never run ahead of it (jumpcloud: the name → user
    // id map of the cached users, for login_refresh). Returns "" or why it failed, which fails
    // the sync; never throws (it may be the network plugin's code). Empty: nothing to keep.
    std::function<std::string(const Directory& written)> commit;
};

// Fetches the whole directory for this host from cfg.source. When `since` is not null and the
// source supports it (https), the fetch is conditional and may come back not_modified. Records
// a source could not convert are appended to `skipped`. Throws Error(Err::source, Err::config
// or Err::permission) on failure.
FetchResult fetch_directory(const Config& cfg, const FetchState* since, const FetchHooks& hooks,
                            std::vector<Skipped>* skipped);

// The unconditional form, for callers that only want the data (check-config).
RawDirectory fetch_directory(const Config& cfg, std::vector<Skipped>* skipped);

// What the directory says about one user right now (login_refresh, docs/pam.md).
struct UserFetch {
    enum class Kind {
        found,      // `user` holds the validated record
        gone,       // the directory no longer has the user bound to this host (or it fails validation)
        unchanged,  // the source answered "unchanged since the last sync": the cache already says it
    };
    Kind kind = Kind::unchanged;
    User user;
    bool has_system = false;  // the answer carried this host's policy (file, https, jumpcloud)
    SystemPolicy system;
    std::uint64_t requests = 0;
};

// Asks cfg.source about the user `name` only, within `timeout_ms` per request and no retries: a
// file is read, the https snapshot fetched conditionally on the validators of the last sync
// (status.json), jumpcloud asked for the system and the one user of the last sync's name map
// (fetch_jumpcloud_user()). The answer goes through validate_directory() with the rest of the
// document, so a record the sync would drop is `gone`. Never writes anything. Throws Error (Err::source,
// Err::config, Err::permission) when the source cannot answer.
UserFetch fetch_user(const Config& cfg, const std::string& name, std::uint32_t timeout_ms);

// The password check of a source that checks passwords itself (ldap with password_check: bind),
// through the network plugin: true when the directory accepts `password` for `name`, false when
// it refuses it. Throws Error when the directory cannot tell (unreachable, timed out, no plugin).
// `password` is cleared.
bool check_password(const Config& cfg, const std::string& name, std::string password, std::uint32_t timeout_ms);

// True for the source types that live in the network plugin (https, jumpcloud, ldap).
bool is_network_source(const Config& cfg);

// "file /etc/dirbind/directory.yaml": what status and logs show as the source.
std::string describe_source(const Config& cfg);

}  // namespace dirbind
