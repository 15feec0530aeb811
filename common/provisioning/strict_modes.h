// SPDX-License-Identifier: Apache-2.0
// strict_modes.h — whether sshd (StrictModes yes) and dirbind's own provisioning will trust a
// user's home, ~/.ssh and key files, and the exact command that fixes each problem. Read-only
// (lstat, never a symlink followed); `repair_ssh_modes()` in provision.h changes what may be
// changed.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace dirbind {

enum class Finding { ok, warn, fail };

struct PathFinding {
    Finding level = Finding::ok;
    std::string path;
    std::string message;   // "<path>: <what is wrong or fine>"
    std::string fix;       // a shell command, "" when there is nothing to run
    bool fixable = false;  // owner/mode of ~/.ssh or a file in it: what `repair_ssh_modes()` changes
};

// The facts of one user's key files, as sshd's safe_path() checks them for
// ~/.ssh/authorized_keys: the file and every directory up to the home owned by the user or
// root and not group/world-writable; plus dirbind's rules: the home and ~/.ssh owned by the
// user (provisioning refuses others), no symlink for either, the home's parents up to "/"
// root-owned and not group/world-writable, key files 0600-like and with one link. `user` names
// the owner in fix commands; `unmanaged` is the unmanaged-keys file name in ~/.ssh.
std::vector<PathFinding> check_strict_modes(const std::string& home, const std::string& user, uid_t uid,
                                            const std::string& unmanaged);

}  // namespace dirbind
