#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_man.sh — the man pages (docs/man/*.scd → `make man`): the four pages exist, scdoc
# turns each into roff, `man --warnings` renders it without a single warning, lexgrog
# (what mandb and lintian use) finds its NAME line, and dirbind(8) documents every command
# and option that `dirbind --help` lists.
. "$(dirname "$0")/../lib.sh"
for tool in scdoc man lexgrog; do
    command -v "$tool" >/dev/null || skip "$tool is missing (make deps installs scdoc and man-db)"
done

if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$SRC" B="$BUILD" man >"$T/make.log" 2>&1; then
    cat "$T/make.log"
    bad "make man failed"
    finish
fi
for page in dirbind.8 dirbind.yaml.5 pam_dirbind.8 libnss_dirbind.8; do
    f=$BUILD/man/$page
    [ -s "$f" ] || { bad "$page was not built"; continue; }
    ok "$page built"
    warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$f" 2>&1 >/dev/null)
    check "$page: man --warnings is silent" "" "$warnings"
    text=$(LC_ALL=C.UTF-8 MANWIDTH=80 man -E UTF-8 -l "$f" 2>/dev/null)
    for section in NAME SYNOPSIS DESCRIPTION "SEE ALSO"; do
        grep -q "^$section" <<<"$text" && ok "$page: has $section" || bad "$page: no $section section"
    done
    name=${page%.*}
    contains "$page: lexgrog finds the NAME line" "$name - " "$(lexgrog "$f" 2>&1)"
done

# dirbind(8) against the program's own usage text.
if [ -x "$CLI" ]; then
    page=$(LC_ALL=C.UTF-8 MANWIDTH=200 man -E UTF-8 -l "$BUILD/man/dirbind.8" 2>/dev/null)
    help=$("$CLI" --help)
    for cmd in $(sed -n '/^commands:/,/^$/p' <<<"$help" | awk 'NF && !/^commands:/ {print $1}'); do
        contains "dirbind(8) documents the command '$cmd'" "$cmd" "$page"
    done
    for opt in $(grep -o -- '--[a-z-]*' <<<"$help" | sort -u); do
        contains "dirbind(8) documents $opt" "$opt" "$page"
    done
else
    echo "SKIP (part): $CLI not built: commands not compared with --help"
fi
finish
