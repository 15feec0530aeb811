// SPDX-License-Identifier: Apache-2.0
// dirbind_net.cc — the entry point of dirbind-net.so (common/net_plugin.h): hands out the table
// and turns every exception of the network sources into a NetCallError, since none may unwind
// into the core across the dlopen boundary.
#include <algorithm>
#include <cstring>
#include <exception>
#include <new>

#include "net/https_source.h"
#include "net/jumpcloud_source.h"
#include "net/ldap_source.h"
#include "sync/net_plugin.h"

namespace dirbind {
namespace {

void set_error(NetCallError* err, Err code, const char* message) noexcept {
    err->code = code;
    try {
        err->message = message;
    } catch (...) {
        // Out of memory: the code alone still fails the call.
    }
}

// Runs `f`; any exception becomes *err and false.
template <class F>
bool guarded(NetCallError* err, F&& f) noexcept {
    try {
        f();
        return true;
    } catch (const Error& e) {
        set_error(err, e.code() == Err::ok ? Err::source : e.code(), e.what());
    } catch (const std::bad_alloc&) {
        set_error(err, Err::io, "out of memory in the network plugin");
    } catch (const std::exception& e) {
        set_error(err, Err::source, e.what());
    } catch (...) {
        set_error(err, Err::source, "unknown exception in the network plugin");
    }
    return false;
}

// The result's commit, made to keep its promise of never throwing into the core (source.h).
void guard_commit(FetchResult* r) {
    if (!r->commit) return;
    r->commit = [inner = std::move(r->commit)](const Directory& written) {
        NetCallError err;
        std::string why;
        if (guarded(&err, [&] { why = inner(written); })) return why;
        return err.message.empty() ? std::string("the source could not keep its state") : std::move(err.message);
    };
}

bool fetch_directory_entry(const Config& cfg, const FetchState* since, const FetchHooks& hooks,
                           std::vector<Skipped>* skipped, FetchResult* out, NetCallError* err) noexcept {
    return guarded(err, [&] {
        if (cfg.source.type == "https")
            *out = fetch_https_snapshot(cfg, since, hooks, skipped);
        else if (cfg.source.type == "jumpcloud")
            *out = fetch_jumpcloud(cfg, hooks, skipped);
        else if (cfg.source.type == "ldap")
            *out = fetch_ldap(cfg, since, hooks, skipped);
        else
            throw Error(Err::config, "the network plugin has no source type '" + cfg.source.type + "'");
        guard_commit(out);
    });
}

bool fetch_user_entry(const Config& cfg, const UserFetchRequest& req, std::vector<Skipped>* skipped,
                      FetchResult* out, NetCallError* err) noexcept {
    return guarded(err, [&] {
        if (cfg.source.type == "ldap") {
            *out = fetch_ldap_user(cfg, req.name, req.timeout_ms, skipped);
            return;
        }
        // One attempt, bounded as a whole: sshd is waiting for the answer.
        HttpsOptions o = https_options(cfg.source, false);
        o.timeout_ms = req.timeout_ms;
        o.connect_timeout_ms = std::min(o.connect_timeout_ms, req.timeout_ms);
        o.retries = 0;
        if (cfg.source.type == "https")
            *out = fetch_https_snapshot(cfg, req.since, FetchHooks{}, skipped, o);
        else if (cfg.source.type == "jumpcloud")
            *out = fetch_jumpcloud_user(cfg, req.name, o, skipped);
        else
            throw Error(Err::config, "the network plugin has no source type '" + cfg.source.type + "'");
    });
}

bool check_password_entry(const Config& cfg, const PasswordCheckRequest& req, bool* accepted,
                          NetCallError* err) noexcept {
    return guarded(err, [&] {
        if (cfg.source.type != "ldap")
            throw Error(Err::config, "source type '" + cfg.source.type + "' does not check passwords");
        *accepted = check_ldap_password(cfg, req.name, req.password, req.timeout_ms);
    });
}

const NetPluginApi kApi = {
    DIRBIND_NET_ABI, set_log_sink, fetch_directory_entry, fetch_user_entry, check_password_entry,
};

}  // namespace
}  // namespace dirbind

extern "C" const dirbind::NetPluginApi* dirbind_net_plugin(const char* abi) noexcept {
    if (abi == nullptr || std::strcmp(abi, DIRBIND_NET_ABI) != 0) return nullptr;
    return &dirbind::kApi;
}
