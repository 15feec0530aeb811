#!/bin/bash
# inside.sh — the demo's steps, run inside the namespaces demo.sh made.
set -euo pipefail
. "$SRC/tests/sandbox.sh"
say() { printf '\n== %s\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@" 2>&1 | sed 's/^/  /'; }

say "1. Configure: /etc/dirbind/dirbind.yaml names the directory source (a local file here)"
cat >/etc/dirbind/dirbind.yaml <<'EOC'
source:
  type: file
  path: /etc/dirbind/directory.yaml
home: /home/%u
EOC
cp "$SRC/docs/examples/directory.yaml" /etc/dirbind/directory.yaml
show cat /etc/dirbind/dirbind.yaml
echo "  The directory (docs/examples/directory.yaml) binds alice, bob (suspended) and carol to this host."

say "2. nsswitch.conf asks dirbind after the local files"
show grep -E '^(passwd|group|shadow):' /etc/nsswitch.conf

say "3. Sync: fetch the directory, validate every record, write the local cache"
show dirbind check-config
show dirbind sync
show ls -l /var/lib/dirbind

say "4. The directory's users are now accounts on this host (answered from the cache, no network)"
show getent passwd alice bob carol
show getent group devs ops
show id alice
touch /home/report.txt && chown 5001:6001 /home/report.txt
show ls -l /home/report.txt
show dirbind lookup user alice

say "5. What dirbind status reports"
show dirbind status
