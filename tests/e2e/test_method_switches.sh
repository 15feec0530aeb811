#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_method_switches.sh — end to end, scenario 3: the directory's public-key switches.
# When the system disallows public keys, a directory user's key login is refused (also with
# the key still in ~/.ssh/authorized_keys from an earlier login) while a password login, being
# allowed, works — and rebuilds authorized_keys without the key. When one user's
# public_key_auth is false, that user's key is refused and the others' keys work.
. "$(dirname "$0")/lib-e2e.sh"

mkkey alice
mkkey bob
PW='Pw-Alice-3'
HASH=$(pwhash "$PW")
publish() {  # publish SYSTEM_KEYS BOB_KEYS
    directory_publish <<EOF
system: {password_auth: true, public_key_auth: $1}
users:
  - {name: alice, uid: 5001, gid: 5001, password_hash: "$HASH", ssh_keys: ["$(pub alice)"]}
  - {name: bob, uid: 5002, gid: 5002, public_key_auth: $2, password_hash: "$HASH", ssh_keys: ["$(pub bob)"]}
EOF
    dsync
    check "sync succeeds (system keys $1, bob's keys $2)" 0 "$SYNC_RC"
}

publish true true
start_sshd
login_key alice alice 'id -un; grep -c ssh-ed25519 ~/.ssh/authorized_keys'
expect_login "keys allowed: alice's key logs in"
check "... and her key is in authorized_keys" "alice
1" "$OUT"

# ---- the system disallows public keys
publish false true
login_key alice alice id
expect_refused "system disallows keys: alice's key refused (although it is still in authorized_keys)"
absent "... and nothing ran" "uid=" "$OUT"
sshd_logged "sshd: the key was not accepted" "Failed publickey for alice|Access denied for user alice|pam_open_session"
login_key bob bob id
expect_refused "system disallows keys: bob's key refused"
login_pw alice "$PW" 'id -un; echo "dirkeys=$(grep -c ssh-ed25519 ~/.ssh/authorized_keys)"'
expect_login "system disallows keys: alice's password still logs in"
check "... and that session removed the directory key from authorized_keys" "alice
dirkeys=0" "$OUT"
check "the AuthorizedKeysCommand prints no key" "" "$(runuser -u dirbind-keys -- dirbind authorized-keys alice)"

# ---- keys allowed again on the system, but not for bob
publish true false
login_key alice alice 'id -un'
expect_login "system allows keys again: alice's key logs in"
login_key bob bob id
expect_refused "bob's public_key_auth is false: his key is refused"
absent "... and nothing ran" "uid=" "$OUT"
check "the AuthorizedKeysCommand prints no key for bob" "" "$(runuser -u dirbind-keys -- dirbind authorized-keys bob)"
login_pw bob "$PW" 'id -un'
expect_login "bob's password still logs in"
check "... as bob" "bob" "$OUT"
finish
