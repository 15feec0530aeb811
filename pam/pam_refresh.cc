// SPDX-License-Identifier: Apache-2.0
// pam_refresh.cc — run_dirbind() and run_refresh() of pam_module.h: the dirbind child processes of
// login_refresh and of the password check by bind. The module lives inside sshd, so the child is
// started and ended without touching anything sshd owns: no signal handler is installed, only
// this pid is waited for, and the deadline holds even when the command ignores signals or leaves
// a grandchild holding the pipe (its process group is killed).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "login/login_refresh.h"
#include "pam_module.h"
#include "system/log.h"

namespace dirbind::pam {
namespace {

using Clock = std::chrono::steady_clock;

// Beyond the command's own timer: exec, loading the config, the process exit.
constexpr std::chrono::milliseconds kMargin{500};
constexpr std::chrono::milliseconds kExitGrace{100};
constexpr std::size_t kMaxStderr = 4096;

// The fds this function opened, closed on every path.
struct Fd {
    int fd = -1;
    ~Fd() { reset(); }
    void reset() {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
};

// Only async-signal-safe calls between fork() and execve(): the parent may have other threads.
[[noreturn]] void exec_child(const char* path, char* const* argv, char* const* envp, int in, int out,
                             int err) {
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &dfl, nullptr);  // SIGKILL/SIGSTOP just fail
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    setpgid(0, 0);  // its own group, so that the parent can end every process it starts
    // Moved above 2 first: in an application that runs with 0, 1 or 2 closed, the pipes may
    // have got those numbers, and dup2() onto itself would leave O_CLOEXEC set.
    int std_fds[3] = {in, out, err};
    for (int& fd : std_fds)
        if ((fd = fcntl(fd, F_DUPFD_CLOEXEC, 3)) < 0) _exit(126);
    for (int i = 0; i < 3; ++i)
        if (dup2(std_fds[i], i) < 0) _exit(126);
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 3u, ~0u, 0u) != 0)
#endif
        for (int fd = 3; fd < 65536; ++fd) ::close(fd);
    execve(path, argv, envp);
    _exit(127);
}

std::string first_line(const std::string& s) {
    std::string l = s.substr(0, s.find('\n'));
    return printable(l, 200);
}

}  // namespace

bool run_dirbind(const Options& opt, const std::vector<std::string>& words, std::string_view input,
                 std::uint32_t timeout_ms, std::size_t max_answer, std::string* answer, std::string* why) {
    const std::string& cmd = opt.refresh_command;
    std::vector<std::string> args{cmd, "--config", opt.config_path};
    args.insert(args.end(), words.begin(), words.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    // A clean environment: nothing of the PAM application's (LD_PRELOAD, proxies, locale) leaks in.
    static char path_env[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
    static char lang_env[] = "LC_ALL=C";
    char* envp[] = {path_env, lang_env, nullptr};

    Fd in, out_r, out_w, err_r, err_w;
    int p[2];
    if (input.empty()) {
        in.fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (in.fd < 0) return *why = std::string("cannot open /dev/null: ") + std::strerror(errno), false;
    } else {
        // The input (a password, at most kMaxPasswordBytes) fits an empty pipe whole — a Linux
        // pipe holds at least one page — so it is written before the fork, never blocking, and
        // the child reads it at its own pace.
        if (input.size() > kMaxPasswordBytes) return *why = "the input is too large for the helper's pipe", false;
        if (pipe2(p, O_CLOEXEC) != 0) return *why = std::string("pipe: ") + std::strerror(errno), false;
        Fd w;
        in.fd = p[0], w.fd = p[1];
        fcntl(w.fd, F_SETFL, O_NONBLOCK);
        ssize_t n = ::write(w.fd, input.data(), input.size());
        if (n != static_cast<ssize_t>(input.size()))
            return *why = std::string("cannot hand the input to the helper: ") + std::strerror(errno), false;
    }
    if (pipe2(p, O_CLOEXEC) != 0) return *why = std::string("pipe: ") + std::strerror(errno), false;
    out_r.fd = p[0], out_w.fd = p[1];
    if (pipe2(p, O_CLOEXEC) != 0) return *why = std::string("pipe: ") + std::strerror(errno), false;
    err_r.fd = p[0], err_w.fd = p[1];

    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms) + kMargin;
    // Signals stay blocked across fork() so that no handler of the application runs in the child
    // before it has reset them all.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = fork();
    if (pid == 0) exec_child(cmd.c_str(), argv.data(), envp, in.fd, out_w.fd, err_w.fd);
    int fork_errno = errno;
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    if (pid < 0) return *why = std::string("fork: ") + std::strerror(fork_errno), false;
    setpgid(pid, pid);  // also here: the kill below must find the group even if the child is slow
    in.reset(), out_w.reset(), err_w.reset();

    std::string& result = *answer;
    std::string errors;
    result.clear();
    bool too_big = false, exited = false, timed_out = false, reaped_elsewhere = false;
    Clock::time_point read_until = deadline;
    while (true) {
        if (!exited) {
            siginfo_t si{};
            // WNOWAIT: the child stays a zombie, so its pid (and group id) cannot be reused before
            // the group is killed below.
            int r = waitid(P_PID, static_cast<id_t>(pid), &si, WEXITED | WNOHANG | WNOWAIT);
            // ECHILD: reaped by someone else; waitpid() below reports it.
            reaped_elsewhere = r < 0 && errno == ECHILD;
            exited = (r == 0 && si.si_pid == pid) || reaped_elsewhere;
            // A grandchild may still hold the pipes: what was written before the exit is all
            // that counts, and it is in the pipe already.
            if (exited) read_until = std::min(deadline, Clock::now() + kExitGrace);
        }
        if (exited && out_r.fd < 0 && err_r.fd < 0) break;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(read_until - Clock::now()).count();
        if (left <= 0) {
            timed_out = !exited;
            break;
        }
        pollfd fds[2];
        nfds_t n = 0;
        for (int fd : {out_r.fd, err_r.fd})
            if (fd >= 0) fds[n++] = {fd, POLLIN, 0};
        // With the pipes closed, wake up now and then to see whether the child has exited.
        int wait_ms = static_cast<int>(exited ? left : std::min<long long>(left, 20));
        int r = poll(n ? fds : nullptr, n, wait_ms);
        if (r < 0 && errno != EINTR) break;
        for (nfds_t i = 0; r > 0 && i < n; ++i) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            Fd& src = fds[i].fd == out_r.fd ? out_r : err_r;
            std::string& dst = &src == &out_r ? result : errors;
            char buf[4096];
            ssize_t got = ::read(src.fd, buf, sizeof buf);
            if (got < 0 && errno == EINTR) continue;
            if (got <= 0) {
                src.reset();
                continue;
            }
            std::size_t cap = &src == &out_r ? max_answer + 1 : kMaxStderr;
            dst.append(buf,
                       std::min<std::size_t>(static_cast<std::size_t>(got), cap - std::min(cap, dst.size())));
            if (&src == &out_r && dst.size() > max_answer) {
                too_big = true;
                src.reset();
            }
        }
        if (too_big) break;
    }
    // Whatever is left of the group (a hung child, a grandchild holding the pipe) goes now. Not
    // when someone else reaped the child: its pid, and so the group id, may be another's by now.
    if (!reaped_elsewhere) kill(-pid, SIGKILL);
    if (!exited) kill(pid, SIGKILL);
    int status = 0;
    pid_t w;
    do w = waitpid(pid, &status, 0);
    while (w < 0 && errno == EINTR);

    if (timed_out)
        return *why = "no answer within " + std::to_string(timeout_ms) + " ms (+" +
                      std::to_string(kMargin.count()) + " ms margin); " + cmd + " was killed",
               false;
    if (too_big)
        return *why = "the answer is larger than " + std::to_string(max_answer) + " bytes", false;
    if (w != pid)
        return *why = "cannot learn how " + cmd + " ended (waitpid: " + std::strerror(errno) +
                      "; does the application reap children itself?)",
               false;
    if (WIFSIGNALED(status))
        return *why = cmd + " was killed by signal " + std::to_string(WTERMSIG(status)), false;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        *why = cmd + " exited with status " + std::to_string(WEXITSTATUS(status));
        if (WEXITSTATUS(status) == 127) *why += " (cannot be executed)";
        if (!errors.empty()) *why += ": " + first_line(errors);
        return false;
    }
    return true;
}

bool run_refresh(const Options& opt, const Config& cfg, const std::string& user, RefreshVerdict* out,
                 std::string* why) {
    std::string answer;
    if (!run_dirbind(opt, {"refresh-user", user}, {}, cfg.login_refresh.timeout_ms, kMaxRefreshAnswer, &answer, why))
        return false;
    if (std::string bad = parse_refresh_verdict(answer, user, out); !bad.empty())
        return *why = "unusable answer from " + opt.refresh_command + ": " + bad, false;
    return true;
}

bool run_password_check(const Options& opt, const Config& cfg, const std::string& user,
                        std::string_view password, PasswordAnswer* out, std::string* why) {
    std::string answer;
    if (!run_dirbind(opt, {"check-password", user}, password, cfg.login_refresh.timeout_ms, 64, &answer, why))
        return false;
    if (answer == "accepted\n") return *out = PasswordAnswer::accepted, true;
    if (answer == "accepted offline\n") return *out = PasswordAnswer::accepted_offline, true;
    if (answer == "refused\n") return *out = PasswordAnswer::refused, true;
    return *why = "unusable answer from " + opt.refresh_command + ": '" + first_line(answer) + "'", false;
}

}  // namespace dirbind::pam
