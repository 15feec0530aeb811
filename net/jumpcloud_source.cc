// SPDX-License-Identifier: Apache-2.0
// jumpcloud_source.cc — fetch_jumpcloud(): host identity, the three request kinds (system,
// bound-user pages, user details), the paging consistency checks, and the uid allocation pass.
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
#include "net/jumpcloud_sign.h"
#include "net/jumpcloud_tables.h"
#include "system/error.h"
#include "system/secret_file.h"

namespace dirbind {
namespace {

using nlohmann::json;

constexpr std::size_t kPageSize = 100;  // the v2 API's maximum `limit`
constexpr std::uint64_t kMaxBoundUsers = 1000000;

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

    HttpsRequest detail_request(const std::string& user_id) const {
        HttpsRequest r;
        r.url = base + "/systemusers/" + user_id;
        // The key is referenced, not copied into every request; it is never part of a message.
        const std::string* key = &api_key;
        const std::string* org = &cfg.source.org_id;
        r.headers = [key, org] {
            std::vector<std::string> h{"Accept: application/json", "x-api-key: " + *key};
            if (!org->empty()) h.push_back("x-org-id: " + *org);
            return h;
        };
        r.pass_statuses = {404};
        r.hint_401 = "API key rejected (401): check " + cfg.source.api_key_file +
                     " (a read-only JumpCloud administrator API key" +
                     (cfg.source.org_id.empty() ? "; multi-tenant keys also need source.org_id" : "") + ")";
        r.hint_403 =
            "the API key may not read users (403): check the key's role in " + cfg.source.api_key_file;
        return r;
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
};

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

FetchResult fetch_jumpcloud(const Config& cfg, const FetchHooks& hooks, std::vector<Skipped>* skipped) {
    const SourceConfig& s = cfg.source;
    Fetcher f(cfg, hooks, skipped, host_signer(s), https_options(s, hooks.verbose));
    // Read before any request, so that a missing or unsafe key file fails fast.
    f.api_key = read_secret_token(s.api_key_file, "JumpCloud API key file", 4096);

    FetchResult out;
    out.dir.system = f.system();
    std::vector<BoundUser> bound = f.bound_users();

    // Details, at most `parallel` at a time. Mapped as they arrive; bodies are not kept.
    std::vector<HttpsRequest> reqs;
    reqs.reserve(bound.size());
    for (const BoundUser& b : bound) reqs.push_back(f.detail_request(b.id));
    std::vector<std::optional<JumpCloudUser>> users(bound.size());
    std::size_t done = 0;
    f.progress("details", 0, bound.size());
    f.client.get_all(reqs, [&](std::size_t i, HttpsResponse&& r) {
        std::string shown = redact_url(reqs[i].url);
        ++done;
        if (r.status == 404) {
            skipped->push_back({"user", bound[i].id, "jumpcloud: the user no longer exists (404)"});
        } else {
            json d = parse_body(r, shown);
            std::string why;
            users[i] = map_user(d, bound[i], &why);
            if (!users[i]) skipped->push_back({"user", bound[i].id, "jumpcloud: " + why});
        }
        if (done % 50 == 0 || done == bound.size()) f.progress("details", done, bound.size());
    });
    out.requests = f.client.requests_made();
    secure_clear(f.api_key);

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
    out.commit = [cache_dir = cfg.cache_dir, ids = std::move(user_ids)](const Directory& written) {
        save_user_id_map(cache_dir, cached_user_ids(written, ids));
        return std::string();
    };
    return out;
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
    FetchHooks hooks;
    HttpsOptions o = transport;
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
