#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# login.sh — how much dirbind adds to an ssh login. Inside the end-to-end sandbox of
# tests/e2e/lib-e2e.sh (private namespaces, a real sshd configured as docs/pam.md says, the
# directory served by the double), one sshd and one ed25519 key are used for:
#   - a local user (in the sandbox's /etc/passwd, key in ~/.ssh/authorized_keys, home made by
#     useradd) and a directory user whose home exists (made by their first login): the wall
#     time of `ssh -i key user@127.0.0.1 true`, from the client's start to its exit, RUNS times
#     each, interleaved (the order alternates), median compared;
#   - FRESH new directory users: their first login (home created from /etc/skel, authorized_keys
#     written) against their next one; the overhead is the median of the per-user differences.
# Targets (issue 5): a directory user within 10% of a local user once the home exists; a first
# login at most 50 ms slower than the next ones. Prints a markdown section (for
# docs/benchmarks.md) to fd 3, or to stdout when fd 3 is not open; PASS/MISS are figures, not
# failures: the script fails only when a login does not work.
#
# Usage: bench/login.sh BUILD   (root; bench/run.sh calls it at its end)
# Environment: DIRBIND_BENCH_LOGIN_RUNS (default 30), DIRBIND_BENCH_LOGIN_FRESH (default 10).
if [ -z "${DIRBIND_E2E_INSIDE:-}" ]; then
    BUILD=$(realpath "${1:?usage: bench/login.sh BUILD}")
    export DIRBIND_BUILD=$BUILD DIRBIND_CLI=$BUILD/dirbind DIRBIND_NET_PLUGIN=$BUILD/dirbind-net.so
    export DIRBIND_NSS_MODULE=$BUILD/libnss_dirbind.so.2 DIRBIND_PAM_MODULE=$BUILD/pam_dirbind.so
    DIRBIND_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    export DIRBIND_SRC
    export DIRBIND_E2E_TIMEOUT=${DIRBIND_E2E_TIMEOUT:-900}
    { true >&3; } 2>/dev/null || exec 3>&1
fi
. "$(dirname "${BASH_SOURCE[0]}")/../tests/e2e/lib-e2e.sh"

RUNS=${DIRBIND_BENCH_LOGIN_RUNS:-30}
FRESH=${DIRBIND_BENCH_LOGIN_FRESH:-10}
say() { echo "bench/login: $*" >&2; }

mkkey bench
useradd -m -u 4000 -s /bin/bash localbench
install -d -m 0700 -o localbench -g localbench /home/localbench/.ssh
pub bench >/home/localbench/.ssh/authorized_keys
chown localbench:localbench /home/localbench/.ssh/authorized_keys
chmod 0600 /home/localbench/.ssh/authorized_keys
{
    echo "system: {public_key_auth: true}"
    echo "users:"
    echo "  - {name: dirbench, uid: 5001, gid: 5001, ssh_keys: [\"$(pub bench)\"]}"
    for i in $(seq "$FRESH"); do
        printf '  - {name: fresh%02d, uid: %d, gid: %d, ssh_keys: ["%s"]}\n' "$i" $((5100 + i)) $((5100 + i)) "$(pub bench)"
    done
} | directory_publish
dsync
[ "$SYNC_RC" = 0 ] || { bad "sync: $SYNC_OUT"; finish; }
start_sshd

SSH_BENCH=(ssh "${SSH_COMMON[@]}" -o BatchMode=yes -o IdentitiesOnly=yes -o PreferredAuthentications=publickey
           -i "$T/keys/bench")
# timed USER: one login running `true`; US = its wall time in microseconds. A refused login
# ends the run as a failure.
timed() {
    local t0=${EPOCHREALTIME/./} t1
    "${SSH_BENCH[@]}" "$1@127.0.0.1" true </dev/null >/dev/null 2>"$T/bench.err" ||
        { bad "$1's login failed: $(tail -n 2 "$T/bench.err")"; finish; }
    t1=${EPOCHREALTIME/./}
    US=$((t1 - t0))
}
median() { sort -n | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }
ms() { awk -v u="$1" 'BEGIN {printf "%.1f", u / 1000}'; }

# Sanity: both log in, with the key, as themselves; dirbench's first login makes his home.
for u in localbench dirbench; do
    login_key "$u" bench 'id -un; pwd'
    expect_login "$u logs in with the key"
    check "... as $u, at home" "$u
/home/$u" "$OUT"
done
sshd_logged "dirbench's key came from the AuthorizedKeysCommand or the authorized_keys pam_dirbind wrote" \
    "Accepted publickey for dirbench"
for _ in 1 2 3; do timed localbench; timed dirbench; done  # warm caches

say "$RUNS interleaved logins each: localbench (local) and dirbench (directory, home exists)"
: >"$T/local.us"; : >"$T/dir.us"
for i in $(seq "$RUNS"); do
    if [ $((i % 2)) = 1 ]; then order="localbench dirbench"; else order="dirbench localbench"; fi
    for u in $order; do
        timed "$u"
        if [ "$u" = localbench ]; then echo "$US" >>"$T/local.us"; else echo "$US" >>"$T/dir.us"; fi
    done
done
local_med=$(median <"$T/local.us")
dir_med=$(median <"$T/dir.us")

say "$FRESH fresh directory users: first login (home created) and the next one"
: >"$T/first.us"; : >"$T/next.us"; : >"$T/extra.us"
for i in $(seq "$FRESH"); do
    u=$(printf 'fresh%02d' "$i")
    [ ! -e "/home/$u" ] || { bad "/home/$u exists before the first login"; finish; }
    timed "$u"; first=$US
    [ -f "/home/$u/.ssh/authorized_keys" ] || bad "$u's first login made no ~/.ssh/authorized_keys"
    timed "$u"; next=$US
    echo "$first" >>"$T/first.us"; echo "$next" >>"$T/next.us"; echo $((first - next)) >>"$T/extra.us"
done
# Where sshd found the key (LogLevel VERBOSE): the comparison is only fair if it says so.
found() { grep -c "Accepted key ED25519 .* found at $1" "$E2E_SSHD_LOG" || true; }
found_local=$(found /home/localbench/.ssh/authorized_keys)
found_dir=$(found /home/dirbench/.ssh/authorized_keys)
found_cmd=$(found "/usr/sbin/dirbind authorized-keys")
first_med=$(median <"$T/first.us")
next_med=$(median <"$T/next.us")
extra_med=$(median <"$T/extra.us")

ratio=$(awk -v d="$dir_med" -v l="$local_med" 'BEGIN {printf "%.3f", d / l}')
verdict_ratio=$(awk -v r="$ratio" 'BEGIN {print (r <= 1.10) ? "PASS" : "MISS"}')
verdict_first=$([ "$extra_med" -le 50000 ] && echo PASS || echo MISS)
spread() { sort -n "$1" | awk '{v[NR] = $1} END {printf "%.1f–%.1f", v[1] / 1000, v[NR] / 1000}'; }
{
    echo
    echo "### ssh key login: directory user vs local user (bench/login.sh)"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs;" \
        "OpenSSH $(ssh -V 2>&1 | sed 's/^OpenSSH_\([^,]*\).*/\1/'), one sshd, one ed25519 key," \
        "\`ssh user@127.0.0.1 true\` wall time (client start to exit), median."
    echo
    echo "| login | runs | median | min–max | target | |"
    echo "|---|---:|---:|---:|---|---|"
    echo "| local user (/etc/passwd, ~/.ssh/authorized_keys) | $RUNS | $(ms "$local_med") ms | $(spread "$T/local.us") | | |"
    echo "| directory user, home exists | $RUNS | $(ms "$dir_med") ms | $(spread "$T/dir.us") | ≤ 110% of local | $verdict_ratio ($(awk -v r="$ratio" 'BEGIN {printf "%.0f%%", r * 100}')) |"
    echo "| directory user, first login (home created) | $FRESH | $(ms "$first_med") ms | $(spread "$T/first.us") | | |"
    echo "| the same users' next login | $FRESH | $(ms "$next_med") ms | $(spread "$T/next.us") | | |"
    echo "| first-login overhead (median of per-user differences) | $FRESH | $(ms "$extra_med") ms | $(spread "$T/extra.us") | ≤ 50 ms | $verdict_first |"
    echo
    echo "Where sshd found the key (its \"Accepted key\" lines over the whole run, two per login: the" \
        "key offered, then its signature): localbench's ~/.ssh/authorized_keys $found_local," \
        "dirbench's ~/.ssh/authorized_keys (written by pam_dirbind) $found_dir, \`dirbind authorized-keys\`" \
        "(the AuthorizedKeysCommand, for first logins: no home yet) $found_cmd."
} >&3
finish
