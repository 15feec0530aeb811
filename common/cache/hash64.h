// SPDX-License-Identifier: Apache-2.0
// hash64.h — the seeded 64-bit hash of the cache: hash-table keys and record checks.
// Freestanding; writer and reader must agree bit for bit, so it is defined once here.
#pragma once

#include <cstddef>
#include <cstdint>

namespace dirbind {

// Hash of `len` bytes at `p` with `seed`. Not cryptographic: it spreads keys over hash
// slots (the per-cache random seed stops crafted collisions) and detects corrupt records.
std::uint64_t hash64(const void* p, std::size_t len, std::uint64_t seed) noexcept;

// Hash of a uid/gid as a table key.
inline std::uint64_t hash_id(std::uint32_t id, std::uint64_t seed) noexcept {
    unsigned char b[4] = {static_cast<unsigned char>(id), static_cast<unsigned char>(id >> 8),
                          static_cast<unsigned char>(id >> 16), static_cast<unsigned char>(id >> 24)};
    return hash64(b, sizeof b, seed);
}

}  // namespace dirbind
