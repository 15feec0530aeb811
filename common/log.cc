// log.cc — the default stderr sink and the dispatch of log.h.
#include "log.h"

#include <cstdio>

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

}  // namespace dirbind
