// SPDX-License-Identifier: Apache-2.0
// provision.cc — home creation from the skeleton, and the root side of the authorized_keys
// rebuild: request checks, the root-owned key record, the unprivileged child and its report.
// The child's own work (what it reads and writes in ~/.ssh) is in provision_keys.cc.
#include "provisioning/provision.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <memory>
#include <set>

#include "cache/names.h"
#include "openssh/sshkey.h"
#include "provisioning/provision_internal.h"
#include "system/atomic_file.h"
#include "system/log.h"
#include "system/safe_fs.h"

namespace dirbind {
namespace {

using provision_detail::ChildInput;
using provision_detail::ChildReport;
using provision_detail::DirKey;
using provision_detail::Status;

constexpr int kMaxSkelDepth = 32;
constexpr std::size_t kMaxRecordBytes = 1u << 20;
constexpr std::size_t kMaxRecordKeys = 20000;
constexpr unsigned kChildSeconds = 30;                  // the child kills itself (alarm) after this
constexpr unsigned kParentSeconds = kChildSeconds + 5;  // then the parent kills it
constexpr std::size_t kMaxReportBytes = 8u << 20;
constexpr const char* kRecordHeader =
    "# dirbind: fingerprints of the keys dirbind wrote to this user's authorized_keys";

Status fail(Err code, std::string message) {
    return Status{code, std::move(message)};
}

ProvisionResult to_result(const Status& s) {
    ProvisionResult r;
    r.code = s.code;
    r.message = s.message;
    return r;
}

std::string errstr(int e) {
    return std::strerror(e);
}

// The Err for a failed open of a path we were asked to use.
Err open_error(int e) {
    switch (e) {
        case ENOENT:
            return Err::not_found;
        case EPERM:
        case EACCES:
            return Err::permission;
        case ELOOP:
        case ENOTDIR:
            return Err::refused;
        case EINVAL:
            return Err::config;  // open_dir_nofollow: not an absolute canonical path
        default:
            return Err::io;
    }
}

// ---- request checks --------------------------------------------------------------------------

Status check_identity(const ProvisionRequest& req) {
    if (::geteuid() != 0) return fail(Err::permission, "provisioning needs root (effective uid is not 0)");
    if (!valid_name(req.user.data(), req.user.size()))
        return fail(Err::invalid, "user name \"" + req.user.substr(0, 40) + "\" is not a valid name");
    if (reserved_id(req.uid))
        return fail(Err::refused,
                    req.user + ": uid " + std::to_string(req.uid) + " is reserved; not provisioning");
    if (req.gid == 0) return fail(Err::refused, req.user + ": gid 0 is never given to a directory user");
    return {};
}

// security.md item 2, checked again here: the caller's validation is not our only line.
Status check_home_path(const ProvisionRequest& req, std::string* parent, std::string* name) {
    if (!canonical_abs_path(req.home_base))
        return fail(Err::config, "home base \"" + req.home_base + "\" is not an absolute canonical path");
    if (!canonical_abs_path(req.home) || req.home == "/")
        return fail(Err::invalid, req.user + ": home \"" + req.home + "\" is not an absolute canonical path");
    std::string prefix = req.home_base == "/" ? "/" : req.home_base + "/";
    if (req.home.compare(0, prefix.size(), prefix) != 0 || req.home.size() == prefix.size())
        return fail(Err::invalid, req.user + ": home " + req.home + " is not below " + req.home_base);
    std::size_t slash = req.home.rfind('/');
    *parent = slash == 0 ? "/" : req.home.substr(0, slash);
    *name = req.home.substr(slash + 1);
    return {};
}

Status check_key_request(const ProvisionRequest& req) {
    const std::string& u = req.unmanaged_name;
    bool chars_ok = std::all_of(u.begin(), u.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
               c == '_' || c == '-';
    });
    if (!plain_name(u) || !chars_ok || u == "authorized_keys" || u.size() > 128)
        return fail(Err::config, "unmanaged keys file name \"" + u.substr(0, 40) +
                                     "\" must be a plain file name in ~/.ssh other than authorized_keys");
    if (!canonical_abs_path(req.state_dir) || req.state_dir == "/")
        return fail(Err::config,
                    "key state directory \"" + req.state_dir + "\" is not an absolute canonical path");
    if (req.key_options.empty()) return {};
    // The options are the administrator's policy; they still must not break the file's syntax.
    std::string why = check_key_options(req.key_options);
    if (!why.empty())
        return fail(Err::config, "key_options \"" + req.key_options.substr(0, 80) +
                                     "\" is not a valid authorized_keys option list (" + why + ")");
    return {};
}

// Directory keys were validated at sync time; a line that still carries a newline or options
// would be an injection into sshd's policy (security.md item 5), so each is parsed again and
// only the re-serialised form is used.
std::vector<DirKey> directory_keys(const ProvisionRequest& req, int* refused) {
    std::vector<DirKey> out;
    std::set<std::string> seen;
    for (std::size_t i = 0; i < req.keys.size(); ++i) {
        const std::string& line = req.keys[i];
        std::string where = req.user + ": directory key " + std::to_string(i + 1);
        if (line.find_first_of(std::string("\n\r\0", 3)) != std::string::npos) {
            ++*refused;
            log(LogLevel::warning, where + " refused: it contains a line break or NUL");
            continue;
        }
        try {
            PublicKey k = parse_public_key(line);
            std::string fp = fingerprint(k);
            if (seen.insert(fp).second) out.push_back(DirKey{to_line(k), fp});
        } catch (const Error& e) {
            if (e.code() != Err::invalid) throw;
            ++*refused;
            log(LogLevel::warning, where + " refused: " + e.what());
        }
    }
    return out;
}

// ---- login.defs ------------------------------------------------------------------------------

bool parse_mode(std::string_view v, mode_t* out) {
    if (v.empty() || v.size() > 4) return false;
    unsigned m = 0;
    for (char c : v) {
        if (c < '0' || c > '7') return false;
        m = m * 8 + static_cast<unsigned>(c - '0');
    }
    if (m > 0777) return false;
    *out = static_cast<mode_t>(m);
    return true;
}

// ---- skeleton copy ---------------------------------------------------------------------------

struct SkelCopy {
    uid_t uid;
    gid_t gid;
    std::string skel;  // for messages
    std::string home;
};

Status list_dir(int dirfd, const std::string& where, std::vector<std::string>* names) {
    // A fresh descriptor: readdir on a dup would share (and move) the caller's offset.
    int fd = ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return fail(Err::io, where + ": " + errstr(errno));
    std::unique_ptr<DIR, int (*)(DIR*)> d(::fdopendir(fd), ::closedir);
    if (!d) {
        int e = errno;
        ::close(fd);
        return fail(Err::io, where + ": " + errstr(e));
    }
    errno = 0;
    while (struct dirent* de = ::readdir(d.get())) {
        if (std::strcmp(de->d_name, ".") != 0 && std::strcmp(de->d_name, "..") != 0)
            names->emplace_back(de->d_name);
        errno = 0;
    }
    if (errno != 0) return fail(Err::io, where + ": " + errstr(errno));
    std::sort(names->begin(), names->end());
    return {};
}

Status copy_file_data(int src, int dst, const std::string& from, const std::string& to) {
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(src, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail(Err::io, from + ": " + errstr(errno));
        }
        if (n == 0) return {};
        if (!write_full(dst, buf, static_cast<std::size_t>(n)))
            return fail(Err::io, to + ": " + errstr(errno));
    }
}

// Copies the entries of `src` into `dst` (both directory descriptors); `rel` is the path below
// both roots, "" or ending in '/'. Everything new is created root-only, then handed to the user
// through its descriptor.
Status copy_tree(const SkelCopy& c, int src, int dst, const std::string& rel, int depth) {
    if (depth > kMaxSkelDepth) return fail(Err::refused, c.skel + "/" + rel + ": skeleton nested too deep");
    std::vector<std::string> names;
    if (Status s = list_dir(src, c.skel + "/" + rel, &names); !s.ok()) return s;
    for (const std::string& name : names) {
        const std::string from = c.skel + "/" + rel + name;
        const std::string to = c.home + "/" + rel + name;
        struct stat st;
        if (::fstatat(src, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno == ENOENT) continue;
            return fail(Err::io, from + ": " + errstr(errno));
        }
        if (S_ISDIR(st.st_mode)) {
            UniqueFd s(::openat(src, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!s || ::fstat(s.get(), &st) != 0) return fail(Err::io, from + ": " + errstr(errno));
            if (::mkdirat(dst, name.c_str(), 0700) != 0)
                return fail(Err::io, to + ": mkdir: " + errstr(errno));
            UniqueFd d(::openat(dst, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!d) return fail(Err::io, to + ": " + errstr(errno));
            if (Status r = copy_tree(c, s.get(), d.get(), rel + name + "/", depth + 1); !r.ok()) return r;
            // Owner before mode: chown(2) clears set-id bits, and we drop those anyway.
            if (::fchown(d.get(), c.uid, c.gid) != 0 || ::fchmod(d.get(), st.st_mode & 0777) != 0)
                return fail(Err::io, to + ": " + errstr(errno));
        } else if (S_ISREG(st.st_mode)) {
            UniqueFd s(
                ::openat(src, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
            if (!s || ::fstat(s.get(), &st) != 0) return fail(Err::io, from + ": " + errstr(errno));
            if (!S_ISREG(st.st_mode)) continue;  // replaced since fstatat: not what we meant to copy
            UniqueFd d(
                ::openat(dst, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
            if (!d) return fail(Err::io, to + ": " + errstr(errno));
            if (Status r = copy_file_data(s.get(), d.get(), from, to); !r.ok()) return r;
            if (::fchown(d.get(), c.uid, c.gid) != 0 || ::fchmod(d.get(), st.st_mode & 0777) != 0)
                return fail(Err::io, to + ": " + errstr(errno));
        } else if (S_ISLNK(st.st_mode)) {
            // The link itself, as the user's: never its target's content (useradd's behaviour).
            char target[PATH_MAX];
            ssize_t n = ::readlinkat(src, name.c_str(), target, sizeof target);
            if (n < 0) return fail(Err::io, from + ": " + errstr(errno));
            if (static_cast<std::size_t>(n) >= sizeof target) {
                log(LogLevel::warning, from + ": symlink target too long; skipped");
                continue;
            }
            target[n] = '\0';
            if (::symlinkat(target, dst, name.c_str()) != 0)
                return fail(Err::io, to + ": symlink: " + errstr(errno));
            if (::fchownat(dst, name.c_str(), c.uid, c.gid, AT_SYMLINK_NOFOLLOW) != 0)
                return fail(Err::io, to + ": " + errstr(errno));
        } else {
            log(LogLevel::debug, from + ": not a file, directory or symlink; skipped");
        }
    }
    return {};
}

// ---- home ------------------------------------------------------------------------------------

Status open_parent(const std::string& parent, UniqueFd* out) {
    std::string why;
    *out = open_dir_nofollow(parent, true, &why);
    if (!*out) return fail(open_error(errno), why.empty() ? parent + ": cannot open" : why);
    return {};
}

// A home that is already there, as an entry of its parent: a directory is fine, anything else
// (a symlink to "/" above all) is refused.
Status check_existing_home(const std::string& home, const struct stat& st) {
    if (S_ISLNK(st.st_mode))
        return fail(Err::refused, home + ": is a symbolic link; refusing to use it as a home");
    if (!S_ISDIR(st.st_mode)) return fail(Err::refused, home + ": exists and is not a directory");
    return {};
}

ProvisionResult provision_home_impl(const ProvisionRequest& req) {
    std::string parent, name;
    if (Status s = check_identity(req); !s.ok()) return to_result(s);
    if (Status s = check_home_path(req, &parent, &name); !s.ok()) return to_result(s);
    UniqueFd pfd;
    if (Status s = open_parent(parent, &pfd); !s.ok()) return to_result(s);

    ProvisionResult r;
    struct stat st;
    if (::fstatat(pfd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (Status s = check_existing_home(req.home, st); !s.ok()) return to_result(s);
        r.message = req.home + ": exists; left as it is";
        return r;
    }
    if (errno != ENOENT) return to_result(fail(Err::io, req.home + ": " + errstr(errno)));

    mode_t mode = home_mode_from_login_defs(req.login_defs);
    UniqueFd skel;
    if (!req.skel.empty()) {
        std::string why;
        skel = open_dir_nofollow(req.skel, true, &why);
        if (!skel && errno == ENOENT) {
            log(LogLevel::info, req.skel + ": missing; creating " + req.home + " empty");
        } else if (!skel) {
            return to_result(fail(open_error(errno), "skeleton " + why));
        }
    }

    // Built under a hidden name and renamed into place: a failure leaves no half home behind.
    const std::string tmp = ".dirbind-new-" + req.user + "-" + random_hex(12);
    if (::mkdirat(pfd.get(), tmp.c_str(), 0700) != 0)
        return to_result(fail(open_error(errno), parent + ": cannot create a directory: " + errstr(errno)));
    bool placed = false;
    struct Cleanup {
        int dirfd;
        const std::string& parent;
        const std::string& name;
        const bool& done;
        ~Cleanup() {
            if (done) return;
            int e = remove_tree_at(dirfd, name);
            if (e != 0)
                log(LogLevel::error,
                    "cannot remove unfinished home " + parent + "/" + name + ": " + errstr(e));
        }
    } cleanup{pfd.get(), parent, tmp, placed};

    UniqueFd hfd(::openat(pfd.get(), tmp.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!hfd || ::fstat(hfd.get(), &st) != 0)
        return to_result(fail(Err::io, req.home + ": " + errstr(errno)));
    if (!S_ISDIR(st.st_mode) || st.st_uid != 0)
        return to_result(fail(Err::refused, req.home + ": the new directory was replaced while creating it"));
    if (skel) {
        if (Status s =
                copy_tree(SkelCopy{req.uid, req.gid, req.skel, req.home}, skel.get(), hfd.get(), "", 0);
            !s.ok())
            return to_result(s);
    }
    if (::fchown(hfd.get(), req.uid, req.gid) != 0 || ::fchmod(hfd.get(), mode) != 0 ||
        ::fsync(hfd.get()) != 0)
        return to_result(fail(Err::io, req.home + ": " + errstr(errno)));

    int rc = ::renameat2(pfd.get(), tmp.c_str(), pfd.get(), name.c_str(), RENAME_NOREPLACE);
    if (rc != 0 && (errno == EINVAL || errno == ENOSYS)) {
        // File systems without RENAME_NOREPLACE: only an empty directory made meanwhile could be
        // replaced, and that loses nothing.
        if (::fstatat(pfd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0)
            errno = EEXIST;
        else
            rc = ::renameat(pfd.get(), tmp.c_str(), pfd.get(), name.c_str());
    }
    if (rc != 0) {
        if (errno == EEXIST || errno == ENOTEMPTY) {
            if (::fstatat(pfd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0)
                if (Status s = check_existing_home(req.home, st); !s.ok()) return to_result(s);
            r.message = req.home + ": appeared while creating it; left as it is";
            return r;
        }
        return to_result(fail(Err::io, req.home + ": rename into place: " + errstr(errno)));
    }
    placed = true;
    ::fsync(pfd.get());
    r.home_created = true;
    r.message = req.home + ": created, mode " + mode_text(mode) + (skel ? ", from " + req.skel : ", empty");
    return r;
}

// ---- the key record (root-owned, in the state dir) -------------------------------------------

struct Record {
    bool known = false;
    std::set<std::string> fps;
};

Status open_state_dir(const std::string& dir, UniqueFd* out) {
    std::size_t slash = dir.rfind('/');
    std::string parent = slash == 0 ? "/" : dir.substr(0, slash);
    std::string name = dir.substr(slash + 1);
    UniqueFd pfd;
    if (Status s = open_parent(parent, &pfd); !s.ok()) return s;
    if (::mkdirat(pfd.get(), name.c_str(), 0700) != 0 && errno != EEXIST)
        return fail(open_error(errno), dir + ": cannot create: " + errstr(errno));
    UniqueFd fd(::openat(pfd.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    struct stat st;
    if (!fd || ::fstat(fd.get(), &st) != 0) return fail(open_error(errno), dir + ": " + errstr(errno));
    if (st.st_uid != 0) return fail(Err::permission, dir + ": not owned by root; refusing to trust it");
    // It says which keys each user had: ours alone to read.
    if ((st.st_mode & 07777) != 0700 && ::fchmod(fd.get(), 0700) != 0)
        return fail(Err::io, dir + ": chmod 0700: " + errstr(errno));
    *out = std::move(fd);
    return {};
}

Record read_record(int sfd, const ProvisionRequest& req) {
    Record rec;
    const std::string path = req.state_dir + "/" + req.user;
    CheckedRead cr = read_checked_at(sfd, req.user, 0, kMaxRecordBytes);
    if (cr.status == ReadStatus::missing) return rec;
    if (cr.status != ReadStatus::ok) {
        log(LogLevel::warning, path + ": " + cr.reason + "; ignoring the key record");
        return rec;
    }
    std::string_view text = cr.data;
    bool uid_ok = false;
    std::set<std::string> fps;
    while (!text.empty()) {
        std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (line.empty() || line[0] == '#') continue;
        if (line.substr(0, 4) == "uid ") {
            unsigned v = 0;
            uid_ok = parse_u32(line.data() + 4, line.size() - 4, &v) && v == req.uid;
        } else if (provision_detail::valid_fingerprint(line) && fps.size() < kMaxRecordKeys) {
            fps.emplace(line);
        } else {
            log(LogLevel::warning, path + ": unreadable line; ignoring the key record");
            return rec;
        }
    }
    if (!uid_ok) {
        // A name reused for another uid: the old owner's keys say nothing about this user's file.
        log(LogLevel::warning, path + ": recorded for another uid; ignoring the key record");
        return rec;
    }
    rec.known = true;
    rec.fps = std::move(fps);
    return rec;
}

Status write_record(int sfd, const ProvisionRequest& req, const std::set<std::string>& fps) {
    std::string text = std::string(kRecordHeader) + "\nuid " + std::to_string(req.uid) + "\n";
    for (const auto& fp : fps) text += fp + "\n";
    AtomicWriteOptions o;
    o.mode = 0600;
    o.uid = 0;
    o.gid = 0;
    int e = write_file_atomic_at_nothrow(sfd, req.user, text, o);
    if (e != 0) return fail(Err::io, req.state_dir + "/" + req.user + ": " + errstr(e));
    return {};
}

// ---- the unprivileged child ------------------------------------------------------------------

// Become the user for good: no supplementary groups, all three uids/gids, no capabilities left,
// no way back, not dumpable (its memory is a copy of sshd's).
Status drop_to_user(uid_t uid, gid_t gid) {
    ::prctl(PR_SET_DUMPABLE, 0);
    struct rlimit no_core = {0, 0};
    ::setrlimit(RLIMIT_CORE, &no_core);
    if (::setgroups(0, nullptr) != 0) return fail(Err::permission, "setgroups: " + errstr(errno));
    if (::setresgid(gid, gid, gid) != 0) return fail(Err::permission, "setresgid: " + errstr(errno));
    if (::setresuid(uid, uid, uid) != 0) return fail(Err::permission, "setresuid: " + errstr(errno));
    uid_t ru, eu, su;
    gid_t rg, eg, sg;
    if (::getresuid(&ru, &eu, &su) != 0 || ::getresgid(&rg, &eg, &sg) != 0 || ru != uid || eu != uid ||
        su != uid || rg != gid || eg != gid || sg != gid || ::getgroups(0, nullptr) != 0)
        return fail(Err::permission, "credentials did not change as asked");
    __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct caps[2]{};
    if (::syscall(SYS_capget, &hdr, caps) != 0 || caps[0].effective || caps[1].effective ||
        caps[0].permitted || caps[1].permitted)
        return fail(Err::permission, "capabilities remain after dropping to the user");
    if (::setresuid(0, 0, 0) == 0) return fail(Err::permission, "could regain root after dropping it");
    ::prctl(PR_SET_DUMPABLE, 0);
    return {};
}

// Keeps only the home (as fd 3) and the report pipe (as fd 4); stdio goes to /dev/null. Inside
// sshd the rest are its sockets and our locked, root-only state directory: none is the user's.
bool keep_only(int home_fd, int wfd) {
    int home = ::fcntl(home_fd, F_DUPFD, 5);  // above 3 and 4, so the dup2s below clobber neither
    int out = ::fcntl(wfd, F_DUPFD, 5);
    if (home < 0 || out < 0 || ::dup2(home, 3) != 3 || ::dup2(out, 4) != 4) return false;
    int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int fd = 0; fd <= 2; ++fd) {
        if (null < 0)
            ::close(fd);  // no /dev/null (a chroot): closed is as good
        else if (::dup2(null, fd) != fd)
            return false;
    }
    if (::close_range(5, ~0U, 0) != 0) {
        long max = ::sysconf(_SC_OPEN_MAX);
        for (long fd = 5; fd < std::min(max < 0 ? 65536L : max, 1L << 20); ++fd)
            ::close(static_cast<int>(fd));
    }
    return true;
}

[[noreturn]] void child_main(int wfd, const ChildInput& parent_in) {
    // Inherited dispositions and masks could keep the alarm from ending a stuck child.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGALRM, SIG_DFL);
    ::signal(SIGPIPE, SIG_DFL);
    ::alarm(kChildSeconds);
    if (!keep_only(parent_in.home_fd, wfd)) ::_exit(4);
    wfd = 4;
    int status = 0;
    try {
        ChildInput in = parent_in;
        in.home_fd = 3;
        ChildReport rep;
        Status s = drop_to_user(in.uid, in.gid);
        if (!s.ok()) {
            rep.code = s.code;
            rep.message = in.home + ": cannot become uid " + std::to_string(in.uid) + ": " + s.message;
        } else {
            rep = provision_detail::rebuild_as_user(in);
        }
        std::string msg = provision_detail::encode_report(rep);
        if (!write_full(wfd, msg.data(), msg.size())) status = 2;
    } catch (...) {
        status = 3;
    }
    ::_exit(status);
}

// Forks the child, collects its report (bounded in size and time) and reaps it. SIGCHLD is
// reset while it runs, as pam_mkhomedir does, so a caller's handler cannot reap it first.
Status run_child(const ChildInput& in, ChildReport* rep) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return fail(Err::io, "pipe: " + errstr(errno));
    struct sigaction dfl {
    }, old{};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    ::sigaction(SIGCHLD, &dfl, &old);
    pid_t pid = ::fork();
    if (pid == 0) {
        ::close(p[0]);
        child_main(p[1], in);
    }
    int fork_errno = errno;
    ::close(p[1]);
    UniqueFd rfd(p[0]);
    if (pid < 0) {
        ::sigaction(SIGCHLD, &old, nullptr);
        return fail(Err::io, "fork: " + errstr(fork_errno));
    }

    std::string buf;
    bool killed = false;
    struct timespec start;
    ::clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        struct timespec now;
        ::clock_gettime(CLOCK_MONOTONIC, &now);
        long left_ms = static_cast<long>(kParentSeconds) * 1000 - (now.tv_sec - start.tv_sec) * 1000 -
                       (now.tv_nsec - start.tv_nsec) / 1000000;
        struct pollfd pfd = {rfd.get(), POLLIN, 0};
        int pr = left_ms > 0 ? ::poll(&pfd, 1, static_cast<int>(left_ms)) : 0;
        if (pr < 0 && errno == EINTR) continue;
        if (pr <= 0) {
            ::kill(pid, SIGKILL);
            killed = true;
            break;
        }
        char chunk[65536];
        ssize_t n = ::read(rfd.get(), chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        if (buf.size() + static_cast<std::size_t>(n) > kMaxReportBytes) {
            ::kill(pid, SIGKILL);
            killed = true;
            break;
        }
        buf.append(chunk, static_cast<std::size_t>(n));
    }
    int wstatus = 0;
    while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
    }
    ::sigaction(SIGCHLD, &old, nullptr);

    const std::string who = in.home + ": helper running as uid " + std::to_string(in.uid);
    if (killed) return fail(Err::io, who + " took too long or said too much; killed");
    if (WIFSIGNALED(wstatus))
        return fail(Err::io, who + " was killed by signal " + std::to_string(WTERMSIG(wstatus)));
    if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0)
        return fail(Err::io, who + " failed (exit status " + std::to_string(WEXITSTATUS(wstatus)) + ")");
    if (!provision_detail::decode_report(buf, rep)) return fail(Err::io, who + " sent a malformed report");
    return {};
}

Status open_home_for_keys(const ProvisionRequest& req, UniqueFd* out) {
    std::string parent, name;
    if (Status s = check_home_path(req, &parent, &name); !s.ok()) return s;
    UniqueFd pfd;
    if (Status s = open_parent(parent, &pfd); !s.ok()) return s;
    struct stat st;
    if (::fstatat(pfd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
        return fail(open_error(errno),
                    req.home + ": " + (errno == ENOENT ? "does not exist" : errstr(errno)));
    if (Status s = check_existing_home(req.home, st); !s.ok()) return s;
    UniqueFd fd(::openat(pfd.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd || ::fstat(fd.get(), &st) != 0) return fail(open_error(errno), req.home + ": " + errstr(errno));
    if (!S_ISDIR(st.st_mode)) return fail(Err::refused, req.home + ": replaced while opening it");
    // sshd would not trust keys in someone else's home either; and we would be writing for them.
    if (st.st_uid != req.uid)
        return fail(Err::permission, req.home + ": owned by uid " + std::to_string(st.st_uid) + ", not " +
                                         std::to_string(req.uid) + "; not touching its keys");
    *out = std::move(fd);
    return {};
}

ProvisionResult rebuild_impl(const ProvisionRequest& req) {
    if (Status s = check_identity(req); !s.ok()) return to_result(s);
    if (Status s = check_key_request(req); !s.ok()) return to_result(s);
    ProvisionResult r;
    ChildInput in;
    in.uid = req.uid;
    in.gid = req.gid;
    in.home = req.home;
    in.key_options = req.key_options;
    in.unmanaged = req.unmanaged_name;
    in.dir_keys = directory_keys(req, &r.keys_refused);

    UniqueFd home;
    if (Status s = open_home_for_keys(req, &home); !s.ok()) return to_result(s);
    in.home_fd = home.get();

    UniqueFd sfd;
    if (Status s = open_state_dir(req.state_dir, &sfd); !s.ok()) return to_result(s);
    // One rebuild at a time (a login racing a sync): the record is read-modify-write.
    while (::flock(sfd.get(), LOCK_EX) != 0) {
        if (errno != EINTR) return to_result(fail(Err::io, req.state_dir + ": lock: " + errstr(errno)));
    }
    Record rec = read_record(sfd.get(), req);
    in.record_known = rec.known;
    in.record = rec.fps;

    // Record today's directory keys before they reach the file (see provision.h).
    std::set<std::string> pre = rec.fps;
    for (const auto& k : in.dir_keys) pre.insert(k.fp);
    if (!rec.known || pre != rec.fps)
        if (Status s = write_record(sfd.get(), req, pre); !s.ok()) return to_result(s);

    ChildReport rep;
    Status cs = run_child(in, &rep);
    for (const auto& [level, text] : rep.logs) log(level, text);
    if (!cs.ok()) return to_result(cs);
    r.code = rep.code;
    r.message = rep.message;
    r.keys_written = rep.written;
    r.keys_moved = rep.moved;
    r.keys_removed = rep.removed;
    if (rep.code != Err::ok) return r;

    std::set<std::string> post(rep.fps.begin(), rep.fps.end());
    if (post != pre) {
        if (Status s = write_record(sfd.get(), req, post); !s.ok()) {
            r.code = s.code;
            r.message = rep.message + "; but the key record could not be updated: " + s.message;
        }
    }
    return r;
}

// One change through a descriptor, described for the message; false (with `why`) on failure.
bool fix_owner_mode(int fd, const struct stat& st, const ProvisionRequest& req, mode_t mode, const std::string& path,
                    std::vector<std::string>* done, std::string* why) {
    if (st.st_uid != req.uid || st.st_gid != req.gid) {
        if (::fchown(fd, req.uid, req.gid) != 0) {
            *why = path + ": chown: " + errstr(errno);
            return false;
        }
        done->push_back(path + ": owner set to " + req.user);
    }
    if ((st.st_mode & 07777) != mode) {
        if (::fchmod(fd, mode) != 0) {
            *why = path + ": chmod: " + errstr(errno);
            return false;
        }
        done->push_back(path + ": mode set to " + mode_text(mode));
    }
    return true;
}

ProvisionResult repair_impl(const ProvisionRequest& req) {
    if (Status s = check_identity(req); !s.ok()) return to_result(s);
    UniqueFd home;
    if (Status s = open_home_for_keys(req, &home); !s.ok()) return to_result(s);
    std::string ssh_path = req.home + "/.ssh";
    struct stat st;
    if (::fstatat(home.get(), ".ssh", &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) return to_result(Status{Err::ok, ssh_path + " does not exist; nothing to repair"});
        return to_result(fail(open_error(errno), ssh_path + ": " + errstr(errno)));
    }
    if (S_ISLNK(st.st_mode))
        return to_result(fail(Err::refused, ssh_path + " is a symbolic link; not following it (remove it, and "
                                                       "the next login recreates ~/.ssh)"));
    UniqueFd ssh(::openat(home.get(), ".ssh", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!ssh || ::fstat(ssh.get(), &st) != 0)
        return to_result(fail(open_error(errno), ssh_path + ": " + errstr(errno)));
    std::vector<std::string> done, left;
    std::string why;
    if (!fix_owner_mode(ssh.get(), st, req, st.st_mode & 07755, ssh_path, &done, &why))
        return to_result(fail(Err::io, why));
    for (const std::string& name : {std::string("authorized_keys"), req.unmanaged_name}) {
        if (!plain_name(name)) continue;
        std::string path = ssh_path + "/" + name;
        struct stat ls;
        if (::fstatat(ssh.get(), name.c_str(), &ls, AT_SYMLINK_NOFOLLOW) != 0) continue;
        if (!S_ISREG(ls.st_mode) || ls.st_nlink != 1) {
            left.push_back(path + " (not a regular file with one link: left alone)");
            continue;
        }
        UniqueFd fd(::openat(ssh.get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
        struct stat fs;
        if (!fd || ::fstat(fd.get(), &fs) != 0 || fs.st_ino != ls.st_ino || fs.st_dev != ls.st_dev ||
            !S_ISREG(fs.st_mode) || fs.st_nlink != 1) {
            left.push_back(path + " (changed while opening it: left alone)");
            continue;
        }
        if (!fix_owner_mode(fd.get(), fs, req, fs.st_mode & 0700, path, &done, &why))
            return to_result(fail(Err::io, why));
    }
    std::string msg;
    for (const auto& d : done) msg += (msg.empty() ? "" : "; ") + d;
    if (msg.empty()) msg = "nothing to repair in " + ssh_path;
    for (const auto& l : left) msg += "; " + l;
    return to_result(Status{Err::ok, msg});
}

template <typename F>
ProvisionResult guarded(const ProvisionRequest& req, F&& f) noexcept {
    try {
        return f(req);
    } catch (const Error& e) {
        ProvisionResult r;
        r.code = e.code();
        r.message = req.home + ": " + e.what();
        return r;
    } catch (const std::exception& e) {
        ProvisionResult r;
        r.code = Err::io;
        r.message = req.home + ": " + e.what();
        return r;
    } catch (...) {
        ProvisionResult r;
        r.code = Err::io;
        r.message = "unexpected failure";
        return r;
    }
}

}  // namespace

mode_t home_mode_from_login_defs(const std::string& path) noexcept {
    constexpr mode_t kDefault = 0700;
    try {
        UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
        struct stat st;
        if (!fd) {
            if (errno != ENOENT) log(LogLevel::warning, path + ": " + errstr(errno) + "; home mode 0700");
            return kDefault;
        }
        if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (1 << 20)) {
            log(LogLevel::warning, path + ": not a readable regular file under 1 MiB; home mode 0700");
            return kDefault;
        }
        std::string text(static_cast<std::size_t>(st.st_size), '\0');
        ssize_t n = read_full(fd.get(), text.data(), text.size());
        if (n < 0) return kDefault;
        text.resize(static_cast<std::size_t>(n));

        bool have_home_mode = false, have_umask = false;
        mode_t home_mode = 0, umask_value = 0;
        std::size_t pos = 0;
        int line_no = 0;
        while (pos < text.size()) {
            ++line_no;
            std::size_t nl = text.find('\n', pos);
            std::string_view line(text.data() + pos, (nl == std::string::npos ? text.size() : nl) - pos);
            pos = nl == std::string::npos ? text.size() : nl + 1;
            auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
            std::size_t i = 0;
            while (i < line.size() && is_space(line[i])) ++i;
            std::size_t key_start = i;
            while (i < line.size() && !is_space(line[i])) ++i;
            std::string_view key = line.substr(key_start, i - key_start);
            if (key != "HOME_MODE" && key != "UMASK") continue;
            while (i < line.size() && is_space(line[i])) ++i;
            std::size_t v_start = i;
            while (i < line.size() && !is_space(line[i])) ++i;
            std::string_view value = line.substr(v_start, i - v_start);
            mode_t m;
            if (!parse_mode(value, &m)) {
                log(LogLevel::warning, path + ":" + std::to_string(line_no) + ": " + std::string(key) +
                                           " is not an octal mode up to 0777; ignored");
                continue;
            }
            // The last setting wins, as in shadow's getdef.
            if (key == "HOME_MODE")
                have_home_mode = true, home_mode = m;
            else
                have_umask = true, umask_value = m;
        }
        if (have_home_mode) return home_mode;
        if (have_umask) return 0777 & ~umask_value;
        return kDefault;
    } catch (...) {
        return kDefault;
    }
}

ProvisionResult provision_home(const ProvisionRequest& req) noexcept {
    return guarded(req, provision_home_impl);
}

ProvisionResult rebuild_authorized_keys(const ProvisionRequest& req) noexcept {
    return guarded(req, rebuild_impl);
}

ProvisionResult repair_ssh_modes(const ProvisionRequest& req) noexcept {
    return guarded(req, repair_impl);
}

ProvisionResult provision_user(const ProvisionRequest& req) noexcept {
    // Every check first: a bad key setting must not leave a new home behind without keys.
    ProvisionResult checked = guarded(req, [](const ProvisionRequest& r) {
        std::string parent, name;
        Status s = check_identity(r);
        if (s.ok()) s = check_home_path(r, &parent, &name);
        if (s.ok()) s = check_key_request(r);
        return to_result(s);
    });
    if (checked.code != Err::ok) return checked;
    ProvisionResult home = provision_home(req);
    if (home.code != Err::ok) return home;
    ProvisionResult keys = rebuild_authorized_keys(req);
    keys.home_created = home.home_created;
    if (keys.code == Err::ok) keys.message = home.message + "; " + keys.message;
    return keys;
}

}  // namespace dirbind
