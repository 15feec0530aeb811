#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_sudo.sh — end to end: sudo for the directory's admins (docs/admin-guide.md, "sudo and
# admin rights"), with Debian's real sudo, the shipped /etc/sudoers.d/dirbind and the PAM stack
# as the packages install it (pam-auth-update with the dirbind profiles; /etc/pam.d/sudo as
# Debian ships it). Each admin logs in over ssh with a key and runs sudo there: nora
# (`sudo: nopasswd`) runs `sudo -n`; pat (`sudo: password`, with a hash) runs `sudo -S` with
# her password, and a wrong one fails; hank (`sudo: password`, no hash, as from JumpCloud's
# API) is told why no password can work, and is not asked three times; uma (no right) is
# refused. One sync takes the right away and gives it, with no file written; an admin suspended
# in the directory is refused by the PAM account step inside a session that is still open; mia
# (MFA enrolled) needs her password and a fresh verification code. `sudo -l -U` shows each kind.
. "$(dirname "$0")/lib-e2e.sh"

command -v sudo >/dev/null && command -v visudo >/dev/null || skip "sudo missing (Debian package sudo)"
command -v pam-auth-update >/dev/null || skip "pam-auth-update missing (Debian package libpam-runtime)"
command -v python3 >/dev/null || skip "python3 missing"

# ---- the host as the dirbind packages leave it ---------------------------------------------
install -m 0440 "$SRC/packaging/sudo/dirbind" /etc/sudoers.d/dirbind
check "visudo -c: the host's sudoers with the shipped rule" 0 "$(visudo -c >"$T/visudo.out" 2>&1; echo $?)"
contains "... and it read /etc/sudoers.d/dirbind" "/etc/sudoers.d/dirbind: parsed OK" "$(cat "$T/visudo.out")"
# libpam-dirbind's postinst: the profiles, then pam-auth-update (its debconf answers and
# /etc/pam.d land in this namespace's overlays, never on the host).
overlay /usr/share/pam-configs
overlay /var/cache/debconf
install -m 0644 "$SRC/packaging/pam-configs/dirbind" "$SRC/packaging/pam-configs/dirbind-password" \
    /usr/share/pam-configs/
DEBIAN_FRONTEND=noninteractive pam-auth-update --package >"$T/pau.out" 2>&1 || { cat "$T/pau.out"; bad "pam-auth-update"; }
contains "pam-auth-update put pam_dirbind in common-auth" "pam_dirbind.so" "$(cat /etc/pam.d/common-auth)"
contains "... and in common-account" "pam_dirbind.so" "$(cat /etc/pam.d/common-account)"
# With the module in the common files, /etc/pam.d/sshd is Debian's again (docs/pam.md: listing
# it in both would run it twice).
sed -i '/pam_dirbind\.so/d' /etc/pam.d/sshd

mkkey nora && mkkey pat && mkkey hank && mkkey uma && mkkey mia
PW='Sudo-Pw-Scenario-4'
HASH=$(pwhash "$PW")
SECRET=$(python3 -c 'import base64, os; print(base64.b32encode(os.urandom(20)).decode())')
publish() {  # publish NORA_SUDO UMA_SUDO NORA_STATE
    directory_publish <<EOF
system: {password_auth: true, public_key_auth: true, mfa: true}
users:
  - {name: nora, uid: 5001, gid: 5001, sudo: $1, state: $3, ssh_keys: ["$(pub nora)"]}
  - {name: pat, uid: 5002, gid: 5002, sudo: password, password_hash: "$HASH", ssh_keys: ["$(pub pat)"]}
  - {name: hank, uid: 5003, gid: 5003, sudo: password, ssh_keys: ["$(pub hank)"]}
  - {name: uma, uid: 5004, gid: 5004, sudo: $2, password_hash: "$HASH", ssh_keys: ["$(pub uma)"]}
  - {name: mia, uid: 5005, gid: 5005, sudo: password, password_hash: "$HASH", totp_secret: "$SECRET", ssh_keys: ["$(pub mia)"]}
EOF
    dsync
    check "sync succeeds (nora: $1 $3, uma: $2)" 0 "$SYNC_RC"
}
publish nopasswd none active
start_sshd

# What sudo ran prints this: the command ran, as root.
AS_ROOT='sh -c "echo ran-as-uid-\$(id -u)"'
ROOT_RAN=ran-as-uid-0

# ---- nopasswd ------------------------------------------------------------------------------
login_key nora nora "id -Gn; sudo -n $AS_ROOT"
expect_login "nora logs in"
contains "nora is in dirbind-sudo-nopasswd" "dirbind-sudo-nopasswd" "$OUT"
contains "nora: sudo -n runs the command as root, no password" "$ROOT_RAN" "$OUT"
login_key uma uma "sudo -n $AS_ROOT; echo rc=\$?"
expect_login "uma logs in"
absent "uma (no right): sudo -n runs nothing" "$ROOT_RAN" "$OUT"
contains "... and fails" "rc=1" "$OUT"

# ---- password, with a hash -----------------------------------------------------------------
login_key pat pat "echo '$PW' | sudo -S -p 'pw:' $AS_ROOT"
expect_login "pat logs in"
contains "pat: sudo -S with her directory password runs the command as root" "$ROOT_RAN" "$OUT"
login_key pat pat "sudo -n true; echo n=\$?; echo 'wrong-$PW' | sudo -S -p 'pw:' $AS_ROOT; echo rc=\$?"
contains "pat: sudo -n needs her password" "n=1" "$OUT"
absent "pat: a wrong password runs nothing" "$ROOT_RAN" "$OUT"
contains "... and fails" "rc=1" "$OUT"
contains "... as a wrong password" "Sorry, try again" "$ERR"

# ---- password, but the directory gives no hash ---------------------------------------------
login_key hank hank "echo anything | sudo -S -p 'pw:' $AS_ROOT; echo rc=\$?"
expect_login "hank logs in"
absent "hank (password, no hash): sudo runs nothing" "$ROOT_RAN" "$OUT"
contains "... and fails" "rc=1" "$OUT"
contains "... telling him why" "The directory holds no password for your account that this host can check" "$ERR"
contains "... and what to do" "sudo without a password (sudo: nopasswd in the directory)" "$ERR"
absent "... not as a wrong password (no retry loop)" "Sorry, try again" "$ERR"
check "... asked once" 1 "$(grep -o 'pw:' <<<"$ERR" | wc -l)"

# ---- sudo -l -U, as root ---------------------------------------------------------------------
contains "sudo -l -U nora: NOPASSWD" "(ALL : ALL) NOPASSWD: ALL" "$(sudo -l -U nora 2>&1)"
l=$(sudo -l -U pat 2>&1)
contains "sudo -l -U pat: with password" "(ALL : ALL) ALL" "$l"
absent "... not NOPASSWD" "NOPASSWD" "$l"
contains "sudo -l -U hank: the rule lists him (the password step is what fails)" "(ALL : ALL) ALL" "$(sudo -l -U hank 2>&1)"
contains "sudo -l -U uma: not allowed" "User uma is not allowed to run sudo" "$(sudo -l -U uma 2>&1)"

# ---- one sync takes it away, one gives it -----------------------------------------------------
before=$(md5sum /etc/sudoers /etc/sudoers.d/* /etc/group)
publish none nopasswd active
check "no sudoers or group file was written by the sync" "$before" "$(md5sum /etc/sudoers /etc/sudoers.d/* /etc/group)"
login_key nora nora "sudo -n $AS_ROOT; echo rc=\$?"
absent "nora after losing the right: sudo -n runs nothing" "$ROOT_RAN" "$OUT"
contains "... and fails" "rc=1" "$OUT"
contains "sudo -l -U nora: not allowed any more" "User nora is not allowed to run sudo" "$(sudo -l -U nora 2>&1)"
login_key uma uma "sudo -n $AS_ROOT"
contains "uma after getting nopasswd: sudo -n runs the command as root" "$ROOT_RAN" "$OUT"

# ---- suspended while logged in: the session keeps its groups, the PAM account step refuses ----
# uma stays in the group, so that it is still served and sudo's rule matches nora's gid.
publish nopasswd nopasswd active
timeout 60 ssh "${SSH_COMMON[@]}" -o BatchMode=yes -o IdentitiesOnly=yes -i "$T/keys/nora" nora@127.0.0.1 \
    "sudo -n $AS_ROOT; echo first=\$?; while [ ! -e ~/go ]; do sleep 0.1; done; id -G; sudo -n $AS_ROOT; echo second=\$?" \
    >"$T/long.out" 2>"$T/long.err" </dev/null &
long=$!
for _ in $(seq 100); do grep -q first= "$T/long.out" && break; sleep 0.1; done
contains "nora in an open session: sudo -n works" "first=0" "$(cat "$T/long.out")"
publish nopasswd nopasswd suspended
: >/home/nora/go
wait "$long"
out=$(cat "$T/long.out")
contains "... the session still carries the group's gid (kernel credentials)" "65601" "$(sed -n 3p <<<"$out")"
absent "... but after a sync that suspends her, sudo -n runs nothing" "$ROOT_RAN" "$(sed -n '3,$p' <<<"$out")"
contains "... and fails" "second=1" "$out"
contains "... refused by the PAM account step" "sudo: PAM account management error" "$(cat "$T/long.err")"

# ---- MFA: the password, then a fresh verification code ---------------------------------------
# The login spends this step's code; sudo then gets a wrong code, and the next step's (accepted
# for clock skew, and not spent yet).
start_sshd "AuthenticationMethods publickey,keyboard-interactive"
NEXT=$(totp 1)
WRONG=$(printf '%06d' $(((10#$NEXT + 1) % 1000000)))
SSHPASS=$(totp) _login timeout 20 sshpass -P 'Verification code' -e ssh "${SSH_COMMON[@]}" -o BatchMode=no \
    -o IdentitiesOnly=yes -i "$T/keys/mia" -o PreferredAuthentications=publickey,keyboard-interactive \
    -o NumberOfPasswordPrompts=1 mia@127.0.0.1 "echo $E2E_MARK >&2;" \
    "printf '%s\n%s\n' '$PW' '$WRONG' | sudo -S $AS_ROOT; echo wrong=\$?;" \
    "printf '%s\n%s\n' '$PW' '$NEXT' | sudo -S $AS_ROOT; echo right=\$?"
expect_login "mia logs in with her key and a code"
contains "mia: sudo asks for the verification code after the password" "[sudo] password for mia: Verification code:" "$ERR"
contains "mia: password and a wrong code: refused" "wrong=1" "$OUT"
contains "mia: password and a fresh code: sudo runs the command as root" "$ROOT_RAN" "$OUT"
contains "... once" "right=0" "$OUT"
finish
