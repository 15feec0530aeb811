#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# ldap.sh — benchmark of the ldap source against a real slapd (Debian's), with SSSD's LDAP
# provider and nslcd reading the same directory side by side. Everything runs inside one
# `unshare --mount --net` namespace on its loopback, with slapd set up by tests/ldap/lib-ldap.sh
# (TLS with a CA made for the run, syncprov, ppolicy) and the users of tests/ldap/gen_ldif.py
# loaded with slapadd (all bound by `host: web1`; groups staff, every user, and ops; uids from
# 100001, clear of the reserved 60000-65535 that dirbind refuses).
#
# At each size: dirbind's full sync (wall, peak RSS, bytes on the wire), unchanged incremental
# syncs (RFC 4533 refreshOnly; median ms and bytes), one changed user, then for dirbind, SSSD
# (enumerate = true) and nslcd: the time from start (sync / daemon start) until an enumeration
# lists every user, the bytes on the wire until then, peak RSS, one enumeration, and
# getpwnam_r / getpwuid_r latency (bench/bench_ldap_nss.cc, the modules dlopen'ed).
#
# Bytes on the wire: the namespace's loopback counter (lo's received bytes in /proc/net/dev, which
# is per network namespace) before and after. Only the measured client and slapd talk on that loopback at that moment, so
# the delta is every byte of both directions, TLS records and TCP/IP headers included: an upper
# bound of what a client on another host would see on its link.
#
# The peers: bench/ldap_peers_install.sh installs them from Debian when missing (restoring what
# their postinsts change on the host). They run only inside the namespace: /etc is an overlay
# there (sssd.conf 0600 root, nslcd.conf 0640 root:nslcd are written into it), /var/lib/sss and
# /var/log/sssd are bind-mounted from the scratch dir, /run is a fresh tmpfs (/run/nslcd); they
# are killed when the run (or the size) ends. A peer that cannot be measured gets a line saying
# why ("n/a: …") in the report, never silence.
#
# Usage: bench/ldap.sh BUILD RAW   (raw result lines go to RAW; bench/report.py --ldap RAW
#        prints the markdown section; bench/run.sh does both)
# Environment: DIRBIND_BENCH_LDAP_SIZES (default "10000 100000"); DIRBIND_BENCH_LDAP_PEERS
# (default "sssd nslcd"; empty: dirbind only); DIRBIND_BENCH_LDAP_PEER_SIZES (default: the
# sizes); DIRBIND_BENCH_LDAP_PEER_WAIT (seconds a peer gets to list every user, default 900);
# DIRBIND_BENCH_LDAP_RUNS (unchanged syncs, default 9).
set -uo pipefail

BUILD=$(realpath "${1:?usage: bench/ldap.sh BUILD RAW}")
RAW=${2:?usage: bench/ldap.sh BUILD RAW}
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SIZES=${DIRBIND_BENCH_LDAP_SIZES:-10000 100000}
PEERS=${DIRBIND_BENCH_LDAP_PEERS-sssd nslcd}
PEER_SIZES=${DIRBIND_BENCH_LDAP_PEER_SIZES:-$SIZES}
PEER_WAIT=${DIRBIND_BENCH_LDAP_PEER_WAIT:-900}
RUNS=${DIRBIND_BENCH_LDAP_RUNS:-9}
TOOL=$BUILD/bench/bench_ldap_nss
UID_BASE=100000
say() { echo "bench/ldap: $*" >&2; }
die() { say "$*"; exit 1; }

if [ -z "${DIRBIND_BENCH_LDAP_INSIDE:-}" ]; then
    [ "$(id -u)" = 0 ] || die "needs root (slapd and the peers in a private mount and network namespace)"
    [ -x /usr/sbin/slapd ] || die "/usr/sbin/slapd missing (Debian package slapd; make deps)"
    [ -x /usr/bin/time ] || die "/usr/bin/time missing (Debian package time)"
    for f in dirbind dirbind-net.so libnss_dirbind.so.2; do [ -e "$BUILD/$f" ] || die "$BUILD/$f missing: run make all"; done
    mkdir -p "$BUILD/bench"
    ${CXX:-g++} -std=c++20 -O2 -Wall -Wextra -Werror -Wshadow -Wformat=2 -o "$TOOL" "$SRC/bench/bench_ldap_nss.cc" -ldl ||
        die "cannot build bench_ldap_nss"
    : >"$RAW"
    if [ -n "$PEERS" ] && ! "$SRC/bench/ldap_peers_install.sh"; then
        echo "peer-na all - apt-get install of sssd-ldap, libnss-sss, nslcd, libnss-ldapd failed" >>"$RAW"
    fi
    {
        echo "meta date $(date -u '+%Y-%m-%d %H:%M UTC')"
        echo "meta machine $(nproc) × $(grep -m1 '^model name' /proc/cpuinfo | sed 's/^[^:]*: *//'), $(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
        echo "meta tree $(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo '?'), $(git -C "$SRC" status --porcelain 2>/dev/null | grep -c '^.M') files modified"
        echo "meta versions slapd $(dpkg-query -W -f '${Version}' slapd 2>/dev/null), sssd $(dpkg-query -W -f '${Version}' sssd-ldap 2>/dev/null || echo -), nslcd $(dpkg-query -W -f '${Version}' nslcd 2>/dev/null || echo -)"
        echo "meta load-start $(cut -d' ' -f1-3 /proc/loadavg)"
        echo "meta sizes $SIZES"
        echo "meta peer-sizes $PEER_SIZES"
        echo "meta peers $PEERS"
        echo "meta runs $RUNS"
    } >>"$RAW"
    exec timeout -k 10 "${DIRBIND_BENCH_LDAP_TIMEOUT:-7200}" unshare --mount --net --fork \
        env DIRBIND_BENCH_LDAP_INSIDE=1 DIRBIND_SRC="$SRC" DIRBIND_BUILD="$BUILD" bash "$0" "$@"
fi

# ---- inside the namespace ---------------------------------------------------------------------
. "$SRC/tests/lib.sh"
DIRBIND_LDAP_INSIDE=1 . "$SRC/tests/ldap/lib-ldap.sh"
PEER_PID=
stop_peer() {
    [ -n "$PEER_PID" ] || return 0
    kill "$PEER_PID" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$PEER_PID" 2>/dev/null || break; sleep 0.05; done
    kill -9 "$PEER_PID" 2>/dev/null
    wait "$PEER_PID" 2>/dev/null
    PEER_PID=
}
trap 'stop_peer; stop_slapd; rm -rf "$T"' EXIT
trap 'exit 130' INT TERM HUP
out() { echo "$*" >>"$RAW"; }
lo_bytes() { awk '$1 == "lo:" {print $2}' /proc/net/dev; }
med() { printf '%s\n' "$@" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
# peak_rss PID: peak RSS (KiB) of PID and its children, summed (SSSD is a monitor, a backend
# and a responder); read just before they are stopped.
peak_rss() {
    local sum=0 p
    for p in "$1" $(ps -o pid= --ppid "$1"); do
        sum=$((sum + $(awk '/^VmHWM/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)))
    done
    echo "$sum"
}

# The peers' files: an /etc of their own, their state dirs from $T, a /run nobody else sees.
for peer in $PEERS; do
    mkdir -p "$T/ov/up" "$T/ov/work"
    mount -t overlay overlay -o "lowerdir=/etc,upperdir=$T/ov/up,workdir=$T/ov/work" /etc &&
        mount -t tmpfs -o mode=755 tmpfs /run || { out "peer-na all - cannot overlay /etc or mount /run in the namespace"; PEERS=; }
    break
done

make_slapd unlimited
# The peers look users up by uidNumber too: indexed, as any production slapd would have it.
sed -i 's/^index uid,memberUid,member,host eq$/&\nindex uidNumber,gidNumber eq/' "$L/slapd.conf"
for n in $SIZES; do
    stop_slapd
    say "$n users: generating and loading with slapadd"
    t0=$(date +%s%N)
    load_ldif --users "$n" --uid-base "$UID_BASE"
    out "slapadd $n $((($(date +%s%N) - t0) / 1000000))"
    start_slapd
    D=$T/dirbind-$n
    mkdir -p "$D/cache"
    printf 'root:x:0:0:root:/root:/bin/bash\n' >"$D/passwd"
    printf 'root:x:0:\n' >"$D/group"
    secret "$T/reader.pw" reader-pw
    cat >"$D/dirbind.yaml" <<EOC
source:
  type: ldap
  uris: [ldaps://127.0.0.1:636]
  ca_file: $L/pki/ca.pem
  bind_dn: $READER_DN
  bind_password_file: $T/reader.pw
  user_base: ou=people,$BASE
  group_base: ou=groups,$BASE
  host_filter: (host=web1)
  connect_timeout: 5
  timeout: 60
cache_dir: $D/cache
uid_range: {min: 1000, max: 2000000000}
home: $T/home/%u
local_passwd: $D/passwd
local_group: $D/group
EOC
    export DIRBIND_CACHE_DIR=$D/cache
    sync_cmd=("$CLI" --config "$D/dirbind.yaml" sync)

    say "$n users: dirbind full sync"
    b0=$(lo_bytes) t0=$(date +%s%N)
    if /usr/bin/time -o "$D/time" -f '%e %M' "${sync_cmd[@]}" >"$D/sync.log" 2>&1; then
        b1=$(lo_bytes)
        read -r secs kib <"$D/time"
        out "full $n ok $secs $kib $((b1 - b0))"
        "$TOOL" --so "$BUILD/libnss_dirbind.so.2" --prefix dirbind --users "$n" --uid-base "$UID_BASE" --since "$t0" >>"$RAW" ||
            say "$n users: the dirbind cache does not list every user"
        out "rss dirbind $n $kib"
        out "wire dirbind $n $((b1 - b0))"
    else
        say "$n users: full sync failed: $(tail -3 "$D/sync.log")"
        out "full $n failed - - -"
        continue
    fi

    say "$n users: $RUNS unchanged incremental syncs"
    ms=() inside=() bytes=()
    for _ in $(seq "$RUNS"); do
        b0=$(lo_bytes) t0=$(date +%s%N)
        "${sync_cmd[@]}" >"$D/sync.log" 2>&1 || { say "unchanged sync failed: $(tail -3 "$D/sync.log")"; ms=(); break; }
        t1=$(date +%s%N) b1=$(lo_bytes)
        grep -q 'not modified' "$D/sync.log" || { say "an unchanged sync was not incremental: $(cat "$D/sync.log")"; ms=(); break; }
        ms+=($(((t1 - t0) / 1000000)))
        bytes+=($((b1 - b0)))
        inside+=($(grep -o 'in [0-9]* ms' "$D/sync.log" | tr -dc 0-9))
    done
    if [ ${#ms[@]} -gt 0 ]; then
        out "unchanged $n ok $(med "${ms[@]}") $(med "${inside[@]}") $(med "${bytes[@]}") $(printf '%s\n' "${bytes[@]}" | sort -n | tail -1) ${#ms[@]}"
    else
        out "unchanged $n failed - - - - 0"
    fi
    # One user changed: the incremental sync carries that entry only.
    lmod <<E
dn: uid=user00001,ou=people,$BASE
changetype: modify
replace: loginShell
loginShell: /bin/sh
E
    b0=$(lo_bytes) t0=$(date +%s%N)
    if "${sync_cmd[@]}" >"$D/sync.log" 2>&1; then
        t1=$(date +%s%N) b1=$(lo_bytes)
        out "onechange $n ok $(((t1 - t0) / 1000000)) $((b1 - b0))"
    else
        out "onechange $n failed - -"
    fi
    rm -rf "$D"

    case " $PEER_SIZES " in *" $n "*) ;; *) continue ;; esac
    for peer in $PEERS; do
        P=$T/$peer-$n
        mkdir -p "$P"
        case $peer in
        sssd)
            [ -x /usr/sbin/sssd ] && [ -e /lib/x86_64-linux-gnu/libnss_sss.so.2 ] || { out "peer-na $peer $n sssd-ldap / libnss-sss not installed"; continue; }
            so=/lib/x86_64-linux-gnu/libnss_sss.so.2 prefix=sss
            mkdir -p "$P/lib/db" "$P/lib/pipes/private" "$P/lib/mc" "$P/lib/pubconf/krb5.include.d" \
                "$P/lib/gpo_cache" "$P/lib/secrets" "$P/lib/deskprofile" "$P/log"
            chmod 700 "$P/lib/db" "$P/lib/secrets" "$P/lib/pipes/private" "$P/log"
            mount --bind "$P/lib" /var/lib/sss && mount --bind "$P/log" /var/log/sssd ||
                { out "peer-na $peer $n cannot bind-mount /var/lib/sss"; continue; }
            mkdir -p /etc/sssd
            # enum_cache_timeout: the responder would otherwise answer a repeated enumeration from
            # its 120 s list; the bench polls to see when the backend has everybody.
            (umask 077 && cat >/etc/sssd/sssd.conf <<EOC
[sssd]
services = nss
domains = bench
# The watchdog restarts a responder or backend after 3 missed heartbeats of \`timeout\` s
# (default 10); a backend busy enumerating 10k+ users on a loaded machine misses them.
timeout = 300
[nss]
enum_cache_timeout = 1
timeout = 300
[domain/bench]
timeout = 300
# Its default of 60 s aborts the enumeration search of a large directory on a loaded machine,
# and the next attempt comes only after ldap_enumeration_refresh_timeout.
ldap_enumeration_search_timeout = 900
id_provider = ldap
auth_provider = none
enumerate = true
cache_credentials = false
ldap_uri = ldaps://127.0.0.1:636
ldap_tls_cacert = $L/pki/ca.pem
ldap_tls_reqcert = demand
ldap_schema = rfc2307
ldap_search_base = $BASE
ldap_user_search_base = ou=people,$BASE?subtree?(host=web1)
ldap_group_search_base = ou=groups,$BASE
ldap_default_bind_dn = $READER_DN
ldap_default_authtok = reader-pw
min_id = 1000
EOC
            )
            chmod 600 /etc/sssd/sssd.conf
            start=(/usr/sbin/sssd -i --logger=stderr -d 1)
            ;;
        nslcd)
            [ -x /usr/sbin/nslcd ] && [ -e /lib/x86_64-linux-gnu/libnss_ldap.so.2 ] || { out "peer-na $peer $n nslcd / libnss-ldapd not installed"; continue; }
            getent passwd nslcd >/dev/null || { out "peer-na $peer $n no nslcd system user"; continue; }
            so=/lib/x86_64-linux-gnu/libnss_ldap.so.2 prefix=ldap
            mkdir -p /run/nslcd && chown nslcd:nslcd /run/nslcd
            install -m 0644 "$L/pki/ca.pem" /run/nslcd/ca.pem  # $T is root-only; nslcd runs as nslcd
            cat >/etc/nslcd.conf <<EOC
uid nslcd
gid nslcd
uri ldaps://127.0.0.1:636/
base $BASE
base passwd ou=people,$BASE
base group ou=groups,$BASE
filter passwd (&(objectClass=posixAccount)(host=web1))
binddn $READER_DN
bindpw reader-pw
tls_reqcert demand
tls_cacertfile /run/nslcd/ca.pem
pagesize 1000
EOC
            chown root:nslcd /etc/nslcd.conf && chmod 640 /etc/nslcd.conf
            start=(/usr/sbin/nslcd -n)
            ;;
        *) out "peer-na $peer $n unknown peer"; continue ;;
        esac
        say "$n users: $peer, until an enumeration lists every user (at most ${PEER_WAIT}s)"
        b0=$(lo_bytes) t0=$(date +%s%N)
        "${start[@]}" >"$P/daemon.log" 2>&1 &
        PEER_PID=$!
        if "$TOOL" --so "$so" --prefix "$prefix" --users "$n" --uid-base "$UID_BASE" --since "$t0" --wait-s "$PEER_WAIT" --samples 0 >>"$RAW"; then
            out "wire $prefix $n $(($(lo_bytes) - b0))"
            "$TOOL" --so "$so" --prefix "$prefix" --users "$n" --uid-base "$UID_BASE" >"$P/measure" || say "$peer: lookups failed"
            grep -v '^resolved' "$P/measure" >>"$RAW"
            out "rss $prefix $n $(peak_rss "$PEER_PID")"
        else
            kill -0 "$PEER_PID" 2>/dev/null && why="did not list all $n users within ${PEER_WAIT}s" || why="the daemon exited"
            out "peer-na $peer $n $why: $(tail -n1 "$P/daemon.log")"
            say "$peer: $why; its log ends:"; tail -5 "$P/daemon.log" >&2
        fi
        stop_peer
        [ "$peer" != sssd ] || umount /var/lib/sss /var/log/sssd
        rm -rf "$P"
    done
done
out "meta load-end $(cut -d' ' -f1-3 /proc/loadavg)"
