// SPDX-License-Identifier: Apache-2.0
// file_source.cc — the `file` source: a directory document (docs/directory-format.md) in YAML
// (a yaml-cpp tree) or JSON (nlohmann SAX events, never a DOM: a million users must fit) turned
// into a RawDirectory. Both syntaxes feed the same record builders, so a field means the same
// thing in either, and YAML and JSON of one document give the same RawDirectory.
#include "directory/file_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "cache/names.h"
#include "config/doc_util.h"
#include "system/bulk_heap.h"
#include "system/error.h"
#include "system/log.h"
#include "system/secret_file.h"

namespace dirbind {
namespace {

constexpr std::size_t kMaxWarnedKeys = 50;  // distinct unknown keys logged per document

// ---- field names ----------------------------------------------------------------------------
// Each enum's order matches its name table; `unknown` is last.

enum class TopF : std::uint8_t { version, system, users, groups, unknown };
constexpr const char* kTopKeys[] = {"version", "system", "users", "groups"};
enum class SysF : std::uint8_t { password_auth, public_key_auth, root_login, mfa, unknown };
constexpr const char* kSysKeys[] = {"password_auth", "public_key_auth", "root_login", "mfa"};
enum class UserF : std::uint8_t {
    name,
    uid,
    gid,
    gecos,
    shell,
    home,
    state,
    public_key_auth,
    ssh_keys,
    sudo,
    password_hash,
    totp_secret,
    groups,
    unknown
};
constexpr const char* kUserKeys[] = {
    "name",     "uid",  "gid",           "gecos",       "shell", "home", "state", "public_key_auth",
    "ssh_keys", "sudo", "password_hash", "totp_secret", "groups"};
enum class KeyF : std::uint8_t { name, key, unknown };
constexpr const char* kKeyKeys[] = {"name", "key"};
enum class GroupF : std::uint8_t { name, gid, members, unknown };
constexpr const char* kGroupKeys[] = {"name", "gid", "members"};

template <typename E, std::size_t N>
E field_of(std::string_view key, const char* const (&names)[N]) {
    for (std::size_t i = 0; i < N; ++i)
        if (key == names[i]) return static_cast<E>(i);
    return E::unknown;
}

template <typename E, std::size_t N>
const char* name_of(E f, const char* const (&names)[N]) {
    auto i = static_cast<std::size_t>(f);
    return i < N ? names[i] : "?";
}

template <std::size_t N>
std::string suggest(std::string_view key, const char* const (&names)[N]) {
    return doc::did_you_mean(key, names, N);
}

// ---- scalars --------------------------------------------------------------------------------

// A scalar as the document wrote it. YAML gives text, quoted or plain; JSON gives types. A
// number or boolean must be a plain YAML scalar or the JSON type: "5001" in quotes is text.
struct Scalar {
    enum Kind : std::uint8_t { null, text, plain, boolean, number, negative, fraction } kind = null;
    std::string str;        // text, plain
    std::uint64_t num = 0;  // number
    bool b = false;         // boolean
};

bool as_string(Scalar& s, std::string* out) {
    if (s.kind != Scalar::text && s.kind != Scalar::plain) return false;
    *out = std::move(s.str);
    return true;
}

bool as_u32(const Scalar& s, std::uint32_t* out) {
    unsigned v = 0;
    if (s.kind == Scalar::plain && parse_u32(s.str.data(), s.str.size(), &v)) {
        *out = v;
        return true;
    }
    if (s.kind == Scalar::number && s.num <= 0xffffffffu) {
        *out = static_cast<std::uint32_t>(s.num);
        return true;
    }
    return false;
}

bool as_bool(const Scalar& s, bool* out) {
    if (s.kind == Scalar::boolean) return *out = s.b, true;
    // YAML 1.1's yes/no/on/off are refused: one spelling, no surprises.
    if (s.kind == Scalar::plain && s.str == "true") return *out = true, true;
    if (s.kind == Scalar::plain && s.str == "false") return *out = false, true;
    return false;
}

// ---- the document being read ------------------------------------------------------------------

struct Doc {
    const std::string& name;
    std::vector<Skipped>* skipped;
    RawDirectory out;
    std::set<std::string> warned;

    // "<doc>:<line>" for YAML positions; JSON has none per field, so the record's own place.
    std::string at(int line, const std::string& record_where) const {
        return line > 0 ? name + ":" + std::to_string(line) : record_where;
    }

    void unknown_key(const std::string& where, const char* in, std::string_view key,
                     const std::string& hint) {
        if (warned.size() > kMaxWarnedKeys) return;
        if (!warned.insert(std::string(in) + "." + std::string(key)).second) return;
        if (warned.size() > kMaxWarnedKeys) {
            log(LogLevel::warning, name + ": more unknown keys ignored, not listed");
            return;
        }
        log(LogLevel::warning,
            where + ": unknown key '" + doc::printable(key) + "' in " + in + " ignored" + hint);
    }

    void skip(const char* what, const std::string& who, const std::string& reason) {
        if (skipped) skipped->push_back(Skipped{what, who, reason});
    }
};

// One user or group record being read. Its first problem wins; the later fields are still read
// so that the skip can name the record.
struct Record {
    std::string where;  // "<doc>:<line>" or "<doc>: users[3]"
    std::string index;  // "users[3]"
    std::string problem;
    std::uint32_t seen = 0;      // one bit per field, to refuse a key given twice
    std::size_t list_index = 0;  // position inside the list being read (ssh_keys, groups, members)
    bool has_name = false;

    void fail(const Doc& d, int line, const std::string& field, const std::string& why) {
        if (problem.empty()) problem = d.at(line, where) + ": " + field + ": " + why;
    }
    // False (and a problem) when the field was already given.
    template <typename E>
    bool first(const Doc& d, int line, E f, const char* field) {
        std::uint32_t bit = 1u << static_cast<unsigned>(f);
        if (seen & bit) {
            fail(d, line, field, "given twice");
            return false;
        }
        seen |= bit;
        return true;
    }
};

const char* expected(UserF f) {
    switch (f) {
        case UserF::uid:
        case UserF::gid:
            return "not a number";
        case UserF::public_key_auth:
            return "not true or false";
        case UserF::ssh_keys:
        case UserF::groups:
            return "not a list";
        default:
            return "not a string";
    }
}
const char* expected(GroupF f) {
    return f == GroupF::gid ? "not a number" : f == GroupF::members ? "not a list" : "not a string";
}

struct UserBuilder {
    User u;
    Record r;
    bool has_uid = false, has_gid = false;
    SshKey key;  // the ssh_keys item being read, when it is a mapping
    bool key_has_line = false;
    std::uint32_t key_seen = 0;
    // Collected here and copied once at the exact size: a growing vector per user costs
    // several allocations, and at a million users allocation is most of the parse.
    std::vector<std::string> groups;
};

void user_begin(UserBuilder& b, std::string where, std::string index) {
    b.u = User{};
    b.r = Record{};
    b.has_uid = b.has_gid = false;
    b.groups.clear();
    b.r.where = std::move(where);
    b.r.index = std::move(index);
}

void user_scalar(Doc& d, UserBuilder& b, UserF f, Scalar& s, int line) {
    const char* field = name_of(f, kUserKeys);
    User& u = b.u;
    // null stands for "not given" in optional fields: what JSON producers write for "none".
    if (s.kind == Scalar::null && f != UserF::name && f != UserF::uid && f != UserF::gid) return;
    bool ok = true;
    switch (f) {
        case UserF::name:
            ok = as_string(s, &u.name);
            b.r.has_name = ok;
            break;
        case UserF::uid:
            ok = b.has_uid = as_u32(s, &u.uid);
            break;
        case UserF::gid:
            ok = b.has_gid = as_u32(s, &u.gid);
            break;
        case UserF::gecos:
            ok = as_string(s, &u.gecos);
            break;
        case UserF::shell:
            ok = as_string(s, &u.shell);
            break;
        case UserF::home:
            ok = as_string(s, &u.home);
            break;
        case UserF::password_hash:
            ok = as_string(s, &u.password_hash);
            break;
        case UserF::totp_secret:
            ok = as_string(s, &u.totp_secret);
            break;
        case UserF::public_key_auth:
            ok = as_bool(s, &u.public_key_auth);
            break;
        case UserF::state: {
            std::string v;
            if (!(ok = as_string(s, &v))) break;
            static const char* const states[] = {"active", "suspended", "locked", "staged", "expired"};
            for (std::size_t i = 0; i < std::size(states); ++i)
                if (v == states[i]) return void(u.state = static_cast<UserState>(i));
            return b.r.fail(d, line, field,
                            "unknown state '" + doc::printable(v) +
                                "' (expected active, suspended, locked, staged or expired)");
        }
        case UserF::sudo: {
            std::string v;
            if (!(ok = as_string(s, &v))) break;
            static const char* const sudos[] = {"none", "password", "nopasswd"};
            for (std::size_t i = 0; i < std::size(sudos); ++i)
                if (v == sudos[i]) return void(u.sudo = static_cast<Sudo>(i));
            return b.r.fail(
                d, line, field,
                "unknown value '" + doc::printable(v) + "' (expected none, password or nopasswd)");
        }
        case UserF::ssh_keys:
        case UserF::groups:
        case UserF::unknown:
            ok = false;
            break;
    }
    if (!ok) b.r.fail(d, line, field, expected(f));
}

// One ssh_keys item given as a plain string: the key line without a label.
void user_key_line(Doc& d, UserBuilder& b, Scalar& s, int line) {
    SshKey k;
    if (!as_string(s, &k.line))
        return b.r.fail(d, line, "ssh_keys[" + std::to_string(b.r.list_index) + "]",
                        "not a string or mapping");
    b.u.ssh_keys.push_back(std::move(k));
}

void user_key_begin(UserBuilder& b) {
    b.key = SshKey{};
    b.key_has_line = false;
    b.key_seen = 0;
}

void user_key_field(Doc& d, UserBuilder& b, KeyF f, Scalar& s, int line) {
    if (f == KeyF::name && s.kind == Scalar::null) return;
    bool ok = f == KeyF::name ? as_string(s, &b.key.name) : (b.key_has_line = as_string(s, &b.key.line));
    if (!ok)
        b.r.fail(d, line, "ssh_keys[" + std::to_string(b.r.list_index) + "]." + name_of(f, kKeyKeys),
                 "not a string");
}

void user_key_end(Doc& d, UserBuilder& b, int line) {
    if (!b.key_has_line)
        b.r.fail(d, line, "ssh_keys[" + std::to_string(b.r.list_index) + "]", "'key' missing");
    else
        b.u.ssh_keys.push_back(std::move(b.key));
}

void user_group(Doc& d, UserBuilder& b, Scalar& s, int line) {
    std::string g;
    if (!as_string(s, &g))
        return b.r.fail(d, line, "groups[" + std::to_string(b.r.list_index) + "]", "not a string");
    b.groups.push_back(std::move(g));
}

void user_end(Doc& d, UserBuilder& b, int line) {
    // A missing field is reported at the record's start.
    if (!b.r.has_name && !(b.r.seen & 1u << static_cast<unsigned>(UserF::name)))
        b.r.fail(d, line, "name", "missing");
    if (!(b.r.seen & 1u << static_cast<unsigned>(UserF::uid))) b.r.fail(d, line, "uid", "missing");
    if (!(b.r.seen & 1u << static_cast<unsigned>(UserF::gid))) b.r.fail(d, line, "gid", "missing");
    if (!b.r.problem.empty()) {
        d.skip("user", b.r.has_name ? doc::printable(b.u.name) : b.r.index, b.r.problem);
        return;
    }
    b.u.groups.assign(std::make_move_iterator(b.groups.begin()), std::make_move_iterator(b.groups.end()));
    b.u.where = std::move(b.r.where);
    d.out.users.push_back(std::move(b.u));
}

struct GroupBuilder {
    Group g;
    Record r;
    std::vector<std::string> members;  // as UserBuilder::groups
};

void group_begin(GroupBuilder& b, std::string where, std::string index) {
    b.g = Group{};
    b.r = Record{};
    b.members.clear();
    b.r.where = std::move(where);
    b.r.index = std::move(index);
}

void group_scalar(Doc& d, GroupBuilder& b, GroupF f, Scalar& s, int line) {
    bool ok = false;
    if (f == GroupF::name)
        ok = b.r.has_name = as_string(s, &b.g.name);
    else if (f == GroupF::gid)
        ok = as_u32(s, &b.g.gid);
    else if (f == GroupF::members && s.kind == Scalar::null)
        ok = true;
    if (!ok) b.r.fail(d, line, name_of(f, kGroupKeys), expected(f));
}

void group_member(Doc& d, GroupBuilder& b, Scalar& s, int line) {
    std::string m;
    if (!as_string(s, &m))
        return b.r.fail(d, line, "members[" + std::to_string(b.r.list_index) + "]", "not a string");
    b.members.push_back(std::move(m));
}

void group_end(Doc& d, GroupBuilder& b, int line) {
    if (!(b.r.seen & 1u << static_cast<unsigned>(GroupF::name))) b.r.fail(d, line, "name", "missing");
    if (!(b.r.seen & 1u << static_cast<unsigned>(GroupF::gid))) b.r.fail(d, line, "gid", "missing");
    if (!b.r.problem.empty()) {
        d.skip("group", b.r.has_name ? doc::printable(b.g.name) : b.r.index, b.r.problem);
        return;
    }
    b.g.members.assign(std::make_move_iterator(b.members.begin()), std::make_move_iterator(b.members.end()));
    b.g.where = std::move(b.r.where);
    d.out.groups.push_back(std::move(b.g));
}

void set_system(SystemPolicy& p, SysF f, bool v) {
    switch (f) {
        case SysF::password_auth:
            p.password_auth = v;
            break;
        case SysF::public_key_auth:
            p.public_key_auth = v;
            break;
        case SysF::root_login:
            p.root_login = v;
            break;
        case SysF::mfa:
            p.mfa = v;
            break;
        case SysF::unknown:
            break;
    }
}

// ---- YAML -----------------------------------------------------------------------------------

class YamlReader {
public:
    YamlReader(Doc& d, std::size_t text_size) : d_(d), budget_(2 * text_size + 64) {}

    void read(const YAML::Node& root) {
        if (root.IsNull()) fail(root, 1, "the document is empty");
        if (!root.IsMap()) fail(root, 1, "the document is not a mapping (expected system, users, groups)");
        std::uint32_t seen = 0;
        for (auto it = root.begin(); it != root.end(); ++it) {
            const YAML::Node k = it->first;
            const YAML::Node v = it->second;
            int line = doc::line_of(k, 1);
            if (!k.IsScalar()) fail(k, line, "keys must be plain names");
            TopF f = field_of<TopF>(k.Scalar(), kTopKeys);
            if (f == TopF::unknown) {
                d_.unknown_key(d_.at(line, ""), "the document", k.Scalar(), suggest(k.Scalar(), kTopKeys));
                continue;
            }
            std::uint32_t bit = 1u << static_cast<unsigned>(f);
            if (seen & bit) fail(k, line, std::string("duplicate key '") + k.Scalar() + "'");
            seen |= bit;
            switch (f) {
                case TopF::version:
                    version(v, line);
                    break;
                case TopF::system:
                    system(v, line);
                    break;
                case TopF::users:
                    users(v, line);
                    break;
                case TopF::groups:
                    groups(v, line);
                    break;
                case TopF::unknown:
                    break;
            }
        }
    }

private:
    Doc& d_;
    std::size_t budget_;  // nodes we may still visit; see spend()

    [[noreturn]] void fail(const YAML::Node& n, int fallback_line, const std::string& why) const {
        // An empty value has the position of whatever follows it: name the key's line instead.
        YAML::Mark m = n.IsNull() ? YAML::Mark::null_mark() : n.Mark();
        std::string pos = m.line >= 0 ? std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1)
                                      : std::to_string(fallback_line) + ":1";
        throw Error(Err::source, d_.name + ":" + pos + ": " + why);
    }

    // An alias reuses a node without copying it, so a small document can name one big list a
    // million times ("billion laughs"). Every node costs one unit; a real document never needs
    // more than two per byte of text.
    void spend(const YAML::Node& n) {
        if (budget_ == 0) fail(n, 1, "the document expands far beyond its size through YAML aliases");
        --budget_;
    }

    Scalar scalar(const YAML::Node& n) {
        spend(n);
        Scalar s;
        if (n.IsNull()) return s;
        s.kind = doc::is_plain(n) ? Scalar::plain : Scalar::text;
        s.str = n.Scalar();
        return s;
    }

    void version(const YAML::Node& v, int line) {
        Scalar s = scalar(v);
        std::uint32_t n = 0;
        if (!v.IsScalar() || !as_u32(s, &n)) fail(v, line, "version: not a number");
        if (n != 1)
            fail(v, line, "version: " + std::to_string(n) + " is not supported (this build reads version 1)");
    }

    void system(const YAML::Node& v, int line) {
        spend(v);
        if (!v.IsMap()) fail(v, line, "system: not a mapping");
        std::uint32_t seen = 0;
        for (auto it = v.begin(); it != v.end(); ++it) {
            int kline = doc::line_of(it->first, line);
            std::string k = it->first.IsScalar() ? it->first.Scalar() : std::string();
            SysF f = field_of<SysF>(k, kSysKeys);
            if (f == SysF::unknown) {
                d_.unknown_key(d_.at(kline, ""), "system", k, suggest(k, kSysKeys));
                continue;
            }
            std::uint32_t bit = 1u << static_cast<unsigned>(f);
            if (seen & bit) fail(it->first, kline, "system." + k + ": given twice");
            seen |= bit;
            bool b = false;
            Scalar s = scalar(it->second);
            if (s.kind == Scalar::null) continue;  // the closed default
            // The host policy has no record to skip: a bad value fails the whole sync, which
            // keeps the last good data (security.md 7).
            if (!it->second.IsScalar() || !as_bool(s, &b))
                fail(it->second, kline, "system." + k + ": not true or false");
            set_system(d_.out.system, f, b);
        }
    }

    void users(const YAML::Node& v, int line) {
        spend(v);
        if (!v.IsSequence()) fail(v, line, "users: not a list");
        d_.out.users.reserve(d_.out.users.size() + v.size());  // one allocation, no moves
        advise_huge_pages(d_.out.users.data(), d_.out.users.capacity() * sizeof(User));
        std::size_t i = 0;
        UserBuilder b;
        for (auto it = v.begin(); it != v.end(); ++it, ++i) {
            const YAML::Node item = *it;
            spend(item);
            int rline = doc::line_of(item, line);
            std::string index = "users[" + std::to_string(i) + "]";
            if (!item.IsMap()) {
                d_.skip("user", index, d_.at(rline, "") + ": not a mapping");
                continue;
            }
            user_begin(b, d_.at(rline, ""), index);
            for (auto f = item.begin(); f != item.end(); ++f) user_field(b, f->first, f->second, rline);
            user_end(d_, b, rline);
        }
    }

    void user_field(UserBuilder& b, const YAML::Node& k, const YAML::Node& v, int rline) {
        int kline = doc::line_of(k, rline);
        int vline = doc::line_of(v, kline);
        if (!k.IsScalar()) return b.r.fail(d_, kline, "key", "keys must be plain names");
        UserF f = field_of<UserF>(k.Scalar(), kUserKeys);
        if (f == UserF::unknown)
            return d_.unknown_key(d_.at(kline, ""), "users", k.Scalar(), suggest(k.Scalar(), kUserKeys));
        if (!b.r.first(d_, kline, f, kUserKeys[static_cast<int>(f)])) return;
        if (f == UserF::ssh_keys && v.IsSequence()) {
            spend(v);
            b.r.list_index = 0;
            for (auto it = v.begin(); it != v.end(); ++it, ++b.r.list_index) ssh_key(b, *it, vline);
        } else if (f == UserF::groups && v.IsSequence()) {
            spend(v);
            b.r.list_index = 0;
            for (auto it = v.begin(); it != v.end(); ++it, ++b.r.list_index) {
                Scalar s = scalar(*it);
                if (!it->IsScalar()) s.kind = Scalar::null;
                user_group(d_, b, s, doc::line_of(*it, vline));
            }
        } else if (v.IsScalar() || v.IsNull()) {
            Scalar s = scalar(v);
            user_scalar(d_, b, f, s, vline);
        } else {
            b.r.fail(d_, vline, kUserKeys[static_cast<int>(f)], expected(f));
        }
    }

    void ssh_key(UserBuilder& b, const YAML::Node& item, int fallback) {
        int line = doc::line_of(item, fallback);
        if (item.IsScalar()) {
            Scalar s = scalar(item);
            return user_key_line(d_, b, s, line);
        }
        spend(item);
        if (!item.IsMap())
            return b.r.fail(d_, line, "ssh_keys[" + std::to_string(b.r.list_index) + "]",
                            "not a string or mapping");
        user_key_begin(b);
        for (auto it = item.begin(); it != item.end(); ++it) {
            int kline = doc::line_of(it->first, line);
            std::string k = it->first.IsScalar() ? it->first.Scalar() : std::string();
            KeyF f = field_of<KeyF>(k, kKeyKeys);
            if (f == KeyF::unknown) {
                d_.unknown_key(d_.at(kline, ""), "ssh_keys", k, suggest(k, kKeyKeys));
                continue;
            }
            std::uint32_t bit = 1u << static_cast<unsigned>(f);
            if (b.key_seen & bit)
                return b.r.fail(d_, kline, "ssh_keys[" + std::to_string(b.r.list_index) + "]." + k,
                                "given twice");
            b.key_seen |= bit;
            Scalar s = scalar(it->second);
            if (!it->second.IsScalar() && !it->second.IsNull()) s.kind = Scalar::boolean;  // wrong type
            user_key_field(d_, b, f, s, doc::line_of(it->second, kline));
        }
        user_key_end(d_, b, line);
    }

    void groups(const YAML::Node& v, int line) {
        spend(v);
        if (!v.IsSequence()) fail(v, line, "groups: not a list");
        std::size_t i = 0;
        GroupBuilder b;
        for (auto it = v.begin(); it != v.end(); ++it, ++i) {
            const YAML::Node item = *it;
            spend(item);
            int rline = doc::line_of(item, line);
            std::string index = "groups[" + std::to_string(i) + "]";
            if (!item.IsMap()) {
                d_.skip("group", index, d_.at(rline, "") + ": not a mapping");
                continue;
            }
            group_begin(b, d_.at(rline, ""), index);
            for (auto f = item.begin(); f != item.end(); ++f) group_field(b, f->first, f->second, rline);
            group_end(d_, b, rline);
        }
    }

    void group_field(GroupBuilder& b, const YAML::Node& k, const YAML::Node& v, int rline) {
        int kline = doc::line_of(k, rline);
        int vline = doc::line_of(v, kline);
        if (!k.IsScalar()) return b.r.fail(d_, kline, "key", "keys must be plain names");
        GroupF f = field_of<GroupF>(k.Scalar(), kGroupKeys);
        if (f == GroupF::unknown)
            return d_.unknown_key(d_.at(kline, ""), "groups", k.Scalar(), suggest(k.Scalar(), kGroupKeys));
        if (!b.r.first(d_, kline, f, kGroupKeys[static_cast<int>(f)])) return;
        if (f == GroupF::members && v.IsSequence()) {
            spend(v);
            b.r.list_index = 0;
            for (auto it = v.begin(); it != v.end(); ++it, ++b.r.list_index) {
                Scalar s = scalar(*it);
                if (!it->IsScalar()) s.kind = Scalar::null;
                group_member(d_, b, s, doc::line_of(*it, vline));
            }
        } else if (v.IsScalar() || v.IsNull()) {
            Scalar s = scalar(v);
            group_scalar(d_, b, f, s, vline);
        } else {
            b.r.fail(d_, vline, kGroupKeys[static_cast<int>(f)], expected(f));
        }
    }
};

// ---- JSON -----------------------------------------------------------------------------------

// A pointer that tells the reader how far the parser has read: nlohmann's SAX events carry no
// position, and document-level errors must say line:col.
struct TrackingIter {
    using iterator_category = std::input_iterator_tag;
    using value_type = char;
    using difference_type = std::ptrdiff_t;
    using pointer = const char*;
    using reference = const char&;

    const char* p = nullptr;
    const char** seen = nullptr;

    reference operator*() const { return *p; }
    TrackingIter& operator++() {
        *seen = ++p;
        return *this;
    }
    TrackingIter operator++(int) {
        TrackingIter t = *this;
        ++*this;
        return t;
    }
    bool operator==(const TrackingIter& o) const { return p == o.p; }
    bool operator!=(const TrackingIter& o) const { return p != o.p; }
};

std::string line_col(std::string_view text, std::size_t offset) {
    if (offset > text.size()) offset = text.size();
    std::size_t line = 1, col_start = 0;
    for (std::size_t i = 0; i < offset; ++i)
        if (text[i] == '\n') ++line, col_start = i + 1;
    return std::to_string(line) + ":" + std::to_string(offset - col_start + 1);
}

// The SAX handler: a state machine over the document's fixed shape. Values that are not read
// (unknown keys, wrongly typed fields) are skipped whole by counting their nesting.
class JsonReader {
public:
    using json = nlohmann::json;

    JsonReader(Doc& d, std::string_view text, const char** seen) : d_(d), text_(text), seen_(seen) {}

    bool null() { return value(Scalar{}); }
    bool boolean(bool v) {
        Scalar s;
        s.kind = Scalar::boolean;
        s.b = v;
        return value(std::move(s));
    }
    bool number_integer(json::number_integer_t v) {
        Scalar s;
        s.kind = v < 0 ? Scalar::negative : Scalar::number;
        s.num = v < 0 ? 0 : static_cast<std::uint64_t>(v);
        return value(std::move(s));
    }
    bool number_unsigned(json::number_unsigned_t v) {
        Scalar s;
        s.kind = Scalar::number;
        s.num = v;
        return value(std::move(s));
    }
    bool number_float(json::number_float_t, const json::string_t&) {
        Scalar s;
        s.kind = Scalar::fraction;
        return value(std::move(s));
    }
    bool string(json::string_t& v) {
        Scalar s;
        s.kind = Scalar::text;
        s.str = v;  // a copy: short strings stay in SSO, and the lexer keeps its buffer
        return value(std::move(s));
    }
    bool binary(json::binary_t&) { return value(Scalar{}); }  // not produced by the JSON lexer
    bool start_object(std::size_t) { return open(true); }
    bool start_array(std::size_t) { return open(false); }
    bool end_object() { return close(); }
    bool end_array() { return close(); }
    bool key(json::string_t& k);
    bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) {
        std::string msg = ex.what();
        // nlohmann prefixes "[json.exception.parse_error.101] parse error at line 1, column 2: ".
        std::size_t cut = msg.find("syntax error");
        if (cut == std::string::npos) cut = msg.find(": ") == std::string::npos ? 0 : msg.find(": ") + 2;
        std::size_t offset = position > 0 ? position - 1 : 0;
        throw Error(Err::source, d_.name + ":" + line_col(text_, offset) + ": JSON syntax error: " +
                                     doc::printable(std::string_view(msg).substr(cut), 200));
    }

private:
    enum class St : std::uint8_t {
        before,
        top,
        system,
        users,
        user,
        keys,
        key,
        user_groups,
        groups,
        group,
        members,
        after
    };

    Doc& d_;
    std::string_view text_;
    const char** seen_;
    St st_ = St::before;
    std::size_t skip_ = 0;    // > 0: inside a skipped value, counting open containers
    bool skip_next_ = false;  // the next value (scalar or container) is skipped
    std::uint8_t field_ = 0;  // the current key's field, as the state's enum
    std::uint32_t top_seen_ = 0, sys_seen_ = 0;
    std::size_t users_ = 0, groups_ = 0;
    UserBuilder ub_;
    GroupBuilder gb_;

    [[noreturn]] void fail(const std::string& why) const {
        throw Error(
            Err::source,
            d_.name + ":" + line_col(text_, static_cast<std::size_t>(*seen_ - text_.data())) + ": " + why);
    }
    std::string user_where() const { return where(": users[", users_); }
    std::string group_where() const { return where(": groups[", groups_); }
    // "<doc>: users[3]", built in one allocation: there is one per record.
    std::string where(std::string_view list, std::size_t i) const {
        char num[24];
        int n = std::snprintf(num, sizeof num, "%zu", i);
        std::string w;
        w.reserve(d_.name.size() + list.size() + static_cast<std::size_t>(n) + 1);
        w.append(d_.name).append(list).append(num, static_cast<std::size_t>(n)).push_back(']');
        return w;
    }

    bool value(Scalar&& s);
    bool open(bool object);
    bool close();
};

bool JsonReader::key(json::string_t& k) {
    if (skip_) return true;
    switch (st_) {
        case St::top: {
            auto f = field_of<TopF>(k, kTopKeys);
            if (f == TopF::unknown) {
                d_.unknown_key(d_.name, "the document", k, suggest(k, kTopKeys));
                skip_next_ = true;
                break;
            }
            std::uint32_t bit = 1u << static_cast<unsigned>(f);
            if (top_seen_ & bit) fail("duplicate key '" + k + "'");
            top_seen_ |= bit;
            field_ = static_cast<std::uint8_t>(f);
            break;
        }
        case St::system: {
            auto f = field_of<SysF>(k, kSysKeys);
            if (f == SysF::unknown) {
                d_.unknown_key(d_.name, "system", k, suggest(k, kSysKeys));
                skip_next_ = true;
                break;
            }
            std::uint32_t bit = 1u << static_cast<unsigned>(f);
            if (sys_seen_ & bit) fail("system." + k + ": given twice");
            sys_seen_ |= bit;
            field_ = static_cast<std::uint8_t>(f);
            break;
        }
        case St::user: {
            auto f = field_of<UserF>(k, kUserKeys);
            if (f == UserF::unknown) {
                d_.unknown_key(ub_.r.where, "users", k, suggest(k, kUserKeys));
                skip_next_ = true;
            } else if (!ub_.r.first(d_, 0, f, kUserKeys[static_cast<int>(f)])) {
                skip_next_ = true;
            }
            field_ = static_cast<std::uint8_t>(f);
            break;
        }
        case St::key: {
            auto f = field_of<KeyF>(k, kKeyKeys);
            std::uint32_t bit = 1u << static_cast<unsigned>(f);
            if (f == KeyF::unknown) {
                d_.unknown_key(ub_.r.where, "ssh_keys", k, suggest(k, kKeyKeys));
                skip_next_ = true;
            } else if (ub_.key_seen & bit) {
                ub_.r.fail(d_, 0, "ssh_keys[" + std::to_string(ub_.r.list_index) + "]." + k, "given twice");
                skip_next_ = true;
            }
            ub_.key_seen |= bit;
            field_ = static_cast<std::uint8_t>(f);
            break;
        }
        case St::group: {
            auto f = field_of<GroupF>(k, kGroupKeys);
            if (f == GroupF::unknown) {
                d_.unknown_key(gb_.r.where, "groups", k, suggest(k, kGroupKeys));
                skip_next_ = true;
            } else if (!gb_.r.first(d_, 0, f, kGroupKeys[static_cast<int>(f)])) {
                skip_next_ = true;
            }
            field_ = static_cast<std::uint8_t>(f);
            break;
        }
        default:
            break;  // keys only occur inside objects, and every object state is above
    }
    return true;
}

bool JsonReader::value(Scalar&& s) {
    if (skip_) return true;
    if (skip_next_) {
        skip_next_ = false;
        return true;
    }
    switch (st_) {
        case St::before:
        case St::after:
            fail("the document is not an object (expected system, users, groups)");
        case St::top: {
            auto f = static_cast<TopF>(field_);
            std::uint32_t n = 0;
            if (f != TopF::version)
                fail(std::string(kTopKeys[field_]) +
                     (f == TopF::system ? ": not an object" : ": not a list"));
            if (!as_u32(s, &n)) fail("version: not a number");
            if (n != 1)
                fail("version: " + std::to_string(n) + " is not supported (this build reads version 1)");
            break;
        }
        case St::system: {
            bool b = false;
            if (s.kind == Scalar::null) break;
            if (!as_bool(s, &b)) fail("system." + std::string(kSysKeys[field_]) + ": not true or false");
            set_system(d_.out.system, static_cast<SysF>(field_), b);
            break;
        }
        case St::users:
            d_.skip("user", "users[" + std::to_string(users_) + "]", user_where() + ": not an object");
            ++users_;
            break;
        case St::user: {
            auto f = static_cast<UserF>(field_);
            user_scalar(d_, ub_, f, s, 0);
            break;
        }
        case St::keys:
            user_key_line(d_, ub_, s, 0);
            ++ub_.r.list_index;
            break;
        case St::key:
            user_key_field(d_, ub_, static_cast<KeyF>(field_), s, 0);
            break;
        case St::user_groups:
            user_group(d_, ub_, s, 0);
            ++ub_.r.list_index;
            break;
        case St::groups:
            d_.skip("group", "groups[" + std::to_string(groups_) + "]", group_where() + ": not an object");
            ++groups_;
            break;
        case St::group:
            group_scalar(d_, gb_, static_cast<GroupF>(field_), s, 0);
            break;
        case St::members:
            group_member(d_, gb_, s, 0);
            ++gb_.r.list_index;
            break;
    }
    return true;
}

bool JsonReader::open(bool object) {
    if (skip_) return ++skip_, true;
    if (skip_next_) {
        skip_next_ = false;
        skip_ = 1;
        return true;
    }
    auto skip_this = [&] { skip_ = 1; };
    switch (st_) {
        case St::before:
            if (!object) fail("the document is not an object (expected system, users, groups)");
            st_ = St::top;
            break;
        case St::after:
            fail("the document is not an object");  // unreachable: nlohmann ends here
        case St::top: {
            auto f = static_cast<TopF>(field_);
            if (f == TopF::version) fail("version: not a number");
            if (f == TopF::system && !object) fail("system: not an object");
            if (f != TopF::system && object) fail(std::string(kTopKeys[field_]) + ": not a list");
            st_ = f == TopF::system ? St::system : f == TopF::users ? St::users : St::groups;
            break;
        }
        case St::system:
            fail("system." + std::string(kSysKeys[field_]) + ": not true or false");
        case St::users:
            if (!object) {
                d_.skip("user", "users[" + std::to_string(users_) + "]", user_where() + ": not an object");
                ++users_;
                skip_this();
                break;
            }
            user_begin(ub_, user_where(), "users[" + std::to_string(users_) + "]");
            st_ = St::user;
            break;
        case St::user: {
            auto f = static_cast<UserF>(field_);
            if (!object && (f == UserF::ssh_keys || f == UserF::groups)) {
                ub_.r.list_index = 0;
                st_ = f == UserF::ssh_keys ? St::keys : St::user_groups;
                break;
            }
            ub_.r.fail(d_, 0, kUserKeys[field_], expected(f));
            skip_this();
            break;
        }
        case St::keys:
            if (!object) {
                ub_.r.fail(d_, 0, "ssh_keys[" + std::to_string(ub_.r.list_index) + "]",
                           "not a string or mapping");
                ++ub_.r.list_index;
                skip_this();
                break;
            }
            user_key_begin(ub_);
            st_ = St::key;
            break;
        case St::key:
            ub_.r.fail(d_, 0, "ssh_keys[" + std::to_string(ub_.r.list_index) + "]." + kKeyKeys[field_],
                       "not a string");
            skip_this();
            break;
        case St::user_groups:
            ub_.r.fail(d_, 0, "groups[" + std::to_string(ub_.r.list_index) + "]", "not a string");
            ++ub_.r.list_index;
            skip_this();
            break;
        case St::groups:
            if (!object) {
                d_.skip("group", "groups[" + std::to_string(groups_) + "]",
                        group_where() + ": not an object");
                ++groups_;
                skip_this();
                break;
            }
            group_begin(gb_, group_where(), "groups[" + std::to_string(groups_) + "]");
            st_ = St::group;
            break;
        case St::group: {
            auto f = static_cast<GroupF>(field_);
            if (!object && f == GroupF::members) {
                gb_.r.list_index = 0;
                st_ = St::members;
                break;
            }
            gb_.r.fail(d_, 0, kGroupKeys[field_], expected(f));
            skip_this();
            break;
        }
        case St::members:
            gb_.r.fail(d_, 0, "members[" + std::to_string(gb_.r.list_index) + "]", "not a string");
            ++gb_.r.list_index;
            skip_this();
            break;
    }
    return true;
}

bool JsonReader::close() {
    if (skip_) return --skip_, true;
    switch (st_) {
        case St::top:
            st_ = St::after;
            break;
        case St::system:
        case St::users:
        case St::groups:
            st_ = St::top;
            break;
        case St::user:
            user_end(d_, ub_, 0);
            ++users_;
            st_ = St::users;
            break;
        case St::keys:
        case St::user_groups:
            st_ = St::user;
            break;
        case St::key:
            user_key_end(d_, ub_, 0);
            ++ub_.r.list_index;
            st_ = St::keys;
            break;
        case St::group:
            group_end(d_, gb_, 0);
            ++groups_;
            st_ = St::groups;
            break;
        case St::members:
            st_ = St::group;
            break;
        case St::before:
        case St::after:
            break;  // nlohmann pairs every close with an open
    }
    return true;
}

// How many users a JSON document holds, roughly: its "uid" keys. Only a capacity hint, so
// that a million users are not moved through every doubling of the vector (and its fresh
// pages faulted in each time); capped by the smallest possible user object, so a hostile
// document cannot make it reserve much beyond its own size.
std::size_t estimate_json_users(std::string_view text) {
    constexpr std::string_view kKey = "\"uid\"";
    constexpr std::size_t kMinUserBytes = 28;  // {"name":"a","uid":1,"gid":1}
    std::size_t n = 0;
    const char* p = text.data();
    const char* end = p + text.size();
    while (p < end) {
        const void* hit = ::memmem(p, static_cast<std::size_t>(end - p), kKey.data(), kKey.size());
        if (hit == nullptr) break;
        ++n;
        p = static_cast<const char*>(hit) + kKey.size();
    }
    return std::min(n, text.size() / kMinUserBytes);
}

// A parsed and validated directory takes about this many times its document's size, most of
// it in small allocations (bulk_heap.h).
constexpr std::size_t kHeapPerDocumentByte = 5;

bool looks_like_json(std::string_view text) {
    std::size_t i = 0;
    if (text.substr(0, 3) == "\xEF\xBB\xBF") i = 3;  // UTF-8 byte order mark
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n')) ++i;
    return i < text.size() && text[i] == '{';
}

}  // namespace

RawDirectory parse_directory(std::string_view text, const std::string& name, std::vector<Skipped>* skipped) {
    prepare_bulk_heap(kHeapPerDocumentByte * text.size());  // a no-op after load_directory_file's
    Doc d{name, skipped, {}, {}};
    if (looks_like_json(text)) {
        d.out.users.reserve(estimate_json_users(text));
        advise_huge_pages(d.out.users.data(), d.out.users.capacity() * sizeof(User));
        const char* seen = text.data();
        JsonReader reader(d, text, &seen);
        TrackingIter first{text.data(), &seen}, last{text.data() + text.size(), &seen};
        nlohmann::json::sax_parse(first, last, &reader, nlohmann::json::input_format_t::json, true);
    } else {
        YAML::Node root = doc::load_yaml(std::string(text), name, Err::source);
        try {
            YamlReader(d, text.size()).read(root);
        } catch (const YAML::Exception& e) {
            // Not expected from a tree that loaded; kept so no yaml-cpp exception escapes.
            throw Error(Err::source, name + ": " + e.what());
        }
    }
    return std::move(d.out);
}

RawDirectory load_directory_file(const std::string& path, std::vector<Skipped>* skipped) {
    auto cannot = [&](const std::string& why) {
        return Error(Err::source, "cannot read directory " + path + ": " + why);
    };
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) throw cannot(errno_text(errno));
    // Not a std::string: resize() would first zero the buffer, one more pass over a document
    // that is hundreds of MB at a million users.
    std::unique_ptr<char[]> text;
    std::size_t size = 0;
    std::string problem;
    struct stat st;
    if (::fstat(fd, &st) != 0)
        problem = errno_text(errno);
    else if (!S_ISREG(st.st_mode))
        problem = "not a regular file";
    // Whoever can write the document decides who logs in here: root's alone (secret_file.h).
    else if (std::string why = untrusted_because(st, path); !why.empty()) {
        ::close(fd);
        throw Error(Err::source, "refusing to use directory " + path + ": " + why);
    }
    // One byte more than the size, so that a file read whole ends with a short read, not a copy.
    else
        size = static_cast<std::size_t>(st.st_size) + 1;
    if (problem.empty()) {
        prepare_bulk_heap(kHeapPerDocumentByte * size);  // before the text, which it then holds too
        text = std::make_unique_for_overwrite<char[]>(size);
        advise_huge_pages(text.get(), size);
    }
    // read() rather than mmap: a file truncated while we read must fail, not SIGBUS the sync.
    std::size_t used = 0;
    while (problem.empty()) {
        if (used == size) {  // the file grew
            std::size_t bigger = size + std::max<std::size_t>(size, 1 << 16);
            auto grown = std::make_unique_for_overwrite<char[]>(bigger);
            std::memcpy(grown.get(), text.get(), used);
            text = std::move(grown);
            size = bigger;
        }
        ssize_t n = ::read(fd, text.get() + used, size - used);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) problem = errno_text(errno);
        if (n <= 0) break;
        used += static_cast<std::size_t>(n);
    }
    ::close(fd);
    if (!problem.empty()) throw cannot(problem);
    return parse_directory(std::string_view(text.get(), used), path, skipped);
}

}  // namespace dirbind
