#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_rpm.sh — rpm/dirbind.spec (`make rpm`): builds the RPMs once into $BUILD/rpm
# (rebuilt only when a packaged source changed) with Debian's rpmbuild, then checks with
# rpm -qlp / rpm -qp --scripts what a Fedora/RHEL host would get: the file lists at the
# Fedora paths (%{_libdir}, %{_libdir}/security, %{_unitdir}), config files marked
# %config(noreplace), ldconfig for the NSS library, the systemd scriptlets, the _dirbind
# user, and the dependencies between the three packages.
. "$(dirname "$0")/../lib.sh"
for tool in rpmbuild rpm scdoc; do
    command -v "$tool" >/dev/null || skip "$tool is missing (make deps installs rpm and scdoc)"
done

spec_version=$(sed -n 's/^Version:[[:space:]]*//p' "$SRC/rpm/dirbind.spec")
deb_version=$(dpkg-parsechangelog -l "$SRC/debian/changelog" -S Version 2>/dev/null)
check "spec Version matches debian/changelog" "${deb_version%-*}" "$spec_version"

echo "== build (cached in $BUILD/rpm)"
start=$(date +%s)
if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$SRC" B="$BUILD" rpm >"$T/build.log" 2>&1; then
    tail -n 60 "$T/build.log"
    bad "make rpm failed"
    finish
fi
echo "   $(($(date +%s) - start)) s"

libdir=$(rpm --eval '%{_libdir}')
rpmfile() { ls "$BUILD"/rpm/RPMS/*/"$1"-"$spec_version"-*.rpm 2>/dev/null | head -n1; }
main=$(rpmfile dirbind) nss=$(rpmfile nss-dirbind) pam=$(rpmfile pam_dirbind)
for p in "$main" "$nss" "$pam"; do [ -f "$p" ] && ok "built $(basename "$p")" || bad "an RPM is missing"; done
[ -f "$main" ] && [ -f "$nss" ] && [ -f "$pam" ] || finish

has_files() {  # has_files RPM PATH... (man pages with or without brp-compress's suffix)
    local rpm=$1 list
    shift
    list=$(rpm -qlp "$rpm" 2>/dev/null | sed -E 's,^(/usr/share/man/.*)\.(gz|bz2|xz|zst)$,\1,')
    for f in "$@"; do
        grep -qx -- "$f" <<<"$list" && ok "$(basename "$rpm"): $f" || { bad "$(basename "$rpm") lacks $f"; echo "$list"; }
    done
}
has_files "$nss" "$libdir/libnss_dirbind.so.2" /usr/share/man/man8/libnss_dirbind.8
has_files "$pam" "$libdir/security/pam_dirbind.so" /usr/share/man/man8/pam_dirbind.8
has_files "$main" /usr/sbin/dirbind /etc/dirbind /etc/dirbind/dirbind.yaml \
    /etc/dirbind/dirbind.yaml.example /etc/dirbind/directory.yaml.example \
    /etc/ssh/sshd_config.d/dirbind.conf /usr/lib/systemd/system/dirbind-sync.service \
    /usr/lib/systemd/system/dirbind-sync.timer /var/lib/dirbind \
    /usr/share/man/man8/dirbind.8 /usr/share/man/man5/dirbind.yaml.5 "$libdir/dirbind/dirbind-net.so"
# The binaries look for the plugin where the RPM puts it (PLUGINDIR), not at the Debian path:
# the RPM's dirbind (built on this host, so it runs here) names the path it could not load.
mkdir -p "$T/rpmroot"
rpm2archive - <"$main" | tar -xzf - -C "$T/rpmroot" ./usr/sbin/dirbind
printf 'source:\n  type: https\n  url: https://127.0.0.1:9/snapshot\n' >"$T/net.yaml"
if [ -e "$libdir/dirbind/dirbind-net.so" ]; then
    echo "SKIP (part): $libdir/dirbind/dirbind-net.so exists on this host: the path check would load it"
else
    contains "the RPM's dirbind looks for its plugin in $libdir/dirbind" \
        "the https source needs $libdir/dirbind/dirbind-net.so: No such file or directory" \
        "$(env -u DIRBIND_NET_PLUGIN "$T/rpmroot/usr/sbin/dirbind" --config "$T/net.yaml" check-config 2>&1)"
fi
check "the plugin provides nothing to other packages" "" "$(rpm -qp --provides "$main" | grep dirbind-net)"
all=$(rpm -qlp "$main" "$nss" "$pam" 2>/dev/null)
if grep -E -- '-linux-gnu|^/lib/|pam-configs|cron' <<<"$all"; then
    bad "Debian paths in the RPMs (above)"
else
    ok "no Debian paths (/lib/<triplet>, pam-configs, cron.d) in the RPMs"
fi
check "only the NSS package ships the NSS module" "1" "$(grep -c libnss_dirbind.so <<<"$all")"

# %config(noreplace): rpm's file flags "c" (config) and "n" (noreplace).
flags=$(rpm -qp --qf '[%{FILENAMES} %{FILEFLAGS:fflags}\n]' "$main")
for f in /etc/dirbind/dirbind.yaml /etc/ssh/sshd_config.d/dirbind.conf /etc/sudoers.d/dirbind; do
    contains "$f is %config(noreplace)" "$f cn" "$flags"
done
modes=$(rpm -qp --qf '[%{FILEMODES:perms} %{FILEUSERNAME} %{FILEGROUPNAME} %{FILENAMES}\n]' "$main")
check "the sudoers rule is 0440 root (sudo skips anything else)" "-r--r----- root root" \
    "$(awk '$4 == "/etc/sudoers.d/dirbind" {print $1, $2, $3}' <<<"$modes")"
# RHEL 9's polkit (0.117) reads JavaScript rules from /usr/share/polkit-1/rules.d, as Debian's 122.
check "the polkit rule is shipped where RHEL's polkit reads it" "-rw-r--r-- root root" \
    "$(awk '$4 == "/usr/share/polkit-1/rules.d/49-dirbind.rules" {print $1, $2, $3}' <<<"$modes")"
# The file visudo checks in tests/cli/test_sudo_cli.sh, byte for byte.
check "the RPM's sudoers rule is packaging/sudo/dirbind" "$(sha256sum <"$SRC/packaging/sudo/dirbind" | cut -d' ' -f1)" \
    "$(rpm -qp --qf '[%{FILEDIGESTS} %{FILENAMES}\n]' "$main" | awk '$2 == "/etc/sudoers.d/dirbind" {print $1}')"
check "/var/lib/dirbind is 0755 root" "drwxr-xr-x root root" \
    "$(rpm -qp --qf '[%{FILEMODES:perms} %{FILEUSERNAME} %{FILEGROUPNAME} %{FILENAMES}\n]' "$main" |
        awk '$4 == "/var/lib/dirbind" {print $1, $2, $3}')"

# Scriptlets.
nss_scripts=$(rpm -qp --scripts "$nss")
contains "nss-dirbind: %post runs ldconfig" "postinstall program: /sbin/ldconfig" "$nss_scripts"
contains "nss-dirbind: %postun runs ldconfig" "postuninstall program: /sbin/ldconfig" "$nss_scripts"
grep -q nsswitch <<<"$nss_scripts" && bad "nss-dirbind edits nsswitch.conf (authselect owns it)" ||
    ok "nss-dirbind leaves nsswitch.conf to authselect"
check "pam_dirbind: no scriptlets (authselect owns the PAM stack)" "" "$(rpm -qp --scripts "$pam")"
main_scripts=$(rpm -qp --scripts "$main")
scriptlet() {  # scriptlet NAME: the body of one scriptlet of the dirbind RPM
    awk -v s="$1 scriptlet" 'index($0, s) == 1 {on = 1; next} / scriptlet \(using / {on = 0} on' <<<"$main_scripts"
}
contains "dirbind %pre creates the _dirbind system user" "useradd -r -g _dirbind" "$(scriptlet preinstall)"
# systemd-rpm-macros (Fedora) or the spec's fallback (here): either names the units.
contains "dirbind %post: systemd_post for the timer" "dirbind-sync.timer" "$(scriptlet postinstall)"
contains "dirbind %preun: systemd_preun stops the timer and the service on erase" \
    "dirbind-sync.timer dirbind-sync.service" "$(scriptlet preuninstall)"
contains "dirbind %postun: systemd_postun reloads systemd on upgrade" "systemctl daemon-reload" "$(scriptlet postuninstall)"
contains "dirbind %postun deletes the cache on erase" "rm -rf /var/lib/dirbind" "$(scriptlet postuninstall)"

# Dependencies.
contains "pam_dirbind requires nss-dirbind of the same build" "nss-dirbind(" "$(rpm -qp --requires "$pam")"
contains "dirbind requires nss-dirbind of the same build" "nss-dirbind(" "$(rpm -qp --requires "$main")"
contains "dirbind recommends pam_dirbind" "pam_dirbind(" "$(rpm -qp --recommends "$main")"
contains "nss-dirbind provides its soname" "libnss_dirbind.so.2()" "$(rpm -qp --provides "$nss")"
finish
