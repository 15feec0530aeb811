#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_key_refresh.sh — `dirbind sync` rebuilds ~/.ssh/authorized_keys of existing homes whose
# keys changed (common/key_refresh.cc): new users, changed and revoked keys, users that left,
# the system policy; unchanged users and users without a home are left alone. Runs as root in
# a private mount namespace with a tmpfs on /mnt: provisioning trusts a home base only when it
# and every directory above it are root-owned and not world-writable (unlike /tmp).
. "$(dirname "$0")/../lib.sh"
need_root "the authorized_keys refresh (it acts as each user)"
if [ "${DIRBIND_REFRESH_NS:-}" != 1 ]; then
    command -v unshare >/dev/null || skip "unshare(1) not found"
    unshare --mount --fork true 2>/dev/null || skip "cannot create a mount namespace here"
    rc=0
    unshare --mount --fork env DIRBIND_REFRESH_NS=1 "$0" || rc=$?
    exit $rc
fi
mount --make-rprivate /
mount -t tmpfs -o mode=0755,size=64m dirbind-refresh-test /mnt
R=/mnt
mkdir -m 0755 $R/home
use_cache "$R/cache"
printf 'root:x:0:0:root:/root:/bin/bash\n' >"$T/passwd"
printf 'root:x:0:\n' >"$T/group"
cat >"$T/dirbind.yaml" <<EOC
source:
  type: file
  path: $T/directory.yaml
cache_dir: $R/cache
home: $R/home/%u
local_passwd: $T/passwd
local_group: $T/group
EOC
C="$CLI --config $T/dirbind.yaml"
key1=$(test_key alice)
ssh-keygen -q -t ed25519 -N '' -C second -f "$T/key2" && key2=$(cat "$T/key2.pub")

# directory PUBKEY_AUTH ALICE_KEY ALICE_KEY_NAME WITH_BOB: alice and bob have homes, carol
# has none; user10..user59 (50 users, one home among the last ones) make the refresh list
# the home base instead of asking for each home.
directory() {
    {
        echo "system: {public_key_auth: $1}"
        echo "users:"
        echo "  - {name: alice, uid: 5001, gid: 5001, ssh_keys: [{name: $3, key: \"$2\"}]}"
        [ "$4" = yes ] && echo "  - {name: bob, uid: 5002, gid: 5002, ssh_keys: [\"$key1\"]}"
        echo "  - {name: carol, uid: 5003, gid: 5003, ssh_keys: [\"$key1\"]}"
        for i in $(seq 10 59); do echo "  - {name: user$i, uid: $((6000 + i)), gid: $((6000 + i)), ssh_keys: [\"$key1\"]}"; done
    } >"$T/directory.yaml"
}
home() { mkdir -m 0700 "$R/home/$1" && chown "$2:$2" "$R/home/$1"; }
keys_of() { cat "$R/home/$1/.ssh/authorized_keys" 2>/dev/null; }
home alice 5001
home bob 5002
home user57 6057
printf 'not a home\n' >"$R/home/user58"  # not a directory: never a home

directory true "$key1" laptop yes
out=$($C sync 2>&1); check "first sync succeeds" 0 $?
contains "first sync rebuilds the three existing homes" "authorized_keys rebuilt in 3 homes" "$out"
contains "alice gets her key" "$key1" "$(keys_of alice)"
contains "bob gets his key" "$key1" "$(keys_of bob)"
contains "a home found by listing the home base" "$key1" "$(keys_of user57)"
check "no home is made for carol" "" "$(ls -d $R/home/carol 2>/dev/null)"
check "a file in the home base is left alone" "not a home" "$(cat $R/home/user58)"

out=$($C sync 2>&1); check "unchanged sync succeeds" 0 $?
case $out in *rebuilt*) bad "unchanged sync rebuilds nothing: $out" ;; *) ok "unchanged sync rebuilds nothing" ;; esac

directory true "$key1" desk yes
out=$($C sync 2>&1)
case $out in *rebuilt*) bad "a renamed key changes no file: $out" ;; *) ok "a renamed key changes no file" ;; esac

directory true "$key2" desk yes
out=$($C sync 2>&1)
contains "a changed key rebuilds one home" "authorized_keys rebuilt in 1 homes" "$out"
contains "alice has the new key" "$key2" "$(keys_of alice)"
case $(keys_of alice) in *"$key1"*) bad "alice's old key is gone" ;; *) ok "alice's old key is gone" ;; esac

directory true "$key2" desk no
out=$($C sync 2>&1)
contains "bob leaving rebuilds his home" "authorized_keys rebuilt in 1 homes" "$out"
case $(keys_of bob) in *"$key1"*) bad "bob's directory key is revoked" ;; *) ok "bob's directory key is revoked" ;; esac
check "bob's home is kept" "$R/home/bob" "$(ls -d $R/home/bob)"

directory false "$key2" desk no
out=$($C sync 2>&1)
contains "public keys switched off: both remaining homes rebuilt" "authorized_keys rebuilt in 2 homes" "$out"
case $(keys_of alice)$(keys_of user57) in *ssh-ed25519*) bad "no directory key is left" ;; *) ok "no directory key is left" ;; esac
finish
