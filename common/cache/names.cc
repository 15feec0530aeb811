// SPDX-License-Identifier: Apache-2.0
// names.cc — implementation of the rules in names.h. Freestanding: libc only.
#include "cache/names.h"

namespace dirbind {

bool valid_name(const char* s, std::size_t n) noexcept {
    if (s == nullptr || n == 0 || n > kMaxNameLen) return false;
    if (!((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_')) return false;
    // The first character is a letter or '_', so a name can never be all digits.
    for (std::size_t i = 1; i < n; ++i) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
        if (!ok) return false;
    }
    return true;
}

bool valid_field_text(const char* s, std::size_t n, std::size_t max) noexcept {
    if (s == nullptr || n > max) return false;
    std::size_t i = 0;
    while (i < n) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c == 0x7f || c == ':') return false;
        if (c < 0x80) {
            ++i;
            continue;
        }
        // UTF-8: reject overlongs, surrogates, > U+10FFFF and C1 controls.
        std::size_t len;
        unsigned cp;
        if (c >= 0xc2 && c <= 0xdf) len = 2, cp = c & 0x1f;
        else if (c >= 0xe0 && c <= 0xef) len = 3, cp = c & 0x0f;
        else if (c >= 0xf0 && c <= 0xf4) len = 4, cp = c & 0x07;
        else return false;
        if (i + len > n) return false;
        for (std::size_t k = 1; k < len; ++k) {
            unsigned char cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff))) return false;
        if (cp >= 0xd800 && cp <= 0xdfff) return false;
        if (cp >= 0x80 && cp <= 0x9f) return false;
        i += len;
    }
    return true;
}

bool parse_u32(const char* s, std::size_t n, unsigned* out) noexcept {
    if (s == nullptr || n == 0 || n > 10) return false;
    if (n > 1 && s[0] == '0') return false;
    unsigned long long v = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + static_cast<unsigned>(s[i] - '0');
    }
    if (v > 0xffffffffULL) return false;
    *out = static_cast<unsigned>(v);
    return true;
}

bool reserved_id(unsigned id) noexcept {
    return id < 1000 || (id >= 60001 && id <= 60577) || (id >= 61184 && id <= 65519) || id == 65534 ||
           id == 65535 || id >= 0x80000000u;
}

}  // namespace dirbind
