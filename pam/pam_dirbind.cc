// SPDX-License-Identifier: Apache-2.0
// pam_dirbind.cc — the six PAM entry points of pam_dirbind.so (docs/pam.md). Each is
// options → user → one login_policy.h decision → one result-mapping function, behind an
// extern "C" shim that lets no exception out.
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <exception>
#include <string>

#include "login/login_policy.h"
#include "login/totp.h"
#include "openssh/sshkey.h"
#include "pam_module.h"
#include "system/log.h"

namespace dirbind::pam {
namespace {

constexpr unsigned kFailDelayUsec = 2000000;  // pam_unix's default; libpam applies it on failure

// The message the user sees, unless the application asked for silence.
void tell(pam_handle_t* pamh, int flags, const Decision& d) {
    if (d.user_message.empty() || (flags & PAM_SILENT)) return;
    pam_error(pamh, "%s", d.user_message.c_str());
}

// Logs the decision: denials as notices worth reading, the rest only with `debug`.
void record(const Decision& d, const char* step) {
    if (d.verdict == Verdict::deny)
        log(LogLevel::warning, d.log_message);
    else if (d.verdict == Verdict::ignore)
        log(LogLevel::debug, std::string(step) + ": not a directory user; ignored");
    else if (!d.log_message.empty())
        log(LogLevel::debug, d.log_message);
}

int account_result(const Decision& d) {
    switch (d.verdict) {
        case Verdict::ignore:
            return PAM_IGNORE;
        case Verdict::allow:
            return PAM_SUCCESS;
        case Verdict::deny:
            return d.reason == Reason::expired ? PAM_ACCT_EXPIRED : PAM_PERM_DENIED;
    }
    return PAM_PERM_DENIED;
}

int auth_result(const Decision& d, bool password_ok) {
    switch (d.verdict) {
        case Verdict::ignore:
            return PAM_IGNORE;
        case Verdict::allow:
            return password_ok ? PAM_SUCCESS : PAM_AUTH_ERR;
        case Verdict::deny:
            if (d.reason == Reason::cache_unavailable) return PAM_AUTHINFO_UNAVAIL;
            // Not "wrong password": sudo retries those; this code ends its loop at once.
            if (d.reason == Reason::password_unverifiable) return PAM_CRED_INSUFFICIENT;
            return PAM_AUTH_ERR;
    }
    return PAM_AUTH_ERR;
}

int session_result(const Decision& d, const std::string& provision_error, bool required) {
    switch (d.verdict) {
        case Verdict::ignore:
            return PAM_IGNORE;
        case Verdict::allow:
            return provision_error.empty() || !required ? PAM_SUCCESS : PAM_SESSION_ERR;
        case Verdict::deny:
            return PAM_SESSION_ERR;
    }
    return PAM_SESSION_ERR;
}

// True when `keys` holds the same key (type and blob) as the line `k`.
bool contains_key(const std::vector<std::string>& keys, const std::string& k) {
    try {
        return lists_key(keys, parse_public_key(k));
    } catch (const Error&) {
        return false;  // a key that does not parse is not written either
    }
}

int simple_result(const Decision& d, int denied) {
    return d.verdict == Verdict::ignore ? PAM_IGNORE : d.verdict == Verdict::allow ? PAM_SUCCESS : denied;
}

// ---- login_refresh (docs/pam.md) ------------------------------------------------------------

// The fresh answer, kept on the handle from the account step for the session step, which checks
// the complete SSH_AUTH_INFO_0 against it as well. Kept whatever the answer (or failure), so the
// session step can tell "asked" from "never asked here": sshd runs the account step of a
// keyboard-interactive login in a forked child whose handle data never reaches the session.
constexpr const char* kRefreshData = "dirbind_login_refresh";

// For whom: an application may change PAM_USER between the steps.
struct KeptRefresh {
    std::string user;
    bool answered = false;  // the directory answered (else the cache's allow stood)
    RefreshVerdict verdict;
};

void free_kept(pam_handle_t*, void* data, int) {
    delete static_cast<KeptRefresh*>(data);
}

void keep(pam_handle_t* pamh, KeptRefresh k) {
    auto* kept = new KeptRefresh(std::move(k));
    if (pam_set_data(pamh, kRefreshData, kept, free_kept) != PAM_SUCCESS) delete kept;
}

// Asks the directory about a directory user the cache allowed; the answer may only deny more.
// Any failure leaves `d` (the cache's allow) as it is.
Decision refresh_account(pam_handle_t* pamh, const Setup& s, const Facts& f, Decision d) {
    const auto t0 = std::chrono::steady_clock::now();
    RefreshVerdict v;
    std::string why;
    if (!run_refresh(s.opt, s.cfg, f.user, &v, &why)) {
        log(LogLevel::warning,
            "user " + f.user + ": login_refresh failed: " + why + "; the cached decision (allow) stands");
        keep(pamh, KeptRefresh{f.user, false, {}});
        return d;
    }
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    Decision r = decide_refresh(f.ctx, v, [&] { return read_unmanaged_keys(s.cfg, f); });
    if (r.verdict == Verdict::deny) return r;
    log(LogLevel::debug, r.log_message + " (" + std::to_string(ms) + " ms)");
    keep(pamh, KeptRefresh{f.user, true, std::move(v)});
    return d;
}

int account(pam_handle_t* pamh, int flags, int argc, const char** argv) {
    LogScope scope(pamh, false);
    Setup s = load_setup(argc, argv);
    Facts f;
    if (int rc = gather(pamh, s, &f); rc != PAM_SUCCESS) return rc;
    Decision d = decide_account(f.ctx, [&] { return read_unmanaged_keys(s.cfg, f); });
    // Never asked when the cache already refuses: the directory could not change that.
    if (d.verdict == Verdict::allow && f.ctx.subject == Subject::directory_user && s.config_ok &&
        s.cfg.login_refresh.enabled)
        d = refresh_account(pamh, s, f, std::move(d));
    record(d, "account");
    tell(pamh, flags, d);
    return account_result(d);
}

// ---- MFA (docs/pam.md, "MFA") ----------------------------------------------------------------

constexpr const char* kCodePrompt = "Verification code: ";  // what JumpCloud's agent asks

// Asks for the TOTP code without echo. PAM_SUCCESS with *code set, or the conversation's error.
int ask_code(pam_handle_t* pamh, std::string* code) {
    char* resp = nullptr;
    int rc = pam_prompt(pamh, PAM_PROMPT_ECHO_OFF, &resp, "%s", kCodePrompt);
    if (resp != nullptr) {
        if (rc == PAM_SUCCESS) *code = resp;
        explicit_bzero(resp, std::strlen(resp));
        std::free(resp);
    }
    if (rc == PAM_SUCCESS && resp == nullptr) return PAM_CONV_ERR;
    return rc;
}

// The second factor, once the first (password, or sshd's public key) has passed.
int check_code(const Setup& s, const Facts& f, const std::string& code, const std::string& secret) {
    Decision d = decide_code_auth(f.ctx, !secret.empty());
    record(d, "auth");
    if (d.verdict != Verdict::allow) return auth_result(d, false);
    std::string why;
    switch (verify_totp(secret, code, std::time(nullptr), s.cfg.cache_dir + "/" + kTotpStateDir, f.user,
                        f.uid, &why)) {
        case TotpResult::ok:
            log(LogLevel::info, "user " + f.user + ": verification code accepted");
            return PAM_SUCCESS;
        case TotpResult::wrong_code:
            log(LogLevel::warning, "user " + f.user + ": wrong verification code");
            return PAM_AUTH_ERR;
        case TotpResult::replayed:
            log(LogLevel::warning, "user " + f.user + ": verification code refused: it was used already");
            return PAM_AUTH_ERR;
        case TotpResult::bad_secret:
            log(LogLevel::error,
                "user " + f.user + ": verification code refused: the cached TOTP secret is corrupt");
            return PAM_AUTH_ERR;
        case TotpResult::store_failed:
            // Without the record a code could be used twice: refused, never accepted blind.
            log(LogLevel::error,
                "user " + f.user + ": verification code refused: the replay record cannot be used: " + why);
            return PAM_AUTHINFO_UNAVAIL;
    }
    return PAM_AUTH_ERR;
}

int authenticate(pam_handle_t* pamh, int argc, const char** argv) {
    LogScope scope(pamh, false);
    Setup s = load_setup(argc, argv);
    Facts f;
    if (int rc = gather(pamh, s, &f); rc != PAM_SUCCESS) return rc;
    if (f.ctx.subject == Subject::directory_user || f.ctx.subject == Subject::unknown)
        pam_fail_delay(pamh, kFailDelayUsec);
    std::string hash;
    bool password_ok = false;
    if (f.ctx.subject == Subject::directory_user) {
        const AuthPlan plan = plan_auth(f.ctx);
        // Ask before judging, like pam_unix: the prompts say nothing about the account.
        const char* token = nullptr;
        if (plan.password) {
            int rc = pam_get_authtok(pamh, PAM_AUTHTOK, &token, nullptr);
            if (rc == PAM_CONV_AGAIN) return PAM_INCOMPLETE;
            if (rc != PAM_SUCCESS || token == nullptr) {
                log(LogLevel::warning, "user " + f.user + ": no password obtained");
                return PAM_AUTH_ERR;
            }
        }
        std::string code, totp_secret;
        if (plan.code) {
            int rc = ask_code(pamh, &code);
            if (rc == PAM_CONV_AGAIN) return PAM_INCOMPLETE;
            if (rc != PAM_SUCCESS) {
                log(LogLevel::warning, "user " + f.user + ": no verification code obtained");
                return PAM_AUTH_ERR;
            }
        }
        UserState secret_state = UserState::active;
        Err e = read_secret(s.cfg, f.user, &hash, &secret_state, plan.code ? &totp_secret : nullptr);
        if (e == Err::unavailable) return PAM_AUTHINFO_UNAVAIL;
        // The two files are replaced one after the other by a sync: the stricter state wins.
        if (secret_state != UserState::active) f.ctx.account.state = secret_state;
        if (plan.password) {
            // ldap with password_check: bind — the directory itself judges the password.
            const bool by_bind = s.config_ok && s.cfg.source.type == "ldap" && s.cfg.source.ldap.password_check == "bind";
            Decision d = decide_password_auth(f.ctx, by_bind || !hash.empty());
            if (d.verdict == Verdict::allow && by_bind) {
                std::string why;
                PasswordAnswer answer = PasswordAnswer::refused;
                if (!run_password_check(s.opt, s.cfg, f.user, token, &answer, &why)) {
                    // Nobody could say: never taken for a yes.
                    log(LogLevel::warning, "user " + f.user + ": password not checked: " + why);
                    return PAM_AUTHINFO_UNAVAIL;
                }
                password_ok = answer != PasswordAnswer::refused;
                log(password_ok ? LogLevel::info : LogLevel::warning,
                    "user " + f.user +
                        (answer == PasswordAnswer::accepted   ? ": password accepted by the directory (bind)"
                         : answer == PasswordAnswer::refused ? ": password refused by the directory (bind)"
                                                             : ": password accepted by the offline verifier "
                                                               "(the directory could not be reached)"));
            } else if (d.verdict == Verdict::allow) {
                password_ok = verify_password(token, hash);
                log(password_ok ? LogLevel::info : LogLevel::warning,
                    "user " + f.user + (password_ok ? ": password accepted" : ": wrong password"));
            }
            record(d, "auth");
            // Said even under PAM_SILENT, which sudo always passes: it is the only way the user
            // learns why no password can ever work.
            if (d.reason == Reason::password_unverifiable) pam_error(pamh, "%s", d.user_message.c_str());
            // A wrong password ends it here: the code is neither checked nor used up.
            if (int rc = auth_result(d, password_ok); rc != PAM_SUCCESS || !plan.code) return rc;
        }
        int rc = check_code(s, f, code, totp_secret);
        explicit_bzero(code.data(), code.size());
        explicit_bzero(totp_secret.data(), totp_secret.size());
        return rc;
    }
    Decision d = decide_password_auth(f.ctx, false);
    record(d, "auth");
    return auth_result(d, false);
}

int open_session(pam_handle_t* pamh, int flags, int argc, const char** argv) {
    LogScope scope(pamh, false);
    Setup s = load_setup(argc, argv);
    Facts f;
    if (int rc = gather(pamh, s, &f); rc != PAM_SUCCESS) return rc;
    std::vector<std::string> keys;
    auto unmanaged = [&] { return read_unmanaged_keys(s.cfg, f); };
    Decision d = decide_session(f.ctx, unmanaged, &keys);
    const void* data = nullptr;
    if (d.verdict == Verdict::allow && f.ctx.subject == Subject::directory_user && s.config_ok &&
        s.cfg.login_refresh.enabled &&
        !(pam_get_data(pamh, kRefreshData, &data) == PAM_SUCCESS && data != nullptr &&
          static_cast<const KeptRefresh*>(data)->user == f.user)) {
        // The account step's answer did not reach this handle (sshd's keyboard-interactive
        // child): ask now, with the complete method list; it can still only deny more.
        Decision a = refresh_account(pamh, s, f, d);
        if (a.verdict == Verdict::deny) d = a;
        data = nullptr;
        pam_get_data(pamh, kRefreshData, &data);
    }
    const KeptRefresh* kept = static_cast<const KeptRefresh*>(data);
    if (d.verdict == Verdict::allow && f.ctx.subject == Subject::directory_user && kept != nullptr &&
        kept->user == f.user && kept->answered && kept->verdict.kind == RefreshVerdict::Kind::found) {
        // The account step's fresh answer: the complete method list must pass it too, and only
        // keys both the cache and the directory still have are written (it can only deny more).
        std::vector<std::string> fresh_keys;
        Decision r = decide_session(refreshed_context(f.ctx, static_cast<const KeptRefresh*>(data)->verdict),
                                    unmanaged, &fresh_keys);
        if (r.verdict == Verdict::deny) {
            r.log_message += " (login_refresh: what the directory said at the account step)";
            d = r;
        } else {
            std::erase_if(keys, [&](const std::string& k) { return !contains_key(fresh_keys, k); });
        }
    }
    record(d, "session");
    tell(pamh, flags, d);
    std::string error;
    if (d.verdict == Verdict::allow) {
        error = provision(s, f, std::move(keys));
        if (!error.empty())
            log(LogLevel::error, "user " + f.user + ": provisioning failed: " + error +
                                     (s.opt.provision_required ? "; session refused (provision=required)"
                                                               : "; session opened anyway"));
    }
    return session_result(d, error, s.opt.provision_required);
}

int chauthtok(pam_handle_t* pamh, int flags, int argc, const char** argv) {
    LogScope scope(pamh, false);
    Setup s = load_setup(argc, argv);
    Facts f;
    if (int rc = gather(pamh, s, &f); rc != PAM_SUCCESS) return rc;
    Decision d = decide_chauthtok(f.ctx);
    // libpam calls twice (PAM_PRELIM_CHECK, then PAM_UPDATE_AUTHTOK): say it once.
    if (flags & PAM_PRELIM_CHECK) {
        record(d, "password");
        tell(pamh, flags, d);
    }
    return simple_result(d, PAM_AUTHTOK_ERR);
}

int passthrough(pam_handle_t* pamh, int argc, const char** argv, const char* step) {
    LogScope scope(pamh, false);
    Setup s = load_setup(argc, argv);
    Facts f;
    if (int rc = gather(pamh, s, &f); rc != PAM_SUCCESS) return rc;
    Decision d = decide_passthrough(f.ctx);
    record(d, step);
    return simple_result(d, PAM_SERVICE_ERR);
}

void report_internal_error(pam_handle_t* pamh, const char* step, const char* what) noexcept {
    try {
        LogScope scope(pamh, false);
        log(LogLevel::error, std::string(step) + ": internal error" + (what ? std::string(": ") + what : ""));
    } catch (...) {
        // Out of memory while reporting: the PAM code still says it.
    }
}

// The C ABI wall: no exception crosses it. A failure is never PAM_IGNORE, which would let the
// stack go on as if dirbind had nothing to say.
template <typename F>
int guarded(pam_handle_t* pamh, const char* step, F&& f) noexcept {
    try {
        return f();
    } catch (const std::exception& e) {
        report_internal_error(pamh, step, e.what());
    } catch (...) {
        report_internal_error(pamh, step, nullptr);
    }
    return PAM_SERVICE_ERR;
}

}  // namespace
}  // namespace dirbind::pam

using dirbind::pam::guarded;

extern "C" {

int pam_sm_authenticate(pam_handle_t* pamh, int, int argc, const char** argv) {
    return guarded(pamh, "auth", [&] { return dirbind::pam::authenticate(pamh, argc, argv); });
}

int pam_sm_setcred(pam_handle_t* pamh, int, int argc, const char** argv) {
    return guarded(pamh, "setcred", [&] { return dirbind::pam::passthrough(pamh, argc, argv, "setcred"); });
}

int pam_sm_acct_mgmt(pam_handle_t* pamh, int flags, int argc, const char** argv) {
    return guarded(pamh, "account", [&] { return dirbind::pam::account(pamh, flags, argc, argv); });
}

int pam_sm_open_session(pam_handle_t* pamh, int flags, int argc, const char** argv) {
    return guarded(pamh, "session", [&] { return dirbind::pam::open_session(pamh, flags, argc, argv); });
}

int pam_sm_close_session(pam_handle_t* pamh, int, int argc, const char** argv) {
    return guarded(pamh, "session close",
                   [&] { return dirbind::pam::passthrough(pamh, argc, argv, "session close"); });
}

int pam_sm_chauthtok(pam_handle_t* pamh, int flags, int argc, const char** argv) {
    return guarded(pamh, "password", [&] { return dirbind::pam::chauthtok(pamh, flags, argc, argv); });
}

}  // extern "C"
