// SPDX-License-Identifier: Apache-2.0
// cmd_refresh_user.cc — `dirbind refresh-user NAME`: what the directory says about one user right
// now, for pam_dirbind's login_refresh (docs/pam.md). Read-only: the answer goes to stdout in the
// format of login_refresh.h and nothing is written, the cache least of all (the next sync does
// that). The whole command runs under login_refresh.timeout: a timer kills it when the source is
// slower, so the module sees a failure, never a late answer.
#include <signal.h>
#include <sys/time.h>

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

void arm_deadline(std::uint32_t ms) {
    // SIGALRM's default action ends the process: the hard total, whatever the source is doing.
    signal(SIGALRM, SIG_DFL);
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
