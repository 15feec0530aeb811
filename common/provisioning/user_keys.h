// SPDX-License-Identifier: Apache-2.0
// user_keys.h — which of a cached user's keys sshd may accept now, and the provisioning
// request for that user; shared by `dirbind authorized-keys`, the sync's key refresh and
// pam_dirbind's session.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cache/cache_reader.h"
#include "config/config.h"
#include "provisioning/provision.h"

namespace dirbind {

// The user's directory key lines when the system policy (Pin::policy() bits) and the user
// allow public keys and the user is active; otherwise none.
std::vector<std::string> effective_keys(const UserView& u, std::uint32_t policy);

// A ProvisionRequest for one user with `keys`, the config's home base, key options,
// unmanaged-keys name and the state dir <cache_dir>/keys.
ProvisionRequest provision_request(const Config& cfg, const std::string& user, std::uint32_t uid, std::uint32_t gid,
                                   const std::string& home, std::vector<std::string> keys);

}  // namespace dirbind
