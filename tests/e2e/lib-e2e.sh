# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# lib-e2e.sh — sourced by tests/e2e/test_*.sh: one end-to-end scenario per script, each in
# its own throwaway host.
#
# On the host (first pass) it checks root and the tools (else SKIP, exit 77), then re-runs the
# calling script inside `unshare --mount --net --pid --fork --mount-proc` (bounded by
# `timeout`). Inside (second pass) it makes the sandbox of tests/sandbox.sh (overlays of /etc,
# /var/lib, /var/log, /usr/sbin, /root, the library dir; tmpfs /home, /run; the built dirbind
# installed; nsswitch.conf `files dirbind`), configures sshd and PAM as docs/pam.md tells an
# administrator, starts the directory double (tests/double/) on the namespace's 127.0.0.1, and
# gives the script helpers to edit the directory the double serves, sync over HTTPS, start a
# real sshd on 127.0.0.1 and log in with Debian's ssh. Every file of the run lives in a tmpfs of the
# namespace and every process dies with its pid namespace: nothing outlives the script, and
# the host is checked afterwards to be unchanged.
#
# Assertions are what a user sees through ssh (id, pwd, ls, stat) and what sshd logs.
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$E2E_DIR/../lib.sh"
E2E_LIMIT=${DIRBIND_E2E_TIMEOUT:-150}   # seconds for one whole scenario
E2E_PORT=2222                           # a private network namespace: no clash possible

# What must be identical on the host before and after a scenario.
e2e_host_state() {
    local f
    for f in /etc/nsswitch.conf /etc/pam.d/sshd /etc/passwd /etc/group /etc/shadow /etc/login.defs \
             /etc/dirbind /var/lib/dirbind /root/.ssh/authorized_keys /usr/sbin/dirbind \
             /lib/*/libnss_dirbind.so.2 /lib/*/security/pam_dirbind.so; do
        if [ -f "$f" ]; then md5sum "$f"; elif [ -e "$f" ]; then ls -ld "$f"; else echo "absent $f"; fi
    done
}
# Inside, a canary file is written to every directory the sandbox covers; none may reach the host.
E2E_CANARY_DIRS="/etc /var/lib /var/log /usr/sbin /root /home /run /lib/$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)"

if [ -z "${DIRBIND_E2E_INSIDE:-}" ]; then
    # ---- host side -------------------------------------------------------------------------
    need_root "the end-to-end test (a real sshd in namespaces)"
    for c in unshare timeout ip ssh-keygen openssl; do
        command -v "$c" >/dev/null || skip "$c missing"
    done
    [ -x /usr/sbin/sshd ] || skip "/usr/sbin/sshd missing (Debian package openssh-server)"
    command -v ssh >/dev/null || skip "ssh missing (Debian package openssh-client)"
    command -v sshpass >/dev/null || skip "sshpass missing (Debian package sshpass)"
    if [ "${DIRBIND_E2E_SOURCE:-https}" = https ]; then  # the directory double
        command -v python3 >/dev/null || skip "python3 missing (Debian package python3)"
        python3 -c 'import cryptography' 2>/dev/null || skip "python3-cryptography missing"
    fi
    for f in "$BUILD/dirbind" "$BUILD/libnss_dirbind.so.2" "$BUILD/pam_dirbind.so"; do
        [ -f "$f" ] || { echo "FAIL: $f is not built (make all)"; exit 1; }
    done
    unshare --mount --net --pid --fork --mount-proc true 2>/dev/null ||
        skip "cannot create mount, network and pid namespaces here"
    before=$(e2e_host_state)
    start=$(date +%s)
    rc=0
    timeout -k 5 "$E2E_LIMIT" unshare --mount --net --pid --fork --mount-proc \
        env DIRBIND_E2E_INSIDE="$T" bash "$0" "$@" || rc=$?
    [ "$rc" = 77 ] && exit 77
    [ "$rc" = 124 ] && bad "the scenario did not finish within ${E2E_LIMIT}s"
    check "the host's files are unchanged" "$before" "$(e2e_host_state)"
    leaked=""
    for d in $E2E_CANARY_DIRS; do
        [ -e "$d/.dirbind-e2e-canary.${T##*.}" ] && leaked="$leaked $d" && rm -f "$d/.dirbind-e2e-canary.${T##*.}"
    done
    check "nothing written inside reached the host" "" "$leaked"
    echo "scenario time: $(($(date +%s) - start)) s"
    [ "$rc" = 0 ] || { echo "the scenario failed (exit $rc)"; exit 1; }
    finish
fi

# ---- inside the namespaces -------------------------------------------------------------------
rm -rf "$T"
T=$DIRBIND_E2E_INSIDE
mount --make-rprivate /
mount -t tmpfs -o mode=0700 dirbind-e2e "$T"   # everything below vanishes with the namespace
mkdir -p "$T/sb" "$T/keys"
SANDBOX=$T/sb
. "$SRC/tests/sandbox.sh"
set +e
for d in $E2E_CANARY_DIRS; do : >"$d/.dirbind-e2e-canary.${T##*.}"; done
export HOME=/root LC_ALL=C
unset SSH_AUTH_SOCK SSH_AGENT_PID SSH_ASKPASS DISPLAY
sandbox_sshd_setup || { echo "FAIL: sshd setup"; exit 1; }
E2E_SSHD_LOG=$T/sshd.log
: >"$E2E_SSHD_LOG"
e2e_cleanup() { sandbox_sshd_stop; sandbox_double_stop; }
trap e2e_cleanup EXIT

# ---- the directory source ----------------------------------------------------------------------
# By default the directory is served over HTTPS by the double of tests/double/ (the `https`
# snapshot source: TLS on this namespace's loopback, a CA and certificates made for this run,
# the double a child of this pid namespace). DIRBIND_E2E_SOURCE=file runs the same scenarios on
# the `file` source instead. Scenarios only use the three functions below (and
# $DIRECTORY, the name sync errors give the source), so they read the same for both.
E2E_SOURCE=${DIRBIND_E2E_SOURCE:-https}
DOUBLE_DIR=$T/double                 # the double's files: snapshot, jc.json, control.json, logs
DOUBLE_PORT=8443                     # its good listener, fixed: a restart keeps the URL
DOUBLE_CA=/etc/dirbind/directory-ca.pem
if [ "$E2E_SOURCE" = https ]; then
    DIRECTORY=https://127.0.0.1:$DOUBLE_PORT/snapshot
    # Short limits, so that an unreachable directory costs seconds (timeout × attempts).
    E2E_SOURCE_TIMEOUT=2 E2E_SOURCE_RETRIES=1
    E2E_SYNC_GIVEUP_MS=$(((E2E_SOURCE_TIMEOUT * (E2E_SOURCE_RETRIES + 1) + 2) * 1000))
    E2E_UNREACHABLE_MODES="down reset hang error"
    sandbox_double_start "$DOUBLE_DIR" "$DOUBLE_PORT" "$E2E_LIMIT" || { echo "FAIL: the directory double"; exit 1; }
    install -m 0644 "$DOUBLE_DIR/ca.pem" "$DOUBLE_CA"
    directory_source_config() {
        printf 'source:\n  type: https\n  url: %s\n  ca_file: %s\n' "$DIRECTORY" "$DOUBLE_CA"
        printf '  connect_timeout: 1\n  timeout: %s\n  retries: %s\n' "$E2E_SOURCE_TIMEOUT" "$E2E_SOURCE_RETRIES"
    }
    # directory_publish: the directory document (YAML or JSON) on stdin becomes what the double
    # serves, as application/json or application/yaml (told by its first character).
    directory_publish() {
        cat >"$DOUBLE_DIR/snapshot.tmp"
        if [ "$(tr -d ' \t\r\n' <"$DOUBLE_DIR/snapshot.tmp" | head -c1)" = "{" ]; then
            echo application/json; else echo application/yaml; fi >"$DOUBLE_DIR/snapshot.type"
        mv "$DOUBLE_DIR/snapshot.tmp" "$DOUBLE_DIR/snapshot"
        directory_reachable
    }
    # directory_unreachable [down|reset|hang|error]: down = the double is stopped (connections
    # refused); reset = every connection is reset; hang = no answer within source.timeout;
    # error = HTTP 503 every time. Default: down.
    directory_unreachable() {
        local how=${1:-down}
        case $how in
            down) _double_faults; sandbox_double_stop; return ;;
            reset) _double_faults '{"kind": "reset"}' ;;
            hang) _double_faults '{"kind": "delay", "seconds": 60}' ;;
            error) _double_faults '{"kind": "status", "code": 503}' ;;
            *) echo "directory_unreachable: unknown mode $how" >&2; return 1 ;;
        esac
        [ -n "$SANDBOX_DOUBLE_PID" ] || sandbox_double_start "$DOUBLE_DIR" "$DOUBLE_PORT" "$E2E_LIMIT"
    }
    # directory_reachable: the double runs and answers normally again.
    directory_reachable() {
        _double_faults
        [ -n "$SANDBOX_DOUBLE_PID" ] || sandbox_double_start "$DOUBLE_DIR" "$DOUBLE_PORT" "$E2E_LIMIT"
    }
    _double_faults() {  # _double_faults [FAULT_JSON...]: the double's faults from now on
        local IFS=,
        printf '{"faults": [%s]}\n' "$*" >"$DOUBLE_DIR/control.json.tmp" &&
            mv "$DOUBLE_DIR/control.json.tmp" "$DOUBLE_DIR/control.json"
    }
elif [ "$E2E_SOURCE" = file ]; then
    DIRECTORY=/etc/dirbind/directory.yaml
    E2E_SYNC_GIVEUP_MS=5000
    E2E_UNREACHABLE_MODES="missing directory fifo"
    directory_source_config() { printf 'source: {type: file, path: %s}\n' "$DIRECTORY"; }
    directory_publish() { rm -rf "$DIRECTORY"; cat >"$DIRECTORY"; chmod 0600 "$DIRECTORY"; }
    # directory_unreachable [missing|directory|fifo]: the directory cannot be read any more.
    directory_unreachable() {
        rm -rf "$DIRECTORY"
        case ${1:-missing} in
            missing) ;;
            directory) mkdir -m 0700 "$DIRECTORY" ;;
            fifo) mkfifo -m 0600 "$DIRECTORY" ;;
        esac
    }
    directory_reachable() { :; }
else
    echo "FAIL: DIRBIND_E2E_SOURCE=$E2E_SOURCE (https or file)"; exit 1
fi

# write_dirbind_config [LINE...]: /etc/dirbind/dirbind.yaml with the source and extra lines.
write_dirbind_config() {
    { directory_source_config; echo "home: /home/%u"; [ $# -eq 0 ] || printf '%s\n' "$@"; } \
        >/etc/dirbind/dirbind.yaml
    chmod 0644 /etc/dirbind/dirbind.yaml
}
write_dirbind_config

# ---- keys --------------------------------------------------------------------------------------
# mkkey NAME: a fresh ed25519 key pair $T/keys/NAME(.pub); `pub NAME` prints the public key.
mkkey() { ssh-keygen -q -t ed25519 -N '' -C "$1@e2e" -f "$T/keys/$1" >/dev/null; }
pub() { cat "$T/keys/$1.pub"; }
# fp NAME: the key's SHA256 fingerprint, as sshd logs it; fpre NAME: the same as a regex.
fp() { ssh-keygen -l -f "$T/keys/$1.pub" | awk '{print $2}'; }
fpre() { fp "$1" | sed 's/[][\.*^$+?(){}|]/\\&/g'; }

# ---- sync --------------------------------------------------------------------------------------
# dsync: `dirbind sync` (bounded); sets SYNC_RC and SYNC_OUT (stdout and stderr).
dsync() {
    SYNC_OUT=$(timeout 20 dirbind sync "$@" 2>&1)
    SYNC_RC=$?
}

# ---- sshd --------------------------------------------------------------------------------------
# start_sshd [LINE...]: (re)starts the sandbox's sshd on $E2E_PORT; LINEs override docs/pam.md's
# settings (e.g. "PasswordAuthentication yes").
start_sshd() {
    sandbox_sshd_stop
    sandbox_sshd_config /etc/ssh/sshd_config.e2e "$@"
    sandbox_sshd_start /etc/ssh/sshd_config.e2e "$E2E_PORT" "$E2E_SSHD_LOG" "$E2E_LIMIT" ||
        { bad "sshd starts"; exit 1; }
}

# ---- logins ------------------------------------------------------------------------------------
# After each login: RC (ssh's exit status), OUT (the remote command's stdout), ERR (what the
# client printed: banners, "Permission denied"), RAN (1 if the remote command started), MS
# (wall time in ms), SLOG (what sshd logged). The remote command is prefixed with a marker
# written to stderr, so that a login refused at session start (sshd exits 254 after printing
# the PAM messages) is told apart from one that ran the command.
E2E_MARK=__dirbind_e2e_command_ran__
SSH_COMMON=(-F /dev/null -p "$E2E_PORT" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
            -o ConnectTimeout=5 -o ServerAliveInterval=5 -o ServerAliveCountMax=2 -T)
_login() {
    local mark i
    mark=$(wc -l <"$E2E_SSHD_LOG")
    local t0
    t0=$(date +%s%N)
    OUT=$("$@" 2>"$T/ssh.err" </dev/null)
    RC=$?
    MS=$((($(date +%s%N) - t0) / 1000000))
    RAN=0
    grep -q "$E2E_MARK" "$T/ssh.err" && RAN=1
    ERR=$(grep -v "$E2E_MARK" "$T/ssh.err")
    # sshd may still be writing the end of the connection; give it a moment (≤ 1 s).
    for i in $(seq 20); do
        tail -n +$((mark + 1)) "$E2E_SSHD_LOG" |
            grep -qE 'Disconnected from|Connection closed|Access denied|Received disconnect|Invalid user|Connection reset' && break
        sleep 0.05
    done
    SLOG=$(tail -n +$((mark + 1)) "$E2E_SSHD_LOG")
    echo "  [ssh ${*: -3:1}: exit $RC, $MS ms]"
}
# login_key USER KEYNAME [COMMAND]: a public-key login with $T/keys/KEYNAME (or a path).
login_key() {
    local user=$1 k=$2; shift 2
    [ -f "$k" ] || k=$T/keys/$k
    _login timeout 15 ssh "${SSH_COMMON[@]}" -o BatchMode=yes -o IdentitiesOnly=yes \
        -o PreferredAuthentications=publickey -i "$k" "$user@127.0.0.1" "echo $E2E_MARK >&2;" "${@:-true}"
}
# login_pw USER PASSWORD [COMMAND]: keyboard-interactive (PAM) password login via sshpass.
login_pw() { _login_pw keyboard-interactive "$@"; }
# login_pwauth USER PASSWORD [COMMAND]: the "password" method (needs PasswordAuthentication yes).
login_pwauth() { _login_pw password "$@"; }
_login_pw() {
    local method=$1 user=$2 pw=$3; shift 3
    SSHPASS=$pw _login timeout 20 sshpass -e ssh "${SSH_COMMON[@]}" -o BatchMode=no \
        -o PubkeyAuthentication=no -o PreferredAuthentications="$method" \
        -o NumberOfPasswordPrompts=1 "$user@127.0.0.1" "echo $E2E_MARK >&2;" "${@:-true}"
}

# expect_login NAME: the last login worked; expect_refused NAME: it did not (and nothing ran).
expect_login() {
    if [ "$RC" = 0 ] && [ "$RAN" = 1 ]; then ok "$1"; else
        bad "$1 (ssh exit $RC)"; printf '  client: %s\n' "$ERR" | head -n 5
        echo "$SLOG" | tail -n 8 | sed 's/^/  sshd:   /'
    fi
}
# A refusal counts only if sshd really handled the connection (not "Connection refused").
expect_refused() {
    if [ "$RC" != 0 ] && [ "$RAN" = 0 ] && echo "$SLOG" | grep -q "Connection from 127.0.0.1"; then ok "$1"; else
        bad "$1 (ssh exit $RC)"; printf '  out: %s\n  client: %s\n' "$OUT" "$ERR" | head -n 8
        echo "$SLOG" | tail -n 8 | sed 's/^/  sshd:   /'
    fi
}
# expect_fast NAME [MS]: the last login (success or refusal) took at most MS ms (default 2000).
expect_fast() {
    if [ "$MS" -le "${2:-2000}" ]; then ok "$1 (${MS} ms)"; else bad "$1 took ${MS} ms"; fi
}
# sshd_logged NAME PATTERN: sshd logged a line matching the extended regex during the last login.
sshd_logged() {
    if echo "$SLOG" | grep -qE -- "$2"; then ok "$1"; else
        bad "$1"; echo "  wanted /$2/ in:"; echo "$SLOG" | sed 's/^/  sshd: /' | tail -n 15
    fi
}

# pwhash PASSWORD: a sha512crypt hash made now.
pwhash() { openssl passwd -6 "$1"; }

# totp [STEPS]: the RFC 6238 code (HMAC-SHA1, 30 s, 6 digits) of $SECRET (the scenario's base32
# TOTP secret), STEPS steps from now; computed with Python's standard library, not dirbind's C++.
totp() {
    python3 - "$SECRET" "${1:-0}" <<'PY'
import base64, hashlib, hmac, struct, sys, time
key = base64.b32decode(sys.argv[1])
step = int(time.time()) // 30 + int(sys.argv[2])
mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
off = mac[-1] & 0x0F
print("%06d" % ((struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 1000000))
PY
}
