// SPDX-License-Identifier: Apache-2.0
// config.h — /etc/dirbind/dirbind.yaml, parsed once into a Config. Every key is documented
// in docs/config.md with its default. Unknown keys and bad values throw dirbind::Error
// (Err::config) whose message names the file, the key and the line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dirbind {

constexpr const char* kDefaultConfigPath = "/etc/dirbind/dirbind.yaml";

struct IdRange {
    std::uint32_t min = 1000;  // Debian login.defs UID_MIN
    std::uint32_t max = 60000;  // Debian login.defs UID_MAX
    bool contains(std::uint32_t id) const noexcept { return id >= min && id <= max; }
};

constexpr const char* kJumpCloudDefaultUrl = "https://console.jumpcloud.com/api";

// `source:` — which directory to read, and how (docs/config.md, docs/sources.md). Each type
// takes only its own keys; the others keep their defaults.
struct SourceConfig {
    std::string type = "file";                         // file | https | jumpcloud
    std::string path = "/etc/dirbind/directory.yaml";  // type file: the directory document
    // https and jumpcloud: the transport (https_client.h).
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

struct Config {
    std::string file;  // where this config was read from ("" for built-in defaults)
    SourceConfig source;
    std::string cache_dir = "/var/lib/dirbind";
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
};

// Reads and checks the config at `path`. Throws Error(Err::config) naming the file, key and
// line for a missing/unreadable file, YAML syntax errors (line:column), unknown keys and bad
// values.
Config load_config(const std::string& path);

// Parses config text; `name` is used in messages. Same rules as load_config().
Config parse_config(const std::string& text, const std::string& name);

// The fixed part of the home template before the first '%', without trailing '/':
// "/home/%u" → "/home". Directory-supplied homes must lie strictly below it.
std::string home_base(const Config& c);

// The home for `user` from the template (only %u and %% are expanded).
std::string expand_home(const Config& c, const std::string& user);

}  // namespace dirbind
