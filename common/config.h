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

// `source:` — which directory to read. Keys of other source types (https, jumpcloud) are
// added here by the issues that build them.
struct SourceConfig {
    std::string type = "file";                       // file
    std::string path = "/etc/dirbind/directory.yaml";  // type file: the directory document
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
