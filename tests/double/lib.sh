# SPDX-License-Identifier: Apache-2.0
# lib.sh — sourced by tests/net/test_*.sh after tests/lib.sh: starts the directory double
# (double.py) with a fresh PKI in $T/double, scripts its faults, and runs dirbind bounded in
# time. Network: 127.0.0.1 only.
DOUBLE=$SRC/tests/double
D=$T/double
# The tests' configs keep their cache in $T/cache.
use_cache "$T/cache"
DOUBLE_PID=
command -v python3 >/dev/null || skip "python3 missing (Debian package python3)"
python3 -c 'import cryptography' 2>/dev/null || skip "python3-cryptography missing"
command -v openssl >/dev/null || skip "openssl missing"

# json_get FILE KEY: a top-level value of a JSON file (python3: jq is not a build dependency).
json_get() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

stop_double() { [ -n "$DOUBLE_PID" ] && kill "$DOUBLE_PID" 2>/dev/null; wait "$DOUBLE_PID" 2>/dev/null; DOUBLE_PID=; }
trap 'stop_double; rm -rf "$T"' EXIT

# start_double: PKI, server, and PORT_<listener> variables (good expired otherhost wrongca mtls plain proxy).
start_double() {
    mkdir -p "$D"
    python3 "$DOUBLE/mkcerts.py" "$D" || { echo "FAIL: mkcerts"; exit 1; }
    python3 "$DOUBLE/double.py" --dir "$D" --lifetime 600 >"$D/out.log" 2>&1 &
    DOUBLE_PID=$!
    for _ in $(seq 100); do [ -s "$D/ports.json" ] && break; sleep 0.1; done
    [ -s "$D/ports.json" ] || { echo "FAIL: the double did not start"; cat "$D/out.log"; exit 1; }
    local n
    for n in good expired otherhost wrongca mtls plain proxy; do
        eval "PORT_$n=$(json_get "$D/ports.json" "$n")"
    done
}

# fault JSON...: the double's faults from now on (each argument one fault object).
fault() {
    local IFS=,
    printf '{"faults": [%s]}\n' "$*" >"$D/control.json.tmp" && mv "$D/control.json.tmp" "$D/control.json"
}
control() { printf '%s\n' "$1" >"$D/control.json.tmp" && mv "$D/control.json.tmp" "$D/control.json"; }
no_fault() { rm -f "$D/control.json"; }

# Requests the double saw whose log line contains $1 (since the log was last cleared).
requests_seen() { grep -c -- "$1" "$D/requests.log" 2>/dev/null || true; }
clear_requests() { : >"$D/requests.log"; }

# secret FILE CONTENT: a root-only (0600) file.
secret() { (umask 077 && printf '%s\n' "$2" >"$1") && chmod 600 "$1"; }

# dirbind ARGS...: the CLI on $CFG, at most 60 s, stdout+stderr in $out, status in $rc.
dirbind() { out=$(timeout 60 "$CLI" --config "$CFG" "$@" 2>&1); rc=$?; }

# Byte-for-byte snapshot of the cache and its comparison.
save_cache() { cp "$1/identity.db" "$T/identity.before" && cp "$1/secrets.db" "$T/secrets.before"; }
cache_same() {
    cmp -s "$1/identity.db" "$T/identity.before" && cmp -s "$1/secrets.db" "$T/secrets.before" && echo same || echo changed
}

# jc PYTHON: edits the JumpCloud data the double serves (tests/double/jc_edit.py: `u(i)`…).
jc() { python3 "$DOUBLE/jc_edit.py" "$D/jc.json" "$1"; }

# refresh NAME: `dirbind refresh-user NAME` on $CFG; stdout in $out, stderr in $err, status in
# $rc, wall time in $ms.
refresh() {
    local t0 t1
    t0=$(date +%s%N)
    out=$(timeout 20 "$CLI" --config "$CFG" refresh-user "$1" 2>"$T/err"); rc=$?
    t1=$(date +%s%N)
    err=$(cat "$T/err")
    ms=$(((t1 - t0) / 1000000))
}

# jc_org GEN_JC_ARGS...: a JumpCloud organisation in the double (gen_jc.py: --users N …) and
# this host's side of it: $T/system.key (the system's key pair), $T/jcagent.conf (systemKey
# $SYS), $T/api.key (the administrator API key, root-only).
SYS=5e0000000000000000000001
jc_org() {
    openssl genrsa -out "$T/system.key" 2048 2>/dev/null && chmod 600 "$T/system.key"
    python3 "$DOUBLE/gen_jc.py" --key "$T/system.key" "$@" >"$D/jc.json"
    secret "$T/api.key" "$(json_get "$D/jc.json" api_key)"
    printf '{"systemKey": "%s", "agentServer": "agent.jumpcloud.com"}\n' "$SYS" >"$T/jcagent.conf"
}
