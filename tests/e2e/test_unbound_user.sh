#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_unbound_user.sh — end to end, scenario 5: a user the directory no longer binds to this
# host. After the next sync NSS no longer knows them and their login is refused — even with
# their key still in ~/.ssh/authorized_keys — while their home is kept for the admin.
. "$(dirname "$0")/lib-e2e.sh"

mkkey dave
mkkey alice
publish() {  # publish WITH_DAVE
    { echo "system: {public_key_auth: true}"
      echo "users:"
      echo "  - {name: alice, uid: 5001, gid: 5001, ssh_keys: [\"$(pub alice)\"]}"
      [ "$1" = no ] || echo "  - {name: dave, uid: 5007, gid: 5007, ssh_keys: [\"$(pub dave)\"]}"
    } | directory_publish
    dsync
    check "sync succeeds (dave bound: $1)" 0 "$SYNC_RC"
}

publish yes
start_sshd
login_key dave dave 'id -un; echo note >~/notes.txt'
expect_login "dave, bound: key login works"
check "NSS knows dave" "dave:x:5007:5007" "$(getent passwd dave | cut -d: -f1-4)"

publish no
check "after sync NSS no longer knows dave" "" "$(getent passwd dave)"
check "... nor his uid" "" "$(getent passwd 5007)"
login_key dave dave id
expect_refused "dave's key login is refused (his authorized_keys still lists the key)"
sshd_logged "sshd: dave is an invalid user now" "Invalid user dave from 127.0.0.1"
check "his home is kept, with his files (owned by his old uid)" "5007 note" \
    "$(stat -c %u /home/dave/notes.txt 2>&1) $(cat /home/dave/notes.txt 2>&1)"
login_key alice alice 'id -un'
expect_login "alice, still bound, logs in"

publish yes
login_key dave dave 'id -un; cat ~/notes.txt'
expect_login "bound again: dave logs in, into his kept home"
check "... with his files" "dave
note" "$OUT"
finish
