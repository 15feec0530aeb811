#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_ldap_failures.sh — the ldap source when things go wrong, against a real slapd: the server
# stopped, hung, or resetting the connection in the middle of a search; a certificate of another
# CA; a size limit that paging cannot pass. Each keeps the last good cache byte for byte and
# `dirbind status` says why. And the ways in that must work: failover to the next server,
# StartTLS on ldap:// (plain ldap:// refused by the config), SASL EXTERNAL with a client
# certificate, ldapi://.
. "$(dirname "$0")/../lib.sh"
. "$SRC/tests/ldap/lib-ldap.sh"
make_slapd "size.soft=20 size.hard=20 size.pr=20 size.prtotal=unlimited"
load_ldif --users 60 --unbound-every 10
start_slapd
LDAP_TIMEOUT=2 ldap_config 'host_filter: (host=web1)' 'page_size: 20'
dirbind sync
check "first sync succeeds" 0 "$rc"
save() { cp "$T/cache/identity.db" "$T/identity.before"; cp "$T/cache/secrets.db" "$T/secrets.before"; }
same() { cmp -s "$T/cache/identity.db" "$T/identity.before" && cmp -s "$T/cache/secrets.db" "$T/secrets.before" && echo same || echo changed; }
save
# kept WHAT ERROR: the sync just failed with ERROR in its message, the cache is as it was, the
# users still resolve, and status names the error.
kept() {
    check "$1: the sync fails" 1 "$rc"
    contains "$1: the error says why" "$2" "$out"
    check "$1: the cache is kept byte for byte" same "$(same)"
    local o
    o=$(timeout 10 "$CLI" --config "$CFG" lookup user user00001 2>&1)
    contains "$1: users still resolve" "user00001:x:20001" "$o"
    o=$(timeout 10 "$CLI" --config "$CFG" status 2>&1)
    contains "$1: status shows the error" "$2" "$o"
}

# ---- the server stopped --------------------------------------------------------------------------
stop_slapd
dirbind sync
kept "server stopped" "no LDAP server could be used: ldaps://127.0.0.1:636: Can't contact LDAP server"
start_slapd

# ---- the server hung (SIGSTOP): bounded by source.timeout ------------------------------------------
kill -STOP "$SLAPD_PID"
t0=$(date +%s)
dirbind sync
t1=$(date +%s)
kill -CONT "$SLAPD_PID"
kept "server hung" "ldaps://127.0.0.1:636"
if [ $((t1 - t0)) -le 12 ]; then ok "server hung: gave up in $((t1 - t0)) s"; else bad "server hung: took $((t1 - t0)) s"; fi

# ---- reset in the middle of a search ----------------------------------------------------------------
python3 "$LDAP_DIR_SRC/reset_proxy.py" 1636 636 9000 >"$L/proxy.log" 2>&1 &
proxy=$!
for _ in $(seq 50); do grep -q ready "$L/proxy.log" && break; sleep 0.1; done
cp "$CFG" "$T/good.yaml"
sed -i 's,ldaps://127.0.0.1:636,ldaps://127.0.0.1:1636,' "$CFG"
rm -f "$T/cache/ldap-state.json"  # a full read, so that the cut falls inside the search
dirbind sync
kept "connection reset mid-search" "ldaps://127.0.0.1:1636"
kill "$proxy" 2>/dev/null; wait "$proxy" 2>/dev/null
cp "$T/good.yaml" "$CFG"

# ---- TLS: a certificate from another CA ----------------------------------------------------------
LDAP_CA=$L/pki/rogue-ca.pem LDAP_TIMEOUT=2 ldap_config 'host_filter: (host=web1)' 'page_size: 20'
dirbind sync
kept "wrong CA" "certificate"

# ---- failover: the first server is down, the second answers -------------------------------------
LDAP_URIS='[ldaps://127.0.0.1:1637, ldaps://127.0.0.1:636]' ldap_config 'host_filter: (host=web1)' 'page_size: 20'
dirbind sync
check "failover: the sync succeeds" 0 "$rc"
contains "failover: 54 users" "54 users" "$out"

# ---- StartTLS; plain ldap:// refused --------------------------------------------------------------
LDAP_URIS='[ldap://127.0.0.1:389]' ldap_config 'host_filter: (host=web1)' 'page_size: 20'
dirbind check-config
check "plain ldap:// is refused by the config" 1 "$rc"
contains "... saying why" "plain ldap://127.0.0.1:389 is refused" "$out"
LDAP_URIS='[ldap://127.0.0.1:389]' ldap_config 'starttls: true' 'host_filter: (host=web1)' 'page_size: 20'
dirbind sync
check "ldap:// with StartTLS: the sync succeeds" 0 "$rc"
LDAP_CA=$L/pki/rogue-ca.pem LDAP_URIS='[ldap://127.0.0.1:389]' ldap_config 'starttls: true' 'host_filter: (host=web1)'
save
dirbind sync
kept "StartTLS with a certificate of another CA" "StartTLS failed"

# ---- SASL EXTERNAL with a client certificate; ldapi -------------------------------------------------
LDAP_NO_BIND=1 ldap_config 'sasl_external: true' "client_cert: $L/pki/client.pem" "client_key: $L/pki/client.key" \
    'host_filter: (host=web1)' 'page_size: 20'
dirbind sync
check "SASL EXTERNAL with a client certificate: the sync succeeds" 0 "$rc"
contains "... 54 users (the certificate maps to the reader)" "54 users" "$out"
ldapi="ldapi://$(printf %s "$L/ldapi" | sed 's,/,%2F,g')"
LDAP_NO_BIND=1 LDAP_URIS="[\"$ldapi\"]" ldap_config 'sasl_external: true' 'host_filter: (host=web1)' 'page_size: 20'
dirbind sync
check "ldapi:// with SASL EXTERNAL (peer credentials): the sync succeeds" 0 "$rc"
contains "... 54 users" "54 users" "$out"

# ---- a size limit that paging cannot pass ---------------------------------------------------------
stop_slapd
make_slapd "size.soft=20 size.hard=20 size.pr=20 size.prtotal=40"
start_slapd
ldap_config 'host_filter: (host=web1)' 'page_size: 20'
save
rm -f "$T/cache/ldap-state.json"
dirbind sync
kept "a total size limit of 40" "Size limit exceeded"
contains "... and says what to change" "size.prtotal=unlimited" "$out"
finish
