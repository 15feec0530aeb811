#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_jumpcloud_login.sh — end to end over JumpCloud's API: `dirbind sync` with the jumpcloud
# source against the double's JumpCloud endpoints (requests signed with the system key and
# checked by the double, the bound users read in pages of 100, the users' details with the API
# key from the organisation's user list, as the default planner chooses), then real ssh logins. The first key login of a JumpCloud user works and creates
# the home, with the managed uid and the binding's POSIX group; the system object's
# allowPublicKeyAuthentication and allowSshPasswordAuthentication govern key and password
# logins; a user whose allow_public_key is false, a user suspended in JumpCloud (after the
# next sync) and hostile JumpCloud records (root, uid 0, a ':' in the name, a local account's
# name, a key with options) never log in; with login_refresh on, a user suspended in JumpCloud
# is refused before the next sync. JumpCloud hands out no password hashes, so a
# JumpCloud user's password is refused even when the system allows passwords (fail closed,
# docs/sources.md).
. "$(dirname "$0")/lib-e2e.sh"
[ "$E2E_SOURCE" = https ] || skip "the JumpCloud endpoints are the double's (DIRBIND_E2E_SOURCE=$E2E_SOURCE)"

JC=/etc/dirbind/jc          # the agent's files, as /opt/jc holds them on a JumpCloud host
install -d -m 0700 "$JC"
openssl genrsa -out "$JC/client.key" 2048 2>/dev/null && chmod 600 "$JC/client.key"
python3 "$SRC/tests/double/gen_jc.py" --key "$JC/client.key" --users 120 --groups 2 >"$DOUBLE_DIR/jc.json" ||
    { bad "gen_jc.py"; finish; }
SYS=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["system_id"])' "$DOUBLE_DIR/jc.json")
(umask 077 && python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["api_key"])' \
    "$DOUBLE_DIR/jc.json" >"$JC/api.key")
printf '{"systemKey": "%s", "agentServer": "agent.jumpcloud.com"}\n' "$SYS" >"$JC/jcagent.conf"
BASE=https://127.0.0.1:$DOUBLE_PORT/api
directory_source_config() {
    printf 'source:\n  type: jumpcloud\n  url: %s\n  agent_config: %s\n' "$BASE" "$JC/jcagent.conf"
    printf '  system_key_file: %s\n  api_key_file: %s\n  ca_file: %s\n' "$JC/client.key" "$JC/api.key" "$DOUBLE_CA"
    printf '  connect_timeout: 1\n  timeout: 5\n  retries: 1\n'
}
write_dirbind_config

# jc PYTHON: edit what the double serves (tests/double/jc_edit.py; `key(name)` reads $T/keys).
jc() { python3 "$SRC/tests/double/jc_edit.py" "$DOUBLE_DIR/jc.json" "$1" "$T/keys"; }
requests() { grep -c -- "$1" "$DOUBLE_DIR/requests.log" 2>/dev/null || true; }

for k in ann sue kit root zero colon local opts; do mkkey "$k"; done
useradd -M -u 4000 -s /bin/bash localuser
# ann: a JumpCloud-managed uid; sue: allocated by the host; kit: allow_public_key false.
jc 'u(1).update(username="ann", enable_managed_uid=True, unix_uid=20001, unix_guid=20001, ssh_keys=[{"name": "laptop", "public_key": key("ann")}])
u(2).update(username="sue", ssh_keys=[{"name": "laptop", "public_key": key("sue")}])
u(3).update(username="kit", allow_public_key=False, ssh_keys=[{"name": "laptop", "public_key": key("kit")}])
add(901, username="root", ssh_keys=[{"name": "k", "public_key": key("root")}])
add(902, username="zero", enable_managed_uid=True, unix_uid=0, unix_guid=0, ssh_keys=[{"name": "k", "public_key": key("zero")}])
add(903, username="ev:il", ssh_keys=[{"name": "k", "public_key": key("colon")}])
add(904, username="localuser", ssh_keys=[{"name": "k", "public_key": key("local")}])
add(905, username="opts", ssh_keys=[{"name": "k", "public_key": "command=\"touch ~/INJECTED\" " + key("opts")}])'
# The system object: keys yes, passwords no (gen_jc.py's default), no root login.
system() {  # system KEYS PASSWORDS: the system object's two switches
    jc "j['system']['allowPublicKeyAuthentication'] = $1; j['system']['allowSshPasswordAuthentication'] = $2"
}

# ---- a sync over the JumpCloud endpoints -----------------------------------------------------
: >"$DOUBLE_DIR/requests.log"
dsync
check "sync succeeds" 0 "$SYNC_RC"
echo "  sync: $SYNC_OUT"
contains "sync summary names the source" "from jumpcloud $BASE" "$SYNC_OUT"
contains "1 system + 2 pages + 2 pages of the organisation's list" "(5 HTTP requests)" "$SYNC_OUT"
check "the double accepted the signed system request" 1 "$(requests "good /api/systems/$SYS 200")"
check "the bound users came in 2 pages of at most 100" "1 1" \
    "$(requests "/api/v2/systems/$SYS/users?limit=100&skip=0 200") $(requests "/api/v2/systems/$SYS/users?limit=100&skip=100 200")"
check "the users' details read with the API key, from the organisation's list" 2 \
    "$(requests "good /api/systemusers?limit=100&skip=[0-9]*&sort=_id&fields=[^ ]* 200")"
check "no request refused (signature, Date, API key)" 0 "$(requests ' 401 ')"
check "NSS: ann has her managed uid" "ann:x:20001:20001" "$(getent passwd ann | cut -d: -f1-4)"
sue_uid=$(getent passwd sue | cut -d: -f3)
check "NSS: sue got a uid allocated in uid_range" yes "$([ "${sue_uid:-0}" -ge 1000 ] && [ "$sue_uid" -le 60000 ] && echo yes)"

start_sshd
check "no home before the first login" absent "$([ -e /home/ann ] && echo present || echo absent)"
login_key ann ann 'id; pwd; stat -c "%U %a" ~/.ssh/authorized_keys'
expect_login "ann's first key login"
check "... id: managed uid, the binding's POSIX group" "uid=20001(ann) gid=20001(ann) groups=20001(ann),7001(team1)
/home/ann
ann 600" "$OUT"
sshd_logged "sshd: key found by the AuthorizedKeysCommand" "Accepted key ED25519 $(fpre ann) found at /usr/sbin/dirbind authorized-keys"
expect_fast "... within 2 s"
login_key sue sue 'id -un'
expect_login "sue's key login"
check "... as sue" "sue" "$OUT"
login_key kit kit id
expect_refused "kit (allow_public_key false): key refused"

# ---- passwords: the system object says no; JumpCloud gives no hash anyway -------------------
login_pw ann 'any-password' id
expect_refused "allowSshPasswordAuthentication false: password refused"
system True True
dsync
check "sync after allowing passwords" 0 "$SYNC_RC"
login_pw ann 'any-password' id
expect_refused "allowSshPasswordAuthentication true: still refused (no hash from JumpCloud: fail closed)"
login_key ann ann 'id -un'
expect_login "... while ann's key still works"

# ---- the system object disallows keys -------------------------------------------------------
system False False
dsync
check "sync after disallowing keys" 0 "$SYNC_RC"
login_key ann ann id
expect_refused "allowPublicKeyAuthentication false: ann's key refused (it is in her authorized_keys)"
absent "... and nothing ran" "uid=" "$OUT"
system True False
dsync
login_key ann ann 'id -un'
expect_login "keys allowed again: ann logs in"

# ---- sue is suspended in JumpCloud -----------------------------------------------------------
jc 'u(2).update(state="SUSPENDED", suspended=True)'
login_key sue sue 'id -un'
expect_login "before the next sync sue still logs in (the cache decides)"
dsync
check "sync after the suspension" 0 "$SYNC_RC"
login_key sue sue id
expect_refused "suspended sue: key refused after the sync"
absent "... and nothing ran" "uid=" "$OUT"
check "the AuthorizedKeysCommand prints no key for sue" "" "$(runuser -u dirbind-keys -- dirbind authorized-keys sue)"
check "sue still resolves (her files keep an owner)" "sue:x:$sue_uid" "$(getent passwd sue | cut -d: -f1-3)"

# ---- hostile JumpCloud records ---------------------------------------------------------------
check "root is the local root" "root:x:0:0" "$(getent passwd root | cut -d: -f1-4)"
check "only root has uid 0" "root" "$(getent passwd | awk -F: '$3 == 0 {print $1}')"
check "localuser is the local account" "4000" "$(getent passwd localuser | cut -d: -f3)"
for who in "root root" "zero zero" "ev:il colon" "localuser local" "opts opts"; do
    set -- $who
    login_key "$1" "$2" 'id; touch ~/LOGGED-IN'
    expect_refused "hostile record '$1': no login"
done
check "no home made for a hostile record" "ann sue" "$(cd /home && ls | tr '\n' ' ' | sed 's/ $//')"
check "nothing injected, no session ran for them" "" "$(find /home /root -name INJECTED -o -name LOGGED-IN 2>/dev/null)"

# ---- login_refresh: JumpCloud asked at login, before any sync ----------------------------------
write_dirbind_config "login_refresh: {enabled: true, timeout: 2}"
login_key ann ann 'id -un'
expect_login "login_refresh on: ann (active in JumpCloud) logs in"
: >"$DOUBLE_DIR/requests.log"
jc 'u(1).update(state="SUSPENDED", suspended=True)'
login_key ann ann id
expect_refused "login_refresh: ann suspended in JumpCloud, refused without a sync"
absent "... and nothing ran" "uid=" "$OUT"
check "... JumpCloud was asked about her" 1 "$(requests "/api/systemusers/5f0000000000000000000001?fields=[^ ]* 200")"
check "... the cache still says active" "active" "$(dirbind lookup user ann 2>&1 | grep -o active | head -1)"
finish
