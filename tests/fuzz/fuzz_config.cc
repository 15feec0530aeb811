// SPDX-License-Identifier: Apache-2.0
// fuzz_config.cc — libFuzzer target for parse_config() (common/config.cc). dirbind::Error is the
// only acceptable failure; any other exception, crash or sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/config.h"
#include "system/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    try {
        dirbind::Config c = dirbind::parse_config(text, "fuzz.yaml");
        // What parse_config accepts must hold the promises the rest of dirbind relies on.
        if (c.uid_range.min < 1000 || c.uid_range.max >= 0x80000000u || c.uid_range.min > c.uid_range.max)
            __builtin_trap();
        if (c.home.empty() || c.home[0] != '/' || dirbind::home_base(c) == "/") __builtin_trap();
        if (dirbind::expand_home(c, "alice").find("alice") == std::string::npos) __builtin_trap();
        if (c.unmanaged_keys_file.find('/') != std::string::npos) __builtin_trap();
    } catch (const dirbind::Error&) {
    }
    return 0;
}
