// SPDX-License-Identifier: Apache-2.0
// cache_reader.cc — maps cache files and answers lookups from them (cache_reader.h).
// Runs inside every process through NSS: libc only, no exceptions, no allocation on the
// lookup path, every offset bounds-checked, every record's check word verified.
#include "cache/cache_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache/cache_format.h"
#include "cache/hash64.h"
#include "cache/names.h"

namespace dirbind {
using namespace cachefmt;

struct Mapping {
    unsigned char* base;
    std::size_t size;
    dev_t dev;
    ino_t ino;
    std::uint32_t kind;
    std::uint64_t sec_off[kSectionCount];  // validated: inside the file, 8-aligned
    std::uint64_t sec_size[kSectionCount];
    std::uint32_t refs;  // pins alive; guarded by g_lock
    bool retired;        // no longer current; unmapped when refs drops to 0
};

namespace {

// Fuzz builds accept any check word so the fuzzer reaches the bounds checks behind it.
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
constexpr bool kVerifyChecks = false;
#else
constexpr bool kVerifyChecks = true;
#endif

// One lock for every CacheFile: held only to pin/unpin and (rarely) to remap, never while
// copying data out, so contention stays short. fork() is made safe by the atfork handlers.
pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
pthread_once_t g_once = PTHREAD_ONCE_INIT;

void atfork_prepare() { pthread_mutex_lock(&g_lock); }
void atfork_parent() { pthread_mutex_unlock(&g_lock); }
void atfork_child() { pthread_mutex_init(&g_lock, nullptr); }
void init_once() { pthread_atfork(atfork_prepare, atfork_parent, atfork_child); }

constexpr std::uint64_t kRecheckNs = 1000000000ULL;

std::uint64_t now_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return std::uint64_t(ts.tv_sec) * 1000000000ULL + std::uint64_t(ts.tv_nsec);
}

void unmap(Mapping* m) {
    munmap(m->base, m->size);
    free(m);
}

// Checks everything about the file that does not need a per-record walk.
bool header_ok(const unsigned char* b, std::size_t size, std::uint32_t kind, Mapping* m) {
    if (size < kHeaderSize || memcmp(b + kOffMagic, kMagic, sizeof kMagic) != 0) return false;
    if (get32(b + kOffVersion) != kVersion || get32(b + kOffKind) != kind) return false;
    if (get64(b + kOffFileSize) != size) return false;
    if (kVerifyChecks && header_check(b) != get32(b + kOffHeaderCheck)) return false;
    for (unsigned s = 0; s < kSectionCount; ++s) {
        std::uint64_t off = get64(b + kOffSections + s * kSectionEntrySize);
        std::uint64_t len = get64(b + kOffSections + s * kSectionEntrySize + 8);
        if (len == 0) off = kHeaderSize;
        if (off < kHeaderSize || off > size || len > size - off || off % 8 != 0) return false;
        m->sec_off[s] = off;
        m->sec_size[s] = len;
    }
    std::uint64_t users = get32(b + kOffUserCount), groups = get32(b + kOffGroupCount);
    auto slots_ok = [&](unsigned s, std::uint64_t n) {
        std::uint64_t slots = m->sec_size[s] / 8;
        return m->sec_size[s] % 8 == 0 && slots >= kMinSlots && (slots & (slots - 1)) == 0 && slots > n;
    };
    if (m->sec_size[kUserIndex] != users * 8 || !slots_ok(kUserByName, users)) return false;
    if (kind == kIdentity) {
        if (m->sec_size[kGroupIndex] != groups * 8) return false;
        if (!slots_ok(kUserByUid, users) || !slots_ok(kGroupByName, groups) || !slots_ok(kGroupByGid, groups))
            return false;
    }
    return true;
}

// Root, or this process's euid (tests and non-root tools that made their own cache).
bool trusted_uid(uid_t uid) {
    return uid == 0 || uid == geteuid();
}

// A directory that nobody but a trusted owner can add, replace or remove entries in.
bool trusted_dir(int fd) {
    struct stat st;
    return fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) && trusted_uid(st.st_uid) && (st.st_mode & 022) == 0;
}

// Opens the directory part of f->path ("/" for a file in the root); -1 with errno on failure.
int open_dir_of(const CacheFile* f) {
    char dir[sizeof f->path];
    std::size_t n = f->dir_len == 0 ? 1 : f->dir_len;
    memcpy(dir, f->path, n);
    dir[n] = '\0';
    return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

// Opens and maps the cache file `f`, trusting it only if its directory is trusted_dir() and it
// is a regular file owned by a trusted_uid() that nobody else can write; secrets must also be
// unreadable by others.
Mapping* map_file(const CacheFile* f) {
    const std::uint32_t kind = f->kind;
    int dfd = open_dir_of(f);
    if (dfd < 0) return nullptr;
    int fd = trusted_dir(dfd) ? openat(dfd, f->path + f->dir_len + 1, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY)
                              : -1;
    close(dfd);
    if (fd < 0) return nullptr;
    struct stat st;
    Mapping* m = nullptr;
    void* p = MAP_FAILED;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) goto out;
    if (!trusted_uid(st.st_uid)) goto out;
    if ((st.st_mode & 022) != 0 || (kind == kSecrets && (st.st_mode & 077) != 0)) goto out;
    if (st.st_size < static_cast<off_t>(kHeaderSize) || static_cast<std::uint64_t>(st.st_size) > kMaxFileSize)
        goto out;
    p = mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) goto out;
    m = static_cast<Mapping*>(calloc(1, sizeof *m));
    if (m == nullptr) {
        munmap(p, static_cast<std::size_t>(st.st_size));
        goto out;
    }
    m->base = static_cast<unsigned char*>(p);
    m->size = static_cast<std::size_t>(st.st_size);
    m->dev = st.st_dev;
    m->ino = st.st_ino;
    m->kind = kind;
    if (!header_ok(m->base, m->size, kind, m)) {
        unmap(m);
        m = nullptr;
    }
out:
    close(fd);
    return m;
}

void retire(CacheFile* f) {
    Mapping* m = f->current;
    f->current = nullptr;
    if (m == nullptr) return;
    m->retired = true;
    if (m->refs == 0) unmap(m);
}

// Status is written by the writer after the file was replaced (cache_format.h).
bool replaced(const Mapping* m) {
    return __atomic_load_n(m->base + kOffStatus, __ATOMIC_ACQUIRE) != kStatusLive;
}

bool moved(const CacheFile* f, const Mapping* m) {
    struct stat st;
    return stat(f->path, &st) != 0 || st.st_ino != m->ino || st.st_dev != m->dev;
}

// A record at `off` with at least `fixed` bytes, inside the records section, its size and
// check word valid. Returns its start or nullptr.
const unsigned char* record(const Mapping* m, std::uint64_t off, std::size_t fixed, std::uint64_t seed,
                            std::uint32_t* size_out) {
    std::uint64_t start = m->sec_off[kRecords], end = start + m->sec_size[kRecords];
    if (off < start || off % 8 != 0 || off > end || end - off < fixed) return nullptr;
    const unsigned char* r = m->base + off;
    std::uint32_t size = get32(r + kRecSize);
    if (size < fixed || size % 8 != 0 || size > kMaxRecordSize || size > end - off) return nullptr;
    if (kVerifyChecks && static_cast<std::uint32_t>(hash64(r + 8, size - 8, seed)) != get32(r + kRecCheck))
        return nullptr;
    *size_out = size;
    return r;
}

// Splits [p, p+len) into `n` leading strings and the rest, requiring exactly `rest_count`
// more strings. Every string must be NUL-terminated inside the range.
bool split(const unsigned char* p, std::size_t len, const char** out, unsigned n, StringList* rest,
           std::uint32_t rest_count) {
    const char* s = reinterpret_cast<const char*>(p);
    const char* end = s + len;
    for (unsigned i = 0; i < n; ++i) {
        const char* z = static_cast<const char*>(memchr(s, 0, static_cast<std::size_t>(end - s)));
        if (z == nullptr) return false;
        out[i] = s;
        s = z + 1;
    }
    std::uint32_t count = 0;
    for (const char* q = s; q < end; ++count) {
        const char* z = static_cast<const char*>(memchr(q, 0, static_cast<std::size_t>(end - q)));
        if (z == nullptr) return false;
        q = z + 1;
    }
    if (count != rest_count) return false;
    if (rest != nullptr) *rest = StringList{s, static_cast<std::size_t>(end - s), count};
    return true;
}

Err parse_user(const Mapping* m, std::uint64_t seed, std::uint64_t off, UserView* u) {
    std::uint32_t size;
    const unsigned char* r = record(m, off, kUserGids, seed, &size);
    if (r == nullptr) return Err::unavailable;
    std::uint64_t ngids = get32(r + kUserNGids), nkeys = get32(r + kUserNKeys), slen = get32(r + kUserStrLen);
    if (kUserGids + ngids * 4 + slen > size || nkeys > slen) return Err::unavailable;
    const unsigned char* strings = r + kUserGids + ngids * 4;
    const char* f[4];
    if (!split(strings, slen, f, 4, &u->keys, static_cast<std::uint32_t>(2 * nkeys))) return Err::unavailable;
    u->uid = get32(r + kUserUid);
    u->gid = get32(r + kUserGid);
    u->state = r[kUserState];
    u->sudo = r[kUserSudo];
    u->flags = r[kUserFlags];
    u->ngids = static_cast<std::uint32_t>(ngids);
    u->gids = r + kUserGids;
    u->name = f[0];
    u->gecos = f[1];
    u->home = f[2];
    u->shell = f[3];
    return Err::ok;
}

Err parse_group(const Mapping* m, std::uint64_t seed, std::uint64_t off, GroupView* g) {
    std::uint32_t size;
    const unsigned char* r = record(m, off, kGroupStrings, seed, &size);
    if (r == nullptr) return Err::unavailable;
    std::uint64_t slen = get32(r + kGroupStrLen);
    if (kGroupStrings + slen > size) return Err::unavailable;
    g->gid = get32(r + kGroupGid);
    return split(r + kGroupStrings, slen, &g->name, 1, &g->members, get32(r + kGroupNMembers)) ? Err::ok
                                                                                                 : Err::unavailable;
}

Err parse_secret(const Mapping* m, std::uint64_t seed, std::uint64_t off, SecretView* s) {
    std::uint32_t size;
    const unsigned char* r = record(m, off, kSecretStrings, seed, &size);
    if (r == nullptr) return Err::unavailable;
    std::uint64_t slen = get32(r + kSecretStrLen);
    if (kSecretStrings + slen > size) return Err::unavailable;
    const char* f[3];
    if (!split(r + kSecretStrings, slen, f, 3, nullptr, 0)) return Err::unavailable;
    s->state = r[kSecretState];
    s->name = f[0];
    s->password_hash = f[1];
    s->totp_secret = f[2];
    return Err::ok;
}

// Offset of record `i` of the index section `sec` holding `count` entries.
bool index_offset(const Mapping* m, unsigned sec, std::uint32_t count, std::uint32_t i, std::uint64_t* off) {
    if (i >= count) return false;
    *off = get64(m->base + m->sec_off[sec] + std::uint64_t(i) * 8);
    return true;
}

// Open-addressing probe over the slots of `sec`; `match(offset)` parses and compares the
// candidate record. Bounded by the slot count whatever the table holds.
template <typename Match>
Err probe(const Mapping* m, unsigned sec, std::uint64_t h, Match match) {
    std::uint64_t nslots = m->sec_size[sec] / 8, mask = nslots - 1;
    const unsigned char* slots = m->base + m->sec_off[sec];
    std::uint32_t tag = static_cast<std::uint32_t>(h >> 32);
    for (std::uint64_t n = 0, i = h & mask; n < nslots; ++n, i = (i + 1) & mask) {
        std::uint64_t slot = get64(slots + i * 8);
        if (slot == 0) return Err::not_found;
        if (static_cast<std::uint32_t>(slot >> 32) != tag) continue;
        Err e = match((slot & 0xffffffffu) * 8);  // record() bounds-checks the offset
        if (e != Err::not_found) return e;
    }
    return Err::not_found;
}

template <typename View, typename Parse>
Err by_name(const Pin& pin, const char* name, unsigned slots_sec, Parse parse, View* out) {
    std::size_t len = strnlen(name, kMaxNameLen + 1);
    if (!valid_name(name, len)) return Err::not_found;
    const Mapping* m = pin.mapping();
    std::uint64_t seed = pin.seed();
    return probe(m, slots_sec, hash64(name, len, seed), [&](std::uint64_t off) {
        Err e = parse(m, seed, off, out);
        if (e != Err::ok) return e;
        return strcmp(out->name, name) == 0 ? Err::ok : Err::not_found;
    });
}

template <typename View, typename Parse, typename Key>
Err by_id(const Pin& pin, std::uint32_t id, unsigned slots_sec, Parse parse, View* out, Key key) {
    const Mapping* m = pin.mapping();
    if (m == nullptr || m->kind != kIdentity) return Err::unavailable;
    std::uint64_t seed = pin.seed();
    return probe(m, slots_sec, hash_id(id, seed), [&](std::uint64_t off) {
        Err e = parse(m, seed, off, out);
        if (e != Err::ok) return e;
        return key(*out) == id ? Err::ok : Err::not_found;
    });
}

template <typename View, typename Parse>
Err at(const Pin& pin, std::uint32_t kind, unsigned index_sec, std::uint32_t count, std::uint32_t i,
       Parse parse, View* out) {
    const Mapping* m = pin.mapping();
    if (m == nullptr || m->kind != kind) return Err::unavailable;
    std::uint64_t off;
    if (!index_offset(m, index_sec, count, i, &off)) return Err::not_found;
    return parse(m, pin.seed(), off, out);
}

}  // namespace

Err set_cache_path(CacheFile* f, const char* dir, std::uint32_t kind) noexcept {
    const char* file = kind == kSecrets ? "/secrets.db" : "/identity.db";
    std::size_t dl = strlen(dir), fl = strlen(file);
    while (dl > 1 && dir[dl - 1] == '/') --dl;
    if (dl == 0 || dl + fl + 1 > sizeof f->path) return Err::invalid;
    if (dl == 1 && dir[0] == '/') dl = 0;  // "/" + "/identity.db" would be "//identity.db"
    pthread_mutex_lock(&g_lock);
    memcpy(f->path, dir, dl);
    memcpy(f->path + dl, file, fl + 1);
    f->dir_len = static_cast<std::uint32_t>(dl);
    f->kind = kind;
    retire(f);
    f->next_check_ns = 0;
    pthread_mutex_unlock(&g_lock);
    return Err::ok;
}

bool cache_never_written(const CacheFile* f) noexcept {
    int dfd = open_dir_of(f);
    if (dfd < 0) {
        if (errno != ENOENT || f->dir_len == 0) return false;
        // No directory either: it was never made, if only root could have made or removed it.
        char parent[sizeof f->path];
        memcpy(parent, f->path, f->dir_len);
        parent[f->dir_len] = '\0';
        char* slash = strrchr(parent, '/');
        if (slash == nullptr) return false;
        slash[slash == parent ? 1 : 0] = '\0';
        int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        bool never = pfd >= 0 && trusted_dir(pfd);
        if (pfd >= 0) close(pfd);
        return never;
    }
    struct stat st;
    bool never = trusted_dir(dfd) && fstatat(dfd, f->path + f->dir_len + 1, &st, AT_SYMLINK_NOFOLLOW) != 0 &&
                 errno == ENOENT;
    close(dfd);
    return never;
}

void close_cache(CacheFile* f) noexcept {
    pthread_mutex_lock(&g_lock);
    retire(f);
    pthread_mutex_unlock(&g_lock);
}

Err Pin::acquire(CacheFile* f) noexcept {
    release();
    pthread_once(&g_once, init_once);
    pthread_mutex_lock(&g_lock);
    if (f->current != nullptr) {
        std::uint64_t now = now_ns();
        if (replaced(f->current)) {
            retire(f);
        } else if (now >= f->next_check_ns) {
            if (moved(f, f->current)) retire(f);
            f->next_check_ns = now + kRecheckNs;
        }
    }
    if (f->current == nullptr) {
        f->current = map_file(f);
        f->next_check_ns = now_ns() + kRecheckNs;
    }
    Mapping* m = f->current;
    if (m != nullptr) ++m->refs;
    pthread_mutex_unlock(&g_lock);
    if (m == nullptr) return Err::unavailable;
    m_ = m;
    base_ = m->base;
    size_ = m->size;
    return Err::ok;
}

void Pin::release() noexcept {
    if (m_ == nullptr) return;
    pthread_mutex_lock(&g_lock);
    if (--m_->refs == 0 && m_->retired) unmap(m_);
    pthread_mutex_unlock(&g_lock);
    m_ = nullptr;
    base_ = nullptr;
    size_ = 0;
}

std::uint64_t Pin::seed() const noexcept { return get64(base_ + kOffSeed); }
std::uint32_t Pin::user_count() const noexcept { return get32(base_ + kOffUserCount); }
std::uint32_t Pin::group_count() const noexcept { return get32(base_ + kOffGroupCount); }
std::uint32_t Pin::policy() const noexcept { return get32(base_ + kOffPolicy); }
std::uint64_t Pin::created() const noexcept { return get64(base_ + kOffCreated); }

Err find_user(const Pin& pin, const char* name, UserView* out) noexcept {
    if (pin.mapping() == nullptr || pin.mapping()->kind != kIdentity) return Err::unavailable;
    return by_name(pin, name, kUserByName, parse_user, out);
}

Err find_group(const Pin& pin, const char* name, GroupView* out) noexcept {
    if (pin.mapping() == nullptr || pin.mapping()->kind != kIdentity) return Err::unavailable;
    return by_name(pin, name, kGroupByName, parse_group, out);
}

Err find_secret(const Pin& pin, const char* name, SecretView* out) noexcept {
    if (pin.mapping() == nullptr || pin.mapping()->kind != kSecrets) return Err::unavailable;
    return by_name(pin, name, kUserByName, parse_secret, out);
}

Err find_user(const Pin& pin, std::uint32_t uid, UserView* out) noexcept {
    return by_id(pin, uid, kUserByUid, parse_user, out, [](const UserView& u) { return u.uid; });
}

Err find_group(const Pin& pin, std::uint32_t gid, GroupView* out) noexcept {
    return by_id(pin, gid, kGroupByGid, parse_group, out, [](const GroupView& g) { return g.gid; });
}

Err user_at(const Pin& pin, std::uint32_t i, UserView* out) noexcept {
    return at(pin, kIdentity, kUserIndex, pin.user_count(), i, parse_user, out);
}

Err group_at(const Pin& pin, std::uint32_t i, GroupView* out) noexcept {
    return at(pin, kIdentity, kGroupIndex, pin.group_count(), i, parse_group, out);
}

Err secret_at(const Pin& pin, std::uint32_t i, SecretView* out) noexcept {
    return at(pin, kSecrets, kUserIndex, pin.user_count(), i, parse_secret, out);
}

std::uint32_t UserView::gid_at(std::uint32_t i) const noexcept { return i < ngids ? get32(gids + 4 * i) : 0; }

const char* next_string(const StringList& l, std::size_t* pos) noexcept {
    if (*pos >= l.len) return nullptr;
    const char* s = l.p + *pos;
    *pos += strlen(s) + 1;  // split() proved every string is terminated inside the list
    return s;
}

}  // namespace dirbind
