// SPDX-License-Identifier: Apache-2.0
// cmd_check_password.cc — `dirbind check-password NAME`: pam_dirbind's password check by bind
// (source.password_check: bind, docs/pam.md). Reads the password from stdin (exactly the bytes
// given: no newline is stripped), asks the directory through the network plugin and prints
// "accepted" or "refused"; exits 1 with the reason when the directory cannot tell, which the
// module never takes for an answer — unless offline_password_days allows the verifier of the
// last accepted password (offline_password.h), then "accepted offline". Writes nothing but that
// verifier. A timer bounds the whole command by login_refresh.timeout, as refresh-user is.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "cache/names.h"
#include "commands.h"
#include "config/config.h"
#include "login/login_policy.h"
#include "login/offline_password.h"
#include "sync/source.h"
#include "system/error.h"
#include "system/log.h"
#include "system/secret_file.h"

namespace dirbind::cli {
namespace {

// What the directory said, handed from the thread that asks it.
struct NetAnswer {
    std::mutex m;
    std::condition_variable cv;
    bool done = false, accepted = false;
    std::string error;
};

}  // namespace

int cmd_check_password(const Args& a) {
    if (a.words.size() != 1) return usage_error("usage: dirbind check-password NAME (the password on stdin)");
    const std::string& name = a.words[0];
    if (!valid_name(name.data(), name.size()))
        throw Error(Err::invalid, "'" + printable(name, 40) + "' is not a valid user name");
    Config cfg = load_config(a.config);
    if (cfg.source.type != "ldap" || cfg.source.ldap.password_check != "bind")
        throw Error(
            Err::config,
            "this source does not check passwords (needs source type ldap with password_check: bind)");
    const std::uint32_t total = cfg.login_refresh.timeout_ms;
    arm_deadline(total);
    std::string password;
    char buf[512];
    while (password.size() <= kMaxPasswordBytes) {
        ssize_t n = ::read(0, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
            throw Error(Err::io, std::string("cannot read the password from stdin: ") + std::strerror(errno));
        if (n == 0) break;
        password.append(buf, static_cast<std::size_t>(n));
    }
    explicit_bzero(buf, sizeof buf);
    if (password.empty() || password.size() > kMaxPasswordBytes) {
        secure_clear(password);
        std::fputs("refused\n", stdout);
        return std::fflush(stdout) == 0 ? 0 : 1;
    }
    const std::int64_t max_age = static_cast<std::int64_t>(cfg.source.ldap.offline_password_days) * 86400;
    // With offline verifiers the directory gets part of the time only, in a thread, so that a
    // server that never answers still leaves time to check the verifier before the deadline.
    const std::uint32_t net_ms =
        std::max<std::uint32_t>(1, max_age > 0 ? total * 6 / 10 : total - total / 10);
    auto shared = std::make_shared<NetAnswer>();
    std::thread([shared, cfg, name, pw = password, net_ms]() mutable {
        bool accepted = false;
        std::string error;
        try {
            accepted = check_password(cfg, name, std::move(pw), net_ms);
        } catch (const std::exception& e) {
            error = e.what();
        }
        std::lock_guard<std::mutex> l(shared->m);
        shared->done = true, shared->accepted = accepted, shared->error = std::move(error);
        shared->cv.notify_one();
    }).detach();
    bool done, accepted;
    std::string error;
    {
        std::unique_lock<std::mutex> l(shared->m);
        shared->cv.wait_for(l, std::chrono::milliseconds(net_ms + 100), [&] { return shared->done; });
        done = shared->done, accepted = shared->accepted, error = shared->error;
    }
    if (!done) error = "the directory did not answer within " + std::to_string(net_ms) + " ms";
    const char* answer = nullptr;
    if (done && error.empty()) {
        answer = accepted ? "accepted\n" : "refused\n";
        if (max_age > 0 && accepted) {
            try {
                remember_password(cfg.cache_dir, name, password, std::time(nullptr));
            } catch (const Error& e) {
                log(LogLevel::warning, std::string("offline verifier not stored: ") + e.what());
            }
        } else if (max_age > 0) {
            forget_password(cfg.cache_dir, name);  // refused: it may have been changed
        }
    } else if (max_age > 0 &&
               check_remembered_password(cfg.cache_dir, name, password, std::time(nullptr), max_age)) {
        log(LogLevel::warning, error + "; accepted by the offline verifier");
        answer = "accepted offline\n";
    }
    secure_clear(password);
    if (answer == nullptr) {
        if (done) throw Error(Err::source, error);
        std::fprintf(stderr, "dirbind: error: %s\n", error.c_str());
        std::_Exit(1);  // the thread may still wait on the server: no exit handlers under it
    }
    std::fputs(answer, stdout);
    int rc = std::fflush(stdout) == 0 ? 0 : 1;
    if (!done) std::_Exit(rc);
    return rc;
}

}  // namespace dirbind::cli
