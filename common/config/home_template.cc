// SPDX-License-Identifier: Apache-2.0
// home_template.cc — the `home` config template: its base and its expansion (config.h).
#include "config/config.h"

namespace dirbind {

std::string home_base(const Config& c) {
    std::string base = c.home.substr(0, c.home.find('%'));
    while (base.size() > 1 && base.back() == '/') base.pop_back();
    // "/home/u%u" has the fixed part "/home/u": the base is the directory that holds homes.
    if (c.home.find('%') != std::string::npos && !base.empty() && c.home[base.size()] != '/') {
        auto slash = base.rfind('/');
        base = slash == 0 ? "/" : base.substr(0, slash);
    }
    return base;
}

std::string expand_home(const Config& c, const std::string& user) {
    std::string out;
    for (std::size_t i = 0; i < c.home.size(); ++i) {
        if (c.home[i] == '%' && i + 1 < c.home.size()) {
            char k = c.home[++i];
            if (k == 'u') out += user;
            else if (k == '%') out += '%';
            else out += '%', out += k;  // rejected by parse_config; kept visible if it ever slips
        } else {
            out += c.home[i];
        }
    }
    return out;
}

}  // namespace dirbind
