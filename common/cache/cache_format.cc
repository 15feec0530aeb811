// SPDX-License-Identifier: Apache-2.0
// cache_format.cc — the header check shared by writer and reader (cache_format.h).
#include "cache/cache_format.h"

#include <cstring>

#include "cache/hash64.h"

namespace dirbind::cachefmt {

std::uint32_t header_check(const unsigned char* header) noexcept {
    unsigned char copy[kHeaderSize];
    std::memcpy(copy, header, kHeaderSize);
    put32(copy + kOffStatus, 0);
    put32(copy + kOffHeaderCheck, 0);
    return static_cast<std::uint32_t>(hash64(copy, kHeaderSize, 0));
}

}  // namespace dirbind::cachefmt
