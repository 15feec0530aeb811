// SPDX-License-Identifier: Apache-2.0
// hash64.cc — implementation of hash64.h: four independent multiply-xorshift lanes over
// 32-byte blocks (so the multiplies overlap; records are checked on every lookup), then the
// tail, then the murmur3 finaliser. Words are read little-endian byte by byte so the result
// never depends on the host.
#include "cache/hash64.h"

namespace dirbind {
namespace {
constexpr std::uint64_t kMul = 0x9e3779b97f4a7c15ULL;

inline std::uint64_t fmix(std::uint64_t h) noexcept {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

inline std::uint64_t load(const unsigned char* b, std::size_t n) noexcept {
    std::uint64_t w = 0;
    for (std::size_t k = n; k > 0; --k) w = (w << 8) | b[k - 1];
    return w;
}

inline std::uint64_t mix(std::uint64_t h, std::uint64_t w) noexcept {
    h = (h ^ w) * kMul;
    return h ^ (h >> 29);
}
}  // namespace

std::uint64_t hash64(const void* p, std::size_t len, std::uint64_t seed) noexcept {
    const unsigned char* b = static_cast<const unsigned char*>(p);
    std::uint64_t h = seed ^ (len * kMul);
    std::size_t i = 0;
    if (len >= 32) {
        std::uint64_t l[4] = {h, h ^ 0x243f6a8885a308d3ULL, h ^ 0x13198a2e03707344ULL, h ^ 0xa4093822299f31d0ULL};
        for (; i + 32 <= len; i += 32)
            for (int k = 0; k < 4; ++k) l[k] = mix(l[k], load(b + i + 8 * k, 8));
        h = fmix(l[0]) ^ fmix(l[1] + 1) ^ fmix(l[2] + 2) ^ fmix(l[3] + 3);
    }
    for (; i + 8 <= len; i += 8) h = mix(h, load(b + i, 8));
    h = mix(h, load(b + i, len - i) ^ 0x5bd1e995);
    return fmix(h);
}

}  // namespace dirbind
