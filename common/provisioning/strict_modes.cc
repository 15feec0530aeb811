// SPDX-License-Identifier: Apache-2.0
// strict_modes.cc — sshd's StrictModes rules and dirbind's own, applied to one home (strict_modes.h).
#include "provisioning/strict_modes.h"

#include "system/log.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace dirbind {
namespace {

// Single quotes for a shell, so that a fix command can be pasted as printed.
std::string shq(const std::string& s) {
    if (s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+:@%") ==
        std::string::npos)
        return s;
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

const char* writable_by(mode_t m) {
    if ((m & 022) == 022) return "group- and world-writable";
    return (m & 020) ? "group-writable" : "world-writable";
}

class Checker {
public:
    Checker(std::string user, uid_t uid) : user_(std::move(user)), uid_(uid) {}
    std::vector<PathFinding> out;

    void add(Finding level, const std::string& path, const std::string& msg, const std::string& fix = "",
             bool fixable = false) {
        out.push_back(PathFinding{level, path, path + ": " + msg, fix, fixable});
    }

    // Returns false when the entry is missing or cannot be judged further.
    bool look(const std::string& path, struct stat* st) {
        if (::lstat(path.c_str(), st) == 0) return true;
        if (errno != ENOENT)
            add(Finding::fail, path, std::string("cannot be checked: ") + std::strerror(errno));
        return false;
    }

    // The home and ~/.ssh: the user's own directory, not writable by others.
    void user_dir(const std::string& path, const struct stat& st, bool fixable, const char* role) {
        std::string who = describe_mode(st);
        bool good = true;
        if (S_ISLNK(st.st_mode)) {
            add(Finding::fail, path,
                std::string("is a symbolic link; dirbind never writes keys through one and sshd resolves it "
                            "elsewhere (") +
                    role + " must be a real directory)",
                "rm " + shq(path) + "  # then log in again: dirbind recreates it");
            return;
        }
        if (!S_ISDIR(st.st_mode)) {
            add(Finding::fail, path, std::string("is not a directory (") + role + ")");
            return;
        }
        if (st.st_uid != uid_) {
            good = false;
            add(Finding::fail, path,
                "owned by " + owner_name(st.st_uid) + ", not " + user_ + " (" + who +
                    "); dirbind does not rebuild authorized_keys in a directory the user does not own",
                "chown " + shq(user_) + ": " + shq(path), fixable);
        }
        if (st.st_mode & 022) {
            good = false;
            add(Finding::fail, path,
                std::string(writable_by(st.st_mode)) + " (" + who +
                    "); sshd's StrictModes ignores authorized_keys below it (\"bad ownership or modes\")",
                std::string("chmod go-w ") + shq(path), fixable);
        }
        if (good) add(Finding::ok, path, who);
    }

    // authorized_keys and the unmanaged file: the user's regular file, not writable by others.
    void key_file(const std::string& path, const struct stat& st) {
        std::string who = describe_mode(st);
        if (S_ISLNK(st.st_mode)) {
            add(Finding::warn, path,
                "is a symbolic link; dirbind replaces it at the next login and never writes through it");
            return;
        }
        if (!S_ISREG(st.st_mode)) {
            add(Finding::fail, path, "is not a regular file; sshd cannot read keys from it",
                "rm " + shq(path) + "  # dirbind recreates authorized_keys at the next login");
            return;
        }
        bool good = true;
        if (st.st_nlink != 1) {
            good = false;
            add(Finding::fail, path,
                std::to_string(st.st_nlink) +
                    " hard links; dirbind refuses to read or change a hard-linked key file",
                "mv " + shq(path) + " " + shq(path + ".linked") + " && cp " + shq(path + ".linked") + " " +
                    shq(path));
        }
        if (st.st_uid != uid_ && st.st_uid != 0) {
            good = false;
            add(Finding::fail, path,
                "owned by " + owner_name(st.st_uid) + ", not " + user_ + " (" + who +
                    "); sshd's StrictModes refuses it (\"bad ownership or modes\")",
                "chown " + shq(user_) + ": " + shq(path), st.st_nlink == 1);
        } else if (st.st_uid != uid_) {
            good = false;
            add(Finding::fail, path,
                "owned by root, not " + user_ + " (" + who + "); dirbind refuses to read it as the user",
                "chown " + shq(user_) + ": " + shq(path), st.st_nlink == 1);
        }
        if (st.st_mode & 022) {
            good = false;
            add(Finding::fail, path,
                std::string(writable_by(st.st_mode)) + " (" + who +
                    "); sshd's StrictModes refuses it (\"bad ownership or modes\")",
                "chmod 600 " + shq(path), st.st_nlink == 1);
        } else if (st.st_mode & 044) {
            good = false;
            add(Finding::warn, path,
                "readable by others (" + who + "); sshd accepts it, but dirbind writes 0600",
                "chmod 600 " + shq(path), st.st_nlink == 1);
        }
        if (good) add(Finding::ok, path, who);
    }

    // Above the home: dirbind opens every directory from "/" and trusts only root's.
    void parents(const std::string& home) {
        std::string p = home;
        while (true) {
            std::size_t slash = p.rfind('/');
            if (slash == std::string::npos) return;
            p = slash == 0 ? "/" : p.substr(0, slash);
            struct stat st;
            if (::lstat(p.c_str(), &st) != 0) {
                add(Finding::fail, p, std::string("cannot be checked: ") + std::strerror(errno));
                return;
            }
            if (S_ISLNK(st.st_mode))
                add(Finding::fail, p,
                    "is a symbolic link; dirbind opens the homes' parents without following symlinks and "
                    "refuses to provision below it",
                    "");
            else if (st.st_uid != 0 || (st.st_mode & 022))
                add(Finding::fail, p,
                    "not root-owned or writable by others (" + describe_mode(st) +
                        "); sshd and dirbind do not trust homes below it",
                    "chown root: " + shq(p) + " && chmod go-w " + shq(p));
            if (p == "/") return;
        }
    }

private:
    std::string owner_name(uid_t u) const {
        if (u == 0) return "root";
        if (u == uid_) return user_;
        return "uid " + std::to_string(u);
    }
    std::string describe_mode(const struct stat& st) const {
        return "owner " + owner_name(st.st_uid) + ", mode " + mode_text(st.st_mode);
    }
    std::string user_;
    uid_t uid_;
};

}  // namespace

std::vector<PathFinding> check_strict_modes(const std::string& home, const std::string& user, uid_t uid,
                                            const std::string& unmanaged) {
    Checker c(user, uid);
    if (home.empty() || home[0] != '/') {
        c.add(Finding::fail, home, "is not an absolute path");
        return c.out;
    }
    c.parents(home);
    struct stat st;
    if (!c.look(home, &st)) {
        if (c.out.empty() || c.out.back().path != home)
            c.add(Finding::warn, home, "does not exist yet; pam_dirbind creates it at the first login");
        return c.out;
    }
    c.user_dir(home, st, false, "the home");
    if (!S_ISDIR(st.st_mode)) return c.out;
    std::string ssh = home + "/.ssh";
    if (!c.look(ssh, &st)) {
        c.add(Finding::ok, ssh, "does not exist yet; pam_dirbind creates it (0700) at the next login");
        return c.out;
    }
    c.user_dir(ssh, st, true, "~/.ssh");
    if (!S_ISDIR(st.st_mode)) return c.out;
    for (const std::string& name : {std::string("authorized_keys"), unmanaged}) {
        std::string f = ssh + "/" + name;
        if (c.look(f, &st))
            c.key_file(f, st);
        else if (name == "authorized_keys")
            c.add(Finding::ok, f, "does not exist yet; pam_dirbind writes it at the next login");
    }
    return c.out;
}

}  // namespace dirbind
