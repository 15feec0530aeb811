// SPDX-License-Identifier: Apache-2.0
// commands.h — the dirbind subcommands; main.cc parses global options and dispatches.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dirbind::cli {

// Parsed command line: the config path and the words after the command name.
struct Args {
    std::string config;
    std::vector<std::string> words;  // command arguments, options included
    bool has(const std::string& flag) const;
};

// Each returns the process exit code: 0 success, 1 failure, 2 usage error.
int cmd_sync(const Args& a);
int cmd_status(const Args& a);
int cmd_lookup(const Args& a);
int cmd_check_config(const Args& a);
int cmd_authorized_keys(const Args& a);
int cmd_refresh_user(const Args& a);
int cmd_check_password(const Args& a);

// Ends the process `ms` milliseconds from now, whatever it is doing, with exit status 1 and
// "timed out … login_refresh.timeout" on stderr: the hard total of the commands pam_dirbind runs.
void arm_deadline(std::uint32_t ms);
int cmd_doctor(const Args& a);

// Prints "dirbind: <usage>" to stderr and returns 2.
int usage_error(const std::string& message);

}  // namespace dirbind::cli
