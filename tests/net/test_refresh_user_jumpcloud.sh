#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_refresh_user_jumpcloud.sh — `dirbind refresh-user` (login_refresh's question) over the
# jumpcloud source against the directory double: the sync's name → JumpCloud id map (root-only,
# only the users it cached), then changes made in the directory without a sync — a suspended
# user, a removed key, a user's or the system's public-key switch turned off, a deleted or
# renamed user, a malformed record — seen by refresh-user in two requests (the signed system
# object and the user's record); a name the map lacks, a refused key, a slow, stopped or absent
# server failing within the timeout with nothing on stdout; the cache and the side files left
# byte for byte.
. "$(dirname "$0")/../lib.sh"
. "$SRC/tests/double/lib.sh"
start_double
write_config "$T"
# key_of I: user I's directory key as an answer line carries it (type and base64, no comment).
key_of() {
    python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
d = next(x["details"] for x in j["users"] if x["details"]["_id"] == "5f%022x" % int(sys.argv[2]))
print(" ".join(d["ssh_keys"][0]["public_key"].split()[:2]))' "$D/jc.json" "$1"
}

jc_org --users 6 --managed-every 5
CFG=$T/jc.yaml
cat >"$CFG" <<EOC
source:
  type: jumpcloud
  url: https://127.0.0.1:$PORT_good/api
  agent_config: $T/jcagent.conf
  system_key_file: $T/system.key
  api_key_file: $T/api.key
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
answer() {  # answer STATE SYSTEM_PUBLICKEY USER_PUBLICKEY [KEY]: the expected verdict's lines
    printf 'state %s\nsystem password no\nsystem publickey %s\npublickey %s\n' "$1" "$2" "$3"
    [ -n "${4:-}" ] && printf 'key %s\n' "$4"
    printf 'end'
}
MAP=$T/cache/jumpcloud-users.json
map_names() { python3 -c 'import json, sys; print(" ".join(sorted(json.load(open(sys.argv[1]))["users"])))' "$MAP"; }

# ---- before a sync: no map, so no answer --------------------------------------------------------
refresh user00001
check "no sync yet: fails" 1 "$([ "$rc" -ne 0 ] && echo 1 || echo 0)"
check "no sync yet: nothing on stdout" "" "$out"
contains "no sync yet: says why" "is not in the last sync's user map" "$err"

# ---- the sync keeps the map, for the users it cached only ----------------------------------------
jc 'u(4)["systemUsername"] = "bad name!"'  # mapped, then dropped by the validator
dirbind sync
check "sync" 0 "$rc"
contains "sync: user00004 skipped" "synced 5 users" "$out"
check "user map is root-only" 600 "$(stat -c %a "$MAP")"
check "user map: the cached users only" "user00001 user00002 user00003 user00005 user00006" "$(map_names)"
check "user map: name → JumpCloud id" 5f0000000000000000000002 \
    "$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["users"]["user00002"])' "$MAP")"

save_cache "$T/cache"
for f in jumpcloud-users.json jumpcloud-ids.json status.json; do cp "$T/cache/$f" "$T/$f.before"; done
side_same() {
    local f
    for f in jumpcloud-users.json jumpcloud-ids.json status.json; do
        cmp -s "$T/cache/$f" "$T/$f.before" || { echo "$f changed"; return; }
    done
    echo same
}

# ---- unchanged directory: the user as the cache has them, in two requests -------------------------
k1=$(key_of 1)
clear_requests
refresh user00001
check "active user: answers" 0 "$rc"
check "active user: the full verdict" "$(printf 'user user00001\n'; answer active yes yes "$k1")" "$out"
check "two requests" 2 "$(requests_seen ' 200 ')"
check "one signed system request" 1 "$(requests_seen "/api/systems/$SYS ")"
check "one user request" 1 "$(requests_seen "/api/systemusers/5f0000000000000000000001?fields=_id%20username[^ ]* 200")"
refresh user00005
check "managed-uid user: answers" "$(printf 'user user00005\n'; answer active yes yes "$(key_of 5)")" "$out"

# ---- changed in JumpCloud, not synced: refresh-user sees it --------------------------------------
jc 'u(1)["state"] = "SUSPENDED"; u(1)["suspended"] = True'
refresh user00001
check "suspended: answers" 0 "$rc"
check "suspended: the verdict says so" "$(printf 'user user00001\n'; answer suspended yes yes "$k1")" "$out"

jc 'u(2)["ssh_keys"] = []'
refresh user00002
check "key removed: no key line" "$(printf 'user user00002\n'; answer active yes yes)" "$out"

jc 'u(3)["allow_public_key"] = False'
refresh user00003
check "user's public-key switch off" "$(printf 'user user00003\n'; answer active yes no "$(key_of 3)")" "$out"

jc 'j["system"]["allowPublicKeyAuthentication"] = False'
refresh user00006
check "system's public-key switch off" "$(printf 'user user00006\n'; answer active no yes "$(key_of 6)")" "$out"

jc 'j["users"] = [x for x in users if x["details"]["_id"] != "5f%022x" % 2]'
clear_requests
refresh user00002
check "deleted (404): answers" 0 "$rc"
check "deleted (404): gone" "$(printf 'gone\nend')" "$out"
check "deleted: the double answered 404" 1 "$(requests_seen "/api/systemusers/5f0000000000000000000002?fields=[^ ]* 404")"

jc 'u(3)["systemUsername"] = "third"'
refresh user00003
check "renamed in JumpCloud: gone under the old name" "$(printf 'gone\nend')" "$out"

jc 'u(6)["allow_public_key"] = "yes"'
refresh user00006
check "malformed record (the sync would skip it): gone" "$(printf 'gone\nend')" "$out"

# ---- names the map lacks: the cache decides ------------------------------------------------------
refresh nosuchuser
check "unknown name: fails" 1 "$([ "$rc" -ne 0 ] && echo 1 || echo 0)"
check "unknown name: nothing on stdout" "" "$out"
contains "unknown name: says why" "'nosuchuser' is not in the last sync's user map" "$err"
refresh user00004
check "user the sync skipped: fails" 1 "$([ "$rc" -ne 0 ] && echo 1 || echo 0)"
check "user the sync skipped: nothing on stdout" "" "$out"
refresh third
check "the new name before a sync: fails" "" "$out"

# ---- refusals and no answer in time: a failure, never a verdict ----------------------------------
secret "$T/api.key" "not-the-key"
refresh user00001
check "wrong API key: fails" 1 "$([ "$rc" -ne 0 ] && echo 1 || echo 0)"
check "wrong API key: nothing on stdout" "" "$out"
contains "wrong API key: says why" "API key rejected (401)" "$err"
secret "$T/api.key" "$(json_get "$D/jc.json" api_key)"

fault '{"path": "/api/systemusers/", "kind": "delay", "seconds": 4}'
refresh user00001
check "slow user request: fails" 1 "$([ "$rc" -ne 0 ] && echo 1 || echo 0)"
check "slow user request: no verdict on stdout" "" "$out"
check "slow user request: within the timeout (1 s + start-up)" 1 "$([ "$ms" -lt 1800 ] && echo 1 || echo "0 ($ms ms)")"
contains "slow user request: says why" "timed out" "$err"
fault '{"path": "/api/systems/", "kind": "delay", "seconds": 4}'
refresh user00001
check "slow system request: fails" 1 "$([ "$rc" -ne 0 ] && echo 1 || echo 0)"
check "slow system request: no verdict" "" "$out"
check "slow system request: within the timeout" 1 "$([ "$ms" -lt 1800 ] && echo 1 || echo "0 ($ms ms)")"
# A start-up slower than the transport's share of the timeout (here a large user map to read
# first): the timer ends the command before curl's own timeout, and still says why.
cp -p "$MAP" "$T/map.saved"
python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
j["users"].update({"filler%06d" % i: "5e%022x" % i for i in range(400000)})
open(sys.argv[1], "w").write(json.dumps(j))' "$MAP"
fault '{"path": "/api/systemusers/", "kind": "delay", "seconds": 4}'
refresh user00001
check "slow start-up: fails" 1 "$([ "$rc" -ne 0 ] && echo 1 || echo 0)"
check "slow start-up: no verdict" "" "$out"
check "slow start-up: within the timeout" 1 "$([ "$ms" -lt 1800 ] && echo 1 || echo "0 ($ms ms)")"
contains "slow start-up: the timer says why" "timed out: no answer within login_refresh.timeout (1000 ms)" "$err"
cp -p "$T/map.saved" "$MAP"
fault '{"path": "/api/systems/", "kind": "status", "code": 503}'
clear_requests
refresh user00001
check "503 for the system: fails" 1 "$([ "$rc" -ne 0 ] && echo 1 || echo 0)"
check "503 for the system: one attempt (no retry)" 1 "$(requests_seen "/api/systems/$SYS 503")"
check "503 for the system: no verdict" "" "$out"
no_fault

kill -STOP "$DOUBLE_PID"
refresh user00001
kill -CONT "$DOUBLE_PID"
check "stopped server: fails" 1 "$([ "$rc" -ne 0 ] && echo 1 || echo 0)"
check "stopped server: no verdict" "" "$out"
check "stopped server: within the timeout" 1 "$([ "$ms" -lt 1800 ] && echo 1 || echo "0 ($ms ms)")"

stop_double
refresh user00001
check "no server: fails" 1 "$([ "$rc" -ne 0 ] && echo 1 || echo 0)"
check "no server: no verdict" "" "$out"
check "no server: fast" 1 "$([ "$ms" -lt 1800 ] && echo 1 || echo "0 ($ms ms)")"

# ---- nothing written -----------------------------------------------------------------------------
check "the cache is left alone (the next sync updates it)" same "$(cache_same "$T/cache")"
check "the side files and status.json are left alone" same "$(side_same)"
dirbind lookup user user00001
contains "cache still has user00001 active" "state:           active" "$out"

out=$(timeout 20 "$CLI" --config "$CFG" check-config 2>&1)
check "check-config no longer warns about login_refresh" "" "$(grep 'warning: login_refresh' <<<"$out")"
finish
