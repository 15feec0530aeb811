// SPDX-License-Identifier: Apache-2.0
// user_keys.cc — implementation of user_keys.h.
#include "provisioning/user_keys.h"

#include "cache/cache_format.h"
#include "directory/model.h"

namespace dirbind {

std::vector<std::string> effective_keys(const UserView& u, std::uint32_t policy) {
    std::vector<std::string> keys;
    if (!(policy & cachefmt::kPublicKeyAuth) || !(u.flags & cachefmt::kUserPublicKeyAuth) ||
        u.state != static_cast<std::uint8_t>(UserState::active))
        return keys;
    std::size_t pos = 0;
    while (next_string(u.keys, &pos) != nullptr) {  // the key's name
        const char* line = next_string(u.keys, &pos);
        if (line != nullptr) keys.emplace_back(line);
    }
    return keys;
}

ProvisionRequest provision_request(const Config& cfg, const std::string& user, std::uint32_t uid, std::uint32_t gid,
                                   const std::string& home, std::vector<std::string> keys) {
    ProvisionRequest r;
    r.user = user;
    r.uid = uid;
    r.gid = gid;
    r.home = home;
    r.home_base = home_base(cfg);
    r.keys = std::move(keys);
    r.key_options = cfg.key_options;
    r.unmanaged_name = cfg.unmanaged_keys_file;
    r.state_dir = cfg.cache_dir + "/keys";
    return r;
}

}  // namespace dirbind
