// SPDX-License-Identifier: Apache-2.0
// child_exec.cc — exec_in_child() of child_exec.h.
#include "system/child_exec.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace dirbind {

void exec_in_child(const char* path, int exe_fd, char* const* argv, char* const* envp, const int* fds,
                   int n) noexcept {
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &dfl, nullptr);  // SIGKILL/SIGSTOP just fail
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    // Every descriptor moves above the targets first: a source may already sit on a target number
    // (an application running with 0, 1 or 2 closed), and dup2() onto itself would leave
    // O_CLOEXEC set. The copies are close-on-exec; the dup2()s below clear it on the targets.
    constexpr int kMax = 8;
    if (n < 0 || n > kMax) _exit(126);
    int moved[kMax];
    for (int i = 0; i < n; ++i) {
        moved[i] = -1;
        if (fds[i] >= 0 && (moved[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, kMax)) < 0) _exit(126);
    }
    if (exe_fd >= 0 && path == nullptr && (exe_fd = fcntl(exe_fd, F_DUPFD_CLOEXEC, kMax)) < 0) _exit(126);
    for (int i = 0; i < n; ++i) {
        if (moved[i] < 0)
            close(i);
        else if (dup2(moved[i], i) != i)
            _exit(126);
    }
    // Everything above the targets goes, except the program to run (close-on-exec: it goes then).
    unsigned first = static_cast<unsigned>(n);
    unsigned keep = exe_fd >= 0 && path == nullptr ? static_cast<unsigned>(exe_fd) : ~0u;
#ifdef SYS_close_range
    bool closed = keep == ~0u ? syscall(SYS_close_range, first, ~0u, 0u) == 0
                              : (keep == first || syscall(SYS_close_range, first, keep - 1, 0u) == 0) &&
                                    syscall(SYS_close_range, keep + 1, ~0u, 0u) == 0;
    if (!closed)
#endif
        for (unsigned fd = first; fd < 65536; ++fd)
            if (fd != keep) close(static_cast<int>(fd));
    if (path != nullptr)
        execve(path, argv, envp);
    else
        syscall(SYS_execveat, exe_fd, "", argv, envp, AT_EMPTY_PATH);
    _exit(127);
}

}  // namespace dirbind
