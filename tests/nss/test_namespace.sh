#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_namespace.sh — the installed module answers through the real glibc (nsswitch.conf,
# no wrappers) inside a private mount namespace: getent, id, ls -l, getent shadow, and
# cache replacement seen by a running process. The host is never changed.
. "$(dirname "$0")/../lib.sh"
need_root "the namespace test"
command -v unshare >/dev/null || skip "unshare missing"
key=$(test_key alice)
cat >"$T/directory.yaml" <<EOF
system: {public_key_auth: true}
users:
  - {name: alice, uid: 5001, gid: 5001, gecos: Alice, groups: [devs], password_hash: "\$6\$abc\$def",
     ssh_keys: [{name: laptop, key: "$key"}]}
  - {name: bob, uid: 5002, gid: 5002, state: locked}
groups:
  - {name: devs, gid: 6001}
EOF
cat >"$T/inside.sh" <<EOF
SANDBOX=$T/sb BUILD=$BUILD . $SRC/tests/sandbox.sh
cp $T/directory.yaml /etc/dirbind/directory.yaml
printf 'source: {type: file, path: /etc/dirbind/directory.yaml}\n' >/etc/dirbind/dirbind.yaml
dirbind sync >/dev/null
echo "passwd=\$(getent passwd alice)"
echo "id=\$(id alice)"
touch /home/f && chown 5001:6001 /home/f && echo "ls=\$(stat -c '%U %G' /home/f)"
echo "shadow=\$(getent shadow alice | cut -d: -f1-2)"
echo "shadowbob=\$(getent shadow bob | cut -d: -f1-2)"
echo "nobody=\$(getent passwd 5001 | cut -d: -f1)"
sed -i 's/gecos: Alice,/gecos: Alice Two,/' /etc/dirbind/directory.yaml
dirbind sync >/dev/null
echo "after=\$(getent passwd alice | cut -d: -f5)"
EOF
out=$(unshare --mount --net --fork bash -e "$T/inside.sh" 2>&1) || { echo "$out"; bad "sandbox run"; finish; }
get() { echo "$out" | sed -n "s/^$1=//p"; }
check "getent passwd through glibc" "alice:x:5001:5001:Alice:/home/alice:/bin/bash" "$(get passwd)"
check "id through glibc" "uid=5001(alice) gid=5001(alice) groups=5001(alice),6001(devs)" "$(get id)"
check "ls -l shows names" "alice devs" "$(get ls)"
check "shadow for root" 'alice:$6$abc$def' "$(get shadow)"
check "locked user gets !" 'bob:!*' "$(get shadowbob)"
check "by uid" "alice" "$(get nobody)"
check "new sync seen" "Alice Two" "$(get after)"
check "host nsswitch untouched" "" "$(grep dirbind /etc/nsswitch.conf || true)"
check "host cache untouched" "no" "$([ -e /var/lib/dirbind/identity.db ] && echo yes || echo no)"
finish
