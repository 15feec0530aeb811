# SPDX-License-Identifier: Apache-2.0
# sandbox.sh — sourced INSIDE a private mount (and net) namespace made by
# `unshare --mount --net --fork` (tests/e2e and the demo add `--pid --mount-proc`, so every
# process started inside dies with the namespace): makes /etc, /var/lib, /var/log, /usr/sbin,
# /root and the library dir writable overlays whose changes land in $SANDBOX (never on the
# host), puts a tmpfs on /home and /run, and installs the built dirbind there as
# `make install` would. The sandbox_sshd_* functions below set up and start a real sshd the
# way docs/pam.md tells an administrator to (used by tests/e2e, `make demo` and bench/login.sh);
# sandbox_double_* serve the directory over HTTPS from the double of tests/double/ inside it.
# Usage: SANDBOX=/scratch BUILD=/path/to/build SRC=/path/to/source . tests/sandbox.sh
set -eu
: "${SANDBOX:?}" "${BUILD:?}"
TRIPLET=$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)
LIBDIR=$(readlink -f /lib/$TRIPLET)

# A sandbox is an installed host: its cache is /var/lib/dirbind (an overlay below), whatever
# the caller's environment says (common/cache/cache_location.h).
unset DIRBIND_CACHE_DIR
mount --make-rprivate /
ip link set lo up 2>/dev/null || true
overlay() {  # overlay DIR: writes to DIR go to $SANDBOX/ov/<name>/up
    local name=${1//\//_}
    mkdir -p "$SANDBOX/ov/$name/up" "$SANDBOX/ov/$name/work"
    mount -t overlay overlay -o "lowerdir=$1,upperdir=$SANDBOX/ov/$name/up,workdir=$SANDBOX/ov/$name/work" "$1"
}
overlay /etc
overlay /var/lib
overlay /var/log     # sshd writes wtmp, btmp and lastlog there
overlay /usr/sbin
overlay "$LIBDIR"
mount -t tmpfs -o mode=0755 tmpfs /home
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/sshd /etc/dirbind /var/lib/dirbind

install -m 0644 "$BUILD/libnss_dirbind.so.2" "$LIBDIR/libnss_dirbind.so.2"
install -m 0755 "$BUILD/dirbind" /usr/sbin/dirbind
# The network plugin where the built binaries look for it (the Makefile's PLUGINDIR).
install -D -m 0644 "$BUILD/dirbind-net.so" "$LIBDIR/dirbind/dirbind-net.so"
if [ -f "$BUILD/pam_dirbind.so" ]; then
    mkdir -p "$LIBDIR/security"
    install -m 0644 "$BUILD/pam_dirbind.so" "$LIBDIR/security/pam_dirbind.so"
fi
# dirbind after files on the passwd, group and shadow lines, as the package does.
sed -i -E 's/^(passwd|group|shadow):(.*)$/\1:\2 dirbind/' /etc/nsswitch.conf
# nscd would answer from its own cache instead of asking the module.
command -v nscd >/dev/null && nscd -i passwd 2>/dev/null || true
# Root's home: tests give root an ~/.ssh (root-login checks); the host's /root is never written.
overlay /root

# ---- sshd, configured as docs/pam.md says -----------------------------------------------
SANDBOX_SSHD_KEY=/etc/ssh/sandbox_host_ed25519_key

# sandbox_sshd_setup: the one-time host configuration an administrator does for sshd:
# pam_dirbind in /etc/pam.d/sshd (the Debian 12 stack plus the four lines of docs/pam.md,
# each just before the @include of its type), the AuthorizedKeysCommandUser `dirbind-keys`,
# and a host key made for this sandbox.
sandbox_sshd_setup() {
    cat >/etc/pam.d/sshd <<'EOP'
# PAM configuration for the Secure Shell service (Debian 12), plus dirbind (docs/pam.md).
# dirbind: directory users' passwords; others fall through to common-auth (PAM_IGNORE).
auth      [success=done ignore=ignore default=die]  pam_dirbind.so
@include common-auth
account    required     pam_nologin.so
# dirbind: user state, login method, revoked keys, root login.
account    requisite    pam_dirbind.so
@include common-account
session [success=ok ignore=ignore module_unknown=ignore default=bad]        pam_selinux.so close
session    required     pam_loginuid.so
session    optional     pam_keyinit.so force revoke
# dirbind: creates the home and rebuilds ~/.ssh/authorized_keys (as root).
session    requisite    pam_dirbind.so
@include common-session
session    optional     pam_motd.so  motd=/run/motd.dynamic
session    optional     pam_motd.so noupdate
session    optional     pam_mail.so standard noenv
session    required     pam_limits.so
session    required     pam_env.so
session    required     pam_env.so user_readenv=1 envfile=/etc/default/locale
session [success=ok ignore=ignore module_unknown=ignore default=bad]        pam_selinux.so open
# dirbind: "change your password in the directory" for directory users.
password   requisite    pam_dirbind.so
@include common-password
EOP
    getent passwd dirbind-keys >/dev/null ||
        useradd --system --user-group --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin dirbind-keys
    mkdir -p /run/sshd
    rm -f "$SANDBOX_SSHD_KEY" "$SANDBOX_SSHD_KEY.pub"
    ssh-keygen -q -t ed25519 -N '' -C sandbox-host -f "$SANDBOX_SSHD_KEY" >/dev/null
}

# sandbox_sshd_config FILE [LINE...]: an sshd_config for the sandbox. The LINEs come first
# (sshd keeps the first value it reads for a keyword), then the settings of docs/pam.md.
sandbox_sshd_config() {
    local file=$1; shift
    { [ $# -eq 0 ] || printf '%s\n' "$@"
      cat <<EOC
ListenAddress 127.0.0.1
HostKey $SANDBOX_SSHD_KEY
PidFile none
UsePAM yes
PubkeyAuthentication yes
AuthorizedKeysCommand /usr/sbin/dirbind authorized-keys %u %U %f
AuthorizedKeysCommandUser dirbind-keys
KbdInteractiveAuthentication yes
PasswordAuthentication no
PermitRootLogin prohibit-password
StrictModes yes
LogLevel VERBOSE
UseDNS no
PrintMotd no
PrintLastLog no
MaxStartups 20:30:60
EOC
    } >"$file"
    chmod 0644 "$file"
}

# sandbox_sshd_start CONFIG PORT LOG [SECONDS]: sshd -D -e in the background (bounded by
# `timeout`, default 600 s), its log appended to LOG; waits until it listens. Sets SSHD_PID.
sandbox_sshd_start() {
    local cfg=$1 port=$2 log=$3 limit=${4:-600}
    /usr/sbin/sshd -t -f "$cfg" -p "$port" || { echo "sandbox: sshd rejects $cfg" >&2; return 1; }
    : >>"$log"
    local before
    before=$(grep -c "Server listening on 127.0.0.1 port $port" "$log" || true)
    timeout "$limit" /usr/sbin/sshd -D -e -f "$cfg" -p "$port" 2>>"$log" </dev/null &
    SSHD_PID=$!
    _sandbox_started "$SSHD_PID" "sshd on port $port" "$log" \
        eval '[ "$(grep -c "Server listening on 127.0.0.1 port $port" "$log" || true)" -gt "$before" ]'
}

# _sandbox_started PID WHAT LOG TEST...: waits (5 s at most) until the command TEST succeeds;
# fails, showing the end of LOG, if it does not or the process PID ends first.
_sandbox_started() {
    local pid=$1 what=$2 log=$3 i
    shift 3
    for i in $(seq 100); do
        "$@" && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    echo "sandbox: $what did not start:" >&2
    tail -n 20 "$log" >&2
    return 1
}

# sandbox_sshd_stop: stops the sshd started last (and waits for it).
sandbox_sshd_stop() {
    [ -n "${SSHD_PID:-}" ] || return 0
    kill "$SSHD_PID" 2>/dev/null || true
    wait "$SSHD_PID" 2>/dev/null || true
    SSHD_PID=
}

# ---- the directory double (tests/double/), served inside the sandbox ---------------------------
# The sandbox's own network namespace has its own loopback, so the double listens on
# 127.0.0.1 there and nowhere else; it dies with the pid namespace at the latest.
SANDBOX_DOUBLE_PID=

# sandbox_double_start DIR PORT [SECONDS]: the double of tests/double/double.py serving DIR
# (its `snapshot`, `jc.json`, `control.json`) with its good listener on 127.0.0.1:PORT, for at
# most SECONDS (default 600). The first start makes a fresh CA and certificates in DIR
# (DIR/ca.pem is what dirbind must trust); a restart keeps them and the URL.
sandbox_double_start() {
    local dir=$1 port=$2 limit=${3:-600}
    local double=${SRC:?}/tests/double
    mkdir -p "$dir"
    [ -s "$dir/ca.pem" ] || python3 "$double/mkcerts.py" "$dir" ||
        { echo "sandbox: mkcerts.py failed" >&2; return 1; }
    rm -f "$dir/ports.json"
    python3 "$double/double.py" --dir "$dir" --port "$port" --lifetime "$limit" >>"$dir/out.log" 2>&1 &
    SANDBOX_DOUBLE_PID=$!
    _sandbox_started "$SANDBOX_DOUBLE_PID" "the directory double on port $port" "$dir/out.log" \
        test -s "$dir/ports.json"
}

# sandbox_double_stop: stops the double (connections to its port are refused from then on).
sandbox_double_stop() {
    [ -n "${SANDBOX_DOUBLE_PID:-}" ] || return 0
    kill "$SANDBOX_DOUBLE_PID" 2>/dev/null || true
    wait "$SANDBOX_DOUBLE_PID" 2>/dev/null || true
    SANDBOX_DOUBLE_PID=
}
