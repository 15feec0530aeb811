# SPDX-License-Identifier: Apache-2.0
# lib.sh — sourced by the shell tests: build paths, a scratch dir, assertions, SKIP.
set -u
SRC=${DIRBIND_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
BUILD=${DIRBIND_BUILD:-$SRC/build}
CLI=${DIRBIND_CLI:-$BUILD/dirbind}
NSS_SO=${DIRBIND_NSS_MODULE:-$BUILD/libnss_dirbind.so.2}
# The network plugin the built dirbind and pam_dirbind.so load instead of the installed one.
export DIRBIND_NET_PLUGIN=${DIRBIND_NET_PLUGIN:-$BUILD/dirbind-net.so}
T=$(mktemp -d "${TMPDIR:-/tmp}/dirbind-sh.XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0

skip() { echo "SKIP: $*"; exit 77; }
need_root() { [ "$(id -u)" = 0 ] || skip "$1 needs root (CI runs as root)"; }
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
# check NAME EXPECTED ACTUAL
check() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1"; printf '  expected: %q\n  actual:   %q\n' "$2" "$3"; fi; }
# contains NAME NEEDLE HAYSTACK
contains() { case $3 in *"$2"*) ok "$1" ;; *) bad "$1"; printf '  wanted:  %s\n  in:      %s\n' "$2" "$3" ;; esac; }
# absent NAME NEEDLE HAYSTACK
absent() { case $3 in *"$2"*) bad "$1"; printf '  unwanted: %s\n  in:       %s\n' "$2" "$3" ;; *) ok "$1" ;; esac; }
finish() { [ "$fails" -eq 0 ] && echo "all checks passed" && exit 0; echo "$fails checks failed"; exit 1; }

# units BINARY: the source files it was linked from, one per line, from its DWARF compile units
# (make builds with -g); nothing when it has no debug info.
units() {
    readelf --debug-dump=info "$1" 2>/dev/null | awk '/DW_TAG_compile_unit/ {cu = 1; next}
        cu && /DW_AT_name/ {sub(/.*DW_AT_name *: *(\(indirect[^)]*\): *)?/, ""); print; cu = 0}' | sort -u
}

# A real ed25519 public key, made once per test run.
test_key() {
    [ -f "$T/key.pub" ] || ssh-keygen -q -t ed25519 -N '' -C "$1@test" -f "$T/key" >/dev/null
    cat "$T/key.pub"
}

# with_nss CMD...: runs CMD resolving names as a host with "passwd: files dirbind": nss_wrapper's
# files source ($T/nss-passwd if it exists, else $T/passwd; $T/group), then the built NSS module
# reading $DIRBIND_CACHE_DIR. `dirbind authorized-keys` asks NSS who the user is.
with_nss() {
    local pw=$T/nss-passwd
    [ -f "$pw" ] || pw=$T/passwd
    env LD_PRELOAD=libnss_wrapper.so NSS_WRAPPER_PASSWD="$pw" NSS_WRAPPER_GROUP="$T/group" \
        NSS_WRAPPER_MODULE_SO_PATH="$BUILD/libnss_dirbind.so.2" NSS_WRAPPER_MODULE_FN_PREFIX=dirbind \
        NSS_WRAPPER_DISABLE_DEEPBIND=1 "$@"
}

# use_cache DIR: every dirbind program of the test (sync, CLI, PAM, NSS) uses the cache in DIR
# (common/cache/cache_location.h: $DIRBIND_CACHE_DIR; a config's cache_dir must name the same).
use_cache() { export DIRBIND_CACHE_DIR=$1; }

# write_config DIR: config for a sandboxed sync whose local accounts are DIR/passwd, DIR/group,
# with its cache in DIR/cache (use_cache).
write_config() {
    local d=$1
    mkdir -p "$d/cache"
    use_cache "$d/cache"
    [ -f "$d/passwd" ] || printf 'root:x:0:0:root:/root:/bin/bash\nlocaluser:x:1000:1000::/home/localuser:/bin/sh\n' >"$d/passwd"
    [ -f "$d/group" ] || printf 'root:x:0:\nlocaluser:x:1000:\ndocker:x:998:\n' >"$d/group"
    cat >"$d/dirbind.yaml" <<EOC
source:
  type: file
  path: $d/directory.yaml
cache_dir: $d/cache
home: $d/home/%u
local_passwd: $d/passwd
local_group: $d/group
EOC
}
