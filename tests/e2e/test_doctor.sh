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
# publish [MFA] [EXTRA_KEY_YAML]: alice with her key (and one more key entry, as given).
publish() {
    directory_publish <<EOF
system: {password_auth: true, public_key_auth: true, mfa: ${1:-false}}
users:
  - {name: alice, uid: 5001, gid: 5001, password_hash: "$HASH",
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

# ---- host
cp /etc/nsswitch.conf "$T/nsswitch.good"
sed -i -E 's/^(passwd:.*) dirbind/\1/' /etc/nsswitch.conf
doc
fails "dirbind missing from nsswitch" "/etc/nsswitch.conf: dirbind is missing from the passwd line: directory users do not resolve" \
    "edit /etc/nsswitch.conf: passwd: files dirbind"
doc alice
fails "user: not resolving through NSS" "alice does not resolve through NSS (getent passwd alice is empty): sshd says \"Invalid user\""
cp "$T/nsswitch.good" /etc/nsswitch.conf

cp /etc/pam.d/sshd "$T/pam.good"
sed -i '/^session *[a-z]* *pam_dirbind.so/d' /etc/pam.d/sshd
doc
fails "pam_dirbind missing from the session stack" "/etc/pam.d/sshd: pam_dirbind.so is not in the session stack (includes followed): homes and ~/.ssh/authorized_keys are not created or rebuilt at login" \
    "add \"session required pam_dirbind.so\" before \"@include common-session\" in /etc/pam.d/sshd (docs/pam.md)"
cp "$T/pam.good" /etc/pam.d/sshd

sandbox_sshd_config /etc/ssh/sshd_config.e2e "AuthorizedKeysCommand none"
doc
fails "sshd without AuthorizedKeysCommand" "sshd -T: no AuthorizedKeysCommand: directory keys reach sshd only through authorized_keys files written at login, so a first key login fails"
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
sandbox_sshd_config /etc/ssh/sshd_config.e2e
publish

python3 - <<'EOF'
import json
p = "/var/lib/dirbind/status.json"
s = json.load(open(p)); s["last_success"] -= 3600; json.dump(s, open(p, "w"))
EOF
doc
contains "stale cache: FAIL" "FAIL  last successful sync 36" "$DOC"
contains "stale cache: fix" "      fix: dirbind sync; systemctl status dirbind-sync.timer dirbind-sync.service" "$DOC"
dsync

directory_unreachable
doc
fails "unreachable directory" "file $DIRECTORY cannot be asked: cannot read directory $DIRECTORY: No such file or directory; logins go on with the cache, which ages"
directory_reachable
finish
