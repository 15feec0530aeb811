// SPDX-License-Identifier: Apache-2.0
// error.h — the one error vocabulary of dirbind. Codes cross the C ABI (NSS, PAM);
// C++ code in common/ and cli/ throws dirbind::Error carrying a code and a message.
#pragma once

namespace dirbind {

enum class Err : int {
    ok = 0,
    not_found,       // no such user/group/key
    range,           // caller's buffer too small (NSS: ERANGE → TRYAGAIN)
    unavailable,     // cache missing, unreadable, untrusted or corrupt
    invalid,         // bad input: a name, id, path, key or document that fails validation
    config,          // configuration problem
    io,              // a system call failed
    permission,      // a file's owner or mode is unsafe, or we lack the right to act
    busy,            // another sync holds the lock
    source,          // the directory source failed (fetch, parse)
    refused,         // a safety rule refused the operation (e.g. empty directory without --force)
};

// Short stable name of a code, e.g. "unavailable". Never null.
constexpr const char* to_string(Err e) noexcept {
    switch (e) {
        case Err::ok: return "ok";
        case Err::not_found: return "not found";
        case Err::range: return "buffer too small";
        case Err::unavailable: return "cache unavailable";
        case Err::invalid: return "invalid data";
        case Err::config: return "configuration error";
        case Err::io: return "I/O error";
        case Err::permission: return "permission problem";
        case Err::busy: return "busy";
        case Err::source: return "directory source failed";
        case Err::refused: return "refused";
    }
    return "unknown error";
}

}  // namespace dirbind

#if !defined(DIRBIND_FREESTANDING)
#include <stdexcept>
#include <string>

namespace dirbind {
// Thrown by common/ and cli/ code; never crosses an extern "C" boundary.
class Error : public std::runtime_error {
public:
    Error(Err code, const std::string& message) : std::runtime_error(message), code_(code) {}
    Err code() const noexcept { return code_; }

private:
    Err code_;
};
}  // namespace dirbind
#endif
