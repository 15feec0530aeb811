#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_snapshot.sh — the https snapshot source against the directory double: a sync, ETag and
# Last-Modified (a 304 rewrites nothing), a suspended user denied after the next sync, and every
# scripted fault (timeouts, 401/403/429/5xx, resets, truncated, non-JSON, oversized, wrong type,
# bad UTF-8, a redirect to http) leaving the previous cache byte for byte, with a clear error.
. "$(dirname "$0")/../lib.sh"
. "$SRC/tests/double/lib.sh"
start_double
key=$(test_key alice)

write_config "$T"
CFG=$T/https.yaml
URL=https://127.0.0.1:$PORT_good/snapshot
cat >"$CFG" <<EOC
source:
  type: https
  url: $URL
  ca_file: $D/ca.pem
  connect_timeout: 1
  timeout: 2
  retries: 2
  max_response_size: 65536
cache_dir: $T/cache
home: $T/home/%u
local_passwd: $T/passwd
local_group: $T/group
EOC
snapshot() {  # snapshot BOB_STATE
    cat >"$D/snapshot.tmp" <<EOS
{"system": {"public_key_auth": true},
 "users": [{"name": "alice", "uid": 5001, "gid": 5001, "ssh_keys": ["$key"]},
           {"name": "bob", "uid": 5002, "gid": 5002, "state": "$1", "ssh_keys": ["$key"]}]}
EOS
    mv "$D/snapshot.tmp" "$D/snapshot"
}
snapshot active

dirbind sync
check "first sync succeeds" 0 "$rc"
contains "summary names the source" "synced 2 users, 2 groups, 0 skipped from https $URL" "$out"
contains "summary counts requests" "(1 HTTP requests)" "$out"
check "bob can use his key" "$key" "$(with_nss timeout 10 "$CLI" --config "$CFG" authorized-keys bob)"
dirbind status
contains "status shows the ETag" 'etag:         "' "$out"
contains "status shows Last-Modified" "Last-Modified: " "$out"
contains "status shows the last change" "last change:" "$out"

# ---- 304: nothing rewritten -------------------------------------------------------------------
save_cache "$T/cache"
ino_before=$(stat -c '%i %Y' "$T/cache/identity.db" "$T/cache/secrets.db")
clear_requests
sleep 1  # a rewrite would show in the mtime
dirbind sync
check "unchanged sync succeeds" 0 "$rc"
contains "unchanged sync says so" "not modified since the last sync: cache kept (2 users, 2 groups)" "$out"
check "the double answered 304" 1 "$(requests_seen 'snapshot 304 not-modified')"
check "304: cache files not rewritten (same inode and mtime)" "$ino_before" \
    "$(stat -c '%i %Y' "$T/cache/identity.db" "$T/cache/secrets.db")"
check "304: cache bytes identical" same "$(cache_same "$T/cache")"
dirbind status
contains "status after 304" "source not modified: cache kept" "$out"

# ---- a suspended user is denied after the next sync ------------------------------------------
snapshot suspended
dirbind sync
check "changed snapshot: sync succeeds" 0 "$rc"
contains "changed snapshot: full sync" "synced 2 users" "$out"
check "suspended bob: no keys" "" "$(with_nss timeout 10 "$CLI" --config "$CFG" authorized-keys bob)"
dirbind lookup user bob
contains "cache says suspended" "suspended" "$out"

# A config change invalidates the validators: the next sync fetches in full.
echo "shell: /bin/sh" >>"$CFG"
dirbind sync
contains "config changed: full sync, no conditional request" "synced 2 users" "$out"

# ---- faults: each keeps the previous cache byte for byte --------------------------------------
save_cache "$T/cache"
# expect_fault NAME FAULT_JSON MESSAGE: one failed sync, the cache kept, the message shown.
expect_fault() {
    fault "$2"
    dirbind sync
    echo "  $1: $out"
    check "$1: sync fails" 1 "$rc"
    contains "$1: message" "$3" "$out"
    contains "$1: message names the URL" "$URL" "$out"
    check "$1: cache intact" same "$(cache_same "$T/cache")"
    no_fault
}
t0=$(date +%s)
expect_fault "delay past the timeout" '{"kind": "delay", "seconds": 4}' \
    "no complete answer within the limits (source.connect_timeout 1 s, source.timeout 2 s) (gave up after 3 attempts)"
check "timeouts are bounded (3 attempts of 2 s)" yes "$([ $(($(date +%s) - t0)) -le 12 ] && echo yes)"
clear_requests
expect_fault "401" '{"kind": "status", "code": 401}' \
    "HTTP 401 Unauthorized: the snapshot server refused our credentials (401)"
check "401 is not retried" 1 "$(requests_seen 'snapshot 401')"
clear_requests
expect_fault "403" '{"kind": "status", "code": 403}' "HTTP 403 Forbidden"
check "403 is not retried" 1 "$(requests_seen 'snapshot 403')"
expect_fault "404" '{"kind": "status", "code": 404}' "HTTP 404 Not Found: nothing at this URL (check source.url)"
clear_requests
expect_fault "500 every time" '{"kind": "status", "code": 500}' "HTTP 500 Internal Server Error"
check "500 retried: 3 attempts" 3 "$(requests_seen 'snapshot 500')"
contains "500: says it gave up" "gave up after 3 attempts" "$out"
expect_fault "503 every time" '{"kind": "status", "code": 503}' "HTTP 503 Service Unavailable"
expect_fault "429 with a long Retry-After" '{"kind": "status", "code": 429, "retry_after": 3600}' \
    "the server asks to retry after 3600 s, longer than dirbind waits (30 s)"
expect_fault "connection reset" '{"kind": "reset"}' "the connection was closed or reset"
expect_fault "truncated body" '{"kind": "truncate"}' \
    "the connection was closed or reset before the whole response arrived"
expect_fault "non-JSON body" '{"kind": "nonjson"}' "the response says JSON but is not a JSON object"
expect_fault "body over the cap" '{"kind": "big", "bytes": 200000}' \
    "larger than 65536 bytes (source.max_response_size)"
expect_fault "chunked body over the cap" '{"kind": "big", "bytes": 200000, "chunked": true}' \
    "larger than 65536 bytes (source.max_response_size)"
expect_fault "wrong content type" '{"kind": "ctype", "type": "text/html"}' \
    "the response is text/html, not a directory document"
expect_fault "invalid UTF-8" '{"kind": "badutf8"}' "not valid UTF-8"
expect_fault "redirect to plain http" '{"kind": "redirect", "location": "http"}' \
    "only https:// is allowed, also for redirects"
dirbind status
contains "status shows the last error" "last error:   GET $URL" "$out"

# ---- transient faults are retried and the sync succeeds -------------------------------------
clear_requests
fault '{"kind": "status", "code": 503, "times": 2}'
dirbind sync
check "503 twice then 200: sync succeeds" 0 "$rc"
check "503 twice then 200: 3 requests" 3 "$(requests_seen 'snapshot ')"
fault '{"kind": "status", "code": 429, "retry_after": 2, "times": 1}'
t0=$(date +%s.%N)
dirbind sync
t1=$(date +%s.%N)
check "429 with Retry-After 2 then 200: sync succeeds" 0 "$rc"
check "Retry-After honoured (waited >= 2 s)" yes "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a >= 1.9) ? "yes" : "no" }')"
fault '{"kind": "reset", "times": 1}'
dirbind sync
check "one reset then 200: sync succeeds" 0 "$rc"
no_fault

# ---- bearer token; --verbose logs each request, never the token ------------------------------
echo "s3cr3t-token-value" >"$D/bearer"
dirbind sync
check "no token: refused" 1 "$rc"
contains "no token: 401 explained" "refused our credentials (401): check the source's credentials (none configured)" "$out"
secret "$T/token" "s3cr3t-token-value"
sed -i "s|^  url: .*|&\n  bearer_token_file: $T/token|" "$CFG"
dirbind sync --verbose
check "bearer token accepted" 0 "$rc"
contains "verbose shows the request" "GET $URL -> 200" "$out"
case $out in *s3cr3t*) bad "verbose output leaks the token" ;; *) ok "verbose output has no token" ;; esac
secret "$T/token" "wrong-token"
dirbind sync
check "wrong token: refused" 1 "$rc"
contains "wrong token: names the setting" "check source.bearer_token_file" "$out"
chmod 644 "$T/token"
dirbind sync
check "token file readable by others: refused" 1 "$rc"
contains "token file permissions named" "refusing to use bearer token file $T/token: readable by group or others (mode 0644)" "$out"
finish
