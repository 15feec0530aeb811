// log.h — one logging entry point for common/ code. The CLI logs to stderr, the PAM
// module to syslog(LOG_AUTHPRIV); each installs its sink once at start.
#pragma once

#include <string>

namespace dirbind {

enum class LogLevel { debug, info, warning, error };
using LogSink = void (*)(LogLevel level, const std::string& message);

// Replaces the sink (nullptr restores the default: "dirbind: message" on stderr). Not
// thread-safe: call before starting threads.
void set_log_sink(LogSink sink) noexcept;

// Sends `message` to the sink. Never throws.
void log(LogLevel level, const std::string& message) noexcept;

}  // namespace dirbind
