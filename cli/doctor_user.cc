// SPDX-License-Identifier: Apache-2.0
// doctor_user.cc — `dirbind doctor USER [--key FILE|-] [--fix]`: why this directory user can or
// cannot log in over ssh. The login rules are pam_dirbind's own (login_policy.h), asked with
// each method sshd could report; keys go through the one parser; files through StrictModes.
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "cache/cache_format.h"
#include "cache/cache_reader.h"
#include "cache/names.h"
#include "directory/validate.h"
#include "doctor.h"
#include "login/login_policy.h"
#include "login/login_refresh.h"
#include "login/totp.h"
#include "openssh/key_diagnosis.h"
#include "openssh/sshkey.h"
#include "provisioning/provision.h"
#include "provisioning/strict_modes.h"
#include "provisioning/user_keys.h"
#include "sudo_report.h"
#include "sync/source.h"
#include "sync/sync_status.h"
#include "system/log.h"

namespace dirbind::cli {
namespace {

struct CachedKey {
    std::string label, line;
};

std::vector<CachedKey> cached_keys(const UserView& u) {
    std::vector<CachedKey> keys;
    std::size_t pos = 0;
    while (const char* label = next_string(u.keys, &pos)) {
        const char* line = next_string(u.keys, &pos);
        if (line == nullptr) break;
        keys.push_back({label, line});
    }
    return keys;
}

std::vector<std::string> lines_of(const std::vector<CachedKey>& keys) {
    std::vector<std::string> out;
    for (const auto& k : keys) out.push_back(k.line);
    return out;
}

std::string describe(const PublicKey& k) {
    std::string d = k.type + " " + std::to_string(key_bits(k)) + " bits " + fingerprint(k);
    if (!k.comment.empty()) d += " \"" + printable(k.comment, 80) + "\"";
    return d;
}

const UnmanagedKeysLoader kNoUnmanaged = [] { return UnmanagedKeys{}; };

// pam_dirbind's session decision for an sshd login that used `auth_info` (the whole
// SSH_AUTH_INFO_0): the step that sees every method.
Decision judge(LoginContext c, const std::string& auth_info) {
    c.service = "sshd";
    c.auth_info = auth_info;
    std::vector<std::string> keys;
    return decide_session(c, kNoUnmanaged, &keys);
}

class UserDoctor {
public:
    UserDoctor(const Config& cfg, const DoctorOptions& o, Report* r) : cfg_(cfg), o_(o), r_(r) {}
    void run();

private:
    bool identity();
    void methods();
    void keys();
    void sudo();
    void files();
    void pasted_key();
    void totp_record();
    void login_refresh();
    void fix();
    void add(const char* group, const char* id, Level l, const std::string& m, const std::string& f = "") {
        r_->add(group, id, l, m, f);
    }

    const Config& cfg_;
    const DoctorOptions& o_;
    Report* r_;
    std::string name_;
    LoginContext ctx_;
    bool in_cache_ = false;
    bool nss_ok_ = false;
    std::uint32_t uid_ = 0, gid_ = 0, flags_ = 0;
    std::string home_;
    std::string sudo_;  // effective_sudo()
    std::vector<CachedKey> keys_;
    SyncStatus status_;
};

bool UserDoctor::identity() {
    name_ = o_.user;
    nss_ok_ = false;
    std::string shown = printable(name_, 64);
    if (!valid_name(name_.data(), name_.size())) {
        add("user", "user.name", Level::fail,
            "'" + shown + "' is not a valid user name; dirbind never serves it");
        return false;
    }
    status_ = read_sync_status(cfg_.cache_dir);
    ScopedCache cache(cfg_.cache_dir.c_str(), cachefmt::kIdentity);
    Pin pin;
    SubjectFacts facts;
    facts.name_is_root = name_ == "root";
    if (pin.acquire(cache.get()) != Err::ok) {
        facts.cache = ::access(cache.path(), F_OK) == 0 ? CacheState::unreadable : CacheState::missing;
        add("user", "cache.readable", Level::fail,
            std::string("cache ") + cache.path() +
                (facts.cache == CacheState::missing ? " does not exist: this host was never synced"
                                                    : " cannot be read or trusted (owner, mode or content)"),
            "dirbind sync; dirbind status");
    } else {
        facts.cache = CacheState::ok;
        ctx_.policy = pin.policy();
        UserView u;
        if (find_user(pin, name_.c_str(), &u) == Err::ok) {
            in_cache_ = true;
            facts.in_cache = true;
            facts.cache_uid = u.uid;
            uid_ = u.uid;
            gid_ = u.gid;
            flags_ = u.flags;
            home_ = u.home;
            keys_ = cached_keys(u);
            ctx_.account.name = name_;
            ctx_.account.state = static_cast<UserState>(u.state);
            ctx_.account.public_key_auth = (u.flags & cachefmt::kUserPublicKeyAuth) != 0;
            ctx_.account.mfa_enrolled = (u.flags & cachefmt::kUserHasTotp) != 0;
            ctx_.account.keys = lines_of(keys_);
            sudo_ = effective_sudo(cfg_, u);
        }
    }
    ctx_.cache = facts.cache;
    // As sshd asks: getpwnam through every source of nsswitch.conf.
    struct passwd pw, *res = nullptr;
    std::vector<char> buf(1 << 16);
    if (getpwnam_r(name_.c_str(), &pw, buf.data(), buf.size(), &res) == 0 && res != nullptr) {
        facts.nss_found = true;
        facts.nss_uid = pw.pw_uid;
    }
    facts.in_local_passwd = read_local_accounts(cfg_).users.count(name_) != 0;
    ctx_.subject = classify(facts);

    if (facts.name_is_root) {
        add("user", "user.root", Level::ok,
            "root is never a directory user; only the directory's root-login rule applies");
        if (facts.cache == CacheState::ok)
            add("user", "policy.root_login", (ctx_.policy & cachefmt::kRootLogin) ? Level::ok : Level::warn,
                (ctx_.policy & cachefmt::kRootLogin)
                    ? "the directory allows root login over ssh (sshd_config's PermitRootLogin still applies)"
                    : "the directory forbids root login over ssh: pam_dirbind refuses it",
                (ctx_.policy & cachefmt::kRootLogin) ? ""
                                                     : "allow root login for this system in the directory");
        return false;
    }
    if (!in_cache_) {
        std::string why = "not in the dirbind cache";
        std::string fix = "bind the user to this host in the directory, then: dirbind sync";
        for (const Skipped& s : status_.skipped_records)
            if (s.what == "user" && s.name == name_) {
                why = "skipped by the last sync: " + s.reason;
                fix =
                    "fix the record in the directory (dirbind check-config lists every problem), then: "
                    "dirbind sync";
            }
        if (facts.cache == CacheState::ok)
            add("user", "user.cached", facts.nss_found ? Level::warn : Level::fail,
                name_ + " is " + why +
                    (facts.nss_found ? "; it resolves through another source, so dirbind leaves it alone"
                                     : ""),
                facts.nss_found ? "" : fix);
        return false;
    }
    add("user", "user.cached", Level::ok,
        name_ + " is in the cache: uid " + std::to_string(uid_) + ", gid " + std::to_string(gid_) +
            ", home " + home_);
    if (facts.in_local_passwd) {
        add("user", "nss.shadowed", Level::fail,
            "a local account " + name_ + " in " + cfg_.local_passwd +
                " shadows the directory user: the local account wins and pam_dirbind ignores the name",
            "remove or rename the local account (userdel " + name_ + ") or rename the directory user");
        return false;
    }
    if (!facts.nss_found) {
        add("user", "nss.resolves", Level::fail,
            name_ + " does not resolve through NSS (getent passwd " + name_ +
                " is empty): sshd says \"Invalid user\"",
            "add dirbind after files on the passwd, group and shadow lines of /etc/nsswitch.conf "
            "(passwd: files dirbind); if nscd runs: nscd -i passwd");
        return true;  // what the cache says still counts once NSS is fixed
    }
    if (facts.nss_uid != uid_) {
        add("user", "nss.shadowed", Level::fail,
            name_ + " resolves to uid " + std::to_string(facts.nss_uid) + ", not the directory's " +
                std::to_string(uid_) + ": another NSS source answers first and wins",
            "remove the other account of that name, or list dirbind before that source in "
            "/etc/nsswitch.conf");
        return false;
    }
    nss_ok_ = true;
    add("user", "nss.resolves", Level::ok,
        name_ + " resolves through NSS to uid " + std::to_string(uid_) + " as sshd sees it");
    return true;
}

void UserDoctor::methods() {
    UserState st = ctx_.account.state;
    if (st != UserState::active) {
        add("user", "user.state", Level::fail,
            std::string("state ") + to_string(st) + " in the directory: pam_dirbind refuses every login",
            "activate the user in the directory, then: dirbind sync");
        return;
    }
    add("user", "user.state", Level::ok, "state active: bound to this host");
    bool any = false;
    bool mfa = mfa_required(ctx_);
    // Public key: the rules as sshd would report a login with the user's first directory key.
    if (keys_.empty()) {
        add("user", "method.publickey", Level::warn, "public key: the directory holds no key for " + name_,
            "add the user's public key (.pub) in the directory");
    } else {
        PublicKey k = parse_public_key(keys_.front().line);
        std::string step = "publickey " + k.type + " " + k.base64;
        Decision d = judge(ctx_, step);
        if (d.verdict == Verdict::allow) {
            any = true;
            add("user", "method.publickey", Level::ok,
                "public key: allowed (the system and the user allow public keys)");
        } else if (d.reason == Reason::mfa_not_done) {
            Decision chain = judge(ctx_, step + "\nkeyboard-interactive/pam");
            any = any || chain.verdict == Verdict::allow;
            add("user", "method.publickey", chain.verdict == Verdict::allow ? Level::ok : Level::warn,
                "public key: allowed only followed by the verification code (MFA): sshd must run "
                "keyboard-interactive after the key",
                "AuthenticationMethods publickey,keyboard-interactive in sshd_config (dirbind doctor checks "
                "it)");
        } else {
            add("user", "method.publickey", Level::warn, "public key: refused: " + d.user_message,
                "allow public keys for this system and for the user in the directory");
        }
    }
    Decision d = judge(ctx_, "keyboard-interactive/pam");
    bool has_hash = (flags_ & cachefmt::kUserHasPassword) != 0;
    if (d.verdict != Verdict::allow)
        add("user", "method.password", Level::warn, "password: refused: " + d.user_message,
            "allow password login for this system in the directory");
    else if (!has_hash)
        add("user", "method.password", Level::warn,
            "password: allowed by the policy, but the directory holds no password for " + name_,
            "set a password for the user in the directory");
    // pam_dirbind checks passwords and codes against secrets.db: without it both are refused
    // (PAM_AUTHINFO_UNAVAIL), whatever the policy says.
    ScopedCache secrets(cfg_.cache_dir.c_str(), cachefmt::kSecrets);
    Pin pin;
    bool secrets_ok = pin.acquire(secrets.get()) == Err::ok;
    bool secrets_known = secrets_ok || ::geteuid() == 0;
    if (d.verdict == Verdict::allow && has_hash && !secrets_ok && secrets_known)
        add("user", "method.password", Level::fail,
            std::string("password: allowed, but ") + secrets.path() +
                (::access(secrets.path(), F_OK) == 0 ? " cannot be trusted (owner, mode or content)"
                                                     : " does not exist") +
                ": pam_dirbind cannot check the password and refuses it",
            "dirbind sync --force  # rewrites secrets.db root-owned, 0600");
    else if (d.verdict == Verdict::allow && has_hash) {
        any = true;
        add("user", "method.password", Level::ok,
            std::string("password: allowed (keyboard-interactive") +
                (mfa ? ", then the verification code)" : ")"));
    }
    if (mfa) {
        SecretView sv;
        if (!secrets_ok) {
            add("user", "method.mfa", Level::warn,
                std::string("MFA: required; cannot read ") + secrets.path() +
                    " to check the TOTP secret (run as root)");
        } else if (find_secret(pin, name_.c_str(), &sv) != Err::ok || sv.totp_secret[0] == '\0') {
            any = false;
            add("user", "method.mfa", Level::fail,
                "MFA: " + name_ +
                    " is enrolled and the system requires MFA, but the cache holds no TOTP secret: "
                    "every login is refused (fail closed)",
                "publish the user's totp_secret, exclude the user from MFA, or turn MFA off for the system");
        } else {
            add("user", "method.mfa", Level::ok,
                "MFA: required; a verification code is asked after the key or password");
            totp_record();
        }
    } else if (ctx_.policy & cachefmt::kMfa) {
        add("user", "method.mfa", Level::ok,
            "MFA: on for the system, but " + name_ + " is not enrolled: no code asked");
    }
    if (!any)
        add("user", "method.any", Level::fail, "no login method works for " + name_ + " on this host",
            "see the refused methods above");
}

// The replay record read as pam_dirbind reads it before it accepts a code: one it cannot trust
// refuses every code (fail closed) until it is removed or its directory fixed.
void UserDoctor::totp_record() {
    const std::string dir = cfg_.cache_dir + "/" + kTotpStateDir;
    const std::string path = dir + "/" + name_;
    std::uint64_t last = 0;
    std::string why;
    switch (totp_check_record(dir, name_, uid_, &last, &why)) {
        case TotpRecord::none:
            add("user", "mfa.record", Level::ok,
                "MFA: no replay record for " + name_ + " yet (" + path + ")");
            return;
        case TotpRecord::ok:
            add("user", "mfa.record", Level::ok,
                "MFA: replay record " + path + " is sound (last code used at step " + std::to_string(last) +
                    ")");
            return;
        case TotpRecord::failed:
            break;
    }
    // Removing the record forgets only the last step used (docs/pam.md, MFA); a directory that
    // cannot be trusted is made root's and private again.
    bool record = why.rfind(path + ":", 0) == 0;
    add("user", "mfa.record", Level::fail,
        "MFA: " + printable(why, 300) + ": pam_dirbind refuses every verification code of " + name_ +
            " until it is fixed",
        record ? "rm " + path + "  # forgets only the last code used; the next login writes it anew"
               : "chown root: " + dir + "; chmod 0700 " + dir + " (and " + cfg_.cache_dir +
                     " root's, not writable by group/others)");
}

// What pam_dirbind's login_refresh would decide at a login now: the same question as `dirbind
// refresh-user` (the source, through the plugin, within login_refresh.timeout), the answer
// through the same parser and account rules as in the module, nothing written.
void UserDoctor::login_refresh() {
    // Asked at login only when the cache allows: a refusal stands whatever the directory says.
    if (!cfg_.login_refresh.enabled || ctx_.account.state != UserState::active) return;
    const std::uint32_t total = cfg_.login_refresh.timeout_ms;
    RefreshVerdict v;
    std::string why;
    try {
        UserFetch f = fetch_user(cfg_, name_, std::max<std::uint32_t>(1, total - total / 10));
        if (std::string bad = parse_refresh_verdict(format_refresh_verdict(name_, f), name_, &v);
            !bad.empty())
            why = "unusable answer: " + bad;
    } catch (const Error& e) {
        why = e.what();
    }
    if (!why.empty()) {
        add("user", "login_refresh", Level::warn,
            "login_refresh: " + describe_source(cfg_) + " cannot be asked about " + name_ + " now (" +
                printable(why, 300) + "): at login the cache's allow stands (logged: login_refresh failed)",
            "check the network, the source settings and the credentials (dirbind check-config)");
        return;
    }
    // A login as the cache would allow it: with the first directory key, or the password.
    std::string step = "keyboard-interactive/pam";
    if (!keys_.empty()) {
        PublicKey k = parse_public_key(keys_.front().line);
        step = "publickey " + k.type + " " + k.base64;
    }
    LoginContext c = ctx_;
    c.service = "sshd";
    c.auth_info = step;
    Decision d = decide_refresh(c, v, kNoUnmanaged);
    if (d.verdict == Verdict::deny)
        add("user", "login_refresh", Level::fail,
            "login_refresh will refuse " + name_ + ": " +
                (d.user_message.empty() ? d.log_message : d.user_message) +
                " (what the directory says now; the cache does not say it yet)",
            "dirbind sync  # brings the cache in line; or, if the directory is wrong, fix " + name_ +
                " there");
    else
        add("user", "login_refresh", Level::ok,
            std::string("login_refresh: the directory ") +
                (v.kind == RefreshVerdict::Kind::unchanged
                     ? "says nothing changed since the last sync"
                     : "agrees with the cache: " + name_ + " may log in"));
}

void UserDoctor::keys() {
    std::size_t n = 0;
    for (const CachedKey& k : keys_) {
        ++n;
        try {
            add("keys", "key.parsed", Level::ok,
                "key '" + printable(k.label, 64) + "': " + describe(parse_public_key(k.line)));
        } catch (const Error& e) {
            add("keys", "key.parsed", Level::fail,
                "key '" + printable(k.label, 64) + "' in the cache does not parse: " + e.what(),
                "dirbind sync --force");
        }
    }
    for (const Skipped& s : status_.skipped_records)
        if (s.what == "key" && s.name == name_)
            add("keys", "key.dropped", Level::fail, "dropped by the last sync: " + s.reason,
                "replace it in the directory with the one-line public key (the .pub file), then: dirbind "
                "sync");
    if (status_.skipped > status_.skipped_records.size())
        add("keys", "key.dropped", Level::warn,
            "the last sync skipped more records than status.json keeps; dirbind check-config lists them all",
            "dirbind check-config");
    if (n > 0 && (ctx_.policy & cachefmt::kPublicKeyAuth) == 0)
        add("keys", "key.served", Level::warn,
            "public keys are off for this system: sshd is given none of these keys");
}

// Not a login failure, but the admin guide's most asked one: sudo refusing a directory admin.
void UserDoctor::sudo() {
    if (sudo_.rfind("no (", 0) != 0) {
        add("user", "user.sudo", Level::ok, "sudo: " + sudo_);
        return;
    }
    bool no_hash = sudo_.find("no password hash") != std::string::npos;
    add("user", "user.sudo", Level::warn, "sudo: " + sudo_ + ": sudo refuses " + name_,
        no_hash ? "give the user sudo: nopasswd in the directory, or use a source that hands out password hashes"
                : "dirbind check-config (sudo groups); dirbind lookup user " + name_);
}

void UserDoctor::files() {
    for (const PathFinding& f : check_strict_modes(home_, name_, uid_, cfg_.unmanaged_keys_file))
        add("files", f.level == Finding::ok ? "files.ok" : "files.mode",
            f.level == Finding::ok     ? Level::ok
            : f.level == Finding::warn ? Level::warn
                                       : Level::fail,
            f.message, f.fix);
}

void UserDoctor::pasted_key() {
    PastedKey p = diagnose_pasted_key(*o_.key);
    if (p.kind == PastedKind::private_key) {
        add("key", "key.private", Level::fail, "the given key: " + p.problem);
        return;
    }
    if (p.kind == PastedKind::damaged) {
        add("key", "key.damaged", Level::fail, "the given key is damaged: " + p.problem,
            "copy the whole .pub file again as one line (ssh-keygen -y -f KEYFILE prints it)");
        return;
    }
    std::string desc = describe(p.key);
    const CachedKey* match = nullptr;
    for (const CachedKey& k : keys_)
        if (lists_key({k.line}, p.key)) match = &k;
    if (match == nullptr) {
        add("key", "key.match", Level::fail,
            "the given key (" + desc + ") is not one of " + name_ +
                "'s directory keys: sshd will not accept it",
            "add it to the user's keys in the directory (or to ~/.ssh/" + cfg_.unmanaged_keys_file +
                "), then: dirbind sync");
        return;
    }
    add("key", "key.match", Level::ok,
        "the given key (" + desc + ") is directory key '" + printable(match->label, 64) + "'");
    Decision d = judge(ctx_, "publickey " + p.key.type + " " + p.key.base64);
    if (d.reason == Reason::mfa_not_done)
        d = judge(ctx_, "publickey " + p.key.type + " " + p.key.base64 + "\nkeyboard-interactive/pam");
    if (d.verdict == Verdict::allow && !nss_ok_)
        add("key", "key.accepted", Level::fail,
            "the key is allowed, but sshd refuses " + name_ + " until the name resolves through NSS (above)");
    else if (d.verdict == Verdict::allow)
        add("key", "key.accepted", Level::ok,
            "sshd would accept this key for " + name_ + " now" +
                (mfa_required(ctx_) ? " (followed by the verification code)" : ""));
    else
        add("key", "key.accepted", Level::fail,
            "pam_dirbind would refuse a login with this key now: " + d.user_message);
}

void UserDoctor::fix() {
    if (::geteuid() != 0) {
        add("fix", "fix.root", Level::fail, "--fix changes owners and modes: run it as root",
            "sudo dirbind doctor " + name_ + " --fix");
        return;
    }
    ProvisionRequest req = provision_request(cfg_, name_, uid_, gid_, home_, {});
    ProvisionResult res = repair_ssh_modes(req);
    add("fix", "fix.result", res.code == Err::ok ? Level::ok : Level::fail,
        (res.code == Err::ok ? "repaired: " : "not repaired: ") + res.message);
}

void UserDoctor::run() {
    bool directory_user = identity();
    if (!directory_user) {
        if (o_.key && !in_cache_) pasted_key();
        return;
    }
    methods();
    login_refresh();
    sudo();
    keys();
    if (o_.key) pasted_key();
    if (o_.fix) fix();
    files();
}

}  // namespace

void check_user(const Config& cfg, const DoctorOptions& o, Report* r) {
    UserDoctor(cfg, o, r).run();
}

}  // namespace dirbind::cli
