#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# demo.sh BUILD [--shell] — `make demo` and `make demo-shell`.
#
# Inside a throwaway host (private mount, network and pid namespaces; tests/sandbox.sh makes
# overlays of /etc, /var/lib, /var/log, /usr/sbin, /root and the library dir, and tmpfs /home
# and /run), demo/inside.sh serves the sample directory over HTTPS from the directory double
# (tests/double/, on the sandbox's own 127.0.0.1), configures dirbind to fetch it, syncs,
# starts a real sshd on 127.0.0.1 and logs in as the directory user alice, narrating each step.
# With --shell it stops before the login and leaves you at a root shell inside the sandbox.
# When it ends, every process it started dies with the pid namespace and the scratch
# directory is removed: nothing keeps running and nothing on the host has changed.
set -euo pipefail
BUILD=$(realpath "${1:-build}")
MODE=${2:-}
SRC=$(cd "$(dirname "$0")/.." && pwd)
case $MODE in "" | --shell) ;; *) echo "usage: demo/demo.sh BUILD [--shell]" >&2; exit 2 ;; esac
die() { echo "make demo: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (it uses mount namespaces; the host is not changed)"
for f in dirbind libnss_dirbind.so.2 pam_dirbind.so; do
    [ -f "$BUILD/$f" ] || die "$BUILD/$f is missing: run 'make' first"
done
[ -x /usr/sbin/sshd ] && command -v ssh >/dev/null && command -v ssh-keygen >/dev/null ||
    die "needs openssh-server and openssh-client (make deps installs them)"
command -v unshare >/dev/null || die "needs unshare (util-linux)"
python3 -c 'import cryptography' 2>/dev/null ||
    die "needs python3 and python3-cryptography for the directory double (make deps installs them)"
[ -f "$BUILD/dirbind-net.so" ] || die "$BUILD/dirbind-net.so is missing: run 'make' first"
unshare --mount --net --pid --fork --mount-proc true 2>/dev/null ||
    die "cannot create mount, network and pid namespaces here (a container without CAP_SYS_ADMIN?)"

T=$(mktemp -d /tmp/dirbind-demo.XXXXXX)
trap 'rm -rf "$T"' EXIT
rc=0
unshare --mount --net --pid --fork --mount-proc \
    env SANDBOX="$T/sb" BUILD="$BUILD" SRC="$SRC" DEMO_MODE="$MODE" bash "$SRC/demo/inside.sh" || rc=$?
echo
if [ -n "$MODE" ]; then
    echo "== Left the sandbox: its sshd and directory double are stopped and its files are gone; the host was never changed."
    exit 0
fi
echo "== The sandbox is gone (sshd and the directory double stopped, files removed): the host's /etc, /home and /var were never written."
exit "$rc"
