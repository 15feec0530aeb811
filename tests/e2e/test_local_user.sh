#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_local_user.sh — end to end, scenario 8: a local account (in the sandbox's /etc/passwd)
# logs in exactly as before dirbind was in force — by key and by password, even when the
# directory disallows passwords — and a directory record with the same name is not served:
# NSS answers the local account, the directory's key and password for that name are refused.
. "$(dirname "$0")/lib-e2e.sh"

mkkey local
mkkey impostor
mkkey alice
LPW='Local-Pw-8'
useradd -m -u 4000 -s /bin/bash -c "Local User" localuser
echo "localuser:$LPW" | chpasswd
install -d -m 0700 -o localuser -g localuser /home/localuser/.ssh
pub local >/home/localuser/.ssh/authorized_keys
chown localuser:localuser /home/localuser/.ssh/authorized_keys
chmod 0600 /home/localuser/.ssh/authorized_keys
VIEW='id; pwd; stat -c "%U %G %a" ~ ~/.ssh/authorized_keys'

start_sshd
# Before dirbind has any data (no sync yet): the reference.
check "no cache yet" absent "$([ -e /var/lib/dirbind/identity.db ] && echo present || echo absent)"
login_key localuser local "$VIEW"
expect_login "before dirbind: local key login"
before_key=$OUT
login_pw localuser "$LPW" 'id -un'
expect_login "before dirbind: local password login"
before_passwd=$(getent passwd localuser)

directory_publish <<EOF
system: {password_auth: false, public_key_auth: true}
users:
  - {name: alice, uid: 5001, gid: 5001, ssh_keys: ["$(pub alice)"]}
  - name: localuser
    uid: 5010
    gid: 5010
    password_hash: "$(pwhash Impostor-Pw)"
    ssh_keys: ["$(pub impostor)"]
EOF
dsync
check "sync succeeds" 0 "$SYNC_RC"
contains "sync reports the colliding record skipped" "1 skipped" "$SYNC_OUT"
contains "... naming it" "localuser" "$SYNC_OUT"

check "NSS answers the local account" "$before_passwd" "$(getent passwd localuser)"
check "... for its name only (uid 5010 unknown)" "" "$(getent passwd 5010)"
login_key localuser local "$VIEW"
expect_login "after sync: local key login"
check "... sees exactly what it saw before" "$before_key" "$OUT"
login_pw localuser "$LPW" 'id -un'
expect_login "after sync: local password login, although the directory disallows passwords"
check "... as localuser" "localuser" "$OUT"
login_key localuser impostor id
expect_refused "the directory's key for the same name is refused"
check "the AuthorizedKeysCommand prints nothing for it" "" \
    "$(runuser -u dirbind-keys -- dirbind authorized-keys localuser)"
login_pw localuser Impostor-Pw id
expect_refused "the directory's password for the same name is refused"
login_key alice alice 'id -un'
expect_login "a directory user logs in next to it"
check "... as alice" "alice" "$OUT"

# A local alice added after the last sync (the cache still has the directory's): NSS answers
# the local one first, so the directory's key must not open her account (issue 12 item 1).
# (useradd would refuse: NSS already knows an alice.)
echo 'alice:x:4001:4001:Local Alice:/home/alice-local:/bin/bash' >>/etc/passwd
echo 'alice:*:19000:0:99999:7:::' >>/etc/shadow
echo 'alice:x:4001:' >>/etc/group
install -d -m 0755 -o 4001 -g 4001 /home/alice-local
check "NSS answers the local alice" "4001" "$(getent passwd alice | cut -d: -f3)"
login_key alice alice id
expect_refused "local alice added after the sync: the directory's key is refused"
absent "... and did not land in the local account" "uid=4001" "$OUT"
check "the AuthorizedKeysCommand prints nothing for her" "" \
    "$(runuser -u dirbind-keys -- dirbind authorized-keys alice 4001 2>/dev/null)"
finish
