#!/bin/bash
# demo.sh BUILD — `make demo`: inside a throwaway sandbox (private mount and network
# namespaces; nothing on the host changes), configure dirbind with the sample directory,
# sync it, and show the directory's users answering as local accounts.
set -euo pipefail
BUILD=$(realpath "${1:-build}")
SRC=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "make demo: run as root (it uses mount namespaces; the host is not changed)" >&2; exit 1; }
T=$(mktemp -d /tmp/dirbind-demo.XXXXXX)
trap 'rm -rf "$T"' EXIT
unshare --mount --net --fork env SANDBOX="$T" BUILD="$BUILD" SRC="$SRC" bash "$SRC/demo/inside.sh"
echo
echo "== The sandbox is gone: the host's /etc, /home and /var/lib were never written."
