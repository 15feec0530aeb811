#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_transport.sh — the HTTPS transport's refusals and options, through the https source:
# a wrong CA, an expired certificate, a certificate for another host, plain http:// and
# credentials in the URL are refused; a pinned key must match; mTLS works only with our client
# certificate; a client key readable by others is refused; proxies from the config and from
# https_proxy are used, no_proxy bypasses them. Each refusal keeps the cache byte for byte.
. "$(dirname "$0")/../lib.sh"
. "$SRC/tests/double/lib.sh"
start_double
key=$(test_key alice)
write_config "$T"
printf '{"system": {"public_key_auth": true}, "users": [{"name": "alice", "uid": 5001, "gid": 5001, "ssh_keys": ["%s"]}]}\n' \
    "$key" >"$D/snapshot"

CFG=$T/https.yaml
# config PORT [EXTRA_SOURCE_LINES]: an https source on listener PORT.
config() {
    {
        printf 'source:\n  type: https\n  url: https://127.0.0.1:%s/snapshot\n  ca_file: %s\n' "$1" "$D/ca.pem"
        printf '  connect_timeout: 2\n  timeout: 5\n  retries: 1\n'
        [ -n "${2:-}" ] && printf '%s\n' "$2"
        printf 'cache_dir: %s\nhome: %s\nlocal_passwd: %s\nlocal_group: %s\n' "$T/cache" "$T/home/%u" "$T/passwd" "$T/group"
    } >"$CFG"
}
config "$PORT_good"
dirbind sync
check "trusted server: sync succeeds" 0 "$rc"
save_cache "$T/cache"

# refused NAME MESSAGE: the sync fails with MESSAGE and the cache is untouched.
refused() {
    dirbind sync
    echo "  $1: $out"
    check "$1: refused" 1 "$rc"
    contains "$1: message" "$2" "$out"
    check "$1: cache intact" same "$(cache_same "$T/cache")"
}

# ---- server certificates ---------------------------------------------------------------------
config "$PORT_wrongca"
clear_requests
refused "certificate from another CA" "certificate not trusted by $D/ca.pem (check source.ca_file)"
check "untrusted certificate is not retried (one connection)" 1 "$(requests_seen "wrongca - connection")"
check "untrusted certificate: no request was sent" 0 "$(requests_seen "wrongca /snapshot")"
config "$PORT_expired"
refused "expired certificate" "the server's certificate has expired"
config "$PORT_otherhost"
refused "certificate for another host" "the server's certificate is not for 127.0.0.1:$PORT_otherhost"
config "$PORT_good" "  ca_file: $D/rogue-ca.pem"
sed -i "0,/  ca_file: $(printf '%s' "$D/ca.pem" | sed 's/[\/&]/\\&/g')/{//d}" "$CFG"
refused "the right server, the wrong CA file" "certificate not trusted by $D/rogue-ca.pem"
config "$PORT_good" "  ca_file: $T/nonexistent.pem"
sed -i "0,/  ca_file: $(printf '%s' "$D/ca.pem" | sed 's/[\/&]/\\&/g')/{//d}" "$CFG"
refused "missing CA file" "$T/nonexistent.pem"

# ---- plain http, credentials in the URL -----------------------------------------------------------
config "$PORT_plain"
sed -i "s|url: https://|url: http://|" "$CFG"
refused "http:// URL" "plain http:// is refused"
contains "http:// refusal names the key and line" "$CFG:3: source.url:" "$out"
config "$PORT_good"
sed -i "s|url: https://|url: https://user:pw@|" "$CFG"
refused "credentials in the URL" "must not carry credentials (user:password@); use bearer_token_file or client_cert"
case $out in *pw@*) bad "the password is echoed" ;; *) ok "the password is not echoed" ;; esac

# ---- pinned public key ------------------------------------------------------------------------
config "$PORT_good" "  pinned_pubkey: $(cat "$D/other.pin")"
refused "pinned key mismatch" "the server's public key does not match source.pinned_pubkey"
config "$PORT_good" "  pinned_pubkey: $(cat "$D/server.pin")"
dirbind sync
check "pinned key match: sync succeeds" 0 "$rc"
save_cache "$T/cache"

# ---- mTLS -------------------------------------------------------------------------------------
config "$PORT_mtls"
refused "mTLS server, no client certificate" "a server that requires a client certificate"
config "$PORT_mtls" "  client_cert: $D/rogue-client.pem
  client_key: $D/rogue-client.key"
refused "mTLS server, certificate from another CA" "is $D/rogue-client.pem signed by a CA the server trusts?"
config "$PORT_mtls" "  client_cert: $D/client.pem
  client_key: $D/client.key"
dirbind sync
check "mTLS with our client certificate: sync succeeds" 0 "$rc"
save_cache "$T/cache"
chmod 640 "$D/client.key"
refused "client key readable by group" "refusing to use client key $D/client.key: readable by group or others (mode 0640)"
chmod 600 "$D/client.key"
ln -s "$D/client.key" "$T/client-link.key"
config "$PORT_mtls" "  client_cert: $D/client.pem
  client_key: $T/client-link.key"
refused "client key through a symlink" "refusing to use client key $T/client-link.key: it is a symbolic link"
config "$PORT_mtls" "  client_cert: $D/client.pem"
refused "client_cert without client_key" "client_cert and client_key go together"

# ---- proxies ----------------------------------------------------------------------------------
clear_requests
config "$PORT_good" "  proxy: http://127.0.0.1:$PORT_proxy"
dirbind sync
check "proxy from the config: sync succeeds" 0 "$rc"
check "proxy from the config: tunnel used" 1 "$(requests_seen "proxy CONNECT 127.0.0.1:$PORT_good")"
clear_requests
config "$PORT_good"
out=$(https_proxy=http://127.0.0.1:$PORT_proxy no_proxy= timeout 60 "$CLI" --config "$CFG" sync 2>&1); rc=$?
check "https_proxy from the environment: sync succeeds" 0 "$rc"
check "https_proxy from the environment: tunnel used" 1 "$(requests_seen "proxy CONNECT")"
clear_requests
out=$(https_proxy=http://127.0.0.1:$PORT_proxy no_proxy=127.0.0.1 timeout 60 "$CLI" --config "$CFG" sync 2>&1); rc=$?
check "no_proxy: sync succeeds" 0 "$rc"
check "no_proxy: tunnel not used" 0 "$(requests_seen "proxy CONNECT")"
save_cache "$T/cache"
out=$(https_proxy=http://127.0.0.1:1 no_proxy= timeout 60 "$CLI" --config "$CFG" sync 2>&1); rc=$?
check "dead proxy: refused" 1 "$rc"
contains "dead proxy: message" "cannot connect" "$out"
check "dead proxy: cache intact" same "$(cache_same "$T/cache")"

# ---- the User-Agent names dirbind and its version -----------------------------------------------
check "User-Agent is dirbind/<version>" yes \
    "$([ "$(requests_seen "ua=dirbind/$("$CLI" --version | awk '{print $2}') bytes=")" -gt 0 ] && echo yes)"
finish
