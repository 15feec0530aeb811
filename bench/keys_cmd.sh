#!/bin/bash
# keys_cmd.sh DIRBIND CONFIG USER [RUNS] — median wall time in ms of `dirbind authorized-keys USER`,
# the command sshd runs for every key login (target ≤ 5 ms). Prints "<median_ms> <keys printed>".
set -eu
cli=$1 cfg=$2 user=$3 runs=${4:-200}
keys=$("$cli" --config "$cfg" authorized-keys "$user" | wc -l)
for _ in $(seq "$runs"); do
    s=$(date +%s%N)
    "$cli" --config "$cfg" authorized-keys "$user" >/dev/null
    echo $(( $(date +%s%N) - s ))
done | sort -n | awk -v k="$keys" '{a[NR]=$1} END {printf "%.2f %d\n", a[int((NR+1)/2)]/1e6, k}'
