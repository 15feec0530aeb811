#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# jumpcloud_plan.sh — the request budget of a jumpcloud sync (issue 16) against the directory
# double on 127.0.0.1: for organisations of ORGS users and hosts of BOUND bound users, one sync
# with `details: per_user` (the old path) and one with the planner (`auto`, organisation size
# already known, as on every sync but a host's first): requests, bytes received (the double's
# body sizes), wall seconds, and whether both caches hold the same number of users and groups
# (tests/net/test_jumpcloud_plan.sh compares their content user by user). Then the fleet line:
# 1,000 hosts on the shipped timer (once a minute), from the measured per-sync requests.
# Prints a markdown section for docs/benchmarks.md.
#
# Usage: bench/jumpcloud_plan.sh BUILD   (bench/run.sh calls it at its end)
# Environment: DIRBIND_BENCH_JC_ORGS (default "10000 50000"), DIRBIND_BENCH_JC_BOUND (default
# "10 1000 10000"), DIRBIND_BENCH_JC_RATE (the double's rate limit to compare the fleet with,
# requests/s, default 10000: JumpCloud publishes none).
set -euo pipefail

BUILD=${1:?usage: bench/jumpcloud_plan.sh BUILD}
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ORGS=${DIRBIND_BENCH_JC_ORGS:-10000 50000}
BOUNDS=${DIRBIND_BENCH_JC_BOUND:-10 1000 10000}
RATE=${DIRBIND_BENCH_JC_RATE:-10000}
HOSTS=1000
CLI=$BUILD/dirbind
say() { echo "bench/jumpcloud_plan: $*" >&2; }
die() { say "$*"; exit 1; }
[ -x "$CLI" ] || die "$CLI missing: run make all"
export DIRBIND_NET_PLUGIN=${DIRBIND_NET_PLUGIN:-$(realpath "$BUILD")/dirbind-net.so}
[ -f "$DIRBIND_NET_PLUGIN" ] || die "$DIRBIND_NET_PLUGIN missing: run make all"
python3 -c 'import cryptography' 2>/dev/null || die "python3-cryptography missing"
json_get() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

T=$(mktemp -d "${TMPDIR:-/tmp}/dirbind-bench-jcplan.XXXXXX")
D=$T/double
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

mkdir -p "$D"
python3 "$SRC/tests/double/mkcerts.py" "$D"
openssl genrsa -out "$T/system.key" 2048 2>/dev/null
chmod 600 "$T/system.key"
printf 'root:x:0:0:root:/root:/bin/bash\n' >"$T/passwd"
printf 'root:x:0:\n' >"$T/group"
python3 "$SRC/tests/double/double.py" --dir "$D" --lifetime 7200 >"$D/out.log" 2>&1 &
PID=$!
for _ in $(seq 100); do [ -s "$D/ports.json" ] && break; sleep 0.1; done
[ -s "$D/ports.json" ] || die "the double did not start: $(cat "$D/out.log")"
PORT=$(json_get "$D/ports.json" good)
# The double's rate limit (one token bucket for every /api request): the measured syncs run under
# it, and the fleet figures below are compared with it.
printf '{"rate_limit": {"rate": %s, "burst": %s}}\n' "$RATE" "$RATE" >"$D/control.json"

# config NAME DETAILS: $T/NAME.yaml with its own cache.
config() {
    rm -rf "$T/$1" && mkdir -p "$T/$1"
    {
        printf 'source:\n  type: jumpcloud\n  url: https://127.0.0.1:%s/api\n  agent_config: %s\n' "$PORT" "$T/jcagent.conf"
        printf '  system_key_file: %s\n  api_key_file: %s\n  ca_file: %s\n  details: %s\n' \
            "$T/system.key" "$T/api.key" "$D/ca.pem" "$2"
        printf 'cache_dir: %s\nuid_range: {min: 10000, max: 2000000000}\nhome: %s\nlocal_passwd: %s\nlocal_group: %s\n' \
            "$T/$1" "$T/home/%u" "$T/passwd" "$T/group"
    } >"$T/$1.yaml"
}
# on NAME ARGS...: the CLI as host NAME (its config and its cache, $DIRBIND_CACHE_DIR).
on() {
    local name=$1
    shift
    DIRBIND_CACHE_DIR=$T/$name "$CLI" --config "$T/$name.yaml" "$@"
}
# measure NAME: one sync; prints "requests bytes seconds". The double's log also has lines for
# connections ("good - connection"); a request's line has its path as the second field.
measure() {
    : >"$D/requests.log"
    local t0 t1
    t0=$(date +%s%N)
    on "$1" sync >"$T/sync.log" 2>&1 || die "$1: sync failed: $(tail -3 "$T/sync.log")"
    t1=$(date +%s%N)
    local req bytes
    req=$(awk '$2 ~ /^\// {n++} END {print n + 0}' "$D/requests.log")
    bytes=$(awk '$2 ~ /^\// {for (i = 3; i <= NF; i++) if ($i ~ /^bytes=/) s += substr($i, 7)} END {print s + 0}' "$D/requests.log")
    echo "$req $bytes $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", (b - a) / 1e9}')"
}
# counts NAME: "N users, M groups" of host NAME's cache.
counts() { on "$1" status | sed -n 's/.*(\([0-9]* users, [0-9]* groups\),.*/\1/p'; }
# fleet_rate REQUESTS: requests/s of $HOSTS hosts whose syncs start evenly over the timer's 30 s
# window each minute (RandomizedDelaySec=30s, FixedRandomDelay=yes), each sending REQUESTS.
fleet_rate() { echo $(($1 * HOSTS / 30)); }
mib() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1048576}'; }

rows=()
worst_small=0
worst_big=0
under=()
over=()
for org in $ORGS; do
    for b in $BOUNDS; do
        [ "$b" -le "$org" ] || continue
        say "organisation of $org, $b bound users"
        python3 "$SRC/tests/double/gen_jc.py" --key "$T/system.key" --users "$b" --org "$org" \
            --managed-every 10 --groups 20 >"$D/jc.json"
        (umask 077 && json_get "$D/jc.json" api_key >"$T/api.key")
        printf '{"systemKey": "%s"}\n' "$(json_get "$D/jc.json" system_id)" >"$T/jcagent.conf"
        config old per_user
        config new auto
        on new sync >/dev/null 2>&1 || die "first planned sync failed"  # learns the org size
        read -r o_req o_bytes o_s <<<"$(measure old)"
        read -r n_req n_bytes n_s <<<"$(measure new)"
        same=no
        [ "$(counts old)" = "$(counts new)" ] && same="yes ($(counts new))"
        rows+=("| $org | $b | $o_req | $n_req | $(mib "$o_bytes") | $(mib "$n_bytes") | $o_s | $n_s | $same | $(fleet_rate "$o_req") | $(fleet_rate "$n_req") |")
        [ "$b" = 10 ] && [ "$n_req" -gt "$worst_small" ] && worst_small=$n_req
        if [ "$b" = 10000 ] && [ "$org" = 10000 ]; then worst_big=$n_req; fi
        if [ "$(fleet_rate "$n_req")" -le "$RATE" ]; then under+=("$org/$b"); else over+=("$org/$b"); fi
    done
done

verdict() { if [ "$1" -le "$2" ]; then echo "met ($1 ≤ $2)"; else echo "**missed** ($1 > $2)"; fi; }
cat <<EOF
### JumpCloud request budget (bench/jumpcloud_plan.sh)

Against the directory double on 127.0.0.1, one sync per path after a first sync that learned the
organisation's size. Requests include the system object and the bound-user pages; bytes are the
response bodies the double sent; "same" compares the users and groups the two caches hold (the
cache files differ in their random hash seed and creation time; tests/net/test_jumpcloud_plan.sh
compares the content user by user).

| organisation | bound | requests, per user | requests, planned | MiB, per user | MiB, planned | s, per user | s, planned | same | fleet req/s, per user | fleet req/s, planned |
|---|---|---|---|---|---|---|---|---|---|---|
$(printf '%s\n' "${rows[@]}")

- 10,000 bound in a 10k organisation: $( [ "$worst_big" -gt 0 ] && verdict "$worst_big" 201 || echo "not measured in this run") (target 1 + 100 + 100).
- 10 bound: $( [ "$worst_small" -gt 0 ] && verdict "$worst_small" 12 || echo "not measured in this run") (target 12).
- Fleet ("fleet req/s"): $HOSTS hosts on the shipped timer (dirbind-sync.timer: OnCalendar=minutely,
  RandomizedDelaySec=30s, FixedRandomDelay=yes: each host starts at its own fixed offset within the
  first 30 s of every minute). With the offsets spread evenly, $HOSTS × R requests arrive within
  30 s: $HOSTS × R / 30 requests/s while they last (the minute's average is half that), R being one
  host's requests per sync. The double's configured limit is $RATE/s (\`rate_limit\` in its
  control.json; JumpCloud publishes no figure). Planned, under it (organisation/bound):
  ${under[*]:-none}; over it: ${over[*]:-none}$( [ ${#over[@]} -gt 0 ] && echo " (there: details_every, or fewer hosts per organisation)").
  A host that is answered 429 anyway stays away until Retry-After (tests/net/test_jumpcloud_plan.sh).
EOF
