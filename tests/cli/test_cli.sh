#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_cli.sh — the dirbind command as an admin uses it: sync, status, lookup, check-config,
# authorized-keys, and the error messages for the usual mistakes. Cache kept on failure.
. "$(dirname "$0")/../lib.sh"
write_config "$T"
# NSS as on a host (lib.sh with_nss): $T/nss-passwd is what the files source answers.
cp "$T/passwd" "$T/nss-passwd"
C="with_nss $CLI --config $T/dirbind.yaml"
key=$(test_key alice)
fp=$(ssh-keygen -lf "$T/key.pub" | awk '{print $2}')
ssh-keygen -q -t ed25519 -N '' -C second -f "$T/key2" && key2=$(cat "$T/key2.pub")
directory() {  # directory PUBKEY_AUTH
cat >"$T/directory.yaml" <<EOF
system: {password_auth: false, public_key_auth: $1}
users:
  - {name: alice, uid: 5001, gid: 5001, gecos: Alice, groups: [devs],
     ssh_keys: [{name: laptop, key: "$key"}, {name: desk, key: "$key2"}]}
  - {name: bob, uid: 5002, gid: 5002, state: suspended, ssh_keys: ["$key"]}
  - {name: "eve:0", uid: 5003, gid: 5003}
  - {name: root, uid: 0, gid: 0}
groups:
  - {name: devs, gid: 6001}
EOF
}
directory true

out=$($C sync 2>&1); rc=$?
check "sync succeeds" 0 $rc
contains "sync summary" "synced 2 users, 3 groups, 2 skipped from file $T/directory.yaml" "$out"
contains "bad name skipped with reason" "eve:0" "$out"
contains "uid 0 refused" "root" "$out"

out=$($C lookup user alice); check "lookup user exit" 0 $?
contains "lookup user line" "alice:x:5001:5001:Alice:$T/home/alice:/bin/bash" "$out"
contains "lookup shows key fingerprint" "laptop $fp" "$out"
check "lookup group by gid" "devs:x:6001:alice" "$($C lookup group 6001)"
out=$($C lookup user nosuch 2>&1); check "lookup unknown exits 1" 1 $?
contains "lookup unknown message" "no user 'nosuch' in the cache" "$out"

out=$($C status); check "status exit" 0 $?
contains "status source" "source:       file $T/directory.yaml" "$out"
contains "status counts" "(2 users, 3 groups" "$out"
contains "status policy" "public-key auth yes" "$out"
contains "status no error" "last error:   none" "$out"

check "authorized-keys prints the keys" "$(printf '%s\n%s' "$key" "$key2")" "$($C authorized-keys alice)"
check "authorized-keys by fingerprint" "$key" "$($C authorized-keys alice "$fp")"
check "authorized-keys suspended user: nothing" "" "$($C authorized-keys bob)"
# sshd's %U: the keys are printed only for the account sshd resolved (issue 12 item 1).
check "authorized-keys with sshd's uid" "$key" "$($C authorized-keys alice 5001 "$fp")"
check "authorized-keys for another uid: nothing" "" "$($C authorized-keys alice 4001 "$fp" 2>/dev/null)"
# Another alice resolving first (a local account added after the last sync, or an NSS source
# listed before dirbind): her keys must not open that account.
echo "alice:x:4001:4001::/home/alice:/bin/sh" >>"$T/nss-passwd"
out=$($C authorized-keys alice 4001 "$fp" 2>&1)
check "another alice resolves first: no key" "" "$(echo "$out" | grep ssh-)"
contains "... and it says why" "local account wins" "$out"
check "... also without the uid" "" "$($C authorized-keys alice 2>/dev/null)"
cp "$T/passwd" "$T/nss-passwd"
out=$($C authorized-keys nosuch); check "authorized-keys unknown user exits 0" "0:" "$?:$out"
check "authorized-keys hostile name: nothing" "" "$($C authorized-keys '../alice')"
echo "key_options: restrict,pty" >>"$T/dirbind.yaml"
check "authorized-keys with configured options" "restrict,pty $key" "$($C authorized-keys alice "$fp")"
directory false; $C sync >/dev/null 2>&1
check "system disallows public keys: nothing" "" "$($C authorized-keys alice)"

# Failures keep the cache byte for byte.
cp "$T/cache/identity.db" "$T/before.db"
printf 'users: [\n  - {name: alice\n' >"$T/directory.yaml"
out=$($C sync 2>&1); rc=$?
check "broken directory: sync fails" 1 $rc
contains "YAML error names file and line" "$T/directory.yaml:" "$out"
check "cache kept after failure" "same" "$(cmp -s "$T/cache/identity.db" "$T/before.db" && echo same)"
contains "status shows last error" "last error:   $T/directory.yaml:" "$($C status)"

printf 'users: []\n' >"$T/directory.yaml"
out=$($C sync 2>&1); check "empty directory refused" 1 $?
contains "empty refusal explains --force" "use --force" "$out"
check "cache kept after refusal" "same" "$(cmp -s "$T/cache/identity.db" "$T/before.db" && echo same)"
$C sync --force >/dev/null 2>&1; check "--force empties" 0 $?
check "now empty" "" "$($C authorized-keys alice)"

directory true
exec 9>"$T/cache/.sync.lock"; flock 9
out=$($C sync 2>&1); check "second sync while locked fails" 1 $?
contains "lock message" "another dirbind sync is running" "$out"
exec 9>&-

# A cache moved away from where NSS reads it: NSS would keep serving the old one (hashes
# included) for ever, so nothing runs on such a config and nothing is written there.
sed "s|^cache_dir: .*|cache_dir: $T/moved|" "$T/dirbind.yaml" >"$T/moved.yaml"
out=$($CLI --config "$T/moved.yaml" sync 2>&1); check "sync refuses a cache_dir NSS does not read" 1 $?
contains "... naming both directories and the fix" \
    "cache_dir: $T/moved is not the cache directory the NSS module serves users from ($T/cache)" "$out"
check "... and writes nothing there" "absent" "$([ -e "$T/moved" ] && echo present || echo absent)"
out=$($CLI --config "$T/moved.yaml" authorized-keys alice 2>&1)
absent "authorized-keys prints no key on such a config" "ssh-ed25519" "$out"

# Readers trust the cache only in a directory nobody else can change: sync refuses to write
# into another, and nothing reads from it.
$C sync >/dev/null 2>&1
check "a sync brings alice back" "restrict,pty $key" "$($C authorized-keys alice "$fp")"
chmod 0777 "$T/cache"
out=$($C sync 2>&1); check "sync refuses a cache directory writable by others" 1 $?
contains "... saying why and the fix" \
    "refusing to use cache directory $T/cache: writable by group or others (mode 0777): chmod go-w $T/cache" "$out"
check "... and the readers do not trust it either" "" "$($C authorized-keys alice 2>/dev/null)"
chmod 0755 "$T/cache"
check "... until it is fixed" "restrict,pty $key" "$($C authorized-keys alice "$fp")"
# The config and the file source's document decide who logs in: root's, not writable by others.
chmod 0666 "$T/dirbind.yaml"
out=$($C sync 2>&1); check "sync refuses a config writable by others" 1 $?
contains "... naming it and the fix" \
    "refusing to use config $T/dirbind.yaml: writable by group or others (mode 0666): chmod go-w $T/dirbind.yaml" "$out"
check "authorized-keys prints nothing on it" "" "$($C authorized-keys alice 2>/dev/null)"
chmod 0644 "$T/dirbind.yaml"
chmod 0620 "$T/directory.yaml"
out=$($C sync 2>&1); check "sync refuses a directory document writable by its group" 1 $?
contains "... naming it and the fix" \
    "refusing to use directory $T/directory.yaml: writable by group or others (mode 0620): chmod go-w $T/directory.yaml" "$out"
chmod 0644 "$T/directory.yaml"

out=$($CLI --config "$T/nope.yaml" sync 2>&1); check "missing config fails" 1 $?
contains "missing config message" "$T/nope.yaml" "$out"
printf 'cache_dir: [\n' >"$T/bad.yaml"
out=$($CLI --config "$T/bad.yaml" status 2>&1); check "config syntax error fails" 1 $?
contains "config syntax error has line:col" "$T/bad.yaml:" "$out"
printf 'cahce_dir: /x\n' >"$T/typo.yaml"
out=$($CLI --config "$T/typo.yaml" check-config 2>&1); check "check-config on typo fails" 1 $?
contains "unknown key named with line" "$T/typo.yaml:1" "$out"
contains "unknown key named" "cahce_dir" "$out"
out=$($C check-config 2>&1); check "check-config reports problems" 1 $?
contains "check-config lists skipped record" "problem: user root" "$out"
out=$($CLI --config "$T/dirbind.yaml" frobnicate 2>&1); check "unknown command is a usage error" 2 $?

if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
    chmod 0755 "$T"
    out=$(setpriv --reuid=65534 --regid=65534 --clear-groups $CLI --config "$T/dirbind.yaml" sync 2>&1); check "non-root sync fails" 1 $?
    contains "no permission message" "permission" "$out"
else
    echo "SKIP part: permission case needs root"
fi
finish
