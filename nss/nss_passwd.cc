// SPDX-License-Identifier: Apache-2.0
// nss_passwd.cc — passwd and initgroups entry points of libnss_dirbind.so.2.
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>

#include "cache/names.h"
#include "nss_common.h"

using namespace dirbind;
using namespace dirbind::nss;

namespace {
Walk g_walk;

Err pack(const UserView& u, passwd* pw, char* buf, std::size_t len) noexcept {
    // A uid or gid that may never come from the directory is not served, whatever the file says.
    if (reserved_id(u.uid) || reserved_id(u.gid)) return Err::not_found;
    Packer p(buf, len);
    pw->pw_name = p.str(u.name);
    pw->pw_passwd = p.str("x");
    pw->pw_gecos = p.str(u.gecos);
    pw->pw_dir = p.str(u.home);
    pw->pw_shell = p.str(u.shell);
    if (!pw->pw_name || !pw->pw_passwd || !pw->pw_gecos || !pw->pw_dir || !pw->pw_shell) return Err::range;
    pw->pw_uid = u.uid;
    pw->pw_gid = u.gid;
    return Err::ok;
}

}  // namespace

extern "C" {

nss_status _nss_dirbind_getpwnam_r(const char* name, passwd* pw, char* buf, size_t len, int* errnop) noexcept {
    return lookup<UserView>(
        identity_cache(), errnop, [&](const Pin& p, UserView* u) { return find_user(p, name, u); },
        [&](const UserView& u) { return pack(u, pw, buf, len); });
}

nss_status _nss_dirbind_getpwuid_r(uid_t uid, passwd* pw, char* buf, size_t len, int* errnop) noexcept {
    return lookup<UserView>(
        identity_cache(), errnop, [&](const Pin& p, UserView* u) { return find_user(p, std::uint32_t(uid), u); },
        [&](const UserView& u) { return pack(u, pw, buf, len); });
}

nss_status _nss_dirbind_setpwent(int) noexcept { return walk_reset(g_walk); }
nss_status _nss_dirbind_endpwent() noexcept { return walk_reset(g_walk); }

nss_status _nss_dirbind_getpwent_r(passwd* pw, char* buf, size_t len, int* errnop) noexcept {
    return walk_next<UserView>(g_walk, identity_cache(), errnop, user_at,
                               [&](const UserView& u) { return pack(u, pw, buf, len); });
}

// Adds the user's supplementary gids to *groupsp (growing it up to `limit`), skipping
// `skip` (the primary gid glibc already has) and gids already present.
static nss_status add_groups(const char* user, gid_t skip, long* start, long* size, gid_t** groupsp,
                             long limit, int* errnop) noexcept {
    Pin pin;
    UserView u;
    Err e = pin.acquire(identity_cache());
    if (e == Err::ok) e = find_user(pin, user, &u);
    if (e != Err::ok) return to_status(e, errnop);
    if (reserved_id(u.uid)) return NSS_STATUS_NOTFOUND;
    for (std::uint32_t i = 0; i < u.ngids; ++i) {
        gid_t g = u.gid_at(i);
        if (g == skip || g == 0) continue;
        bool dup = false;
        for (long k = 0; k < *start && !dup; ++k) dup = (*groupsp)[k] == g;
        if (dup) continue;
        if (*start == *size) {
            if (limit > 0 && *size >= limit) break;
            long grow = *size > 0 ? *size * 2 : 16;
            if (limit > 0 && grow > limit) grow = limit;
            gid_t* n = static_cast<gid_t*>(realloc(*groupsp, static_cast<std::size_t>(grow) * sizeof(gid_t)));
            if (n == nullptr) {
                *errnop = ENOMEM;
                return NSS_STATUS_TRYAGAIN;
            }
            *groupsp = n;
            *size = grow;
        }
        (*groupsp)[(*start)++] = g;
    }
    return NSS_STATUS_SUCCESS;
}

nss_status _nss_dirbind_initgroups_dyn(const char* user, gid_t skip, long* start, long* size, gid_t** groupsp,
                                       long limit, int* errnop) noexcept {
    int err = 0;
    nss_status s;
    {
        KeepErrno keep;
        s = add_groups(user, skip, start, size, groupsp, limit, &err);
    }
    if (err != 0) *errnop = err;  // after errno's restore: errnop may be &errno
    return s;
}

}  // extern "C"
