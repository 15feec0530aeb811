// SPDX-License-Identifier: Apache-2.0
// cmd_authorized_keys.cc — `dirbind authorized-keys USER [UID] [FINGERPRINT]`, sshd's
// AuthorizedKeysCommand (`%u %U %f`): the user's keys from the local cache only, re-serialised
// with the configured options. Anything unknown, inactive, disallowed or not the account sshd
// resolved prints nothing and exits 0, so sshd simply finds no key; it never touches the network.
#include <pwd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "cache/cache_format.h"
#include "cache/cache_reader.h"
#include "cache/names.h"
#include "commands.h"
#include "config/config.h"
#include "directory/validate.h"
#include "login/login_policy.h"
#include "openssh/sshkey.h"
#include "provisioning/user_keys.h"
#include "system/log.h"

namespace dirbind::cli {

namespace {
constexpr std::size_t kMaxOutput = 1 << 20;  // sshd reads this as a file; keep it bounded

bool all_digits(const std::string& s) {
    return !s.empty() && s.size() <= 10 && s.find_first_not_of("0123456789") == std::string::npos;
}

// "Local account wins", as pam_dirbind classifies (login_policy.h classify): the keys are the
// directory user's only when the name resolves through NSS to the cached uid — the account sshd
// will log into — and is not a local account; with sshd's %U, that uid must be the cached one.
bool is_the_directory_account(const Config& cfg, const std::string& user, const UserView& u, const char* sshd_uid) {
    SubjectFacts f;
    f.name_is_root = user == "root";
    f.cache = CacheState::ok;
    f.in_cache = true;
    f.cache_uid = u.uid;
    passwd pw, *res = nullptr;
    std::vector<char> buf(16384);
    if (getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &res) == 0 && res != nullptr) {
        f.nss_found = true;
        f.nss_uid = res->pw_uid;
    }
    f.in_local_passwd = read_local_accounts(cfg).users.count(user) != 0;
    std::string why;
    if (!f.nss_found)
        why = "the name does not resolve through NSS";
    else if (classify(f) != Subject::directory_user)
        why = "another account of that name resolves first (local account wins)";
    else if (sshd_uid != nullptr && std::to_string(u.uid) != sshd_uid)
        why = std::string("sshd resolved uid ") + sshd_uid + ", not the directory's " + std::to_string(u.uid);
    if (why.empty()) return true;
    log(LogLevel::warning, "user " + user + ": no directory keys printed: " + why);
    return false;
}

}  // namespace

int cmd_authorized_keys(const Args& a) {
    if (a.words.empty() || a.words.size() > 3)
        return usage_error("usage: dirbind authorized-keys USER [UID] [FINGERPRINT]");
    const std::string& user = a.words[0];
    // sshd's %U is all digits; a fingerprint ("SHA256:…") never is.
    const bool has_uid = a.words.size() > 1 && all_digits(a.words[1]);
    const std::string* want_fp = a.words.size() > (has_uid ? 2u : 1u) ? &a.words.back() : nullptr;
    if (a.words.size() == 3 && !has_uid) return usage_error("usage: dirbind authorized-keys USER [UID] [FINGERPRINT]");
    if (!valid_name(user.data(), user.size())) return 0;
    Config cfg = load_config(a.config);
    ScopedCache cache(cfg.cache_dir.c_str(), cachefmt::kIdentity);
    Pin pin;
    UserView u;
    if (pin.acquire(cache.get()) != Err::ok) {
        log(LogLevel::error, std::string("cache ") + cache.path() + " is missing or unreadable");
        return 0;
    }
    if (find_user(pin, user.c_str(), &u) != Err::ok) return 0;
    if (!is_the_directory_account(cfg, user, u, has_uid ? a.words[1].c_str() : nullptr)) return 0;
    std::string out;
    for (const std::string& line : effective_keys(u, pin.policy())) {
        try {
            PublicKey k = parse_public_key(line);
            if (want_fp != nullptr && fingerprint(k) != *want_fp) continue;
            std::string entry = (cfg.key_options.empty() ? "" : cfg.key_options + " ") + to_line(k) + "\n";
            if (out.size() + entry.size() > kMaxOutput) break;
            out += entry;
        } catch (const Error& e) {
            log(LogLevel::warning, "user " + user + ": cached key refused: " + e.what());
        }
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace dirbind::cli
