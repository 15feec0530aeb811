#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_root_login.sh — end to end, scenario 7: root over ssh (PermitRootLogin
# prohibit-password, a key in the sandbox's /root/.ssh — /root is an overlay, the host's is
# never written). Before the first sync dirbind is not in force and sshd_config alone decides;
# when the directory disallows root login root is refused; when it allows it root logs in; a
# cache that exists but cannot be read refuses root (the last policy may have said no).
. "$(dirname "$0")/lib-e2e.sh"

mkkey root
mkkey alice
install -d -m 0700 /root/.ssh
# bash run by sshd reads ~/.bashrc (Debian's SSH_SOURCE_BASHRC): not the host's root's one.
: >/root/.bashrc
pub root >/root/.ssh/authorized_keys
chmod 0600 /root/.ssh/authorized_keys
publish() {  # publish ROOT_LOGIN
    directory_publish <<EOF
system: {public_key_auth: true, root_login: $1}
users:
  - {name: alice, uid: 5001, gid: 5001, ssh_keys: ["$(pub alice)"]}
EOF
    dsync
    check "sync succeeds (root_login: $1)" 0 "$SYNC_RC"
}

start_sshd   # PermitRootLogin prohibit-password
login_key root root 'id -u'
expect_login "no cache yet (dirbind not in force): root's key logs in"
check "... as uid 0" "0" "$OUT"

publish false
login_key root root 'id -u'
expect_refused "the directory disallows root login: root's key is refused"
contains "... and root is told why" "Root login over SSH is disabled by the directory policy" "$ERR $OUT"
sshd_logged "sshd: denied by PAM account" "Access denied for user root by PAM account configuration"
login_key alice alice 'id -un'
expect_login "alice still logs in"

publish true
login_key root root 'id -u'
expect_login "the directory allows root login: root's key logs in"
check "... as uid 0" "0" "$OUT"

# The cache is there but unreadable (corrupt): the root rule cannot be known → refused.
cp /var/lib/dirbind/identity.db "$T/identity.good"
head -c 100 "$T/identity.good" >/var/lib/dirbind/identity.db
login_key root root 'id -u'
expect_refused "corrupt cache: root's key is refused (fail closed)"
cp "$T/identity.good" /var/lib/dirbind/identity.db
login_key root root 'id -u'
expect_login "cache restored: root logs in again"

# The directory can only forbid more than sshd_config: it allows, sshd says no → no.
start_sshd "PermitRootLogin no"
login_key root root 'id -u'
expect_refused "directory allows, PermitRootLogin no: refused"
finish
