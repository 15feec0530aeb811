#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_password_login.sh — end to end, scenario 2: password logins of a directory user over a
# real sshd. When the directory allows passwords on this system, the right password logs in
# (keyboard-interactive, and the "password" method when sshd offers it) and a wrong one does
# not; when it disallows them, even the right password is refused. The hash is made now.
. "$(dirname "$0")/lib-e2e.sh"

PW='Correct-Horse-7'
HASH=$(pwhash "$PW")
publish() {  # publish true|false: the directory, with system.password_auth set
    directory_publish <<EOF
system: {password_auth: $1, public_key_auth: true}
users:
  - {name: carol, uid: 5003, gid: 5003, gecos: Carol Example, password_hash: "$HASH", groups: [ops]}
  - {name: nopw, uid: 5004, gid: 5004}
groups:
  - {name: ops, gid: 6002}
EOF
    dsync
    check "sync succeeds (password_auth: $1)" 0 "$SYNC_RC"
}

publish true
start_sshd   # docs/pam.md: KbdInteractiveAuthentication yes, PasswordAuthentication no

login_pw carol "$PW" 'id; pwd'
expect_login "right password, keyboard-interactive: logged in"
check "... as the directory user, in her new home" \
    "uid=5003(carol) gid=5003(carol) groups=5003(carol),6002(ops)
/home/carol" "$OUT"
sshd_logged "sshd: Accepted keyboard-interactive/pam" "Accepted keyboard-interactive/pam for carol from 127.0.0.1"

login_pw carol "wrong-$PW" id
expect_refused "wrong password: refused"
sshd_logged "sshd: Failed keyboard-interactive/pam" "Failed keyboard-interactive/pam for carol from 127.0.0.1"
contains "the client is told 'Permission denied'" "Permission denied" "$ERR"

login_pw carol "" id
expect_refused "empty password: refused"

login_pw nopw "$PW" id
expect_refused "user without a password hash: refused"

# The "password" method (sshd's PasswordAuthentication, still through PAM).
start_sshd "PasswordAuthentication yes"
login_pwauth carol "$PW" 'id -un'
expect_login "right password, password method: logged in"
check "... as carol" "carol" "$OUT"
sshd_logged "sshd: Accepted password" "Accepted password for carol from 127.0.0.1"

# The directory disallows passwords on this system.
publish false
login_pw carol "$PW" id
expect_refused "passwords disallowed: right password refused (keyboard-interactive)"
absent "... and nothing ran" "uid=" "$OUT"
login_pwauth carol "$PW" id
expect_refused "passwords disallowed: right password refused (password method)"

# Allowed again: works again (the switch is read from the cache at every login).
publish true
login_pw carol "$PW" 'id -un'
expect_login "passwords allowed again: logged in"
finish
