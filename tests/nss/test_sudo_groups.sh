#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_sudo_groups.sh — the sudo groups (docs/config.md, "sudo_groups") through real programs and
# the built libnss_dirbind.so.2 under nss_wrapper: getent group by name and gid, id (getgrouplist,
# i.e. the module's initgroups), a user who loses the right or is suspended leaves the group after
# one sync, and names or gids that collide with local groups are refused with a clear message.
. "$(dirname "$0")/../lib.sh"
WRAP=$(find /usr/lib -name libnss_wrapper.so | head -n1)
[ -n "$WRAP" ] || skip "libnss_wrapper.so not installed"
write_config "$T"
export DIRBIND_CACHE_DIR=$T/cache
publish() {  # publish ALICE_SUDO BOB_SUDO BOB_STATE
    cat >"$T/directory.yaml" <<EOF
users:
  - {name: alice, uid: 5001, gid: 5001, groups: [devs], sudo: $1}
  - {name: bob, uid: 5002, gid: 5002, sudo: $2, state: $3}
  - {name: carol, uid: 5003, gid: 5003}
groups:
  - {name: devs, gid: 6001}
EOF
}
sync() { out=$("$CLI" --config "$T/dirbind.yaml" sync 2>&1); rc=$?; }
nw() {
    LD_PRELOAD=$WRAP NSS_WRAPPER_PASSWD=$T/passwd NSS_WRAPPER_GROUP=$T/group NSS_WRAPPER_MODULE_SO_PATH=$NSS_SO \
        NSS_WRAPPER_MODULE_FN_PREFIX=dirbind "$@" 2>&1
}

publish password nopasswd active
sync
check "sync succeeds" 0 "$rc"
check "getent group dirbind-sudo: the password admin" "dirbind-sudo:x:65600:alice" "$(nw getent group dirbind-sudo)"
check "getent group dirbind-sudo-nopasswd: the nopasswd admin" "dirbind-sudo-nopasswd:x:65601:bob" \
    "$(nw getent group dirbind-sudo-nopasswd)"
check "getent group by gid" "dirbind-sudo:x:65600:alice" "$(nw getent group 65600)"
check "id alice (initgroups): devs and dirbind-sudo" \
    "uid=5001(alice) gid=5001(alice) groups=5001(alice),6001(devs),65600(dirbind-sudo)" "$(nw id alice)"
check "id bob: dirbind-sudo-nopasswd" "uid=5002(bob) gid=5002(bob) groups=5002(bob),65601(dirbind-sudo-nopasswd)" \
    "$(nw id bob)"
check "id carol: no sudo group" "uid=5003(carol) gid=5003(carol) groups=5003(carol)" "$(nw id carol)"
check "enumeration lists both groups" "2" "$(nw getent group | grep -c '^dirbind-sudo')"

# One sync takes it away: alice loses the right, bob is suspended.
publish none nopasswd suspended
sync
check "second sync succeeds" 0 "$rc"
check "alice is no longer a sudo admin" "uid=5001(alice) gid=5001(alice) groups=5001(alice),6001(devs)" "$(nw id alice)"
check "suspended bob left dirbind-sudo-nopasswd" "uid=5002(bob) gid=5002(bob) groups=5002(bob)" "$(nw id bob)"
check "an empty sudo group is not served" "" "$(nw getent group dirbind-sudo)"
# ... and gives it back.
publish nopasswd password active
sync
check "alice now sudo without password" "dirbind-sudo-nopasswd:x:65601:alice" "$(nw getent group 65601)"
check "bob now sudo with password" "dirbind-sudo:x:65600:bob" "$(nw getent group 65600)"

# ---- collisions ---------------------------------------------------------------------------
# A directory group with a sudo group's name or gid is refused; the admins still get theirs.
printf '  - {name: dirbind-sudo, gid: 6002, members: [carol]}\n  - {name: ops, gid: 50000, members: [carol]}\n' \
    >>"$T/directory.yaml"
printf 'sudo_groups: {password: {gid: 50000}}\n' >>"$T/dirbind.yaml"
sync
check "sync with colliding directory groups succeeds" 0 "$rc"
contains "the directory group named dirbind-sudo is refused" \
    "skipping group dirbind-sudo ($T/directory.yaml:7): name dirbind-sudo is this host's sudo group (sudo_groups.password in $T/dirbind.yaml)" "$out"
contains "the directory group with its gid is refused" \
    "skipping group ops ($T/directory.yaml:8): gid 50000 is the gid of this host's sudo group dirbind-sudo" "$out"
check "carol did not get in through them" "uid=5003(carol) gid=5003(carol) groups=5003(carol)" "$(nw id carol)"
check "the sudo group has its configured gid and only bob" "dirbind-sudo:x:50000:bob" "$(nw getent group dirbind-sudo)"

# A local group with the name (or the gid): the sudo group is left out, never merged.
sed -i '/^sudo_groups/d' "$T/dirbind.yaml"
publish nopasswd password active
printf 'dirbind-sudo:x:1500:\n' >>"$T/group"
sync
check "sync with a local dirbind-sudo group succeeds" 0 "$rc"
contains "... and says why bob gets no sudo" \
    "sudo group dirbind-sudo left out: sudo_groups.password: the name dirbind-sudo is a local group in $T/group" "$out"
check "getent group dirbind-sudo is the local group alone" "dirbind-sudo:x:1500:" "$(nw getent group dirbind-sudo)"
check "bob is not in it" "uid=5002(bob) gid=5002(bob) groups=5002(bob)" "$(nw id bob)"
check "the other sudo group is still served" "dirbind-sudo-nopasswd:x:65601:alice" "$(nw getent group 65601)"
sed -i '/^dirbind-sudo:/d' "$T/group"
printf 'localadmins:x:65601:\n' >>"$T/group"
sync
contains "a local gid 65601: refused" \
    "sudo_groups.nopasswd: gid 65601 is a local group in $T/group; choose another gid" "$out"
check "alice is not in the local group with that gid" "uid=5001(alice) gid=5001(alice) groups=5001(alice),6001(devs)" \
    "$(nw id alice)"
check "getent group 65601 is the local group alone" "localadmins:x:65601:" "$(nw getent group 65601)"
"$CLI" --config "$T/dirbind.yaml" check-config >"$T/cc.out" 2>&1
contains "check-config lists it" "problem: group dirbind-sudo-nopasswd: sudo_groups.nopasswd: gid 65601 is a local group" \
    "$(cat "$T/cc.out")"
finish
