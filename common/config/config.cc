// SPDX-License-Identifier: Apache-2.0
// config.cc — /etc/dirbind/dirbind.yaml → Config: the table of keys, each key's checks, and
// messages naming file, line and key (config.h; every key is in docs/config.md).
#include "config/config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>

#include "cache/names.h"
#include "config/doc_util.h"
#include "openssh/sshkey.h"
#include "system/secret_file.h"

namespace dirbind {
namespace {

constexpr std::size_t kMaxConfigBytes = 1 << 20;  // a config is a few hundred bytes
constexpr std::size_t kMaxPath = 4095;

[[noreturn]] void fail(const std::string& file, int line, const std::string& key, const std::string& why) {
    throw Error(Err::config, file + ":" + std::to_string(line) + ": " + key + ": " + why);
}

// A key's value with where it stands, so that every check can name file, line and key.
struct Value {
    const std::string& file;
    std::string key;  // as shown in messages: "cache_dir", "uid_range.min"
    YAML::Node node;  // a handle (shared), not a reference: yaml-cpp iterators hand out temporaries
    int line;
    [[noreturn]] void fail(const std::string& why) const { dirbind::fail(file, line, key, why); }
};

std::string describe(const YAML::Node& n) {
    if (n.IsSequence()) return "a list";
    if (n.IsMap()) return "a mapping";
    if (n.IsNull()) return "empty";
    return "'" + doc::printable(n.Scalar()) + "'";
}

std::string text_of(const Value& v) {
    if (v.node.IsNull()) v.fail("a value is required");
    if (!v.node.IsScalar()) v.fail("expected a string, got " + describe(v.node));
    return v.node.Scalar();
}

bool bool_of(const Value& v) {
    if (v.node.IsNull()) v.fail("a value is required");
    const std::string b = v.node.IsScalar() ? v.node.Scalar() : std::string();
    if (!v.node.IsScalar() || !doc::is_plain(v.node) || (b != "true" && b != "false"))
        v.fail("expected true or false, got " + describe(v.node));
    return b == "true";
}

std::uint32_t number_of(const Value& v) {
    if (v.node.IsNull()) v.fail("a value is required");
    unsigned n = 0;
    // parse_u32 refuses signs, hex, spaces and overflow; a quoted number is a string.
    if (!doc::is_plain(v.node) || !parse_u32(v.node.Scalar().data(), v.node.Scalar().size(), &n))
        v.fail("not a number: " + describe(v.node));
    return n;
}

bool has_control(const std::string& s) {
    for (unsigned char c : s)
        if (c < 0x20 || c == 0x7f) return true;
    return false;
}

bool has_dot_component(const std::string& path, bool single_too) {
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t end = path.find('/', start);
        if (end == std::string::npos) end = path.size();
        std::string_view part(path.data() + start, end - start);
        if (part == ".." || (single_too && part == ".")) return true;
        start = end + 1;
    }
    return false;
}

// An absolute path to a file or directory dirbind opens.
std::string path_of(const Value& v) {
    std::string p = text_of(v);
    if (p.empty() || p[0] != '/') v.fail("must be an absolute path, got '" + doc::printable(p) + "'");
    if (p.size() > kMaxPath) v.fail("longer than " + std::to_string(kMaxPath) + " bytes");
    if (has_control(p)) v.fail("contains control characters");
    if (has_dot_component(p, false)) v.fail("must not contain '..'");
    return p;
}

// ---- keys ---------------------------------------------------------------------------------

// A small mapping of fixed keys (`uid_range`, `login_refresh`): calls fn(key, value) for each
// entry in order; a non-mapping, a duplicate or an unknown key fails, naming the known ones.
template <typename Fn>
void each_known_key(const Value& v, std::initializer_list<const char*> known, Fn fn) {
    std::string shape;
    for (const char* k : known) shape += std::string(shape.empty() ? "{" : ", ") + k;
    if (!v.node.IsMap()) v.fail("expected a mapping " + shape + "}, got " + describe(v.node));
    std::set<std::string> seen;
    for (auto it = v.node.begin(); it != v.node.end(); ++it) {
        int line = doc::line_of(it->first, v.line);
        std::string k = it->first.IsScalar() ? it->first.Scalar() : std::string();
        if (!seen.insert(k).second) fail(v.file, line, v.key, "duplicate key '" + doc::printable(k) + "'");
        bool is_known = false;
        for (const char* n : known) is_known = is_known || k == n;
        if (!is_known)
            fail(v.file, line, v.key,
                 "unknown key '" + doc::printable(k) + "'" + doc::did_you_mean(k, known));
        fn(k, Value{v.file, v.key + "." + k, it->second, doc::line_of(it->second, line)});
    }
}

std::string without_trailing_slashes(std::string p) {
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    return p;
}

// Only the directory the NSS module serves from is accepted: a cache elsewhere would leave NSS
// serving the old one (password hashes included) for ever.
void set_cache_dir(const Value& v, Config& c) {
    std::string p = path_of(v);
    if (p.find_first_not_of('/') == std::string::npos) v.fail("must not be '/'");
    const std::string served = cache_location();
    if (without_trailing_slashes(p) != without_trailing_slashes(served))
        v.fail(p + " is not the cache directory the NSS module serves users from (" + served +
               "); every part of dirbind must use that one: remove this line (the cache lives in " + served +
               ")");
    c.cache_dir = served;
}

void set_uid_range(const Value& v, Config& c) {
    IdRange r;
    each_known_key(v, {"min", "max"}, [&](const std::string& k, const Value& sub) {
        (k == "min" ? r.min : r.max) = number_of(sub);
    });
    if (r.min < 1000) v.fail("min " + std::to_string(r.min) + " is below 1000 (0–999 belong to the system)");
    if (r.max >= 0x80000000u) v.fail("max " + std::to_string(r.max) + " is not below 2^31");
    if (r.min > r.max) v.fail("min " + std::to_string(r.min) + " is above max " + std::to_string(r.max));
    // min >= 1000 bounds this walk: the longest run of reserved ids above 999 is 4336 long.
    std::uint32_t id = r.min;
    while (reserved_id(id) && id < r.max) ++id;
    if (reserved_id(id))
        v.fail(std::to_string(r.min) + "–" + std::to_string(r.max) +
               " holds only reserved ids (see docs/config.md)");
    c.uid_range = r;
}

void set_home(const Value& v, Config& c) {
    std::string t = text_of(v);
    // The expansion becomes the passwd home field: no ':' or control characters.
    if (!valid_field_text(t.data(), t.size(), kMaxPath))
        v.fail("not a valid passwd field (':' or control characters)");
    if (t.empty() || t[0] != '/') v.fail("must be an absolute path, got '" + doc::printable(t) + "'");
    std::size_t last_slash = t.rfind('/');
    int users = 0;
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (t[i] != '%') continue;
        if (i < last_slash) v.fail("'%' may only appear in the last path component");
        char k = i + 1 < t.size() ? t[i + 1] : '\0';
        if (k == 'u')
            ++users;
        else if (k != '%')
            v.fail("only %u and %% may follow '%'");
        ++i;
    }
    if (users != 1) v.fail("must contain %u exactly once, in the last path component");
    // "//" or "/./" would make two spellings of one home; ".." could leave the base.
    if (t.find("//") != std::string::npos || has_dot_component(t, true))
        v.fail("must not contain '.', '..' or empty path components");
    Config probe;
    probe.home = t;
    if (home_base(probe) == "/")
        v.fail("the homes would lie directly below '/'; use a base such as /home/%u");
    c.home = t;
}

void set_shell(const Value& v, Config& c) {
    std::string s = path_of(v);
    if (!valid_field_text(s.data(), s.size(), kMaxPath))
        v.fail("not a valid passwd field (':' or bad UTF-8)");
    if (s.back() == '/') v.fail("must name a program, not a directory");
    c.shell = s;
}

void set_metrics_file(const Value& v, Config& c) {
    c.metrics_file = text_of(v).empty() ? "" : path_of(v);
    if (!c.metrics_file.empty() && c.metrics_file.back() == '/') v.fail("must name a file, not a directory");
}

void set_unmanaged_keys_file(const Value& v, Config& c) {
    std::string f = text_of(v);
    if (f.empty() || f.size() > 255) v.fail("must be a file name of 1 to 255 characters");
    for (char ch : f) {
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                  ch == '.' || ch == '_' || ch == '-';
        if (ch == '/') v.fail("must be a plain file name in ~/.ssh, without '/'");
        if (!ok) v.fail("may only contain letters, digits, '.', '_' and '-'");
    }
    if (f == "." || f == "..") v.fail("must be a file name, not '" + f + "'");
    // sshd reads both by default: keys parked there would still let their owners in.
    if (f == "authorized_keys" || f == "authorized_keys2")
        v.fail("must not be a file sshd reads ('" + f + "')");
    c.unmanaged_keys_file = f;
}

void set_key_options(const Value& v, Config& c) {
    std::string o = v.node.IsNull() ? "" : text_of(v);
    if (o.size() > 1024) v.fail("longer than 1024 characters");
    if (has_control(o)) v.fail("contains a control character");
    std::string why = o.empty() ? "" : check_key_options(o);
    if (!why.empty()) v.fail("not a valid authorized_keys option list: " + why);
    c.key_options = o;
}

void set_local_groups(const Value& v, Config& c) {
    c.local_groups.clear();
    if (v.node.IsNull()) return;  // "local_groups:" with every entry commented out
    if (!v.node.IsSequence()) v.fail("expected a list of group names, got " + describe(v.node));
    for (std::size_t i = 0; i < v.node.size(); ++i) {
        const YAML::Node item = v.node[i];
        Value sub{v.file, v.key + "[" + std::to_string(i) + "]", item, doc::line_of(item, v.line)};
        std::string g = text_of(sub);
        if (!valid_name(g.data(), g.size()))
            sub.fail("'" + doc::printable(g) + "' is not a valid group name");
        // gid 0 owns files across the system; membership is as good as root (security.md 4).
        if (g == "root") sub.fail("'root' may never be given to directory users");
        for (const auto& have : c.local_groups)
            if (have == g) sub.fail("'" + g + "' is listed twice");
        c.local_groups.push_back(g);
    }
}

void set_local_passwd(const Value& v, Config& c) {
    c.local_passwd = path_of(v);
}
void set_local_group(const Value& v, Config& c) {
    c.local_group = path_of(v);
}

// login_refresh: {enabled, timeout}. The timeout is seconds with up to three decimals, above 0
// and at most 2: sshd waits for it at every login, so a longer one is refused rather than cut.
std::uint32_t refresh_timeout_ms_of(const Value& v) {
    if (v.node.IsNull()) v.fail("a value is required");
    if (!v.node.IsScalar() || !doc::is_plain(v.node))
        v.fail("expected a number of seconds, got " + describe(v.node));
    const std::string& t = v.node.Scalar();
    std::size_t dot = t.find('.');
    std::string whole = t.substr(0, dot), frac = dot == std::string::npos ? "" : t.substr(dot + 1);
    bool ok = !whole.empty() && whole.size() <= 3 && (dot == std::string::npos || !frac.empty()) &&
              frac.size() <= 3;
    for (char ch : whole + frac) ok = ok && ch >= '0' && ch <= '9';
    if (!ok) v.fail("expected seconds such as 2 or 0.5 (at most three decimals), got " + describe(v.node));
    std::uint32_t ms = static_cast<std::uint32_t>(std::stoul(whole)) * 1000;
    if (!frac.empty()) ms += static_cast<std::uint32_t>(std::stoul((frac + "00").substr(0, 3)));
    if (ms == 0 || ms > 2000) v.fail(t + " is outside the allowed range: above 0 and at most 2 seconds");
    return ms;
}

void set_login_refresh(const Value& v, Config& c) {
    LoginRefreshConfig r;
    each_known_key(v, {"enabled", "timeout"}, [&](const std::string& k, const Value& sub) {
        if (k == "timeout") {
            r.timeout_ms = refresh_timeout_ms_of(sub);
            return;
        }
        r.enabled = bool_of(sub);
    });
    c.login_refresh = r;
}

// sudo_groups: {password: GROUP, nopasswd: GROUP, rule_file: PATH}, GROUP = {name, gid,
// existing_local_group}. A gid follows the directory's id rules except uid_range: outside it (the
// default) no directory record can ever claim it.
SudoGroup sudo_group_of(const Value& v, SudoGroup g) {
    bool gid_given = false;
    each_known_key(v, {"name", "gid", "existing_local_group"}, [&](const std::string& k, const Value& sub) {
        if (k == "name") {
            g.name = text_of(sub);
            if (!valid_name(g.name.data(), g.name.size()))
                sub.fail("'" + doc::printable(g.name) + "' is not a valid group name");
            if (g.name == "root") sub.fail("'root' may never be given to directory users");
        } else if (k == "gid") {
            g.gid = number_of(sub);
            gid_given = true;
            if (g.gid == 0 || reserved_id(g.gid))
                sub.fail(std::to_string(g.gid) + " is a reserved id (see docs/config.md, uid_range)");
        } else {
            const std::string b = sub.node.IsScalar() ? sub.node.Scalar() : std::string();
            if (!sub.node.IsScalar() || !doc::is_plain(sub.node) || (b != "true" && b != "false"))
                sub.fail("expected true or false, got " + describe(sub.node));
            g.existing_local_group = b == "true";
        }
    });
    if (g.existing_local_group && gid_given)
        v.fail("takes no gid with existing_local_group: true (the gid is the local group's, from local_group)");
    return g;
}

void set_sudo_groups(const Value& v, Config& c) {
    SudoGroupsConfig s;
    each_known_key(v, {"password", "nopasswd", "rule_file"}, [&](const std::string& k, const Value& sub) {
        if (k == "rule_file")
            s.rule_file = path_of(sub);
        else if (k == "password")
            s.password = sudo_group_of(sub, s.password);
        else
            s.nopasswd = sudo_group_of(sub, s.nopasswd);
    });
    if (s.password.name == s.nopasswd.name)
        v.fail("password and nopasswd name the same group '" + s.password.name +
               "': sudo with and without a password need a group each");
    if (!s.password.existing_local_group && !s.nopasswd.existing_local_group && s.password.gid == s.nopasswd.gid)
        v.fail("password and nopasswd have the same gid " + std::to_string(s.password.gid));
    c.sudo_groups = s;
}

// ---- source ---------------------------------------------------------------------------------
// One entry per source type: whether this build implements it, and the keys it takes besides
// `type`. A new source adds its fields to SourceConfig, a row here, and its key functions.

void set_source_path(const Value& v, SourceConfig& s) {
    s.path = path_of(v);
}

bool starts_with_nocase(const std::string& s, const char* prefix) {
    std::size_t n = std::strlen(prefix);
    if (s.size() < n) return false;
    for (std::size_t i = 0; i < n; ++i)
        if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
    return true;
}

// An https:// URL: no spaces or control characters, a host, no credentials in it.
std::string https_url_of(const Value& v, const char* what) {
    std::string u = text_of(v);
    if (u.size() > 2048) v.fail("longer than 2048 characters");
    for (unsigned char ch : u)
        if (ch <= 0x20 || ch == 0x7f) v.fail("must not contain spaces or control characters");
    if (!starts_with_nocase(u, "https://")) {
        if (starts_with_nocase(u, "http://"))
            v.fail("plain http:// is refused: the directory decides who may log in; use https://");
        v.fail("must be an https:// URL (" + std::string(what) + "), got '" + doc::printable(u) + "'");
    }
    std::size_t host_start = 8;
    std::size_t host_end = u.find_first_of("/?#", host_start);
    std::string authority = u.substr(host_start, host_end == std::string::npos ? std::string::npos : host_end - host_start);
    if (authority.empty() || authority[0] == ':') v.fail("has no host name");
    if (authority.find('@') != std::string::npos)
        v.fail("must not carry credentials (user:password@); use bearer_token_file or client_cert");
    if (u.find('#') != std::string::npos) v.fail("must not contain a '#' fragment");
    return u;
}

void set_source_url(const Value& v, SourceConfig& s) {
    s.url = https_url_of(v, s.type == "jumpcloud" ? "the region's API base, e.g. https://console.jumpcloud.com/api"
                                                  : "the snapshot's address");
    if (s.type == "jumpcloud") {
        if (s.url.find('?') != std::string::npos) v.fail("the API base URL takes no query");
        while (s.url.size() > 8 && s.url.back() == '/') s.url.pop_back();
    }
}

void set_ca_file(const Value& v, SourceConfig& s) { s.ca_file = path_of(v); }
void set_client_cert(const Value& v, SourceConfig& s) { s.client_cert = path_of(v); }
void set_client_key(const Value& v, SourceConfig& s) { s.client_key = path_of(v); }
void set_bearer_token_file(const Value& v, SourceConfig& s) { s.bearer_token_file = path_of(v); }
void set_agent_config(const Value& v, SourceConfig& s) { s.agent_config = path_of(v); }
void set_system_key_file(const Value& v, SourceConfig& s) { s.system_key_file = path_of(v); }
void set_api_key_file(const Value& v, SourceConfig& s) { s.api_key_file = path_of(v); }

void set_pinned_pubkey(const Value& v, SourceConfig& s) {
    std::string p = text_of(v);
    if (!p.empty() && p[0] == '/') {
        s.pinned_pubkey = path_of(v);
        return;
    }
    // libcurl's form: sha256//<base64 of the SPKI's SHA-256>, several joined by ';'.
    std::size_t start = 0;
    while (true) {
        std::size_t end = p.find(';', start);
        std::string one = p.substr(start, end == std::string::npos ? std::string::npos : end - start);
        bool ok = one.size() == 8 + 44 && one.compare(0, 8, "sha256//") == 0 && one.back() == '=';
        for (std::size_t i = 8; ok && i + 1 < one.size(); ++i) {
            char ch = one[i];
            ok = std::isalnum(static_cast<unsigned char>(ch)) || ch == '+' || ch == '/';
        }
        if (!ok)
            v.fail("expected sha256//<base64 of the key's SHA-256> (several joined by ';') or the absolute path of "
                   "a public key file, got '" + doc::printable(one) + "'");
        if (end == std::string::npos) break;
        start = end + 1;
    }
    s.pinned_pubkey = p;
}

void set_proxy(const Value& v, SourceConfig& s) {
    std::string p = v.node.IsNull() ? "" : text_of(v);
    for (unsigned char ch : p)
        if (ch <= 0x20 || ch == 0x7f) v.fail("must not contain spaces or control characters");
    if (!p.empty() && !starts_with_nocase(p, "http://") && !starts_with_nocase(p, "https://"))
        v.fail("must be an http:// or https:// proxy URL (the directory traffic inside stays https), got '" +
               doc::printable(p) + "'");
    s.proxy = p;
}

std::uint32_t number_in(const Value& v, std::uint32_t lo, std::uint32_t hi, const char* unit) {
    std::uint32_t n = number_of(v);
    if (n < lo || n > hi)
        v.fail(std::to_string(n) + " is outside " + std::to_string(lo) + "–" + std::to_string(hi) + unit);
    return n;
}

void set_connect_timeout(const Value& v, SourceConfig& s) { s.connect_timeout = number_in(v, 1, 300, " seconds"); }
void set_timeout(const Value& v, SourceConfig& s) { s.timeout = number_in(v, 1, 3600, " seconds"); }
void set_retries(const Value& v, SourceConfig& s) { s.retries = number_in(v, 0, 10, ""); }
void set_parallel(const Value& v, SourceConfig& s) { s.parallel = number_in(v, 1, 64, ""); }
void set_max_response_size(const Value& v, SourceConfig& s) {
    s.max_response_size = number_in(v, 1024, 0xffffffffu, " bytes");
}

void set_details(const Value& v, SourceConfig& s) {
    static const char* const kModes[] = {"auto", "per_user", "org_list"};
    std::string d = text_of(v);
    for (const char* m : kModes)
        if (d == m) {
            s.details = d;
            return;
        }
    v.fail("expected auto, per_user or org_list, got '" + doc::printable(d) + "'" +
           doc::did_you_mean(d, kModes, 3));
}
void set_details_every(const Value& v, SourceConfig& s) { s.details_every = number_in(v, 1, 1440, " syncs"); }

void set_org_id(const Value& v, SourceConfig& s) {
    std::string o = text_of(v);
    bool ok = o.size() == 24;
    for (char ch : o) ok = ok && ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'));
    if (!ok) v.fail("expected a JumpCloud organisation id (24 lower-case hex digits)");
    s.org_id = o;
}


// ---- ldap -------------------------------------------------------------------------------------

// ldaps://host[:port], ldap://host[:port] (StartTLS is then required) or ldapi://[socket]: the
// directory decides who may log in, so nothing travels in clear over a network.
std::string ldap_uri_of(const Value& v) {
    std::string u = text_of(v);
    if (u.size() > 2048) v.fail("longer than 2048 characters");
    for (unsigned char ch : u)
        if (ch <= 0x20 || ch == 0x7f) v.fail("must not contain spaces or control characters");
    const bool ldaps = starts_with_nocase(u, "ldaps://"), ldap = starts_with_nocase(u, "ldap://"),
               ldapi = starts_with_nocase(u, "ldapi://");
    if (!ldaps && !ldap && !ldapi)
        v.fail("must be an ldaps://, ldap:// (with starttls: true) or ldapi:// URI, got '" + doc::printable(u) + "'");
    if (ldapi) return u;
    std::string rest = u.substr(ldaps ? 8 : 7);
    std::size_t end = rest.find_first_of("/?#");
    std::string host = rest.substr(0, end);
    if (end != std::string::npos && rest.find_first_not_of('/', end) != std::string::npos)
        v.fail("give the server only (scheme, host and port); the bases and filters have keys of their own");
    if (host.empty() || host[0] == ':') v.fail("has no host name");
    if (host.find('@') != std::string::npos) v.fail("must not carry credentials; use bind_dn and bind_password_file");
    if (host.find(',') != std::string::npos) v.fail("one server per entry: list several as uris: [a, b]");
    return u;
}

void set_ldap_uris(const Value& v, SourceConfig& s) {
    s.ldap.uris.clear();
    if (v.node.IsScalar()) {
        s.ldap.uris.push_back(ldap_uri_of(v));
        return;
    }
    if (!v.node.IsSequence() || v.node.size() == 0)
        v.fail("expected a list of ldaps:// (or ldap:// with starttls, or ldapi://) URIs, got " + describe(v.node));
    if (v.node.size() > 16) v.fail("at most 16 servers");
    for (std::size_t i = 0; i < v.node.size(); ++i) {
        const YAML::Node item = v.node[i];
        s.ldap.uris.push_back(ldap_uri_of(Value{v.file, v.key + "[" + std::to_string(i) + "]", item,
                                                doc::line_of(item, v.line)}));
    }
}

// A distinguished name as text: the server parses it; here only what can never be one.
std::string dn_of(const Value& v) {
    std::string d = text_of(v);
    if (d.empty()) v.fail("must not be empty");
    if (d.size() > 1024) v.fail("longer than 1024 characters");
    if (has_control(d)) v.fail("contains control characters");
    if (d.find('=') == std::string::npos) v.fail("not a DN (such as ou=people,dc=example,dc=org): '" + doc::printable(d) + "'");
    return d;
}

// An RFC 4515 search filter: one parenthesised expression with balanced parentheses.
std::string filter_of(const Value& v) {
    std::string f = text_of(v);
    if (f.size() > 4096) v.fail("longer than 4096 characters");
    if (has_control(f)) v.fail("contains control characters");
    int depth = 0;
    bool closed = false;
    for (std::size_t i = 0; i < f.size(); ++i) {
        if (closed) v.fail("must be one parenthesised filter such as (objectClass=posixAccount); text after the closing ')'");
        if (f[i] == '\\') {  // \XX escapes
            ++i;
            continue;
        }
        if (f[i] == '(') ++depth;
        if (f[i] == ')' && --depth < 0) v.fail("unbalanced parentheses");
        if (depth == 0) closed = true;
        if (i == 0 && f[i] != '(') v.fail("must start with '(' as in (objectClass=posixAccount)");
    }
    if (f.empty() || depth != 0) v.fail("must be one parenthesised filter with balanced parentheses");
    return f;
}

std::string scope_of(const Value& v) {
    std::string sc = text_of(v);
    if (sc != "sub" && sc != "one" && sc != "base")
        v.fail("expected sub, one or base, got '" + doc::printable(sc) + "'" + doc::did_you_mean(sc, {"sub", "one", "base"}));
    return sc;
}

void set_ldap_starttls(const Value& v, SourceConfig& s) { s.ldap.starttls = bool_of(v); }
void set_ldap_sasl_external(const Value& v, SourceConfig& s) { s.ldap.sasl_external = bool_of(v); }
void set_ldap_bind_dn(const Value& v, SourceConfig& s) { s.ldap.bind_dn = dn_of(v); }
void set_ldap_bind_password_file(const Value& v, SourceConfig& s) { s.ldap.bind_password_file = path_of(v); }
void set_ldap_user_base(const Value& v, SourceConfig& s) { s.ldap.user_base = dn_of(v); }
void set_ldap_group_base(const Value& v, SourceConfig& s) { s.ldap.group_base = dn_of(v); }
void set_ldap_user_scope(const Value& v, SourceConfig& s) { s.ldap.user_scope = scope_of(v); }
void set_ldap_group_scope(const Value& v, SourceConfig& s) { s.ldap.group_scope = scope_of(v); }
void set_ldap_user_filter(const Value& v, SourceConfig& s) { s.ldap.user_filter = filter_of(v); }
void set_ldap_group_filter(const Value& v, SourceConfig& s) { s.ldap.group_filter = filter_of(v); }
void set_ldap_host_filter(const Value& v, SourceConfig& s) { s.ldap.host_filter = filter_of(v); }
void set_ldap_page_size(const Value& v, SourceConfig& s) { s.ldap.page_size = number_in(v, 1, 100000, ""); }
void set_ldap_offline_password_days(const Value& v, SourceConfig& s) {
    s.ldap.offline_password_days = number_in(v, 0, 3650, " days");
}

void set_ldap_schema(const Value& v, SourceConfig& s) {
    std::string n = text_of(v);
    LdapSourceConfig probe;
    if (!ldap_schema_defaults(n, &probe))
        v.fail("expected rfc2307, rfc2307bis or ad, got '" + doc::printable(n) + "'" +
               doc::did_you_mean(n, {"rfc2307", "rfc2307bis", "ad"}));
    s.ldap.schema = n;
}

void set_ldap_password_check(const Value& v, SourceConfig& s) {
    std::string m = text_of(v);
    if (m != "none" && m != "bind")
        v.fail("expected none or bind, got '" + doc::printable(m) + "'" + doc::did_you_mean(m, {"none", "bind"}));
    s.ldap.password_check = m;
}

struct MapKey {
    const char* name;
    std::string LdapAttributeMap::*field;
};
constexpr MapKey kMapKeys[] = {
    {"name", &LdapAttributeMap::name},
    {"uid", &LdapAttributeMap::uid},
    {"gid", &LdapAttributeMap::gid},
    {"gecos", &LdapAttributeMap::gecos},
    {"home", &LdapAttributeMap::home},
    {"shell", &LdapAttributeMap::shell},
    {"ssh_public_key", &LdapAttributeMap::ssh_public_key},
    {"shadow_expire", &LdapAttributeMap::shadow_expire},
    {"locked_time", &LdapAttributeMap::locked_time},
    {"account_control", &LdapAttributeMap::account_control},
    {"group_name", &LdapAttributeMap::group_name},
    {"group_gid", &LdapAttributeMap::group_gid},
    {"member_uid", &LdapAttributeMap::member_uid},
    {"member", &LdapAttributeMap::member},
};

// An attribute description: a name or an OID, options after ';'. Empty: not read.
std::string attribute_of(const Value& v) {
    std::string a = v.node.IsNull() ? "" : text_of(v);
    if (a.size() > 128) v.fail("longer than 128 characters");
    for (char ch : a)
        if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != ';' && ch != '.')
            v.fail("not an attribute name: '" + doc::printable(a) + "' (letters, digits, '-', '.', ';')");
    return a;
}

void set_ldap_map(const Value& v, SourceConfig& s) {
    if (!v.node.IsMap()) v.fail("expected a mapping of attribute names (name: uid, home: homeDirectory, …), got " + describe(v.node));
    std::vector<const char*> names;
    for (const auto& k : kMapKeys) names.push_back(k.name);
    std::set<std::string> seen;
    for (auto it = v.node.begin(); it != v.node.end(); ++it) {
        int line = doc::line_of(it->first, v.line);
        std::string k = it->first.IsScalar() ? it->first.Scalar() : std::string();
        if (!seen.insert(k).second) fail(v.file, line, v.key, "duplicate key '" + doc::printable(k) + "'");
        const MapKey* mk = nullptr;
        for (const auto& m : kMapKeys)
            if (k == m.name) mk = &m;
        if (!mk)
            fail(v.file, line, v.key,
                 "unknown key '" + doc::printable(k) + "'" + doc::did_you_mean(k, names.data(), names.size()));
        s.ldap.map.*(mk->field) = attribute_of(Value{v.file, v.key + "." + k, it->second, doc::line_of(it->second, line)});
    }
}

void set_ldap_policy(const Value& v, SourceConfig& s) {
    each_known_key(v, {"password_auth", "public_key_auth", "root_login", "mfa"},
                   [&](const std::string& k, const Value& sub) {
                       bool b = bool_of(sub);
                       if (k == "password_auth") s.ldap.policy.password_auth = b;
                       if (k == "public_key_auth") s.ldap.policy.public_key_auth = b;
                       if (k == "root_login") s.ldap.policy.root_login = b;
                       if (k == "mfa") s.ldap.policy.mfa = b;
                   });
}

// After every key of an ldap source: the schema's defaults for what was not given, and the rules
// between keys, reported at the `source` line.
void finish_ldap(const Value& v, SourceConfig& s) {
    LdapSourceConfig& l = s.ldap;
    LdapSourceConfig d;
    ldap_schema_defaults(l.schema, &d);
    const YAML::Node given_map = v.node["map"];
    for (const auto& m : kMapKeys)
        if (!given_map || !given_map[m.name]) l.map.*(m.field) = d.map.*(m.field);
    if (!v.node["user_filter"]) l.user_filter = d.user_filter;
    if (!v.node["group_filter"]) l.group_filter = d.group_filter;
    if (l.group_base.empty()) l.group_base = l.user_base;
    const YAML::Node policy = v.node["policy"];
    if (!policy || !policy["password_auth"]) l.policy.password_auth = l.password_check == "bind";
    if (l.uris.empty()) v.fail("type ldap needs 'uris' (the servers, e.g. [ldaps://ldap1.example.org])");
    if (l.user_base.empty()) v.fail("type ldap needs 'user_base' (e.g. ou=people,dc=example,dc=org)");
    if (l.map.name.empty() || l.map.uid.empty()) v.fail("map.name and map.uid cannot be left out");
    if (l.map.member.empty() && l.map.member_uid.empty() && !l.group_filter.empty())
        v.fail("groups need map.member_uid or map.member");
    for (const auto& u : l.uris)
        if (starts_with_nocase(u, "ldap://") && !l.starttls)
            v.fail("plain " + u + " is refused: the directory decides who may log in; use ldaps:// or set starttls: true");
    if (l.bind_dn.empty() != l.bind_password_file.empty())
        v.fail("bind_dn and bind_password_file go together: set both (simple bind) or neither");
    if (l.sasl_external && !l.bind_dn.empty())
        v.fail("sasl_external and bind_dn exclude each other: the client certificate is the identity");
    if (l.sasl_external && s.client_cert.empty() && !std::any_of(l.uris.begin(), l.uris.end(), [](const std::string& u) {
            return starts_with_nocase(u, "ldapi://");
        }))
        v.fail("sasl_external needs client_cert and client_key (or an ldapi:// server)");
    if (l.offline_password_days > 0 && l.password_check != "bind")
        v.fail("offline_password_days needs password_check: bind");
}

struct SourceKey {
    const char* name;
    void (*set)(const Value&, SourceConfig&);
};
struct SourceType {
    const char* type;
    bool built;
    std::initializer_list<SourceKey> keys;
};
const SourceType kSourceTypes[] = {
    {"file", true, {{"path", set_source_path}}},
    {"https",
     true,
     {{"url", set_source_url},
      {"ca_file", set_ca_file},
      {"client_cert", set_client_cert},
      {"client_key", set_client_key},
      {"bearer_token_file", set_bearer_token_file},
      {"pinned_pubkey", set_pinned_pubkey},
      {"proxy", set_proxy},
      {"connect_timeout", set_connect_timeout},
      {"timeout", set_timeout},
      {"retries", set_retries},
      {"max_response_size", set_max_response_size}}},
    {"jumpcloud",
     true,
     {{"url", set_source_url},
      {"agent_config", set_agent_config},
      {"system_key_file", set_system_key_file},
      {"api_key_file", set_api_key_file},
      {"org_id", set_org_id},
      {"ca_file", set_ca_file},
      {"pinned_pubkey", set_pinned_pubkey},
      {"proxy", set_proxy},
      {"connect_timeout", set_connect_timeout},
      {"timeout", set_timeout},
      {"retries", set_retries},
      {"max_response_size", set_max_response_size},
      {"parallel", set_parallel},
      {"details", set_details},
      {"details_every", set_details_every}}},
    {"ldap",
     true,
     {{"uris", set_ldap_uris},
      {"starttls", set_ldap_starttls},
      {"ca_file", set_ca_file},
      {"client_cert", set_client_cert},
      {"client_key", set_client_key},
      {"sasl_external", set_ldap_sasl_external},
      {"bind_dn", set_ldap_bind_dn},
      {"bind_password_file", set_ldap_bind_password_file},
      {"connect_timeout", set_connect_timeout},
      {"timeout", set_timeout},
      {"user_base", set_ldap_user_base},
      {"user_scope", set_ldap_user_scope},
      {"user_filter", set_ldap_user_filter},
      {"host_filter", set_ldap_host_filter},
      {"group_base", set_ldap_group_base},
      {"group_scope", set_ldap_group_scope},
      {"group_filter", set_ldap_group_filter},
      {"schema", set_ldap_schema},
      {"map", set_ldap_map},
      {"page_size", set_ldap_page_size},
      {"password_check", set_ldap_password_check},
      {"offline_password_days", set_ldap_offline_password_days},
      {"policy", set_ldap_policy}}},
};

void set_source(const Value& v, Config& c) {
    if (!v.node.IsMap()) v.fail("expected a mapping with 'type' and its keys, got " + describe(v.node));
    SourceConfig s;
    const SourceType* kind = &kSourceTypes[0];
    if (const YAML::Node t = v.node["type"]) {
        Value tv{v.file, v.key + ".type", t, doc::line_of(t, v.line)};
        std::string name = text_of(tv);
        kind = nullptr;
        for (const auto& k : kSourceTypes)
            if (name == k.type) kind = &k;
        if (!kind)
            tv.fail("unknown source type '" + doc::printable(name) + "' (expected file, https, jumpcloud or ldap)");
        if (!kind->built) tv.fail("source type '" + name + "' is not supported by this build");
        s.type = name;
    }
    if (s.type == "jumpcloud") s.url = kJumpCloudDefaultUrl;
    std::set<std::string> seen;
    for (auto it = v.node.begin(); it != v.node.end(); ++it) {
        int line = doc::line_of(it->first, v.line);
        if (!it->first.IsScalar()) fail(v.file, line, v.key, "keys must be plain names");
        const std::string k = it->first.Scalar();
        if (!seen.insert(k).second) fail(v.file, line, v.key, "duplicate key '" + doc::printable(k) + "'");
        if (k == "type") continue;
        const SourceKey* key = nullptr;
        for (const auto& sk : kind->keys)
            if (k == sk.name) key = &sk;
        if (!key) {
            for (const auto& other : kSourceTypes)
                for (const auto& sk : other.keys)
                    if (k == sk.name)
                        fail(v.file, line, v.key,
                             "key '" + k + "' belongs to source type " + other.type + ", not " + kind->type);
            std::vector<const char*> names{"type"};
            for (const auto& sk : kind->keys) names.push_back(sk.name);
            fail(v.file, line, v.key,
                 "unknown key '" + doc::printable(k) + "'" + doc::did_you_mean(k, names.data(), names.size()));
        }
        key->set(Value{v.file, v.key + "." + k, it->second, doc::line_of(it->second, line)}, s);
    }
    // Rules between keys, reported at the `source` line.
    if (s.type == "https" && s.url.empty()) v.fail("type https needs 'url' (the snapshot's https:// address)");
    if (s.client_cert.empty() != s.client_key.empty())
        v.fail("client_cert and client_key go together: set both or neither");
    if (s.type == "ldap") finish_ldap(v, s);
    c.source = s;
}

// ---- top level ------------------------------------------------------------------------------

struct TopKey {
    const char* name;
    void (*set)(const Value&, Config&);
};
constexpr TopKey kTopKeys[] = {
    {"source", set_source},
    {"cache_dir", set_cache_dir},
    {"uid_range", set_uid_range},
    {"home", set_home},
    {"shell", set_shell},
    {"unmanaged_keys_file", set_unmanaged_keys_file},
    {"key_options", set_key_options},
    {"local_groups", set_local_groups},
    {"local_passwd", set_local_passwd},
    {"local_group", set_local_group},
    {"login_refresh", set_login_refresh},
    {"sudo_groups", set_sudo_groups},
    {"metrics_file", set_metrics_file},
};

// Rules between keys, checked once every key is read; `lines` has the line of each key given.
void check_between_keys(const Config& c, const std::map<std::string, int>& lines) {
    for (const SudoGroup* g : {&c.sudo_groups.password, &c.sudo_groups.nopasswd}) {
        if (g->existing_local_group) continue;
        for (const auto& lg : c.local_groups)
            if (lg == g->name) {
                // Name the key the admin wrote last: the one to look at.
                const char* key = lines.count("sudo_groups") ? "sudo_groups" : "local_groups";
                auto it = lines.find(key);
                fail(c.file, it == lines.end() ? 1 : it->second, key,
                     "'" + g->name + "' is both a sudo group served by dirbind and in local_groups; set "
                     "existing_local_group: true to use the local group, or take it out of local_groups");
            }
    }
}

std::string top_key_suggestion(std::string_view k) {
    const char* names[std::size(kTopKeys)];
    for (std::size_t i = 0; i < std::size(kTopKeys); ++i) names[i] = kTopKeys[i].name;
    return doc::did_you_mean(k, names, std::size(kTopKeys));
}

}  // namespace

bool ldap_schema_defaults(const std::string& schema, LdapSourceConfig* out) {
    LdapAttributeMap& m = out->map;
    m = LdapAttributeMap{};
    // Shared by the RFC 2307 family: posixAccount, shadowAccount, openssh-lpk, ppolicy.
    m.uid = "uidNumber", m.gid = "gidNumber", m.shell = "loginShell", m.ssh_public_key = "sshPublicKey";
    m.group_gid = "gidNumber";
    if (schema == "rfc2307" || schema == "rfc2307bis") {
        m.name = "uid", m.gecos = "gecos", m.home = "homeDirectory";
        m.shadow_expire = "shadowExpire", m.locked_time = "pwdAccountLockedTime";
        m.group_name = "cn";
        out->user_filter = "(objectClass=posixAccount)";
        if (schema == "rfc2307") {
            m.member_uid = "memberUid";
            out->group_filter = "(objectClass=posixGroup)";
        } else {
            m.member = "member";
            out->group_filter = "(&(objectClass=groupOfNames)(gidNumber=*))";
        }
        return true;
    }
    if (schema == "ad") {
        // Active Directory with its RFC 2307 attributes (Identity Management for UNIX, or set by hand).
        m.name = "sAMAccountName", m.gecos = "displayName", m.home = "unixHomeDirectory";
        m.account_control = "userAccountControl";
        m.group_name = "cn", m.member = "member";
        out->user_filter = "(&(objectClass=user)(uidNumber=*))";
        out->group_filter = "(&(objectClass=group)(gidNumber=*))";
        return true;
    }
    return false;
}

Config parse_config(const std::string& text, const std::string& name) {
    YAML::Node root = doc::load_yaml(text, name, Err::config);
    Config c;
    c.file = name;
    if (root.IsNull()) return c;  // an empty file: every default
    if (!root.IsMap())
        throw Error(Err::config, name + ":" + std::to_string(doc::line_of(root, 1)) +
                                     ": the config must be a mapping of keys (key: value)");
    std::set<std::string> seen;
    std::map<std::string, int> lines;
    for (auto it = root.begin(); it != root.end(); ++it) {
        int line = doc::line_of(it->first, 1);
        if (!it->first.IsScalar())
            throw Error(Err::config, name + ":" + std::to_string(line) + ": keys must be plain names");
        const std::string k = it->first.Scalar();
        const TopKey* key = nullptr;
        for (const auto& tk : kTopKeys)
            if (k == tk.name) key = &tk;
        if (!key) {
            throw Error(Err::config,
                        name + ":" + std::to_string(line) + ": unknown key '" + doc::printable(k) + "'" +
                            top_key_suggestion(k));
        }
        if (!seen.insert(k).second) fail(name, line, k, "duplicate key (already set above)");
        lines[k] = line;
        key->set(Value{name, k, it->second, doc::line_of(it->second, line)}, c);
    }
    check_between_keys(c, lines);
    return c;
}

Config load_config(const std::string& path) {
    auto cannot = [&](const std::string& why) {
        return Error(Err::config, "cannot read config " + path + ": " + why);
    };
    // O_NONBLOCK: a FIFO planted at the path must not hang PAM.
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        int err = errno;
        if (err == ENOENT)
            throw cannot(errno_text(err) + " (create it from /etc/dirbind/dirbind.yaml.example)");
        throw cannot(errno_text(err));
    }
    std::string text;
    struct stat st;
    std::string problem;
    if (::fstat(fd, &st) != 0)
        problem = errno_text(errno);
    else if (!S_ISREG(st.st_mode))
        problem = "not a regular file";
    else if (static_cast<std::size_t>(st.st_size) > kMaxConfigBytes)
        problem = "larger than 1 MiB";
    // Whoever can write it decides the homes, the key options and the sources: root's alone,
    // the rule of the secret files (secret_file.h).
    else if (std::string why = untrusted_because(st, path); !why.empty()) {
        ::close(fd);
        throw Error(Err::config, "refusing to use config " + path + ": " + why);
    }
    char buf[8192];
    while (problem.empty()) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
            problem = errno_text(errno);
        else if (n == 0)
            break;
        else if (text.size() + static_cast<std::size_t>(n) > kMaxConfigBytes)
            problem = "larger than 1 MiB";
        else
            text.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    if (!problem.empty()) throw cannot(problem);
    return parse_config(text, path);
}

}  // namespace dirbind
