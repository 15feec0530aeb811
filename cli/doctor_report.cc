// SPDX-License-Identifier: Apache-2.0
// doctor_report.cc — printing the doctor's checks: text for a person, JSON for a machine.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "config/doc_util.h"
#include "doctor.h"

namespace dirbind::cli {
namespace {
const char* label(Level l) {
    return l == Level::ok ? "ok" : l == Level::warn ? "warn" : "FAIL";
}
const char* colour_of(Level l) {
    return l == Level::ok ? "\033[32m" : l == Level::warn ? "\033[33m" : "\033[1;31m";
}
}  // namespace

bool Report::failed() const {
    for (const Check& c : checks_)
        if (c.level == Level::fail) return true;
    return false;
}

void Report::print_text(bool colour) const {
    std::vector<std::string> groups;
    for (const Check& c : checks_) {
        bool seen = false;
        for (const auto& g : groups) seen = seen || g == c.group;
        if (!seen) groups.push_back(c.group);
    }
    std::size_t counts[3] = {0, 0, 0};
    for (const auto& g : groups) {
        std::printf("%s== %s%s\n", colour ? "\033[1m" : "", g.c_str(), colour ? "\033[0m" : "");
        for (const Check& c : checks_) {
            if (c.group != g) continue;
            ++counts[static_cast<int>(c.level)];
            // Messages carry names from the directory and the file system: printable only.
            std::string msg = doc::printable(c.message, 1024);
            if (colour)
                std::printf("%s%-4s\033[0m  %s\n", colour_of(c.level), label(c.level), msg.c_str());
            else
                std::printf("%-4s  %s\n", label(c.level), msg.c_str());
            if (!c.fix.empty()) std::printf("      fix: %s\n", doc::printable(c.fix, 1024).c_str());
        }
    }
    std::printf("%zu ok, %zu warnings, %zu failed\n", counts[0], counts[1], counts[2]);
}

void Report::print_json(const std::string& user) const {
    nlohmann::json checks = nlohmann::json::array();
    std::size_t counts[3] = {0, 0, 0};
    for (const Check& c : checks_) {
        ++counts[static_cast<int>(c.level)];
        checks.push_back({{"group", c.group},
                          {"id", c.id},
                          {"status", c.level == Level::ok     ? "ok"
                                     : c.level == Level::warn ? "warn"
                                                              : "fail"},
                          {"message", c.message},
                          {"fix", c.fix}});
    }
    nlohmann::json j = {{"schema", 1},
                        {"user", user.empty() ? nlohmann::json(nullptr) : nlohmann::json(user)},
                        {"ok", !failed()},
                        {"counts", {{"ok", counts[0]}, {"warn", counts[1]}, {"fail", counts[2]}}},
                        {"checks", checks}};
    // Invalid UTF-8 from a file name must not abort the dump: replace it.
    std::puts(j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
}

}  // namespace dirbind::cli
