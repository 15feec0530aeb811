// SPDX-License-Identifier: Apache-2.0
// provision.h — creating a directory user's home and rebuilding ~/.ssh/authorized_keys, as root,
// from pam_dirbind's session open (inside sshd) and from `dirbind sync` (security.md items 1, 2, 5).
//
// Home creation (provision_home), in the mkhomedir_helper discipline:
//   - the home's parent is opened from "/" one component at a time with O_DIRECTORY|O_NOFOLLOW,
//     and every directory on the way must be root-owned and not group/world-writable;
//   - the home is built under a hidden temporary name in that parent (mkdirat 0700, root-owned,
//     so nobody can reach inside while it is filled), populated from the skeleton, given its
//     owner (uid:gid) and mode through its descriptor, then renamed into place with
//     RENAME_NOREPLACE: the home appears complete or not at all, and a home that appeared
//     meanwhile wins;
//   - mode: HOME_MODE from login.defs, else 0777 & ~UMASK, else 0700 (values octal);
//   - skeleton: regular files (content copied, mode kept minus set-id/sticky bits) and
//     directories are recreated owned by the user; a symlink is recreated as the same symlink
//     (never followed, owner set with AT_SYMLINK_NOFOLLOW); FIFOs, sockets and devices are skipped;
//   - an existing home is never chowned, chmodded or populated; a home path that is a symlink or
//     not a directory is refused. A missing parent is an error: nothing outside the home is made.
//
// authorized_keys (rebuild_authorized_keys): all work inside the home happens in a forked child
// that drops to the user (setgroups(0), setresgid, setresuid, checked with getres[ug]id, not
// dumpable, no core) and works only through the home's descriptor with single-name
// openat(O_NOFOLLOW) calls, so it can do nothing the user could not do. It sends its result to
// the parent (root) over a pipe; the parent writes only its own root-owned record. The child:
//   - opens ~/.ssh (created 0700 when missing; a symlink or a directory not owned by the user is
//     refused);
//   - reads authorized_keys and the unmanaged-keys file (default authorized_keys.jcorig) only when
//     each is a regular file owned by the user with one link and at most 1 MiB (safe_fs.h's
//     read_checked_at: no symlink followed, a FIFO cannot block). An unusable unmanaged file is
//     logged and left alone. An unusable authorized_keys is not read and is replaced (a symlink,
//     FIFO or hard link is replaced as a name; its target is never written) — except a file of
//     the user's that is too big or unreadable, which is first renamed aside to
//     authorized_keys.saved-<random> so nothing is lost;
//   - writes authorized_keys (0600, atomically): a header saying dirbind manages it and that
//     hand-added keys belong in ~/.ssh/<unmanaged>, then the directory keys each prefixed with
//     `key_options`, then the unmanaged file's keys with the options their owner wrote (a key
//     that is also a directory key appears once, as the directory key with dirbind's options).
//
// Telling hand-added keys from revoked ones. The parent keeps, per user, a root-owned record of
// the fingerprints of every key it wrote into authorized_keys: <state_dir>/<user> (state_dir
// 0700 root, the record 0600 root, written atomically, tied to the uid). A key found in
// authorized_keys is then
//   - a current directory key or in the unmanaged file: kept (rewritten from its source);
//   - in the record: dirbind wrote it and its source dropped it — revoked: removed, never moved;
//   - anything else: added by hand since the last rebuild — appended to the unmanaged file
//     (written before authorized_keys, so a crash cannot lose it) and kept.
// Before the child runs, the parent adds the current directory keys to the record, so even a
// crash between writing authorized_keys and the record cannot make a later-revoked directory key
// look hand-added. Without a record (first run, lost state dir) a file that carries dirbind's
// header is treated as dirbind-written (its unknown keys are removed, with a warning); a file
// without the header is adopted (all its keys move to the unmanaged file). If the unmanaged file
// is unusable, hand-added keys stay in authorized_keys (and out of the record) until it is fixed.
//
// Both entry points are noexcept, need root, do no NSS lookups (the caller passes uid, gid,
// home) and fork: call them from a single-threaded process (sshd's PAM session, the CLI).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "system/error.h"

namespace dirbind {

constexpr std::size_t kMaxKeysFileBytes = 1u << 20;  // authorized_keys and the unmanaged file

struct ProvisionRequest {
    std::string user;       // valid_name(); names the record file
    uid_t uid = 0;          // never reserved_id() (so never 0)
    gid_t gid = 0;          // never 0
    std::string home;       // canonical absolute path strictly below home_base
    std::string home_base;  // canonical absolute; it and every directory above it root-owned, 0755-ish
    // Validated "type base64 [comment]" lines (model.h SshKey::line); each is parsed and
    // re-serialised again here, a line holding a newline or options is refused. Empty when the
    // system or the user disallows public keys.
    std::vector<std::string> keys;
    std::string key_options;  // from dirbind's config only, e.g. "restrict"; may be empty
    std::string unmanaged_name = "authorized_keys.jcorig";  // a plain file name in ~/.ssh
    std::string state_dir;           // e.g. /var/lib/dirbind/keys; its parent must exist, root-owned
    std::string skel = "/etc/skel";  // "" for none; a missing skel gives an empty home
    std::string login_defs = "/etc/login.defs";
};

struct ProvisionResult {
    Err code = Err::ok;
    std::string message;  // names the path and the reason on failure; a summary on success
    bool home_created = false;
    int keys_written = 0;  // key lines in the authorized_keys now in place (directory + unmanaged)
    int keys_moved = 0;    // hand-added keys appended to the unmanaged file
    int keys_removed = 0;  // keys dirbind had written whose source no longer lists them
    int keys_refused = 0;  // request.keys lines refused (newline, options, bad key)
};

// Creates req.home from the skeleton if nothing exists at that path; an existing home is left
// exactly as it is (home_created = false). Only req.user/uid/gid/home/home_base/skel/login_defs
// are used.
ProvisionResult provision_home(const ProvisionRequest& req) noexcept;

// Rebuilds ~/.ssh/authorized_keys (and appends hand-added keys to the unmanaged file) for an
// existing home; Err::not_found when the home does not exist. Used at session open and by sync.
ProvisionResult rebuild_authorized_keys(const ProvisionRequest& req) noexcept;

// provision_home() then rebuild_authorized_keys(); stops at the first failure.
ProvisionResult provision_user(const ProvisionRequest& req) noexcept;

// `dirbind doctor --fix`: gives ~/.ssh, authorized_keys and the unmanaged file back to the user
// (uid:gid) and takes away what sshd's StrictModes refuses: ~/.ssh loses group/world write,
// the two files keep only their owner's bits (0600). As root, through descriptors only: the
// home is opened as the session step opens it (parents root-owned, no symlink followed, owned
// by the user); a symlinked ~/.ssh is refused (Err::refused), a key file that is a symlink, not
// regular or hard-linked is left alone and named in the message. Nothing else in the home is
// touched. `message` lists every change ("" parts when nothing needed one).
ProvisionResult repair_ssh_modes(const ProvisionRequest& req) noexcept;

// The mode for a new home from the login.defs file at `path`: HOME_MODE, else 0777 & ~UMASK,
// else 0700. Values are octal (a leading 0 optional), at most 0777; a bad value is logged and
// ignored; a missing or unreadable file gives 0700.
mode_t home_mode_from_login_defs(const std::string& path) noexcept;

}  // namespace dirbind
