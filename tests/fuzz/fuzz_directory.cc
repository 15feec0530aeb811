// SPDX-License-Identifier: Apache-2.0
// fuzz_directory.cc — libFuzzer target for parse_directory() (common/file_source.cc), YAML and
// JSON. dirbind::Error is the only acceptable failure; any other exception, crash, sanitizer
// report or runaway memory is a bug. Seeds: docs/examples/directory.yaml and
// `tests/fixtures/gen_directory.py 3 json`.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "directory/file_source.h"
#include "system/error.h"
#include "system/log.h"

namespace {
void quiet(dirbind::LogLevel, const std::string&) {}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static bool once = (dirbind::set_log_sink(quiet), true);
    (void)once;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    std::vector<dirbind::Skipped> skipped;
    try {
        dirbind::RawDirectory d = dirbind::parse_directory(text, "fuzz", &skipped);
        for (const auto& u : d.users)
            if (u.where.empty()) __builtin_trap();  // every record says where it came from
    } catch (const dirbind::Error&) {
    }
    return 0;
}
