// SPDX-License-Identifier: Apache-2.0
// nss_shadow.cc — shadow entry points of libnss_dirbind.so.2, served from the root-only
// secrets.db (other users get UNAVAIL: they cannot open it, exactly as with /etc/shadow).
#include <shadow.h>

#include "cache/account_values.h"
#include "nss_common.h"

using namespace dirbind;
using namespace dirbind::nss;

namespace {
Walk g_walk;

Err pack(const SecretView& s, spwd* sp, char* buf, std::size_t len) noexcept {
    Packer p(buf, len);
    sp->sp_namp = p.str(s.name);
    // No hash: "*" (no password login). Any state but active: "!" in front, which every
    // crypt-based check and `passwd -S` read as locked, even if PAM were bypassed.
    const char* hash = s.password_hash[0] != '\0' ? s.password_hash : "*";
    bool locked = s.state != static_cast<std::uint8_t>(UserState::active);
    char* pw = p.str(hash, locked ? "!" : "");
    if (sp->sp_namp == nullptr || pw == nullptr) return Err::range;
    sp->sp_pwdp = pw;
    // -1: no aging (sp_lstchg 0 would force a password change on every login).
    sp->sp_lstchg = -1;
    sp->sp_min = sp->sp_max = sp->sp_warn = sp->sp_inact = -1;
    // Expired accounts carry an expiry date in the past, so pam_unix's account check refuses them too.
    sp->sp_expire = s.state == static_cast<std::uint8_t>(UserState::expired) ? 1 : -1;
    sp->sp_flag = ~0UL;
    return Err::ok;
}
}  // namespace

extern "C" {

nss_status _nss_dirbind_getspnam_r(const char* name, spwd* sp, char* buf, size_t len, int* errnop) noexcept {
    return lookup<SecretView>(
        secrets_cache(), errnop, [&](const Pin& p, SecretView* s) { return find_secret(p, name, s); },
        [&](const SecretView& s) { return pack(s, sp, buf, len); });
}

nss_status _nss_dirbind_setspent(int) noexcept { return walk_reset(g_walk); }
nss_status _nss_dirbind_endspent() noexcept { return walk_reset(g_walk); }

nss_status _nss_dirbind_getspent_r(spwd* sp, char* buf, size_t len, int* errnop) noexcept {
    return walk_next<SecretView>(g_walk, secrets_cache(), errnop, secret_at,
                                 [&](const SecretView& s) { return pack(s, sp, buf, len); });
}

}  // extern "C"
