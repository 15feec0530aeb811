#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_ldap_login.sh — end to end with the ldap source: a real slapd (tests/ldap/lib-ldap.sh) in
# the scenario's namespaces, the host bound with a read-only reader account and
# `password_check: bind`. An LDAP user logs in over a real sshd with the key of their
# sshPublicKey and with their directory password (checked by a bind as them); a wrong password
# and a ppolicy-locked user are refused; with slapd stopped the password can no longer be
# checked and is refused (no cached verifier), while the key login keeps working from the cache.
# With offline_password_days, a password the directory accepted keeps working while slapd is
# stopped or hung, a wrong one does not, and a password changed in the directory loses its verifier.
[ -x /usr/sbin/slapd ] || { echo "SKIP: /usr/sbin/slapd missing (Debian package slapd)"; exit 77; }
export DIRBIND_E2E_SOURCE=file  # lib-e2e's double is not needed: slapd is the directory
. "$(dirname "$0")/lib-e2e.sh"
# Inside the scenario's namespaces: slapd on the same loopback, gone with them.
DIRBIND_LDAP_INSIDE=1 . "$SRC/tests/ldap/lib-ldap.sh"
trap 'stop_slapd; e2e_cleanup' EXIT
make_slapd
load_ldif --users 3 --home-base /home
start_slapd

mkkey u1
mkkey u2
lmod <<E
dn: uid=user00001,ou=people,$BASE
changetype: modify
add: sshPublicKey
sshPublicKey: $(pub u1)

dn: uid=user00002,ou=people,$BASE
changetype: modify
add: sshPublicKey
sshPublicKey: $(pub u2)
-
add: pwdAccountLockedTime
pwdAccountLockedTime: 000001010000Z
E
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
  password_check: bind
  connect_timeout: 1
  timeout: 2
home: /home/%u
EOF
dsync
check "sync from slapd succeeds" 0 "$SYNC_RC"
contains "... 3 users" "synced 3 users" "$SYNC_OUT"
start_sshd

login_key user00001 u1 'id -un; pwd'
expect_login "key from sshPublicKey: logged in"
check "... as the LDAP user, in the new home" "user00001
/home/user00001" "$OUT"

login_pw user00001 pw-user00001 'id'
expect_login "directory password (LDAP bind): logged in"
contains "... as uid 20001" "uid=20001(user00001)" "$OUT"
sshd_logged "sshd: Accepted keyboard-interactive/pam" "Accepted keyboard-interactive/pam for user00001"

login_pw user00001 wrong-password id
expect_refused "wrong password: refused"
sshd_logged "sshd: Failed keyboard-interactive/pam" "Failed keyboard-interactive/pam for user00001"

login_pw user00002 pw-user00002 id
expect_refused "ppolicy-locked user, right password: refused"
login_key user00002 u2 id
expect_refused "ppolicy-locked user, key: refused"

login_pw user00003 pw-user00003 'id -un'
expect_login "a second user's password: logged in"

# ---- slapd gone ------------------------------------------------------------------------------
stop_slapd
login_pw user00001 pw-user00001 id
expect_refused "slapd stopped: the password cannot be checked, refused (no cached verifier)"
expect_fast "... within the deadline" 6000
sshd_logged "... as 'cannot retrieve authentication info' (PAM_AUTHINFO_UNAVAIL), not a wrong password" \
    "PAM: Authentication service cannot retrieve authentication info for user00001"
login_key user00001 u1 'id -un'
expect_login "slapd stopped: the key login still works from the cache"

# ---- offline verifiers (offline_password_days) ---------------------------------------------------
start_slapd
sed -i 's/^  password_check: bind$/  password_check: bind\n  offline_password_days: 7/' /etc/dirbind/dirbind.yaml
login_pw user00001 pw-user00001 'id -un'
expect_login "offline verifiers on, slapd up: logged in (bind)"
V=/var/lib/dirbind/password-verifiers
check "... the verifier is stored, root-only" "600 root" "$(stat -c '%a %U' "$V/user00001" 2>&1)"
absent "... and holds no clear password" "pw-user00001" "$(cat "$V/user00001")"
stop_slapd
login_pw user00001 pw-user00001 'id -un'
expect_login "slapd stopped: the right password logs in by the offline verifier"
check "... as user00001" "user00001" "$OUT"
login_pw user00001 wrong-password id
expect_refused "slapd stopped: a wrong password is refused by the verifier"
login_pw user00003 pw-user00003 id
expect_refused "slapd stopped: a user without a verifier is refused"
start_slapd
kill -STOP "$SLAPD_PID"
login_pw user00001 pw-user00001 'id -un'
expect_login "slapd hung: the offline verifier answers before the deadline"
expect_fast "... in time" 6000
kill -CONT "$SLAPD_PID"
# The password changes in the directory: the old one is refused by the bind, and the verifier goes.
lmod <<E
dn: uid=user00001,ou=people,$BASE
changetype: modify
replace: userPassword
userPassword: new-pw-1
E
login_pw user00001 pw-user00001 id
expect_refused "password changed in the directory: the old one is refused"
check "... and its verifier is gone" "absent" "$([ -e "$V/user00001" ] && echo present || echo absent)"
stop_slapd
login_pw user00001 pw-user00001 id
expect_refused "... so it does not come back offline"
finish
