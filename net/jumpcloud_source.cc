// SPDX-License-Identifier: Apache-2.0
// jumpcloud_source.cc — fetch_jumpcloud(): host identity, the request kinds (system, bound-user
// pages, user details one by one or from the organisation's user list, as jumpcloud_plan.h
// chooses), the paging consistency checks, the uid allocation pass, and staying away after a 429.
#include "net/jumpcloud_source.h"

#include <algorithm>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "cache/names.h"
#include "config/doc_util.h"
#include "directory/validate.h"
#include "net/https_client.h"
#include "net/jumpcloud_map.h"
#include "net/jumpcloud_plan.h"
#include "net/jumpcloud_sign.h"
#include "net/jumpcloud_tables.h"
#include "system/error.h"
#include "system/log.h"
#include "system/secret_file.h"

namespace dirbind {
namespace {

using nlohmann::json;

constexpr std::size_t kPageSize = kJumpCloudPage;
constexpr std::uint64_t kMaxBoundUsers = 1000000;
constexpr std::uint64_t kMaxOrgUsers = 10000000;
// After a 429: the longest Retry-After honoured, and the wait when there is none (doubling with
// each 429 in a row, up to the same bound).
constexpr std::uint64_t kMaxRetryAfter = 3600;
constexpr std::uint64_t kFirstBackoff = 60;

std::uint64_t now_s() { return static_cast<std::uint64_t>(std::time(nullptr)); }


// "fields=_id%20username%20…": the projection of every request for users' details.
const std::string& fields_query() {
    static const std::string q = [] {
        std::string out = "fields=";
        for (const char* f : kUserFields) out += std::string(out.size() > 7 ? "%20" : "") + f;
        return out;
    }();
    return q;
}

// The transport of every jumpcloud request: a 429 stops the fetch (it is not retried).
HttpsOptions jumpcloud_options(HttpsOptions o) {
    o.stop_on_429 = true;
    return o;
}

// The path part of the base URL ("https://console.jumpcloud.com/api" → "/api"): signed request
// lines include it.
std::string base_path(const std::string& url) {
    std::size_t p = url.find('/', 8);
    return p == std::string::npos ? "" : url.substr(p);
}

std::string read_system_id(const std::string& path) {
    std::string text = read_trusted_file(path, "JumpCloud agent config");
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        throw Error(Err::config, "JumpCloud agent config " + path + " is not a JSON object");
    auto it = j.find("systemKey");
    if (it == j.end() || !it->is_string())
        throw Error(Err::config, "JumpCloud agent config " + path +
                                     " has no systemKey (is the JumpCloud agent installed and registered?)");
    std::string id = it->get<std::string>();
    if (!valid_jumpcloud_id(id))
        throw Error(Err::config, "JumpCloud agent config " + path + ": systemKey '" + doc::printable(id) +
                                     "' is not 24 lower-case hex digits");
    return id;
}

// The body as JSON, after the checks every API response gets.
json parse_body(const HttpsResponse& r, const std::string& shown) {
    std::string mt = media_type(r.header("content-type"));
    if (mt != "application/json")
        throw Error(Err::source,
                    "GET " + shown + ": the response is " + (mt.empty() ? "untyped" : mt) +
                        ", not application/json (is something in the way, such as a proxy's login page?)");
    std::size_t bad = 0;
    if (!valid_utf8(r.body, &bad))
        throw Error(Err::source,
                    "GET " + shown + ": the response is not valid UTF-8 (byte " + std::to_string(bad) + ")");
    json j = json::parse(r.body, nullptr, false);
    if (j.is_discarded()) throw Error(Err::source, "GET " + shown + ": the response is not valid JSON");
    return j;
}

struct Fetcher {
    const Config& cfg;
    const FetchHooks& hooks;
    std::vector<Skipped>* skipped;
    HttpsClient client;
    std::string base, prefix;
    SystemSigner signer;
    std::string api_key;

    Fetcher(const Config& c, const FetchHooks& h, std::vector<Skipped>* s, SystemSigner sg, HttpsOptions o)
        : cfg(c),
          hooks(h),
          skipped(s),
          client(std::move(o)),
          base(c.source.url),
          prefix(base_path(c.source.url)),
          signer(std::move(sg)) {}
    ~Fetcher() { secure_clear(api_key); }

    std::string id() const { return signer.system_id(); }

    // A GET signed as this system: a fresh Date and signature for every attempt.
    HttpsRequest system_request(const std::string& path_and_query) const {
        HttpsRequest r;
        r.url = base + path_and_query;
        std::string line_path = prefix + path_and_query;
        const SystemSigner* s = &signer;
        r.headers = [s, line_path] { return s->headers("GET", line_path, std::time(nullptr)); };
        r.hint_401 =
            "system key rejected (401): check that " + cfg.source.system_key_file + " is the key of system " +
            signer.system_id() + " (systemKey in " + cfg.source.agent_config +
            "), that the system still exists in JumpCloud, and this host's clock (the Date is signed)";
        r.hint_403 = "the system may not read this (403): check the system's registration in JumpCloud";
        return r;
    }

    // A GET with the API key (users' details).
    HttpsRequest api_key_request(const std::string& path_and_query) const {
        HttpsRequest r;
        r.url = base + path_and_query;
        // The key is referenced, not copied into every request; it is never part of a message.
        const std::string* key = &api_key;
        const std::string* org = &cfg.source.org_id;
        r.headers = [key, org] {
            std::vector<std::string> h{"Accept: application/json", "x-api-key: " + *key};
            if (!org->empty()) h.push_back("x-org-id: " + *org);
            return h;
        };
        r.hint_401 = "API key rejected (401): check " + cfg.source.api_key_file +
                     " (a read-only JumpCloud administrator API key" +
                     (cfg.source.org_id.empty() ? "; multi-tenant keys also need source.org_id" : "") + ")";
        r.hint_403 =
            "the API key may not read users (403): check the key's role in " + cfg.source.api_key_file;
        return r;
    }

    HttpsRequest detail_request(const std::string& user_id) const {
        HttpsRequest r = api_key_request("/systemusers/" + user_id + "?" + fields_query());
        r.pass_statuses = {404};
        return r;
    }

    // A page of the organisation's users, in _id order (JumpCloud's advice for paging with skip).
    HttpsRequest org_page_request(std::uint64_t skip) const {
        return api_key_request("/systemusers?limit=" + std::to_string(kPageSize) + "&skip=" + std::to_string(skip) +
                               "&sort=_id&" + fields_query());
    }

    void progress(const char* phase, std::size_t done, std::size_t total) const {
        if (hooks.progress) hooks.progress({phase, done, total, client.requests_made()});
    }

    HttpsRequest system_object_request() const { return system_request("/systems/" + id()); }

    static SystemPolicy system_policy(const HttpsRequest& r, const HttpsResponse& resp) {
        json j = parse_body(resp, redact_url(r.url));
        try {
            return map_system(j);
        } catch (const Error& e) {
            throw Error(Err::source, "GET " + redact_url(r.url) + ": " + e.what());
        }
    }

    SystemPolicy system() {
        progress("system", 0, 1);
        HttpsRequest r = system_object_request();
        return system_policy(r, client.get(r));
    }

    static std::uint64_t total_count(const HttpsResponse& r, const std::string& shown) {
        std::string v = r.header("x-total-count");
        unsigned n = 0;
        if (v.empty()) return kMaxBoundUsers + 1;  // unknown: page until a short page
        if (!parse_u32(v.data(), v.size(), &n) || n > kMaxBoundUsers)
            throw Error(Err::source, "GET " + shown + ": x-total-count '" + doc::printable(v) +
                                         "' is not a count up to " + std::to_string(kMaxBoundUsers));
        return n;
    }

    // Every bound user, in page order, without duplicates.
    std::vector<BoundUser> bound_users() {
        auto page_path = [&](std::size_t skip) {
            return "/v2/systems/" + id() + "/users?limit=" + std::to_string(kPageSize) +
                   "&skip=" + std::to_string(skip);
        };
        std::vector<json> pages;
        HttpsRequest first = system_request(page_path(0));
        HttpsResponse r0 = client.get(first);
        std::uint64_t total = total_count(r0, redact_url(first.url));
        bool counted = total <= kMaxBoundUsers;
        pages.push_back(parse_body(r0, redact_url(first.url)));
        auto page_size = [&](const json& p, const std::string& url) {
            if (!p.is_array()) throw Error(Err::source, "GET " + url + ": the page is not a JSON list");
            if (p.size() > kPageSize)
                throw Error(Err::source, "GET " + url + ": the page holds " + std::to_string(p.size()) +
                                             " users, more than the limit of " + std::to_string(kPageSize));
            return p.size();
        };
        page_size(pages[0], redact_url(first.url));
        std::size_t npages = counted ? std::max<std::size_t>(1, (total + kPageSize - 1) / kPageSize) : 0;
        progress("users", 1, npages);
        if (counted) {
            // The count is known: the remaining pages in parallel.
            std::vector<HttpsRequest> rest;
            for (std::size_t p = 1; p < npages; ++p) rest.push_back(system_request(page_path(p * kPageSize)));
            pages.resize(npages);
            std::size_t done = 1;
            client.get_all(rest, [&](std::size_t i, HttpsResponse&& r) {
                std::string shown = redact_url(rest[i].url);
                pages[i + 1] = parse_body(r, shown);
                page_size(pages[i + 1], shown);
                if (total_count(r, shown) != total)
                    throw Error(
                        Err::source,
                        "the list of bound users changed while it was read (x-total-count went from " +
                            std::to_string(total) + " to " + r.header("x-total-count") +
                            "); the next sync will read it again");
                progress("users", ++done, npages);
            });
        } else {
            // No count: page until a short page (bounded).
            while (pages.back().size() == kPageSize && pages.size() * kPageSize < kMaxBoundUsers) {
                HttpsRequest r = system_request(page_path(pages.size() * kPageSize));
                pages.push_back(parse_body(client.get(r), redact_url(r.url)));
                page_size(pages.back(), redact_url(r.url));
                progress("users", pages.size(), 0);
            }
        }
        std::vector<BoundUser> out;
        std::set<std::string> seen;
        std::size_t elements = 0;
        for (const json& page : pages)
            for (const json& e : page) {
                ++elements;
                std::string why;
                std::optional<BoundUser> b = parse_bound_user(e, &why);
                if (!b) {
                    skipped->push_back(
                        {"user", "bound user #" + std::to_string(elements), "jumpcloud: " + why});
                    continue;
                }
                if (!seen.insert(b->id).second) continue;
                out.push_back(std::move(*b));
            }
        if (counted && elements != total)
            throw Error(Err::source, "the list of bound users changed while it was read (" +
                                         std::to_string(elements) + " read, x-total-count " +
                                         std::to_string(total) + "); the next sync will read it again");
        return out;
    }

    // One page of /systemusers: its users go into `details` where `wanted` (id → bound index)
    // names a due user not yet read. Returns the page's totalCount, or nullopt without one.
    static std::optional<std::uint64_t> take_org_page(const HttpsRequest& r, const HttpsResponse& resp,
                                                      const std::map<std::string, std::size_t>& wanted,
                                                      std::vector<std::optional<json>>* details, std::size_t* found) {
        std::string shown = redact_url(r.url);
        json page = parse_body(resp, shown);
        auto results = page.is_object() ? page.find("results") : page.end();
        if (!page.is_object() || results == page.end() || !results->is_array())
            throw Error(Err::source, "GET " + shown + ": not a list of users ({\"totalCount\", \"results\"})");
        if (results->size() > kPageSize)
            throw Error(Err::source, "GET " + shown + ": the page holds " + std::to_string(results->size()) +
                                         " users, more than the limit of " + std::to_string(kPageSize));
        for (json& u : *results) {
            auto id = u.is_object() ? u.find("_id") : u.end();
            if (id == u.end() || !id->is_string()) continue;  // not one of ours: due users have valid ids
            auto w = wanted.find(id->get<std::string>());
            if (w == wanted.end() || (*details)[w->second]) continue;
            (*details)[w->second] = std::move(u);
            ++*found;
        }
        auto total = page.find("totalCount");
        if (total == page.end() || !total->is_number_unsigned()) return std::nullopt;
        if (total->get<std::uint64_t>() > kMaxOrgUsers)
            throw Error(Err::source, "GET " + shown + ": totalCount " + std::to_string(total->get<std::uint64_t>()) +
                                         " is more than " + std::to_string(kMaxOrgUsers) + " users");
        return total->get<std::uint64_t>();
    }

    // The due users' details from the organisation's user list: the first page, then the rest in
    // parallel while the planner prefers it to asking for the users left one by one. A user the
    // list does not hold (deleted or created while it was read, or a list that omits some users)
    // stays unread, for the per-user requests. Returns the organisation's size, when the list says.
    std::optional<std::uint64_t> read_org_list(const std::map<std::string, std::size_t>& wanted,
                                               std::vector<std::optional<json>>* details) {
        std::size_t found = 0;
        HttpsRequest first = org_page_request(0);
        std::optional<std::uint64_t> total = take_org_page(first, client.get(first), wanted, details, &found);
        if (!total) return std::nullopt;  // no count, no plan: the rest one by one
        const std::uint64_t pages = list_pages(*total);
        progress("org users", 1, pages);
        if (!continue_org_list(cfg.source.details, *total, wanted.size() - found)) return total;
        std::vector<HttpsRequest> rest;
        for (std::uint64_t p = 1; p < pages; ++p) rest.push_back(org_page_request(p * kPageSize));
        std::size_t done = 1;
        client.get_all(rest, [&](std::size_t i, HttpsResponse&& r) {
            take_org_page(rest[i], r, wanted, details, &found);
            progress("org users", ++done, pages);
        });
        return total;
    }

    // The details of the bound users `due` (indices into `bound`), one request each, at most
    // `parallel` at a time. A user who answers 404 (deleted meanwhile) stays without details and
    // is listed in `skipped`.
    void read_per_user(const std::vector<BoundUser>& bound, const std::vector<std::size_t>& due,
                       std::vector<std::optional<json>>* details) {
        std::vector<HttpsRequest> reqs;
        reqs.reserve(due.size());
        for (std::size_t i : due) reqs.push_back(detail_request(bound[i].id));
        std::size_t done = 0;
        progress("details", 0, due.size());
        client.get_all(reqs, [&](std::size_t k, HttpsResponse&& r) {
            ++done;
            if (r.status == 404)
                skipped->push_back({"user", bound[due[k]].id, "jumpcloud: the user no longer exists (404)"});
            else
                (*details)[due[k]] = parse_body(r, redact_url(reqs[k].url));
            if (done % 50 == 0 || done == due.size()) progress("details", done, due.size());
        });
    }
};

// Throws, without a request, while the Retry-After of an earlier 429 holds (telling
// hooks->rate_limited, when given); returns otherwise. A clock that went back ends the wait.
void refuse_while_rate_limited(const JumpCloudState& st, const std::string& cache_dir, const FetchHooks* hooks) {
    const std::uint64_t now = now_s();
    if (st.retry_until <= now || st.throttled_at > now) return;
    if (hooks && hooks->rate_limited) hooks->rate_limited(st.retry_until);
    throw Error(Err::source, "JumpCloud answered 429 Too Many Requests at " + utc_text(st.throttled_at) +
                                 " and gets no request before " + utc_text(st.retry_until) + " (in " +
                                 std::to_string(st.retry_until - now) + " s): skipped without a request, the cache is kept (" +
                                 cache_dir + "/jumpcloud-state.json holds the time)");
}

// After a 429: how long to stay away (the server's Retry-After, else 60 s doubling with each 429
// in a row, both at most an hour), remembered in the state (with hooks.persist) and told to
// hooks.rate_limited. Returns the error that fails the fetch.
Error rate_limited(const Config& cfg, const FetchHooks& hooks, JumpCloudState st, const RateLimited& e) {
    const std::uint64_t now = now_s();
    long long ra = e.retry_after_s();
    std::uint64_t wait = ra >= 0 ? std::min<std::uint64_t>(static_cast<std::uint64_t>(ra), kMaxRetryAfter)
                                 : std::min<std::uint64_t>(kFirstBackoff << std::min<std::uint64_t>(st.throttled, 6),
                                                           kMaxRetryAfter);
    st.throttled_at = now;
    st.retry_until = now + wait;
    ++st.throttled;
    std::string msg = std::string(e.what()) + "; no request to JumpCloud before " + utc_text(st.retry_until) + " (" +
                      (ra >= 0 ? "Retry-After " : "no Retry-After: waiting ") + std::to_string(wait) +
                      " s); the cache is kept";
    if (hooks.persist) {
        try {
            save_state(cfg.cache_dir, st);
        } catch (const Error& se) {
            msg += " (the wait could not be remembered: " + std::string(se.what()) + ")";
        }
    }
    if (hooks.rate_limited) hooks.rate_limited(st.retry_until);
    return Error(Err::source, msg);
}

// This host's signer, from the agent's config and key.
SystemSigner host_signer(const SourceConfig& s) {
    std::string system_id = read_system_id(s.agent_config);
    std::string pem = read_secret_file(s.system_key_file, "system private key");
    std::optional<SystemSigner> signer;
    try {
        signer.emplace(pem, system_id, "system private key " + s.system_key_file);
    } catch (...) {
        secure_clear(pem);
        throw;
    }
    secure_clear(pem);
    return std::move(*signer);
}

// The entries of `fetched` (name → user id) for the users the cache now holds: a user the
// validator dropped is not one login_refresh may ask about.
std::map<std::string, std::string> cached_user_ids(const Directory& dir,
                                                   const std::map<std::string, std::string>& fetched) {
    std::map<std::string, std::string> out;
    for (const User& u : dir.users)
        if (auto it = fetched.find(u.name); it != fetched.end()) out.emplace(u.name, it->second);
    return out;
}

}  // namespace

namespace {

// Every bound user's details for this sync, by index into `bound` (nullopt: the user answered
// 404), and the number of the sync that read each: the due users' now, the others' from `store`.
struct Details {
    std::vector<std::optional<json>> of;
    std::vector<std::uint64_t> read_in;
};

Details read_details(Fetcher& f, const Config& cfg, const std::vector<BoundUser>& bound, DetailsStore& store,
                     std::uint64_t sync, JumpCloudState& state) {
    std::vector<std::string> ids;
    ids.reserve(bound.size());
    for (const BoundUser& b : bound) ids.push_back(b.id);
    const std::vector<bool> due = due_details(ids, store, sync, cfg.source.details_every);
    Details d{std::vector<std::optional<json>>(bound.size()), std::vector<std::uint64_t>(bound.size(), sync)};
    std::map<std::string, std::size_t> wanted;
    for (std::size_t i = 0; i < bound.size(); ++i) {
        if (due[i]) {
            wanted.emplace(bound[i].id, i);
            continue;
        }
        StoredDetails& kept = store.users.at(bound[i].id);
        d.of[i] = std::move(kept.details);
        d.read_in[i] = kept.sync;
    }
    const std::uint64_t now = now_s();
    if (start_org_list(cfg.source.details, wanted.size(), known_org_size(state, now))) {
        if (std::optional<std::uint64_t> total = f.read_org_list(wanted, &d.of)) {
            state.org_users = *total;
            state.org_users_at = now;
        }
    }
    std::vector<std::size_t> left;
    for (const auto& [id, i] : wanted)
        if (!d.of[i]) left.push_back(i);
    std::sort(left.begin(), left.end());
    f.read_per_user(bound, left, &d.of);
    return d;
}

FetchResult fetch_all(Fetcher& f, const Config& cfg, const FetchHooks& hooks, std::vector<Skipped>* skipped,
                      JumpCloudState& state) {
    const JumpCloudState before = state;
    FetchResult out;
    out.dir.system = f.system();
    std::vector<BoundUser> bound = f.bound_users();

    const bool spread = cfg.source.details_every > 1;
    DetailsStore store = spread ? load_details_store(cfg.cache_dir) : DetailsStore{};
    const std::uint64_t sync = store.sync + 1;
    Details details = read_details(f, cfg, bound, store, sync, state);
    out.requests = f.client.requests_made();
    secure_clear(f.api_key);

    std::vector<std::optional<JumpCloudUser>> users(bound.size());
    for (std::size_t i = 0; i < bound.size(); ++i) {
        if (!details.of[i]) continue;  // 404: listed as skipped
        std::string why;
        users[i] = map_user(*details.of[i], bound[i], &why);
        if (!users[i]) skipped->push_back({"user", bound[i].id, "jumpcloud: " + why});
    }

    // POSIX groups from the bindings: one per name; a name given two gids is left out.
    std::map<std::string, Group> groups;
    std::set<std::string> conflicting;
    for (const BoundUser& b : bound)
        for (const Group& g : b.posix_groups) {
            auto [it, fresh] = groups.emplace(g.name, g);
            if (!fresh && it->second.gid != g.gid) conflicting.insert(g.name);
        }
    for (const std::string& name : conflicting) {
        skipped->push_back(
            {"group", name, "jumpcloud: the posix group has two different gids in the bindings"});
        groups.erase(name);
    }

    // uids: managed ones as JumpCloud says; the others from the persisted allocation, which
    // avoids every id someone else has (local accounts, managed users, groups).
    UidAllocator alloc(cfg.uid_range, load_uid_table(cfg.cache_dir));
    LocalAccounts local = read_local_accounts(cfg);
    for (std::uint32_t id : local.uids) alloc.reserve(id);
    for (std::uint32_t id : local.gids) alloc.reserve(id);
    for (const auto& [name, g] : groups) alloc.reserve(g.gid);
    for (const auto& u : users)
        if (u && u->managed_uid) alloc.reserve(u->user.uid), alloc.reserve(u->managed_gid);
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < users.size(); ++i)
        if (users[i] && !users[i]->managed_uid) order.push_back(i);
    // A fixed order (by JumpCloud id) makes the allocation independent of arrival order.
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return bound[a].id < bound[b].id; });
    for (std::size_t i : order) {
        std::optional<std::uint32_t> id = alloc.assign(bound[i].id);
        if (!id) {
            skipped->push_back({"user", users[i]->user.name, "jumpcloud: no free uid left in uid_range"});
            users[i].reset();
            continue;
        }
        users[i]->user.uid = *id;
        users[i]->user.gid = *id;
    }
    if (hooks.persist && alloc.changed()) save_uid_table(cfg.cache_dir, alloc.table());

    std::map<std::string, std::string> user_ids;
    for (std::size_t i = 0; i < users.size(); ++i)
        if (users[i]) {
            user_ids.emplace(users[i]->user.name, bound[i].id);  // the first wins, as in validation
            out.dir.users.push_back(std::move(users[i]->user));
        }
    for (auto& [name, g] : groups) out.dir.groups.push_back(std::move(g));

    // What the next syncs need, kept once the cache holds this sync's result.
    DetailsStore next;
    if (spread) {
        next.sync = sync;
        for (std::size_t i = 0; i < bound.size(); ++i)
            if (details.of[i]) next.users[bound[i].id] = {details.read_in[i], std::move(*details.of[i])};
    }
    state.throttled = state.throttled_at = state.retry_until = 0;
    out.commit = [cache_dir = cfg.cache_dir, ids = std::move(user_ids), spread, next = std::move(next), state,
                  before](const Directory& written) {
        save_user_id_map(cache_dir, cached_user_ids(written, ids));
        if (!(state == before)) save_state(cache_dir, state);
        if (spread)
            save_details_store(cache_dir, next);
        else
            remove_details_store(cache_dir);
        return std::string();
    };
    return out;
}

}  // namespace

FetchResult fetch_jumpcloud(const Config& cfg, const FetchHooks& hooks, std::vector<Skipped>* skipped) {
    const SourceConfig& s = cfg.source;
    JumpCloudState state = load_state(cfg.cache_dir);
    refuse_while_rate_limited(state, cfg.cache_dir, &hooks);
    Fetcher f(cfg, hooks, skipped, host_signer(s), jumpcloud_options(https_options(s, hooks.verbose)));
    // Read before any request, so that a missing or unsafe key file fails fast.
    f.api_key = read_secret_token(s.api_key_file, "JumpCloud API key file", 4096);
    try {
        return fetch_all(f, cfg, hooks, skipped, state);
    } catch (const RateLimited& e) {
        throw rate_limited(cfg, hooks, state, e);
    }
}

FetchResult fetch_jumpcloud_user(const Config& cfg, const std::string& name, const HttpsOptions& transport,
                                 std::vector<Skipped>* skipped) {
    const SourceConfig& s = cfg.source;
    std::map<std::string, std::string> names = load_user_id_map(cfg.cache_dir);
    auto known = names.find(name);
    if (known == names.end())
        throw Error(Err::source, "login_refresh: '" + doc::printable(name) +
                                     "' is not in the last sync's user map (" + cfg.cache_dir +
                                     "/jumpcloud-users.json); the cache decides");
    const std::string user_id = known->second;
    refuse_while_rate_limited(load_state(cfg.cache_dir), cfg.cache_dir, nullptr);
    FetchHooks hooks;
    HttpsOptions o = jumpcloud_options(transport);
    o.parallel = std::max<std::uint32_t>(o.parallel, 2);
    Fetcher f(cfg, hooks, skipped, host_signer(s), std::move(o));
    f.api_key = read_secret_token(s.api_key_file, "JumpCloud API key file", 4096);

    // The system's switches and the user's record, side by side: one attempt each.
    std::vector<HttpsRequest> reqs{f.system_object_request(), f.detail_request(user_id)};
    FetchResult out;
    std::optional<json> details;
    f.client.get_all(reqs, [&](std::size_t i, HttpsResponse&& r) {
        if (i == 0)
            out.dir.system = Fetcher::system_policy(reqs[0], r);
        else if (r.status != 404)  // deleted: no user in the answer, so "gone"
            details = parse_body(r, redact_url(reqs[1].url));
    });
    out.requests = f.client.requests_made();
    secure_clear(f.api_key);
    if (!details) return out;

    // No binding is read (that takes paging the bound users): groups and sudo stay empty, which
    // the answer does not carry anyway.
    BoundUser bound;
    bound.id = user_id;
    std::string why;
    std::optional<JumpCloudUser> u = map_user(*details, bound, &why);
    if (!u) {
        // The sync would skip the record: gone, as for the other sources.
        skipped->push_back({"user", user_id, "jumpcloud: " + why});
        return out;
    }
    if (u->user.name != name) return out;  // renamed in JumpCloud: gone under this name
    if (!u->managed_uid) {
        // The uid the last sync gave; the answer is validated with it like the cached record.
        std::map<std::string, std::uint32_t> uids = load_uid_table(cfg.cache_dir);
        auto it = uids.find(user_id);
        if (it == uids.end())
            throw Error(Err::source, "login_refresh: JumpCloud user " + user_id + " (" + name +
                                         ") has no uid in the allocation table; the cache decides");
        u->user.uid = it->second;
        u->user.gid = it->second;
    }
    out.dir.users.push_back(std::move(u->user));
    return out;
}

}  // namespace dirbind
