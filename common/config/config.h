// SPDX-License-Identifier: Apache-2.0
// config.h — /etc/dirbind/dirbind.yaml, parsed once into a Config. Every key is documented
// in docs/config.md with its default. Unknown keys and bad values throw dirbind::Error
// (Err::config) whose message names the file, the key and the line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cache/cache_location.h"

namespace dirbind {

constexpr const char* kDefaultConfigPath = "/etc/dirbind/dirbind.yaml";

struct IdRange {
    std::uint32_t min = 1000;  // Debian login.defs UID_MIN
    std::uint32_t max = 60000;  // Debian login.defs UID_MAX
    bool contains(std::uint32_t id) const noexcept { return id >= min && id <= max; }
};

constexpr const char* kJumpCloudDefaultUrl = "https://console.jumpcloud.com/api";

// `source.map:` of the ldap source — which LDAP attribute holds what (docs/sources.md, "ldap").
// An empty name means "not read". The defaults come from `source.schema` and each key given in
// `map:` replaces one of them.
struct LdapAttributeMap {
    std::string name, uid, gid, gecos, home, shell, ssh_public_key;  // users
    std::string shadow_expire;    // days since 1970 (RFC 2307 shadowAccount): expired from that day on
    std::string locked_time;      // ppolicy pwdAccountLockedTime: present = locked
    std::string account_control;  // AD userAccountControl: bit 0x2 = disabled (suspended)
    std::string group_name, group_gid;
    std::string member_uid;  // RFC 2307: member user names
    std::string member;      // RFC 2307bis / AD: member DNs
};

// The host-wide switches the ldap source cannot read from the directory (docs/config.md).
struct LdapPolicy {
    bool password_auth = false;  // default: true with password_check: bind
    bool public_key_auth = true;
    bool root_login = false;
    bool mfa = false;
};

// `source:` keys of type ldap (docs/config.md, docs/sources.md "ldap").
struct LdapSourceConfig {
    std::vector<std::string> uris;  // tried in order; ldaps://, ldap:// with starttls, ldapi://
    bool starttls = false;
    std::string bind_dn, bind_password_file;  // simple bind; the file is a root-only secret
    bool sasl_external = false;               // SASL EXTERNAL with source.client_cert/client_key
    std::string user_base, user_scope = "sub", user_filter;
    std::string host_filter;  // which users are bound to this host, ANDed with user_filter
    std::string group_base, group_scope = "sub", group_filter;
    std::string schema = "rfc2307";  // rfc2307 | rfc2307bis | ad: the defaults of filters and map
    LdapAttributeMap map;
    std::uint32_t page_size = 500;        // entries per page (RFC 2696)
    std::string password_check = "none";  // none | bind (pam_dirbind binds as the user)
    std::uint32_t offline_password_days = 0;  // cached verifier lifetime after a bind; 0 = none
    LdapPolicy policy;
};

// `source:` — which directory to read, and how (docs/config.md, docs/sources.md). Each type
// takes only its own keys; the others keep their defaults.
struct SourceConfig {
    std::string type = "file";                         // file | https | jumpcloud | ldap
    std::string path = "/etc/dirbind/directory.yaml";  // type file: the directory document
    // https, jumpcloud and ldap: the transport (https_client.h, net/ldap_conn.h).
    std::string url;  // https: the snapshot URL (required); jumpcloud: region base URL (…/api)
    std::string ca_file = "/etc/ssl/certs/ca-certificates.crt";
    std::string pinned_pubkey;   // "" | sha256//<base64>[;…] | absolute path of a public key
    std::string proxy;           // "" = https_proxy/no_proxy from the environment
    std::uint32_t connect_timeout = 2;  // seconds
    std::uint32_t timeout = 10;         // seconds, per request
    std::uint32_t retries = 3;          // extra attempts on connection errors, 429, 5xx
    std::uint32_t max_response_size = 256u << 20;  // bytes per response
    // https: client authentication (either or both).
    std::string client_cert, client_key;  // mTLS; the key is a root-only secret file
    std::string bearer_token_file;        // root-only secret file
    // jumpcloud: host identity and the read-only API key.
    std::string agent_config = "/opt/jc/jcagent.conf";
    std::string system_key_file = "/opt/jc/client.key";
    std::string api_key_file = "/etc/dirbind/jumpcloud.key";
    std::string org_id;         // x-org-id for multi-tenant admin keys; "" = none
    std::uint32_t parallel = 8;  // user-detail requests in flight
    LdapSourceConfig ldap;       // ldap (also uses ca_file, client_cert/client_key, the timeouts)
    // Where users' details come from: "auto" (the cheaper per sync), "per_user" or "org_list".
    std::string details = "auto";
    std::uint32_t details_every = 1;  // read each user's details every N-th sync (1: every sync)
};

// `login_refresh:` — the optional per-user check at login (issue 4; docs/pam.md): pam_dirbind asks
// the directory about the one user logging in, within `timeout_ms`, and may only deny more.
struct LoginRefreshConfig {
    bool enabled = false;
    std::uint32_t timeout_ms = 2000;  // total for the whole question; 1–2000 (the key is in seconds)
};

// One of the two groups that directory admins are put in (docs/config.md, "sudo_groups"): the
// NSS module serves it from the cache, /etc/sudoers.d/dirbind and the polkit rule grant it.
struct SudoGroup {
    std::string name;
    std::uint32_t gid = 0;  // unused when existing_local_group
    // Opt-in: `name` is a group of the local group file (e.g. Debian's `sudo`), whose gid admins
    // get as a supplementary group; nothing is served under that name. Root-equivalent on purpose.
    bool existing_local_group = false;
};

// `sudo_groups:` — which group each directory `sudo` value puts a user in, and the sudoers file
// that grants them (only read by check-config and status, which warn when it no longer names them).
struct SudoGroupsConfig {
    SudoGroup password{"dirbind-sudo", 65600, false};           // sudo: password
    SudoGroup nopasswd{"dirbind-sudo-nopasswd", 65601, false};  // sudo: nopasswd
    std::string rule_file = "/etc/sudoers.d/dirbind";
};
// Debian's prometheus-node-exporter textfile collector directory, and dirbind's file in it.
constexpr const char* kDefaultMetricsFile = "/var/lib/prometheus/node-exporter/dirbind.prom";

struct Config {
    std::string file;  // where this config was read from ("" for built-in defaults)
    SourceConfig source;
    // Always cache_location(): the NSS module reads no config, so the key may only repeat it
    // (docs/config.md); sync, PAM and the CLI thus never use a cache NSS does not serve.
    std::string cache_dir = cache_location();
    IdRange uid_range;  // uids and gids of directory users and groups
    std::string home = "/home/%u";  // template; %u = user name. Its fixed prefix is the home base.
    std::string shell = "/bin/bash";
    std::string unmanaged_keys_file = "authorized_keys.jcorig";
    // authorized_keys options put in front of every directory key dirbind writes or prints
    // (e.g. "restrict" or "no-agent-forwarding"); never taken from the directory.
    std::string key_options;
    // Local groups (in /etc/group) that directory users may be members of, e.g. [docker].
    // Empty: none. Security.md item 4: never implied.
    std::vector<std::string> local_groups;
    // Local account databases whose names and ids win over the directory. Only tests and
    // containers change these.
    std::string local_passwd = "/etc/passwd";
    std::string local_group = "/etc/group";
    LoginRefreshConfig login_refresh;
    SudoGroupsConfig sudo_groups;
    // Prometheus text-format file rewritten after each sync (docs/monitoring.md); "" = none. The
    // default is written only when its directory exists (node_exporter installed) and cache_dir
    // is the default one.
    std::string metrics_file = kDefaultMetricsFile;
};

// Reads and checks the config at `path`. Throws Error(Err::config) naming the file, key and
// line for a missing/unreadable file, a file not owned by root (or this process's euid) or
// writable by group or others (secret_file.h untrusted_because), YAML syntax errors
// (line:column), unknown keys and bad values.
Config load_config(const std::string& path);

// Parses config text; `name` is used in messages. Same rules as load_config().
Config parse_config(const std::string& text, const std::string& name);

// The fixed part of the home template before the first '%', without trailing '/':
// "/home/%u" → "/home". Directory-supplied homes must lie strictly below it.
std::string home_base(const Config& c);

// The home for `user` from the template (only %u and %% are expanded).
std::string expand_home(const Config& c, const std::string& user);

// The attribute map and filters `schema` (rfc2307, rfc2307bis, ad) implies; false for another name.
bool ldap_schema_defaults(const std::string& schema, LdapSourceConfig* out);

}  // namespace dirbind
