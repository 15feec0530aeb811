#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_key_revocation.sh — end to end, scenario 9: a key removed in the directory stops working
# after the next sync: the AuthorizedKeysCommand no longer prints it, the sync rebuilds the
# existing home's ~/.ssh/authorized_keys without it (and does not park it in the user's
# .jcorig), and the login with it is refused — also if the stale line comes back into
# authorized_keys (e.g. a home restored from a backup).
. "$(dirname "$0")/lib-e2e.sh"

mkkey k1
mkkey k2
publish() {  # publish KEYNAME...
    local k keys=""
    for k in "$@"; do keys="$keys{name: $k, key: \"$(pub "$k")\"}, "; done
    directory_publish <<EOF
system: {public_key_auth: true}
users:
  - {name: alice, uid: 5001, gid: 5001, ssh_keys: [${keys%, }]}
EOF
    dsync
    check "sync succeeds (keys: $*)" 0 "$SYNC_RC"
}
blob() { pub "$1" | cut -d' ' -f2; }
keys_cmd() { runuser -u dirbind-keys -- dirbind authorized-keys alice "$@"; }

publish k1 k2
start_sshd
login_key alice k2 'id -un; grep -c ssh-ed25519 ~/.ssh/authorized_keys'
expect_login "k2 logs in while the directory lists it"
check "... authorized_keys has both keys" "alice
2" "$OUT"
contains "the AuthorizedKeysCommand prints k2" "$(blob k2)" "$(keys_cmd)"

publish k1
contains "sync rebuilt alice's authorized_keys" "authorized_keys rebuilt in 1 home" "$SYNC_OUT"
absent "the AuthorizedKeysCommand no longer prints k2" "$(blob k2)" "$(keys_cmd)"
check "... not even when asked for its fingerprint" "" "$(keys_cmd "$(fp k2)")"
contains "... but still prints k1" "$(blob k1)" "$(keys_cmd)"
# Before anyone logs in again: what the sync left in the home.
absent "the rebuilt authorized_keys lacks k2" "$(blob k2)" "$(cat /home/alice/.ssh/authorized_keys)"
contains "... and keeps k1" "$(blob k1)" "$(cat /home/alice/.ssh/authorized_keys)"
absent "k2 was not parked in .jcorig" "$(blob k2)" "$(cat /home/alice/.ssh/authorized_keys.jcorig 2>/dev/null)"
check "authorized_keys is still alice's, 0600" "alice 600" "$(stat -c '%U %a' /home/alice/.ssh/authorized_keys)"

login_key alice k2 id
expect_refused "k2 is refused after the sync"
sshd_logged "sshd: k2 failed" "Failed publickey for alice from 127.0.0.1 port [0-9]+ ssh2: ED25519 $(fpre k2)"
login_key alice k1 'id -un; cat ~/.ssh/authorized_keys'
expect_login "k1 still logs in"
absent "... and her session shows no k2" "$(blob k2)" "$OUT"

# A stale copy of the revoked line comes back (a restored backup): still refused.
pub k2 >>/home/alice/.ssh/authorized_keys
login_key alice k2 id
expect_refused "k2 back in authorized_keys (not by the directory): refused"
absent "... nothing ran" "uid=" "$OUT"
contains "... and she is told why" "no longer authorised" "$ERR $OUT"
finish
