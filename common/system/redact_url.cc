// SPDX-License-Identifier: Apache-2.0
// redact_url.cc — redact_url() of log.h: `dirbind status` and the sync's status line name the
// source without loading the network plugin.
#include "system/log.h"

namespace dirbind {

std::string redact_url(std::string_view url) {
    std::size_t scheme = url.find("://");
    if (scheme == std::string_view::npos) return printable(url, 512);
    std::size_t start = scheme + 3;
    std::size_t end = url.find_first_of("/?#", start);
    if (end == std::string_view::npos) end = url.size();
    std::size_t at = url.substr(start, end - start).rfind('@');
    std::string out(url);
    if (at != std::string_view::npos)
        out = std::string(url.substr(0, start)) + std::string(url.substr(start + at + 1));
    return printable(out, 512);
}

}  // namespace dirbind
