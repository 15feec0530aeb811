// SPDX-License-Identifier: Apache-2.0
// account_values.h — the per-user values the cache stores as single bytes (cache_format.h
// kUserState, kUserSudo, kSecretState), defined beside the format because their numbers are on
// disk: append only, never renumbered. The model (directory/model.h) uses them as they are.
#pragma once

#include <cstdint>

namespace dirbind {

enum class UserState : std::uint8_t { active = 0, suspended = 1, locked = 2, staged = 3, expired = 4 };
enum class Sudo : std::uint8_t { none = 0, password = 1, nopasswd = 2 };

}  // namespace dirbind
