// SPDX-License-Identifier: Apache-2.0
// nss_group.cc — group entry points of libnss_dirbind.so.2.
#include <grp.h>

#include "cache/names.h"
#include "nss_common.h"

using namespace dirbind;
using namespace dirbind::nss;

namespace {
Walk g_walk;

Err pack(const GroupView& g, group* gr, char* buf, std::size_t len) noexcept {
    if (reserved_id(g.gid)) return Err::not_found;
    Packer p(buf, len);
    char** mem = p.ptrs(std::size_t(g.members.count) + 1);
    gr->gr_name = p.str(g.name);
    gr->gr_passwd = p.str("x");
    if (mem == nullptr || gr->gr_name == nullptr || gr->gr_passwd == nullptr) return Err::range;
    // The member names are one block of NUL-terminated strings: copy it once, then point in.
    char* names = p.bytes(g.members.p, g.members.len);
    if (names == nullptr && g.members.len > 0) return Err::range;
    StringList copy{names, g.members.len, g.members.count};
    std::size_t pos = 0, n = 0;
    for (const char* m; (m = next_string(copy, &pos)) != nullptr;) mem[n++] = const_cast<char*>(m);
    mem[n] = nullptr;
    gr->gr_mem = mem;
    gr->gr_gid = g.gid;
    return Err::ok;
}

}  // namespace

extern "C" {

nss_status _nss_dirbind_getgrnam_r(const char* name, group* gr, char* buf, size_t len, int* errnop) noexcept {
    return lookup<GroupView>(
        identity_cache(), errnop, [&](const Pin& p, GroupView* g) { return find_group(p, name, g); },
        [&](const GroupView& g) { return pack(g, gr, buf, len); });
}

nss_status _nss_dirbind_getgrgid_r(gid_t gid, group* gr, char* buf, size_t len, int* errnop) noexcept {
    return lookup<GroupView>(
        identity_cache(), errnop, [&](const Pin& p, GroupView* g) { return find_group(p, std::uint32_t(gid), g); },
        [&](const GroupView& g) { return pack(g, gr, buf, len); });
}

nss_status _nss_dirbind_setgrent(int) noexcept { return walk_reset(g_walk); }
nss_status _nss_dirbind_endgrent() noexcept { return walk_reset(g_walk); }

nss_status _nss_dirbind_getgrent_r(group* gr, char* buf, size_t len, int* errnop) noexcept {
    return walk_next<GroupView>(g_walk, identity_cache(), errnop, group_at,
                                [&](const GroupView& g) { return pack(g, gr, buf, len); });
}

}  // extern "C"
