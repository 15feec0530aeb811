// SPDX-License-Identifier: Apache-2.0
/* spawn_time.c — wall time of starting a program and waiting for it, without the shell's own
 * forks in the measurement (bench/keys_cmd.sh). Runs PROGRAM ARGS... N times with
 * posix_spawn() + waitpid(), stdout and stderr to /dev/null, after one untimed warm-up run,
 * and prints "<median_ms> <p90_ms>". Exits 1 if any run fails (non-zero exit or signal).
 *
 * Usage: spawn_time N PROGRAM [ARGS...]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char** environ;

static int cmp_double(const void* a, const void* b) {
    double x = *(const double*)a, y = *(const double*)b;
    return (x > y) - (x < y);
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* One run; returns its wall time in ms, or -1 if it could not start or did not exit 0. */
static double run_once(char** argv, const posix_spawn_file_actions_t* fa) {
    pid_t pid;
    double start = now_ms();
    int rc = posix_spawn(&pid, argv[0], fa, NULL, argv, environ);
    if (rc != 0) {
        fprintf(stderr, "spawn_time: cannot start %s: %s\n", argv[0], strerror(rc));
        return -1;
    }
    int status;
    if (waitpid(pid, &status, 0) != pid) return -1;
    double took = now_ms() - start;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "spawn_time: %s failed (wait status %d)\n", argv[0], status);
        return -1;
    }
    return took;
}

int main(int argc, char** argv) {
    if (argc < 3 || atoi(argv[1]) < 1) {
        fprintf(stderr, "usage: spawn_time N PROGRAM [ARGS...]\n");
        return 2;
    }
    int n = atoi(argv[1]);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    double* t = malloc(sizeof(double) * (size_t)n);
    if (t == NULL) return 1;
    /* The first run pays for cold page-cache misses that no later sshd call would. */
    if (run_once(argv + 2, &fa) < 0) return 1;
    for (int i = 0; i < n; ++i)
        if ((t[i] = run_once(argv + 2, &fa)) < 0) return 1;
    qsort(t, (size_t)n, sizeof(double), cmp_double);
    int p90 = (n * 9 + 9) / 10 - 1; /* nearest-rank 90th percentile */
    printf("%.2f %.2f\n", n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2, t[p90]);
    free(t);
    return 0;
}
