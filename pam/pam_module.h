// SPDX-License-Identifier: Apache-2.0
// pam_module.h — the parts of pam_dirbind.so shared by its files: options, logging to syslog,
// and gathering the facts (cache, NSS, PAM items) that common/login_policy.h decides on.
// Internal to the module: nothing here is exported (pam/exports.map).
#pragma once

#include <security/pam_modules.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "login/login_policy.h"
#include "system/error.h"

namespace dirbind::pam {

// Module arguments (docs/pam.md). dirbind.yaml holds no PAM settings, so these come from argv
// only; `config=` names the file the rest of the configuration comes from.
struct Options {
    bool debug = false;
    std::string config_path = kDefaultConfigPath;
    bool provision_required = false;  // provision=required: a failed provisioning fails the session
    // refresh_command=PATH: the dirbind command login_refresh runs (tests point it elsewhere).
    std::string refresh_command = "/usr/sbin/dirbind";
};

// The options and the loaded configuration. When the config cannot be loaded, `config_ok` is
// false, the error is logged and `cfg` holds the built-in defaults (docs/pam.md says why).
struct Setup {
    Options opt;
    Config cfg;
    bool config_ok = true;
};

// Parses argv: unknown options and bad values are logged and ignored, never fatal.
// use_first_pass, try_first_pass and use_authtok are accepted (pam_get_authtok reads them).
Options parse_options(int argc, const char** argv);

// parse_options() then load_config(opt.config_path). Never throws.
Setup load_setup(int argc, const char** argv) noexcept;

// Sends common/log.h output to pam_syslog (LOG_AUTHPRIV) for `pamh` while it lives; debug
// lines only with the `debug` option. One per entry point call.
class LogScope {
public:
    LogScope(pam_handle_t* pamh, bool debug) noexcept;
    ~LogScope();
    LogScope(const LogScope&) = delete;
    LogScope& operator=(const LogScope&) = delete;
    void set_debug(bool debug) noexcept;

private:
    pam_handle_t* prev_pamh_;
    bool prev_debug_;
};

// What the module knows about the login in progress.
struct Facts {
    std::string user;  // PAM_USER; logged only when subject is directory_user or root
    LoginContext ctx;
    // Directory users: from the identity cache.
    uid_t uid = 0;
    gid_t gid = 0;
    std::string home;
};

// Fills `f` from PAM (user, service, SSH_AUTH_INFO_0), NSS, the local passwd file and the
// identity cache. Returns PAM_SUCCESS, or the error of pam_get_user().
int gather(pam_handle_t* pamh, const Setup& s, Facts* f);

// The directory user's password hash, state and (when `totp_secret` is given) TOTP secret from
// secrets.db. Err::ok, Err::not_found (no record: no hash, no secret) or Err::unavailable
// (secrets.db missing, untrusted or corrupt).
Err read_secret(const Config& cfg, const std::string& user, std::string* hash, UserState* state,
                std::string* totp_secret = nullptr);

// The keys in ~/.ssh/<cfg.unmanaged_keys_file>, read as root without following any symlink:
// the home and ~/.ssh must be directories owned by the user (~/.ssh not group/world-writable),
// the file a regular file owned by the user with one link (safe_fs.h read_checked_at).
UnmanagedKeys read_unmanaged_keys(const Config& cfg, const Facts& f);

// Runs `<opt.refresh_command> --config <opt.config_path> WORDS...` with a clean environment,
// `input` on its stdin (/dev/null when empty; at most kMaxPasswordBytes) and no other inherited
// descriptor, reads its stdout (at most `max_answer` bytes) until `timeout_ms` plus a margin,
// then kills its process group and reaps it (this pid only; no signal handler is touched). True
// with *answer when the command exited 0; false with *why (timeout, exit status and first stderr
// line, an answer too large).
bool run_dirbind(const Options& opt, const std::vector<std::string>& words, std::string_view input,
                 std::uint32_t timeout_ms, std::size_t max_answer, std::string* answer, std::string* why);

// login_refresh: run_dirbind() of `refresh-user <user>` within cfg.login_refresh.timeout_ms. True
// with *out parsed from the answer; false with *why (run_dirbind's reasons, unparsable answer).
bool run_refresh(const Options& opt, const Config& cfg, const std::string& user, RefreshVerdict* out,
                 std::string* why);

// The answer of `dirbind check-password`.
enum class PasswordAnswer {
    accepted,          // by the directory (bind)
    accepted_offline,  // the directory could not be asked; the offline verifier matched
    refused,           // by the directory, or the user is not bound to this host
};

// The password check by bind (source.password_check: bind): run_dirbind() of `check-password
// <user>` with `password` on its stdin, within cfg.login_refresh.timeout_ms. True with *out;
// false with *why when nobody could tell (directory unreachable, no usable offline verifier) —
// the caller must then refuse, never allow.
bool run_password_check(const Options& opt, const Config& cfg, const std::string& user,
                        std::string_view password, PasswordAnswer* out, std::string* why);

// Creates the home and rebuilds authorized_keys (provision.h) with `keys`. "" on success,
// otherwise the reason (it names the path).
std::string provision(const Setup& s, const Facts& f, std::vector<std::string> keys);

}  // namespace dirbind::pam
