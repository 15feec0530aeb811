// SPDX-License-Identifier: Apache-2.0
// totp.cc — RFC 6238 codes and the single-use record (totp.h).
#include "login/totp.h"

#include <fcntl.h>
#include <nettle/hmac.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "system/atomic_file.h"
#include "system/safe_fs.h"

namespace dirbind {
namespace {

constexpr std::size_t kMaxRecordBytes = 256;
constexpr const char* kRecordHeader = "# dirbind: the last TOTP time step accepted for this user";

std::string errstr(int e) {
    return std::strerror(e);
}

// A directory we own and nobody else may write to, opened without following a symlink.
bool owned_private_dir(int fd, const std::string& path, std::string* why) {
    struct stat st;
    if (::fstat(fd, &st) != 0) return *why = path + ": " + errstr(errno), false;
    if (st.st_uid != ::geteuid())
        return *why = path + ": not owned by uid " + std::to_string(::geteuid()) + "; refusing to trust it",
               false;
    if (st.st_mode & 022) return *why = path + ": writable by group or others; refusing to trust it", false;
    return true;
}

// Strict unsigned decimal, no sign or spaces, no overflow.
bool parse_u64(std::string_view s, std::uint64_t* out) {
    if (s.empty() || s.size() > 20 || (s.size() > 1 && s[0] == '0')) return false;
    std::uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        std::uint64_t d = static_cast<std::uint64_t>(c - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

enum class Record { none, ok, bad };

// Parses a record written by write_record(): the header comment, "uid N", "step N".
Record parse_record(std::string_view text, uid_t uid, std::uint64_t* step) {
    bool have_uid = false, have_step = false, same_uid = false;
    while (!text.empty()) {
        std::size_t nl = text.find('\n');
        if (nl == std::string_view::npos) return Record::bad;  // always written with a final newline
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl + 1);
        std::uint64_t v = 0;
        if (!line.empty() && line[0] == '#') continue;
        if (line.substr(0, 4) == "uid " && !have_uid && parse_u64(line.substr(4), &v)) {
            have_uid = true;
            same_uid = v == uid;
        } else if (line.substr(0, 5) == "step " && !have_step && parse_u64(line.substr(5), &v)) {
            have_step = true;
            *step = v;
        } else {
            return Record::bad;
        }
    }
    if (!have_uid || !have_step) return Record::bad;
    // A name given to another uid since: that user's codes say nothing about this one's.
    return same_uid ? Record::ok : Record::none;
}

}  // namespace

bool base32_decode(std::string_view text, std::vector<unsigned char>* out) {
    out->clear();
    std::size_t end = text.find_last_not_of('=');
    if (end == std::string_view::npos) return false;
    text = text.substr(0, end + 1);
    std::vector<unsigned char> bytes;
    bytes.reserve(text.size() * 5 / 8);
    std::uint32_t acc = 0;
    unsigned bits = 0;
    for (char c : text) {
        unsigned v;
        if (c >= 'A' && c <= 'Z')
            v = static_cast<unsigned>(c - 'A');
        else if (c >= '2' && c <= '7')
            v = static_cast<unsigned>(c - '2') + 26;
        else {
            explicit_bzero(bytes.data(), bytes.size());
            return false;
        }
        acc = (acc << 5 | v) & 0xfff;  // at most 12 bits are ever pending
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            bytes.push_back(static_cast<unsigned char>(acc >> bits));
        }
    }
    *out = std::move(bytes);
    return true;
}

std::string hotp(const std::vector<unsigned char>& key, std::uint64_t counter, unsigned digits) {
    if (digits < 6) digits = 6;
    if (digits > 9) digits = 9;
    unsigned char msg[8];
    for (int i = 7; i >= 0; --i, counter >>= 8) msg[i] = static_cast<unsigned char>(counter);
    hmac_sha1_ctx ctx;
    hmac_sha1_set_key(&ctx, key.size(), key.data());
    hmac_sha1_update(&ctx, sizeof msg, msg);
    unsigned char mac[SHA1_DIGEST_SIZE];
    hmac_sha1_digest(&ctx, sizeof mac, mac);
    explicit_bzero(&ctx, sizeof ctx);  // holds the key's inner and outer pads
    unsigned off = mac[SHA1_DIGEST_SIZE - 1] & 0x0f;
    std::uint32_t bin = (std::uint32_t(mac[off] & 0x7f) << 24) | (std::uint32_t(mac[off + 1]) << 16) |
                        (std::uint32_t(mac[off + 2]) << 8) | std::uint32_t(mac[off + 3]);
    explicit_bzero(mac, sizeof mac);
    std::string code(digits, '0');
    for (unsigned i = digits; i-- > 0; bin /= 10) code[i] = static_cast<char>('0' + bin % 10);
    return code;
}

std::uint64_t totp_step(std::time_t t) noexcept {
    return t < 0 ? 0 : static_cast<std::uint64_t>(t) / kTotpStepSeconds;
}

std::optional<std::uint64_t> totp_match(const std::vector<unsigned char>& key, std::string_view code,
                                        std::time_t now) {
    bool well_formed = code.size() == kTotpDigits;
    for (char c : code) well_formed = well_formed && c >= '0' && c <= '9';
    if (!well_formed) return std::nullopt;  // its shape is no secret: it is what the user typed
    const std::uint64_t current = totp_step(now);
    std::uint64_t best = 0, any = 0;
    for (std::uint64_t s = current >= kTotpWindow ? current - kTotpWindow : 0; s <= current + kTotpWindow;
         ++s) {
        std::string expected = hotp(key, s, kTotpDigits);
        unsigned char diff = 0;
        for (std::size_t i = 0; i < kTotpDigits; ++i)
            diff |= static_cast<unsigned char>(expected[i] ^ code[i]);
        explicit_bzero(expected.data(), expected.size());
        // Select by mask: the comparison result never steers a branch.
        std::uint64_t mask = 0 - static_cast<std::uint64_t>(diff == 0);
        best = (s & mask) | (best & ~mask);
        any |= mask;
    }
    if (any == 0) return std::nullopt;
    return best;
}

namespace {

// Opens <state_dir> as totp_use_step() trusts it: parent and state dir without following
// symlinks, both the effective uid's and not writable by group or others. With `create`, a
// missing state dir is made 0700; without, a missing one leaves *missing true and returns no fd.
UniqueFd open_state_dir(const std::string& state_dir, bool create, bool* missing, std::string* why) {
    *missing = false;
    std::size_t slash = state_dir.rfind('/');
    if (!canonical_abs_path(state_dir) || slash == std::string::npos || state_dir == "/")
        return *why = state_dir + ": not an absolute canonical path", UniqueFd();
    const std::string parent = slash == 0 ? "/" : state_dir.substr(0, slash);
    const std::string name = state_dir.substr(slash + 1);
    UniqueFd pfd = open_dir_nofollow(parent, false, why);
    if (!pfd || !owned_private_dir(pfd.get(), parent, why)) return UniqueFd();
    if (create && ::mkdirat(pfd.get(), name.c_str(), 0700) != 0 && errno != EEXIST)
        return *why = state_dir + ": cannot create: " + errstr(errno), UniqueFd();
    UniqueFd sfd(::openat(pfd.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!sfd && errno == ENOENT && !create) return *missing = true, UniqueFd();
    if (!sfd) return *why = state_dir + ": " + errstr(errno), UniqueFd();
    if (!owned_private_dir(sfd.get(), state_dir, why)) return UniqueFd();
    return sfd;
}

// Reads <state_dir>/<user> from the open state dir: the last step accepted for `uid`.
TotpRecord read_record_at(int sfd, const std::string& state_dir, const std::string& user, uid_t uid,
                          std::uint64_t* last, std::string* why) {
    const std::string path = state_dir + "/" + user;
    CheckedRead r = read_checked_at(sfd, user, ::geteuid(), kMaxRecordBytes);
    switch (r.status) {
        case ReadStatus::missing:
            return TotpRecord::none;
        case ReadStatus::ok:
            switch (parse_record(r.data, uid, last)) {
                case Record::none:
                    return TotpRecord::none;
                case Record::ok:
                    return TotpRecord::ok;
                case Record::bad:
                    break;
            }
            *why = path + ": unreadable record (remove it to reset)";
            return TotpRecord::failed;
        case ReadStatus::unsafe:
        case ReadStatus::too_big:
        case ReadStatus::failed:
            break;
    }
    *why = path + ": " + r.reason;
    return TotpRecord::failed;
}

}  // namespace

TotpUse totp_use_step(const std::string& state_dir, const std::string& user, uid_t uid, std::uint64_t step,
                      std::string* why) noexcept {
    try {
        if (!plain_name(user)) return *why = "not a plain file name: the user name", TotpUse::failed;
        bool missing = false;
        UniqueFd sfd = open_state_dir(state_dir, true, &missing, why);
        if (!sfd) return TotpUse::failed;
        // Which users log in with codes, and when: nobody else's business.
        if (::fchmod(sfd.get(), 0700) != 0)
            return *why = state_dir + ": chmod: " + errstr(errno), TotpUse::failed;
        // Two logins with the same code at once: only one may see the old step.
        while (::flock(sfd.get(), LOCK_EX) != 0)
            if (errno != EINTR) return *why = state_dir + ": lock: " + errstr(errno), TotpUse::failed;

        std::uint64_t last = 0;
        switch (read_record_at(sfd.get(), state_dir, user, uid, &last, why)) {
            case TotpRecord::none:
                break;
            case TotpRecord::ok:
                if (step <= last) return TotpUse::replayed;
                break;
            case TotpRecord::failed:
                return TotpUse::failed;
        }
        const std::string text = std::string(kRecordHeader) + "\nuid " + std::to_string(uid) + "\nstep " +
                                 std::to_string(step) + "\n";
        AtomicWriteOptions o;
        o.mode = 0600;
        if (int e = write_file_atomic_at_nothrow(sfd.get(), user, text, o); e != 0)
            return *why = state_dir + "/" + user + ": " + errstr(e), TotpUse::failed;
        return TotpUse::accepted;
    } catch (...) {
        *why = "out of memory";
        return TotpUse::failed;
    }
}

TotpRecord totp_check_record(const std::string& state_dir, const std::string& user, uid_t uid,
                             std::uint64_t* last, std::string* why) noexcept {
    try {
        if (!plain_name(user)) return *why = "not a plain file name: the user name", TotpRecord::failed;
        bool missing = false;
        UniqueFd sfd = open_state_dir(state_dir, false, &missing, why);
        if (missing) return TotpRecord::none;
        if (!sfd) return TotpRecord::failed;
        // A shared lock: never sees a record half replaced (the writes are atomic renames anyway).
        while (::flock(sfd.get(), LOCK_SH) != 0)
            if (errno != EINTR) return *why = state_dir + ": lock: " + errstr(errno), TotpRecord::failed;
        return read_record_at(sfd.get(), state_dir, user, uid, last, why);
    } catch (...) {
        *why = "out of memory";
        return TotpRecord::failed;
    }
}

TotpResult verify_totp(std::string_view secret, std::string_view code, std::time_t now,
                       const std::string& state_dir, const std::string& user, uid_t uid,
                       std::string* why) noexcept {
    try {
        std::vector<unsigned char> key;
        if (!base32_decode(secret, &key) || key.empty()) return TotpResult::bad_secret;
        std::optional<std::uint64_t> step = totp_match(key, code, now);
        explicit_bzero(key.data(), key.size());
        if (!step) return TotpResult::wrong_code;
        switch (totp_use_step(state_dir, user, uid, *step, why)) {
            case TotpUse::accepted:
                return TotpResult::ok;
            case TotpUse::replayed:
                return TotpResult::replayed;
            case TotpUse::failed:
                break;
        }
        return TotpResult::store_failed;
    } catch (...) {
        *why = "out of memory";
        return TotpResult::store_failed;
    }
}

}  // namespace dirbind
