#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_jumpcloud_plan.sh — the request budget of a jumpcloud sync (issue 16, docs/sources.md
# "Requests of one sync"), counted at the directory double: the organisation's user list instead
# of one request per bound user when it takes fewer requests, with the same cache content;
# a small host keeping the per-user path; details_every spreading the detail reads while
# unbinding and suspension still arrive within the stated bound; and a 429 storm that stops
# every host's sync with its cache intact and keeps every host away until Retry-After passes.
. "$(dirname "$0")/../lib.sh"
. "$SRC/tests/double/lib.sh"
start_double
write_config "$T"
BASE=https://127.0.0.1:$PORT_good/api

# host NAME [CONFIG LINES...]: $T/NAME.yaml, a host with its own cache $T/NAME; then `on NAME`.
host() {
    local name=$1 line
    shift
    mkdir -p "$T/$name"
    {
        printf 'source:\n  type: jumpcloud\n  url: %s\n  agent_config: %s\n' "$BASE" "$T/jcagent.conf"
        printf '  system_key_file: %s\n  api_key_file: %s\n  ca_file: %s\n' "$T/system.key" "$T/api.key" "$D/ca.pem"
        printf '  connect_timeout: 2\n  timeout: 3\n  retries: 2\n'
        for line in "$@"; do printf '  %s\n' "$line"; done
        printf 'cache_dir: %s\nhome: %s\nlocal_passwd: %s\nlocal_group: %s\n' "$T/$name" "$T/home/%u" "$T/passwd" "$T/group"
        printf 'metrics_file: %s\n' "$T/$name.prom"
    } >"$T/$name.yaml"
    on "$name"
}
# on NAME: the following `dirbind` calls are host NAME's (its config and its cache).
on() { CFG=$T/$1.yaml; use_cache "$T/$1"; }
# dump NAME: what host NAME's cache answers for every bound user (entry, state, keys), the groups
# and the counts. The cache files themselves never match byte for byte across two writes (each
# has a fresh random hash seed and its creation time), so the caches are compared by content.
dump() {
    local c=$T/$1.yaml n
    local -x DIRBIND_CACHE_DIR=$T/$1
    for n in $(python3 -c 'import json, sys
for x in json.load(open(sys.argv[1]))["users"]:
    print(x["details"].get("systemUsername") or x["details"]["username"])' "$D/jc.json"); do
        "$CLI" --config "$c" lookup user "$n" 2>&1
        with_nss "$CLI" --config "$c" authorized-keys "$n" 2>&1
    done
    for n in team0 team1 team2; do "$CLI" --config "$c" lookup group "$n" 2>&1; done
    "$CLI" --config "$c" status | sed -n 's/.*(\([0-9]* users, [0-9]* groups\),.*/\1/p'
}
same_cache() { [ "$(dump "$1")" = "$(dump "$2")" ] && echo same || echo differ; }
org_pages() { requests_seen '/api/systemusers?limit=100&skip='; }
details_seen() { requests_seen '/api/systemusers/5f'; }

# ---- 250 bound users in an organisation of 1,000: the list wins -------------------------------
jc_org --users 250 --org 1000 --managed-every 50 --groups 3
host per_user "details: per_user"
clear_requests
dirbind sync
check "per_user: sync succeeds" 0 "$rc"
contains "per_user: 1 system + 3 binding pages + 250 details" "synced 250 users, 253 groups, 0 skipped" "$out"
check "per_user: the double saw 254 requests" 254 "$(requests_seen ' 200 ')"
check "per_user: no organisation list" 0 "$(org_pages)"

host planned
clear_requests
dirbind sync
check "auto: sync succeeds" 0 "$rc"
check "auto: 1 system + 3 binding pages + 10 list pages = 14 requests" 14 "$(requests_seen ' 200 ')"
check "auto: the organisation list read in pages of 100" 10 "$(org_pages)"
check "auto: no per-user detail request" 0 "$(details_seen)"
check "auto: the list is projected to the mapped fields" 10 "$(requests_seen 'fields=_id%20username%20')"
check "both paths: identical caches" same "$(same_cache per_user planned)"
contains "the comparison sees the users" "state:           active" "$(dump planned)"
check "auto: the organisation's size is remembered" 1000 \
    "$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["state"]["org_users"])' "$T/planned/jumpcloud-state.json")"

# A change reaches both paths alike.
jc 'users[1]["details"]["state"] = "SUSPENDED"; users[1]["details"]["suspended"] = True
users[4]["details"]["ssh_keys"] = []'
on per_user; dirbind sync
on planned; clear_requests; dirbind sync
check "auto, org size known: still 14 requests" 14 "$(requests_seen ' 200 ')"
check "after a change: identical caches" same "$(same_cache per_user planned)"
dirbind lookup user user00005
contains "a suspended user arrives through the list" "state:           suspended" "$out"

# ---- a host with 10 bound users in the same organisation: per user ---------------------------
jc_org --users 10 --org 1000
host small
clear_requests
dirbind sync
check "small host, first sync: succeeds" 0 "$rc"
first=$(requests_seen ' 200 ')
check "small host, first sync: at most 1 + 1 + 10 requests" yes "$([ "$first" -le 12 ] && echo yes)"
clear_requests
dirbind sync
check "small host, org size known: 1 system + 1 page + 10 details" 12 "$(requests_seen ' 200 ')"
check "small host: no organisation list once its size is known" 0 "$(org_pages)"
host small_pu "details: per_user"
dirbind sync
check "small host: identical to the per-user path" same "$(same_cache small small_pu)"

# ---- details_every: the detail reads spread over syncs ---------------------------------------
jc_org --users 250 --org 250
host spread "details: per_user" "details_every: 5"
dirbind sync
check "spread, first sync: reads every user" 0 "$rc"
contains "spread, first sync: 1 + 3 + 250 requests" "(254 HTTP requests)" "$out"
check "spread: the details store is root-only" 600 "$(stat -c %a "$T/spread/jumpcloud-details.json")"
clear_requests
dirbind sync
check "spread, second sync: 1 + 3 + 250/5 requests" 54 "$(requests_seen ' 200 ')"
check "spread, second sync: 50 users' details" 50 "$(details_seen)"
jc 'u(7)["state"] = "SUSPENDED"; u(7)["suspended"] = True
j["users"] = [x for x in users if x["details"]["_id"] != "5f%022x" % 9]'
dirbind sync
dirbind lookup user user00009
check "spread: an unbound user is gone after the next sync" 1 "$rc"
for i in 1 2 3 4; do dirbind sync; done
dirbind lookup user user00007
contains "spread: a suspension arrives within details_every syncs" "state:           suspended" "$out"
host spread_ref "details: per_user"
dirbind sync
check "spread after details_every syncs: identical to a full read" same "$(same_cache spread spread_ref)"
host spread "details: per_user" "details_every: 1"
dirbind sync
check "details_every back to 1: the details store is removed" no "$([ -e "$T/spread/jumpcloud-details.json" ] && echo yes || echo no)"

# ---- 429: stop, keep the cache, stay away until Retry-After ----------------------------------
hosts="h1 h2 h3 h4 h5"
for h in $hosts; do host $h "details: per_user"; dirbind sync; done
for h in $hosts; do cp "$T/$h/identity.db" "$T/$h.identity" && cp "$T/$h/secrets.db" "$T/$h.secrets"; done
control '{"rate_limit": {"rate": 20, "burst": 300, "retry_after": 4}}'
clear_requests
limited=
for h in $hosts; do
    on $h
    dirbind sync
    [ "$rc" = 0 ] && continue
    limited="$limited $h"
    msg=$out
done
echo "  hosts stopped by 429:$limited"
check "429 storm: the hosts past the budget fail their sync" yes "$([ "$(echo $limited | wc -w)" -ge 3 ] && echo yes)"
contains "429: the error names the wait" "no request to JumpCloud before" "$msg"
contains "429: the cache is kept" "the cache is kept" "$msg"
intact=0
for h in $limited; do
    cmp -s "$T/$h/identity.db" "$T/$h.identity" && cmp -s "$T/$h/secrets.db" "$T/$h.secrets" && intact=$((intact + 1))
done
check "429 storm: every stopped host's cache intact, byte for byte" "$(echo $limited | wc -w)" "$intact"
n429=$(requests_seen ' 429 ')
check "429: no retries (at most the 8 requests in flight per stopped host got a 429)" yes \
    "$([ "$n429" -ge 1 ] && [ "$n429" -le $(($(echo $limited | wc -w) * 8)) ] && echo yes)"
h=${limited##* }
on $h
dirbind status
contains "status names the wait" "next request: not before" "$out"
until=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["state"]["retry_until"])' "$T/$h/jumpcloud-state.json")
dirbind status --json
check "status --json: retry_after is the remembered time" "$until" \
    "$(printf '%s' "$out" | python3 -c 'import json, sys; print(json.load(sys.stdin)["retry_after"])')"
check "metrics: dirbind_sync_retry_after_timestamp_seconds is that time" "$until" \
    "$(sed -n 's/^dirbind_sync_retry_after_timestamp_seconds //p' "$T/$h.prom")"
no_fault
clear_requests
for h in $limited; do on $h; dirbind sync; done
contains "within Retry-After: skipped without a request" "skipped without a request" "$out"
check "within Retry-After: the stopped hosts do not ask the API at all" 0 "$(requests_seen ' ')"
intact=0
for h in $limited; do
    cmp -s "$T/$h/identity.db" "$T/$h.identity" && cmp -s "$T/$h/secrets.db" "$T/$h.secrets" && intact=$((intact + 1))
done
check "within Retry-After: every stopped host's cache still intact" "$(echo $limited | wc -w)" "$intact"
sleep 5
for h in $limited; do on $h; dirbind sync; check "after Retry-After: $h syncs again" 0 "$rc"; done
dirbind status
case $out in *"next request"*) bad "status still names a wait" ;; *) ok "status: the wait is over" ;; esac
dirbind status --json
check "status --json: retry_after null once the wait is over" None \
    "$(printf '%s' "$out" | python3 -c 'import json, sys; print(json.load(sys.stdin)["retry_after"])')"
check "metrics: retry_after 0 once the wait is over" 0 "$(sed -n 's/^dirbind_sync_retry_after_timestamp_seconds //p' "$T/$h.prom")"

# No Retry-After: 60 s, doubling.
control '{"faults": [{"kind": "status", "code": 429, "path": "/api/systemusers/"}]}'
on h1
dirbind sync
contains "429 without Retry-After: dirbind waits 60 s" "no Retry-After: waiting 60 s" "$out"
finish
