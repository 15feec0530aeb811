// SPDX-License-Identifier: Apache-2.0
// login_policy.h — who may log in, and how: the decisions of pam_dirbind (docs/pam.md), kept
// free of I/O so they can be tabulated in tests/unit/test_login_policy.cc. The module gathers
// the facts (cache, NSS, SSH_AUTH_INFO_0, the unmanaged-keys file) and maps each Decision to a
// PAM code; nothing here talks to PAM, the network or the file system.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "directory/model.h"
#include "login/login_refresh.h"
#include "openssh/sshkey.h"

namespace dirbind {

// Whether the identity cache could be read.
enum class CacheState {
    ok,
    missing,     // no identity.db at all: this host was never synced
    unreadable,  // present but untrusted (owner, mode) or corrupt
};

// Who the PAM user is, as far as dirbind is concerned.
enum class Subject {
    root,            // uid 0 or the name "root": never a directory user
    directory_user,  // in the cache, not a local account, and NSS agrees on the uid
    other,           // not dirbind's business: a local account, or absent from a readable cache
    unknown,         // the cache cannot be read and the account is neither local nor root
};

// The facts classify() needs; the module looks them up (NSS, local passwd file, cache).
struct SubjectFacts {
    bool name_is_root = false;
    bool nss_found = false;  // getpwnam() answered
    uid_t nss_uid = 0;
    bool in_local_passwd = false;  // the name is in the local passwd file (config local_passwd)
    CacheState cache = CacheState::missing;
    bool in_cache = false;
    uid_t cache_uid = 0;
};

// Root first; then a local account (local passwd file, or NSS resolving the name to another
// uid than the cache's) is `other` — the local account wins, as in nsswitch "files dirbind";
// a name in a readable cache is `directory_user`, absent from it `other`; with no readable
// cache, a name NSS still resolves is `unknown` (it may be a directory user), else `other`.
Subject classify(const SubjectFacts& f) noexcept;

// One completed authentication method from SSH_AUTH_INFO_0.
enum class Method { publickey, password, keyboard_interactive, other };

struct AuthStep {
    Method method = Method::other;
    std::string name;  // the method as sshd wrote it ("keyboard-interactive/pam"), for messages
    std::string key;   // publickey: "type base64" as sshd wrote it; otherwise empty
};

constexpr std::size_t kMaxAuthInfoBytes = 65536;  // a chain of a few methods with RSA-16384 keys fits
constexpr std::size_t kMaxAuthSteps = 16;

// Parses SSH_AUTH_INFO_0: one line per completed method, "method[/submethod][ details]". False
// (and `out` cleared) when the text is empty, too big, has too many lines, an empty line, or a
// control character other than the line breaks: the caller then cannot tell how the user
// authenticated.
bool parse_auth_info(std::string_view text, std::vector<AuthStep>* out);

// What the directory says about one user (copied out of the cache).
struct DirectoryAccount {
    std::string name;
    UserState state = UserState::active;
    bool public_key_auth = false;   // the user's own switch (cachefmt::kUserPublicKeyAuth)
    bool mfa_enrolled = false;      // enrolled in TOTP (cachefmt::kUserHasTotp)
    std::vector<std::string> keys;  // the directory's key lines, "type base64 [comment]"
};

// Everything the decisions look at.
struct LoginContext {
    // PAM_SERVICE. The sshd rules apply when SSH_AUTH_INFO_0 is set (sshd always sets it) or the
    // service's name contains "ssh" in any case (PAMServiceName, renamed services): fail closed.
    std::string service;
    Subject subject = Subject::other;
    CacheState cache = CacheState::missing;
    std::uint32_t policy = 0;              // cachefmt::kPasswordAuth… bits; meaningful when cache == ok
    DirectoryAccount account;              // meaningful when subject == directory_user
    std::optional<std::string> auth_info;  // SSH_AUTH_INFO_0 from the PAM environment, if set
};

// The user's hand-added keys (~/.ssh/<unmanaged_keys_file>), read only when needed.
struct UnmanagedKeys {
    std::vector<PublicKey> keys;
    std::string problem;  // why the file was not usable ("" when it was read or is absent)
};
using UnmanagedKeysLoader = std::function<UnmanagedKeys()>;

enum class Verdict { ignore, allow, deny };

// Why a login is refused; the module picks the PAM code from it.
enum class Reason {
    none,
    suspended,
    locked,
    staged,
    expired,
    root_login,          // root over sshd while the directory forbids it (or its policy is unreadable)
    no_auth_info,        // sshd did not say (or garbled) how the user authenticated
    publickey_system,    // public keys disabled for this system
    publickey_user,      // public keys disabled for this user
    key_not_current,     // the key is neither a directory key nor in the unmanaged file: revoked
    password_system,     // passwords disabled for this system (sshd)
    method_not_allowed,  // hostbased, gssapi, none…: not a method the directory governs
    cache_unavailable,   // subject unknown: no readable cache to judge by
    no_password,         // auth: the directory holds no password hash for the user (sshd)
    password_unverifiable,  // auth, other services (sudo, su): no hash either, and the user is told
    mfa_not_done,        // session: MFA is required but no keyboard-interactive step ran (sshd)
    no_totp_secret,      // auth: MFA is required but the cache holds no TOTP secret to check
    gone,                // login_refresh: the directory no longer binds the user to this host
};

struct Decision {
    Verdict verdict = Verdict::ignore;
    Reason reason = Reason::none;
    std::string user_message;  // shown to the user through the conversation ("" for none)
    std::string log_message;   // for syslog; names the user only when it is a directory user
};

// pam_sm_acct_mgmt. Root: denied over sshd when the policy forbids root login or is unreadable
// (not when the host was never synced). Directory users: any state but active is denied on
// every service; on sshd every SSH_AUTH_INFO_0 line's method must be allowed (public key: system
// and user switch, and the key must be a directory key or in the unmanaged file — `unmanaged` is
// called at most once, only for a key that is not a directory key; password and
// keyboard-interactive: the system switch, except a keyboard-interactive step after a listed
// public key of a user who needs MFA, which only asked the code; anything else: denied); no SSH_AUTH_INFO_0 on sshd is
// denied; an empty one (OpenSSH has not recorded the method yet) leaves the method checks to
// decide_session(). Unknown subjects are denied; others ignored.
Decision decide_account(const LoginContext& c, const UnmanagedKeysLoader& unmanaged);

// login_refresh (docs/pam.md): the cache's context with what the directory says now put in — the
// state, the user's public-key switch, the keys and, when `v` carries it, the system's password
// and public-key switches. For `unchanged` and `gone`, `c` as it is.
LoginContext refreshed_context(const LoginContext& c, const RefreshVerdict& v);

// login_refresh, after decide_account() allowed a directory user: `unchanged` allows, `gone`
// denies (Reason::gone), a found user is decide_account() over refreshed_context(). Meant to be
// asked only when the cache allowed, so it can only deny more. Others: ignore.
Decision decide_refresh(const LoginContext& c, const RefreshVerdict& v, const UnmanagedKeysLoader& unmanaged);

// pam_sm_authenticate, before the password is checked: allow means "verify the password
// against the cached hash". Denied: users not active, no hash, and on sshd a system that
// disallows passwords (other services — sudo, su, login — still accept the directory password).
// No hash off sshd is password_unverifiable, with a message saying why and what to do (a user
// with `sudo: password` from a source without hashes would otherwise retry a password forever).
// Unknown subjects are denied (cache_unavailable); others ignored.
Decision decide_password_auth(const LoginContext& c, bool has_hash);

// True when a login of this directory user needs a TOTP code: the system policy has `mfa`
// (cachefmt::kMfa) and the user is enrolled. False for every other subject.
bool mfa_required(const LoginContext& c) noexcept;

// What pam_sm_authenticate asks a directory user for, in this order.
struct AuthPlan {
    bool password = true;  // the directory password (decide_password_auth)
    bool code = false;     // the TOTP code, prompt "Verification code: " (decide_code_auth)
};

// Without MFA: the password only. With MFA (mfa_required): on sshd, when SSH_AUTH_INFO_0 lists a
// publickey step that already succeeded (an `AuthenticationMethods publickey,keyboard-interactive`
// chain), the code only — the key is the first factor; otherwise (no key step, or another
// service: su, login, sudo) the password and then the code.
AuthPlan plan_auth(const LoginContext& c);

// pam_sm_authenticate, before the code is checked: allow means "verify the code against the
// cached secret". Denied: users not active (nothing said), and an enrolled user whose secret is
// not in the cache (`has_secret` false: JumpCloud users; fail closed, docs/pam.md). Unknown
// subjects are denied (cache_unavailable); others ignored.
Decision decide_code_auth(const LoginContext& c, bool has_secret);

// pam_sm_open_session: allow (provision) for active directory users, deny for inactive ones
// and, on sshd, for a method decide_account() would deny (now with the complete
// SSH_AUTH_INFO_0; absent, empty or malformed is denied) and for a user who needs MFA
// (mfa_required) when no keyboard-interactive step is listed — the only method that asks for the
// code, so a key alone cannot skip it whatever AuthenticationMethods says. decide_account()
// cannot check that: it runs before sshd lists the last method. Ignore for everyone else. On allow,
// `keys` receives the keys to put in authorized_keys: the directory keys when the system and
// the user allow public keys, otherwise none.
Decision decide_session(const LoginContext& c, const UnmanagedKeysLoader& unmanaged,
                        std::vector<std::string>* keys);

// pam_sm_chauthtok: directory users are denied with "change your password in the directory";
// everyone else is ignored.
Decision decide_chauthtok(const LoginContext& c);

// pam_sm_setcred and pam_sm_close_session: allow for directory users, ignore for the rest.
Decision decide_passthrough(const LoginContext& c);

// True when `password` hashes (crypt_rn: yescrypt, sha512crypt, bcrypt…) to `hash`, compared
// in constant time. False for an empty password, an empty or locked ("!", "*") hash, a hash
// method libcrypt does not know, and passwords longer than kMaxPasswordBytes.
constexpr std::size_t kMaxPasswordBytes = 4096;
bool verify_password(std::string_view password, const std::string& hash) noexcept;

}  // namespace dirbind
