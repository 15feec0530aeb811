// SPDX-License-Identifier: Apache-2.0
// doctor_readers.cc — the cache opened as its readers open it, not judged from its modes: sshd
// runs `dirbind authorized-keys` as AuthorizedKeysCommandUser, and the NSS module reads
// identity.db inside every program, most of them unprivileged. An ACL, a 0700 directory or a
// security module shows only when one of them tries. secrets.db must stay closed to both.
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "cache/cache_format.h"
#include "cache/cache_reader.h"
#include "doctor_host.h"
#include "system/log.h"

namespace dirbind::cli {
namespace {

struct Reader {
    std::string name, role;  // "dirbind-keys", "AuthorizedKeysCommandUser"
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;
};

bool reader_of(const std::string& user, const std::string& role, Reader* r) {
    struct passwd pw, *res = nullptr;
    std::vector<char> buf(1 << 16);
    if (getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &res) != 0 || res == nullptr) return false;
    r->name = user;
    r->role = role;
    r->uid = pw.pw_uid;
    r->gid = pw.pw_gid;
    int n = 64;
    r->groups.resize(static_cast<std::size_t>(n));
    if (getgrouplist(user.c_str(), pw.pw_gid, r->groups.data(), &n) < 0) {
        r->groups.resize(static_cast<std::size_t>(n));
        if (getgrouplist(user.c_str(), pw.pw_gid, r->groups.data(), &n) < 0) n = 0;
    }
    r->groups.resize(static_cast<std::size_t>(n));
    return true;
}

// Opens each path read-only as `who` (its groups, gid and uid taken in that order, as sshd
// does for the command) in a forked child: 0 or the errno of each open; empty when the child
// could not become `who`.
std::vector<int> open_as(const Reader& who, const std::vector<std::string>& paths) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return {};
    pid_t pid = ::fork();
    if (pid < 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        return {};
    }
    if (pid == 0) {
        ::close(fds[0]);
        if (::setgroups(who.groups.size(), who.groups.data()) != 0 || ::setgid(who.gid) != 0 ||
            ::setuid(who.uid) != 0 || ::geteuid() != who.uid || (who.uid != 0 && ::setuid(0) == 0))
            ::_exit(1);
        std::vector<int> err;
        for (const std::string& p : paths) {
            int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
            err.push_back(fd >= 0 ? 0 : errno);
            if (fd >= 0) ::close(fd);
        }
        ssize_t want = static_cast<ssize_t>(err.size() * sizeof(int));
        ::_exit(::write(fds[1], err.data(), static_cast<std::size_t>(want)) == want ? 0 : 1);
    }
    ::close(fds[1]);
    std::vector<int> err(paths.size());
    std::size_t want = err.size() * sizeof(int), got = 0;
    char* p = reinterpret_cast<char*>(err.data());
    ssize_t n;
    while (got < want && ((n = ::read(fds[0], p + got, want - got)) > 0 || (n < 0 && errno == EINTR)))
        if (n > 0) got += static_cast<std::size_t>(n);
    ::close(fds[0]);
    int st = 0;
    while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || got != want) return {};
    return err;
}

// The commands that let others open `path`: o+x on each directory above it that lacks it, o+r
// on the file. When the modes already allow it, something else refuses (an ACL, a security
// module): say where to look.
std::string fix_for(const std::string& path) {
    std::vector<std::string> cmds;
    struct stat st;
    if (::stat(path.c_str(), &st) == 0 && !(st.st_mode & S_IROTH)) cmds.push_back("chmod o+r " + path);
    for (std::string p = path; p != "/";) {
        std::size_t slash = p.rfind('/');
        p = slash == 0 ? "/" : p.substr(0, slash);
        if (::stat(p.c_str(), &st) == 0 && !(st.st_mode & S_IXOTH))
            cmds.insert(cmds.begin(), "chmod o+x " + p);
    }
    if (cmds.empty())
        return "the modes allow it: look for an ACL or a security-module label (getfacl, ls -ldZ) on " +
               path + " and the directories above it";
    std::string out;
    for (const auto& c : cmds) out += (out.empty() ? "" : "; ") + c;
    return out;
}

// Without root: whether others can open `path`, from the modes of it and its directories.
std::string world_unreadable(const std::string& path) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return path + ": " + errno_text(errno);
    if (!(st.st_mode & S_IROTH)) return path + " is not world-readable";
    for (std::string p = path; p != "/";) {
        std::size_t slash = p.rfind('/');
        p = slash == 0 ? "/" : p.substr(0, slash);
        if (::stat(p.c_str(), &st) != 0) return p + ": " + errno_text(errno);
        if (!(st.st_mode & S_IXOTH)) return p + " is not searchable by others (mode o-x)";
    }
    return "";
}

}  // namespace

void check_cache_readers(const Config& cfg, const std::string& keys_user, Report* r) {
    std::string identity = ScopedCache(cfg.cache_dir.c_str(), cachefmt::kIdentity).path();
    std::string secrets = ScopedCache(cfg.cache_dir.c_str(), cachefmt::kSecrets).path();
    if (::geteuid() != 0) {
        std::string why = world_unreadable(identity);
        r->add("host", "cache.readable", why.empty() ? Level::ok : Level::fail,
               why.empty()
                   ? "identity.db is readable by others (judged from modes: run as root to open it as "
                     "AuthorizedKeysCommandUser and an unprivileged user do)"
                   : why + ": NSS in unprivileged programs and sshd's AuthorizedKeysCommand cannot read it",
               why.empty() ? "" : fix_for(identity));
        if (::access(secrets.c_str(), R_OK) == 0)
            r->add("host", "cache.secrets", Level::fail,
                   secrets + ": readable by uid " + std::to_string(::geteuid()) +
                       ": password hashes and TOTP secrets are exposed",
                   "chown root: " + secrets + "; chmod 600 " + secrets);
        return;
    }
    std::vector<Reader> readers;
    Reader k;
    if (!keys_user.empty() && keys_user != "none" && reader_of(keys_user, "AuthorizedKeysCommandUser", &k) &&
        k.uid != 0)
        readers.push_back(k);
    Reader nobody;
    if (!reader_of("nobody", "an unprivileged program's NSS", &nobody)) {
        nobody.name = "uid 65534";
        nobody.role = "an unprivileged program's NSS";
        nobody.uid = nobody.gid = 65534;
    }
    readers.push_back(nobody);
    bool all_good = true;
    std::string names;
    for (const Reader& who : readers) {
        bool keys = who.role == "AuthorizedKeysCommandUser";
        std::vector<std::string> paths = {identity, secrets};
        if (keys && !cfg.file.empty()) paths.push_back(cfg.file);
        std::vector<int> err = open_as(who, paths);
        if (err.empty()) {
            all_good = false;
            r->add("host", "cache.readable", Level::warn,
                   "cannot become " + who.name + " to open the cache as it does");
            continue;
        }
        names += (names.empty() ? "" : " and ") + who.name + " (" + who.role + ")";
        for (std::size_t i = 0; i < paths.size(); ++i) {
            if (paths[i] == secrets) {
                if (err[i] == 0) {
                    all_good = false;
                    r->add("host", "cache.secrets", Level::fail,
                           secrets + ": " + who.name + " (" + who.role +
                               ") can open it: password hashes and TOTP secrets are exposed",
                           "chown root: " + secrets + "; chmod 600 " + secrets);
                }
                continue;
            }
            if (err[i] == 0) continue;
            all_good = false;
            std::string consequence = keys ? "sshd gets no directory keys from AuthorizedKeysCommand (a key "
                                             "login then works only through "
                                             "an authorized_keys file)"
                                           : "NSS in unprivileged programs does not resolve directory users";
            r->add("host", "cache.readable", Level::fail,
                   paths[i] + ": " + who.name + " (" + who.role + ") cannot open it (" + errno_text(err[i]) +
                       "): " + consequence,
                   fix_for(paths[i]));
        }
    }
    if (all_good)
        r->add("host", "cache.readable", Level::ok,
               "identity.db opens as " + names + "; secrets.db opens for neither");
}

}  // namespace dirbind::cli
