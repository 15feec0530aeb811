// SPDX-License-Identifier: Apache-2.0
// https_source.h — the `https` source: the directory document of docs/directory-format.md
// (YAML or JSON, the `file` source's format) fetched from source.url, authenticated by a client
// certificate and/or a bearer token, and fetched conditionally (ETag / Last-Modified) so that an
// unchanged snapshot costs one small request and no cache rewrite. docs/sources.md.
#pragma once

#include <vector>

#include "config/config.h"
#include "directory/model.h"
#include "net/https_client.h"
#include "sync/source.h"

namespace dirbind {

// Fetches and parses the snapshot. With `since` (validators of the snapshot the cache was built
// from) the request carries If-None-Match / If-Modified-Since; a 304 returns not_modified.
// Refuses a response that is not JSON or YAML by Content-Type, not UTF-8, empty, or that does
// not parse. Throws Error (Err::source, Err::config, Err::permission) naming the URL.
FetchResult fetch_https_snapshot(const Config& cfg, const FetchState* since, const FetchHooks& hooks,
                                 std::vector<Skipped>* skipped);

// The same with the transport options given instead of those of cfg.source (login_refresh: one
// attempt within a short total timeout).
FetchResult fetch_https_snapshot(const Config& cfg, const FetchState* since, const FetchHooks& hooks,
                                 std::vector<Skipped>* skipped, const HttpsOptions& transport);

// True when `v` may be sent back in a request header (a stored ETag or Last-Modified): printable
// ASCII, at most 256 bytes. Anything else is dropped rather than echoed.
bool safe_header_value(const std::string& v) noexcept;

}  // namespace dirbind
