#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_jumpcloud.sh — the jumpcloud source against the directory double, which checks request
# signatures, the Date skew, the system id and the API key as JumpCloud does: a paged sync of
# 250 users, the mapping (managed and allocated uids, POSIX groups, sudo, state), uid stability,
# a suspended user denied and an unbound user gone after the next sync, the partial-failure rule
# (one user's details failing fails the sync, the cache stays), key and permission refusals, API
# faults, and hostile user data that never reaches the cache. It reads users' details one by one
# (details: per_user); the request planner and 429s are in test_jumpcloud_plan.sh.
. "$(dirname "$0")/../lib.sh"
. "$SRC/tests/double/lib.sh"
start_double
write_config "$T"
uid_of() { timeout 10 "$CLI" --config "$CFG" lookup user "$1" 2>/dev/null | head -1 | cut -d: -f3; }
user_id() { printf '5f%022x' "$1"; }

jc_org --users 250 --managed-every 50 --groups 3
BASE=https://127.0.0.1:$PORT_good/api
CFG=$T/jc.yaml
cat >"$CFG" <<EOC
source:
  type: jumpcloud
  url: $BASE
  agent_config: $T/jcagent.conf
  system_key_file: $T/system.key
  api_key_file: $T/api.key
  ca_file: $D/ca.pem
  connect_timeout: 2
  timeout: 3
  retries: 2
  details: per_user
cache_dir: $T/cache
home: $T/home/%u
local_passwd: $T/passwd
local_group: $T/group
EOC

# ---- a full sync ---------------------------------------------------------------------------
clear_requests
dirbind sync
check "sync succeeds" 0 "$rc"
contains "summary" "synced 250 users, 253 groups, 0 skipped from jumpcloud $BASE" "$out"
contains "requests: 1 system + 3 pages + 250 details" "(254 HTTP requests)" "$out"
check "the double saw 254 requests" 254 "$(requests_seen ' 200 ')"
check "details projected to the mapped fields" 250 "$(requests_seen '/api/systemusers/5f[0-9a-f]*?fields=_id%20username%20')"
check "pages of 100" 3 "$(requests_seen "/api/v2/systems/$SYS/users?limit=100&skip=")"
check "no request refused" 0 "$(requests_seen ' 401 ')"
check "managed uid kept" 20050 "$(uid_of user00050)"
u1=$(uid_of user00001)
check "allocated uid inside uid_range" yes "$([ "$u1" -ge 1000 ] && [ "$u1" -le 60000 ] && echo yes)"
check "allocation table is root-only" 600 "$(stat -c %a "$T/cache/jumpcloud-ids.json")"
check "allocation table holds the 245 unmanaged users" 245 "$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["ids"]))' "$T/cache/jumpcloud-ids.json")"
dirbind lookup group team1
contains "POSIX group from the binding" "team1:x:7001:" "$out"
dirbind lookup user user00001
contains "gecos from displayname" ":User 1:" "$out"
contains "key from ssh_keys" "key:             laptop" "$out"
contains "active" "state:           active" "$out"
all_uids() { for i in 1 2 3 4 5 77 199 250; do printf '%s ' "$(uid_of "$(printf 'user%05d' $i)")"; done; }
before=$(all_uids)
check "uids are distinct" 8 "$(echo "$before" | tr ' ' '\n' | grep -c .)"
check "uids are distinct (no duplicates)" 8 "$(echo "$before" | tr ' ' '\n' | grep . | sort -u | wc -l)"

# ---- a second sync: same uids ----------------------------------------------------------------
dirbind sync
check "second sync succeeds" 0 "$rc"
check "uids stable across syncs" "$before" "$(all_uids)"

# ---- sudo, suspension, unbinding --------------------------------------------------------------
jc 'u(2)["state"] = "SUSPENDED"; u(2)["suspended"] = True
u(4)["account_locked"] = True
users[4]["binding"]["compiledAttributes"]["sudo"] = {"enabled": True, "withoutPassword": True}
users[7]["binding"]["compiledAttributes"]["sudo"] = {"enabled": True, "withoutPassword": False}
u(9)["sudo"] = True
u(6)["systemUsername"] = "sixth"
j["users"] = [x for x in users if x["details"]["_id"] != "5f%022x" % 3]'
uid3=$(uid_of user00003)
uid6=$(uid_of user00006)
dirbind sync
check "sync after changes succeeds" 0 "$rc"
dirbind lookup user user00002
contains "suspended user: cache says suspended" "state:           suspended" "$out"
check "suspended user: no keys" "" "$(with_nss timeout 10 "$CLI" --config "$CFG" authorized-keys user00002)"
dirbind lookup user user00004
contains "locked user" "state:           locked" "$out"
dirbind lookup user user00005
contains "sudo from the binding: without password" "sudo:            yes, without password (group dirbind-sudo-nopasswd)" "$out"
dirbind lookup group dirbind-sudo-nopasswd
check "withoutPassword maps to dirbind-sudo-nopasswd" "dirbind-sudo-nopasswd:x:65601:user00005" "$out"
dirbind lookup group dirbind-sudo
check "enabled (binding) and the user's own sudo map to dirbind-sudo" "dirbind-sudo:x:65600:user00008,user00009" "$out"
dirbind lookup user user00008
contains "sudo with password, but JumpCloud gives no hash: said so" \
    "sudo:            no (the directory says password, but it holds no password hash for this user" "$out"
check "systemUsername wins over username, the uid stays" "$uid6" "$(uid_of sixth)"
dirbind lookup user user00006
check "systemUsername: the username is gone" 1 "$rc"
dirbind lookup user user00003
check "unbound user gone from the cache" 1 "$rc"
jc 'new = {"details": dict(users[0]["details"]), "binding": {}}
new["details"].update({"_id": "5f%022x" % 999, "username": "newcomer", "systemUsername": ""})
users.append(new)'
dirbind sync
new_uid=$(uid_of newcomer)
check "a newcomer does not get the unbound user's uid" yes "$([ -n "$new_uid" ] && [ "$new_uid" != "$uid3" ] && echo yes)"
jc 'import copy
back = copy.deepcopy(users[0]); back["details"].update({"_id": "5f%022x" % 3, "username": "user00003"})
users.append(back)'
dirbind sync
check "a user bound again gets their old uid back" "$uid3" "$(uid_of user00003)"

# ---- failures keep the cache byte for byte -------------------------------------------------
save_cache "$T/cache"
expect_fail() {  # expect_fail NAME MESSAGE
    dirbind sync
    echo "  $1: $out"
    check "$1: sync fails" 1 "$rc"
    contains "$1: message" "$2" "$out"
    check "$1: cache intact" same "$(cache_same "$T/cache")"
    no_fault
}
fault "{\"kind\": \"status\", \"code\": 500, \"path\": \"/api/systemusers/$(user_id 5)\"}"
expect_fail "one user's details fail (partial failure)" "HTTP 500 Internal Server Error"
contains "one user's details fail: the request is named" "GET $BASE/systemusers/$(user_id 5)?fields=" "$out"
fault "{\"kind\": \"status\", \"code\": 403, \"path\": \"/api/systemusers/$(user_id 7)\"}"
expect_fail "one user's details forbidden" "the API key may not read users (403)"
fault '{"kind": "nonjson", "path": "/api/systems/"}'
expect_fail "non-JSON system object" "the response is not valid JSON"
fault '{"kind": "truncate", "path": "skip=100"}'
expect_fail "truncated page" "before the whole response arrived"
fault "{\"kind\": \"badutf8\", \"path\": \"/api/systemusers/$(user_id 9)\"}"
expect_fail "invalid UTF-8 in a user" "not valid UTF-8"
fault '{"kind": "ctype", "path": "/users?", "type": "text/html"}'
expect_fail "wrong content type" "the response is text/html, not application/json"
fault '{"kind": "big", "path": "skip=200", "bytes": 300000000}'
expect_fail "page over the cap" "larger than 268435456 bytes"
fault '{"kind": "delay", "seconds": 4, "path": "/api/systems/"}'
expect_fail "system object past the timeout" "no complete answer within the limits"
control '{"clock_offset": 3600}'
expect_fail "Date skew" "system key rejected (401): check that $T/system.key is the key of system $SYS"
contains "Date skew: the clock is named" "this host's clock" "$out"
openssl genrsa -out "$T/other.key" 2048 2>/dev/null && chmod 600 "$T/other.key"
cp "$T/system.key" "$T/system.key.good" && cp "$T/other.key" "$T/system.key"
expect_fail "the wrong system key" "system key rejected (401)"
cp "$T/system.key.good" "$T/system.key"
secret "$T/api.key" "not-the-key"
expect_fail "the wrong API key" "API key rejected (401): check $T/api.key"
secret "$T/api.key" "$(json_get "$D/jc.json" api_key)"
printf '{"systemKey": "5e0000000000000000000002"}\n' >"$T/jcagent.conf"
expect_fail "another system's id" "system key rejected (401)"
printf '{"systemKey": "../../x"}\n' >"$T/jcagent.conf"
expect_fail "a hostile system id" "is not 24 lower-case hex digits"
printf '{"systemKey": "%s"}\n' "$SYS" >"$T/jcagent.conf"
chmod 644 "$T/system.key"
expect_fail "system key readable by others" "refusing to use system private key $T/system.key: readable by group or others (mode 0644)"
chmod 600 "$T/system.key"
chmod 640 "$T/api.key"
expect_fail "API key readable by group" "refusing to use JumpCloud API key file $T/api.key: readable by group or others (mode 0640)"
chmod 600 "$T/api.key"
chmod 666 "$T/jcagent.conf"
expect_fail "agent config writable by others" "refusing to use JumpCloud agent config $T/jcagent.conf: writable by group or others"
chmod 644 "$T/jcagent.conf"
cp "$T/system.key" "$T/enc.key.src"
openssl rsa -in "$T/enc.key.src" -aes256 -passout pass:x -out "$T/system.key" 2>/dev/null
expect_fail "an encrypted system key (never prompts)" "holds no readable private key"
cp "$T/system.key.good" "$T/system.key"

# ---- retries, PKCS#1, 404 for a vanished user -------------------------------------------------
clear_requests
fault '{"kind": "status", "code": 503, "times": 1, "path": "skip=100"}' '{"kind": "reset", "times": 1, "path": "/api/systemusers/"}'
dirbind sync
check "transient 503 and reset: retried, sync succeeds" 0 "$rc"
no_fault
openssl rsa -in "$T/system.key.good" -traditional -out "$T/system.key" 2>/dev/null
check "PKCS#1 key file" "-----BEGIN RSA PRIVATE KEY-----" "$(head -1 "$T/system.key")"
dirbind sync
check "PKCS#1 system key: sync succeeds" 0 "$rc"
cp "$T/system.key.good" "$T/system.key"
fault "{\"kind\": \"status\", \"code\": 404, \"path\": \"/api/systemusers/$(user_id 8)\"}"
dirbind sync
check "a user deleted meanwhile (404): sync succeeds" 0 "$rc"
contains "a user deleted meanwhile: skipped" "1 skipped" "$out"
no_fault

# ---- --verbose never shows secrets -----------------------------------------------------------
dirbind sync --verbose
check "verbose sync succeeds" 0 "$rc"
contains "verbose logs requests" "GET $BASE/systems/$SYS -> 200" "$out"
case $out in *"$(cat "$T/api.key")"*|*signature=*|*PRIVATE*) bad "verbose output leaks a secret" ;; *) ok "verbose output holds no secret" ;; esac

# ---- progress on a terminal -------------------------------------------------------------------
tty_out=$(timeout 60 script -qec "$CLI --config $CFG sync" /dev/null 2>&1)
contains "progress on a terminal" "user details" "$tty_out"
contains "terminal: summary after the progress" "synced 251 users" "$tty_out"

# ---- hostile user data never reaches the cache -------------------------------------------------
key=$(test_key hostile)
priv=$(tr '\n' '|' <"$T/key" | sed 's/|/\\n/g')
jc "
import copy
def add(n, **kw):
    x = copy.deepcopy(users[0]); x['binding'] = {}
    x['details'].update({'_id': '5f%022x' % (5000 + n), 'systemUsername': ''}); x['details'].update(kw)
    users.append(x)
add(1, username='bad:name')
add(2, username='new\nline')
add(3, username='..')
add(4, username='rootish', enable_managed_uid=True, unix_uid=0, unix_guid=0)
add(5, username='localuser')
add(6, username='root')
add(7, username='keyopts', ssh_keys=[{'name': 'k', 'public_key': 'command=\"/bin/sh\" $key'}])
add(8, username='keynl', ssh_keys=[{'name': 'k', 'public_key': '$key\nssh-ed25519 AAAA injected'}])
add(9, username='pasted', ssh_keys=[{'name': 'k', 'public_key': '$priv'}])
add(10, username='gecosx', displayname='Evil:0:0:root:/root:/bin/sh\nnext')
add(11, username='nametoolong' * 4)
"
dirbind sync
check "hostile data: sync succeeds for the rest" 0 "$rc"
for n in 'bad:name' '..' rootish root nametoolongnametoolongnametoolongnametoolong; do
    dirbind lookup user "$n"
    check "hostile name '$n' not in the cache" 1 "$rc"
done
dirbind lookup user 0
check "uid 0 not served" 1 "$rc"
contains "localuser is left to the local account" "localuser" "$(timeout 10 "$CLI" --config "$CFG" sync 2>&1)"
dirbind lookup user localuser
check "localuser not taken over" 1 "$rc"
check "key with options: dropped" "" "$(with_nss timeout 10 "$CLI" --config "$CFG" authorized-keys keyopts)"
check "key with an embedded newline: dropped" "" "$(with_nss timeout 10 "$CLI" --config "$CFG" authorized-keys keynl)"
check "pasted private key: dropped" "" "$(with_nss timeout 10 "$CLI" --config "$CFG" authorized-keys pasted)"
dirbind lookup user gecosx
contains "gecos: ':' and newline neutralised" "gecosx:x:" "$out"
check "gecos: still one passwd line of 7 fields" 7 "$(echo "$out" | head -1 | awk -F: '{print NF}')"
finish
