// SPDX-License-Identifier: Apache-2.0
// log.cc — the default stderr sink and the dispatch of log.h.
#include "system/log.h"

#include <cstdio>
#include <cstring>
#include <ctime>

namespace dirbind {
namespace {
void stderr_sink(LogLevel level, const std::string& message) {
    const char* tag = level == LogLevel::error ? "error: " : level == LogLevel::warning ? "warning: " : "";
    std::fprintf(stderr, "dirbind: %s%s\n", tag, message.c_str());
}
LogSink g_sink = stderr_sink;
}  // namespace

void set_log_sink(LogSink sink) noexcept { g_sink = sink ? sink : stderr_sink; }

void log(LogLevel level, const std::string& message) noexcept {
    try {
        g_sink(level, message);
    } catch (...) {
    }
}

std::string printable(std::string_view s, std::size_t max) {
    static const char hex[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (out.size() >= max) {
            out += "...";
            break;
        }
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c >= 0x7f || c == '\\') {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

std::string errno_text(int err) {
    const char* s = strerrordesc_np(err);
    return s ? s : "error " + std::to_string(err);
}

std::string mode_text(unsigned mode) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04o", mode & 07777);
    return buf;
}

std::string utc_text(std::uint64_t t) {
    char buf[64];
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return buf;
}

}  // namespace dirbind
