// SPDX-License-Identifier: Apache-2.0
// validate.cc — the directory validator and local-account reader of validate.h.
#include "directory/validate.h"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <string_view>
#include <utility>

#include "cache/hash64.h"
#include "cache/names.h"
#include "directory/sudo_groups.h"
#include "openssh/sshkey.h"
#include "system/bulk_heap.h"
#include "system/error.h"
#include "system/log.h"

namespace dirbind {
namespace {

constexpr std::size_t kMaxPathLen = 4096;  // PATH_MAX
constexpr std::size_t kMaxGecosLen = 256;
constexpr std::size_t kMaxKeyNameLen = 64;
constexpr std::size_t kMaxPasswordHashLen = 512;
// 16 base32 characters are 80 bits: below RFC 4226's 128-bit minimum, but what many
// authenticator enrolments still issue. 128 characters hold a 640-bit secret.
constexpr std::size_t kMinTotpLen = 16;
constexpr std::size_t kMaxTotpLen = 128;

std::string located(const std::string& name, const std::string& where) {
    return where.empty() ? printable(name) : printable(name) + " (" + printable(where) + ")";
}

// A path without '//', '.' or '..' segments and no trailing '/': what the string says is
// what the kernel resolves (symlinks aside), so prefix checks on it mean something.
std::string check_canonical_path(const std::string& v, const char* what) {
    std::string w(what);
    if (v.empty()) return w + " is empty";
    if (v.size() > kMaxPathLen) return w + " is longer than " + std::to_string(kMaxPathLen) + " bytes";
    if (!valid_field_text(v.data(), v.size(), kMaxPathLen))
        return w + " contains ':', a control character or invalid UTF-8";
    if (v[0] != '/') return w + " is not an absolute path";
    if (v == "/") return w + " is /";
    // Dot segments first: "/home/../" is a traversal before it is a trailing slash.
    for (std::size_t pos = 1; pos <= v.size();) {
        std::size_t slash = std::min(v.find('/', pos), v.size());
        std::string_view seg(v.data() + pos, slash - pos);
        if (seg == "." || seg == "..") return w + " contains a '" + std::string(seg) + "' segment";
        pos = slash + 1;
    }
    if (v.back() == '/') return w + " ends with '/'";
    if (v.find("//") != std::string::npos) return w + " contains '//'";
    return "";
}

// Reads a whole local account file. A missing file is an empty database (containers, tests);
// any other failure must stop the sync: guessing "no local accounts" would let the directory
// shadow them.
bool read_file(const std::string& path, std::string* out) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        if (errno == ENOENT) return false;
        throw Error(Err::io, "cannot open " + path + ": " + std::strerror(errno));
    }
    out->clear();
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int saved = errno;
            ::close(fd);
            throw Error(Err::io, "cannot read " + path + ": " + std::strerror(saved));
        }
        if (n == 0) break;
        out->append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return true;
}

// Calls f(fields) for every line that is not blank, a comment or a NIS '+'/'-' entry.
template <typename F>
void for_each_record(const std::string& text, F f) {
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        if (nl == std::string::npos) nl = text.size();
        std::string_view line(text.data() + pos, nl - pos);
        pos = nl + 1;
        if (line.empty() || line[0] == '#' || line[0] == '+' || line[0] == '-') continue;
        std::vector<std::string_view> fields;
        std::size_t start = 0;
        for (;;) {
            std::size_t colon = line.find(':', start);
            if (colon == std::string_view::npos) {
                fields.push_back(line.substr(start));
                break;
            }
            fields.push_back(line.substr(start, colon - start));
            start = colon + 1;
        }
        f(fields);
    }
}

// What holds a name or id: a directory group or a user (a private group is held by its user),
// by index into Directory::groups or Directory::users. Messages that name the holder are only
// formatted when a record is actually refused: at a million users, formatting them up front
// was a large share of the sync's time and memory.
constexpr std::uint32_t kUserBit = 0x80000000u;
constexpr std::uint32_t kNone = 0xffffffffu;
// Record indices must stay clear of kUserBit (and so of kNone).
constexpr std::size_t kMaxRecords = kUserBit - 1;

std::size_t table_size(std::size_t max_entries) {
    std::size_t n = 16;
    while (n < 2 * max_entries) n *= 2;  // load at most 1/2: linear probes stay short
    return n;
}

// The hash tables below are keyed by directory data: with a seed the directory cannot know,
// it cannot craft names or ids that all land in one slot and make the sync quadratic.
std::uint64_t random_seed() {
    std::uint64_t s = 0;
    if (getrandom(&s, sizeof s, 0) != sizeof s)
        s = static_cast<std::uint64_t>(std::time(nullptr)) ^
            (std::uint64_t{static_cast<unsigned>(getpid())} << 32);
    return s;
}

// Open-addressing table from a name to a record index, sized once for the most entries it
// can get. The name is not stored: the caller's name_of(value) reads it back from the record,
// so an entry is 8 bytes and an insert allocates nothing.
class NameTable {
public:
    NameTable(std::size_t max_entries, std::uint64_t seed)
        : slots_(table_size(max_entries)), mask_(slots_.size() - 1), seed_(seed) {}

    // The value stored under `name`, or kNone.
    template <typename NameOf>
    std::uint32_t find(std::string_view name, NameOf name_of) const {
        std::uint64_t h = hash64(name.data(), name.size(), seed_);
        auto tag = static_cast<std::uint32_t>(h >> 32);
        for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
            const Slot& s = slots_[i];
            if (s.value == kNone) return kNone;
            if (s.tag == tag && std::string_view(name_of(s.value)) == name) return s.value;
        }
    }
    // `name` must not be in the table yet.
    void insert(std::string_view name, std::uint32_t value) {
        std::uint64_t h = hash64(name.data(), name.size(), seed_);
        std::size_t i = h & mask_;
        while (slots_[i].value != kNone) i = (i + 1) & mask_;
        slots_[i] = Slot{static_cast<std::uint32_t>(h >> 32), value};
    }

private:
    struct Slot {
        std::uint32_t tag = 0;  // high half of the hash: most mismatches never touch the record
        std::uint32_t value = kNone;
    };
    std::vector<Slot> slots_;
    std::size_t mask_;
    std::uint64_t seed_;
};

// The same for uids and gids, which are their own key.
class IdTable {
public:
    IdTable(std::size_t max_entries, std::uint64_t seed)
        : slots_(table_size(max_entries)),
          mask_(slots_.size() - 1),
          shift_(64 - std::countr_zero(slots_.size())),
          multiplier_(seed | 1) {}

    std::uint32_t find(std::uint32_t id) const {
        for (std::size_t i = start(id);; i = (i + 1) & mask_) {
            if (slots_[i].value == kNone) return kNone;
            if (slots_[i].id == id) return slots_[i].value;
        }
    }
    void insert(std::uint32_t id, std::uint32_t value) {
        std::size_t i = start(id);
        while (slots_[i].value != kNone) i = (i + 1) & mask_;
        slots_[i] = Slot{id, value};
    }

private:
    struct Slot {
        std::uint32_t id = 0;
        std::uint32_t value = kNone;
    };
    // Multiply-shift with a random odd multiplier: universal hashing, and consecutive ids
    // (the usual case) spread over the table.
    std::size_t start(std::uint32_t id) const {
        return static_cast<std::size_t>((std::uint64_t{id} * multiplier_) >> shift_) & mask_;
    }
    std::vector<Slot> slots_;
    std::size_t mask_;
    int shift_;
    std::uint64_t multiplier_;
};

// check_home() with the home base computed once, not per user.
std::string check_home_below(const std::string& value, const std::string& base) {
    if (std::string r = check_canonical_path(value, "home"); !r.empty()) return r;
    if (value == base) return "home is the home base " + base + " itself";
    // Below base: "base/…" (just "/…" when base is "/", which check_canonical_path already
    // took as a whole value).
    bool below = base == "/" || (value.size() > base.size() && value.compare(0, base.size(), base) == 0 &&
                                 value[base.size()] == '/');
    if (!below) return "home is not below the home base " + base;
    return "";
}

// Validates a RawDirectory in place: records are checked in document order and the accepted
// ones moved down over the refused, so the users and their strings are never copied.
class Validator {
public:
    Validator(const Config& cfg, const LocalAccounts& local, std::vector<Skipped>* skipped)
        : cfg_(cfg), local_(local), skipped_(skipped), home_base_(home_base(cfg)) {}

    Directory run(RawDirectory&& raw);

private:
    void skip(const char* what, const std::string& name, const std::string& where, const std::string& reason);
    std::string by(std::uint32_t holder) const;
    std::uint32_t find_user(std::string_view name) const {
        return user_names_.find(name,
                                [this](std::uint32_t v) -> const std::string& { return dir_.users[v].name; });
    }
    // A directory group's index, a private group's user index with kUserBit, or kNone. The
    // two never share a name (check_user), and directory groups are looked up far more often:
    // their table is small enough to stay in cache.
    std::uint32_t find_group(std::string_view name) const {
        std::uint32_t g = group_names_.find(
            name, [this](std::uint32_t v) -> const std::string& { return dir_.groups[v].name; });
        if (g != kNone) return g;
        std::uint32_t u = find_user(name);
        return u != kNone && has_private_group_[u] ? u | kUserBit : kNone;
    }
    std::string check_group(const Group& g);
    std::string check_user(User& u);
    void check_keys(User& u);
    void resolve_memberships();

    const Config& cfg_;
    const LocalAccounts& local_;
    std::vector<Skipped>* skipped_;
    const std::string home_base_;
    Directory dir_;
    std::size_t directory_groups_ = 0;  // dir_.groups[0, this) came from the source; the rest are private
    // Every accepted user by name (the valid members), uid and home; every directory group by
    // name; every gid, its holder's index with kUserBit for a user's private group.
    NameTable user_names_{0, 0}, group_names_{0, 0}, homes_{0, 0};
    IdTable uids_{0, 0}, gids_{0, 0};
    std::vector<bool> has_private_group_;  // by user index
};

void Validator::skip(const char* what, const std::string& name, const std::string& where,
                     const std::string& reason) {
    std::string w(what);
    if (skipped_ != nullptr) skipped_->push_back(Skipped{w, printable(name), reason});
    std::string verb = w == "user" || w == "group" ? "skipping " + w + " " : "dropping " + w + " of user ";
    log(LogLevel::warning, verb + located(name, where) + ": " + reason);
}

// "user alice (directory.yaml:3)" or "group devs (groups[2])": who took a name or id first.
std::string Validator::by(std::uint32_t holder) const {
    if (holder & kUserBit) {
        const User& u = dir_.users[holder & ~kUserBit];
        return "user " + located(u.name, u.where);
    }
    const Group& g = dir_.groups[holder];
    return "group " + located(g.name, g.where);
}

std::string id_problem(const Config& cfg, const char* what, std::uint32_t id) {
    std::string w(what);
    if (id == 0) return w + " 0 is never served from the directory";
    if (reserved_id(id)) return w + " " + std::to_string(id) + " is in a reserved system range";
    if (!cfg.uid_range.contains(id))
        return w + " " + std::to_string(id) + " is outside the configured range " +
               std::to_string(cfg.uid_range.min) + "-" + std::to_string(cfg.uid_range.max);
    return "";
}

std::string Validator::check_group(const Group& g) {
    if (!valid_name(g.name.data(), g.name.size())) return "invalid group name";
    if (g.name == "root") return "group root is never served from the directory";
    if (std::string r = id_problem(cfg_, "gid", g.gid); !r.empty()) return r;
    if (std::string r = sudo_group_conflict(cfg_, g.name, g.gid); !r.empty()) return r;
    if (local_.groups.count(g.name))
        return "name " + g.name + " is a local group in " + cfg_.local_group + "; the local group wins";
    if (local_.gids.count(g.gid))
        return "gid " + std::to_string(g.gid) + " is a local group in " + cfg_.local_group +
               "; the local group wins";
    if (std::uint32_t h = find_group(g.name); h != kNone)
        return "duplicate group name; the first one is " + by(h);
    if (std::uint32_t h = gids_.find(g.gid); h != kNone)
        return "gid " + std::to_string(g.gid) + " is already used by " + by(h);
    return "";
}

void Validator::check_keys(User& u) {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < u.ssh_keys.size(); ++i) {
        SshKey& k = u.ssh_keys[i];
        bool name_ok = valid_field_text(k.name.data(), k.name.size(), kMaxKeyNameLen);
        auto label = [&] {
            return !k.name.empty() && name_ok ? "key '" + k.name + "'" : "key #" + std::to_string(i + 1);
        };
        if (!name_ok) {
            skip("key", u.name, u.where,
                 label() +
                     ": key name is longer than 64 bytes or contains ':', "
                     "a control character or invalid UTF-8");
            continue;
        }
        try {
            k.line = to_line(parse_public_key(k.line));
        } catch (const Error& e) {
            skip("key", u.name, u.where, label() + ": " + e.what());
            continue;
        }
        if (kept != i) u.ssh_keys[kept] = std::move(k);
        ++kept;
    }
    u.ssh_keys.resize(kept);
}

// Returns "" and completes `u` (home, shell, keys), or the reason to skip the user.
std::string Validator::check_user(User& u) {
    if (!valid_name(u.name.data(), u.name.size())) return "invalid user name";
    if (u.name == "root") return "user root is never served from the directory";
    if (std::string r = id_problem(cfg_, "uid", u.uid); !r.empty()) return r;
    if (std::string r = id_problem(cfg_, "gid", u.gid); !r.empty()) return r;
    // Its private group would carry the name, or its primary group the gid, of a sudo group.
    if (std::string r = sudo_group_conflict(cfg_, u.name, u.gid); !r.empty()) return r;
    if (local_.users.count(u.name))
        return "name " + u.name + " is a local account in " + cfg_.local_passwd + "; the local account wins";
    if (local_.uids.count(u.uid))
        return "uid " + std::to_string(u.uid) + " is a local account in " + cfg_.local_passwd +
               "; the local account wins";
    if (std::uint32_t h = find_user(u.name); h != kNone)
        return "duplicate user name; the first one is " + by(h | kUserBit);
    if (std::uint32_t h = uids_.find(u.uid); h != kNone)
        return "uid " + std::to_string(u.uid) + " is already used by " + by(h | kUserBit);
    if (!valid_field_text(u.gecos.data(), u.gecos.size(), kMaxGecosLen))
        return "gecos is longer than 256 bytes or contains ':', a control character or invalid UTF-8";

    bool templated = u.home.empty();
    if (templated) u.home = expand_home(cfg_, u.name);
    if (std::string r = check_home_below(u.home, home_base_); !r.empty())
        return templated ? "templated " + r : r;
    if (std::uint32_t h =
            homes_.find(u.home, [this](std::uint32_t v) -> const std::string& { return dir_.users[v].home; });
        h != kNone)
        return "home is already the home of " + by(h | kUserBit);
    if (local_.homes.count(u.home)) return "home is the home of a local account in " + cfg_.local_passwd;
    if (u.shell.empty()) {
        u.shell = cfg_.shell;
    } else if (std::string r = check_shell(u.shell); !r.empty()) {
        return r;
    }
    if (std::string r = check_password_hash(u.password_hash); !r.empty()) return r;
    if (std::string r = check_totp_secret(u.totp_secret); !r.empty()) return r;
    if (!u.totp_secret.empty()) u.mfa_enrolled = true;  // a secret is an enrolment

    // The primary group: a directory group, or a private group named after the user.
    std::uint32_t g = gids_.find(u.gid);
    if (g != kNone && (g & kUserBit))
        return "gid " + std::to_string(u.gid) + " is the private group of " + by(g);
    if (g == kNone) {
        if (local_.groups.count(u.name))
            return "no directory group has gid " + std::to_string(u.gid) + " and the private group name " +
                   u.name + " is a local group in " + cfg_.local_group;
        if (local_.gids.count(u.gid))
            return "gid " + std::to_string(u.gid) + " is a local group in " + cfg_.local_group +
                   "; the local group wins";
        if (std::uint32_t h = find_group(u.name); h != kNone)
            return "no directory group has gid " + std::to_string(u.gid) + " and the private group name " +
                   u.name + " is taken by " + by(h);
    }
    return "";
}

// Users and groups are walked in order, never one by one through the other: at a million
// users a random access to a user record or a big table is a cache and TLB miss, and group
// member lists reached through their users were most of the validation time.
void Validator::resolve_memberships() {
    std::vector<User>& users = dir_.users;
    std::vector<Group>& groups = dir_.groups;
    const std::size_t ngroups = directory_groups_;
    // Pass 1, user by user: gids, dropped memberships, and the directory groups each user
    // joins (each once, in the user's order) as one flat list, counted per group.
    std::size_t listed = 0;
    for (const User& u : users) listed += u.groups.size();
    std::vector<std::uint32_t> joins;  // directory group indices, user after user
    joins.reserve(listed);
    std::vector<std::size_t> joins_end(users.size());  // user i's joins end there
    std::vector<std::uint32_t> joiners(ngroups, 0);
    std::vector<std::uint32_t> last_joiner(ngroups, kNone);  // catches a group listed twice
    // The user's local gids so far: no more than cfg.local_groups has entries.
    std::vector<std::uint32_t> local_gids;
    auto contains = [](const std::vector<std::uint32_t>& v, std::uint32_t x) {
        return std::find(v.begin(), v.end(), x) != v.end();
    };
    for (std::uint32_t ui = 0; ui < users.size(); ++ui) {
        User& u = users[ui];
        local_gids.clear();
        for (const std::string& gname : u.groups) {
            std::uint32_t h = find_group(gname);
            if (h != kNone && !(h & kUserBit)) {
                if (last_joiner[h] == ui) continue;
                last_joiner[h] = ui;
                joins.push_back(h);
                ++joiners[h];
                std::uint32_t gid = groups[h].gid;
                if (gid != u.gid && !contains(local_gids, gid)) u.gids.push_back(gid);
                continue;
            }
            if (h != kNone) {
                if (h == (ui | kUserBit)) continue;  // the user's own private group: already primary
                // Someone else's private group: joining it would open that user's files.
                skip("membership", u.name, u.where,
                     "group " + printable(gname) + " is the private group of user " + printable(gname) +
                         "; membership dropped");
                continue;
            }
            bool allowlisted = false;
            for (const auto& lg : cfg_.local_groups) allowlisted = allowlisted || lg == gname;
            auto lg = local_.groups.find(gname);
            if (!allowlisted) {
                skip("membership", u.name, u.where,
                     "group " + printable(gname) +
                         " is neither a directory group nor in local_groups; membership dropped");
                continue;
            }
            if (lg == local_.groups.end()) {
                skip("membership", u.name, u.where,
                     "group " + printable(gname) + " is in local_groups but not in " + cfg_.local_group +
                         "; membership dropped");
                continue;
            }
            // Already in u.gids: the primary gid, a directory group this user joined (local
            // accounts read from files never share a directory gid, a hand-made LocalAccounts
            // might), or a local group added before (two local names can share a gid).
            std::uint32_t gid = lg->second;
            std::uint32_t dg = gids_.find(gid);
            if (gid == u.gid || (dg != kNone && !(dg & kUserBit) && last_joiner[dg] == ui) ||
                contains(local_gids, gid))
                continue;
            local_gids.push_back(gid);
            u.gids.push_back(gid);
        }
        joins_end[ui] = joins.size();
    }
    std::vector<std::uint32_t>().swap(last_joiner);

    // Pass 2, group by group: explicit members first, each once, and only directory users:
    // anything else would let the directory put local accounts into groups. Each kept one is
    // remembered as (user, group), so that pass 3 does not add it again.
    std::vector<std::uint64_t> explicit_members;
    std::vector<std::uint32_t> member_of;  // member_of[user] == group index + 1: already in it
    for (std::uint32_t gi = 0; gi < ngroups; ++gi) {
        Group& grp = groups[gi];
        std::vector<std::string> members;
        members.reserve(grp.members.size() + joiners[gi]);
        if (!grp.members.empty() && member_of.empty()) member_of.assign(users.size(), 0);
        for (std::string& m : grp.members) {
            std::uint32_t ui = find_user(m);
            if (ui == kNone) {
                log(LogLevel::warning, "group " + located(grp.name, grp.where) + ": dropping member " +
                                           printable(m) + ": not a valid directory user");
                continue;
            }
            if (member_of[ui] == gi + 1) continue;
            member_of[ui] = gi + 1;
            members.push_back(std::move(m));
            explicit_members.push_back(std::uint64_t{ui} << 32 | gi);
        }
        grp.members = std::move(members);
    }
    std::vector<std::uint32_t>().swap(member_of);
    std::sort(explicit_members.begin(), explicit_members.end());

    // Pass 3, user by user: each user joins the groups it listed, after the explicit members.
    auto next_explicit = explicit_members.begin();
    std::size_t begin = 0;
    for (std::uint32_t ui = 0; ui < users.size(); ++ui) {
        std::size_t end = joins_end[ui];
        if (begin == end) continue;
        const std::uint64_t first = std::uint64_t{ui} << 32, last = first | 0xffffffffu;
        while (next_explicit != explicit_members.end() && *next_explicit < first) ++next_explicit;
        auto mine_end = next_explicit;  // [next_explicit, mine_end): this user's explicit groups
        while (mine_end != explicit_members.end() && *mine_end <= last) ++mine_end;
        for (std::size_t j = begin; j < end; ++j) {
            std::uint32_t gi = joins[j];
            if (next_explicit != mine_end && std::binary_search(next_explicit, mine_end, first | gi))
                continue;
            groups[gi].members.push_back(users[ui].name);
        }
        begin = end;
    }
}

Directory Validator::run(RawDirectory&& raw) {
    dir_.system = raw.system;
    dir_.users = std::move(raw.users);
    dir_.groups = std::move(raw.groups);
    std::vector<User>& users = dir_.users;
    std::vector<Group>& groups = dir_.groups;
    if (users.size() > kMaxRecords || groups.size() > kMaxRecords - users.size())
        throw Error(Err::invalid, "the directory has too many users and groups");
    const std::uint64_t seed = random_seed();
    user_names_ = NameTable(users.size(), seed);
    homes_ = NameTable(users.size(), seed);
    uids_ = IdTable(users.size(), seed);
    group_names_ = NameTable(groups.size(), seed);
    has_private_group_.assign(users.size(), false);
    gids_ = IdTable(groups.size() + users.size(), seed);

    std::uint32_t kept = 0;
    for (std::size_t i = 0; i < groups.size(); ++i) {
        Group& g = groups[i];
        if (std::string r = check_group(g); !r.empty()) {
            skip("group", g.name, g.where, r);
            continue;
        }
        if (kept != i) groups[kept] = std::move(g);
        group_names_.insert(groups[kept].name, kept);
        gids_.insert(groups[kept].gid, kept);
        ++kept;
    }
    groups.resize(kept);
    directory_groups_ = kept;
    // Room for every private group up front; capacity never used is never touched.
    groups.reserve(kept + users.size());
    advise_huge_pages(groups.data(), groups.capacity() * sizeof(Group));

    kept = 0;
    for (std::size_t i = 0; i < users.size(); ++i) {
        User& u = users[i];
        u.gids.clear();  // whatever a source left here is recomputed
        if (std::string r = check_user(u); !r.empty()) {
            skip("user", u.name, u.where, r);
            continue;
        }
        check_keys(u);
        if (kept != i) users[kept] = std::move(u);
        const User& k = users[kept];
        user_names_.insert(k.name, kept);
        uids_.insert(k.uid, kept);
        homes_.insert(k.home, kept);
        if (gids_.find(k.gid) == kNone) {
            has_private_group_[kept] = true;
            gids_.insert(k.gid, kept | kUserBit);
            groups.push_back(Group{k.name, k.gid, {}, k.where});
        }
        ++kept;
    }
    users.resize(kept);
    resolve_memberships();
    add_sudo_groups(dir_, cfg_, local_, skipped_);
    return std::move(dir_);
}

}  // namespace

LocalAccounts read_local_accounts(const Config& cfg) {
    LocalAccounts local;
    std::string text;
    if (read_file(cfg.local_passwd, &text)) {
        for_each_record(text, [&](const std::vector<std::string_view>& f) {
            unsigned uid = 0, gid = 0;
            if (f.size() < 4 || f[0].empty() || !parse_u32(f[2].data(), f[2].size(), &uid) ||
                !parse_u32(f[3].data(), f[3].size(), &gid))
                return;
            local.users.insert(std::string(f[0]));
            local.uids.insert(uid);
            if (f.size() >= 6 && !f[5].empty()) local.homes.insert(std::string(f[5]));
        });
    }
    if (read_file(cfg.local_group, &text)) {
        for_each_record(text, [&](const std::vector<std::string_view>& f) {
            unsigned gid = 0;
            if (f.size() < 3 || f[0].empty() || !parse_u32(f[2].data(), f[2].size(), &gid)) return;
            local.groups.emplace(std::string(f[0]), gid);  // like nss_files: the first entry wins
            local.gids.insert(gid);
        });
    }
    return local;
}

Directory validate_directory(RawDirectory&& raw, const Config& cfg, const LocalAccounts& local,
                             std::vector<Skipped>* skipped) {
    return Validator(cfg, local, skipped).run(std::move(raw));
}

std::string gecos_field(std::string s) {
    for (char& c : s) {
        unsigned char u = static_cast<unsigned char>(c);
        if (c == ':' || u < 0x20 || u == 0x7f) c = ' ';
    }
    std::size_t b = s.find_first_not_of(' ');
    if (b == std::string::npos) return "";
    s = s.substr(b, s.find_last_not_of(' ') - b + 1);
    if (s.size() > kMaxGecosLen) {
        s.resize(kMaxGecosLen);
        // Do not leave half a UTF-8 sequence at the cut.
        while (!s.empty() && (static_cast<unsigned char>(s.back()) & 0xc0) == 0x80) s.pop_back();
        if (!s.empty() && (static_cast<unsigned char>(s.back()) & 0x80)) s.pop_back();
    }
    return s;
}

std::string check_home(const Config& cfg, const std::string& value) {
    return check_home_below(value, home_base(cfg));
}

std::string check_shell(const std::string& value) {
    if (std::string r = check_canonical_path(value, "shell"); !r.empty()) return r;
    if (value.find(' ') != std::string::npos) return "shell contains a space";
    return "";
}

// Secrets never appear in the reasons: they end up in logs.
std::string check_password_hash(const std::string& value) {
    if (value.empty()) return "";
    if (value.size() > kMaxPasswordHashLen) return "password hash is longer than 512 bytes";
    // "$id$…": yescrypt ($y$), sha512crypt ($6$), bcrypt ($2b$), …
    std::size_t id_end = value.find('$', 1);
    if (value[0] != '$' || id_end == std::string::npos || id_end == 1)
        return "password hash is not a crypt(3) string ($id$...)";
    for (std::size_t i = 1; i < id_end; ++i) {
        char c = value[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            return "password hash is not a crypt(3) string ($id$...)";
    }
    for (char c : value) {
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  std::strchr("./$=,+_-", c) != nullptr;
        if (!ok || c == '\0') return "password hash contains a character outside [A-Za-z0-9./$=,+_-]";
    }
    return "";
}

std::string check_totp_secret(const std::string& value) {
    if (value.empty()) return "";
    if (value.size() < kMinTotpLen || value.size() > kMaxTotpLen)
        return "totp secret must be 16 to 128 base32 characters";
    std::size_t body = value.find_last_not_of('=');
    if (body == std::string::npos) return "totp secret is not base32";
    std::size_t pad = value.size() - body - 1;
    for (std::size_t i = 0; i <= body; ++i) {
        char c = value[i];
        if (c >= 'a' && c <= 'z') return "totp secret must be upper-case base32 (A-Z, 2-7)";
        if (!((c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7')))
            return "totp secret is not base32 (A-Z, 2-7)";
    }
    if (pad != 0 && (value.size() % 8 != 0 || !(pad == 1 || pad == 3 || pad == 4 || pad == 6)))
        return "totp secret has malformed '=' padding";
    return "";
}

bool valid_jumpcloud_id(std::string_view id) noexcept {
    if (id.size() != 24) return false;
    for (char c : id)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

}  // namespace dirbind
