#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_hostile_directory.sh — end to end, scenario 10: hostile directory data never yields a
# login or a file outside the user's home. The directory (served over HTTPS by the double, like
# every scenario's; hostile JumpCloud records are in test_jumpcloud_login.sh) holds names with
# ':', a newline and '..', uid 0 and gid 0, the names of root and of a local account, a local account's uid,
# keys with authorized_keys options or an embedded second line, a pasted private key, homes
# outside the home base (and one that is another user's), a gecos with ':', and local
# privileged groups. Each such record's key is tried over ssh; afterwards no file changed
# outside /home/<user>, /var/lib/dirbind and sshd's logs.
. "$(dirname "$0")/lib-e2e.sh"

for k in alice colon nl dots zero gzero local root opts env nlkey1 nlkey2 priv far dotdot stealer base gecos samuid sym; do
    mkkey "$k"
done
useradd -M -u 4000 -s /bin/bash localuser
# The local privileged groups the directory tries to hand out.
getent group docker >/dev/null || groupadd -r docker
# A home that is already a symlink out of the base (security.md §1): provisioning must not follow it.
ln -s /etc /home/symhome
indent() { sed 's/^/        /'; }

directory_publish <<EOF
system: {public_key_auth: true, password_auth: true, root_login: true}
users:
  - {name: alice, uid: 5001, gid: 5001, groups: [root, sudo, adm, docker, devs], ssh_keys: ["$(pub alice)"]}
  - {name: "ev:il", uid: 5101, gid: 5101, ssh_keys: ["$(pub colon)"]}
  - {name: "evil\nroot", uid: 5102, gid: 5102, ssh_keys: ["$(pub nl)"]}
  - {name: "..", uid: 5103, gid: 5103, ssh_keys: ["$(pub dots)"]}
  - {name: zero, uid: 0, gid: 5104, ssh_keys: ["$(pub zero)"]}
  - {name: gzero, uid: 5105, gid: 0, ssh_keys: ["$(pub gzero)"]}
  - {name: localuser, uid: 5106, gid: 5106, ssh_keys: ["$(pub local)"]}
  - {name: root, uid: 5107, gid: 5107, ssh_keys: ["$(pub root)"]}
  - {name: opts, uid: 5108, gid: 5108, ssh_keys: ['command="touch ~/INJECTED",no-pty $(pub opts)']}
  - {name: envy, uid: 5109, gid: 5109, ssh_keys: ['environment="LD_PRELOAD=/tmp/x.so" $(pub env)', 'from="*" $(pub env)']}
  - {name: nl, uid: 5110, gid: 5110, ssh_keys: ["$(pub nlkey1)\n$(pub nlkey2)"]}
  - name: priv
    uid: 5111
    gid: 5111
    ssh_keys:
      - |
$(indent <"$T/keys/priv")
  - {name: far, uid: 5112, gid: 5112, home: /etc/far, ssh_keys: ["$(pub far)"]}
  - {name: dotdot, uid: 5113, gid: 5113, home: /home/../etc/dotdot, ssh_keys: ["$(pub dotdot)"]}
  - {name: stealer, uid: 5114, gid: 5114, home: /home/alice, ssh_keys: ["$(pub stealer)"]}
  - {name: base, uid: 5115, gid: 5115, home: /home, ssh_keys: ["$(pub base)"]}
  - {name: gecos, uid: 5116, gid: 5116, gecos: "x:0:0:y", ssh_keys: ["$(pub gecos)"]}
  - {name: samuid, uid: 4000, gid: 5117, ssh_keys: ["$(pub samuid)"]}
  - {name: symhome, uid: 5118, gid: 5118, ssh_keys: ["$(pub sym)"]}
groups:
  - {name: devs, gid: 6001}
  - {name: wheel0, gid: 0}
EOF
dsync
check "sync succeeds (bad records are skipped, not fatal)" 0 "$SYNC_RC"
echo "$SYNC_OUT" | sed 's/^/  sync: /'
contains "sync names the pasted private key" "private key" "$SYNC_OUT"
absent "... without logging its secret" "$(sed -n 3p "$T/keys/priv")" "$SYNC_OUT"

# What NSS serves.
check "only root has uid 0" "root" "$(getent passwd | awk -F: '$3 == 0 {print $1}')"
check "no group with gid 0 but root" "root" "$(getent group | awk -F: '$3 == 0 {print $1}')"
check "root is the local root" "root:x:0:0" "$(getent passwd root | cut -d: -f1-4)"
check "localuser is the local one" "4000" "$(getent passwd localuser | cut -d: -f3)"
for u in ev:il .. zero gzero far dotdot stealer base gecos samuid; do
    check "no passwd entry for '$u'" "" "$(getent passwd "$u")"
done
check "no passwd line holds a newline-made name" "" "$(getent passwd | grep -E '^(evil|root)' | grep -v '^root:x:0:0:')"
check "uid 5102 (newline name) unknown" "" "$(getent passwd 5102)"

start_sshd
t0=$(date +%s)
: >"$T/mark"; sleep 1   # files changed after this must be inside a user's home

# Every hostile record's key, over ssh.
try() {  # try USER KEY WHAT
    login_key "$1" "$2" 'id; touch ~/LOGGED-IN'
    expect_refused "$3: no login"
}
try "ev:il" colon "name with ':'"
try evil nl "name with a newline (first line)"
try root nl "name with a newline (second line)"
try .. dots "name '..'"
try zero zero "uid 0"
try gzero gzero "gid 0"
try localuser local "a local account's name"
try root root "the name root"
try opts opts "key with command= option"
try envy env "key with environment=/from= options"
try nl nlkey2 "second key hidden after a newline"
try nl nlkey1 "first key of a line with an embedded newline"
try priv priv "pasted private key"
try far far "home /etc/far"
try dotdot dotdot "home /home/../etc/dotdot"
try stealer stealer "home of another user"
try base base "home = the home base"
try gecos gecos "gecos with ':'"
try samuid samuid "a local account's uid"
keys_out=""
for u in opts envy nl priv; do keys_out="$keys_out$(runuser -u dirbind-keys -- dirbind authorized-keys "$u")"; done
check "the AuthorizedKeysCommand prints nothing for the bad keys" "" "$keys_out"

# A legitimate user with hostile group wishes: logs in, without the privileged groups.
login_key alice alice 'id'
expect_login "alice logs in"
check "... without root, sudo, adm or docker (not in local_groups)" \
    "uid=5001(alice) gid=5001(alice) groups=5001(alice),6001(devs)" "$OUT"
# A legitimate user whose home path is a symlink to /etc: nothing may be written through it.
login_key symhome sym 'true'
echo "  (symhome login: exit $RC)"

# Nothing outside a user's home changed: the sandbox's overlays of /etc, /root, /usr/sbin
# and the library dir, /var/lib outside dirbind's cache, /home outside real homes.
changed=$(find "$SANDBOX"/ov/*/up -newer "$T/mark" ! -type d 2>/dev/null |
    grep -vE "^$SANDBOX/ov/_var_log/|^$SANDBOX/ov/_var_lib/up/dirbind/")
check "no file changed outside the homes (overlays)" "" "$changed"
check "nothing written through the /etc symlink" "" \
    "$(ls -d /etc/.ssh /etc/.bashrc /etc/.profile /etc/LOGGED-IN /etc/far /etc/dotdot 2>/dev/null)"
check "/home holds only real homes" "alice symhome" "$(cd /home && ls | tr '\n' ' ' | sed 's/ $//')"
check "no INJECTED file anywhere in /home" "" "$(find /home/ -name INJECTED 2>/dev/null)"
check "no session ran for a hostile record" "" "$(find /home/ /etc/ -name LOGGED-IN 2>/dev/null)"
echo "  hostile logins took $(($(date +%s) - t0)) s"
finish
