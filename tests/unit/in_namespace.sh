#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# in_namespace.sh BINARY — runs a test program that must chown to other users (test_provision,
# test_pam_session: their test_X.sh wrappers call this) as real root inside a private mount namespace: a tmpfs scratch for homes, and a copy of /etc bind-mounted
# over /etc, so even a bug that writes through a symlink cannot reach the host's /etc/shadow.
# Exit status is the program's; 77 (SKIP, with the reason printed) when root or unshare is missing.
set -eu

bin=${1:?usage: tests/unit/in_namespace.sh BUILD/tests/test_provision}
[ "$(id -u)" = 0 ] || { echo "SKIP: $(basename "$bin") needs real root (it chowns to uid 5001)"; exit 77; }
command -v unshare >/dev/null || { echo "SKIP: unshare(1) not found"; exit 77; }
[ -x "$bin" ] || { echo "in_namespace.sh: $bin is not an executable" >&2; exit 2; }
bin=$(realpath "$bin")
# The scratch tmpfs is mounted on /mnt inside the namespace; a binary there would be hidden.
case $bin in /mnt/*) echo "in_namespace.sh: move $bin out of /mnt" >&2; exit 2 ;; esac

if [ "${DIRBIND_PROVISION_NS:-}" != 1 ]; then
    # A quick probe: containers without CAP_SYS_ADMIN cannot make a mount namespace.
    unshare --mount --fork true 2>/dev/null || { echo "SKIP: cannot create a mount namespace here"; exit 77; }
    rm -f /etc/.dirbind-provision-canary
    rc=0
    unshare --mount --fork env DIRBIND_PROVISION_NS=1 "$0" "$bin" || rc=$?
    # Written to /etc inside the namespace: if it shows here, the copy did not shield the host.
    if [ -e /etc/.dirbind-provision-canary ]; then
        rm -f /etc/.dirbind-provision-canary
        echo "in_namespace.sh: FAIL: the namespace's /etc was the host's /etc" >&2
        exit 1
    fi
    exit "$rc"
fi

# From here on we are alone in our own mount namespace.
mount --make-rprivate /
# Mode 0755 root: the unit trusts a home base only if it and every directory above it are.
mount -t tmpfs -o mode=0755,size=512m dirbind-provision-test /mnt
mkdir -m 0755 /mnt/etc /mnt/cases
cp -a /etc/. /mnt/etc/
mount --bind /mnt/etc /etc
# Refuse to go on unless the bind mount really hides the host's /etc.
findmnt -n -o SOURCE /etc >/dev/null || { echo "in_namespace.sh: /etc is not a mount point" >&2; exit 2; }
echo "dirbind-provision-test-canary" >/etc/.dirbind-provision-canary

export DIRBIND_PROVISION_SCRATCH=/mnt/cases
rc=0
"$bin" || rc=$?
exit "$rc"
