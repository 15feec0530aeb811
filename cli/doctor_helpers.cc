// SPDX-License-Identifier: Apache-2.0
// doctor_helpers.cc — `dirbind doctor`'s look at the programs dirbind runs or loads besides
// itself: dirbind-keys-helper (rebuilds authorized_keys as the user) and the network plugin
// dirbind-net.so, judged by the rule their loaders apply (secret_file.h untrusted_because).
#include <fcntl.h>
#include <sys/stat.h>

#include "doctor_host.h"
#include "provisioning/keys_helper.h"
#include "sync/net_plugin.h"
#include "system/log.h"
#include "system/secret_file.h"

namespace dirbind::cli {
namespace {

// "" when `path` is a root-owned regular file nobody else can write; else why not.
std::string unusable(const std::string& path) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return errno_text(errno);
    if (!S_ISREG(st.st_mode)) return "not a regular file";
    return untrusted_because(st, path);
}

}  // namespace

void check_helpers(const Config& cfg, Report* r) {
    const std::string helper = keys_helper_path();
    if (std::string why = unusable(helper); !why.empty())
        r->add("host", "helpers", Level::fail,
               helper + ": " + why +
                   ": pam_dirbind does not run it, and authorized_keys is never rebuilt at login",
               "reinstall the dirbind package (apt-get install --reinstall dirbind), or chown root: " +
                   helper + "; chmod 0755 " + helper);
    else
        r->add("host", "helpers", Level::ok, helper + " is root's and not writable by others");
    // The file source is read by the core; every other source goes through the plugin.
    const std::string plugin = net_plugin_path();
    std::string why = unusable(plugin);
    if (why.empty())
        r->add("host", "helpers", Level::ok, plugin + " is root's and not writable by others");
    else
        r->add(
            "host", "helpers", cfg.source.type == "file" ? Level::warn : Level::fail,
            plugin + ": " + why +
                (cfg.source.type == "file" ? ": the file source does not load it, but the https, jumpcloud "
                                             "and ldap sources cannot work"
                                           : ": the " + cfg.source.type +
                                                 " source cannot be asked (sync, login_refresh) without it"),
            "reinstall the dirbind package (apt-get install --reinstall dirbind), or chown root: " + plugin +
                "; chmod 0644 " + plugin);
}

}  // namespace dirbind::cli
