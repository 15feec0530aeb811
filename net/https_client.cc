// SPDX-License-Identifier: Apache-2.0
// https_client.cc — HttpsClient over one libcurl multi handle: the fixed TLS policy applied to
// every easy handle, the transfer loop with bounded parallelism, the retry rules, and the
// error messages that tell an admin what to check.
#include "net/https_client.h"

#include <curl/curl.h>
#include <sys/random.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <deque>
#include <mutex>
#include <random>

#include "config/doc_util.h"
#include "system/error.h"
#include "system/log.h"
#include "system/secret_file.h"

#ifndef DIRBIND_VERSION
#define DIRBIND_VERSION "0.0.0"
#endif

namespace dirbind {
namespace {

using Clock = std::chrono::steady_clock;

constexpr long kMaxRedirects = 5;
constexpr std::size_t kMaxClientKey = 64 * 1024;

void global_init() {
    static std::once_flag once;
    // CURL_GLOBAL_DEFAULT initialises OpenSSL; done once, before any handle exists.
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string trim(std::string_view s) {
    std::size_t b = s.find_first_not_of(" \t\r\n");
    if (b == std::string_view::npos) return "";
    std::size_t e = s.find_last_not_of(" \t\r\n");
    return std::string(s.substr(b, e - b + 1));
}

// Host (and port) of an https URL, for hints.
std::string host_of(std::string_view url) {
    std::string_view rest = url;
    if (auto p = rest.find("://"); p != std::string_view::npos) rest.remove_prefix(p + 3);
    rest = rest.substr(0, rest.find_first_of("/?#"));
    if (auto at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
    return std::string(rest);
}

std::uint64_t random_u64() {
    std::uint64_t v = 0;
    if (getrandom(&v, sizeof v, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof v))
        v = static_cast<std::uint64_t>(Clock::now().time_since_epoch().count());
    return v;
}

bool retryable_curl(CURLcode rc) {
    switch (rc) {
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_COULDNT_CONNECT:
        case CURLE_OPERATION_TIMEDOUT:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_PARTIAL_FILE:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM:
            return true;
        default:
            // TLS verification, pinning, size and protocol failures are never retried: a
            // second try cannot fix them and must not look like it might.
            return false;
    }
}

bool retryable_status(long s) {
    return s == 429 || (s >= 500 && s <= 599);
}

const char* reason_phrase(long s) {
    switch (s) {
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 408:
            return "Request Timeout";
        case 410:
            return "Gone";
        case 429:
            return "Too Many Requests";
        case 500:
            return "Internal Server Error";
        case 502:
            return "Bad Gateway";
        case 503:
            return "Service Unavailable";
        case 504:
            return "Gateway Timeout";
        default:
            return "";
    }
}

// One request in flight or waiting for its retry.
struct Transfer {
    std::size_t index = 0;
    const HttpsRequest* req = nullptr;
    CURL* easy = nullptr;
    curl_slist* headers = nullptr;
    HttpsResponse resp;
    std::uint64_t cap = 0;
    bool too_big = false;
    std::uint32_t attempt = 0;  // attempts started
    Clock::time_point not_before{};
    char errbuf[CURL_ERROR_SIZE] = {};

    ~Transfer() {
        if (headers) curl_slist_free_all(headers);
    }
};

std::size_t on_body(char* p, std::size_t size, std::size_t n, void* user) {
    auto* t = static_cast<Transfer*>(user);
    std::size_t len = size * n;
    if (t->resp.body.size() + len > t->cap) {
        t->too_big = true;
        return 0;  // CURLE_WRITE_ERROR: stop reading now, the cap is the point
    }
    t->resp.body.append(p, len);
    return len;
}

std::size_t on_header(char* p, std::size_t size, std::size_t n, void* user) {
    auto* t = static_cast<Transfer*>(user);
    std::string_view line(p, size * n);
    // A new status line (a redirect, a 100 Continue) starts a new header set.
    if (line.rfind("HTTP/", 0) == 0) {
        t->resp.headers.clear();
        return size * n;
    }
    std::size_t colon = line.find(':');
    if (colon != std::string_view::npos && t->resp.headers.size() < 200)
        t->resp.headers.emplace_back(lower(trim(line.substr(0, colon))), trim(line.substr(colon + 1)));
    return size * n;
}

}  // namespace

std::string HttpsResponse::header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (k == name) return v;
    return "";
}


bool valid_utf8(std::string_view s, std::size_t* bad_offset) noexcept {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    std::size_t n = s.size(), i = 0;
    while (i < n) {
        unsigned c = p[i];
        std::size_t len;
        std::uint32_t cp;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            len = 2, cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3, cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4, cp = c & 0x07;
        } else {
            break;
        }
        if (i + len > n) break;
        bool ok = true;
        for (std::size_t k = 1; k < len; ++k) {
            if ((p[i + k] & 0xc0) != 0x80) ok = false;
            cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        static const std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
        if (!ok || cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) break;
        i += len;
    }
    if (i == n) return true;
    if (bad_offset) *bad_offset = i;
    return false;
}

HttpsOptions https_options(const SourceConfig& s, bool verbose) {
    HttpsOptions o;
    o.ca_file = s.ca_file;
    o.pinned_pubkey = s.pinned_pubkey;
    o.client_cert = s.client_cert;
    o.client_key = s.client_key;
    o.proxy = s.proxy;
    o.connect_timeout_ms = s.connect_timeout * 1000;
    o.timeout_ms = s.timeout * 1000;
    o.retries = s.retries;
    o.max_body = s.max_response_size;
    o.parallel = s.parallel;
    o.verbose = verbose;
    return o;
}

std::string media_type(std::string_view content_type) {
    return lower(trim(content_type.substr(0, content_type.find(';'))));
}

struct HttpsClient::Impl {
    HttpsOptions o;
    std::string client_key;  // PEM, cleared on destruction
    CURLM* multi = nullptr;
    std::vector<CURL*> idle;  // easy handles to reuse; the connections live in `multi`
    std::uint64_t requests = 0;
    std::mt19937_64 rng{random_u64()};

    ~Impl() {
        for (CURL* e : idle) curl_easy_cleanup(e);
        if (multi) curl_multi_cleanup(multi);
        secure_clear(client_key);
    }

    CURL* take_easy() {
        if (!idle.empty()) {
            CURL* e = idle.back();
            idle.pop_back();
            curl_easy_reset(e);
            return e;
        }
        CURL* e = curl_easy_init();
        if (!e) throw Error(Err::source, "cannot create an HTTPS handle (out of memory)");
        return e;
    }

    // The policy of security.md item 6, on every attempt: nothing here depends on the request.
    void configure(CURL* e) {
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
        curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "https");
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
        curl_easy_setopt(e, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
        curl_easy_setopt(e, CURLOPT_CAINFO, o.ca_file.c_str());
        // Only ca_file is trusted: no compiled-in CA directory besides it.
        curl_easy_setopt(e, CURLOPT_CAPATH, nullptr);
        if (!o.pinned_pubkey.empty()) curl_easy_setopt(e, CURLOPT_PINNEDPUBLICKEY, o.pinned_pubkey.c_str());
        if (!o.client_cert.empty()) {
            curl_easy_setopt(e, CURLOPT_SSLCERT, o.client_cert.c_str());
            curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
            curl_blob blob{client_key.data(), client_key.size(), CURL_BLOB_COPY};
            curl_easy_setopt(e, CURLOPT_SSLKEY_BLOB, &blob);
            curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
        }
        // Without CURLOPT_PROXY libcurl reads https_proxy/HTTPS_PROXY and no_proxy/NO_PROXY.
        if (!o.proxy.empty()) curl_easy_setopt(e, CURLOPT_PROXY, o.proxy.c_str());
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.connect_timeout_ms));
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(o.timeout_ms));
        curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(o.max_body));
        curl_easy_setopt(e, CURLOPT_USERAGENT, "dirbind/" DIRBIND_VERSION);
        curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");  // gzip etc.; the cap applies after decoding
        curl_easy_setopt(e, CURLOPT_NETRC, static_cast<long>(CURL_NETRC_IGNORED));
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    }

    void start(Transfer& t) {
        if (!t.easy)
            t.easy = take_easy();
        else
            curl_easy_reset(t.easy);
        CURL* e = t.easy;
        configure(e);
        const HttpsRequest& r = *t.req;
        curl_easy_setopt(e, CURLOPT_URL, r.url.c_str());
        if (t.headers) curl_slist_free_all(t.headers);
        t.headers = nullptr;
        if (r.headers)
            for (const std::string& h : r.headers()) {
                curl_slist* n = curl_slist_append(t.headers, h.c_str());
                if (!n) throw Error(Err::source, "out of memory building request headers");
                t.headers = n;
            }
        if (t.headers) curl_easy_setopt(e, CURLOPT_HTTPHEADER, t.headers);
        if (!r.bearer_token.empty()) {
            curl_easy_setopt(e, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BEARER));
            curl_easy_setopt(e, CURLOPT_XOAUTH2_BEARER, r.bearer_token.c_str());
        }
        if (r.follow_redirects) {
            curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
            curl_easy_setopt(e, CURLOPT_MAXREDIRS, kMaxRedirects);
        }
        t.resp.body.clear();
        t.resp.headers.clear();
        t.resp.status = 0;
        t.too_big = false;
        t.errbuf[0] = '\0';
        t.cap = o.max_body;
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.errbuf);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
        curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(e, CURLOPT_HEADERDATA, &t);
        curl_easy_setopt(e, CURLOPT_PRIVATE, &t);
        ++t.attempt;
        ++requests;
        CURLMcode mc = curl_multi_add_handle(multi, e);
        if (mc != CURLM_OK) throw Error(Err::source, std::string("curl: ") + curl_multi_strerror(mc));
    }

    // Delay before attempt number `attempt + 1`: exponential, capped, with "equal jitter" (half
    // fixed, half random) so that many hosts retrying after one outage do not arrive together.
    std::uint64_t backoff_ms(std::uint32_t attempt) {
        std::uint64_t d = o.backoff_ms;
        for (std::uint32_t i = 1; i < attempt && d < o.max_backoff_ms; ++i) d *= 2;
        d = std::min<std::uint64_t>(d, o.max_backoff_ms);
        return d / 2 + (d > 1 ? rng() % (d / 2 + 1) : 0);
    }

    std::string where(const Transfer& t) const { return "GET " + redact_url(t.req->url); }

    std::string curl_failure(const Transfer& t, CURLcode rc) const {
        std::string detail = t.errbuf[0] ? doc::printable(t.errbuf, 300) : curl_easy_strerror(rc);
        std::string host = host_of(t.req->url);
        std::string hint;
        switch (rc) {
            case CURLE_PEER_FAILED_VERIFICATION: {
                std::string d = lower(detail);
                if (d.find("expired") != std::string::npos)
                    hint = "the server's certificate has expired (or this host's clock is wrong)";
                else if (d.find("subject name") != std::string::npos ||
                         d.find("does not match") != std::string::npos ||
                         d.find("alternative") != std::string::npos)
                    hint = "the server's certificate is not for " + host + " (check source.url)";
                else if (d.find("not yet valid") != std::string::npos)
                    hint = "the server's certificate is not valid yet (or this host's clock is wrong)";
                else
                    hint = "certificate not trusted by " + o.ca_file + " (check source.ca_file)";
                break;
            }
            case CURLE_SSL_CACERT_BADFILE:
                hint = "cannot load the CA file " + o.ca_file + " (check source.ca_file)";
                break;
            case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
                hint = "the server's public key does not match source.pinned_pubkey";
                break;
            case CURLE_SSL_CERTPROBLEM:
                hint = "the client certificate " + o.client_cert +
                       " or its key cannot be used (check source.client_cert, source.client_key)";
                break;
            case CURLE_SSL_CONNECT_ERROR:
                hint = "TLS handshake with " + host +
                       " failed (TLS 1.2 or later needed; if the server wants a client certificate, check "
                       "source.client_cert)";
                break;
            case CURLE_UNSUPPORTED_PROTOCOL:
                hint = "only https:// is allowed, also for redirects";
                break;
            case CURLE_COULDNT_RESOLVE_HOST:
                hint = "cannot resolve " + host + " (check source.url and DNS)";
                break;
            case CURLE_COULDNT_RESOLVE_PROXY:
                hint = "cannot resolve the proxy (check source.proxy or https_proxy)";
                break;
            case CURLE_COULDNT_CONNECT:
                hint = "cannot connect to " + host + (o.proxy.empty() ? "" : " through the proxy") +
                       " (is it reachable? check firewall and proxy settings)";
                break;
            case CURLE_OPERATION_TIMEDOUT:
                hint = "no complete answer within the limits (source.connect_timeout " +
                       std::to_string(o.connect_timeout_ms / 1000) + " s, source.timeout " +
                       std::to_string(o.timeout_ms / 1000) + " s)";
                break;
            case CURLE_FILESIZE_EXCEEDED:  // also our own cut of a body without Content-Length
                hint = "the response is larger than " + std::to_string(o.max_body) +
                       " bytes (source.max_response_size)";
                break;
            case CURLE_TOO_MANY_REDIRECTS:
                hint = "more than " + std::to_string(kMaxRedirects) + " redirects";
                break;
            case CURLE_GOT_NOTHING:
            case CURLE_RECV_ERROR:
            case CURLE_SEND_ERROR:
            case CURLE_PARTIAL_FILE:
                if (t.resp.headers.empty() && o.client_cert.empty())
                    hint =
                        "the connection was closed or reset before any answer (a network problem, a proxy, "
                        "or a "
                        "server that requires a client certificate)";
                else if (t.resp.headers.empty())
                    hint = "the connection was closed or reset before any answer (is " + o.client_cert +
                           " signed by a CA the server trusts?)";
                else
                    hint = "the connection was closed or reset before the whole response arrived";
                break;
            default:
                break;
        }
        std::string msg = where(t) + ": " + detail;
        if (!hint.empty()) msg += ": " + hint;
        return msg;
    }

    std::string status_failure(const Transfer& t) const {
        long s = t.resp.status;
        std::string msg = where(t) + ": HTTP " + std::to_string(s);
        if (*reason_phrase(s)) msg += std::string(" ") + reason_phrase(s);
        std::string hint;
        if (s == 401)
            hint = t.req->hint_401.empty() ? "the server refused our credentials" : t.req->hint_401;
        else if (s == 403)
            hint = t.req->hint_403.empty() ? "the server forbids this request" : t.req->hint_403;
        else if (s == 404)
            hint = "nothing at this URL (check source.url)";
        else if (s >= 300 && s < 400)
            hint = "unexpected redirect";
        else if (s == 429)
            hint = "the server is rate-limiting us; the next sync tries again";
        else if (s >= 500)
            hint = "the server is failing; the last good cache stays in force and the next sync tries again";
        if (!hint.empty()) msg += ": " + hint;
        // The server's own words help, but they are untrusted: escaped and cut short.
        std::string body = trim(t.resp.body);
        if (!body.empty() && s >= 400) msg += " (server said: " + doc::printable(body, 120) + ")";
        return msg;
    }

    // Seconds the server asked us to wait (Retry-After: delta-seconds or an HTTP-date), or -1.
    static long long retry_after(const HttpsResponse& r) {
        std::string v = r.header("retry-after");
        if (v.empty()) return -1;
        if (std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return v.size() > 9 ? 999999999LL : std::stoll(v);
        time_t when = curl_getdate(v.c_str(), nullptr);
        if (when < 0) return -1;
        long long d = static_cast<long long>(when) - static_cast<long long>(time(nullptr));
        return d < 0 ? 0 : d;
    }

    void trace(const Transfer& t, const std::string& outcome) const {
        if (!o.verbose) return;
        curl_off_t us = 0;
        curl_easy_getinfo(t.easy, CURLINFO_TOTAL_TIME_T, &us);
        log(LogLevel::info, where(t) + " -> " + outcome + ", " + std::to_string(t.resp.body.size()) +
                                " bytes, " + std::to_string(us / 1000) + " ms" +
                                (t.attempt > 1 ? " (attempt " + std::to_string(t.attempt) + ")" : ""));
    }

    // After a finished attempt: true when `t` holds a response for the caller; false when a
    // retry was scheduled (t.not_before). Throws when the request failed for good.
    bool settle(Transfer& t, CURLcode rc) {
        std::string failure;
        long long wait_ms = -1;
        if (rc == CURLE_OK) {
            curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &t.resp.status);
            long s = t.resp.status;
            const auto& pass = t.req->pass_statuses;
            if ((s >= 200 && s < 300) || std::find(pass.begin(), pass.end(), s) != pass.end()) {
                trace(t, std::to_string(s));
                t.resp.attempts = t.attempt;
                return true;
            }
            trace(t, std::to_string(s));
            failure = status_failure(t);
            if (!retryable_status(s)) throw Error(Err::source, failure);
            long long ra = retry_after(t.resp);
            if (s == 429 && o.stop_on_429) throw RateLimited(failure, ra);
            if (ra > static_cast<long long>(o.max_retry_after_s))
                throw Error(Err::source, failure + ": the server asks to retry after " + std::to_string(ra) +
                                             " s, longer than dirbind waits (" +
                                             std::to_string(o.max_retry_after_s) +
                                             " s); the next sync will try again");
            if (ra >= 0) wait_ms = ra * 1000;
        } else {
            if (t.too_big) rc = CURLE_FILESIZE_EXCEEDED;
            failure = curl_failure(t, rc);
            trace(t, "failed: " + std::string(curl_easy_strerror(rc)));
            if (!retryable_curl(rc)) throw Error(Err::source, failure);
        }
        if (t.attempt > o.retries)
            throw Error(Err::source, failure + (t.attempt > 1 ? " (gave up after " +
                                                                    std::to_string(t.attempt) + " attempts)"
                                                              : ""));
        if (wait_ms < 0) wait_ms = static_cast<long long>(backoff_ms(t.attempt));
        if (o.verbose) log(LogLevel::info, where(t) + ": retrying in " + std::to_string(wait_ms) + " ms");
        t.not_before = Clock::now() + std::chrono::milliseconds(wait_ms);
        return false;
    }

    // Returns an easy handle (already out of the multi) to the pool, with no pointer left into
    // the Transfer that is about to be freed.
    void park(Transfer& t) {
        if (!t.easy) return;
        curl_easy_setopt(t.easy, CURLOPT_ERRORBUFFER, nullptr);
        curl_easy_setopt(t.easy, CURLOPT_WRITEDATA, nullptr);
        curl_easy_setopt(t.easy, CURLOPT_HEADERDATA, nullptr);
        curl_easy_setopt(t.easy, CURLOPT_PRIVATE, nullptr);
        curl_easy_setopt(t.easy, CURLOPT_HTTPHEADER, nullptr);
        idle.push_back(t.easy);
        t.easy = nullptr;
    }

    void release(Transfer& t) {
        if (!t.easy) return;
        curl_multi_remove_handle(multi, t.easy);
        park(t);
    }

    void run(const HttpsRequest* reqs, std::size_t n,
             const std::function<void(std::size_t, HttpsResponse&&)>& done) {
        std::deque<std::size_t> pending;
        for (std::size_t i = 0; i < n; ++i) pending.push_back(i);
        std::vector<std::unique_ptr<Transfer>> active, waiting;
        // Whatever happens (a failure, an exception from `done`), no handle stays in the multi
        // and none is lost: transfers waiting for a retry hold one outside the multi.
        struct Cleanup {
            Impl& self;
            std::vector<std::unique_ptr<Transfer>>& a;
            std::vector<std::unique_ptr<Transfer>>& w;
            ~Cleanup() {
                for (auto& t : a) self.release(*t);
                for (auto& t : w) self.park(*t);
            }
        } cleanup{*this, active, waiting};
        const std::size_t parallel = std::max<std::uint32_t>(o.parallel, 1);
        while (!pending.empty() || !active.empty() || !waiting.empty()) {
            auto now = Clock::now();
            for (auto it = waiting.begin(); it != waiting.end() && active.size() < parallel;) {
                if ((*it)->not_before <= now) {
                    active.push_back(std::move(*it));
                    it = waiting.erase(it);
                    start(*active.back());
                } else {
                    ++it;
                }
            }
            while (active.size() < parallel && !pending.empty()) {
                auto t = std::make_unique<Transfer>();
                t->index = pending.front();
                t->req = &reqs[pending.front()];
                pending.pop_front();
                active.push_back(std::move(t));
                start(*active.back());
            }
            int running = 0;
            CURLMcode mc = curl_multi_perform(multi, &running);
            if (mc != CURLM_OK) throw Error(Err::source, std::string("curl: ") + curl_multi_strerror(mc));
            int left = 0;
            while (CURLMsg* m = curl_multi_info_read(multi, &left)) {
                if (m->msg != CURLMSG_DONE) continue;
                CURLcode rc = m->data.result;
                auto it = std::find_if(active.begin(), active.end(),
                                       [&](auto& t) { return t->easy == m->easy_handle; });
                if (it == active.end()) continue;
                std::unique_ptr<Transfer> t = std::move(*it);
                active.erase(it);
                // Keep the handle in `active`'s cleanup reach until settled: release it first.
                curl_multi_remove_handle(multi, t->easy);
                bool ok;
                try {
                    ok = settle(*t, rc);
                } catch (...) {
                    park(*t);
                    throw;
                }
                if (ok) {
                    park(*t);
                    done(t->index, std::move(t->resp));
                } else {
                    waiting.push_back(std::move(t));  // keeps its easy handle for the retry
                }
            }
            if (pending.empty() && active.empty() && waiting.empty()) break;
            int timeout_ms = 1000;
            for (auto& w : waiting) {
                auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(w->not_before - Clock::now())
                              .count();
                timeout_ms = static_cast<int>(std::clamp<long long>(ms, 0, timeout_ms));
            }
            // A free slot and work to put in it: start it now rather than wait for a socket.
            bool can_start = active.size() < parallel && (!pending.empty() || timeout_ms == 0);
            if (!can_start) curl_multi_poll(multi, nullptr, 0, timeout_ms, nullptr);
        }
    }
};

HttpsClient::HttpsClient(HttpsOptions options) : impl_(std::make_unique<Impl>()) {
    global_init();
    Impl& m = *impl_;
    m.o = std::move(options);
    if (m.o.client_cert.empty() != m.o.client_key.empty())
        throw Error(Err::config, "source.client_cert and source.client_key go together: set both or neither");
    if (!m.o.client_key.empty()) m.client_key = read_secret_file(m.o.client_key, "client key", kMaxClientKey);
    m.multi = curl_multi_init();
    if (!m.multi) throw Error(Err::source, "cannot create an HTTPS handle (out of memory)");
    long conns = static_cast<long>(std::max<std::uint32_t>(m.o.parallel, 1));
    curl_multi_setopt(m.multi, CURLMOPT_MAX_HOST_CONNECTIONS, conns);
    curl_multi_setopt(m.multi, CURLMOPT_MAXCONNECTS, conns);
}

HttpsClient::~HttpsClient() = default;

HttpsResponse HttpsClient::get(const HttpsRequest& r) {
    HttpsResponse out;
    impl_->run(&r, 1, [&](std::size_t, HttpsResponse&& resp) { out = std::move(resp); });
    return out;
}

void HttpsClient::get_all(const std::vector<HttpsRequest>& requests,
                          const std::function<void(std::size_t, HttpsResponse&&)>& done) {
    impl_->run(requests.data(), requests.size(), done);
}

std::uint64_t HttpsClient::requests_made() const noexcept {
    return impl_->requests;
}

const HttpsOptions& HttpsClient::options() const noexcept {
    return impl_->o;
}

}  // namespace dirbind
