#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# inside.sh — the demo's steps, run by demo/demo.sh inside the namespaces it made
# (SANDBOX, BUILD, SRC and DEMO_MODE come from there). Everything here writes only into the
# sandbox's overlays and tmpfs.
set -euo pipefail
. "$SRC/tests/sandbox.sh"
PORT=2222
KEY=/root/alice_ed25519          # /root is an overlay: the key vanishes with the sandbox
RUN=/run/dirbind-demo            # /run is a tmpfs of the sandbox
SSHD_CONFIG=/etc/ssh/sshd_config.dirbind-demo
mkdir -p "$RUN"
export LC_ALL=C HOME=/root
unset SSH_AUTH_SOCK SSH_AGENT_PID

say() { printf '\n== %s\n' "$*"; }
note() { printf '   %s\n' "$@"; }
show() { printf '$ %s\n' "$*"; "$@" 2>&1 | sed 's/^/  /'; }
# show_sh 'a pipeline': like show, for a command line with pipes or redirections.
show_sh() { printf '$ %s\n' "$1"; bash -c "$1" 2>&1 | sed 's/^/  /'; }
fail() {
    printf '\nmake demo: FAILED: %s\n' "$1" >&2
    if [ -s "$RUN/sshd.log" ]; then
        echo "sshd's log (last lines):" >&2
        tail -n 15 "$RUN/sshd.log" | sed 's/^/  /' >&2
    fi
    exit 1
}

say "1. A throwaway host"
note "Private mount, network and pid namespaces: /etc, /var/lib, /var/log, /usr/sbin, /root" \
     "and the library directory are overlays of the host's (writes stay in the sandbox)," \
     "/home and /run are empty. dirbind is installed there as 'make install' would:"
show ls -l /usr/sbin/dirbind "$LIBDIR/libnss_dirbind.so.2" "$LIBDIR/security/pam_dirbind.so"

say "2. The directory, served over HTTPS, and where dirbind finds it"
DOUBLE_DIR=$RUN/double           # the double's files: its CA, certificates and the document
DOC=$DOUBLE_DIR/snapshot         # the document it serves at /snapshot
sandbox_double_start "$DOUBLE_DIR" 8443 86400 || fail "the directory double did not start"
install -m 0644 "$DOUBLE_DIR/ca.pem" /etc/dirbind/directory-ca.pem
ssh-keygen -q -t ed25519 -N '' -C "alice@demo" -f "$KEY"
sed "s|key: \"ssh-ed25519 [^\"]* alice@example\"|key: \"$(cat "$KEY.pub")\"|" \
    "$SRC/docs/examples/directory.yaml" >"$DOC"
echo application/yaml >"$DOC.type"
grep -qF "$(cut -d' ' -f2 "$KEY.pub")" "$DOC" ||
    fail "could not put the new key into the sample directory"
note "A local stand-in for a directory server (tests/double/double.py) listens on" \
     "https://127.0.0.1:8443 inside the sandbox, with a CA and certificate made for this run." \
     "It serves docs/examples/directory.yaml, alice's key replaced by a key pair made just now" \
     "($KEY):"
show_sh "grep -n -e '^  - name:' -e 'state:' -e 'key: ' -e '_auth:' -e 'root_login:' $DOC"
note "So: alice logs in with her key; bob is suspended; carol uses a password only;" \
     "the system allows keys and passwords, and no root login."
cat >/etc/dirbind/dirbind.yaml <<'EOC'
source:
  type: https
  url: https://127.0.0.1:8443/snapshot
  ca_file: /etc/dirbind/directory-ca.pem
home: /home/%u
EOC
note "dirbind's config: fetch that document over HTTPS, trusting only that CA:"
show cat /etc/dirbind/dirbind.yaml

say "3. Wire dirbind into the host, as docs/nss.md and docs/pam.md say"
note "NSS asks dirbind after the local files:"
show_sh "grep -E '^(passwd|group|shadow):' /etc/nsswitch.conf"
sandbox_sshd_setup
note "PAM (/etc/pam.d/sshd, the Debian stack plus four lines):"
show_sh "grep -n pam_dirbind /etc/pam.d/sshd"
sandbox_sshd_config "$SSHD_CONFIG"
note "sshd asks 'dirbind authorized-keys' for keys, as the unprivileged user dirbind-keys:"
show_sh "grep -E '^(UsePAM|AuthorizedKeysCommand|KbdInteractiveAuthentication|PermitRootLogin)' $SSHD_CONFIG"

say "4. Sync: fetch the directory, check every record, write the local cache"
show dirbind check-config
show dirbind sync
show ls -l /var/lib/dirbind
note "identity.db (readable by all) is what NSS and 'dirbind authorized-keys' read;" \
     "secrets.db (root only) holds the states and password hashes for PAM."

say "5. NSS now answers for the directory's users (from the cache, no network)"
show getent passwd alice bob carol
show id alice
show_sh "getent shadow bob | cut -d: -f1,2"
note "bob still resolves (his files keep an owner), but his password field is locked:" \
     "he is suspended, and every login of his is refused."
note "What sshd will be told about alice's keys:"
show runuser -u dirbind-keys -- dirbind authorized-keys alice

say "6. Start sshd inside the sandbox on 127.0.0.1:$PORT"
sandbox_sshd_start "$SSHD_CONFIG" "$PORT" "$RUN/sshd.log" || fail "sshd did not start"
note "sshd -D -e -f $SSHD_CONFIG -p $PORT (host key made for this sandbox; log: $RUN/sshd.log)"
show_sh "ls -A /home | grep -v '^[.]' || echo '(no homes yet)'"

if [ "${DEMO_MODE:-}" = --shell ]; then
    install -d -m 0700 /root/.ssh
    echo "[127.0.0.1]:$PORT $(cat "$SANDBOX_SSHD_KEY.pub")" >>/root/.ssh/known_hosts
    {
        echo '[ -f /etc/bash.bashrc ] && . /etc/bash.bashrc'
        echo "PS1='[dirbind sandbox] \\u@\\h:\\w# '"
        echo "cat <<'GUIDE'"
        echo
        echo "== You are root inside the sandbox; nothing you do here reaches the host. Try:"
        printf '  %-52s %s\n' \
            "ssh -p $PORT -i $KEY alice@127.0.0.1" "alice logs in with her key" \
            "ssh -p $PORT carol@127.0.0.1" "carol: password 'correct horse battery staple'" \
            "getent passwd alice; id carol; dirbind status" "what this host knows" \
            "\${EDITOR:-vi} $DOC" "change the directory (suspend alice, drop" \
            "dirbind sync" "a key, allow root...), sync, log in again" \
            "tail $RUN/sshd.log" "what sshd logged" \
            "exit" "leave: sshd stops, the sandbox is removed"
        echo "GUIDE"
    } >"$RUN/bashrc"
    set +e
    bash --rcfile "$RUN/bashrc" -i
    exit 0
fi

say "7. alice logs in over ssh with her new key"
SSH=(ssh -F /dev/null -p "$PORT" -i "$KEY" -o IdentitiesOnly=yes -o BatchMode=yes -o ConnectTimeout=5
     -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null)
printf '$ ssh -p %s -i %s alice@127.0.0.1 '\''id; ls -la ~/.ssh'\''\n' "$PORT" "$KEY"
rc=0
session=$(timeout 20 "${SSH[@]}" alice@127.0.0.1 'id; ls -la ~/.ssh' 2>"$RUN/ssh.err") || rc=$?
sleep 0.2
if [ "$rc" != 0 ]; then
    grep -v "^Warning: Permanently added" "$RUN/ssh.err" | sed 's/^/  /'
    fail "alice's login was refused (ssh exit $rc)"
fi
note "sshd logged:"
grep -E 'Accepted key|Accepted publickey|Starting session' "$RUN/sshd.log" | awk '!seen[$0]++' | sed 's/^/     /'
note "alice had no home yet, so no ~/.ssh/authorized_keys: sshd asked" \
     "'dirbind authorized-keys alice SHA256:...' and got her key; pam_dirbind checked" \
     "that she is active and that the directory allows key logins on this host."

say "8. What the login created (pam_dirbind, at session start)"
show ls -la /home/alice
show_sh "grep -v '^#' /home/alice/.ssh/authorized_keys"
note "Her home was made from /etc/skel (mode from /etc/login.defs), and" \
     "~/.ssh/authorized_keys (0600, hers) holds the directory's keys."

say "9. From inside alice's ssh session: id; ls -la ~/.ssh"
printf '%s\n' "$session" | sed 's/^/  /'
