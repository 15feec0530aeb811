// SPDX-License-Identifier: Apache-2.0
// child_exec.h — the last steps of a child that dirbind forks from a process it does not own
// (sshd, a PAM application): a clean signal state, exactly the descriptors it is given, and an
// exec, so that nothing of the parent's memory (sshd's host keys) outlives the fork.
#pragma once

namespace dirbind {

// Call only in a child right after fork(): async-signal-safe calls alone, so the parent may have
// had other threads. Resets every signal disposition to the default and empties the signal mask,
// makes fds[i] descriptor i for i < n (fds[i] < 0: i is closed), closes every other descriptor,
// then executes `path` — or, when `path` is null, the file open at `exe_fd` (O_PATH is enough;
// execveat AT_EMPTY_PATH, so a file checked through that descriptor is the one that runs) —
// with `argv` and `envp`. Never returns: _exit(126) when the descriptors cannot be arranged,
// _exit(127) when the exec fails.
[[noreturn]] void exec_in_child(const char* path, int exe_fd, char* const* argv, char* const* envp,
                                const int* fds, int n) noexcept;

}  // namespace dirbind
