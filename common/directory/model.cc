// SPDX-License-Identifier: Apache-2.0
// model.cc — names of the model's enums, as the directory document spells them.
#include "directory/model.h"

namespace dirbind {

const char* to_string(UserState s) noexcept {
    switch (s) {
        case UserState::active: return "active";
        case UserState::suspended: return "suspended";
        case UserState::locked: return "locked";
        case UserState::staged: return "staged";
        case UserState::expired: return "expired";
    }
    return "unknown";
}

const char* to_string(Sudo s) noexcept {
    switch (s) {
        case Sudo::none: return "none";
        case Sudo::password: return "password";
        case Sudo::nopasswd: return "nopasswd";
    }
    return "unknown";
}

}  // namespace dirbind
