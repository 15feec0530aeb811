// SPDX-License-Identifier: Apache-2.0
// names.h — the name and text rules (security.md item 3), freestanding so that the NSS
// module, PAM, the CLI and the sync all apply the very same checks.
#pragma once

#include <cstddef>

namespace dirbind {

constexpr std::size_t kMaxNameLen = 32;

// True when `s[0..n)` is an acceptable user or group name: ^[a-z_][a-z0-9_.-]{0,31}$,
// not all digits, not "." or "..". No case folding, no truncation.
bool valid_name(const char* s, std::size_t n) noexcept;

// True when `s[0..n)` may stand in a passwd/group field: no ':', no control characters
// (newline included), no NUL, valid UTF-8, at most `max` bytes.
bool valid_field_text(const char* s, std::size_t n, std::size_t max) noexcept;

// Strict decimal parse of the whole of `s[0..n)` into a uint32 (no sign, no spaces, no
// leading zeros except "0", no overflow). Returns false on anything else. Never atoi.
bool parse_u32(const char* s, std::size_t n, unsigned* out) noexcept;

// True when `id` may never be a directory uid/gid, whatever the configured range:
// 0, 1–999, 60001–60577, 61184–65519, 65534, 65535, and 2^31 and above.
bool reserved_id(unsigned id) noexcept;

}  // namespace dirbind
