// SPDX-License-Identifier: Apache-2.0
// cmd_refresh_user.cc — `dirbind refresh-user NAME`: what the directory says about one user right
// now, for pam_dirbind's login_refresh (docs/pam.md). Read-only: the answer goes to stdout in the
// format of login_refresh.h and nothing is written, the cache least of all (the next sync does
// that). The whole command runs under login_refresh.timeout: a timer ends it (exit 1, "timed out"
// on stderr) when the source is slower, so the module sees a failure, never a late answer.
#include <signal.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "cache/names.h"
#include "commands.h"
#include "config/config.h"
#include "login/login_refresh.h"
#include "sync/source.h"
#include "system/error.h"
#include "system/log.h"

namespace dirbind::cli {

namespace {
// What the deadline says before it ends the process: built before the timer is armed, so that
// the handler only has to write it (async-signal-safe).
char g_deadline_msg[160];
std::size_t g_deadline_len = 0;
extern "C" void on_deadline(int) {
    ssize_t n = ::write(STDERR_FILENO, g_deadline_msg, g_deadline_len);
    (void)n;
    _exit(1);
}
}  // namespace

void arm_deadline(std::uint32_t ms) {
    // A hard total, whatever the source is doing, and one that says so: the caller (pam_dirbind)
    // logs our stderr, and a bare SIGALRM death would leave the admin guessing.
    int len =
        std::snprintf(g_deadline_msg, sizeof g_deadline_msg,
                      "dirbind: error: timed out: no answer within login_refresh.timeout (%u ms)\n", ms);
    g_deadline_len =
        len < 0 ? 0 : std::min<std::size_t>(static_cast<std::size_t>(len), sizeof g_deadline_msg - 1);
    struct sigaction sa {};
    sa.sa_handler = on_deadline;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, nullptr);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGALRM);
    sigprocmask(SIG_UNBLOCK, &set, nullptr);
    itimerval t{};
    t.it_value.tv_sec = ms / 1000;
    t.it_value.tv_usec = static_cast<suseconds_t>(ms % 1000) * 1000;
    setitimer(ITIMER_REAL, &t, nullptr);
}

int cmd_refresh_user(const Args& a) {
    if (a.words.size() != 1) return usage_error("usage: dirbind refresh-user NAME");
    const std::string& name = a.words[0];
    if (!valid_name(name.data(), name.size()))
        throw Error(Err::invalid, "'" + printable(name, 40) + "' is not a valid user name");
    // The timer starts once the config says how long; the module's own deadline (the timeout and
    // a margin) covers reading it.
    Config cfg = load_config(a.config);
    const std::uint32_t total = cfg.login_refresh.timeout_ms;
    arm_deadline(total);
    // The transport gets most of it, so that a slow server ends in its error message (curl's
    // "timed out") rather than the timer's silent kill.
    UserFetch f = fetch_user(cfg, name, std::max<std::uint32_t>(1, total - total / 10));
    std::string out = format_refresh_verdict(name, f);
    std::fwrite(out.data(), 1, out.size(), stdout);
    return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace dirbind::cli
