// SPDX-License-Identifier: Apache-2.0
// source.cc — dispatch from `source.type` to the source implementations.
#include "sync/source.h"

#include "directory/file_source.h"
#include "directory/validate.h"
#include "sync/net_plugin.h"
#include "sync/sync_status.h"
#include "system/error.h"
#include "system/log.h"
#include "system/secret_file.h"

namespace dirbind {

FetchResult fetch_directory(const Config& cfg, const FetchState* since, const FetchHooks& hooks,
                            std::vector<Skipped>* skipped) {
    if (cfg.source.type == "file") {
        FetchResult r;
        r.dir = load_directory_file(cfg.source.path, skipped);
        return r;
    }
    if (is_network_source(cfg)) {
        // In dirbind-net.so, so that nothing else loads libcurl (net_plugin.h).
        const NetPluginApi& net = net_plugin("the " + cfg.source.type + " source");
        FetchResult r;
        NetCallError err;
        if (!net.fetch_directory(cfg, since, hooks, skipped, &r, &err)) rethrow_net_error(err);
        return r;
    }
    throw Error(Err::config, "source type '" + cfg.source.type + "' is not supported by this build");
}

RawDirectory fetch_directory(const Config& cfg, std::vector<Skipped>* skipped) {
    return fetch_directory(cfg, nullptr, FetchHooks{}, skipped).dir;
}

UserFetch fetch_user(const Config& cfg, const std::string& name, std::uint32_t timeout_ms) {
    std::vector<Skipped> skipped;
    FetchResult fetched;
    if (cfg.source.type == "file") {
        fetched.dir = load_directory_file(cfg.source.path, &skipped);
    } else if (is_network_source(cfg)) {
        // Only the validators of the document the cache was built from may turn into "unchanged".
        SyncRecord record(cfg);
        UserFetchRequest req;
        req.name = name;
        req.since = record.since();
        req.timeout_ms = timeout_ms;
        const NetPluginApi& net = net_plugin("the " + cfg.source.type + " source");
        NetCallError err;
        if (!net.fetch_user(cfg, req, &skipped, &fetched, &err)) rethrow_net_error(err);
    } else {
        throw Error(Err::config, "source type '" + cfg.source.type + "' is not supported by this build");
    }
    UserFetch out;
    out.requests = fetched.requests;
    if (fetched.not_modified) return out;  // Kind::unchanged
    Directory dir = validate_directory(std::move(fetched.dir), cfg, read_local_accounts(cfg), &skipped);
    // A sync refuses an empty directory over a non-empty cache; here it would refuse everybody.
    // The jumpcloud and ldap answers are about the one user only: without them, they are gone.
    if (dir.users.empty() && cfg.source.type != "jumpcloud" && cfg.source.type != "ldap")
        throw Error(Err::refused,
                    describe_source(cfg) + " has no valid users; not trusted to refuse a login");
    out.has_system = true;
    out.system = dir.system;
    out.kind = UserFetch::Kind::gone;
    for (User& u : dir.users)
        if (u.name == name) {
            out.kind = UserFetch::Kind::found;
            out.user = std::move(u);
            break;
        }
    return out;
}

bool check_password(const Config& cfg, const std::string& name, std::string password, std::uint32_t timeout_ms) {
    PasswordCheckRequest req;
    req.name = name;
    req.password = std::move(password);
    req.timeout_ms = timeout_ms;
    secure_clear(password);
    const NetPluginApi& net = net_plugin("the " + cfg.source.type + " source's password check");
    NetCallError err;
    bool accepted = false;
    bool ok = net.check_password(cfg, req, &accepted, &err);
    secure_clear(req.password);
    if (!ok) rethrow_net_error(err);
    return accepted;
}

bool is_network_source(const Config& cfg) {
    return cfg.source.type == "https" || cfg.source.type == "jumpcloud" || cfg.source.type == "ldap";
}

std::string describe_source(const Config& cfg) {
    if (cfg.source.type == "file") return "file " + cfg.source.path;
    if (cfg.source.type == "ldap") {
        std::string uris;
        for (const auto& u : cfg.source.ldap.uris) uris += (uris.empty() ? "" : ",") + u;
        return "ldap " + uris;
    }
    return cfg.source.type + " " + redact_url(cfg.source.url);
}

}  // namespace dirbind
