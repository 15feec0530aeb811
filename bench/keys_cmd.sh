#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# keys_cmd.sh SPAWN_TIME DIRBIND CONFIG USER [RUNS] — what sshd's AuthorizedKeysCommand costs per
# key login (target ≤ 5 ms): `dirbind authorized-keys USER` and `… USER FINGERPRINT` (the
# shipped sshd drop-in passes %f), each RUNS times through bench/spawn_time.c (posix_spawn +
# waitpid, so no shell fork is in the figure), and /bin/true spawned the same way: the floor of
# any exec on this machine. Prints one line of milliseconds:
#   <keys printed> <median> <p90> <median with %f> <p90 with %f> <true median> <true p90>
# Exits non-zero (with the reason on stderr) if the user has no key or a call fails.
set -euo pipefail
spawn=$1 cli=$2 cfg=$3 user=$4 runs=${5:-300}
keys=$("$cli" --config "$cfg" authorized-keys "$user")
[ -n "$keys" ] || { echo "keys_cmd.sh: $user has no key in the cache of $cfg" >&2; exit 1; }
fp=$(head -n1 <<<"$keys" | ssh-keygen -lf - | awk '{print $2}')
[[ $fp == SHA256:* ]] || { echo "keys_cmd.sh: ssh-keygen -lf gave no SHA256 fingerprint" >&2; exit 1; }
# The %f form must select exactly that key, or it measures a different path.
n_fp=$("$cli" --config "$cfg" authorized-keys "$user" "$fp" | wc -l)
[ "$n_fp" = 1 ] || { echo "keys_cmd.sh: authorized-keys $user $fp printed $n_fp keys, not 1" >&2; exit 1; }
floor=$("$spawn" "$runs" /bin/true)
plain=$("$spawn" "$runs" "$cli" --config "$cfg" authorized-keys "$user")
with_fp=$("$spawn" "$runs" "$cli" --config "$cfg" authorized-keys "$user" "$fp")
echo "$(wc -l <<<"$keys") $plain $with_fp $floor"
