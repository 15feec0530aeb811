#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_login_refresh.sh — end to end, issue 4's optional login_refresh: with it on, a change in
# the directory that no sync has brought into the cache yet counts at the next login — a user
# suspended a moment ago is refused, a removed user is refused, a key removed from the user is
# refused (at session start: sshd runs the account step before it names a one-method login's
# key) and left out of the rebuilt authorized_keys — while a directory that cannot be read
# leaves the cache in charge: logins go on, fast.
. "$(dirname "$0")/lib-e2e.sh"

mkkey alice
mkkey bob
mkkey bob2
mkkey carol
publish() {  # publish ALICE_STATE BOB_KEYS [THIRD_USER_LINE]
    local third="  - {name: carol, uid: 5003, gid: 5003, ssh_keys: [\"$(pub carol)\"]}"
    [ $# -ge 3 ] && third=$3
    directory_publish <<EOF
system: {password_auth: false, public_key_auth: true}
users:
  - {name: alice, uid: 5001, gid: 5001, state: $1, ssh_keys: ["$(pub alice)"]}
  - {name: bob, uid: 5002, gid: 5002, ssh_keys: [$2]}
$third
EOF
}
write_dirbind_config "login_refresh: {enabled: true, timeout: 1}"
publish active "\"$(pub bob)\", \"$(pub bob2)\""
dsync
check "sync succeeds" 0 "$SYNC_RC"
start_sshd

login_key alice alice 'id -un'
expect_login "alice, active in cache and directory: key login works"
check "... as alice" alice "$OUT"

# ---- changed in the directory, no sync -------------------------------------------------------
publish suspended "\"$(pub bob2)\"" "  - {name: dave, uid: 5004, gid: 5004}"
login_key alice alice id
expect_refused "alice suspended in the directory (cache: active): refused"
contains "... and told why" "suspended" "$ERR"
sshd_logged "... by the PAM account step" "Access denied for user alice by PAM account configuration"
login_key carol carol id
expect_refused "carol removed from the directory (cache: present): refused"
contains "... and told why" "no longer enabled on this system" "$ERR"
login_key bob bob id
expect_refused "bob's key removed in the directory (cache: still his): refused"
sshd_logged "... at session start" "pam_open_session\(\): Cannot make/remove an entry for the specified session"
login_key bob bob2 'id -un'
expect_login "bob's remaining key still works"
ak=$(cat /home/bob/.ssh/authorized_keys 2>&1)
contains "... his authorized_keys holds it" "$(pub bob2 | cut -d' ' -f2)" "$ak"
absent "... and no longer the key the directory removed (the cache still lists it)" "$(pub bob | cut -d' ' -f2)" "$ak"
check "the cache was not written by any of this" "active" "$(dirbind lookup user alice 2>&1 | grep -o active | head -1)"

# ---- the directory cannot be read: the cache decides -------------------------------------------
# Every way the source can fail (https: stopped, resets, hangs past the timeout, 503); a hang
# costs at most the timeout (1 s) and the margin (0.5 s) on top of a login.
for how in $E2E_UNREACHABLE_MODES; do
    directory_unreachable "$how"
    login_key carol carol 'id -un'
    expect_login "directory unreachable ($how): carol logs in from the cache"
    expect_fast "... within the refresh deadline" 2500
done
login_key alice alice 'id -un'
expect_login "directory unreachable: alice (active in the cache) logs in: nothing fresher is known"

# ---- off: the cache alone ------------------------------------------------------------------------
publish suspended "\"$(pub bob2)\""
write_dirbind_config
login_key alice alice 'id -un'
expect_login "login_refresh off: alice (active in the cache) logs in until the next sync"
dsync
login_key alice alice id
expect_refused "... and is refused after it"

# ---- passwords switched off in the directory, no sync: both password methods (issue 12 item 4).
# sshd runs keyboard-interactive's account step in a forked child (SSH_AUTH_INFO_0 empty there,
# its PAM data lost): the session step must ask the directory itself.
PW='Pw-Refresh-Scenario-4'
pw_directory() {  # pw_directory true|false
    directory_publish <<EOF
system: {password_auth: $1, public_key_auth: true}
users:
  - {name: erin, uid: 5005, gid: 5005, password_hash: "$(pwhash "$PW")"}
EOF
}
pw_directory true
write_dirbind_config "login_refresh: {enabled: true, timeout: 1}"
dsync
check "sync (erin, passwords on) succeeds" 0 "$SYNC_RC"
start_sshd "PasswordAuthentication yes"
login_pw erin "$PW" 'id -un'
expect_login "erin, passwords on: keyboard-interactive password login works"
pw_directory false
login_pw erin "$PW" id
expect_refused "passwords off in the directory (cache: on): keyboard-interactive login refused"
absent "... and nothing ran" "uid=" "$OUT"
login_pwauth erin "$PW" id
expect_refused "... and the password method too"
absent "... and nothing ran" "uid=" "$OUT"
finish
