#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_unreachable_source.sh — end to end, scenario 6: the directory cannot be reached: the
# HTTPS double is stopped (connection refused), resets every connection, hangs past
# source.timeout, or answers 503 every time (with DIRBIND_E2E_SOURCE=file: the file is missing,
# a directory, or a FIFO that nobody writes). `dirbind sync` fails within its configured
# limits with a clear error naming the source, the last cache stays in force, and known users
# keep logging in with their keys — each login within 2 s, nothing hangs.
. "$(dirname "$0")/lib-e2e.sh"

mkkey alice
mkkey bob
directory_publish <<EOF
system: {public_key_auth: true}
users:
  - {name: alice, uid: 5001, gid: 5001, ssh_keys: ["$(pub alice)"]}
  - {name: bob, uid: 5002, gid: 5002, ssh_keys: ["$(pub bob)"]}
EOF
dsync
check "sync succeeds" 0 "$SYNC_RC"
start_sshd
login_key alice alice 'id -un'
expect_login "alice logs in while the directory is reachable"
expect_fast "... within 2 s"
cache=$(md5sum </var/lib/dirbind/identity.db)

for how in $E2E_UNREACHABLE_MODES; do
    directory_unreachable "$how"
    t0=$(date +%s%N)
    dsync
    ms=$((($(date +%s%N) - t0) / 1000000))
    check "source $how: sync fails" failed "$([ "$SYNC_RC" -ne 0 ] && [ "$SYNC_RC" -ne 124 ] && echo failed || echo "exit $SYNC_RC")"
    contains "source $how: the error names the source" "$DIRECTORY" "$SYNC_OUT"
    if [ "$ms" -le "$E2E_SYNC_GIVEUP_MS" ]; then ok "source $how: sync gives up within its limits (${ms} ms)"
    else bad "source $how: sync took ${ms} ms (more than ${E2E_SYNC_GIVEUP_MS} ms)"; fi
    echo "  sync said: $SYNC_OUT"
    check "source $how: the cache is kept" "$cache" "$(md5sum </var/lib/dirbind/identity.db)"
    check "source $how: NSS still answers" "alice:x:5001:5001" "$(timeout 5 getent passwd alice | cut -d: -f1-4)"
    for u in alice bob; do
        login_key "$u" "$u" 'id -un'
        expect_login "source $how: $u logs in with the key"
        check "... as $u" "$u" "$OUT"
        expect_fast "source $how: $u's login within 2 s"
    done
done
contains "dirbind status reports the failure" "rror" "$(timeout 5 dirbind status 2>&1)"
finish
