#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_lean_binaries.sh — sshd starts `dirbind authorized-keys` for every key login and loads
# pam_dirbind.so into every connection, so neither may link libcurl or a TLS/crypto library:
# the network sources live in the plugin dirbind-net.so (common/net_plugin.h), loaded only by
# a network source. Checks the link, that a file-source sync never needs the plugin, and that
# a missing, unsafe or foreign plugin fails the sync with an error naming its path and leaves
# the cache byte for byte. (The https sync through the plugin: tests/net/.)
. "$(dirname "$0")/../lib.sh"
PAM_SO=${DIRBIND_PAM_MODULE:-$BUILD/pam_dirbind.so}
PLUGIN=$DIRBIND_NET_PLUGIN
for f in "$CLI" "$PAM_SO" "$PLUGIN"; do [ -f "$f" ] || { echo "FAIL: $f is not built (make all)"; exit 1; }; done

heavy='libcurl|libssl|libcrypto|gnutls|libkrb5|libldap|libnghttp|libssh'
for bin in "$CLI" "$PAM_SO"; do
    check "$(basename "$bin") links no network or TLS library" "" \
        "$(ldd "$bin" | awk '{print $1}' | grep -E "$heavy" | tr '\n' ' ')"
done
# The same grep finds them in the plugin: the check above can see what it looks for.
contains "the plugin links libcurl" "libcurl" "$(ldd "$PLUGIN")"
check "the plugin exports its entry point alone" "dirbind_net_plugin" \
    "$(nm -D --defined-only "$PLUGIN" | awk '{print $3}' | grep -v '^$' | tr '\n' ' ' | sed 's/ $//')"

# A cache made by a file-source sync, with the plugin out of reach: the file source never loads it.
write_config "$T"
cat >"$T/directory.yaml" <<EOD
version: 1
system: {public_key_auth: true}
users:
  - {name: alice, uid: 5001, gid: 5001, ssh_keys: ["$(test_key alice)"]}
EOD
out=$(DIRBIND_NET_PLUGIN=$T/absent.so "$CLI" --config "$T/dirbind.yaml" sync 2>&1)
check "a file-source sync does not need the plugin" 0 "$?"
contains "it synced" "synced 1 users" "$out"
check "authorized-keys works without the plugin" "$(test_key alice)" \
    "$(with_nss env DIRBIND_NET_PLUGIN="$T/absent.so" "$CLI" --config "$T/dirbind.yaml" authorized-keys alice)"
snap() { md5sum "$T/cache/identity.db" "$T/cache/secrets.db"; }
before=$(snap)

# The same host switched to an https source (nothing listens: the plugin must fail first).
sed -i 's|^  type: file|  type: https|; s|^  path: .*|  url: https://127.0.0.1:9/snapshot\n  retries: 0|' \
    "$T/dirbind.yaml"
contains "the config now names an https source" "type: https" "$(cat "$T/dirbind.yaml")"
sync_with() {  # sync_with PLUGIN: runs the sync with that plugin, sets out and rc
    rc=0
    out=$(DIRBIND_NET_PLUGIN=$1 "$CLI" --config "$T/dirbind.yaml" sync 2>&1) || rc=$?
}

sync_with "$T/absent.so"
check "missing plugin: sync fails" 1 "$rc"
contains "missing plugin: the error names the source, the path and the reason" \
    "dirbind: error: the https source needs $T/absent.so: No such file or directory" "$out"
check "missing plugin: the cache is untouched" "$before" "$(snap)"
status=$("$CLI" --config "$T/dirbind.yaml" status 2>&1)
contains "status reports the missing plugin" "needs $T/absent.so" "$status"
rc=0
out=$(DIRBIND_NET_PLUGIN=$T/absent.so "$CLI" --config "$T/dirbind.yaml" check-config 2>&1) || rc=$?
check "missing plugin: check-config fails" 1 "$rc"
contains "missing plugin: check-config says why" "the https source needs $T/absent.so" "$out"

# A plugin others could have replaced is never loaded (it would run as root).
cp "$PLUGIN" "$T/writable.so" && chmod 0664 "$T/writable.so"
sync_with "$T/writable.so"
check "group-writable plugin: sync fails" 1 "$rc"
contains "group-writable plugin: refused with the reason" \
    "needs $T/writable.so: writable by group or others (mode 0664)" "$out"
check "group-writable plugin: the cache is untouched" "$before" "$(snap)"

sync_with "relative/dirbind-net.so"
contains "relative plugin path: refused" "DIRBIND_NET_PLUGIN must be an absolute path" "$out"

# Not a shared object at all: dlerror() says so.
yes 'not an ELF file' | head -c 4096 >"$T/garbage.so"
sync_with "$T/garbage.so"
check "not a shared object: sync fails" 1 "$rc"
contains "not a shared object: dlerror() in the message" "needs $T/garbage.so: $T/garbage.so: invalid ELF header" "$out"

# A plugin of another build answers to another ABI tag: refused, not called.
if command -v cc >/dev/null; then
    printf 'const void* dirbind_net_plugin(const char* abi) { (void)abi; return 0; }\n' >"$T/other.c"
    cc -shared -fPIC -o "$T/other.so" "$T/other.c"
    sync_with "$T/other.so"
    check "plugin of another build: sync fails" 1 "$rc"
    contains "plugin of another build: refused" "needs $T/other.so: built from other sources than this program" "$out"
    check "plugin of another build: the cache is untouched" "$before" "$(snap)"
else
    echo "SKIP (part): no C compiler for a foreign plugin"
fi

# The real plugin is used once it is there: the sync then fails on the network (a network
# namespace of its own, where nothing listens), not on the plugin.
if [ "$(id -u)" = 0 ] && unshare --net true 2>/dev/null; then
    rc=0
    out=$(DIRBIND_NET_PLUGIN=$PLUGIN unshare --net "$CLI" --config "$T/dirbind.yaml" sync 2>&1) || rc=$?
    check "with the plugin: sync fails on the unreachable server" 1 "$rc"
    contains "with the plugin: the error is the source's" "GET https://127.0.0.1:9/snapshot" "$out"
    case $out in *"needs $PLUGIN"*) bad "with the plugin: it still failed to load: $out" ;; *) ok "with the plugin: loaded" ;; esac
    check "unreachable server: the cache is untouched" "$before" "$(snap)"
else
    echo "SKIP (part): no network namespace (needs root) for the unreachable-server sync"
fi
finish
