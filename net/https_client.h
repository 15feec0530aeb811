// SPDX-License-Identifier: Apache-2.0
// https_client.h — the one HTTPS transport of dirbind (security.md 6): every network source, and
// later PAM, fetches through it. HTTPS only (redirects too), peer and host name always
// verified against one configured CA file, optional public-key pin, optional client
// certificate (mTLS), connect and total timeouts, a response size cap, proxy from the config or
// the standard https_proxy/no_proxy, bounded parallelism over one libcurl multi handle, and
// retries with exponential backoff and jitter on connection errors, 429 and 5xx (honouring
// Retry-After up to a bound; never on other 4xx). Failures throw Error(Err::source) whose
// message names the URL (never a secret), the HTTP status or curl error, and what to check.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"
#include "system/error.h"
#include "system/log.h"  // redact_url()

namespace dirbind {

struct HttpsOptions {
    std::string ca_file = "/etc/ssl/certs/ca-certificates.crt";  // the only trust anchors
    // "" (none), "sha256//<base64>[;sha256//<base64>…]", or the path of a PEM/DER public key.
    std::string pinned_pubkey;
    std::string client_cert;  // PEM certificate for mTLS ("" = none); needs client_key
    std::string client_key;   // PEM private key: a secret file (root-only), read once by the client
    std::string proxy;        // "" = the environment (https_proxy/HTTPS_PROXY, no_proxy/NO_PROXY)
    std::uint32_t connect_timeout_ms = 2000;
    std::uint32_t timeout_ms = 10000;       // one attempt, connect to last byte
    std::uint64_t max_body = 256ull << 20;  // bytes of one response body, after decoding
    std::uint32_t retries = 3;              // attempts after the first, for retryable failures
    std::uint32_t backoff_ms = 250;         // first retry delay; doubles per retry, with jitter
    std::uint32_t max_backoff_ms = 8000;
    std::uint32_t max_retry_after_s = 30;  // a longer Retry-After fails the request instead
    std::uint32_t parallel = 8;            // transfers in flight in get_all()
    bool verbose = false;                  // log each attempt (method, URL, status, size, time)
    // A 429 is not retried: it throws RateLimited at once and stops everything in flight, so that
    // the caller can stay away for the server's Retry-After (jumpcloud: docs/sources.md).
    bool stop_on_429 = false;
};

struct HttpsRequest {
    std::string url;  // must be https://; shown in messages without any user:password@
    // Called before every attempt, so that a Date and a signature over it are fresh on a retry.
    // Each entry is "Name: value". Never logged.
    std::function<std::vector<std::string>()> headers;
    // A bearer token, sent with libcurl's own bearer auth, so that it is never forwarded to
    // another host by a redirect. Never logged.
    std::string bearer_token;
    bool follow_redirects = false;  // at most 5, https only
    // Statuses handed back to the caller besides 2xx (e.g. 304 for a conditional GET). Any
    // other status throws after the retry rules.
    std::vector<long> pass_statuses;
    // What the admin should check when the server answers 401 or 403 ("system key rejected").
    std::string hint_401, hint_403;
};

struct HttpsResponse {
    long status = 0;
    std::string body;
    // Headers of the final response, names lower-cased, in order.
    std::vector<std::pair<std::string, std::string>> headers;
    std::uint32_t attempts = 0;
    // The value of header `name` (lower-case), or "" when absent.
    std::string header(std::string_view name) const;
};

// What HttpsClient throws for a 429 under HttpsOptions::stop_on_429.
class RateLimited : public Error {
public:
    RateLimited(const std::string& message, long long retry_after_s)
        : Error(Err::source, message), retry_after_s_(retry_after_s) {}
    // The server's Retry-After in seconds (an HTTP-date converted), or -1 when absent or unreadable.
    long long retry_after_s() const noexcept { return retry_after_s_; }

private:
    long long retry_after_s_;
};

class HttpsClient {
public:
    // Checks the options and reads the client key (read_secret_file). Throws Error.
    explicit HttpsClient(HttpsOptions options);
    ~HttpsClient();
    HttpsClient(const HttpsClient&) = delete;
    HttpsClient& operator=(const HttpsClient&) = delete;

    // One GET with the retry rules. Returns a 2xx response or one of r.pass_statuses; throws
    // Error(Err::source) otherwise.
    HttpsResponse get(const HttpsRequest& r);

    // GETs every request, at most options.parallel at a time, over shared connections, and calls
    // done(index, response) as each completes (in completion order). The first failure, or an
    // exception from `done`, stops everything in flight and is thrown.
    void get_all(const std::vector<HttpsRequest>& requests,
                 const std::function<void(std::size_t, HttpsResponse&&)>& done);

    // Attempts sent so far (retries included), for reports and benchmarks.
    std::uint64_t requests_made() const noexcept;

    const HttpsOptions& options() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The transport options a network source's config gives (ca_file, pinned_pubkey, client_cert,
// client_key, proxy, timeouts, retries, max_response_size, parallel).
HttpsOptions https_options(const SourceConfig& s, bool verbose);

// True when `s` is well-formed UTF-8 (no overlongs, surrogates or code points above U+10FFFF).
// *bad_offset (if not null) gets the offset of the first bad byte.
bool valid_utf8(std::string_view s, std::size_t* bad_offset = nullptr) noexcept;

// The media type of a Content-Type value, lower-cased and without parameters:
// "Application/JSON; charset=utf-8" → "application/json".
std::string media_type(std::string_view content_type);

}  // namespace dirbind
