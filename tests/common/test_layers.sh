#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_layers.sh — the folders of common/ are layers (common/README.md): a folder includes only
# itself and the folders before it, so that a path says what the code may depend on. Checks
# every #include "FOLDER/…" of common/, nss/, pam/ and cli/ against that order, and that the
# built dirbind and pam_dirbind.so hold no object from net/ (read from their debug info).
. "$(dirname "$0")/../lib.sh"
PAM_SO=${DIRBIND_PAM_MODULE:-$BUILD/pam_dirbind.so}

# The order, lowest first; cache/ (freestanding: the NSS module links it) may use only the
# header-only error codes of system/.
order=(system cache openssh config directory provisioning sync login)
allowed() {  # allowed FROM HEADER: true when a file of folder FROM may include HEADER
    local from=$1 header=$2 to=${2%%/*} i
    [ "$from" = cache ] && { [ "$to" = cache ] || [ "$header" = system/error.h ]; return; }
    [ "$from" = nss ] && { [ "$to" = cache ] || [ "$header" = system/error.h ]; return; }
    [ "$to" = net ] && { [ "$from" = net ]; return; }
    case $from in pam | cli | net) return 0 ;; esac
    for i in "${order[@]}"; do
        [ "$i" = "$to" ] && return 0
        [ "$i" = "$from" ] && return 1
    done
    return 1
}

violations=""
count=0
while IFS=: read -r file header; do
    case $file in common/*) from=${file#common/}; from=${from%%/*} ;; *) from=${file%%/*} ;; esac
    count=$((count + 1))
    allowed "$from" "$header" || violations+="$file includes $header; "
done < <(cd "$SRC" && grep -o '#include "[a-z_]*/[^"]*"' common/*/*.{h,cc} nss/*.{h,cc} pam/*.{h,cc} \
    cli/*.{h,cc} net/*.{h,cc} 2>/dev/null | sed 's/#include "\(.*\)"/\1/')
[ "$count" -gt 100 ] || bad "only $count includes found: the scan is broken"
check "every include follows the layer order (${order[*]}; net/ only from net/)" "" "$violations"
# The rule above can fail: a header of a later folder is refused.
allowed cache config/config.h && bad "cache/ may include config/" || ok "cache/ may not include config/"
allowed sync login/totp.h && bad "sync/ may include login/" || ok "sync/ may not include login/"

for bin in "$CLI" "$PAM_SO"; do
    u=$(units "$bin")
    contains "$(basename "$bin") has debug info listing its sources" "common/system/log.cc" "$u"
    check "$(basename "$bin") holds no object from net/" "" "$(grep '^net/' <<<"$u" | tr '\n' ' ')"
done
contains "the plugin holds the network sources" "net/https_client.cc" "$(units "$DIRBIND_NET_PLUGIN")"
finish
