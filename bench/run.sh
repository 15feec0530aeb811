#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# run.sh — `make bench`: at 1k/10k/100k/1M generated users, times `dirbind sync` of the JSON
# directory and single NSS lookups against dirbind, nss_files and libnss-cache, then prints
# the table that docs/benchmarks.md records (also left in BUILD/bench/report.md).
#
# At each size it also times `dirbind authorized-keys` (bench/keys_cmd.sh) against the floor of
# /bin/true, both spawned by bench/spawn_time.c.
#
# Usage: bench/run.sh BUILD    (BUILD holds dirbind and libnss_dirbind.so.2; `make bench`)
# Environment: DIRBIND_BENCH_SIZES="1000 10000" for a quick run; DIRBIND_BENCH_SYNC_TIMEOUT
# (seconds, default 450) per sync; DIRBIND_BENCH_AKC_RUNS (default 300) spawns per figure;
# DIRBIND_BENCH_JC_PLAN=0 leaves out bench/jumpcloud_plan.sh;
# DIRBIND_BENCH_HTTPS=0 / DIRBIND_BENCH_LOGIN=0 / DIRBIND_BENCH_LDAP=0 leave out bench/https.sh /
# bench/login.sh (ssh logins in the end-to-end sandbox, root only) / bench/ldap.sh (slapd, SSSD
# and nslcd, root only; it installs the two peers from Debian and its own DIRBIND_BENCH_LDAP_*
# variables size it). Generated data lives in one mktemp dir, removed at exit;
# nothing is written outside it but BUILD/bench. nss_files is measured inside a private mount
# namespace (unshare, root) where the generated passwd/group are bind-mounted over /etc.
set -euo pipefail

BUILD=${1:?usage: bench/run.sh BUILD}
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SIZES=${DIRBIND_BENCH_SIZES:-1000 10000 100000 1000000}
SYNC_TIMEOUT=${DIRBIND_BENCH_SYNC_TIMEOUT:-450}
AKC_RUNS=${DIRBIND_BENCH_AKC_RUNS:-300}
OUT=$BUILD/bench
RAW=$OUT/results.txt
CXXFLAGS_BENCH="-std=c++20 -O2 -Wall -Wextra -Werror -Wshadow -Wformat=2"

say() { echo "bench: $*" >&2; }
die() { say "$*"; exit 1; }

for f in "$BUILD/dirbind" "$BUILD/libnss_dirbind.so.2"; do [ -e "$f" ] || die "$f missing: run make all"; done
[ -x /usr/bin/time ] || die "/usr/bin/time missing: install the Debian package 'time' (make deps)"
command -v python3 >/dev/null || die "python3 missing (make deps)"

mkdir -p "$OUT"
say "compiling the bench tools into $OUT"
${CXX:-g++} $CXXFLAGS_BENCH -o "$OUT/gen_data" "$SRC/bench/gen_data.cc"
${CXX:-g++} $CXXFLAGS_BENCH -o "$OUT/bench_nss" "$SRC/bench/bench_nss.cc" -ldl
${CC:-gcc} -std=c11 -O2 -Wall -Wextra -Werror -o "$OUT/spawn_time" "$SRC/bench/spawn_time.c"

T=$(mktemp -d "${TMPDIR:-/tmp}/dirbind-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM HUP  # so that the EXIT trap cleans up on ^C too

# nss_files needs /etc/passwd and /etc/group to be the generated files: only in a private
# mount namespace, never on the host. Without one (not root) nss_files is reported n/a.
can_unshare=no
if [ "$(id -u)" = 0 ] && unshare --mount --propagation private true 2>/dev/null; then can_unshare=yes; fi
[ $can_unshare = yes ] || say "no private mount namespace (needs root): nss_files will be n/a"

# run_lookups DIR N: bench_nss over the population in DIR.
run_lookups() {
    local d=$1 n=$2
    local args=(--users "$n" --data "$d" --cache "$d/cache" --home "$d/home"
                --dirbind "$(realpath "$BUILD/libnss_dirbind.so.2")")
    if [ $can_unshare = yes ]; then
        unshare --mount --propagation private -- /bin/sh -c \
            'mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/group && shift 2 && exec "$@"' \
            sh "$d/passwd" "$d/group" "$OUT/bench_nss" "${args[@]}"
    else
        "$OUT/bench_nss" "${args[@]}"
    fi
}

started=$(date +%s)
{
    echo "meta date $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "meta cpu $(grep -m1 '^model name' /proc/cpuinfo | sed 's/^[^:]*: *//')"
    echo "meta nproc $(nproc)"
    echo "meta memory $(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
    echo "meta kernel $(uname -r)"
    echo "meta glibc $(dpkg-query -W -f '${Version}' libc6 2>/dev/null || ldd --version | head -1)"
    echo "meta libnss-cache $(dpkg-query -W -f '${Version}' libnss-cache 2>/dev/null || echo 'not installed')"
    rev=$(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo 'no commit yet')
    echo "meta tree $rev, $(git -C "$SRC" status --porcelain 2>/dev/null | grep -c '^.M') files modified"
    echo "meta load-start $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "meta sizes $SIZES"
    echo "meta akc-runs $AKC_RUNS"
} >"$RAW"

for n in $SIZES; do
    d=$T/$n
    mkdir -p "$d"
    say "$n users: generating"
    # Homes under the scratch dir: the sync's authorized_keys refresh looks at every home.
    "$OUT/gen_data" "$n" "$d" "$d/home"
    printf 'root:x:0:0:root:/root:/bin/bash\n' >"$d/local_passwd"
    printf 'root:x:0:\n' >"$d/local_group"
    cat >"$d/dirbind.yaml" <<EOC
source:
  type: file
  path: $d/directory.json
cache_dir: $d/cache
uid_range: {min: 100000, max: 2000000000}
home: $d/home/%u
local_passwd: $d/local_passwd
local_group: $d/local_group
EOC
    export DIRBIND_CACHE_DIR=$d/cache  # every dirbind program of this size reads that cache
    say "$n users: dirbind sync (timeout ${SYNC_TIMEOUT}s)"
    json_bytes=$(stat -c %s "$d/directory.json")
    rc=0
    timeout --kill-after=10 "$SYNC_TIMEOUT" /usr/bin/time -o "$d/time" -f '%e %M' \
        "$BUILD/dirbind" --config "$d/dirbind.yaml" sync >"$d/sync.log" 2>&1 || rc=$?
    if [ $rc = 0 ]; then
        read -r secs kib <"$d/time"
        echo "sync $n ok $secs $kib $json_bytes" >>"$RAW"
        say "$n users: dirbind authorized-keys ($AKC_RUNS spawns each)"
        # A failure must leave a row saying so: report.py shows every size, measured or not.
        if akc=$("$SRC/bench/keys_cmd.sh" "$OUT/spawn_time" "$BUILD/dirbind" "$d/dirbind.yaml" \
            user0000001 "$AKC_RUNS" 2>"$d/akc.err"); then
            echo "akc $n ok $akc" >>"$RAW"
        else
            say "$n users: authorized-keys bench failed: $(tail -n1 "$d/akc.err")"
            echo "akc $n failed" >>"$RAW"
        fi
    else
        [ $rc = 124 ] || [ $rc = 137 ] && status=timeout || status=failed
        say "$n users: sync $status (exit $rc):"
        tail -5 "$d/sync.log" >&2
        rm -rf "$d/cache"
        echo "sync $n $status - - $json_bytes" >>"$RAW"
    fi
    say "$n users: lookups"
    run_lookups "$d" "$n" >>"$RAW" || say "$n users: bench_nss failed (exit $?); its rows are missing"
    rm -rf "$d"
done
{
    echo "meta load-end $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "meta elapsed $(($(date +%s) - started))"
} >>"$RAW"

python3 "$SRC/bench/report.py" "$RAW" >"$OUT/report.md"
cat "$OUT/report.md"

# ---- network sources (issue 3): bench/https.sh ---------------------------------------------
# A JumpCloud sync of 10,000 users and a no-change (304) snapshot sync against the directory
# double on 127.0.0.1. Its own section of the report; a failure there does not lose the above.
if [ "${DIRBIND_BENCH_HTTPS:-1}" = 1 ]; then
    say "network sources: bench/https.sh"
    "$SRC/bench/https.sh" "$BUILD" >"$OUT/https.md" && cat "$OUT/https.md" >>"$OUT/report.md" &&
        cat "$OUT/https.md" || say "bench/https.sh failed (exit $?)"
fi

# ---- JumpCloud request budget (issue 16): bench/jumpcloud_plan.sh ---------------------------
# Requests, bytes and time per sync, per-user path against the planner, organisations of 10k and
# 50k users, hosts of 10, 1,000 and 10,000 bound users, and the fleet arithmetic.
if [ "${DIRBIND_BENCH_JC_PLAN:-1}" = 1 ]; then
    say "jumpcloud request budget: bench/jumpcloud_plan.sh"
    "$SRC/bench/jumpcloud_plan.sh" "$BUILD" >"$OUT/jumpcloud_plan.md" &&
        cat "$OUT/jumpcloud_plan.md" >>"$OUT/report.md" && cat "$OUT/jumpcloud_plan.md" ||
        say "bench/jumpcloud_plan.sh failed (exit $?)"
fi

# ---- ssh logins (issue 5): bench/login.sh ---------------------------------------------------
# A directory user's key login against a local user's, and the first login's home creation,
# over a real sshd inside the end-to-end sandbox (root only). Its own section, like the above.
if [ "${DIRBIND_BENCH_LOGIN:-1}" = 1 ]; then
    say "ssh logins: bench/login.sh"
    "$SRC/bench/login.sh" "$BUILD" 3>"$OUT/login.md" >"$OUT/login.log" 2>&1 &&
        cat "$OUT/login.md" >>"$OUT/report.md" && cat "$OUT/login.md" ||
        say "bench/login.sh failed (exit $?; its log: $OUT/login.log)"
fi

# ---- LDAP source (issue 15): bench/ldap.sh --------------------------------------------------
# dirbind's sync from a real slapd (full, unchanged, one change) and SSSD and nslcd reading the
# same directory, in a private namespace (root only). Its raw lines are reported even when it
# stopped part way: what was not measured says so.
if [ "${DIRBIND_BENCH_LDAP:-1}" = 1 ]; then
    say "LDAP source: bench/ldap.sh (its log: $OUT/ldap.log)"
    rc=0
    "$SRC/bench/ldap.sh" "$BUILD" "$OUT/ldap.txt" >"$OUT/ldap.log" 2>&1 || rc=$?
    [ $rc = 0 ] || say "bench/ldap.sh failed (exit $rc): $(tail -n1 "$OUT/ldap.log")"
    [ -s "$OUT/ldap.txt" ] && python3 "$SRC/bench/report.py" --ldap "$OUT/ldap.txt" >"$OUT/ldap.md" &&
        cat "$OUT/ldap.md" >>"$OUT/report.md" && cat "$OUT/ldap.md"
fi
