// SPDX-License-Identifier: Apache-2.0
// login_refresh.h — the answer of `dirbind refresh-user NAME` that pam_dirbind reads at login
// (login_refresh, docs/pam.md "login_refresh"): a few lines of text on a pipe, written by the
// command and parsed strictly by the module, which may only deny more than the cache.
//
//   unchanged                       the source said "unchanged since the last sync"
//   end
//
//   gone                            the user is no longer bound to this host (or fails validation)
//   end
//
//   user NAME                       the user as the directory has it now
//   state active|suspended|locked|staged|expired
//   system password yes|no          this host's policy, when the answer carries it (both lines
//   system publickey yes|no           or neither)
//   publickey yes|no                the user's own public-key switch
//   key TYPE BASE64                 one line per current directory key, without comment
//   end
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "directory/model.h"
#include "sync/source.h"

namespace dirbind {

constexpr std::size_t kMaxRefreshAnswer = 256 * 1024;  // far above 100 RSA-16384 keys
constexpr std::size_t kMaxRefreshKeys = 1000;

struct RefreshVerdict {
    enum class Kind { unchanged, gone, found };
    Kind kind = Kind::unchanged;
    UserState state = UserState::active;
    bool has_system = false;
    bool system_password = false, system_publickey = false;
    bool user_publickey = false;
    std::vector<std::string> keys;  // "type base64", each checked by parse_public_key()
};

// The answer for `name` from fetch_user()'s result, in the format above.
std::string format_refresh_verdict(const std::string& name, const UserFetch& f);

// Parses an answer for user `name`. "" on success; otherwise what is wrong (an unknown or
// repeated line, a missing `end`, another user's name, a bad key, text after `end`, more than
// kMaxRefreshAnswer bytes or kMaxRefreshKeys keys) and *out is left unspecified.
std::string parse_refresh_verdict(std::string_view text, const std::string& name, RefreshVerdict* out);

}  // namespace dirbind
