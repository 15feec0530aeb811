// SPDX-License-Identifier: Apache-2.0
// doctor.h — `dirbind doctor`: the checks, each one line of ok/warn/FAIL with the reason and
// the command that fixes it, printed for a person or as JSON (schema in docs/doctor.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.h"

namespace dirbind::cli {

enum class Level { ok, warn, fail };

struct Check {
    std::string group;  // "host", "user", "keys", "files", "key", "fix"
    std::string id;     // stable identifier, e.g. "nss.resolves", "files.mode"
    Level level = Level::ok;
    std::string message;
    std::string fix;  // a command or an instruction; "" when there is nothing to do
};

class Report {
public:
    void add(const std::string& group, const std::string& id, Level level, const std::string& message,
             const std::string& fix = "") {
        checks_.push_back(Check{group, id, level, message, fix});
    }
    const std::vector<Check>& checks() const { return checks_; }
    bool failed() const;
    // One line per check, grouped in the order the groups first appear; colour on a terminal.
    void print_text(bool colour) const;
    // The JSON document of docs/doctor.md.
    void print_json(const std::string& user) const;

private:
    std::vector<Check> checks_;
};

struct DoctorOptions {
    std::string user;                // "" = host checks only
    std::optional<std::string> key;  // --key: the file's (or stdin's) text
    bool fix = false;
};

// The host checks: config (already loaded), cache, nsswitch.conf, PAM stacks, sshd, timer,
// directory.
void check_host(const Config& cfg, Report* r);

// The user checks, and --key / --fix for that user.
void check_user(const Config& cfg, const DoctorOptions& o, Report* r);

}  // namespace dirbind::cli
