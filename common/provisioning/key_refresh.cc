// SPDX-License-Identifier: Apache-2.0
// key_refresh.cc — implementation of key_refresh.h.
#include "provisioning/key_refresh.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cache/cache_format.h"
#include "provisioning/user_keys.h"
#include "system/log.h"

namespace dirbind {
namespace {

// Whether homes are existing directories, for many homes. On a first sync almost no home
// exists yet, and one lstat() per user was a large part of a big sync (system calls are
// slow in VMs). Homes share few parents: a parent asked about often is listed once, and only
// homes found in its listing are lstat()ed.
class HomeProbe {
public:
    bool is_dir(const std::string& home) {
        std::size_t slash = home.rfind('/');
        if (slash != std::string::npos && slash + 1 < home.size()) {
            std::string_view dir = std::string_view(home).substr(0, slash);
            if (last_ == nullptr || dir != last_dir_) {  // homes from the template share one parent
                last_dir_ = dir;
                last_ = &parents_[last_dir_];
            }
            Parent& p = *last_;
            if (p.asked < kListAfter) {
                ++p.asked;
            } else {
                if (p.asked == kListAfter) list(last_dir_, &p);
                if (p.listed && !p.names.count(std::string_view(home).substr(slash + 1))) return false;
            }
        }
        struct stat st;
        return lstat(home.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    }

private:
    // A parent with few homes is cheaper to lstat() home by home than to list.
    static constexpr unsigned kListAfter = 32;
    struct Parent {
        unsigned asked = 0;
        bool listed = false;  // `names` holds the parent's entries
        std::unordered_set<std::string_view> names;
        std::string storage;  // the names' bytes
    };

    static void list(const std::string& dir, Parent* p) {
        p->asked = kListAfter + 1;
        DIR* d = opendir(dir.empty() ? "/" : dir.c_str());
        if (d == nullptr) {
            // No parent, no homes in it; any other failure: ask lstat() for each home.
            p->listed = errno == ENOENT || errno == ENOTDIR;
            return;
        }
        std::vector<std::size_t> ends;
        errno = 0;
        while (const dirent* e = readdir(d)) {
            p->storage += e->d_name;
            ends.push_back(p->storage.size());
        }
        bool ok = errno == 0;
        closedir(d);
        if (!ok) {
            p->storage.clear();
            return;
        }
        std::size_t start = 0;
        p->names.reserve(ends.size());
        for (std::size_t end : ends) {
            p->names.insert(std::string_view(p->storage).substr(start, end - start));
            start = end;
        }
        p->listed = true;
    }

    std::unordered_map<std::string, Parent> parents_;  // node-based: last_ stays valid
    std::string last_dir_;
    Parent* last_ = nullptr;
};

// Every key a user's authorized_keys would get follows from these fields (user_keys.h's
// effective_keys): when they are all equal, so are the keys, and nothing is allocated to
// find out. Key names are included, so a renamed key still compares the full lists.
bool same_inputs(const UserView& a, std::uint32_t a_policy, const UserView& b, std::uint32_t b_policy) {
    return (a_policy & cachefmt::kPublicKeyAuth) == (b_policy & cachefmt::kPublicKeyAuth) &&
           (a.flags & cachefmt::kUserPublicKeyAuth) == (b.flags & cachefmt::kUserPublicKeyAuth) &&
           a.state == b.state && a.keys.count == b.keys.count && a.keys.len == b.keys.len &&
           (a.keys.len == 0 || std::memcmp(a.keys.p, b.keys.p, a.keys.len) == 0);
}

}  // namespace

CacheSnapshot::CacheSnapshot(const std::string& cache_dir) noexcept
    : cache_(cache_dir.c_str(), cachefmt::kIdentity), ok_(pin_.acquire(cache_.get()) == Err::ok) {}

std::size_t refresh_authorized_keys(const Config& cfg, const CacheSnapshot& before,
                                    const Directory& written) {
    if (geteuid() != 0) return 0;  // only root can act as each user
    ScopedCache cache(cfg.cache_dir.c_str(), cachefmt::kIdentity);
    Pin now;
    bool have_now = now.acquire(cache.get()) == Err::ok;
    const Pin* old = before.pin();
    HomeProbe homes;
    std::size_t rebuilt = 0;
    auto rebuild = [&](const UserView& u, std::vector<std::string> keys) {
        ProvisionResult res =
            rebuild_authorized_keys(provision_request(cfg, u.name, u.uid, u.gid, u.home, std::move(keys)));
        if (res.code != Err::ok)
            log(LogLevel::warning, std::string("authorized_keys of ") + u.name + ": " + res.message);
        else
            ++rebuilt;
    };
    // Users in the new cache whose state changed, new ones included. Only those with a home
    // can need a rebuild, and `written` says where the homes are without reading the whole
    // new cache back; what to write still comes from the cache, as sshd will see it.
    UserView u, was;
    for (const User& w : written.users) {
        if (!have_now || !homes.is_dir(w.home)) continue;  // no home yet: the login makes it
        if (find_user(now, w.name.c_str(), &u) != Err::ok) continue;
        bool same_place = old != nullptr && find_user(*old, u.name, &was) == Err::ok && u.uid == was.uid &&
                          u.gid == was.gid && std::strcmp(u.home, was.home) == 0;
        if (same_place && same_inputs(u, now.policy(), was, old->policy())) continue;
        if (std::strcmp(u.home, w.home.c_str()) != 0 && !homes.is_dir(u.home)) continue;
        std::vector<std::string> keys = effective_keys(u, now.policy());
        if (same_place && keys == effective_keys(was, old->policy())) continue;
        rebuild(u, std::move(keys));
    }
    // Users that left the directory: their directory keys are revoked.
    for (std::uint32_t i = 0; old != nullptr && user_at(*old, i, &was) == Err::ok; ++i) {
        if (!homes.is_dir(was.home)) continue;
        if (have_now && find_user(now, was.name, &u) == Err::ok) continue;
        if (effective_keys(was, old->policy()).empty()) continue;
        rebuild(was, {});
    }
    return rebuilt;
}

}  // namespace dirbind
