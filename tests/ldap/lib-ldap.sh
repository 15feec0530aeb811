# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# lib-ldap.sh — sourced by tests/ldap/test_*.sh after tests/lib.sh: a real OpenLDAP server
# (Debian's slapd) made for one test run. On the host it checks root and the tools (else SKIP,
# exit 77) and re-runs the calling script inside `unshare --mount --net --fork`, so slapd
# listens on a loopback nobody else shares and dies with the namespace. Inside, start_slapd
# writes a slapd.conf (core, cosine, nis, inetorgperson, msuser for AD-style names, the
# openssh-lpk schema of this folder, and test-extras.schema; syncprov with a session log, ppolicy), a CA
# and server certificate made for this run (tests/double/mkcerts.py), loads LDIF from
# gen_ldif.py with slapadd and starts slapd on ldaps://127.0.0.1:636, ldap://127.0.0.1:389
# (StartTLS) and ldapi.
LDAP_DIR_SRC=$SRC/tests/ldap
L=$T/ldap
BASE=dc=example,dc=org
ADMIN_DN=cn=admin,$BASE
ADMIN_PW=admin-pw
READER_DN=cn=reader,ou=services,$BASE
SLAPD_PID=

if [ -z "${DIRBIND_LDAP_INSIDE:-}" ]; then
    need_root "the LDAP tests (slapd in a private network namespace)"
    [ -x /usr/sbin/slapd ] || skip "/usr/sbin/slapd missing (Debian package slapd)"
    for c in ldapmodify ldapsearch unshare python3; do
        command -v "$c" >/dev/null || skip "$c missing (Debian packages ldap-utils, util-linux, python3)"
    done
    python3 -c 'import cryptography' 2>/dev/null || skip "python3-cryptography missing"
    unshare --mount --net --fork true 2>/dev/null || skip "cannot create mount and network namespaces here"
    rc=0
    timeout -k 5 "${DIRBIND_LDAP_TIMEOUT:-300}" unshare --mount --net --fork \
        env DIRBIND_LDAP_INSIDE=1 bash "$0" "$@" || rc=$?
    exit $rc
fi
ip link set lo up
mount --make-rprivate /
stop_slapd() {
    [ -n "$SLAPD_PID" ] || return 0
    kill "$SLAPD_PID" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$SLAPD_PID" 2>/dev/null || break; sleep 0.05; done
    kill -9 "$SLAPD_PID" 2>/dev/null
    SLAPD_PID=
}
trap 'stop_slapd; rm -rf "$T"' EXIT

# make_slapd [SIZELIMIT]: PKI (once per run), slapd.conf and the database directory in $L (SIZELIMIT: the value of
# slapd.conf's sizelimit for everybody but the rootdn; default slapd's own, 500 per search).
make_slapd() {
    mkdir -p "$L/db" "$L/pki"
    [ -f "$L/pki/ca.pem" ] || python3 "$SRC/tests/double/mkcerts.py" "$L/pki" || { echo "FAIL: mkcerts"; exit 1; }
    cat >"$L/slapd.conf" <<EOC
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
include $LDAP_DIR_SRC/openssh-lpk.schema
include $LDAP_DIR_SRC/test-extras.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload syncprov
moduleload ppolicy
pidfile $L/slapd.pid
argsfile $L/slapd.args
TLSCACertificateFile $L/pki/ca.pem
TLSCertificateFile $L/pki/server.pem
TLSCertificateKeyFile $L/pki/server.key
# SASL EXTERNAL: a client certificate of the run's CA (mkcerts.py's client.pem) is the reader.
TLSVerifyClient try
authz-regexp "cn=dirbind-client" "$READER_DN"
authz-regexp "gidNumber=0[+]uidNumber=0,cn=peercred,cn=external,cn=auth" "$READER_DN"
sizelimit ${1:-size.soft=500 size.hard=500}
database mdb
suffix "$BASE"
rootdn "$ADMIN_DN"
rootpw $ADMIN_PW
directory $L/db
maxsize 4294967296
index objectClass,entryCSN,entryUUID eq
index uid,memberUid,member,host eq
access to attrs=userPassword by anonymous auth by * none
access to * by dn.exact="$READER_DN" read by self read by * none
overlay syncprov
syncprov-checkpoint 100 1
syncprov-sessionlog 10000
overlay ppolicy
ppolicy_default "cn=default,ou=policies,$BASE"
EOC
}

# load_ldif GEN_LDIF_ARGS...: a fresh database from gen_ldif.py (slapd must be stopped).
load_ldif() {
    rm -rf "$L/db" && mkdir -p "$L/db"
    python3 "$LDAP_DIR_SRC/gen_ldif.py" --home-base "$T/home" "$@" >"$L/data.ldif"
    slapadd -q -f "$L/slapd.conf" -l "$L/data.ldif" 2>"$L/slapadd.err" ||
        { echo "FAIL: slapadd"; cat "$L/slapadd.err"; exit 1; }
}

# start_slapd: slapd on this namespace's loopback; waits until it answers.
start_slapd() {
    /usr/sbin/slapd -f "$L/slapd.conf" -h "ldaps://127.0.0.1:636/ ldap://127.0.0.1:389/ ldapi://$(printf %s "$L/ldapi" | sed 's,/,%2F,g')/" \
        -d 0 >"$L/slapd.log" 2>&1 &
    SLAPD_PID=$!
    for _ in $(seq 100); do
        LDAPTLS_CACERT=$L/pki/ca.pem ldapsearch -x -H ldaps://127.0.0.1:636 -b '' -s base >/dev/null 2>&1 && return 0
        kill -0 "$SLAPD_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "FAIL: slapd did not start"; cat "$L/slapd.log"; exit 1
}

# lmod: ldapmodify as the admin, the LDIF on stdin.
lmod() { LDAPTLS_CACERT=$L/pki/ca.pem ldapmodify -x -H ldaps://127.0.0.1:636 -D "$ADMIN_DN" -w "$ADMIN_PW" -c "$@" >/dev/null; }
# lsearch ARGS: ldapsearch as the admin.
lsearch() { LDAPTLS_CACERT=$L/pki/ca.pem ldapsearch -LLL -x -H ldaps://127.0.0.1:636 -D "$ADMIN_DN" -w "$ADMIN_PW" -b "$BASE" "$@"; }

# secret FILE CONTENT: a root-only (0600) file.
secret() { (umask 077 && printf '%s\n' "$2" >"$1") && chmod 600 "$1"; }

# ldap_config [LINE...]: $CFG, write_config's sandbox with an ldap source on ldaps:// as the
# read-only reader account; LINEs are added inside `source:` (two-space indented). $LDAP_URIS
# replaces the servers, $LDAP_CA the CA file, $LDAP_TIMEOUT the operation timeout (5 s);
# $LDAP_NO_BIND leaves bind_dn out.
ldap_config() {
    write_config "$T"
    secret "$T/reader.pw" reader-pw
    CFG=$T/dirbind.yaml
    {
        printf 'source:\n  type: ldap\n  uris: %s\n  ca_file: %s\n' "${LDAP_URIS:-[ldaps://127.0.0.1:636]}" "${LDAP_CA:-$L/pki/ca.pem}"
        [ -n "${LDAP_NO_BIND:-}" ] || printf '  bind_dn: %s\n  bind_password_file: %s\n' "$READER_DN" "$T/reader.pw"
        printf '  user_base: ou=people,%s\n  group_base: ou=groups,%s\n' "$BASE" "$BASE"
        printf '  connect_timeout: 2\n  timeout: %s\n' "${LDAP_TIMEOUT:-5}"
        [ $# -eq 0 ] || printf '  %s\n' "$@"
        sed -n '/^cache_dir:/,$p' "$T/dirbind.yaml"
    } >"$T/ldap.yaml"
    mv "$T/ldap.yaml" "$CFG"
    export DIRBIND_CACHE_DIR=$T/cache
}

# dirbind ARGS...: the CLI on $CFG, at most 60 s, stdout+stderr in $out, status in $rc.
dirbind() { out=$(timeout 60 "$CLI" --config "$CFG" "$@" 2>&1); rc=$?; }
