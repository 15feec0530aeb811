#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_deb.sh — the Debian packages (debian/, `make deb`):
#  1. builds them once into $BUILD/deb (make's stamp: rebuilt only when a packaged source
#     changed), with DEB_BUILD_OPTIONS="nocheck parallel=2" — make check runs the unit
#     tests itself;
#  2. lintian on the three .debs: no error, no warning;
#  3. libnss-dirbind's maintainer scripts, taken from the .deb, on a table of
#     nsswitch.conf files (DPKG_ROOT): where dirbind goes, idempotence, comments and
#     [STATUS=action] items, upgrades that must not re-add it, removal restoring the input;
#  4. in a private mount namespace whose /etc, /usr, /var and /run are throwaway overlays
#     over the host's (nothing on the host changes): dpkg -i of the three packages, then
#     nsswitch.conf, the PAM stack (pam-auth-update), local password changes still working,
#     the _dirbind user, the sshd drop-in as sshd reads it, the units (systemd-analyze
#     verify), a real sync + getent + authorized-keys as _dirbind, the sudoers rule (0440,
#     a conffile, `visudo -c` of the host's sudoers with it) and the polkit rule, the network plugin found
#     where the package put it and kept out of the CLI and the PAM module; dpkg -r restores
#     nsswitch.conf and the PAM stack byte for byte, a reinstall after removal adds dirbind
#     again, and dpkg --purge restores both byte for byte and deletes what the packages made.
. "$(dirname "$0")/../lib.sh"

if [ "${1:-}" != --inside ]; then
    need_root "installing the packages into an overlay of /"
    for tool in dpkg-buildpackage dh lintian unshare perl; do
        command -v "$tool" >/dev/null || skip "$tool is missing (make deps installs the Build-Depends)"
    done
    grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null ||
        grep -qw overlay /proc/filesystems || skip "no overlayfs in this kernel"

    echo "== build (cached in $BUILD/deb)"
    start=$(date +%s)
    if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL DEB_BUILD_OPTIONS="nocheck parallel=2" \
        make -C "$SRC" B="$BUILD" deb >"$T/build.log" 2>&1; then
        tail -n 60 "$T/build.log"
        bad "make deb failed"
        finish
    fi
    echo "   $(($(date +%s) - start)) s"
    debs=("$BUILD"/deb/*.deb)
    for p in libnss-dirbind libpam-dirbind dirbind; do
        ls "$BUILD"/deb/"${p}"_*.deb >/dev/null 2>&1 && ok "built $p" || bad "no $p .deb"
    done

    echo "== lintian"
    lintian --fail-on error,warning --display-info "${debs[@]}" >"$T/lintian.log" 2>&1
    rc=$?
    sed 's/^/   /' "$T/lintian.log"
    if [ $rc -eq 0 ] && ! grep -q '^[EW]: ' "$T/lintian.log"; then
        ok "lintian: no errors, no warnings"
    else
        bad "lintian reported errors or warnings (exit $rc)"
    fi

    echo "== sandbox"
    unshare --mount --fork -- "$0" --inside "$BUILD/deb" || bad "checks in the sandbox failed (above)"
    finish
fi

# ---------------------------------------------------------------------------------------
# Inside a private mount namespace from here on.
DEBS=$2
# The installed binaries must find the installed plugin, not the build tree's (lib.sh).
unset DIRBIND_NET_PLUGIN
VERSION=$(dpkg-parsechangelog -l "$SRC/debian/changelog" -S Version)
mount --make-rprivate /

# --- 3. the nsswitch.conf edits, on a table of inputs ----------------------------------
ctl=$T/ctl
dpkg-deb -e "$DEBS"/libnss-dirbind_*.deb "$ctl"
root=$T/root
# nss_case NAME INPUT EXPECTED: install (preinst install + postinst configure) must give
# EXPECTED, running the postinst again must change nothing, and removal (prerm remove +
# postrm purge) must give INPUT back, byte for byte.
nss_case() {
    local name=$1 input=$2 expected=$3
    rm -rf "$root" && mkdir -p "$root/etc"
    printf '%s' "$input" >"$root/etc/nsswitch.conf"
    DPKG_ROOT=$root sh "$ctl/preinst" install &&
        DPKG_ROOT=$root sh "$ctl/postinst" configure || { bad "$name: maintainer scripts failed"; return; }
    check "nss $name: install" "$expected" "$(cat "$root/etc/nsswitch.conf"; echo .)"
    DPKG_ROOT=$root sh "$ctl/postinst" abort-remove  # adds unconditionally: must be a no-op now
    check "nss $name: idempotent" "$expected" "$(cat "$root/etc/nsswitch.conf"; echo .)"
    DPKG_ROOT=$root DPKG_MAINTSCRIPT_PACKAGE_REFCOUNT=1 sh "$ctl/prerm" remove &&
        DPKG_ROOT=$root sh "$ctl/postrm" purge || { bad "$name: removal scripts failed"; return; }
    check "nss $name: removal restores" "$input." "$(cat "$root/etc/nsswitch.conf"; echo .)"
    [ ! -e "$root/etc/nsswitch.conf.libnss-dirbind-will-install" ] || bad "nss $name: marker left behind"
}
nl=$'\n' tab=$'\t'
nss_case "debian default" \
    "passwd:         files systemd${nl}group:          files systemd${nl}shadow:         files systemd${nl}gshadow:        files systemd${nl}${nl}hosts:          files dns${nl}" \
    "passwd:         files systemd dirbind${nl}group:          files systemd dirbind${nl}shadow:         files systemd dirbind${nl}gshadow:        files systemd${nl}${nl}hosts:          files dns${nl}."
nss_case "comments and actions" \
    "# passwd: files systemd${nl}passwd: files [NOTFOUND=return] # local only${nl}group:${tab}files${tab}[SUCCESS=merge]${tab}systemd [!UNAVAIL=return]${tab}sss${nl}shadow: compat${nl}hosts: files dns${nl}" \
    "# passwd: files systemd${nl}passwd: files [NOTFOUND=return] dirbind # local only${nl}group:${tab}files${tab}[SUCCESS=merge]${tab}systemd [!UNAVAIL=return] dirbind${tab}sss${nl}shadow: compat dirbind${nl}hosts: files dns${nl}."
nss_case "systemd before files, no newline at the end" \
    "passwd: systemd files${nl}group: files systemd-homed${nl}shadow: files" \
    "passwd: systemd dirbind files${nl}group: files dirbind systemd-homed${nl}shadow: files dirbind."
nss_case "empty database lines" \
    "passwd:${nl}group:   ${nl}shadow: # nothing${nl}" \
    "passwd: dirbind${nl}group: dirbind   ${nl}shadow: dirbind # nothing${nl}."

# Present already (added by hand): install leaves the line alone.
rm -rf "$root" && mkdir -p "$root/etc"
printf 'passwd: files dirbind [UNAVAIL=return] systemd\ngroup: files systemd\n' >"$root/etc/nsswitch.conf"
DPKG_ROOT=$root sh "$ctl/preinst" install && DPKG_ROOT=$root sh "$ctl/postinst" configure
check "nss: existing entry kept, others added" \
    "$(printf 'passwd: files dirbind [UNAVAIL=return] systemd\ngroup: files systemd dirbind\n.')" \
    "$(cat "$root/etc/nsswitch.conf"; echo .)"
# Removal takes the entry out with its own action item (it would bind to "files" otherwise).
DPKG_ROOT=$root DPKG_MAINTSCRIPT_PACKAGE_REFCOUNT=1 sh "$ctl/prerm" remove
check "nss: removal drops dirbind's action items" \
    "$(printf 'passwd: files systemd\ngroup: files systemd\n.')" "$(cat "$root/etc/nsswitch.conf"; echo .)"
# An upgrade (preinst upgrade) must not put back what the administrator took out.
printf 'passwd: files systemd\n' >"$root/etc/nsswitch.conf"
DPKG_ROOT=$root sh "$ctl/preinst" upgrade 0.0.9-1 && DPKG_ROOT=$root sh "$ctl/postinst" configure 0.0.9-1
check "nss: upgrade does not re-add" "passwd: files systemd" "$(cat "$root/etc/nsswitch.conf")"
# Another architecture's instance stays installed (Multi-Arch: same): removal keeps it.
printf 'passwd: files systemd dirbind\n' >"$root/etc/nsswitch.conf"
DPKG_ROOT=$root DPKG_MAINTSCRIPT_PACKAGE_REFCOUNT=2 sh "$ctl/prerm" remove
check "nss: kept while another arch is installed" "passwd: files systemd dirbind" "$(cat "$root/etc/nsswitch.conf")"

# --- 4. the throwaway root ---------------------------------------------------------------
ovl=$T/ovl
mkdir -p "$ovl"
mount -t tmpfs -o mode=0755 tmpfs "$ovl"
# Unmount before lib.sh's trap deletes $T (the host only ever sees an empty directory).
trap 'for m in /run /etc /usr /var /home /lib /lib32 /lib64 /libx32 /bin /sbin "$ovl"; do
          mountpoint -q "$m" && umount -l "$m"; done; rm -rf "$T"' EXIT
# /lib, /bin... are symlinks into /usr on Debian 12; on a host where one is still a
# directory it is overlaid as well, so that dpkg writes nothing on the host.
dirs="etc usr var home"
for d in lib lib32 lib64 libx32 bin sbin; do [ -d "/$d" ] && [ ! -L "/$d" ] && dirs="$dirs $d"; done
for d in $dirs; do
    mkdir -p "$ovl/$d.up" "$ovl/$d.work"
    mount -t overlay overlay -o "lowerdir=/$d,upperdir=$ovl/$d.up,workdir=$ovl/$d.work" "/$d" ||
        skip "cannot mount an overlay on /$d"
done
# No service manager to talk to, no service to start: an empty /run (so no
# /run/systemd/system) and a policy-rc.d that forbids every start, stop and reload.
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/lock /run/sshd
printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 0755 /usr/sbin/policy-rc.d
export DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true

pamfiles="common-auth common-account common-session common-session-noninteractive common-password"
snap=$T/before
mkdir -p "$snap"
cp -a /etc/nsswitch.conf /etc/ssh/sshd_config "$snap/"
for f in $pamfiles; do cp -a "/etc/pam.d/$f" "$snap/"; done
same_as_before() {  # same_as_before WHEN
    cmp -s "$snap/nsswitch.conf" /etc/nsswitch.conf && ok "$1: nsswitch.conf restored byte for byte" ||
        { bad "$1: nsswitch.conf differs"; diff "$snap/nsswitch.conf" /etc/nsswitch.conf; }
    for f in $pamfiles; do
        cmp -s "$snap/$f" "/etc/pam.d/$f" && ok "$1: $f restored byte for byte" ||
            { bad "$1: $f differs"; diff "$snap/$f" "/etc/pam.d/$f"; }
    done
}
install_debs() {
    dpkg -i "$DEBS"/libnss-dirbind_*.deb "$DEBS"/libpam-dirbind_*.deb "$DEBS"/dirbind_*.deb \
        >"$T/dpkg.log" 2>&1 || { cat "$T/dpkg.log"; bad "dpkg -i failed"; finish; }
}
install_debs
ok "dpkg -i of the three packages"

# nsswitch.conf
for db in passwd group shadow; do
    line=$(grep "^$db:" /etc/nsswitch.conf)
    contains "nsswitch $db: dirbind right after systemd" "systemd dirbind" "$line"
done
contains "nsswitch gshadow untouched" "gshadow:        files systemd" "$(grep '^gshadow:' /etc/nsswitch.conf)"

# PAM stack: order relative to pam_unix (see packaging/pam-configs/README).
order() {  # order FILE FIRST SECOND: line of FIRST < line of SECOND
    local a b
    a=$(grep -n "$2" "/etc/pam.d/$1" | head -n1 | cut -d: -f1)
    b=$(grep -n "$3" "/etc/pam.d/$1" | head -n1 | cut -d: -f1)
    [ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ] && ok "$1: $2 before $3" ||
        { bad "$1: $2 not before $3"; cat "/etc/pam.d/$1"; }
}
order common-auth pam_dirbind.so pam_unix.so
contains "common-auth: dirbind's password decides, success ends the primary block" \
    "[success=2 ignore=ignore default=die]" "$(grep pam_dirbind /etc/pam.d/common-auth)"
order common-account pam_dirbind.so pam_unix.so
order common-session pam_dirbind.so pam_unix.so
order common-session pam_dirbind.so pam_systemd.so
grep -q pam_dirbind /etc/pam.d/common-session-noninteractive &&
    bad "pam_dirbind in common-session-noninteractive (interactive only, like pam_mkhomedir)" ||
    ok "common-session-noninteractive: no pam_dirbind (interactive sessions only)"
order common-password pam_unix.so pam_dirbind.so
contains "common-password: pam_unix keeps its initial line (no use_authtok)" \
    "pam_unix.so obscure yescrypt" "$(grep pam_unix /etc/pam.d/common-password)"
useradd -m localpw >/dev/null 2>&1
if echo 'localpw:Another-Secret-42' | chpasswd 2>"$T/chpasswd.err"; then
    ok "a local password change still works (chpasswd)"
else
    bad "chpasswd for a local user failed: $(cat "$T/chpasswd.err")"
fi

# The CLI, the user, the files.
check "dirbind --version" "dirbind ${VERSION%-*}" "$(dirbind --version 2>&1)"
IFS=: read -r _ _ kuid _ _ khome kshell < <(getent passwd _dirbind)
[ -n "${kuid:-}" ] && [ "$kuid" -lt 1000 ] && ok "_dirbind is a system user (uid $kuid)" || bad "_dirbind user missing"
check "_dirbind has no login shell" "/usr/sbin/nologin" "${kshell:-}"
check "_dirbind has no home" "/nonexistent" "${khome:-}"
for f in /etc/dirbind/dirbind.yaml /etc/dirbind/dirbind.yaml.example /etc/dirbind/directory.yaml.example \
    /etc/ssh/sshd_config.d/dirbind.conf /etc/cron.d/dirbind /usr/share/pam-configs/dirbind \
    /usr/share/pam-configs/dirbind-password /lib/systemd/system/dirbind-sync.service \
    /lib/systemd/system/dirbind-sync.timer /usr/share/man/man8/dirbind.8.gz \
    /usr/share/man/man5/dirbind.yaml.5.gz /usr/share/man/man8/pam_dirbind.8.gz \
    /usr/share/man/man8/libnss_dirbind.8.gz "/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/libnss_dirbind.so.2" \
    "/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/security/pam_dirbind.so" \
    "/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/dirbind/dirbind-net.so"; do
    [ -e "$f" ] && ok "installed $f" || bad "missing $f"
done
check "/var/lib/dirbind is 0755 root" "755 root root" "$(stat -c '%a %U %G' /var/lib/dirbind)"
contains "dirbind.yaml is a conffile" "/etc/dirbind/dirbind.yaml " "$(dpkg-query -W -f='${Conffiles}' dirbind)"
contains "the sshd drop-in is a conffile" "/etc/ssh/sshd_config.d/dirbind.conf " "$(dpkg-query -W -f='${Conffiles}' dirbind)"
contains "the shipped config reads /etc/dirbind/directory.yaml" "path: /etc/dirbind/directory.yaml" \
    "$(cat /etc/dirbind/dirbind.yaml)"
[ -L /etc/systemd/system/timers.target.wants/dirbind-sync.timer ] && ok "timer enabled" || bad "timer not enabled"
cmp -s /etc/ssh/sshd_config "$snap/sshd_config" && ok "sshd_config itself not edited" ||
    bad "sshd_config was edited"

# sshd reads the drop-in.
if [ -x /usr/sbin/sshd ] && ls /etc/ssh/ssh_host_*_key >/dev/null 2>&1; then
    cfg=$(/usr/sbin/sshd -T 2>&1)
    contains "sshd -T: AuthorizedKeysCommand" "authorizedkeyscommand /usr/sbin/dirbind authorized-keys %u %U %f" "$cfg"
    contains "sshd -T: AuthorizedKeysCommandUser" "authorizedkeyscommanduser _dirbind" "$cfg"
else
    echo "SKIP (part): sshd -T — no openssh-server or no host keys"
fi

# systemd units.
if command -v systemd-analyze >/dev/null; then
    if out=$(systemd-analyze verify /lib/systemd/system/dirbind-sync.service \
        /lib/systemd/system/dirbind-sync.timer 2>&1) && [ -z "$out" ]; then
        ok "systemd-analyze verify accepts the units"
    else
        bad "systemd-analyze verify: $out"
    fi
else
    echo "SKIP (part): systemd-analyze is not installed: units not verified"
fi
contains "cron fallback checks for systemd" "[ ! -d /run/systemd/system ]" "$(cat /etc/cron.d/dirbind)"

# It works: sync the example directory, resolve through the edited nsswitch.conf, and
# answer sshd's AuthorizedKeysCommand as _dirbind.
cp /etc/dirbind/directory.yaml.example /etc/dirbind/directory.yaml
if dirbind sync >"$T/sync.log" 2>&1; then ok "dirbind sync with the shipped config"; else
    bad "dirbind sync: $(cat "$T/sync.log")"; fi
contains "getent passwd alice (libnss_dirbind through nsswitch.conf)" "alice:x:5001:5001:" "$(getent passwd alice)"
keys=$(setpriv --reuid=_dirbind --regid=_dirbind --clear-groups --inh-caps=-all \
    /usr/sbin/dirbind authorized-keys alice 2>&1)
contains "authorized-keys alice as _dirbind" "ssh-ed25519 AAAA" "$keys"
dirbind status >/dev/null 2>&1 && ok "dirbind status: exit 0 after a sync" || bad "dirbind status failed"

# sudo and polkit for the directory's admins: the static rule file, as sudo reads it.
check "the sudoers rule: /etc/sudoers.d/dirbind 0440 root" "440 root root" \
    "$(stat -c '%a %U %G' /etc/sudoers.d/dirbind 2>&1)"
contains "the sudoers rule is a conffile" "/etc/sudoers.d/dirbind " "$(dpkg-query -W -f='${Conffiles}' dirbind)"
check "the polkit rule" "644 root" "$(stat -c '%a %U' /usr/share/polkit-1/rules.d/49-dirbind.rules 2>&1)"
contains "the polkit rule names the sudo groups" 'isInGroup("dirbind-sudo-nopasswd")' \
    "$(cat /usr/share/polkit-1/rules.d/49-dirbind.rules)"
check "alice (sudo: password in the example) is in dirbind-sudo" "dirbind-sudo:x:65600:alice" \
    "$(getent group dirbind-sudo)"
out=$(dirbind check-config 2>&1)
case $out in *"warning: sudo"*) bad "check-config warns about the shipped rule: $out" ;;
    *) ok "check-config: no warning about the shipped rule" ;; esac
if command -v visudo >/dev/null; then
    if out=$(visudo -c 2>&1); then ok "visudo -c: the host's sudoers with the shipped rule parse"; else
        bad "visudo -c: $out"; fi
    contains "visudo -c read the shipped rule" "/etc/sudoers.d/dirbind: parsed OK" "$out"
    contains "sudo -l -U alice: the shipped rule applies" "(ALL : ALL) ALL" "$(sudo -l -U alice 2>&1)"
else
    echo "SKIP (part): sudo is not installed: visudo -c not run (Debian package sudo)"
fi
# A network source loads the plugin from where the package put it; in a network namespace of
# its own nothing answers, so the error must be the connection's, not the plugin's.
printf 'source:\n  type: https\n  url: https://127.0.0.1:9/snapshot\n  retries: 0\n' >"$T/net.yaml"
out=$(unshare --net dirbind --config "$T/net.yaml" check-config 2>&1)
contains "the installed dirbind loads its network plugin (https source)" "GET https://127.0.0.1:9/snapshot: " "$out"
for bin in /usr/sbin/dirbind "/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/security/pam_dirbind.so"; do
    check "$bin links no libcurl or libcrypto" "" "$(ldd "$bin" | grep -E 'libcurl|libcrypto|libssl|gnutls')"
done
contains "the dirbind package depends on libcurl (for the plugin)" "libcurl" "$(dpkg-query -W -f='${Depends}' dirbind)"
# The PAM stack as pam-auth-update wrote it, through su (root: no password asked): account
# (pam_dirbind + pam_unix with the dirbind shadow map) lets active alice in, session
# creates her home with her directory key; suspended bob is refused.
if out=$(su -s /bin/sh - alice -c 'id -un; cat ~/.ssh/authorized_keys' 2>&1); then
    contains "su - alice: account and session pass" "alice" "$out"
    contains "su - alice: the session wrote her directory key" "ssh-ed25519 AAAA" "$out"
else
    bad "su - alice failed: $out"
fi
if out=$(su -s /bin/sh - bob -c true 2>&1); then bad "su - bob (suspended) was let in"; else
    contains "su - bob: refused by pam_dirbind" "suspended" "$out"; fi

# The sync service's sandbox, as far as it can be rebuilt without systemd: the unit's
# CapabilityBoundingSet, NoNewPrivileges, a read-only / except its ReadWritePaths, a private
# /tmp. A new key for alice must reach her existing home: sync drops to her (setgroups,
# setresgid, setresuid — no exec, so NoNewPrivileges does not get in the way).
unit=/lib/systemd/system/dirbind-sync.service
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit" | tr 'A-Z' 'a-z' | sed 's/cap_//g; s/ \+/,+/g')
rw=$(sed -n 's/^ReadWritePaths=//p' "$unit")
check "the unit's writable paths" "/var/lib/dirbind -/home" "$rw"
grep -q '^NoNewPrivileges=yes' "$unit" && grep -q '^ProtectSystem=strict' "$unit" &&
    ok "the unit sets NoNewPrivileges and ProtectSystem=strict" || bad "the unit's hardening changed"
newkey=$(test_key alice-desk)
sed -i "/alice@example\"/a\\      - name: desk\\n        key: \"$newkey\"" /etc/dirbind/directory.yaml
if out=$(unshare --mount -- sh -ec '
        mount --make-rprivate /
        mount --bind /var/lib/dirbind /var/lib/dirbind
        for m in / /etc /usr /var; do mount -o remount,bind,ro "$m"; done
        mount -t tmpfs tmpfs /tmp
        exec setpriv --no-new-privs --bounding-set "-all,+$1" --inh-caps -all /usr/sbin/dirbind sync
    ' sh "$caps" 2>&1); then
    contains "sync in the service's sandbox rekeys alice's home" "authorized_keys rebuilt in 1 homes" "$out"
    contains "alice's new key is in her authorized_keys" "${newkey% *}" "$(cat /home/alice/.ssh/authorized_keys)"
    check "authorized_keys is still alice's" "alice" "$(stat -c %U /home/alice/.ssh/authorized_keys)"
else
    bad "sync in the service's sandbox failed: $out"
fi

# Remove: nsswitch.conf and PAM back as they were; reinstall after removal adds them again.
dpkg -r dirbind libpam-dirbind libnss-dirbind >"$T/dpkg-r.log" 2>&1 || { cat "$T/dpkg-r.log"; bad "dpkg -r failed"; }
same_as_before "after dpkg -r"
install_debs
contains "reinstall after removal: dirbind back in nsswitch.conf" "systemd dirbind" "$(grep '^passwd:' /etc/nsswitch.conf)"
grep -q pam_dirbind /etc/pam.d/common-auth && ok "reinstall after removal: PAM profile back" ||
    bad "reinstall after removal: no pam_dirbind in common-auth"

# Purge: everything back byte for byte, the packages' files and state gone.
dpkg --purge dirbind libpam-dirbind libnss-dirbind >"$T/dpkg-p.log" 2>&1 || { cat "$T/dpkg-p.log"; bad "dpkg --purge failed"; }
same_as_before "after dpkg --purge"
check "purge leaves only the administrator's own file in /etc/dirbind" "directory.yaml" "$(ls -A /etc/dirbind)"
for f in /var/lib/dirbind /etc/ssh/sshd_config.d/dirbind.conf /etc/cron.d/dirbind /etc/sudoers.d/dirbind \
    /usr/share/pam-configs/dirbind /etc/systemd/system/timers.target.wants/dirbind-sync.timer \
    /etc/nsswitch.conf.libnss-dirbind-will-install; do
    [ ! -e "$f" ] && ok "purged $f" || bad "left after purge: $f"
done
grep -q dirbind /var/lib/pam/seen 2>/dev/null && bad "pam-auth-update still remembers dirbind" ||
    ok "pam-auth-update forgot the profiles"
finish
