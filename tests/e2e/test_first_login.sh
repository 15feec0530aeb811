#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_first_login.sh — end to end, scenario 1: the first public-key login of a directory user
# over a real sshd. The login works; `id` shows the directory's uid, gid and groups; the home
# is created from /etc/skel with login.defs' HOME_MODE and the user as owner;
# ~/.ssh/authorized_keys is 0600 with the directory key; a key the user adds to
# ~/.ssh/authorized_keys.jcorig is honoured from the next login on.
. "$(dirname "$0")/lib-e2e.sh"

mkkey alice
mkkey alice-own
# A non-default HOME_MODE, so the check shows login.defs is read (Debian's default is none).
sed -i '/^[[:space:]]*HOME_MODE/d' /etc/login.defs
echo 'HOME_MODE 0750' >>/etc/login.defs

directory_publish <<EOF
system: {public_key_auth: true}
users:
  - name: alice
    uid: 5001
    gid: 5001
    gecos: Alice Example
    groups: [devs, ops]
    ssh_keys: [{name: laptop, key: "$(pub alice)"}]
groups:
  - {name: devs, gid: 6001}
  - {name: ops, gid: 6002}
EOF
dsync
check "sync succeeds" 0 "$SYNC_RC"
start_sshd
check "no home before the first login" absent "$([ -e /home/alice ] && echo present || echo absent)"

# What alice sees in her first session.
login_key alice alice 'echo "id=$(id)"; echo "pwd=$(pwd)"
    echo "home=$(stat -c "%A %U %G" .)"; echo "ssh=$(stat -c "%A %U %G" .ssh)"
    echo "ak=$(stat -c "%A %U %G %s" .ssh/authorized_keys | cut -d" " -f1-3)"
    echo "keys=$(grep -v "^#" .ssh/authorized_keys | grep -c .)"
    echo "hasdirkey=$(grep -c "'"$(pub alice | cut -d' ' -f2)"'" .ssh/authorized_keys)"
    echo "skel=$(ls -A | sort | tr "\n" " ")"
    echo "bashrc=$(md5sum <.bashrc | cut -d" " -f1)"; echo "bashrcown=$(stat -c "%U %a" .bashrc)"
    echo "shell=$(getent passwd alice | cut -d: -f7)"'
expect_login "first key login of a directory user"
get() { echo "$OUT" | sed -n "s/^$1=//p"; }
check "id shows the directory's uid, gid and groups" \
    "uid=5001(alice) gid=5001(alice) groups=5001(alice),6001(devs),6002(ops)" "$(get id)"
check "the session starts in the new home" "/home/alice" "$(get pwd)"
check "home: HOME_MODE 0750, owned by alice" "drwxr-x--- alice alice" "$(get home)"
check "~/.ssh: 0700, owned by alice" "drwx------ alice alice" "$(get ssh)"
check "~/.ssh/authorized_keys: 0600, owned by alice" "-rw------- alice alice" "$(get ak)"
check "authorized_keys holds exactly the directory key" "1" "$(get keys)"
check "it is alice's directory key" "1" "$(get hasdirkey)"
contains "skel copied (.bashrc)" ".bashrc" "$(get skel)"
contains "skel copied (.profile)" ".profile" "$(get skel)"
check ".bashrc is /etc/skel's" "$(md5sum </etc/skel/.bashrc | cut -d' ' -f1)" "$(get bashrc)"
check ".bashrc belongs to alice, mode from skel" "alice 644" "$(get bashrcown)"
sshd_logged "sshd: key found by the AuthorizedKeysCommand" "Accepted key ED25519 $(fpre alice) found at /usr/sbin/dirbind authorized-keys"
sshd_logged "sshd: publickey login accepted" \
    "Accepted publickey for alice from 127.0.0.1 port [0-9]+ ssh2: ED25519 $(fpre alice)"
sshd_logged "sshd: session opened" "session opened for user alice\(uid=5001\)|User child is on pid|Starting session"

# alice adds a key of her own to the unmanaged-keys file, as herself.
login_key alice alice "umask 077; echo '$(pub alice-own)' >>~/.ssh/authorized_keys.jcorig; stat -c '%a %U' ~/.ssh/authorized_keys.jcorig"
expect_login "alice adds her own key to ~/.ssh/authorized_keys.jcorig"
check "the .jcorig file is hers" "600 alice" "$OUT"
# The next login's session rebuilds authorized_keys: the directory keys, then the .jcorig
# keys (docs/config.md, unmanaged_keys_file). sshd reads authorized_keys before that session
# starts, so the new key counts from the login after the one that merged it.
login_key alice alice 'grep -c ssh-ed25519 ~/.ssh/authorized_keys'
expect_login "next login (directory key)"
check "... its session merged the .jcorig key into authorized_keys" "2" "$OUT"
login_key alice alice-own 'id -un; pwd'
expect_login "the user's own .jcorig key logs in"
check "... as alice, at home" "alice
/home/alice" "$OUT"
sshd_logged "sshd: accepted the user's own key" "Accepted publickey for alice from 127.0.0.1 port [0-9]+ ssh2: ED25519 $(fpre alice-own)"
login_key alice alice 'grep -c ssh-ed25519 ~/.ssh/authorized_keys; stat -c %a ~/.ssh/authorized_keys'
expect_login "the directory key still works"
check "... authorized_keys still holds both keys, 0600" "2
600" "$OUT"
finish
