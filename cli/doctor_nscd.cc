// SPDX-License-Identifier: Apache-2.0
// doctor_nscd.cc — `dirbind doctor`'s look at what sits between NSS and the programs that ask
// (a running nscd caching passwd/group) and at what may refuse sshd after PAM said yes
// (SELinux enforcing).
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <fstream>

#include "doctor_host.h"
#include "system/safe_fs.h"

namespace dirbind::cli {
namespace {

// Whether something answers on nscd's socket: what glibc asks before it reads NSS itself.
bool nscd_answers(const std::string& socket_path) {
    struct stat st;
    if (::stat(socket_path.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) return false;
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (socket_path.size() >= sizeof sa.sun_path) return false;
    socket_path.copy(sa.sun_path, sizeof sa.sun_path - 1);
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    return fd && ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0;
}

}  // namespace

void check_nscd(Report* r) {
    const std::string sock = env_or("DIRBIND_NSCD_SOCKET", "/run/nscd/socket");
    if (!nscd_answers(sock)) return;  // no nscd: glibc asks NSS, and so dirbind, every time
    const std::string conf = env_or("DIRBIND_NSCD_CONF", "/etc/nscd.conf");
    std::ifstream in(conf);
    std::string cached, ttl;
    for (std::string line; std::getline(in, line);) {
        std::vector<std::string> w = words_of(line.substr(0, line.find('#')));
        if (w.size() != 3 || (w[1] != "passwd" && w[1] != "group")) continue;
        if (w[0] == "enable-cache" && w[2] == "yes")
            cached += (cached.empty() ? "" : " and ") + w[1];
        else if (w[0] == "positive-time-to-live" && w[1] == "passwd")
            ttl = w[2];
    }
    if (!in.eof() && !in.good()) cached.clear();
    if (cached.empty() && in.is_open()) {
        r->add("host", "nss.nscd", Level::ok, "nscd runs but does not cache passwd or group (" + conf + ")");
        return;
    }
    r->add(
        "host", "nss.nscd", Level::warn,
        "nscd runs and caches " +
            (cached.empty() ? std::string("passwd/group (") + conf + " unreadable)"
                            : cached + " (" + conf + ")") +
            ": after a sync, programs may get its old answers" +
            (ttl.empty() ? "" : " for up to " + ttl + " s") +
            " (a new user unknown, a removed one still there)",
        "nscd -i passwd -i group after each sync, or enable-cache passwd no and enable-cache group no in " +
            conf + ", then: systemctl restart nscd");
}

void check_selinux(Report* r) {
    const std::string path = env_or("DIRBIND_SELINUX_ENFORCE", "/sys/fs/selinux/enforce");
    std::ifstream in(path);
    char c = 0;
    if (!(in >> c) || c != '1') return;  // no SELinux, or permissive: it refuses nothing
    r->add("host", "selinux", Level::warn,
           "SELinux is enforcing (" + path +
               "): it can deny sshd's confined domain what doctor, running unconfined, is allowed "
               "(the cache, homes, the keys command)",
           "ausearch -m avc -ts recent  # denials name the file and the domain; restorecon -Rv the path");
}

}  // namespace dirbind::cli
