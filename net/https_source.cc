// SPDX-License-Identifier: Apache-2.0
// https_source.cc — fetch_https_snapshot(): one conditional GET through HttpsClient, the checks
// on what came back (status, Content-Type, UTF-8), then the file source's parser.
#include "net/https_source.h"

#include "directory/file_source.h"
#include "net/https_client.h"
#include "system/error.h"
#include "system/secret_file.h"

namespace dirbind {
namespace {

constexpr std::size_t kMaxToken = 16 * 1024;

// Media types a snapshot may be served as. text/html in particular is refused: that is a login
// page or an error page from something in the way, never a directory.
bool snapshot_media_type(const std::string& t) {
    return t == "application/json" || t == "application/yaml" || t == "application/x-yaml" ||
           t == "text/yaml" || t == "text/x-yaml" || t == "text/plain";
}

}  // namespace

bool safe_header_value(const std::string& v) noexcept {
    if (v.empty() || v.size() > 256) return false;
    for (unsigned char c : v)
        if (c < 0x20 || c >= 0x7f) return false;
    return true;
}

FetchResult fetch_https_snapshot(const Config& cfg, const FetchState* since, const FetchHooks& hooks,
                                 std::vector<Skipped>* skipped) {
    return fetch_https_snapshot(cfg, since, hooks, skipped, https_options(cfg.source, hooks.verbose));
}

FetchResult fetch_https_snapshot(const Config& cfg, const FetchState* since, const FetchHooks& hooks,
                                 std::vector<Skipped>* skipped, const HttpsOptions& transport) {
    const SourceConfig& s = cfg.source;
    HttpsClient client(transport);
    const std::string shown = redact_url(s.url);

    HttpsRequest req;
    req.url = s.url;
    req.follow_redirects = true;
    req.pass_statuses = {304};
    if (!s.bearer_token_file.empty()) req.bearer_token = read_secret_token(s.bearer_token_file, "bearer token file", kMaxToken);
    std::string creds = !s.bearer_token_file.empty() && !s.client_cert.empty()
                            ? "source.bearer_token_file and source.client_cert"
                        : !s.bearer_token_file.empty() ? "source.bearer_token_file"
                        : !s.client_cert.empty()       ? "source.client_cert"
                                                       : "the source's credentials (none configured)";
    req.hint_401 = "the snapshot server refused our credentials (401): check " + creds;
    req.hint_403 = "the snapshot server refused access (403): check that " + creds + " may read this URL";
    std::vector<std::string> headers{"Accept: application/json, application/yaml;q=0.9"};
    if (since && safe_header_value(since->etag)) headers.push_back("If-None-Match: " + since->etag);
    if (since && safe_header_value(since->last_modified))
        headers.push_back("If-Modified-Since: " + since->last_modified);
    req.headers = [headers] { return headers; };

    if (hooks.progress) hooks.progress({"snapshot", 0, 1, 0});
    HttpsResponse resp;
    try {
        resp = client.get(req);
    } catch (...) {
        secure_clear(req.bearer_token);
        throw;
    }
    secure_clear(req.bearer_token);

    FetchResult out;
    out.requests = client.requests_made();
    if (hooks.progress) hooks.progress({"snapshot", 1, 1, out.requests});
    if (resp.status == 304) {
        if (!since || since->empty())
            throw Error(Err::source,
                        "GET " + shown + ": HTTP 304 Not Modified to a request that was not conditional");
        out.not_modified = true;
        out.state = *since;
        // A server may send a fresh validator along with 304; keep it if it is usable.
        if (std::string e = resp.header("etag"); safe_header_value(e)) out.state.etag = e;
        return out;
    }
    if (resp.status != 200)
        throw Error(Err::source,
                    "GET " + shown + ": HTTP " + std::to_string(resp.status) + " where 200 was expected");
    std::string ctype = resp.header("content-type");
    std::string mt = media_type(ctype);
    if (ctype.empty())
        throw Error(Err::source,
                    "GET " + shown +
                        ": the response has no Content-Type (expected application/json or application/yaml)");
    if (!snapshot_media_type(mt))
        throw Error(Err::source,
                    "GET " + shown + ": the response is " + mt +
                        ", not a directory document (expected application/json or application/yaml; "
                        "is something in the way, such as a login page or a proxy?)");
    if (resp.body.find_first_not_of(" \t\r\n") == std::string::npos)
        throw Error(Err::source, "GET " + shown + ": the response body is empty");
    std::size_t bad = 0;
    if (!valid_utf8(resp.body, &bad))
        throw Error(Err::source,
                    "GET " + shown + ": the response is not valid UTF-8 (byte " + std::to_string(bad) + ")");
    if (mt == "application/json") {
        std::size_t first = resp.body.find_first_not_of(" \t\r\n");
        // Skip a UTF-8 byte-order mark, which parse_directory accepts too.
        if (resp.body.compare(first, 3, "\xef\xbb\xbf") == 0)
            first = resp.body.find_first_not_of(" \t\r\n", first + 3);
        if (first == std::string::npos || resp.body[first] != '{')
            throw Error(Err::source, "GET " + shown + ": the response says JSON but is not a JSON object");
    }
    out.dir = parse_directory(resp.body, shown, skipped);
    if (std::string e = resp.header("etag"); safe_header_value(e)) out.state.etag = e;
    if (std::string lm = resp.header("last-modified"); safe_header_value(lm)) out.state.last_modified = lm;
    return out;
}

}  // namespace dirbind
