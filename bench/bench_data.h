// SPDX-License-Identifier: Apache-2.0
// bench_data.h — names and numbers of the generated benchmark population, shared by the
// generator (gen_data.cc, which writes it) and the timer (bench_nss.cc, which samples keys
// from it without reading the files back).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace bench {

inline constexpr std::uint32_t kUidBase = 100000;    // user k (1-based) has uid = gid = kUidBase + k
inline constexpr std::uint32_t kGidBase = 3000000;   // shared group g (1-based) has gid kGidBase + g
inline constexpr std::uint32_t kGroupsPerUser = 10;  // every user but user 1
inline constexpr std::uint32_t kHeavyUser = 1;       // the initgroups case: member of kHeavyGroups
inline constexpr std::uint32_t kHeavyGroups = 100;   // groups 1..100

// Shared groups for `users` users: one per 100 users, at least kHeavyGroups.
inline std::uint32_t group_count(std::uint32_t users) {
    return users / 100 > kHeavyGroups ? users / 100 : kHeavyGroups;
}

inline std::string user_name(std::uint32_t k) {
    char b[24];
    std::snprintf(b, sizeof b, "user%07u", k);
    return b;
}

inline std::string group_name(std::uint32_t g) {
    char b[24];
    std::snprintf(b, sizeof b, "grp%05u", g);
    return b;
}

// splitmix64: small, fast, deterministic across runs and libstdc++ versions.
struct Rng {
    std::uint64_t s;
    std::uint64_t next() {
        std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    std::uint32_t below(std::uint32_t n) { return static_cast<std::uint32_t>(next() % n); }
};

}  // namespace bench
