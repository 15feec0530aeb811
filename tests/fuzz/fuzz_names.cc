// SPDX-License-Identifier: Apache-2.0
// fuzz_names.cc — libFuzzer target for names.h, checked against a restatement of its rules.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "cache/names.h"

namespace {

bool reference_name(const std::string& s) {
    if (s.empty() || s.size() > dirbind::kMaxNameLen) return false;
    if (!((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_')) return false;
    bool all_digits = true;
    for (char c : s) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
        if (!ok) return false;
        all_digits = all_digits && c >= '0' && c <= '9';
    }
    return !all_digits && s != "." && s != "..";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string s(reinterpret_cast<const char*>(data), size);

    bool name = dirbind::valid_name(s.data(), s.size());
    if (name != reference_name(s)) std::abort();
    // Every valid name is also valid field text.
    if (name && !dirbind::valid_field_text(s.data(), s.size(), dirbind::kMaxNameLen)) std::abort();

    if (dirbind::valid_field_text(s.data(), s.size(), 4096)) {
        for (unsigned char c : s)
            if (c < 0x20 || c == 0x7f || c == ':') std::abort();
        if (s.size() > 4096) std::abort();
        // The limit is in bytes and honoured.
        if (!s.empty() && dirbind::valid_field_text(s.data(), s.size(), s.size() - 1)) std::abort();
    }

    unsigned v = 0;
    if (dirbind::parse_u32(s.data(), s.size(), &v)) {
        if (std::to_string(v) != s) std::abort();  // canonical decimal only, no wrap-around
    } else if (s.size() <= 9 && !s.empty() && s.find_first_not_of("0123456789") == std::string::npos &&
               (s.size() == 1 || s[0] != '0')) {
        std::abort();  // a plain number below 10^9 must parse
    }

    if (size >= 4) {
        unsigned id = static_cast<unsigned>(data[0]) << 24 | static_cast<unsigned>(data[1]) << 16 |
                      static_cast<unsigned>(data[2]) << 8 | data[3];
        bool reserved = id < 1000 || (id >= 60001 && id <= 60577) || (id >= 61184 && id <= 65519) ||
                        id == 65534 || id == 65535 || id >= 0x80000000u;
        if (dirbind::reserved_id(id) != reserved) std::abort();
    }
    return 0;
}
