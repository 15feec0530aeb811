#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# ldap_peers_install.sh — installs the LDAP peers of bench/ldap.sh from Debian (SSSD's LDAP
# provider: sssd-ldap, libnss-sss; nslcd: nslcd, libnss-ldapd) when they are missing, and puts
# back every file under /etc that their maintainer scripts changed or added (nsswitch.conf,
# pam.d/common-*, nslcd.conf, sssd/…): the host's name service and PAM stack are as before.
# Only `make bench` runs this, never `make check` (the peers are no build dependency).
# The system users the packages add (sssd, nslcd) stay, as after any package install; the files
# under /etc that are left changed are listed on stderr.
#
# Usage: bench/ldap_peers_install.sh   (root; exit 0 when both peers are there afterwards)
set -euo pipefail
PKGS=(sssd-ldap libnss-sss nslcd libnss-ldapd)
say() { echo "bench/ldap peers: $*" >&2; }
[ "$(id -u)" = 0 ] || { say "not root: cannot install"; exit 1; }

missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -gt 0 ] || exit 0

B=$(mktemp -d "${TMPDIR:-/tmp}/dirbind-bench-etc.XXXXXX")
trap 'rm -rf "$B"' EXIT
# The whole of /etc before: what the postinsts change or add is put back from it below.
cp -a /etc "$B/etc"
(cd /etc && find . -xdev \( -type f -o -type l \) -print0 | sort -z) >"$B/before.list"
say "installing ${missing[*]} (DEBIAN_FRONTEND=noninteractive, no recommends)"
rc=0
install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"; }
install >"$B/apt.log" 2>&1 || { apt-get update -q && install; } >>"$B/apt.log" 2>&1 || rc=$?
[ $rc = 0 ] || { say "apt-get install failed (exit $rc):"; tail -5 "$B/apt.log" >&2; }
# Restored: the files these packages are known to edit; for anything else changed, report it.
for f in nsswitch.conf pam.d/common-auth pam.d/common-account pam.d/common-password \
    pam.d/common-session pam.d/common-session-noninteractive; do
    [ -e "$B/etc/$f" ] && ! cmp -s "$B/etc/$f" "/etc/$f" && { cp -a "$B/etc/$f" "/etc/$f"; say "restored /etc/$f"; }
done
# nslcd.conf is written by nslcd's postinst from debconf (not a conffile): removed again, the
# bench writes its own inside its namespace.
if [ ! -e "$B/etc/nslcd.conf" ] && [ -e /etc/nslcd.conf ]; then rm -f /etc/nslcd.conf; say "removed /etc/nslcd.conf"; fi
(cd /etc && find . -xdev \( -type f -o -type l \) -print0 | sort -z) >"$B/after.list"
# Files the packages added (their own conffiles) are theirs; a file that was there before and
# differs now is named.
added=0 changed=()
while IFS= read -r -d '' f; do
    if [ ! -e "$B/etc/$f" ] && [ ! -L "$B/etc/$f" ]; then added=$((added + 1))
    elif [ -L "/etc/$f" ]; then [ "$(readlink "/etc/$f")" = "$(readlink "$B/etc/$f")" ] || changed+=("/etc/${f#./}")
    elif ! cmp -s "$B/etc/$f" "/etc/$f"; then changed+=("/etc/${f#./}"); fi
done <"$B/after.list"
say "$added files added under /etc by the packages; changed and left so: ${changed[*]:-none}"
exit $rc
