#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_ldap_login_refresh.sh — end to end, login_refresh with the ldap source: a real slapd
# (tests/ldap/lib-ldap.sh) in the scenario's namespaces. After the last sync, slapd locks one
# user (ppolicy pwdAccountLockedTime), deletes one, and unbinds one from this host (its `host`
# attribute removed); with login_refresh on, the next key login of each asks slapd about that
# one user and is refused, nothing run, while a user who is fine in slapd logs in, and the cache
# is not rewritten. With slapd stopped or hung, the cache decides within the refresh deadline
# (nothing fresher is known), and a sync afterwards makes the refusals stick.
[ -x /usr/sbin/slapd ] || { echo "SKIP: /usr/sbin/slapd missing (Debian package slapd)"; exit 77; }
export DIRBIND_E2E_SOURCE=file  # lib-e2e's double is not needed: slapd is the directory
. "$(dirname "$0")/lib-e2e.sh"
DIRBIND_LDAP_INSIDE=1 . "$SRC/tests/ldap/lib-ldap.sh"
unset -f dirbind  # the sandbox's installed dirbind, not lib-ldap's wrapper of the build's
trap 'stop_slapd; e2e_cleanup' EXIT
make_slapd
load_ldif --users 4 --home-base /home
start_slapd

ldif=
for i in 1 2 3 4; do
    mkkey "u$i"
    ldif+="dn: uid=user0000$i,ou=people,$BASE
changetype: modify
add: sshPublicKey
sshPublicKey: $(pub "u$i")

"
done
printf '%s' "$ldif" | lmod
install -m 0644 "$L/pki/ca.pem" /etc/dirbind/ldap-ca.pem
secret /etc/dirbind/ldap-reader.pw reader-pw
cat >/etc/dirbind/dirbind.yaml <<EOF
source:
  type: ldap
  uris: [ldaps://127.0.0.1:636]
  ca_file: /etc/dirbind/ldap-ca.pem
  bind_dn: $READER_DN
  bind_password_file: /etc/dirbind/ldap-reader.pw
  user_base: ou=people,$BASE
  group_base: ou=groups,$BASE
  host_filter: (host=web1)
  connect_timeout: 1
  timeout: 1
home: /home/%u
login_refresh: {enabled: true, timeout: 1}
EOF
dsync
check "sync from slapd succeeds" 0 "$SYNC_RC"
contains "... 4 users" "synced 4 users" "$SYNC_OUT"
start_sshd

for i in 1 2 3 4; do
    login_key "user0000$i" "u$i" 'id -un'
    expect_login "user0000$i, fine in cache and slapd: key login works"
    check "... as user0000$i" "user0000$i" "$OUT"
done

# ---- changed in slapd after the last sync ----------------------------------------------------
lmod <<E
dn: uid=user00002,ou=people,$BASE
changetype: modify
add: pwdAccountLockedTime
pwdAccountLockedTime: 000001010000Z

dn: uid=user00003,ou=people,$BASE
changetype: delete

dn: uid=user00004,ou=people,$BASE
changetype: modify
delete: host
host: web1
E
check "slapd holds the changes (user00002 locked)" "pwdAccountLockedTime: 000001010000Z" \
    "$(lsearch '(uid=user00002)' pwdAccountLockedTime | grep '^pwdAccountLockedTime')"

login_key user00002 u2 'id -un'
expect_refused "user00002 locked in slapd (cache: active): refused"
absent "... and nothing ran" "user00002" "$OUT"
sshd_logged "... by the PAM account step" "Access denied for user user00002 by PAM account configuration"
login_key user00003 u3 'id -un'
expect_refused "user00003 deleted in slapd (cache: present): refused"
absent "... and nothing ran" "user00003" "$OUT"
contains "... and told why" "no longer enabled on this system" "$ERR"
login_key user00004 u4 'id -un'
expect_refused "user00004 no longer bound to this host in slapd (cache: bound): refused"
absent "... and nothing ran" "user00004" "$OUT"
login_key user00001 u1 'id -un'
expect_login "user00001, still fine in slapd: logs in"
check "... as user00001" "user00001" "$OUT"
lookup=$(dirbind lookup user user00002 2>&1; dirbind lookup user user00003 2>&1)
check "the cache was not rewritten by the refusals (user00002 active, user00003 present)" \
    "state:           active
state:           active" "$(echo "$lookup" | grep '^state:')"

# ---- slapd unreachable: the cache decides, within the deadline ---------------------------------
stop_slapd
login_key user00002 u2 'id -un'
expect_login "slapd stopped: user00002 (active in the cache) logs in: nothing fresher is known"
expect_fast "... within the refresh deadline" 2500
start_slapd
kill -STOP "$SLAPD_PID"
login_key user00001 u1 'id -un'
expect_login "slapd hung: user00001 logs in from the cache"
expect_fast "... within the refresh deadline" 2500
kill -CONT "$SLAPD_PID"

# ---- a sync brings the changes into the cache ------------------------------------------------------
dsync
check "sync after the changes succeeds" 0 "$SYNC_RC"
stop_slapd
for i in 2 3 4; do
    login_key "user0000$i" "u$i" 'id -un'
    expect_refused "after the sync, slapd stopped: user0000$i is refused by the cache"
    absent "... and nothing ran" "user0000$i" "$OUT"
done
finish
