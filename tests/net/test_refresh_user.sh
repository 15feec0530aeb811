#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_refresh_user.sh — `dirbind refresh-user` (login_refresh's question) over the https source
# against the directory double: a full answer before any sync, 304 "unchanged" after one, a
# suspended or removed user seen without a sync (and the cache left alone), and a slow, stopped
# or absent server failing within the configured timeout, never with a verdict. The jumpcloud
# source: test_refresh_user_jumpcloud.sh.
. "$(dirname "$0")/../lib.sh"
. "$SRC/tests/double/lib.sh"
start_double
key=$(test_key alice)
key_nocomment=$(cut -d' ' -f1,2 <<<"$key")

write_config "$T"
CFG=$T/https.yaml
URL=https://127.0.0.1:$PORT_good/snapshot
cat >"$CFG" <<EOC
source:
  type: https
  url: $URL
  ca_file: $D/ca.pem
  connect_timeout: 5
  timeout: 10
  retries: 3
cache_dir: $T/cache
home: $T/home/%u
local_passwd: $T/passwd
local_group: $T/group
login_refresh: {enabled: true, timeout: 1}
EOC
snapshot() {  # snapshot BOB_STATE [CAROL]
    local carol=
    [ -n "${2:-}" ] && carol=', {"name": "carol", "uid": 5003, "gid": 5003}'
    cat >"$D/snapshot.tmp" <<EOS2
{"system": {"public_key_auth": true, "password_auth": false},
 "users": [{"name": "alice", "uid": 5001, "gid": 5001, "ssh_keys": ["$key"]},
           {"name": "bob", "uid": 5002, "gid": 5002, "state": "$1", "ssh_keys": []}$carol]}
EOS2
    mv "$D/snapshot.tmp" "$D/snapshot"
}
snapshot active carol

# ---- before any sync: no validators, a full answer ----------------------------------------------
refresh alice
check "no sync yet: answers" 0 "$rc"
check "no sync yet: alice as the directory has her" \
    "$(printf 'user alice\nstate active\nsystem password no\nsystem publickey yes\npublickey yes\nkey %s\nend' "$key_nocomment")" \
    "$out"
check "refresh-user writes no cache" "" "$(ls "$T/cache")"

dirbind sync
check "sync" 0 "$rc"

# ---- unchanged since the sync: 304, no verdict beyond the cache ----------------------------------
clear_requests
refresh alice
check "304: answers" 0 "$rc"
check "304: unchanged" "$(printf 'unchanged\nend')" "$out"
check "304: one conditional request" 1 "$(requests_seen 'snapshot 304 not-modified')"

# ---- changed in the directory, not synced yet ----------------------------------------------------
save_cache "$T/cache"
snapshot suspended
refresh bob
check "suspended bob: answers" 0 "$rc"
contains "suspended bob: the verdict says so" "$(printf 'user bob\nstate suspended\n')" "$out"
refresh carol
check "carol removed: gone" "$(printf 'gone\nend')" "$out"
refresh nosuchuser
check "never there: gone" "$(printf 'gone\nend')" "$out"
check "the cache is left alone (the next sync updates it)" same "$(cache_same "$T/cache")"
dirbind lookup user bob
contains "cache still has bob active" "active" "$out"

# ---- no answer in time: a failure, never a verdict -----------------------------------------------
fault '{"kind": "delay", "seconds": 4}'
refresh alice
check "slow server: fails" 1 "$([ "$rc" -ne 0 ] && echo 1 || echo 0)"
check "slow server: no verdict on stdout" "" "$out"
check "slow server: within the timeout (1 s + start-up)" 1 "$([ "$ms" -lt 1800 ] && echo 1 || echo "0 ($ms ms)")"
contains "slow server: says why" "timed out" "$err"
no_fault

kill -STOP "$DOUBLE_PID"
refresh alice
kill -CONT "$DOUBLE_PID"
check "stopped server: fails" 1 "$([ "$rc" -ne 0 ] && echo 1 || echo 0)"
check "stopped server: no verdict" "" "$out"
check "stopped server: within the timeout" 1 "$([ "$ms" -lt 1800 ] && echo 1 || echo "0 ($ms ms)")"

stop_double
refresh alice
check "no server: fails" 1 "$rc"
check "no server: no verdict" "" "$out"
check "no server: fast" 1 "$([ "$ms" -lt 1800 ] && echo 1 || echo "0 ($ms ms)")"

# ---- usage --------------------------------------------------------------------------------------
out=$("$CLI" --config "$CFG" refresh-user 2>&1); rc=$?
check "no name: usage error" 2 "$rc"
out=$("$CLI" --config "$CFG" refresh-user 'bad name' 2>&1); rc=$?
check "bad name: refused" 1 "$rc"
contains "bad name: says so" "is not a valid user name" "$out"
finish
