#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_sudo_cli.sh — sudo as the CLI reports it (docs/config.md, "sudo_groups"): `dirbind lookup
# user` shows each user's effective right, `status` counts them, and `check-config` and `status`
# warn when the sudoers rule file is missing or no longer names the configured groups. The
# shipped rule (packaging/sudo/dirbind) passes `visudo -cf` and names exactly the default groups.
. "$(dirname "$0")/../lib.sh"
write_config "$T"
export DIRBIND_CACHE_DIR=$T/cache
HASH='$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/'
cat >"$T/directory.yaml" <<EOF
users:
  - {name: pat, uid: 5001, gid: 5001, sudo: password, password_hash: "$HASH"}
  - {name: nora, uid: 5002, gid: 5002, sudo: nopasswd}
  - {name: hank, uid: 5003, gid: 5003, sudo: password}
  - {name: sam, uid: 5004, gid: 5004, sudo: nopasswd, state: suspended}
  - {name: uma, uid: 5005, gid: 5005}
EOF
cp "$SRC/packaging/sudo/dirbind" "$T/sudoers"
printf 'sudo_groups: {rule_file: %s}\n' "$T/sudoers" >>"$T/dirbind.yaml"
db() { out=$("$CLI" --config "$T/dirbind.yaml" "$@" 2>&1); rc=$?; }
db sync
check "sync succeeds" 0 "$rc"
sudo_of() { db lookup user "$1"; sed -n 's/^sudo: *//p' <<<"$out"; }
check "lookup: password admin with a hash" "yes, with password (group dirbind-sudo)" "$(sudo_of pat)"
check "lookup: nopasswd admin" "yes, without password (group dirbind-sudo-nopasswd)" "$(sudo_of nora)"
check "lookup: password admin without a hash" \
    "no (the directory says password, but it holds no password hash for this user, so sudo cannot check one: give nopasswd, or use a source with password hashes)" \
    "$(sudo_of hank)"
check "lookup: suspended admin" "no (the directory says nopasswd, but the account is suspended)" "$(sudo_of sam)"
check "lookup: no right" "no" "$(sudo_of uma)"
db status
contains "status counts the effective rights" \
    "sudo:         1 with password (group dirbind-sudo), 1 without (group dirbind-sudo-nopasswd)" "$out"
absent_warning() { case $out in *warning*) bad "$1"; echo "$out" | grep warning ;; *) ok "$1" ;; esac; }
absent_warning "status: no warning with the shipped rule"
db check-config
check "check-config passes" 0 "$rc"
absent_warning "check-config: no warning with the shipped rule"

# The rule edited so that it no longer names a group; then gone.
sed -i 's/^%dirbind-sudo-nopasswd /%wheel /' "$T/sudoers"
db check-config
check "check-config still exits 0 (a warning, not a problem)" 0 "$rc"
contains "check-config warns about the group the rule lost" \
    "warning: sudo: the sudoers rule $T/sudoers does not name %dirbind-sudo-nopasswd (sudo_groups.nopasswd in $T/dirbind.yaml): its members get no sudo from it" \
    "$out"
case $out in *"does not name %dirbind-sudo "*) bad "check-config warns about a group still named" ;; *) ok "... and only that one" ;; esac
db status
contains "status warns too" "warning:      the sudoers rule $T/sudoers does not name %dirbind-sudo-nopasswd" "$out"
# Commented out is not granted; %#gid is.
sed -i 's/^%wheel /# %dirbind-sudo-nopasswd /' "$T/sudoers"
printf '%%#65601 ALL=(ALL:ALL) NOPASSWD: ALL\n' >>"$T/sudoers"
db check-config
absent_warning "a %#gid entry counts as naming the group"
sed -i '$d' "$T/sudoers"
db check-config
contains "a commented-out entry does not" "does not name %dirbind-sudo-nopasswd" "$out"
rm "$T/sudoers"
db check-config
contains "check-config warns when the rule is missing" \
    "warning: sudo: the sudoers rule $T/sudoers is missing: the sudo groups grant nothing" "$out"
# Other names in the config: the shipped rule no longer matches; an existing local group is
# granted by the host's own sudoers and not looked for.
cp "$SRC/packaging/sudo/dirbind" "$T/sudoers"
sed -i '/^sudo_groups/d' "$T/dirbind.yaml"
printf 'sudo_groups: {rule_file: %s, password: {name: admins, gid: 59000}, nopasswd: {name: docker, existing_local_group: true}}\n' \
    "$T/sudoers" >>"$T/dirbind.yaml"
db check-config
contains "renamed group: warned" "does not name %admins (sudo_groups.password" "$out"
case $out in *"%docker"*) bad "an existing local group is not looked for in the rule" ;; *) ok "an existing local group is not looked for" ;; esac
db sync
check "nora (nopasswd) gets the local docker group's gid" "yes, without password (group docker)" "$(sudo_of nora)"
db lookup user nora
contains "... as a supplementary group" "groups:          998" "$out"

# The shipped file: valid for sudo, and it names the default groups.
if command -v visudo >/dev/null; then
    check "visudo -cf accepts packaging/sudo/dirbind" "0" "$(visudo -cf "$SRC/packaging/sudo/dirbind" >/dev/null 2>&1; echo $?)"
    printf '%%dirbind-sudo ALL=(ALL ALL\n' >"$T/broken"
    check "visudo -cf refuses a broken copy (the check can fail)" "1" "$(visudo -cf "$T/broken" >/dev/null 2>&1; echo $?)"
else
    echo "SKIP (part): visudo missing (Debian package sudo): the shipped rule was not parsed"
fi
check "the shipped rule grants exactly the default groups" \
    "$(printf '%%dirbind-sudo ALL=(ALL:ALL) ALL\n%%dirbind-sudo-nopasswd ALL=(ALL:ALL) NOPASSWD: ALL')" \
    "$(grep -v '^#' "$SRC/packaging/sudo/dirbind" | grep .)"
finish
