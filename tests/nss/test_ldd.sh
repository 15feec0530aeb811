#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_ldd.sh — the NSS module is loaded into every process: it must depend on libc only, be
# built from nss/ and common/cache/ alone, and export nothing but its _nss_dirbind_* entry points.
. "$(dirname "$0")/../lib.sh"
deps=$(ldd "$NSS_SO" | awk '{print $1}' | grep -v -e linux-vdso -e ld-linux | sort | tr '\n' ' ')
check "ldd shows libc only" "libc.so.6 " "$deps"
other=$(nm -D --defined-only "$NSS_SO" | awk '{print $3}' | grep -v -e '^_nss_dirbind_' -e '^DIRBIND' -e '^$' || true)
check "only _nss_dirbind_* exported" "" "$other"
count=$(nm -D --defined-only "$NSS_SO" | grep -c ' _nss_dirbind_')
check "15 entry points" "15" "$count"
u=$(units "$NSS_SO")
contains "the module has debug info listing its sources" "nss/nss_passwd.cc" "$u"
contains "it is built from the cache folder" "common/cache/cache_reader.cc" "$u"
check "every object comes from nss/ or common/cache/" "" "$(grep -v -e '^nss/' -e '^common/cache/' <<<"$u" | tr '\n' ' ')"
check "soname" "libnss_dirbind.so.2" "$(objdump -p "$NSS_SO" | awk '/SONAME/ {print $2}')"
finish
