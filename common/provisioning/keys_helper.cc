// SPDX-License-Identifier: Apache-2.0
// keys_helper.cc — keys_helper_path() and keys_helper_main() of keys_helper.h: the helper's start
// as root, the drop to the user, the rebuild and the report.
#include "provisioning/keys_helper.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "provisioning/provision_internal.h"
#include "system/safe_fs.h"

#ifndef DIRBIND_PLUGIN_DIR
#define DIRBIND_PLUGIN_DIR "/usr/lib/dirbind"
#endif

namespace dirbind {
namespace {

using provision_detail::ChildInput;
using provision_detail::ChildReport;

// Become the user for good: no supplementary groups, all three uids/gids, no capabilities left,
// no way back. Not dumpable before the uid changes, so the user can never attach to (or read
// the memory of) a process that was root a moment ago.
std::string drop_to_user(uid_t uid, gid_t gid) {
    ::prctl(PR_SET_DUMPABLE, 0);
    struct rlimit no_core = {0, 0};
    ::setrlimit(RLIMIT_CORE, &no_core);
    if (::setgroups(0, nullptr) != 0) return std::string("setgroups: ") + std::strerror(errno);
    if (::setresgid(gid, gid, gid) != 0) return std::string("setresgid: ") + std::strerror(errno);
    if (::setresuid(uid, uid, uid) != 0) return std::string("setresuid: ") + std::strerror(errno);
    uid_t ru, eu, su;
    gid_t rg, eg, sg;
    if (::getresuid(&ru, &eu, &su) != 0 || ::getresgid(&rg, &eg, &sg) != 0 || ru != uid || eu != uid ||
        su != uid || rg != gid || eg != gid || sg != gid || ::getgroups(0, nullptr) != 0)
        return "credentials did not change as asked";
    __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct caps[2]{};
    if (::syscall(SYS_capget, &hdr, caps) != 0 || caps[0].effective || caps[1].effective ||
        caps[0].permitted || caps[1].permitted)
        return "capabilities remain after dropping to the user";
    if (::setresuid(0, 0, 0) == 0) return "could regain root after dropping it";
    ::prctl(PR_SET_DUMPABLE, 0);
    return "";
}

int refuse_start(const char* why) {
    ::dprintf(2, "%s: %s; it is started by pam_dirbind's session and by dirbind sync, not by hand\n",
              kKeysHelperName, why);
    return 2;
}

bool is_type(int fd, mode_t type) {
    struct stat st;
    return ::fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == type;
}

int run(int argc) {
    using namespace provision_detail;
    // Executed through a descriptor, the kernel may name the process after its number: ps and
    // the logs should show what a plain exec of the file would (the name cut to 15 bytes).
    ::prctl(PR_SET_NAME, "dirbind-keys-he");
    ::prctl(PR_SET_DUMPABLE, 0);
    ::signal(SIGALRM, SIG_DFL);
    ::alarm(kHelperSeconds);
    if (argc != 1) return refuse_start("takes no arguments");
    if (!is_type(kHelperHomeFd, S_IFDIR) || !is_type(kHelperReportFd, S_IFIFO))
        return refuse_start("descriptors 3 (the home) and 4 (the report pipe) are not open");
    std::string wire;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(kHelperRequestFd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return refuse_start("cannot read the request on stdin");
        if (n == 0) break;
        if (wire.size() + static_cast<std::size_t>(n) > kMaxRequestBytes)
            return refuse_start("request too large");
        wire.append(buf, static_cast<std::size_t>(n));
    }
    ChildInput in;
    in.home_fd = kHelperHomeFd;
    if (!decode_request(wire, &in)) return refuse_start("malformed request on stdin");
    ::dup2(1, kHelperRequestFd);  // nothing more to read: stdin becomes stdout's /dev/null
    ChildReport rep;
    struct stat st;
    if (::fstat(in.home_fd, &st) != 0 || st.st_uid != in.uid) {
        rep.code = Err::permission;
        rep.message = in.home + ": not owned by uid " + std::to_string(in.uid) + "; not touching its keys";
    } else if (std::string why = drop_to_user(in.uid, in.gid); !why.empty()) {
        rep.code = Err::permission;
        rep.message = in.home + ": cannot become uid " + std::to_string(in.uid) + ": " + why;
    } else {
        rep = rebuild_as_user(in);
    }
    std::string msg = encode_report(rep);
    return write_full(kHelperReportFd, msg.data(), msg.size()) ? 0 : 3;
}

}  // namespace

std::string keys_helper_path() {
    const char* env = ::secure_getenv("DIRBIND_KEYS_HELPER");
    if (env != nullptr && *env != '\0') return env;
    return std::string(DIRBIND_PLUGIN_DIR "/") + kKeysHelperName;
}

int keys_helper_main(int argc, char** argv) noexcept {
    (void)argv;
    try {
        return run(argc);
    } catch (...) {
        return 3;  // out of memory: no report; the parent says the helper failed
    }
}

}  // namespace dirbind
