// SPDX-License-Identifier: Apache-2.0
// doctor_host.cc — `dirbind doctor` without a user: is this host set up so that directory users
// can log in? Cache, nsswitch.conf, the PAM stacks (read as libpam reads them), sshd's
// effective configuration, the sync timer and the directory itself.
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "cache/cache_format.h"
#include "cache/cache_reader.h"
#include "doctor_host.h"
#include "sync/source.h"
#include "sync/sync_status.h"
#include "system/log.h"

namespace dirbind::cli {

std::string env_or(const char* name, const char* fallback) {
    const char* v = std::getenv(name);
    return v != nullptr && *v != '\0' ? v : fallback;
}

std::vector<std::string> words_of(const std::string& line) {
    std::vector<std::string> w;
    std::istringstream in(line);
    for (std::string str; in >> str;) w.push_back(str);
    return w;
}

int run_capture(const std::vector<std::string>& argv, std::string* out) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return -1;
    pid_t pid = ::fork();
    if (pid < 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        ::dup2(fds[1], 1);
        ::dup2(fds[1], 2);
        std::vector<char*> a;
        for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
        a.push_back(nullptr);
        ::execv(a[0], a.data());
        ::_exit(127);
    }
    ::close(fds[1]);
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0)
        if (out->size() < (1u << 20)) out->append(buf, static_cast<std::size_t>(n));
    ::close(fds[0]);
    int st = 0;
    while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

namespace {

constexpr std::uint64_t kStaleIntervals = 3;

// ---- cache -------------------------------------------------------------------------------------

void check_cache(const Config& cfg, const std::string& keys_user, Report* r, std::uint32_t* policy,
                 std::string* some_user) {
    ScopedCache cache(cfg.cache_dir.c_str(), cachefmt::kIdentity);
    Pin pin;
    SyncStatus s = read_sync_status(cfg.cache_dir);
    if (pin.acquire(cache.get()) != Err::ok) {
        bool missing = ::access(cache.path(), F_OK) != 0;
        r->add("host", "cache.present", Level::fail,
               std::string("cache ") + cache.path() +
                   (missing ? " does not exist: no directory user resolves (never synced?)"
                            : " cannot be read or trusted: NSS and pam_dirbind ignore it") +
                   (s.last_error.empty() ? "" : "; last sync error: " + s.last_error),
               "dirbind sync; dirbind status");
        return;
    }
    *policy = pin.policy();
    UserView u;
    if (user_at(pin, 0, &u) == Err::ok) *some_user = u.name;
    r->add("host", "cache.present", Level::ok,
           std::string("cache ") + cache.path() + ": " + std::to_string(pin.user_count()) + " users, " +
               std::to_string(pin.group_count()) + " groups");
    check_cache_readers(cfg, keys_user, r);
    std::uint64_t now = static_cast<std::uint64_t>(std::time(nullptr));
    std::uint64_t last = s.last_success != 0 ? s.last_success : pin.created();
    std::uint64_t age = now > last ? now - last : 0;
    std::string age_text = std::to_string(age) + " s ago";
    // Judged against what runs the sync, not an assumed minute: a timer set to every 15 minutes
    // is fresh at 20 minutes.
    SyncInterval every = sync_interval();
    std::uint64_t limit = kStaleIntervals * every.seconds;
    std::string interval = "timer interval " + std::to_string(every.seconds) + " s, " +
                           (every.known ? "from " : "assumed: ") + printable(every.source, 300);
    if (age > limit)
        r->add("host", "cache.fresh", Level::fail,
               "last successful sync " + age_text + ", more than " + std::to_string(kStaleIntervals) +
                   " timer intervals (" + interval + "): the cache is stale" +
                   (s.last_error.empty() ? "" : "; last error: " + s.last_error),
               "dirbind sync; systemctl status dirbind-sync.timer dirbind-sync.service");
    else
        r->add("host", "cache.fresh", Level::ok, "last successful sync " + age_text + " (" + interval + ")");
    if (!s.last_error.empty() && age <= limit)
        r->add("host", "sync.error", Level::warn, "the last sync attempt failed: " + s.last_error,
               "dirbind sync");
}

// ---- nsswitch.conf -----------------------------------------------------------------------------

void check_nsswitch(Report* r) {
    std::string path = env_or("DIRBIND_NSSWITCH_CONF", "/etc/nsswitch.conf");
    std::ifstream in(path);
    if (!in) {
        r->add("host", "nsswitch", Level::fail, path + ": cannot read it");
        return;
    }
    std::map<std::string, std::vector<std::string>> db;
    for (std::string line; std::getline(in, line);) {
        line = line.substr(0, line.find('#'));
        std::size_t colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::vector<std::string> name = words_of(line.substr(0, colon));
        if (name.size() != 1) continue;
        std::vector<std::string> services;
        for (const std::string& w : words_of(line.substr(colon + 1)))
            if (w[0] != '[' && w.back() != ']' && w.find('=') == std::string::npos) services.push_back(w);
        db[name[0]] = services;
    }
    for (const char* map : {"passwd", "group", "shadow"}) {
        const auto& s = db[map];
        int files = -1, dirbind = -1;
        for (std::size_t i = 0; i < s.size(); ++i) {
            if (s[i] == "files" || s[i] == "compat") files = static_cast<int>(i);
            if (s[i] == "dirbind") dirbind = static_cast<int>(i);
        }
        std::string fix = "edit " + path + ": " + map + ": files dirbind";
        if (dirbind < 0)
            r->add("host", "nsswitch", Level::fail,
                   path + ": dirbind is missing from the " + map + " line: directory users " +
                       (std::string(map) == "shadow" ? "are refused by pam_unix's account step"
                                                     : "do not resolve"),
                   fix);
        else if (files < 0 || files > dirbind)
            r->add("host", "nsswitch", Level::fail,
                   path + ": dirbind comes before files on the " + map + " line: the local accounts must win",
                   fix);
        else
            r->add("host", "nsswitch", Level::ok, path + ": " + map + " has dirbind after files");
    }
}

// ---- sshd --------------------------------------------------------------------------------------

// sshd's rule for AuthorizedKeysCommand: the program and every directory above it owned by root
// and not writable by group or others.
std::string unsafe_path(const std::string& path) {
    for (std::string p = path;;) {
        struct stat st;
        if (::stat(p.c_str(), &st) != 0) return p + ": " + errno_text(errno);
        if (st.st_uid != 0 || (st.st_mode & 022))
            return p + " is not root-owned or is writable by group/others";
        if (p == "/") return "";
        std::size_t slash = p.rfind('/');
        p = slash == 0 ? "/" : p.substr(0, slash);
    }
}

struct Sshd {
    std::string path;
    bool installed = false;
    std::string error;  // sshd -T's first line when it failed
    std::map<std::string, std::string> kv;  // sshd -T: keyword (lower case) → first value
};

Sshd read_sshd() {
    Sshd d;
    d.path = env_or("DIRBIND_SSHD", "/usr/sbin/sshd");
    d.installed = ::access(d.path.c_str(), X_OK) == 0;
    if (!d.installed) return d;
    std::string out;
    std::vector<std::string> argv = {d.path, "-T"};
    if (const char* f = std::getenv("DIRBIND_SSHD_CONFIG")) argv.insert(argv.end(), {"-f", f});
    if (run_capture(argv, &out) != 0) {
        d.error = printable(out.substr(0, out.find('\n')), 200);
        if (d.error.empty()) d.error = "no output";
        return d;
    }
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) {
        std::size_t sp = line.find(' ');
        if (sp != std::string::npos && !d.kv.count(line.substr(0, sp)))
            d.kv[line.substr(0, sp)] = line.substr(sp + 1);
    }
    return d;
}

void check_sshd(Sshd d, std::uint32_t policy, bool have_policy, Report* r) {
    const std::string& sshd = d.path;
    if (!d.installed) {
        r->add("host", "sshd.config", Level::warn, sshd + " is not installed: sshd checks skipped");
        return;
    }
    if (!d.error.empty()) {
        r->add("host", "sshd.config", Level::fail,
               sshd + " -T failed (" + d.error + "): the effective sshd configuration cannot be checked",
               "sshd -t; run dirbind doctor as root");
        return;
    }
    std::map<std::string, std::string>& kv = d.kv;
    std::string src = "sshd -T";
    if (kv["usepam"] != "yes")
        r->add("host", "sshd.usepam", Level::fail,
               src + ": UsePAM is " + kv["usepam"] +
                   ": pam_dirbind never runs and directory users cannot log in",
               "UsePAM yes in /etc/ssh/sshd_config, then: systemctl reload ssh");
    else
        r->add("host", "sshd.usepam", Level::ok, src + ": UsePAM yes");
    std::string cmd = kv["authorizedkeyscommand"];
    std::vector<std::string> cw = words_of(cmd);
    bool ours = cw.size() >= 2 && cw[0].size() >= 8 && cw[0].substr(cw[0].size() - 8) == "/dirbind" &&
                cw[1] == "authorized-keys";
    const char* want = "AuthorizedKeysCommand /usr/sbin/dirbind authorized-keys %u %f";
    if (cmd.empty() || cmd == "none") {
        r->add("host", "sshd.keys_command", Level::fail,
               src +
                   ": no AuthorizedKeysCommand: directory keys reach sshd only through authorized_keys files "
                   "written at login, so a first key login fails",
               std::string(want) +
                   " in /etc/ssh/sshd_config (the package ships /etc/ssh/sshd_config.d/dirbind.conf)");
    } else if (!ours) {
        r->add("host", "sshd.keys_command", Level::fail,
               src + ": AuthorizedKeysCommand is \"" + printable(cmd, 200) + "\", not dirbind's", want);
    } else if (cmd.find("%u") == std::string::npos) {
        r->add("host", "sshd.keys_command", Level::fail,
               src + ": AuthorizedKeysCommand \"" + printable(cmd, 200) +
                   "\" lacks %u: dirbind cannot tell whose keys",
               want);
    } else {
        std::string why = unsafe_path(cw[0]);
        if (!why.empty())
            r->add("host", "sshd.keys_command", Level::fail,
                   src + ": AuthorizedKeysCommand " + cw[0] + ": " + why + "; sshd refuses to run it",
                   "chown root: " + cw[0] + "; chmod go-w " + cw[0]);
        else
            r->add("host", "sshd.keys_command", cmd.find("%f") == std::string::npos ? Level::warn : Level::ok,
                   src + ": AuthorizedKeysCommand " + printable(cmd, 200) +
                       (cmd.find("%f") == std::string::npos
                            ? " (without %f every key is printed for every offered key)"
                            : ""),
                   cmd.find("%f") == std::string::npos ? want : "");
    }
    std::string kuser = kv["authorizedkeyscommanduser"];
    struct passwd pw, *res = nullptr;
    std::vector<char> buf(1 << 16);
    bool exists = !kuser.empty() && kuser != "none" &&
                  getpwnam_r(kuser.c_str(), &pw, buf.data(), buf.size(), &res) == 0 && res != nullptr;
    if (!cmd.empty() && cmd != "none") {
        if (!exists)
            r->add("host", "sshd.keys_user", Level::fail,
                   src + ": AuthorizedKeysCommandUser \"" + printable(kuser, 64) +
                       "\" does not exist: sshd does not run the command",
                   "adduser --system --group --no-create-home _dirbind; AuthorizedKeysCommandUser _dirbind");
        else if (pw.pw_uid == 0)
            r->add("host", "sshd.keys_user", Level::fail,
                   src + ": AuthorizedKeysCommandUser is " + kuser +
                       " (uid 0): the command must run unprivileged",
                   "AuthorizedKeysCommandUser _dirbind (adduser --system --group --no-create-home _dirbind)");
        else
            r->add("host", "sshd.keys_user", Level::ok, src + ": AuthorizedKeysCommandUser " + kuser);
    }
    std::string methods = kv["authenticationmethods"];
    if (have_policy && (policy & cachefmt::kMfa)) {
        bool good = !methods.empty() && methods != "any";
        for (const std::string& list : words_of(methods))
            if (list.find("publickey") != std::string::npos &&
                list.find("keyboard-interactive") == std::string::npos)
                good = false;
        if (!good)
            r->add("host", "sshd.mfa", Level::fail,
                   src + ": the directory turns MFA on, but AuthenticationMethods is \"" + methods +
                       "\": enrolled users who log in with a key are refused at session start without being "
                       "asked for the code",
                   "AuthenticationMethods publickey,keyboard-interactive (docs/pam.md, MFA)");
        else
            r->add("host", "sshd.mfa", Level::ok,
                   src + ": AuthenticationMethods " + methods + " asks for the code after a key");
        if (kv["kbdinteractiveauthentication"] != "yes")
            r->add("host", "sshd.mfa", Level::fail,
                   src + ": KbdInteractiveAuthentication is not yes: the verification code cannot be asked",
                   "KbdInteractiveAuthentication yes");
        // The password method sends the password as the answer to every prompt, the code's too
        // (docs/pam.md, MFA); clients reach it only when a list of AuthenticationMethods allows it.
        bool password_reachable = methods.empty() || methods == "any";
        for (const std::string& list : words_of(methods))
            for (std::size_t b = 0, e; b <= list.size(); b = e + 1) {
                e = list.find(',', b);
                if (e == std::string::npos) e = list.size();
                if (list.compare(b, e - b, "password") == 0) password_reachable = true;
            }
        if (kv["passwordauthentication"] == "yes" && password_reachable)
            r->add(
                "host", "sshd.mfa_password", Level::warn,
                src +
                    ": PasswordAuthentication yes while the directory turns MFA on: an enrolled user who "
                    "logs in by the password method has the password taken as the verification code and is "
                    "refused; only keyboard-interactive asks for the code",
                "PasswordAuthentication no and KbdInteractiveAuthentication yes in /etc/ssh/sshd_config, "
                "then: systemctl reload ssh");
    }
    if (have_policy && (policy & cachefmt::kPasswordAuth) && kv["kbdinteractiveauthentication"] != "yes" &&
        kv["passwordauthentication"] != "yes")
        r->add(
            "host", "sshd.password", Level::warn,
            src +
                ": the directory allows passwords, but sshd offers neither keyboard-interactive nor password",
            "KbdInteractiveAuthentication yes");
}

// ---- timer and directory ----------------------------------------------------------------------

void check_timer(const Config& cfg, Report* r) {
    SyncStatus s = read_sync_status(cfg.cache_dir);
    std::string last =
        s.last_attempt == 0
            ? "never"
            : std::to_string(std::time(nullptr) - static_cast<std::time_t>(s.last_attempt)) + " s ago";
    if (::access("/run/systemd/system", F_OK) == 0) {
        std::string out;
        int rc = run_capture({"/usr/bin/systemctl", "is-enabled", "dirbind-sync.timer"}, &out);
        if (rc == 0)
            r->add("host", "sync.timer", Level::ok,
                   "dirbind-sync.timer is enabled; last sync attempt " + last);
        else
            r->add("host", "sync.timer", Level::fail,
                   "dirbind-sync.timer is not enabled (" + printable(out.substr(0, out.find('\n')), 80) +
                       "): the cache is never refreshed; last sync attempt " + last,
                   "systemctl enable --now dirbind-sync.timer");
    } else if (::access("/etc/cron.d/dirbind", F_OK) == 0) {
        r->add("host", "sync.timer", Level::ok,
               "no systemd; /etc/cron.d/dirbind runs the sync; last attempt " + last);
    } else {
        r->add("host", "sync.timer", Level::warn,
               "no systemd and no /etc/cron.d/dirbind: nothing runs dirbind sync; last attempt " + last,
               "run dirbind sync every minute (the package's /etc/cron.d/dirbind)");
    }
}

void check_directory(const Config& cfg, const std::string& some_user, Report* r) {
    std::string source = describe_source(cfg);
    try {
        // One question through the source (and the network plugin), bounded and without retries.
        fetch_user(cfg, some_user.empty() ? "root" : some_user, 5000);
        r->add("host", "directory.reachable", Level::ok, source + " answered");
    } catch (const Error& e) {
        r->add("host", "directory.reachable", Level::fail,
               source + " cannot be asked: " + e.what() + "; logins go on with the cache, which ages",
               "check the network, the source settings and the credentials (dirbind check-config)");
    }
}

}  // namespace

void check_host(const Config& cfg, Report* r) {
    std::uint32_t policy = 0;
    std::string some_user;
    Sshd sshd = read_sshd();
    check_cache(cfg, sshd.kv["authorizedkeyscommanduser"], r, &policy, &some_user);
    bool have_policy = false;
    for (const Check& c : r->checks())
        if (c.id == "cache.present" && c.level == Level::ok) have_policy = true;
    check_nsswitch(r);
    check_nscd(r);
    // OpenSSH 9.8 and later name the PAM service (PAMServiceName); before, it is "sshd".
    std::string service = sshd.kv.count("pamservicename") ? sshd.kv["pamservicename"] : "sshd";
    check_pam(service, r);
    check_sshd(sshd, policy, have_policy, r);
    check_helpers(cfg, r);
    check_selinux(r);
    check_timer(cfg, r);
    check_directory(cfg, some_user, r);
}

}  // namespace dirbind::cli
