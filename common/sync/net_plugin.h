// SPDX-License-Identifier: Apache-2.0
// net_plugin.h — the door to dirbind-net.so, the private plugin holding every source that needs
// the network (https, jumpcloud: libcurl and OpenSSL; ldap: libldap). The core — the dirbind command and
// pam_dirbind.so — links neither: sshd runs `dirbind authorized-keys` for every key login and
// loads pam_dirbind.so into every connection, and loading libcurl with its ~30 dependencies
// cost more than all the rest of such a call (docs/benchmarks.md). source.cc loads the plugin
// (dlopen, RTLD_NOW | RTLD_LOCAL) the first time a network source is used; it stays loaded.
//
// The table below is the whole interface. Both sides are built from one tree and pass C++
// objects by reference (same compiler, same libstdc++); the plugin answers only to the ABI tag
// its own build has, which the Makefile derives from the headers those objects come from
// (DIRBIND_NET_ABI), so a plugin from other sources is refused with a clear error instead of
// misreading a struct. No exception crosses the boundary: a call reports a code and a message,
// and the core throws Error from them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"
#include "sync/source.h"
#include "system/error.h"
#include "system/log.h"

#ifndef DIRBIND_NET_ABI
#define DIRBIND_NET_ABI "unversioned"
#endif

namespace dirbind {

// Where a plugin call that failed says why. code is Err::ok when the call succeeded.
struct NetCallError {
    Err code = Err::ok;
    std::string message;
};

// One user's question at login (source.h fetch_user()): the transport gets one attempt within
// timeout_ms, connection included.
struct UserFetchRequest {
    std::string name;
    const FetchState* since = nullptr;  // the last sync's validators, when they may be used
    std::uint32_t timeout_ms = 2000;
};

// pam_dirbind's password check for a source that checks passwords itself (ldap, password_check:
// bind), asked by `dirbind check-password`: the whole question within timeout_ms per operation.
struct PasswordCheckRequest {
    std::string name;      // a valid user name
    std::string password;  // never logged; the caller clears it
    std::uint32_t timeout_ms = 2000;
};

// The plugin's entry points. New entries go at the end; the ABI tag changes with this header.
// Routing another source function (as fetch_user below was) takes three steps: an entry
// of this shape (inputs by const reference, the result through an out pointer, NetCallError*
// last, noexcept, false on failure); its body in net/dirbind_net.cc through guarded(); and in
// source.cc the same three lines fetch_directory() has: net_plugin(), call, rethrow_net_error().
struct NetPluginApi {
    const char* abi;  // DIRBIND_NET_ABI of the plugin's build
    // Sends the plugin's log() calls to `sink` (the core's own log(), so its sink applies).
    void (*set_log_sink)(LogSink sink) noexcept;
    // fetch_directory() of source.h for the network source types (https, jumpcloud). Returns
    // false with *err filled instead of throwing.
    bool (*fetch_directory)(const Config& cfg, const FetchState* since, const FetchHooks& hooks,
                            std::vector<Skipped>* skipped, FetchResult* out, NetCallError* err) noexcept;
    // fetch_user() of source.h for the network sources: the unvalidated answer (https: the whole
    // snapshot, or not_modified). The core validates it.
    bool (*fetch_user)(const Config& cfg, const UserFetchRequest& req, std::vector<Skipped>* skipped,
                       FetchResult* out, NetCallError* err) noexcept;
    // The password check: *accepted true when the directory accepts the password, false when it
    // refuses it (or the user is not bound here). Returns false with *err when the directory
    // cannot tell (unreachable, timed out): the caller must never take that for an answer.
    bool (*check_password)(const Config& cfg, const PasswordCheckRequest& req, bool* accepted,
                           NetCallError* err) noexcept;
};

// The plugin, loaded on first use (thread-safe; never unloaded). `needed_by` names what needs it
// for the error ("the https source"). Throws Error(Err::source) naming the plugin's path and the
// reason (dlerror(), an unsafe owner or mode, another build's ABI) when it cannot be used.
const NetPluginApi& net_plugin(const std::string& needed_by);

// The plugin's path: $DIRBIND_NET_PLUGIN when set (tests; secure_getenv, so never in a set-uid
// program), else DIRBIND_PLUGIN_DIR "/dirbind-net.so" as installed.
std::string net_plugin_path();

// Throws Error(err.code, err.message) when a plugin call failed; returns otherwise.
void rethrow_net_error(const NetCallError& err);

}  // namespace dirbind

// The one symbol dirbind-net.so exports: its table if `abi` is its own DIRBIND_NET_ABI, else null.
extern "C" const dirbind::NetPluginApi* dirbind_net_plugin(const char* abi) noexcept;
