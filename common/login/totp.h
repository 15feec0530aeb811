// SPDX-License-Identifier: Apache-2.0
// totp.h — the second factor of pam_dirbind (docs/pam.md, MFA): RFC 6238 time-based one-time
// codes (HMAC-SHA1 through nettle, 30-second steps, 6 digits, one step of clock skew either
// way) and the per-user record of the last accepted step, which makes every code single-use.
// Nothing here talks to PAM; the secret never reaches a log line.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dirbind {

inline constexpr unsigned kTotpStepSeconds = 30;
inline constexpr unsigned kTotpDigits = 6;
inline constexpr unsigned kTotpWindow = 1;  // steps accepted before and after the current one
// The replay records' directory, below the cache dir (0700 root, one file per user).
inline constexpr const char* kTotpStateDir = "totp";

// RFC 4648 base32 (A-Z, 2-7; trailing '=' padding allowed and ignored; bits left over after
// the last whole byte dropped) into *out. False, with *out cleared, for any other character,
// an '=' before the end, or empty text.
bool base32_decode(std::string_view text, std::vector<unsigned char>* out);

// RFC 4226 HOTP: HMAC-SHA1(key, counter as 8 big-endian bytes), dynamically truncated, as
// `digits` decimal digits with leading zeros (6 to 9; other values are clamped into that range).
std::string hotp(const std::vector<unsigned char>& key, std::uint64_t counter, unsigned digits = kTotpDigits);

// The RFC 6238 time step of unix time `t`: t / 30 (0 for a time before 1970).
std::uint64_t totp_step(std::time_t t) noexcept;

// The time step within kTotpWindow of totp_step(now) whose 6-digit code is `code`, or nullopt
// (also when `code` is not exactly 6 ASCII digits). Every candidate is computed and compared in
// full with no early exit, so the time taken says nothing about which step or which digits
// matched. When several steps match, the latest is returned.
std::optional<std::uint64_t> totp_match(const std::vector<unsigned char>& key, std::string_view code,
                                        std::time_t now);

enum class TotpUse {
    accepted,  // `step` is later than the last one accepted for the user, and is now recorded
    replayed,  // `step` is the last accepted one or older: the code was used already
    failed,    // the record could not be read or written (*why says which and why)
};

// Records that `user` (uid `uid`) authenticated with the code of time step `step`, in
// <state_dir>/<user>: "uid N" and "step N" lines, replaced atomically, mode 0600. The state dir
// is created 0700 when missing; its parent must already exist. Both the parent and the state
// dir are opened without following symlinks and must belong to the effective uid (root in
// pam_dirbind) and not be writable by group or others; one exclusive flock on the state dir
// makes the compare-and-write atomic between concurrent logins. A record of another uid (a name
// reused) counts as no record; an unreadable record (garbage, a symlink, wrong owner) is
// failed, never "no record": the caller refuses the login rather than accept a replay.
// `user` must be a plain file name. Never throws.
TotpUse totp_use_step(const std::string& state_dir, const std::string& user, uid_t uid, std::uint64_t step,
                      std::string* why) noexcept;

enum class TotpRecord {
    none,    // no record for this uid (none written yet, or the name's former owner's): any step goes
    ok,      // *last is the last step accepted
    failed,  // the record or its directory cannot be trusted (*why): totp_use_step refuses every code
};

// Reads <state_dir>/<user> exactly as totp_use_step() does, but creates, changes and writes
// nothing (a missing state dir is no record): what the next code of `user` will meet. Never
// throws.
TotpRecord totp_check_record(const std::string& state_dir, const std::string& user, uid_t uid,
                             std::uint64_t* last, std::string* why) noexcept;

enum class TotpResult {
    ok,            // right code, first use: the login may proceed
    wrong_code,    // not the code of any step in the window (or not 6 digits)
    replayed,      // the code of a step already used
    bad_secret,    // the cached secret does not decode (the sync validates it: corruption)
    store_failed,  // the replay record is unusable: refused, fail closed (*why)
};

// The whole check: decodes `secret` (base32), matches `code` at `now` (totp_match), and
// records the matched step for `user` (totp_use_step). The decoded secret is wiped before
// returning. Never throws.
TotpResult verify_totp(std::string_view secret, std::string_view code, std::time_t now,
                       const std::string& state_dir, const std::string& user, uid_t uid,
                       std::string* why) noexcept;

}  // namespace dirbind
