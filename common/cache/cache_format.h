// SPDX-License-Identifier: Apache-2.0
// cache_format.h — the on-disk cache, defined once for its writer (cache_writer.cc, the
// sync, as root) and its reader (cache_reader.cc, inside every process through NSS).
// docs/cache-format.md points here.
//
// Two files in the cache dir, same container format:
//   identity.db  0644 root  users (passwd + keys + supplementary gids), groups, system policy
//   secrets.db   0600 root  per user: state, password hash, TOTP secret (shadow data)
//
// Assumptions and byte order: every integer is little-endian, fixed width, read byte-wise
// (no struct dumps, no alignment assumptions), every position is an offset from the start
// of the file, never a pointer. A 32-bit aligned store into the shared map is atomic.
//
// Layout: a 256-byte header, then the records section, then the index and hash sections.
// The header names each section by {offset, size}; the reader checks all of them against
// the file size before use, and checks every record (bounds, size, check word) on access.
//
// Writer's update rules: a new version is written to a temp file (O_EXCL, mode set on the
// fd), fsync'ed and renamed over the old name, then the directory is fsync'ed; only then
// the writer stores kStatusReplaced into the *old* file's `status` word, the one byte range
// ever written after rename. Files are otherwise immutable, so a reader never sees a torn
// version: it maps one inode and keeps it until it notices the status word, or (once per
// second, for writers that died between rename and mark) a different inode at the path.
#pragma once

#include <cstddef>
#include <cstdint>

namespace dirbind::cachefmt {

inline constexpr unsigned char kMagic[8] = {'D', 'I', 'R', 'B', 'I', 'N', 'D', 0};
// Bump only for incompatible changes; readers refuse any other version.
inline constexpr std::uint32_t kVersion = 1;

enum Kind : std::uint32_t { kIdentity = 1, kSecrets = 2 };
enum Status : std::uint32_t { kStatusLive = 0, kStatusReplaced = 1 };

// Policy bits in the header (both files).
inline constexpr std::uint32_t kPasswordAuth = 1, kPublicKeyAuth = 2, kRootLogin = 4, kMfa = 8;

// Sections, by index into the header's section table.
enum Section : unsigned {
    kUserIndex = 0,    // user_count × le64: offset of each user record, in directory order
    kGroupIndex = 1,   // group_count × le64: offset of each group record (identity only)
    kUserByName = 2,   // hash slots keyed by user name
    kUserByUid = 3,    // hash slots keyed by uid (identity only)
    kGroupByName = 4,  // hash slots keyed by group name (identity only)
    kGroupByGid = 5,   // hash slots keyed by gid (identity only)
    kRecords = 6,      // all records, each 8-byte aligned
    kSectionCount = 8  // 7 is reserved, size 0
};

// Header field offsets.
inline constexpr std::size_t kHeaderSize = 256;
inline constexpr std::size_t kOffMagic = 0;         // 8 bytes
inline constexpr std::size_t kOffVersion = 8;       // le32
inline constexpr std::size_t kOffKind = 12;         // le32 Kind
inline constexpr std::size_t kOffStatus = 16;       // le32 Status — the only mutable word
inline constexpr std::size_t kOffHeaderCheck = 20;  // le32 low half of hash64(header with status=check=0, seed 0)
inline constexpr std::size_t kOffFileSize = 24;     // le64 exact file size
inline constexpr std::size_t kOffSeed = 32;         // le64 random seed of every hash in this file
inline constexpr std::size_t kOffCreated = 40;      // le64 unix time of the sync that wrote it
inline constexpr std::size_t kOffUserCount = 48;    // le32
inline constexpr std::size_t kOffGroupCount = 52;   // le32
inline constexpr std::size_t kOffPolicy = 56;       // le32 set of policy bits below
inline constexpr std::size_t kOffSections = 64;     // kSectionCount × {le64 offset, le64 size}
inline constexpr std::size_t kSectionEntrySize = 16;
static_assert(kOffSections + kSectionCount * kSectionEntrySize <= kHeaderSize, "sections overflow header");
static_assert(kOffStatus % 4 == 0, "status word must be aligned for atomic stores");

// Hash slots: le64 = (high 32 bits of the key's hash) << 32 | (record offset / 8); 0 = empty
// (no record starts inside the header). Pointing at the record itself, not at an index
// entry, saves a dependent memory read per lookup. Slot count is a power of two, at least 8
// and at least twice the record count, so linear probing ends at an empty slot; readers
// still bound the probe by the slot count.
inline constexpr std::uint32_t kMinSlots = 8;

// Every record starts with: le32 size (bytes, multiple of 8, including padding) and le32
// check (low half of hash64(bytes [8, size), seed)).
inline constexpr std::size_t kRecSize = 0;
inline constexpr std::size_t kRecCheck = 4;

// User record (identity). Strings are NUL-terminated, back to back: name, gecos, home,
// shell, then nkeys × (key name, key line). Followed by zero padding to 8 bytes.
inline constexpr std::size_t kUserUid = 8;         // le32
inline constexpr std::size_t kUserGid = 12;        // le32 primary gid
inline constexpr std::size_t kUserState = 16;      // u8 UserState (account_values.h)
inline constexpr std::size_t kUserSudo = 17;       // u8 Sudo (account_values.h)
inline constexpr std::size_t kUserFlags = 18;      // u8 set of kUser* flags below
inline constexpr std::size_t kUserNGids = 20;      // le32 supplementary gid count
inline constexpr std::size_t kUserNKeys = 24;      // le32 ssh key count
inline constexpr std::size_t kUserStrLen = 28;     // le32 bytes of strings
inline constexpr std::size_t kUserGids = 32;       // ngids × le32, then the strings
// kUserHasTotp: the user is enrolled in TOTP (model.h User::mfa_enrolled); the secret itself,
// when the directory hands it out, is in secrets.db. An enrolled user may have none there
// (JumpCloud), which pam_dirbind treats as "cannot verify" (docs/pam.md, MFA).
inline constexpr std::uint8_t kUserPublicKeyAuth = 1, kUserHasPassword = 2, kUserHasTotp = 4;

// Group record (identity). Strings: name, then nmembers member names.
inline constexpr std::size_t kGroupGid = 8;        // le32
inline constexpr std::size_t kGroupNMembers = 12;  // le32
inline constexpr std::size_t kGroupStrLen = 16;    // le32
inline constexpr std::size_t kGroupStrings = 24;   // 20..24 reserved (0)

// Secret record (secrets). Strings: name, password hash ("" = none), TOTP secret ("" = none).
inline constexpr std::size_t kSecretState = 8;     // u8 UserState (account_values.h), 9..12 reserved
inline constexpr std::size_t kSecretStrLen = 12;   // le32
inline constexpr std::size_t kSecretStrings = 16;

// Limits both sides enforce: the reader treats anything larger as corrupt.
inline constexpr std::uint64_t kMaxFileSize = 1ULL << 35;  // 32 GiB: offset / 8 fits a slot's 32 bits
inline constexpr std::uint32_t kMaxRecordSize = 1U << 26;  // 64 MiB (a group with ~2M members)

inline std::uint32_t get32(const unsigned char* p) noexcept {
    return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 | std::uint32_t(p[3]) << 24;
}
inline std::uint64_t get64(const unsigned char* p) noexcept { return get32(p) | std::uint64_t(get32(p + 4)) << 32; }
inline void put32(unsigned char* p, std::uint32_t v) noexcept {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
inline void put64(unsigned char* p, std::uint64_t v) noexcept {
    put32(p, static_cast<std::uint32_t>(v));
    put32(p + 4, static_cast<std::uint32_t>(v >> 32));
}

// The header check: over the 256 header bytes with status and check taken as zero.
std::uint32_t header_check(const unsigned char* header) noexcept;

// Smallest power of two ≥ max(kMinSlots, 2 × count).
inline std::uint64_t slot_count(std::uint64_t count) noexcept {
    std::uint64_t n = kMinSlots;
    while (n < 2 * count) n <<= 1;
    return n;
}

}  // namespace dirbind::cachefmt
