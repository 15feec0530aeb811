// source.h — picks the directory source named by the config and fetches from it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "config.h"
#include "model.h"

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
    // The source may keep its own state in cfg.cache_dir (the jumpcloud uid allocations). Only a
    // sync, holding the sync lock, sets this; check-config never writes.
    bool persist = false;
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
};

// Fetches the whole directory for this host from cfg.source. When `since` is not null and the
// source supports it (https), the fetch is conditional and may come back not_modified. Records
// a source could not convert are appended to `skipped`. Throws Error(Err::source, Err::config
// or Err::permission) on failure.
FetchResult fetch_directory(const Config& cfg, const FetchState* since, const FetchHooks& hooks,
                            std::vector<Skipped>* skipped);

// The unconditional form, for callers that only want the data (check-config).
RawDirectory fetch_directory(const Config& cfg, std::vector<Skipped>* skipped);

// "file /etc/dirbind/directory.yaml": what status and logs show as the source.
std::string describe_source(const Config& cfg);

}  // namespace dirbind
