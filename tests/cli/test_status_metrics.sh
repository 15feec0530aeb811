#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_status_metrics.sh — the sync's health for machines and people: `dirbind sync` says why it
# skipped records (grouped when many), `dirbind status --json` has the documented fields, and
# the Prometheus file (metrics_file) parses with prometheus_client and is replaced atomically.
. "$(dirname "$0")/../lib.sh"
PY=/usr/bin/python3
$PY -c 'import prometheus_client' 2>/dev/null || skip "python3-prometheus-client missing (debian/control)"
write_config "$T"
mkdir -p "$T/metrics"
echo "metrics_file: $T/metrics/dirbind.prom" >>"$T/dirbind.yaml"
C="$CLI --config $T/dirbind.yaml"
key=$(test_key alice)

cat >"$T/directory.yaml" <<EOF
users:
  - {name: alice, uid: 5001, gid: 5001, ssh_keys: [{name: laptop, key: "$key"}, {name: cut, key: "${key:0:60}"}]}
  - {name: "bad:name", uid: 5002, gid: 5002}
EOF
out=$($C sync 2>/dev/null); check "sync with skips succeeds" 0 $?
contains "sync names the dropped key and why" "  key alice: key 'cut': ssh-ed25519 key blob is truncated (public key)" "$out"
contains "sync names the skipped user and why" "  user bad:name: invalid user name" "$out"

# Many records refused for one rule: grouped, with a pointer to the full list.
{ echo "users:"; for i in $(seq 1 30); do echo "  - {name: u$i, uid: $((70000 + i)), gid: 5001}"; done
  echo "  - {name: alice, uid: 5001, gid: 5001}"; echo "  - {name: 'x y', uid: 5003, gid: 5003}"; } >"$T/directory.yaml"
out=$($C sync 2>/dev/null); check "sync with many skips succeeds" 0 $?
contains "grouped: one line for the 30 out-of-range uids" "  30 x user u1: uid 70001 is outside the configured range 1000-60000 (and alike)" "$out"
contains "grouped: the other reason on its own" "  1 x user x y: invalid user name" "$out"
contains "points at check-config" "  full list: dirbind check-config" "$out"
contains "status shows the reasons too" "  30 x user u1: uid 70001 is outside" "$($C status)"

json=$($C status --json); check "status --json exit" 0 $?
check "status --json fields" "1 1 31 31 False True file" "$(printf '%s' "$json" | $PY -c '
import json, sys
d = json.load(sys.stdin)
print(d["schema"], d["users"], d["skipped"], len(d["skipped_records"]), d["cache"]["policy"]["mfa"],
      d["ok"], d["source"].split()[0])')"

metrics() { $PY - "$T/metrics/dirbind.prom" <<'EOF'
import sys
from prometheus_client.parser import text_string_to_metric_families
vals = {}
for fam in text_string_to_metric_families(open(sys.argv[1]).read()):
    for s in fam.samples:
        vals[s.name] = s.value
        assert not s.labels, s
print(" ".join("%s=%g" % (k, vals[k]) for k in ["dirbind_sync_success", "dirbind_sync_last_error_code",
      "dirbind_sync_users", "dirbind_sync_skipped"]), "fresh" if vals["dirbind_sync_last_success_timestamp_seconds"] > 0 else "never")
EOF
}
check "metrics parse: success" "dirbind_sync_success=1 dirbind_sync_last_error_code=0 dirbind_sync_users=1 dirbind_sync_skipped=31 fresh" "$(metrics)"
check "metrics file is world-readable" "644" "$(stat -c %a "$T/metrics/dirbind.prom")"
ino=$(stat -c %i "$T/metrics/dirbind.prom")
exec 8<"$T/metrics/dirbind.prom"   # a collector reading the old file keeps a whole old file
printf 'users: [\n' >"$T/directory.yaml"
$C sync >/dev/null 2>&1; check "broken directory: sync fails" 1 $?
check "metrics after a failure" "dirbind_sync_success=0 dirbind_sync_last_error_code=9 dirbind_sync_users=1 dirbind_sync_skipped=31 fresh" "$(metrics)"
[ "$(stat -c %i "$T/metrics/dirbind.prom")" != "$ino" ] && ok "replaced by rename, not rewritten in place" || bad "metrics file rewritten in place"
contains "the reader's old file is still whole" "dirbind_sync_success 1" "$(cat <&8)"
exec 8<&-
check "no temporary file left" "dirbind.prom" "$(ls -A "$T/metrics")"
sed -i '/^metrics_file/d' "$T/dirbind.yaml"; echo 'metrics_file: ""' >>"$T/dirbind.yaml"
rm "$T/metrics/dirbind.prom"; $C sync >/dev/null 2>&1
check "metrics_file \"\": no file" "" "$(ls -A "$T/metrics")"
sed -i '/^metrics_file/d' "$T/dirbind.yaml"; echo 'metrics_file: relative.prom' >>"$T/dirbind.yaml"
out=$($C status 2>&1); check "relative metrics_file refused" 1 $?
contains "… naming file and key" "metrics_file" "$out"
finish
