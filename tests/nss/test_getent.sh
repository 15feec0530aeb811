#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_getent.sh — real programs (getent, id) resolve directory users through the built
# libnss_dirbind.so.2 under nss_wrapper, from a cache written by `dirbind sync`.
. "$(dirname "$0")/../lib.sh"
WRAP=$(find /usr/lib -name libnss_wrapper.so | head -n1)
[ -n "$WRAP" ] || skip "libnss_wrapper.so not installed"
write_config "$T"
key=$(test_key alice)
cat >"$T/directory.yaml" <<EOF
system: {password_auth: false, public_key_auth: true, root_login: false, mfa: false}
users:
  - {name: alice, uid: 5001, gid: 5001, gecos: Alice Example, groups: [devs, ops],
     ssh_keys: [{name: laptop, key: "$key"}]}
  - {name: bob, uid: 5002, gid: 6001, gecos: Bob, state: suspended}
  - {name: localuser, uid: 5003, gid: 5003}
  - {name: mallory, uid: 1000, gid: 5004}
groups:
  - {name: devs, gid: 6001}
  - {name: ops, gid: 6002}
EOF
"$CLI" --config "$T/dirbind.yaml" sync >"$T/sync.out" 2>&1 || { cat "$T/sync.out"; bad "sync"; finish; }

nw() {
    LD_PRELOAD=$WRAP NSS_WRAPPER_PASSWD=$T/passwd NSS_WRAPPER_GROUP=$T/group NSS_WRAPPER_MODULE_SO_PATH=$NSS_SO \
        NSS_WRAPPER_MODULE_FN_PREFIX=dirbind DIRBIND_CACHE_DIR=$T/cache "$@" 2>&1
}
check "getent passwd alice" "alice:x:5001:5001:Alice Example:$T/home/alice:/bin/bash" "$(nw getent passwd alice)"
check "getent passwd by uid" "bob:x:5002:6001:Bob:$T/home/bob:/bin/bash" "$(nw getent passwd 5002)"
check "getent group devs lists members" "devs:x:6001:alice" "$(nw getent group devs)"
check "private group served" "alice:x:5001:" "$(nw getent group alice)"
check "id shows directory groups" "uid=5001(alice) gid=5001(alice) groups=5001(alice),6001(devs),6002(ops)" "$(nw id alice)"
check "local name is never served by dirbind" "localuser:x:1000:1000::/home/localuser:/bin/sh" "$(nw getent passwd localuser)"
check "local uid is never served by dirbind" "" "$(nw getent passwd mallory)"
check "unknown user" "" "$(nw getent passwd nosuchuser)"
check "root stays local" "root:x:0:0:root:/root:/bin/bash" "$(nw getent passwd 0)"
all=$(nw getent passwd | grep -c ':500[0-9]:')
check "enumeration lists directory users" "2" "$all"
finish
