// SPDX-License-Identifier: Apache-2.0
// cache_writer.cc — streams a Directory into the cache format (cache_format.h): records
// first, then the index and hash sections, the header last; then the atomic replace.
#include "sync/cache_writer.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <ctime>
#include <vector>

#include "cache/cache_format.h"
#include "cache/hash64.h"
#include "system/atomic_file.h"
#include "system/error.h"

namespace dirbind {
using namespace cachefmt;

namespace {

// AtomicFile behind a 1 MiB buffer, tracking the offset records are written at.
class TempFile {
public:
    TempFile(const std::string& dir, const std::string& name, mode_t mode) : file_(dir, name, mode), dir_(dir), name_(name) {
        buf_.reserve(kBuf);
    }
    std::uint64_t pos() const { return pos_; }
    void put(const void* p, std::size_t n) {
        const unsigned char* b = static_cast<const unsigned char*>(p);
        buf_.insert(buf_.end(), b, b + n);
        pos_ += n;
        if (buf_.size() >= kBuf) flush();
    }
    void put64(std::uint64_t v) {
        unsigned char b[8];
        cachefmt::put64(b, v);
        put(b, 8);
    }
    void flush() {
        file_.write(buf_.data(), buf_.size());
        buf_.clear();
    }
    void write_at(const unsigned char* p, std::size_t n, off_t at) { file_.write_at(p, n, at); }
    // Commits, then marks the replaced version so readers that map it switch at their next
    // lookup (cache_format.h, writer's rules).
    void commit() {
        flush();
        int old = open((dir_ + "/" + name_).c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
        try {
            file_.commit();
        } catch (...) {
            if (old >= 0) close(old);
            throw;
        }
        if (old >= 0) {
            struct stat st;
            unsigned char status[4];
            cachefmt::put32(status, kStatusReplaced);
            if (fstat(old, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= static_cast<off_t>(kHeaderSize))
                (void)!pwrite(old, status, sizeof status, kOffStatus);
            close(old);
        }
    }

private:
    static constexpr std::size_t kBuf = 1 << 20;
    AtomicFile file_;
    std::string dir_, name_;
    std::uint64_t pos_ = 0;
    std::vector<unsigned char> buf_;
};

std::uint64_t random_seed() {
    std::uint64_t s = 0;
    if (getrandom(&s, sizeof s, 0) != sizeof s) s = static_cast<std::uint64_t>(time(nullptr)) ^ getpid();
    return s;
}

// Record with a common header; `body` appends the fixed fields and strings after the
// 8-byte size/check prefix, then the record is padded and its size/check filled in.
template <typename Body>
std::uint64_t put_record(TempFile& f, std::vector<unsigned char>& scratch, std::uint64_t seed, Body body) {
    scratch.assign(8, 0);
    body(scratch);
    while (scratch.size() % 8) scratch.push_back(0);
    if (scratch.size() > kMaxRecordSize) throw Error(Err::invalid, "record too large for the cache");
    put32(scratch.data() + kRecSize, static_cast<std::uint32_t>(scratch.size()));
    put32(scratch.data() + kRecCheck, static_cast<std::uint32_t>(hash64(scratch.data() + 8, scratch.size() - 8, seed)));
    std::uint64_t at = f.pos();
    f.put(scratch.data(), scratch.size());
    return at;
}

void add32(std::vector<unsigned char>& v, std::uint32_t x) {
    unsigned char b[4];
    put32(b, x);
    v.insert(v.end(), b, b + 4);
}
void add_str(std::vector<unsigned char>& v, const std::string& s) {
    v.insert(v.end(), s.begin(), s.end());
    v.push_back(0);
}

// Open-addressing table as in cache_format.h.
class Slots {
public:
    explicit Slots(std::size_t count) : slots_(slot_count(count), 0) {}
    void add(std::uint64_t h, std::uint64_t record_offset) {
        std::uint64_t mask = slots_.size() - 1;
        std::uint64_t i = h & mask;
        while (slots_[i] != 0) i = (i + 1) & mask;
        slots_[i] = (h >> 32) << 32 | (record_offset / 8);
    }
    void write(TempFile& f) const {
        for (std::uint64_t s : slots_) f.put64(s);
    }
    std::uint64_t bytes() const { return slots_.size() * 8; }

private:
    std::vector<std::uint64_t> slots_;
};

struct SectionTable {
    std::uint64_t off[kSectionCount] = {}, size[kSectionCount] = {};
};

void write_header(TempFile& f, std::uint32_t kind, std::uint64_t seed, std::uint64_t created, std::uint32_t users,
                  std::uint32_t groups, std::uint32_t policy, const SectionTable& t) {
    if (f.pos() > kMaxFileSize) throw Error(Err::invalid, "directory too large for the cache");
    unsigned char h[kHeaderSize] = {};
    std::memcpy(h + kOffMagic, kMagic, sizeof kMagic);
    put32(h + kOffVersion, kVersion);
    put32(h + kOffKind, kind);
    put32(h + kOffStatus, kStatusLive);
    put64(h + kOffFileSize, f.pos());
    put64(h + kOffSeed, seed);
    put64(h + kOffCreated, created);
    put32(h + kOffUserCount, users);
    put32(h + kOffGroupCount, groups);
    put32(h + kOffPolicy, policy);
    for (unsigned s = 0; s < kSectionCount; ++s) {
        put64(h + kOffSections + s * kSectionEntrySize, t.off[s]);
        put64(h + kOffSections + s * kSectionEntrySize + 8, t.size[s]);
    }
    put32(h + kOffHeaderCheck, header_check(h));
    f.flush();
    f.write_at(h, sizeof h, 0);
}

void write_index(TempFile& f, SectionTable& t, unsigned sec, const std::vector<std::uint64_t>& offsets) {
    t.off[sec] = f.pos();
    for (std::uint64_t o : offsets) f.put64(o);
    t.size[sec] = offsets.size() * 8;
}

void write_slots(TempFile& f, SectionTable& t, unsigned sec, const Slots& s) {
    t.off[sec] = f.pos();
    s.write(f);
    t.size[sec] = s.bytes();
}

std::uint32_t policy_bits(const SystemPolicy& p) {
    return (p.password_auth ? kPasswordAuth : 0) | (p.public_key_auth ? kPublicKeyAuth : 0) |
           (p.root_login ? kRootLogin : 0) | (p.mfa ? kMfa : 0);
}

void write_identity(const Directory& d, const std::string& dir, std::uint64_t created) {
    TempFile f(dir, "identity.db", 0644);
    std::uint64_t seed = random_seed();
    std::vector<unsigned char> zeros(kHeaderSize, 0), scratch;
    f.put(zeros.data(), zeros.size());
    SectionTable t;
    t.off[kRecords] = f.pos();
    std::vector<std::uint64_t> uoff, goff;
    uoff.reserve(d.users.size());
    goff.reserve(d.groups.size());
    for (const User& u : d.users) {
        uoff.push_back(put_record(f, scratch, seed, [&](std::vector<unsigned char>& r) {
            add32(r, u.uid);
            add32(r, u.gid);
            auto flags = static_cast<unsigned char>((u.public_key_auth ? kUserPublicKeyAuth : 0) |
                                                    (u.password_hash.empty() ? 0 : kUserHasPassword) |
                                                    (u.mfa_enrolled || !u.totp_secret.empty() ? kUserHasTotp : 0));
            r.insert(r.end(), {static_cast<unsigned char>(u.state), static_cast<unsigned char>(u.sudo), flags, 0});
            add32(r, static_cast<std::uint32_t>(u.gids.size()));
            add32(r, static_cast<std::uint32_t>(u.ssh_keys.size()));
            std::size_t strlen_at = r.size();
            add32(r, 0);
            for (std::uint32_t g : u.gids) add32(r, g);
            std::size_t strings_at = r.size();
            for (const std::string* s : {&u.name, &u.gecos, &u.home, &u.shell}) add_str(r, *s);
            for (const SshKey& k : u.ssh_keys) add_str(r, k.name), add_str(r, k.line);
            put32(r.data() + strlen_at, static_cast<std::uint32_t>(r.size() - strings_at));
        }));
    }
    for (const Group& g : d.groups) {
        goff.push_back(put_record(f, scratch, seed, [&](std::vector<unsigned char>& r) {
            add32(r, g.gid);
            add32(r, static_cast<std::uint32_t>(g.members.size()));
            std::size_t strlen_at = r.size();
            add32(r, 0);
            add32(r, 0);
            std::size_t strings_at = r.size();
            add_str(r, g.name);
            for (const std::string& m : g.members) add_str(r, m);
            put32(r.data() + strlen_at, static_cast<std::uint32_t>(r.size() - strings_at));
        }));
    }
    t.size[kRecords] = f.pos() - t.off[kRecords];
    write_index(f, t, kUserIndex, uoff);
    write_index(f, t, kGroupIndex, goff);
    Slots by_name(d.users.size()), by_uid(d.users.size()), g_by_name(d.groups.size()), by_gid(d.groups.size());
    for (std::size_t i = 0; i < d.users.size(); ++i) {
        by_name.add(hash64(d.users[i].name.data(), d.users[i].name.size(), seed), uoff[i]);
        by_uid.add(hash_id(d.users[i].uid, seed), uoff[i]);
    }
    for (std::size_t i = 0; i < d.groups.size(); ++i) {
        g_by_name.add(hash64(d.groups[i].name.data(), d.groups[i].name.size(), seed), goff[i]);
        by_gid.add(hash_id(d.groups[i].gid, seed), goff[i]);
    }
    write_slots(f, t, kUserByName, by_name);
    write_slots(f, t, kUserByUid, by_uid);
    write_slots(f, t, kGroupByName, g_by_name);
    write_slots(f, t, kGroupByGid, by_gid);
    write_header(f, kIdentity, seed, created, static_cast<std::uint32_t>(d.users.size()),
                 static_cast<std::uint32_t>(d.groups.size()), policy_bits(d.system), t);
    f.commit();
}

void write_secrets(const Directory& d, const std::string& dir, std::uint64_t created) {
    TempFile f(dir, "secrets.db", 0600);
    std::uint64_t seed = random_seed();
    std::vector<unsigned char> zeros(kHeaderSize, 0), scratch;
    f.put(zeros.data(), zeros.size());
    SectionTable t;
    t.off[kRecords] = f.pos();
    std::vector<std::uint64_t> off;
    off.reserve(d.users.size());
    for (const User& u : d.users) {
        off.push_back(put_record(f, scratch, seed, [&](std::vector<unsigned char>& r) {
            r.insert(r.end(), {static_cast<unsigned char>(u.state), 0, 0, 0});
            std::size_t strlen_at = r.size();
            add32(r, 0);
            std::size_t strings_at = r.size();
            for (const std::string* s : {&u.name, &u.password_hash, &u.totp_secret}) add_str(r, *s);
            put32(r.data() + strlen_at, static_cast<std::uint32_t>(r.size() - strings_at));
        }));
    }
    t.size[kRecords] = f.pos() - t.off[kRecords];
    write_index(f, t, kUserIndex, off);
    Slots by_name(d.users.size());
    for (std::size_t i = 0; i < d.users.size(); ++i)
        by_name.add(hash64(d.users[i].name.data(), d.users[i].name.size(), seed), off[i]);
    write_slots(f, t, kUserByName, by_name);
    write_header(f, kSecrets, seed, created, static_cast<std::uint32_t>(d.users.size()), 0, policy_bits(d.system), t);
    f.commit();
}

}  // namespace

void write_cache(const Directory& d, const std::string& dir, std::uint64_t created) {
    if (d.users.size() >= 0xffffffffu || d.groups.size() >= 0xffffffffu)
        throw Error(Err::invalid, "directory too large for the cache");
    // Slots hold offset / 8 in 32 bits; write_header() checks the final size.
    // Secrets first: a reader that sees the new identity file finds matching secrets.
    write_secrets(d, dir, created);
    write_identity(d, dir, created);
}

}  // namespace dirbind
