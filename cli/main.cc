// SPDX-License-Identifier: Apache-2.0
// main.cc — the `dirbind` command: global options, dispatch, and the last-resort error
// handler that turns every exception into one clear line and exit status 1.
#include <cstdio>
#include <cstring>
#include <exception>

#include "commands.h"
#include "config/config.h"
#include "system/error.h"

namespace dirbind::cli {

bool Args::has(const std::string& flag) const {
    for (const auto& w : words)
        if (w == flag) return true;
    return false;
}

int usage_error(const std::string& message) {
    std::fprintf(stderr, "dirbind: %s\nTry 'dirbind --help'.\n", message.c_str());
    return 2;
}

namespace {
const char kUsage[] =
    "usage: dirbind [--config PATH] COMMAND [ARGS]\n"
    "\n"
    "Binds this host to a user directory: directory users resolve through NSS and log in over ssh.\n"
    "\n"
    "commands:\n"
    "  sync [--force] [--verbose]  fetch the directory, validate it and rewrite the local cache\n"
    "  status [--json]             last sync, its source, counts, policy and last error\n"
    "  lookup user NAME|UID        what the cache says about a user\n"
    "  lookup group NAME|GID       what the cache says about a group\n"
    "  check-config                check the config and the directory source, print every problem\n"
    "  authorized-keys USER [UID] [FP]  the user's keys for sshd's AuthorizedKeysCommand (cache only)\n"
    "  refresh-user NAME           ask the directory about one user now (pam_dirbind's login_refresh;\n"
    "                              prints a verdict, writes nothing)\n"
    "  check-password NAME         check NAME's password (on stdin) by an LDAP bind (pam_dirbind's\n"
    "                              password_check: bind; prints accepted or refused)\n"
    "  doctor [USER] [--key FILE|-] [--json] [--fix]\n"
    "                              why this host, or USER, can or cannot log in, and the fix;\n"
    "                              --fix repairs owner/mode of USER's ~/.ssh files only\n"
    "\n"
    "options:\n"
    "  --config PATH               config file (default /etc/dirbind/dirbind.yaml)\n"
    "  --version, --help\n";

struct Command {
    const char* name;
    int (*run)(const Args&);
};
const Command kCommands[] = {
    {"sync", cmd_sync}, {"status", cmd_status}, {"lookup", cmd_lookup}, {"check-config", cmd_check_config},
    {"authorized-keys", cmd_authorized_keys}, {"refresh-user", cmd_refresh_user},
    {"check-password", cmd_check_password}, {"doctor", cmd_doctor}};
}  // namespace

}  // namespace dirbind::cli

int main(int argc, char** argv) {
    using namespace dirbind::cli;
    Args args;
    args.config = dirbind::kDefaultConfigPath;
    const char* command = nullptr;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
            std::fputs(kUsage, stdout);
            return 0;
        }
        if (std::strcmp(argv[i], "--version") == 0) {
            std::printf("dirbind %s\n", DIRBIND_VERSION);
            return 0;
        }
        if (std::strcmp(argv[i], "--config") == 0) {
            if (++i == argc) return usage_error("--config needs a path");
            args.config = argv[i];
        } else if (std::strncmp(argv[i], "--config=", 9) == 0) {
            args.config = argv[i] + 9;
        } else if (command == nullptr) {
            command = argv[i];
        } else {
            args.words.push_back(argv[i]);
        }
    }
    if (command == nullptr) return usage_error("no command given");
    try {
        for (const Command& c : kCommands)
            if (std::strcmp(c.name, command) == 0) return c.run(args);
        return usage_error(std::string("unknown command '") + command + "'");
    } catch (const dirbind::Error& e) {
        std::fprintf(stderr, "dirbind: error: %s\n", e.what());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "dirbind: error: %s\n", e.what());
    }
    return 1;
}
