// SPDX-License-Identifier: Apache-2.0
// skip_summary.cc — grouping the sync's skip reasons (skip_summary.h).
#include "skip_summary.h"

#include <algorithm>
#include <map>

#include "system/log.h"

namespace dirbind::cli {

std::string reason_kind(const std::string& reason) {
    std::string out;
    for (std::size_t i = 0; i < reason.size(); ++i) {
        char c = reason[i];
        if (c >= '0' && c <= '9') {
            while (i + 1 < reason.size() && reason[i + 1] >= '0' && reason[i + 1] <= '9') ++i;
            out += 'N';
        } else if (c == '\'' || c == '"') {
            std::size_t end = reason.find(c, i + 1);
            if (end == std::string::npos) {
                out += c;
                continue;
            }
            out += c;
            out += "...";
            out += c;
            i = end;
        } else {
            out += c;
        }
    }
    return out;
}

std::vector<std::string> skip_summary(const std::vector<Skipped>& skipped, std::size_t total,
                                      std::size_t max_lines) {
    std::vector<std::string> lines;
    if (total == 0) return lines;
    auto one = [](const Skipped& s) {
        return s.what + " " + printable(s.name, 64) + ": " + printable(s.reason, 300);
    };
    if (total <= max_lines && skipped.size() == total) {
        for (const Skipped& s : skipped) lines.push_back("  " + one(s));
        return lines;
    }
    struct Group {
        std::size_t count = 0, first = 0;
    };
    std::map<std::string, Group> groups;
    for (std::size_t i = 0; i < skipped.size(); ++i) {
        Group& g = groups[skipped[i].what + ": " + reason_kind(skipped[i].reason)];
        if (g.count++ == 0) g.first = i;
    }
    std::vector<std::pair<std::string, Group>> order(groups.begin(), groups.end());
    std::stable_sort(order.begin(), order.end(),
                     [](const auto& a, const auto& b) { return a.second.count > b.second.count; });
    for (std::size_t i = 0; i < order.size() && i < max_lines; ++i)
        lines.push_back("  " + std::to_string(order[i].second.count) + " x " +
                        one(skipped[order[i].second.first]) +
                        (order[i].second.count > 1 ? " (and alike)" : ""));
    lines.push_back("  full list: dirbind check-config");
    return lines;
}

}  // namespace dirbind::cli
