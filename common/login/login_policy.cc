// SPDX-License-Identifier: Apache-2.0
// login_policy.cc — the decisions of login_policy.h and the password check.
#include "login/login_policy.h"
#include "system/log.h"

#include <crypt.h>

#include <cstring>
#include <memory>

#include "cache/cache_format.h"
#include "system/error.h"

namespace dirbind {
namespace {

// An sshd login whatever the PAM service is called: OpenSSH's PAMServiceName (also in a Match
// block) and distributions rename it, and the rules must not vanish with the name. sshd always
// puts SSH_AUTH_INFO_0 in the PAM environment; a service named like ssh without it fails closed
// (decide_account and decide_session then refuse a directory user: no_auth_info).
bool named_like_ssh(const LoginContext& c) {
    std::string lower = c.service;
    for (char& ch : lower) ch = static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
    return lower.find("ssh") != std::string::npos;
}

bool on_sshd(const LoginContext& c) {
    return c.auth_info.has_value() || named_like_ssh(c);
}

Decision ignore() {
    return Decision{};
}

Decision allow(std::string log_message = "") {
    Decision d;
    d.verdict = Verdict::allow;
    d.log_message = std::move(log_message);
    return d;
}

Decision deny(Reason reason, std::string user_message, std::string log_message) {
    Decision d;
    d.verdict = Verdict::deny;
    d.reason = reason;
    d.user_message = std::move(user_message);
    d.log_message = std::move(log_message);
    return d;
}

std::string who(const LoginContext& c) {
    return "user " + c.account.name;
}

// A user whose state is not active may not log in anywhere; nullopt for active users.
std::optional<Decision> state_denial(const LoginContext& c, const char* step) {
    const std::string log =
        who(c) + ": " + step + " refused: the account is " + to_string(c.account.state) + " in the directory";
    switch (c.account.state) {
        case UserState::active:
            return std::nullopt;
        case UserState::suspended:
            return deny(Reason::suspended,
                        "Your account is suspended in the directory. Contact your administrator.", log);
        case UserState::locked:
            return deny(Reason::locked,
                        "Your account is locked in the directory. Contact your administrator.", log);
        case UserState::staged:
            return deny(Reason::staged, "Your account is not activated yet. Contact your administrator.",
                        log);
        case UserState::expired:
            return deny(Reason::expired, "Your account has expired. Contact your administrator.", log);
    }
    // A state this build does not know (a newer writer): not active, so refused.
    return deny(Reason::locked, "Your account may not log in. Contact your administrator.", log);
}

Decision unknown_denial(const char* step) {
    // No name: this may be anybody (security of the log reader's view, style.md).
    return deny(Reason::cache_unavailable, "Login refused: directory data is unavailable on this host.",
                std::string(step) +
                    " refused for a user that is not in the local passwd file: the dirbind "
                    "cache cannot be read, so directory users cannot be told apart");
}

bool same_key(const PublicKey& a, const PublicKey& b) {
    return a.type == b.type && a.blob == b.blob;
}

// The public-key line's verdict: system switch, user switch, then the key itself.
std::optional<Decision> check_publickey(const LoginContext& c, const AuthStep& s,
                                        const UnmanagedKeysLoader& load,
                                        std::optional<UnmanagedKeys>* unmanaged) {
    if (!(c.policy & cachefmt::kPublicKeyAuth))
        return deny(
            Reason::publickey_system, "Public-key login is disabled on this system by the directory.",
            who(c) + ": public-key login refused: the directory disallows public keys on this system");
    if (!c.account.public_key_auth)
        return deny(Reason::publickey_user, "Public-key login is disabled for your account by the directory.",
                    who(c) + ": public-key login refused: the directory disallows public keys for this user");
    PublicKey offered;
    try {
        offered = parse_public_key(s.key);
    } catch (const Error& e) {
        return deny(Reason::key_not_current, "This key is not authorised for your account.",
                    who(c) + ": public-key login refused: sshd's key cannot be parsed: " + e.what());
    }
    if (lists_key(c.account.keys, offered)) return std::nullopt;
    if (!unmanaged->has_value()) *unmanaged = load ? load() : UnmanagedKeys{};
    for (const auto& k : (*unmanaged)->keys)
        if (same_key(k, offered)) return std::nullopt;
    std::string log = who(c) + ": public-key login refused: key " + fingerprint(offered) +
                      " is neither a current directory key nor in the unmanaged-keys file (revoked?)";
    if (!(*unmanaged)->problem.empty()) log += "; unmanaged-keys file not used: " + (*unmanaged)->problem;
    return deny(Reason::key_not_current, "This key is no longer authorised for your account.", log);
}

}  // namespace

Subject classify(const SubjectFacts& f) noexcept {
    if (f.name_is_root || (f.nss_found && f.nss_uid == 0)) return Subject::root;
    if (f.in_local_passwd) return Subject::other;
    if (f.cache == CacheState::ok) {
        if (!f.in_cache) return Subject::other;
        // Another NSS source answers first with another account: that account logs in, not ours.
        if (f.nss_found && f.nss_uid != f.cache_uid) return Subject::other;
        return Subject::directory_user;
    }
    return f.nss_found ? Subject::unknown : Subject::other;
}

bool parse_auth_info(std::string_view text, std::vector<AuthStep>* out) {
    out->clear();
    if (text.empty() || text.size() > kMaxAuthInfoBytes) return false;
    for (unsigned char ch : text)
        if ((ch < 0x20 && ch != '\n') || ch == 0x7f) return false;
    // sshd ends every line with '\n'; tolerate a missing final one, never an empty line.
    if (text.back() == '\n') text.remove_suffix(1);
    std::vector<AuthStep> steps;
    while (true) {
        std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        if (line.empty() || steps.size() == kMaxAuthSteps) return false;
        std::size_t sp = line.find(' ');
        std::string_view name = line.substr(0, sp);
        std::string_view details = sp == std::string_view::npos ? std::string_view{} : line.substr(sp + 1);
        std::string_view base = name.substr(0, name.find('/'));  // "keyboard-interactive/pam"
        AuthStep s;
        s.name = std::string(name);
        if (base == "publickey") {
            s.method = Method::publickey;
            // "type base64" and possibly more (certificate details): only the key itself matters.
            std::size_t a = details.find(' ');
            std::size_t b = a == std::string_view::npos ? a : details.find(' ', a + 1);
            s.key = std::string(details.substr(0, b));
        } else if (base == "password") {
            s.method = Method::password;
        } else if (base == "keyboard-interactive") {
            s.method = Method::keyboard_interactive;
        }
        steps.push_back(std::move(s));
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
    *out = std::move(steps);
    return true;
}

// The sshd method rules over the SSH_AUTH_INFO_0 list (docs/pam.md): every listed method must
// be one the directory allows, and a public key must be current. Unparseable text is denied.
std::optional<Decision> method_denial(const LoginContext& c, const UnmanagedKeysLoader& unmanaged) {
    std::vector<AuthStep> steps;
    if (!c.auth_info || !parse_auth_info(*c.auth_info, &steps))
        return deny(Reason::no_auth_info, "Login refused: the SSH server did not say how you authenticated.",
                    who(c) + ": sshd login refused: SSH_AUTH_INFO_0 is absent, empty or malformed");
    std::optional<UnmanagedKeys> loaded;
    bool key_passed = false;
    for (const auto& s : steps) {
        switch (s.method) {
            case Method::publickey:
                if (auto d = check_publickey(c, s, unmanaged, &loaded)) return *d;
                key_passed = true;
                break;
            case Method::keyboard_interactive:
                // After a key, a user who needs MFA was asked only the code (plan_auth): that
                // step is the second factor, not a password login.
                if (key_passed && mfa_required(c)) break;
                [[fallthrough]];
            case Method::password:
                if (!(c.policy & cachefmt::kPasswordAuth))
                    return deny(Reason::password_system,
                                "Password login is disabled on this system by the directory.",
                                who(c) + ": " + printable(s.name, 40) +
                                    " login refused: the directory disallows passwords on this system");
                break;
            case Method::other:
                return deny(
                    Reason::method_not_allowed,
                    "Login method " + printable(s.name, 40) + " is not allowed for directory accounts.",
                    who(c) + ": login refused: method " + printable(s.name, 40) + " is not one the directory allows");
        }
    }
    return std::nullopt;
}

// The second-factor rule over the complete SSH_AUTH_INFO_0 (decide_session): a user who needs
// MFA must have passed a keyboard-interactive step, the one in which pam_dirbind asks the code.
std::optional<Decision> mfa_denial(const LoginContext& c) {
    if (!mfa_required(c)) return std::nullopt;
    std::vector<AuthStep> steps;
    if (c.auth_info && parse_auth_info(*c.auth_info, &steps))
        for (const auto& s : steps)
            if (s.method == Method::keyboard_interactive) return std::nullopt;
    return deny(Reason::mfa_not_done,
                "A verification code is required for your account: log in with keyboard-interactive "
                "authentication.",
                who(c) +
                    ": sshd login refused: the directory requires a verification code (MFA) for this "
                    "user and no keyboard-interactive step ran (is AuthenticationMethods "
                    "publickey,keyboard-interactive set?)");
}

Decision decide_account(const LoginContext& c, const UnmanagedKeysLoader& unmanaged) {
    switch (c.subject) {
        case Subject::other:
            return ignore();
        case Subject::unknown:
            return unknown_denial("account");
        case Subject::root:
            if (!on_sshd(c) || c.cache == CacheState::missing) return ignore();
            if (c.cache == CacheState::unreadable)
                return deny(
                    Reason::root_login,
                    "Root login over SSH is refused: the directory policy cannot be read.",
                    "root: login over sshd refused: the dirbind cache exists but cannot be read, so the "
                    "directory's root-login policy is unknown");
            if (c.policy & cachefmt::kRootLogin) return ignore();
            return deny(Reason::root_login, "Root login over SSH is disabled by the directory policy.",
                        "root: login over sshd refused: the directory disallows root login on this system");
        case Subject::directory_user:
            break;
    }
    if (auto d = state_denial(c, "login")) return *d;
    if (!on_sshd(c)) return allow();

    if (!c.auth_info.has_value())
        return deny(Reason::no_auth_info, "Login refused: the SSH server did not say how you authenticated.",
                    who(c) + ": sshd login refused: SSH_AUTH_INFO_0 is not in the PAM environment (is "
                             "UsePAM on and this an OpenSSH sshd?)");
    // OpenSSH (9.2, and upstream's monitor.c) runs the account step before it records the method
    // that just succeeded: SSH_AUTH_INFO_0 is set but empty here for a one-method login, and
    // holds only the earlier methods of a chain. What it lists is checked now; the session step
    // checks the complete list again before anything runs.
    if (c.auth_info->find_first_not_of("\n") == std::string::npos) return allow();
    if (auto d = method_denial(c, unmanaged)) return *d;
    return allow();
}

LoginContext refreshed_context(const LoginContext& c, const RefreshVerdict& v) {
    LoginContext f = c;
    if (v.kind != RefreshVerdict::Kind::found) return f;
    f.account.state = v.state;
    f.account.public_key_auth = v.user_publickey;
    f.account.keys = v.keys;
    if (v.has_system) {
        auto set = [&](std::uint32_t bit, bool on) { f.policy = on ? (f.policy | bit) : (f.policy & ~bit); };
        set(cachefmt::kPasswordAuth, v.system_password);
        set(cachefmt::kPublicKeyAuth, v.system_publickey);
    }
    return f;
}

Decision decide_refresh(const LoginContext& c, const RefreshVerdict& v,
                        const UnmanagedKeysLoader& unmanaged) {
    if (c.subject != Subject::directory_user) return ignore();
    switch (v.kind) {
        case RefreshVerdict::Kind::unchanged:
            return allow(who(c) + ": login_refresh: the directory is unchanged since the last sync");
        case RefreshVerdict::Kind::gone:
            return deny(Reason::gone,
                        "Your account is no longer enabled on this system by the directory. Contact your "
                        "administrator.",
                        who(c) +
                            ": login refused: the directory no longer binds this user to this system "
                            "(login_refresh; the cache still has the user until the next sync)");
        case RefreshVerdict::Kind::found:
            break;
    }
    Decision d = decide_account(refreshed_context(c, v), unmanaged);
    if (d.verdict == Verdict::deny)
        d.log_message += " (login_refresh: what the directory says now; the cache does not say it yet)";
    else
        d.log_message = who(c) + ": login_refresh: the directory agrees";
    return d;
}

Decision decide_password_auth(const LoginContext& c, bool has_hash) {
    switch (c.subject) {
        case Subject::root:
        case Subject::other:
            return ignore();
        case Subject::unknown:
            return unknown_denial("password authentication");
        case Subject::directory_user:
            break;
    }
    if (auto d = state_denial(c, "password authentication")) {
        d->user_message.clear();  // before the password is checked, say nothing about the account
        return *d;
    }
    if (on_sshd(c) && !(c.policy & cachefmt::kPasswordAuth))
        return deny(
            Reason::password_system, "",
            who(c) + ": password authentication refused: the directory disallows passwords on this system");
    if (!has_hash && !on_sshd(c))
        return deny(Reason::password_unverifiable,
                    "The directory holds no password for your account that this host can check, so password "
                    "authentication cannot succeed here. Ask your administrator for sudo without a password "
                    "(sudo: nopasswd in the directory), or for a directory source that provides password hashes.",
                    who(c) + ": password authentication refused: the directory holds no password for this user "
                             "(" + c.service + " cannot check one; the user was told)");
    if (!has_hash)
        return deny(
            Reason::no_password, "",
            who(c) + ": password authentication refused: the directory holds no password for this user");
    return allow();
}

bool mfa_required(const LoginContext& c) noexcept {
    return c.subject == Subject::directory_user && (c.policy & cachefmt::kMfa) && c.account.mfa_enrolled;
}

AuthPlan plan_auth(const LoginContext& c) {
    AuthPlan p;
    if (!mfa_required(c)) return p;
    p.code = true;
    std::vector<AuthStep> steps;
    // sshd lists the methods that succeeded before this keyboard-interactive step; a malformed
    // list proves nothing, so both factors are asked for.
    // Skipping the password widens: only for a service named like ssh, never for one where some
    // other module (pam_env reading a user's file) could have put the variable.
    if (named_like_ssh(c) && c.auth_info && parse_auth_info(*c.auth_info, &steps))
        for (const auto& s : steps)
            if (s.method == Method::publickey) p.password = false;
    return p;
}

Decision decide_code_auth(const LoginContext& c, bool has_secret) {
    switch (c.subject) {
        case Subject::root:
        case Subject::other:
            return ignore();
        case Subject::unknown:
            return unknown_denial("verification code authentication");
        case Subject::directory_user:
            break;
    }
    if (auto d = state_denial(c, "verification code authentication")) {
        d->user_message.clear();  // before the code is checked, say nothing about the account
        return *d;
    }
    // JumpCloud reports who is enrolled but keeps the secrets: there is nothing to check the code
    // against, and letting the user in without it would drop the factor the directory requires.
    if (!has_secret)
        return deny(Reason::no_totp_secret, "",
                    who(c) +
                        ": verification code refused: the user is enrolled in MFA but the dirbind "
                        "cache holds no TOTP secret for them (the directory does not hand it out); "
                        "login refused (fail closed)");
    return allow();
}

Decision decide_session(const LoginContext& c, const UnmanagedKeysLoader& unmanaged,
                        std::vector<std::string>* keys) {
    keys->clear();
    if (c.subject != Subject::directory_user) return ignore();
    if (auto d = state_denial(c, "session")) return *d;
    // By now sshd has recorded every method (see decide_account): the full check, fail closed.
    if (on_sshd(c)) {
        if (auto d = method_denial(c, unmanaged)) return *d;
        if (auto d = mfa_denial(c)) return *d;
    }
    if ((c.policy & cachefmt::kPublicKeyAuth) && c.account.public_key_auth) *keys = c.account.keys;
    return allow();
}

Decision decide_chauthtok(const LoginContext& c) {
    if (c.subject != Subject::directory_user) return ignore();
    return deny(Reason::none,
                "Directory accounts cannot change their password here: change your password in the "
                "directory.",
                who(c) + ": password change refused: the password belongs to the directory");
}

Decision decide_passthrough(const LoginContext& c) {
    return c.subject == Subject::directory_user ? allow() : ignore();
}

bool verify_password(std::string_view password, const std::string& hash) noexcept {
    if (password.empty() || password.size() > kMaxPasswordBytes) return false;
    if (password.find('\0') != std::string_view::npos) return false;
    if (hash.empty() || hash[0] == '!' || hash[0] == '*') return false;
    try {
        std::string pw(password);
        // crypt_data is ~32 KiB: on the heap, and wiped, since it holds derived key material.
        auto data = std::make_unique<crypt_data>();
        std::memset(data.get(), 0, sizeof *data);
        const char* out = crypt_rn(pw.c_str(), hash.c_str(), data.get(), sizeof *data);
        bool ok = false;
        if (out != nullptr && out[0] != '*') {
            std::size_t n = std::strlen(out);
            // Constant time over the stored hash's length; the length itself is not secret.
            unsigned char diff = n == hash.size() ? 0 : 1;
            for (std::size_t i = 0; i < hash.size(); ++i)
                diff |= static_cast<unsigned char>(hash[i] ^ (i < n ? out[i] : 0));
            ok = diff == 0;
        }
        explicit_bzero(data.get(), sizeof *data);
        explicit_bzero(pw.data(), pw.size());
        return ok;
    } catch (...) {
        return false;
    }
}

}  // namespace dirbind
