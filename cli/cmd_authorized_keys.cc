// SPDX-License-Identifier: Apache-2.0
// cmd_authorized_keys.cc — `dirbind authorized-keys USER [FINGERPRINT]`, sshd's
// AuthorizedKeysCommand: the user's keys from the local cache only, re-serialised with the
// configured options. Anything unknown, inactive or disallowed prints nothing and exits 0,
// so sshd simply finds no key; it never touches the network.
#include <cstdio>
#include <string>

#include "cache/cache_format.h"
#include "cache/cache_reader.h"
#include "cache/names.h"
#include "commands.h"
#include "config/config.h"
#include "openssh/sshkey.h"
#include "provisioning/user_keys.h"
#include "system/log.h"

namespace dirbind::cli {

namespace {
constexpr std::size_t kMaxOutput = 1 << 20;  // sshd reads this as a file; keep it bounded
}

int cmd_authorized_keys(const Args& a) {
    if (a.words.empty() || a.words.size() > 2) return usage_error("usage: dirbind authorized-keys USER [FINGERPRINT]");
    const std::string& user = a.words[0];
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
    std::string out;
    for (const std::string& line : effective_keys(u, pin.policy())) {
        try {
            PublicKey k = parse_public_key(line);
            if (a.words.size() == 2 && fingerprint(k) != a.words[1]) continue;
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
