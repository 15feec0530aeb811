// SPDX-License-Identifier: Apache-2.0
// pam_facts.cc — the module's I/O: who the PAM user is (NSS, local passwd file, cache), the
// cached secret, the unmanaged-keys file, and provisioning (pam_module.h).
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <security/pam_ext.h>
#include <security/pam_modutil.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>

#include "cache/cache_format.h"
#include "cache/cache_reader.h"
#include "directory/validate.h"
#include "pam_module.h"
#include "provisioning/provision.h"
#include "provisioning/user_keys.h"
#include "system/log.h"
#include "system/safe_fs.h"

namespace dirbind::pam {
namespace {

// Whether `name` has an entry in the passwd-format file at `path` (the local accounts; a
// missing file holds none). Read line by line: /etc/passwd may be large.
bool in_passwd_file(const std::string& path, const std::string& name) {
    std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "re"), std::fclose);
    if (!f) {
        if (errno != ENOENT) log(LogLevel::warning, path + ": cannot read: " + std::strerror(errno));
        return false;
    }
    char* line = nullptr;
    std::size_t cap = 0;
    bool found = false;
    while (!found && getline(&line, &cap, f.get()) > 0)
        found = std::strncmp(line, name.c_str(), name.size()) == 0 && line[name.size()] == ':';
    std::free(line);
    return found;
}


std::vector<std::string> key_lines(const UserView& u) {
    std::vector<std::string> keys;
    std::size_t pos = 0;
    while (next_string(u.keys, &pos) != nullptr) {  // the key's label
        const char* line = next_string(u.keys, &pos);
        if (line != nullptr) keys.emplace_back(line);
    }
    return keys;
}

// Reads the identity cache into `f`; sets facts->cache and the directory account.
void read_identity(const Config& cfg, const std::string& user, Facts* f, SubjectFacts* facts) {
    ScopedCache cache(cfg.cache_dir.c_str(), cachefmt::kIdentity);
    Pin pin;
    if (pin.acquire(cache.get()) != Err::ok) {
        // Missing (never synced) and unreadable (present but refused) differ for the root rule;
        // a file anybody but root could have removed counts as unreadable.
        facts->cache = cache_never_written(cache.get()) ? CacheState::missing : CacheState::unreadable;
        log(facts->cache == CacheState::missing ? LogLevel::debug : LogLevel::error,
            std::string("cache ") + cache.path() +
                (facts->cache == CacheState::missing
                     ? " does not exist (never synced)"
                     : " cannot be trusted or read (a file or directory not root's, or writable by others?)"));
        return;
    }
    facts->cache = CacheState::ok;
    f->ctx.policy = pin.policy();
    UserView u;
    Err e = find_user(pin, user.c_str(), &u);
    if (e == Err::not_found) return;
    if (e != Err::ok) {
        facts->cache = CacheState::unreadable;
        log(LogLevel::error, std::string("cache ") + cache.path() + ": corrupt record");
        return;
    }
    facts->in_cache = true;
    facts->cache_uid = u.uid;
    f->uid = u.uid;
    f->gid = u.gid;
    f->home = u.home;
    f->ctx.account.name = user;
    f->ctx.account.state = static_cast<UserState>(u.state);
    f->ctx.account.public_key_auth = (u.flags & cachefmt::kUserPublicKeyAuth) != 0;
    f->ctx.account.mfa_enrolled = (u.flags & cachefmt::kUserHasTotp) != 0;
    f->ctx.account.keys = key_lines(u);
}

// Opens `name` in `dirfd` as a directory without following a symlink; it must belong to `uid`.
UniqueFd open_owned_dir(int dirfd, const std::string& name, uid_t uid, const std::string& path,
                        std::string* why) {
    UniqueFd fd(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    struct stat st;
    if (!fd || ::fstat(fd.get(), &st) != 0) {
        *why = path + ": " + (errno == ELOOP ? "is a symbolic link" : std::strerror(errno));
        return UniqueFd();
    }
    if (st.st_uid != uid) {
        *why = path + ": not owned by the user";
        return UniqueFd();
    }
    return fd;
}

}  // namespace

int gather(pam_handle_t* pamh, const Setup& s, Facts* f) {
    const char* user = nullptr;
    int rc = pam_get_user(pamh, &user, nullptr);
    if (rc != PAM_SUCCESS) return rc;
    if (user == nullptr) return PAM_USER_UNKNOWN;
    f->user = user;
    const void* item = nullptr;
    if (pam_get_item(pamh, PAM_SERVICE, &item) == PAM_SUCCESS && item != nullptr)
        f->ctx.service = static_cast<const char*>(item);
    if (const char* info = pam_getenv(pamh, "SSH_AUTH_INFO_0")) f->ctx.auth_info = std::string(info);

    SubjectFacts facts;
    facts.name_is_root = f->user == "root";
    if (const passwd* pw = pam_modutil_getpwnam(pamh, user)) {
        facts.nss_found = true;
        facts.nss_uid = pw->pw_uid;
    }
    // Also for names valid_name() refuses (find_user answers not_found): root's rule needs the policy.
    read_identity(s.cfg, f->user, f, &facts);
    f->ctx.cache = facts.cache;
    // Only needed when the cache does not settle it; /etc/passwd may be long.
    if (!facts.name_is_root && (facts.in_cache || facts.cache != CacheState::ok))
        facts.in_local_passwd = in_passwd_file(s.cfg.local_passwd, f->user);
    f->ctx.subject = classify(facts);
    if (f->ctx.subject == Subject::other && facts.in_cache)
        log(LogLevel::warning,
            "user " + f->user + " is in the dirbind cache but a local account of that name " +
                (facts.in_local_passwd ? "exists in " + s.cfg.local_passwd : "resolves first") +
                "; leaving it to the local account");
    return PAM_SUCCESS;
}

Err read_secret(const Config& cfg, const std::string& user, std::string* hash, UserState* state,
                std::string* totp_secret) {
    ScopedCache cache(cfg.cache_dir.c_str(), cachefmt::kSecrets);
    Pin pin;
    if (pin.acquire(cache.get()) != Err::ok) {
        log(LogLevel::error, std::string("cache ") + cache.path() + " is missing, cannot be trusted or read");
        return Err::unavailable;
    }
    SecretView sv;
    Err e = find_secret(pin, user.c_str(), &sv);
    if (e != Err::ok) return e;
    *hash = sv.password_hash;
    *state = static_cast<UserState>(sv.state);
    if (totp_secret != nullptr) *totp_secret = sv.totp_secret;
    return Err::ok;
}

UnmanagedKeys read_unmanaged_keys(const Config& cfg, const Facts& f) {
    UnmanagedKeys out;
    if (std::string r = check_home(cfg, f.home); !r.empty()) {
        out.problem = r;
        return out;
    }
    std::size_t slash = f.home.rfind('/');
    std::string parent = slash == 0 ? "/" : f.home.substr(0, slash);
    // Not `trusted`: every component is opened O_NOFOLLOW and the owner checks below decide.
    UniqueFd pfd = open_dir_nofollow(parent, false, &out.problem);
    if (!pfd) return out;
    UniqueFd home = open_owned_dir(pfd.get(), f.home.substr(slash + 1), f.uid, f.home, &out.problem);
    if (!home) return out;
    const std::string ssh_path = f.home + "/.ssh";
    UniqueFd ssh(::openat(home.get(), ".ssh", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!ssh && errno == ENOENT) return out;  // no ~/.ssh: no hand-added keys
    if (!ssh) {
        out.problem = ssh_path + ": " + (errno == ELOOP ? "is a symbolic link" : std::strerror(errno));
        return out;
    }
    struct stat st;
    if (::fstat(ssh.get(), &st) != 0 || st.st_uid != f.uid || (st.st_mode & 022) != 0) {
        // sshd's StrictModes would not trust it either.
        out.problem = ssh_path + ": not owned by the user, or writable by others";
        return out;
    }
    const std::string path = ssh_path + "/" + cfg.unmanaged_keys_file;
    CheckedRead r = read_checked_at(ssh.get(), cfg.unmanaged_keys_file, f.uid, kMaxKeysFileBytes);
    switch (r.status) {
        case ReadStatus::ok:
            break;
        case ReadStatus::missing:
            return out;
        case ReadStatus::unsafe:
        case ReadStatus::too_big:
            out.problem = path + ": " + r.reason;
            return out;
        case ReadStatus::failed:
            out.problem = path + ": " + std::strerror(r.err);
            return out;
    }
    std::vector<std::string> errors;
    for (auto& k : parse_authorized_keys(r.data, path, &errors)) out.keys.push_back(std::move(k.key));
    for (const auto& e : errors) log(LogLevel::warning, e);
    return out;
}

std::string provision(const Setup& s, const Facts& f, std::vector<std::string> keys) {
    if (!s.config_ok) return "the configuration could not be loaded (key options and home template unknown)";
    if (::geteuid() != 0) return "not running as root";
    if (std::string r = check_home(s.cfg, f.home); !r.empty()) return f.home + ": " + r;
    ProvisionRequest req = provision_request(s.cfg, f.user, f.uid, f.gid, f.home, std::move(keys));
    ProvisionResult r = provision_user(req);
    if (r.code != Err::ok) return r.message.empty() ? std::string(to_string(r.code)) : r.message;
    log(LogLevel::info, "user " + f.user + ": " + r.message + " (" + std::to_string(r.keys_written) +
                            " keys written, " + std::to_string(r.keys_removed) + " revoked removed)");
    return "";
}

}  // namespace dirbind::pam
