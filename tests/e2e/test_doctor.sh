#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_doctor.sh — `dirbind doctor` on a host set up as docs/pam.md says, then broken one way at a
# time: each broken setup must give its exact FAIL line and fix, and the repaired setup none.
# Runs in the e2e sandbox (nsswitch.conf, /etc/pam.d/sshd, sshd_config, homes: all private to
# the namespace). Ends with a real key login, so "ok" is known to mean a working login.
DIRBIND_E2E_SOURCE=${DIRBIND_E2E_SOURCE:-file}
export DIRBIND_E2E_SOURCE
. "$(dirname "$0")/lib-e2e.sh"

mkkey alice
mkkey other
HASH=$(pwhash 'Pw-Alice-1')
# publish [MFA] [EXTRA_KEY_YAML] [EXTRA_FIELDS]: alice with her key (and one more key entry, and
# more fields of hers, as given).
publish() {
    directory_publish <<EOF
system: {password_auth: true, public_key_auth: true, mfa: ${1:-false}}
users:
  - {name: alice, uid: 5001, gid: 5001, password_hash: "$HASH",${3:+ $3,}
     ssh_keys: [{name: laptop, key: "$(pub alice)"}${2:+, $2}]}
EOF
    dsync
}
publish
check "sync succeeds" 0 "$SYNC_RC"
sandbox_sshd_config /etc/ssh/sshd_config.e2e
export DIRBIND_SSHD_CONFIG=/etc/ssh/sshd_config.e2e
# The first login provisions the home and authorized_keys as pam_dirbind does.
start_sshd
login_key alice alice 'id -un'
expect_login "alice logs in with her key"

doc() { DOC=$(dirbind doctor "$@" 2>&1); DOC_RC=$?; }
# fails NAME LINE [FIX]: the last doctor run failed with exactly this line (and fix line).
fails() {
    check "$1: exit 1" 1 "$DOC_RC"
    if printf '%s\n' "$DOC" | grep -qxF -- "FAIL  $2"; then ok "$1: FAIL line"; else
        bad "$1: FAIL line"; printf '  wanted: FAIL  %s\n' "$2"; printf '%s\n' "$DOC" | grep -E '^(FAIL|warn)' | sed 's/^/  got:    /'; fi
    [ -z "${3:-}" ] || if printf '%s\n' "$DOC" | grep -qxF -- "      fix: $3"; then ok "$1: fix"; else
        bad "$1: fix"; printf '  wanted: fix: %s\n' "$3"; fi
}
nofail() { check "$1: exit 0" 0 "$DOC_RC"; absent "$1: no FAIL line" "FAIL  " "$DOC"; }

# ---- the working host
doc alice
nofail "set up as documented: alice"
contains "the key's type, bits and fingerprint" "ok    key 'laptop': ssh-ed25519 256 bits $(fp alice) \"alice@e2e\"" "$DOC"
doc
nofail "set up as documented: host"
contains "host: PAM stack followed through includes" "pam_dirbind.so in the session stack (requisite)" "$DOC"
doc --json
check "--json: parses, ok true, no fail" "True 0" "$(printf '%s' "$DOC" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["ok"], d["counts"]["fail"])')"

# ---- --key
doc alice --key "$T/keys/alice.pub"
check "--key matching: exit 0" 0 "$DOC_RC"
contains "--key matching" "ok    the given key (ssh-ed25519 256 bits $(fp alice) \"alice@e2e\") is directory key 'laptop'" "$DOC"
contains "--key matching: sshd would accept it" "ok    sshd would accept this key for alice now" "$DOC"
doc alice --key "$T/keys/other.pub"
fails "--key not matching" "the given key (ssh-ed25519 256 bits $(fp other) \"other@e2e\") is not one of alice's directory keys: sshd will not accept it"
doc alice --key "$T/keys/alice"
fails "--key private" "the given key: this is a PRIVATE key: it must never be pasted anywhere or shared; give the public key instead (the .pub file, or \`ssh-keygen -y -f KEYFILE\`)"
absent "--key private: never printed back" "$(sed -n 2p "$T/keys/alice")" "$DOC"
DOC=$( (head -c 40 "$T/keys/alice.pub"; echo; tail -c +41 "$T/keys/alice.pub") | dirbind doctor alice --key - 2>&1); DOC_RC=$?
fails "--key with a line break" "the given key is damaged: the key is split over 2 lines (line breaks inserted when copied); it must be one line"
DOC=$(head -c 70 "$T/keys/alice.pub" | dirbind doctor alice --key - 2>&1); DOC_RC=$?
fails "--key truncated" "the given key is damaged: the base64 part is 58 characters, not a multiple of 4: the key was cut short (truncated when copied)"

# ---- broken directory keys: dropped by the sync, named by doctor
publish false "{name: pasted, key: \"$(tr '\n' '|' <"$T/keys/other" | sed 's/|/\\n/g')\"}"
doc alice
fails "private key in the directory" "dropped by the last sync: key 'pasted': looks like a private key (-----BEGIN ... PRIVATE KEY-----); paste the .pub file instead" \
    "replace it in the directory with the one-line public key (the .pub file), then: dirbind sync"
publish false "{name: broken, key: \"$(head -c 40 "$T/keys/other.pub")\\n$(tail -c +41 "$T/keys/other.pub" | tr -d '\n')\"}"
doc alice
fails "key with a line break in the directory" "dropped by the last sync: key 'broken': control character (newline) at byte 41"
publish false "{name: short, key: \"$(head -c 70 "$T/keys/other.pub")\"}"
doc alice
fails "truncated key in the directory" "dropped by the last sync: key 'short': base64 does not decode"
publish

# ---- files
chmod g+w /home/alice
doc alice
fails "group-writable home" "/home/alice: group-writable (owner alice, mode 0775); sshd's StrictModes ignores authorized_keys below it (\"bad ownership or modes\")" \
    "chmod go-w /home/alice"
chmod g-w /home/alice
chmod 0644 /home/alice/.ssh/authorized_keys
doc alice
check "authorized_keys 0644: sshd accepts it, only a warning" 0 "$DOC_RC"
contains "authorized_keys 0644: warned" "warn  /home/alice/.ssh/authorized_keys: readable by others (owner alice, mode 0644); sshd accepts it, but dirbind writes 0600" "$DOC"
chmod 0664 /home/alice/.ssh/authorized_keys
doc alice
fails "authorized_keys 0664" "/home/alice/.ssh/authorized_keys: group-writable (owner alice, mode 0664); sshd's StrictModes refuses it (\"bad ownership or modes\")" \
    "chmod 600 /home/alice/.ssh/authorized_keys"
chmod 0602 /home/alice/.ssh/authorized_keys
doc alice
fails "authorized_keys 0602" "/home/alice/.ssh/authorized_keys: world-writable (owner alice, mode 0602); sshd's StrictModes refuses it (\"bad ownership or modes\")" \
    "chmod 600 /home/alice/.ssh/authorized_keys"
chmod 0664 /home/alice/.ssh/authorized_keys   # for --fix below
chown root:root /home/alice/.ssh
doc alice
fails "~/.ssh owned by root" "/home/alice/.ssh: owned by root, not alice (owner root, mode 0700); dirbind does not rebuild authorized_keys in a directory the user does not own" \
    "chown alice: /home/alice/.ssh"

# ---- --fix repairs owner and mode of ~/.ssh files, nothing else
chmod g+w /home/alice
doc alice --fix
contains "--fix: reports what it changed" "ok    repaired: /home/alice/.ssh: owner set to alice; /home/alice/.ssh/authorized_keys: mode set to 0600" "$DOC"
check "--fix: ~/.ssh and authorized_keys repaired" "alice 700 alice 600" \
    "$(stat -c '%U %a' /home/alice/.ssh | tr '\n' ' ')$(stat -c '%U %a' /home/alice/.ssh/authorized_keys)"
check "--fix: the home is not its business" "775" "$(stat -c %a /home/alice)"
fails "--fix: the home's problem still reported" "/home/alice: group-writable (owner alice, mode 0775); sshd's StrictModes ignores authorized_keys below it (\"bad ownership or modes\")"
chmod g-w /home/alice
mv /home/alice/.ssh /home/alice/real-ssh
ln -s /etc /home/alice/.ssh
before=$(stat -c '%U %a' /etc /etc/shadow)
doc alice --fix
fails "--fix refuses a symlinked ~/.ssh" "not repaired: /home/alice/.ssh is a symbolic link; not following it (remove it, and the next login recreates ~/.ssh)"
check "--fix: nothing behind the symlink changed" "$before" "$(stat -c '%U %a' /etc /etc/shadow)"
rm /home/alice/.ssh
mv /home/alice/real-ssh /home/alice/.ssh
doc alice
nofail "repaired by hand and --fix: alice"
login_key alice alice 'id -un'
expect_login "after the repairs alice logs in"

# ---- the other refusals of docs/pam.md and docs/admin-guide.md (docs/doctor.md, the audit table)
# publish_doc SYSTEM ALICE_EXTRA [HASH]: the system switches, alice with her key and ALICE_EXTRA
# fields, and bob, whose uid is reserved (the sync skips him).
publish_doc() {
    directory_publish <<EOF
system: {$1}
users:
  - {name: alice, uid: 5001, gid: 5001, ${3-password_hash: "$HASH",} ssh_keys: [{name: laptop, key: "$(pub alice)"}]${2:+, $2}}
  - {name: bob, uid: 42, gid: 42}
EOF
    dsync
}
publish_doc "password_auth: true, public_key_auth: true, root_login: false" "state: suspended"
doc alice
fails "suspended" "state suspended in the directory: pam_dirbind refuses every login" \
    "activate the user in the directory, then: dirbind sync"
login_key alice alice 'id -un'
expect_refused "suspended: refused, as doctor says"
doc bob
check "skipped by the sync: exit 1" 1 "$DOC_RC"
contains "skipped by the sync: the reason" "FAIL  bob is skipped by the last sync: " "$DOC"
contains "skipped by the sync: the fix" "      fix: fix the record in the directory (dirbind check-config lists every problem), then: dirbind sync" "$DOC"
doc root
contains "root rule" "warn  the directory forbids root login over ssh: pam_dirbind refuses it" "$DOC"
publish_doc "password_auth: true, public_key_auth: false" ""
doc alice
contains "public keys off for the system" "warn  public key: refused: Public-key login is disabled on this system by the directory." "$DOC"
check "public keys off, password on: a login still works" 0 "$DOC_RC"
publish_doc "password_auth: false, public_key_auth: true" "public_key_auth: false"
doc alice
contains "public keys off for the user" "warn  public key: refused: Public-key login is disabled for your account by the directory." "$DOC"
fails "no method left" "no login method works for alice on this host" "see the refused methods above"
publish_doc "password_auth: true, public_key_auth: true" "sudo: password" ""
doc alice
contains "sudo: password without a hash" "warn  sudo: no (the directory says password, but it holds no password hash for this user, so sudo cannot check one: give nopasswd, or use a source with password hashes): sudo refuses alice" "$DOC"
contains "no password hash" "warn  password: allowed by the policy, but the directory holds no password for alice" "$DOC"
publish
mv /var/lib/dirbind/secrets.db "$T/secrets.saved"
doc alice
fails "secrets.db missing" "password: allowed, but /var/lib/dirbind/secrets.db does not exist: pam_dirbind cannot check the password and refuses it" \
    "dirbind sync --force  # rewrites secrets.db root-owned, 0600"
mv "$T/secrets.saved" /var/lib/dirbind/secrets.db
cp /etc/passwd "$T/passwd.good"   # useradd would see the directory's alice through NSS
echo 'alice:x:6001:6001::/nonexistent:/usr/sbin/nologin' >>/etc/passwd
doc alice
fails "a local account of the same name" "a local account alice in /etc/passwd shadows the directory user: the local account wins and pam_dirbind ignores the name" \
    "remove or rename the local account (userdel alice) or rename the directory user"
cp "$T/passwd.good" /etc/passwd
mv /var/lib/dirbind/identity.db "$T/identity.saved"
doc
fails "cache missing" "cache /var/lib/dirbind/identity.db does not exist: no directory user resolves (never synced?)" "dirbind sync; dirbind status"
mv "$T/identity.saved" /var/lib/dirbind/identity.db
cp /etc/dirbind/dirbind.yaml "$T/config.good"
echo 'bogus_key: 1' >>/etc/dirbind/dirbind.yaml
doc alice
check "config refused: exit 1" 1 "$DOC_RC"
contains "config refused: named" "FAIL  /etc/dirbind/dirbind.yaml" "$DOC"
contains "config refused: fix" "      fix: dirbind check-config; fix the file it names" "$DOC"
cp "$T/config.good" /etc/dirbind/dirbind.yaml
doc alice
nofail "the audit's setups undone"

# ---- host
cp /etc/nsswitch.conf "$T/nsswitch.good"
sed -i -E 's/^(passwd:.*) dirbind/\1/' /etc/nsswitch.conf
doc
fails "dirbind missing from nsswitch" "/etc/nsswitch.conf: dirbind is missing from the passwd line: directory users do not resolve" \
    "edit /etc/nsswitch.conf: passwd: files dirbind"
doc alice
fails "user: not resolving through NSS" "alice does not resolve through NSS (getent passwd alice is empty): sshd says \"Invalid user\""
sed -i -E 's/^(shadow:.*) dirbind/\1/' /etc/nsswitch.conf
doc
fails "dirbind missing from nsswitch's shadow line" "/etc/nsswitch.conf: dirbind is missing from the shadow line: directory users are refused by pam_unix's account step" \
    "edit /etc/nsswitch.conf: shadow: files dirbind"
cp "$T/nsswitch.good" /etc/nsswitch.conf

cp /etc/pam.d/sshd "$T/pam.good"
sed -i '/^session *[a-z]* *pam_dirbind.so/d' /etc/pam.d/sshd
doc
fails "pam_dirbind missing from the session stack" "/etc/pam.d/sshd: pam_dirbind.so is not in the session stack (includes followed): homes and ~/.ssh/authorized_keys are not created or rebuilt at login" \
    "add \"session requisite pam_dirbind.so\" before \"@include common-session\" in /etc/pam.d/sshd (docs/pam.md)"
cp "$T/pam.good" /etc/pam.d/sshd

# A pam_dirbind line that a jump before it skips is not in a working position (libpam counts
# the modules a [success=N] jumps over): here pam_unix's success would skip it.
{ printf '%s\n' 'auth [success=1 default=ignore] pam_unix.so nullok' \
      'auth [success=done ignore=ignore default=die] pam_dirbind.so' 'auth requisite pam_deny.so' \
      'auth required pam_permit.so'
  grep -v -e '^auth' -e '@include common-auth' "$T/pam.good"; } >/etc/pam.d/sshd
doc
fails "pam_dirbind jumped over by pam_unix's success=1" "/etc/pam.d/sshd:2: pam_dirbind.so does not always run in the auth stack: pam_unix.so ([success=1 default=ignore], /etc/pam.d/sshd:1) jumps over it when it returns success; then directory passwords and verification codes are not checked" \
    "move the pam_dirbind.so line before pam_unix.so (/etc/pam.d/sshd:1), as docs/pam.md shows"
# The same lines with pam_dirbind first: it always runs.
{ printf '%s\n' 'auth [success=done ignore=ignore default=die] pam_dirbind.so' \
      'auth [success=1 default=ignore] pam_unix.so nullok' 'auth requisite pam_deny.so' 'auth required pam_permit.so'
  grep -v -e '^auth' -e '@include common-auth' "$T/pam.good"; } >/etc/pam.d/sshd
doc
contains "pam_dirbind before the jump: ok" "ok    /etc/pam.d/sshd:1: pam_dirbind.so in the auth stack ([success=done ignore=ignore default=die])" "$DOC"
# A jump inside a substack stays there: the substack counts as one module around it.
printf '%s\n' 'auth [success=1 default=ignore] pam_unix.so nullok' 'auth requisite pam_deny.so' >/etc/pam.d/dirbind-sub
{ echo 'auth substack dirbind-sub'; echo 'auth [success=done ignore=ignore default=die] pam_dirbind.so'
  grep -v -e '^auth' -e '@include common-auth' "$T/pam.good"; } >/etc/pam.d/sshd
doc
contains "a jump inside a substack does not skip what follows it" "ok    /etc/pam.d/sshd:2: pam_dirbind.so in the auth stack" "$DOC"
rm /etc/pam.d/dirbind-sub
# A module under the wrong type: account's line typed "acount" (libpam: an always-failing line),
# then written as a session line; then a control that cannot refuse.
sed -E 's/^account +requisite +pam_dirbind.so/acount requisite pam_dirbind.so/' "$T/pam.good" >/etc/pam.d/sshd
doc
fails "a misspelt type" "/etc/pam.d/sshd:7: unknown type \"acount\": libpam logs \"illegal module type\" and installs a line that always fails"
fails "a misspelt type: no account line" "/etc/pam.d/sshd: pam_dirbind.so is not in the account stack (includes followed): user state, login methods, revoked keys and the root rule are not enforced" \
    "add \"account requisite pam_dirbind.so\" before \"@include common-account\" in /etc/pam.d/sshd (docs/pam.md)"
sed -E 's/^account +requisite +pam_dirbind.so/session requisite pam_dirbind.so/' "$T/pam.good" >/etc/pam.d/sshd
doc
fails "the account line typed as session" "/etc/pam.d/sshd: pam_dirbind.so is not in the account stack (includes followed): user state, login methods, revoked keys and the root rule are not enforced"
sed -E 's/^(account +)requisite( +pam_dirbind.so)/\1optional\2/' "$T/pam.good" >/etc/pam.d/sshd
doc
fails "account optional" "/etc/pam.d/sshd:7: account control \"optional\" lets a refusal of pam_dirbind.so pass: user state, login methods, revoked keys and the root rule are not enforced" \
    "use \"account requisite pam_dirbind.so\""
cp "$T/pam.good" /etc/pam.d/sshd
doc
nofail "PAM restored"

sandbox_sshd_config /etc/ssh/sshd_config.e2e "AuthorizedKeysCommand none"
doc
fails "sshd without AuthorizedKeysCommand" "sshd -T: no AuthorizedKeysCommand: directory keys reach sshd only through authorized_keys files written at login, so a first key login fails"
sandbox_sshd_config /etc/ssh/sshd_config.e2e "UsePAM no"
doc
fails "UsePAM no" "sshd -T: UsePAM is no: pam_dirbind never runs and directory users cannot log in" \
    "UsePAM yes in /etc/ssh/sshd_config, then: systemctl reload ssh"
sandbox_sshd_config /etc/ssh/sshd_config.e2e "AuthorizedKeysCommandUser nosuchuser"
doc
fails "AuthorizedKeysCommandUser missing" "sshd -T: AuthorizedKeysCommandUser \"nosuchuser\" does not exist: sshd does not run the command"
sandbox_sshd_config /etc/ssh/sshd_config.e2e "AuthorizedKeysCommandUser root"
doc
fails "AuthorizedKeysCommand run as root" "sshd -T: AuthorizedKeysCommandUser is root (uid 0): the command must run unprivileged"
sandbox_sshd_config /etc/ssh/sshd_config.e2e

publish true
doc
fails "MFA on without AuthenticationMethods" "sshd -T: the directory turns MFA on, but AuthenticationMethods is \"any\": enrolled users who log in with a key are refused at session start without being asked for the code" \
    "AuthenticationMethods publickey,keyboard-interactive (docs/pam.md, MFA)"
sandbox_sshd_config /etc/ssh/sshd_config.e2e "AuthenticationMethods publickey,keyboard-interactive"
doc
absent "MFA with the chain: no MFA failure" "FAIL  sshd -T: the directory turns MFA on" "$DOC"
absent "MFA, PasswordAuthentication no: no password-method warning" "PasswordAuthentication yes while" "$DOC"
sandbox_sshd_config /etc/ssh/sshd_config.e2e "AuthenticationMethods publickey,keyboard-interactive" "PasswordAuthentication yes"
doc
absent "MFA, PasswordAuthentication yes but no list allows password: no warning" "PasswordAuthentication yes while" "$DOC"
sandbox_sshd_config /etc/ssh/sshd_config.e2e "AuthenticationMethods publickey,keyboard-interactive password" "PasswordAuthentication yes"
doc
contains "MFA with PasswordAuthentication yes: warned" "warn  sshd -T: PasswordAuthentication yes while the directory turns MFA on: an enrolled user who logs in by the password method has the password taken as the verification code and is refused; only keyboard-interactive asks for the code" "$DOC"
contains "MFA with PasswordAuthentication yes: fix" "      fix: PasswordAuthentication no and KbdInteractiveAuthentication yes in /etc/ssh/sshd_config, then: systemctl reload ssh" "$DOC"
sandbox_sshd_config /etc/ssh/sshd_config.e2e "AuthenticationMethods publickey,keyboard-interactive"
# ---- the TOTP replay record, read as pam_dirbind reads it before it accepts a code
publish true "" 'totp_secret: "JBSWY3DPEHPK3PXP"'
doc alice
contains "MFA enrolled: the code is asked" "ok    MFA: required; a verification code is asked after the key or password" "$DOC"
contains "no replay record yet" "ok    MFA: no replay record for alice yet (/var/lib/dirbind/totp/alice)" "$DOC"
install -d -m 0700 /var/lib/dirbind/totp
printf '# dirbind: the last TOTP time step accepted for this user\nuid 5001\nstep 12345\n' >/var/lib/dirbind/totp/alice
chmod 0600 /var/lib/dirbind/totp/alice
doc alice
contains "a sound replay record" "ok    MFA: replay record /var/lib/dirbind/totp/alice is sound (last code used at step 12345)" "$DOC"
printf 'uid 5001\nstep 12x\n' >/var/lib/dirbind/totp/alice
doc alice
fails "damaged TOTP replay record" "MFA: /var/lib/dirbind/totp/alice: unreadable record (remove it to reset): pam_dirbind refuses every verification code of alice until it is fixed" \
    "rm /var/lib/dirbind/totp/alice  # forgets only the last code used; the next login writes it anew"
rm /var/lib/dirbind/totp/alice
ln -s /etc/passwd /var/lib/dirbind/totp/alice
doc alice
contains "a symlinked replay record: FAIL" "FAIL  MFA: /var/lib/dirbind/totp/alice: " "$DOC"
contains "a symlinked replay record: its fix" "      fix: rm /var/lib/dirbind/totp/alice  # forgets" "$DOC"
rm /var/lib/dirbind/totp/alice
chmod 0770 /var/lib/dirbind/totp
doc alice
fails "replay records' directory group-writable" "MFA: /var/lib/dirbind/totp: writable by group or others; refusing to trust it: pam_dirbind refuses every verification code of alice until it is fixed" \
    "chown root: /var/lib/dirbind/totp; chmod 0700 /var/lib/dirbind/totp (and /var/lib/dirbind root's, not writable by group/others)"
rm -r /var/lib/dirbind/totp
sandbox_sshd_config /etc/ssh/sshd_config.e2e
publish

python3 - <<'EOF'
import json
p = "/var/lib/dirbind/status.json"
s = json.load(open(p)); s["last_success"] -= 3600; json.dump(s, open(p, "w"))
EOF
doc
contains "stale cache: FAIL" "FAIL  last successful sync 36" "$DOC"
contains "stale cache: no timer here, 60 s assumed and said" "timer intervals (timer interval 60 s, assumed: no dirbind-sync.timer unit file found): the cache is stale" "$DOC"
contains "stale cache: fix" "      fix: dirbind sync; systemctl status dirbind-sync.timer dirbind-sync.service" "$DOC"
dsync

# ---- freshness against the timer's own interval: the shipped unit, then a drop-in
age_by() {  # age_by SECONDS: the last successful sync is that much older
    python3 -c 'import json, sys
p = "/var/lib/dirbind/status.json"
s = json.load(open(p)); s["last_success"] -= int(sys.argv[1]); json.dump(s, open(p, "w"))' "$1"
}
install -D -m 0644 "$SRC/packaging/systemd/dirbind-sync.timer" /etc/systemd/system/dirbind-sync.timer
doc
contains "the shipped timer: minutely" "(timer interval 60 s, from /etc/systemd/system/dirbind-sync.timer: OnCalendar=minutely)" "$DOC"
mkdir -p /etc/systemd/system/dirbind-sync.timer.d
printf '[Timer]\nOnCalendar=\nOnCalendar=*:0/5\n' >/etc/systemd/system/dirbind-sync.timer.d/every5.conf
age_by 700
doc
check "a 5-minute timer: 700 s is fresh" 0 "$DOC_RC"
contains "a 5-minute timer: its interval and where it comes from" "(timer interval 300 s, from /etc/systemd/system/dirbind-sync.timer, /etc/systemd/system/dirbind-sync.timer.d/every5.conf: OnCalendar=*:0/5)" "$DOC"
age_by 300
doc
contains "a 5-minute timer: 1000 s is stale" "timer intervals (timer interval 300 s, from /etc/systemd/system/dirbind-sync.timer, /etc/systemd/system/dirbind-sync.timer.d/every5.conf: OnCalendar=*:0/5): the cache is stale" "$DOC"
rm -r /etc/systemd/system/dirbind-sync.timer /etc/systemd/system/dirbind-sync.timer.d
dsync

# ---- the cache opened as its readers open it
mv /home/alice/.ssh/authorized_keys "$T/ak.saved"   # keys only through AuthorizedKeysCommand
chmod 0700 /var/lib/dirbind
doc
fails "cache dir 0700: the keys user cannot open identity.db" "/var/lib/dirbind/identity.db: dirbind-keys (AuthorizedKeysCommandUser) cannot open it (Permission denied): sshd gets no directory keys from AuthorizedKeysCommand (a key login then works only through an authorized_keys file)" \
    "chmod o+x /var/lib/dirbind"
fails "cache dir 0700: nobody cannot open identity.db" "/var/lib/dirbind/identity.db: nobody (an unprivileged program's NSS) cannot open it (Permission denied): NSS in unprivileged programs does not resolve directory users" \
    "chmod o+x /var/lib/dirbind"
check "cache dir 0700: as doctor says, nobody does not resolve alice" "" "$(setpriv --reuid=nobody --regid=nogroup --clear-groups getent passwd alice)"
login_key alice alice 'id -un'
expect_refused "cache dir 0700: as doctor says, the key login fails"
chmod 0755 /var/lib/dirbind
chmod 0644 /var/lib/dirbind/secrets.db
doc
fails "secrets.db 0644" "/var/lib/dirbind/secrets.db: dirbind-keys (AuthorizedKeysCommandUser) can open it: password hashes and TOTP secrets are exposed" \
    "chown root: /var/lib/dirbind/secrets.db; chmod 600 /var/lib/dirbind/secrets.db"
chmod 0600 /var/lib/dirbind/secrets.db
doc
contains "readers restored" "ok    identity.db opens as dirbind-keys (AuthorizedKeysCommandUser) and nobody (an unprivileged program's NSS); secrets.db opens for neither" "$DOC"
mv "$T/ak.saved" /home/alice/.ssh/authorized_keys

# ---- nscd in front of NSS: warned only while something answers on its socket
printf '# comment\nenable-cache passwd yes\npositive-time-to-live passwd 600\nenable-cache group no\nenable-cache hosts yes\n' >"$T/nscd.conf"
export DIRBIND_NSCD_CONF="$T/nscd.conf" DIRBIND_NSCD_SOCKET="$T/nscd.socket"
python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8); time.sleep(120)' "$T/nscd.socket" &
NSCD_PID=$!
for _ in $(seq 50); do [ -S "$T/nscd.socket" ] && break; sleep 0.1; done
doc
check "nscd caching passwd: a warning, not a failure" 0 "$DOC_RC"
contains "nscd caching passwd: warned" "warn  nscd runs and caches passwd ($T/nscd.conf): after a sync, programs may get its old answers for up to 600 s (a new user unknown, a removed one still there)" "$DOC"
contains "nscd caching passwd: fix" "      fix: nscd -i passwd -i group after each sync, or enable-cache passwd no and enable-cache group no in $T/nscd.conf, then: systemctl restart nscd" "$DOC"
sed -i 's/^enable-cache passwd yes/enable-cache passwd no/' "$T/nscd.conf"
doc
contains "nscd without passwd/group caches: ok" "ok    nscd runs but does not cache passwd or group ($T/nscd.conf)" "$DOC"
sed -i 's/^enable-cache passwd no/enable-cache passwd yes/' "$T/nscd.conf"
kill "$NSCD_PID"; wait "$NSCD_PID" 2>/dev/null
doc
absent "no nscd answering (a stale socket file): no nscd line" "nscd" "$DOC"
rm -f "$T/nscd.socket"
unset DIRBIND_NSCD_CONF DIRBIND_NSCD_SOCKET

# ---- the programs dirbind runs or loads: root's, not writable by others
cp /usr/lib/*/dirbind/dirbind-keys-helper "$T/keys-helper"
chmod 0775 "$T/keys-helper"
DIRBIND_KEYS_HELPER="$T/keys-helper" doc
fails "a group-writable keys helper" "$T/keys-helper: writable by group or others (mode 0775): chmod go-w $T/keys-helper: pam_dirbind does not run it, and authorized_keys is never rebuilt at login" \
    "reinstall the dirbind package (apt-get install --reinstall dirbind), or chown root: $T/keys-helper; chmod 0755 $T/keys-helper"
DIRBIND_KEYS_HELPER="$T/no-such-helper" doc
fails "a missing keys helper" "$T/no-such-helper: No such file or directory: pam_dirbind does not run it, and authorized_keys is never rebuilt at login"
doc
contains "the installed keys helper: ok" "ok    /usr/lib/" "$DOC"

# ---- SELinux: a warning naming where its denials are, only when enforcing
echo 1 >"$T/enforce"
DIRBIND_SELINUX_ENFORCE="$T/enforce" doc
contains "SELinux enforcing: warned" "warn  SELinux is enforcing ($T/enforce): it can deny sshd's confined domain what doctor, running unconfined, is allowed (the cache, homes, the keys command)" "$DOC"
contains "SELinux enforcing: where to look" "      fix: ausearch -m avc -ts recent  # denials name the file and the domain; restorecon -Rv the path" "$DOC"
echo 0 >"$T/enforce"
DIRBIND_SELINUX_ENFORCE="$T/enforce" doc
absent "SELinux permissive: nothing said" "SELinux" "$DOC"

# ---- login_refresh: what it would decide at a login now, the directory asked as refresh-user asks
write_dirbind_config "login_refresh: {enabled: true, timeout: 1}"
doc alice
nofail "login_refresh, directory as the cache"
contains "login_refresh, directory as the cache: ok" "ok    login_refresh: the directory agrees with the cache: alice may log in" "$DOC"
directory_publish <<EOF
system: {password_auth: true, public_key_auth: true, mfa: false}
users:
  - {name: alice, uid: 5001, gid: 5001, state: suspended, password_hash: "$HASH", ssh_keys: [{name: laptop, key: "$(pub alice)"}]}
EOF
doc alice
contains "login_refresh, suspended in the directory only: the cache still says active" "ok    state active: bound to this host" "$DOC"
fails "login_refresh, suspended in the directory only" "login_refresh will refuse alice: Your account is suspended in the directory. Contact your administrator. (what the directory says now; the cache does not say it yet)" \
    "dirbind sync  # brings the cache in line; or, if the directory is wrong, fix alice there"
login_key alice alice 'id -un'
expect_refused "login_refresh, suspended in the directory only: refused, as doctor says"
directory_publish <<EOF
system: {password_auth: true, public_key_auth: true, mfa: false}
users:
  - {name: carol, uid: 5002, gid: 5002}
EOF
doc alice
fails "login_refresh, removed from the directory" "login_refresh will refuse alice: Your account is no longer enabled on this system by the directory. Contact your administrator. (what the directory says now; the cache does not say it yet)"
directory_unreachable
doc alice
contains "login_refresh, directory unreachable: warned" "warn  login_refresh: file $DIRECTORY cannot be asked about alice now (cannot read directory $DIRECTORY: No such file or directory): at login the cache's allow stands (logged: login_refresh failed)" "$DOC"
directory_reachable
write_dirbind_config
publish

directory_unreachable
doc
fails "unreachable directory" "file $DIRECTORY cannot be asked: cannot read directory $DIRECTORY: No such file or directory; logins go on with the cache, which ages"
directory_reachable
finish
