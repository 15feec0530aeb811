#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_suspended_locked.sh — end to end, scenario 4: a suspended or locked directory user is
# refused, by key and by password — also when the key is still in ~/.ssh/authorized_keys
# from an earlier login — and stays refused after the directory source is gone (the sync
# fails, the last cache stays in force: a failed sync never widens access).
. "$(dirname "$0")/lib-e2e.sh"

mkkey sue
mkkey lock
mkkey alice
PW='Pw-State-4'
HASH=$(pwhash "$PW")
publish() {  # publish SUE_STATE LOCK_STATE
    directory_publish <<EOF
system: {password_auth: true, public_key_auth: true}
users:
  - {name: alice, uid: 5001, gid: 5001, ssh_keys: ["$(pub alice)"]}
  - {name: sue, uid: 5005, gid: 5005, state: $1, password_hash: "$HASH", ssh_keys: ["$(pub sue)"]}
  - {name: lock, uid: 5006, gid: 5006, state: $2, password_hash: "$HASH", ssh_keys: ["$(pub lock)"]}
EOF
    dsync
    check "sync succeeds (sue $1, lock $2)" 0 "$SYNC_RC"
}

publish active active
start_sshd
login_key sue sue 'id -un'
expect_login "sue, active: key login works (her home and authorized_keys are made)"
login_pw lock "$PW" 'id -un'
expect_login "lock, active: password login works"

publish suspended locked
refused_all() {  # refused_all WHEN
    login_key sue sue id
    expect_refused "$1: suspended sue's key is refused"
    absent "... nothing ran" "uid=" "$OUT"
    login_pw sue "$PW" id
    expect_refused "$1: suspended sue's password is refused"
    login_key lock lock id
    expect_refused "$1: locked user's key is refused"
    login_pw lock "$PW" id
    expect_refused "$1: locked user's password is refused"
    login_key alice alice 'id -un'
    expect_login "$1: active alice still logs in"
}
refused_all "after sync"
check "sue stays resolvable (her files keep an owner)" "sue:x:5005:5005" "$(getent passwd sue | cut -d: -f1-4)"
check "her shadow password is locked" "!" "$(getent shadow sue | cut -d: -f2 | cut -c1)"

# The directory source disappears: sync fails, the cache stays, the refusal stays.
before=$(md5sum </var/lib/dirbind/identity.db)
directory_unreachable
dsync
check "sync without a source fails" 1 "$([ "$SYNC_RC" -ne 0 ] && echo 1 || echo 0)"
contains "... with a clear error naming the source" "$DIRECTORY" "$SYNC_OUT"
check "the cache is kept" "$before" "$(md5sum </var/lib/dirbind/identity.db)"
refused_all "source gone"
finish
