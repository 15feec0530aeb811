// SPDX-License-Identifier: Apache-2.0
// net_plugin.cc — finds, checks and loads dirbind-net.so for the core (net_plugin.h).
#include "sync/net_plugin.h"

#include <dlfcn.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "system/log.h"
#include "system/secret_file.h"

#ifndef DIRBIND_PLUGIN_DIR
#define DIRBIND_PLUGIN_DIR "/usr/lib/dirbind"
#endif

namespace dirbind {
namespace {

std::mutex g_mutex;
const NetPluginApi* g_api = nullptr;

// dlopen() runs the plugin's code as whoever we are (root in sshd and sync): refuse a file that
// someone else could have replaced, as read_trusted_file() does for data.
std::string untrusted_reason(const std::string& path) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return errno_text(errno);
    if (!S_ISREG(st.st_mode)) return "not a regular file";
    if (!trusted_owner(st.st_uid)) return "owned by uid " + std::to_string(st.st_uid) + ", not root";
    if ((st.st_mode & 022) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        return std::string("writable by group or others (mode ") + mode + ")";
    }
    return "";
}

const NetPluginApi* load(const std::string& path, std::string* why) {
    if (path.empty() || path[0] != '/') {
        *why = "DIRBIND_NET_PLUGIN must be an absolute path";
        return nullptr;
    }
    *why = untrusted_reason(path);
    if (!why->empty()) return nullptr;
    // RTLD_LOCAL: nothing loaded later binds to the plugin's symbols or to those of the
    // libraries it brings (libcurl and its dependencies); the host process stays as it was.
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
        const char* e = ::dlerror();
        *why = e ? e : "dlopen failed";
        return nullptr;
    }
    using Entry = const NetPluginApi* (*)(const char*) noexcept;
    auto entry = reinterpret_cast<Entry>(::dlsym(handle, "dirbind_net_plugin"));
    if (entry == nullptr) {
        *why = "no dirbind_net_plugin entry point (not a dirbind plugin?)";
        ::dlclose(handle);
        return nullptr;
    }
    const NetPluginApi* api = entry(DIRBIND_NET_ABI);
    if (api == nullptr) {
        *why = std::string("built from other sources than this program (ABI ") + DIRBIND_NET_ABI +
               "); install dirbind and its plugin from one build";
        // Not dlclose()d: its constructors ran, and libcurl's must not be undone half-way.
        return nullptr;
    }
    api->set_log_sink(&dirbind::log);
    return api;
}

}  // namespace

std::string net_plugin_path() {
    const char* env = ::secure_getenv("DIRBIND_NET_PLUGIN");
    if (env != nullptr && *env != '\0') return env;
    return DIRBIND_PLUGIN_DIR "/dirbind-net.so";
}

const NetPluginApi& net_plugin(const std::string& needed_by) {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (g_api != nullptr) return *g_api;
    std::string path = net_plugin_path(), why;
    g_api = load(path, &why);
    if (g_api == nullptr) throw Error(Err::source, needed_by + " needs " + path + ": " + why);
    return *g_api;
}

void rethrow_net_error(const NetCallError& err) {
    if (err.code != Err::ok) throw Error(err.code, err.message);
}

}  // namespace dirbind
