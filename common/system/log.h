// SPDX-License-Identifier: Apache-2.0
// log.h — one logging entry point for common/ code. The CLI logs to stderr, the PAM
// module to syslog(LOG_AUTHPRIV); each installs its sink once at start.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace dirbind {

enum class LogLevel { debug, info, warning, error };
using LogSink = void (*)(LogLevel level, const std::string& message);

// Replaces the sink (nullptr restores the default: "dirbind: message" on stderr). Not
// thread-safe: call before starting threads.
void set_log_sink(LogSink sink) noexcept;

// Sends `message` to the sink. Never throws.
void log(LogLevel level, const std::string& message) noexcept;

// Untrusted text (directory data, file content, sshd's words) made safe to quote in a log
// line or message: at most `max` input bytes, then "..."; control characters, non-ASCII bytes
// and '\\' as \\xNN, so nothing can forge log lines or send terminal escapes.
std::string printable(std::string_view s, std::size_t max = 64);

// `url` without user:password@ in its authority, through printable(): the form of a URL in every
// message and log line.
std::string redact_url(std::string_view url);

// "No such file or directory" for ENOENT: thread-safe, never localised.
std::string errno_text(int err);

// Permission bits as four octal digits ("0644"): how a mode reads in every message.
std::string mode_text(unsigned mode);

// Seconds since the epoch as "2026-11-24 10:50:00 UTC": how a moment reads in every message.
std::string utc_text(std::uint64_t t);

}  // namespace dirbind
