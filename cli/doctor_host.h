// SPDX-License-Identifier: Apache-2.0
// doctor_host.h — the parts of `dirbind doctor`'s host checks that live in files of their own:
// the PAM stacks as libpam runs them, the cache opened as its readers open it, and the sync
// timer's interval. Internal to cli/.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "config/config.h"
#include "doctor.h"

namespace dirbind::cli {

// $name when set and not empty, else `fallback`.
std::string env_or(const char* name, const char* fallback);

// The whitespace-separated words of `line`.
std::vector<std::string> words_of(const std::string& line);

// Runs argv (argv[0] an absolute path) and collects stdout+stderr (at most 1 MiB); its exit
// status, -1 when it cannot be run or did not exit.
int run_capture(const std::vector<std::string>& argv, std::string* out);

// `service`'s stacks under $DIRBIND_PAM_DIR (default /etc/pam.d), read and followed as libpam
// runs them (include inlined, substack nested, jumps and `done` counted): pam_dirbind.so must
// run in auth, account, session and password whatever the modules before it return, and its
// control must be able to refuse. Then each common-<type> file on its own (other services).
void check_pam(const std::string& service, Report* r);

// The cache as its readers open it: identity.db and the config by `keys_user`
// (AuthorizedKeysCommandUser; "" when unknown), identity.db by an unprivileged user (NSS in any
// program), and secrets.db by neither. As root in forked children that drop to those users;
// otherwise judged from modes, and said so.
void check_cache_readers(const Config& cfg, const std::string& keys_user, Report* r);

struct SyncInterval {
    std::uint64_t seconds = 60;
    bool known = false;
    std::string source;  // "/lib/systemd/system/dirbind-sync.timer: OnCalendar=minutely", or why unknown
};

// How often the sync runs: dirbind-sync.timer (its unit file and drop-ins, found on systemd's
// unit search path) or /etc/cron.d/dirbind; 60 s and known=false when neither says it in a form
// understood here.
SyncInterval sync_interval();

// A running nscd (its socket $DIRBIND_NSCD_SOCKET, default /run/nscd/socket, answers) that
// caches passwd or group by $DIRBIND_NSCD_CONF (default /etc/nscd.conf): a warning, since it
// answers from its cache after a sync. Nothing when nscd does not run.
void check_nscd(Report* r);

// dirbind-keys-helper and the network plugin (their paths as their loaders find them): present,
// regular, root's and not writable by group or others; the plugin only warned about for the
// file source, which does not load it.
void check_helpers(const Config& cfg, Report* r);

// SELinux enforcing ($DIRBIND_SELINUX_ENFORCE, default /sys/fs/selinux/enforce, reads 1): a
// warning naming where its denials are logged. Nothing otherwise.
void check_selinux(Report* r);

}  // namespace dirbind::cli
