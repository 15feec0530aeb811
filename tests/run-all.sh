#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# run-all.sh BUILD ASAN — runs every test of dirbind and ends with one summary line.
#  - each cmocka program build/tests/test_X (from tests/unit/FOLDER/test_X.cc), and its
#    ASan+UBSan twin build/asan/tests/test_X; a program with a test_X.sh beside its source is
#    run through that script (given the binary as $1), for tests that need a namespace or root;
#  - each script tests/*/test_*.sh (not beside a unit program), with the build dirs in env.
# Exit status 77 from a test means SKIP (it must print why). Exit 0 only if nothing failed.
set -u
B=$(realpath "${1:-build}")
A=$(realpath "${2:-build/asan}")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export DIRBIND_BUILD=$B DIRBIND_ASAN_BUILD=$A DIRBIND_SRC=$ROOT
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
passed=0 failed=0 skipped=0 failures=()
log=$B/test-logs
mkdir -p "$log"

run() {  # run NAME CMD...
    local name=$1; shift
    local out="$log/${name//\//_}.log" rc
    timeout 600 "$@" >"$out" 2>&1; rc=$?
    case $rc in
        0) passed=$((passed + 1)); echo "PASS: $name" ;;
        77) skipped=$((skipped + 1)); echo "SKIP: $name ($(grep -m1 -i 'skip' "$out" | cut -c1-160))" ;;
        *) failed=$((failed + 1)); failures+=("$name"); echo "FAIL: $name (exit $rc)"; tail -n 40 "$out" | sed 's/^/    /' ;;
    esac
}

for flavour in "$B" "$A"; do
    tag=$([ "$flavour" = "$A" ] && echo asan || echo plain)
    export DIRBIND_NSS_MODULE=$flavour/libnss_dirbind.so.2 DIRBIND_PAM_MODULE=$flavour/pam_dirbind.so
    export DIRBIND_CLI=$flavour/dirbind DIRBIND_NET_PLUGIN=$flavour/dirbind-net.so
    export DIRBIND_KEYS_HELPER=$flavour/dirbind-keys-helper
    for t in "$flavour"/tests/test_*; do
        [ -x "$t" ] || continue
        name=$(basename "$t")
        wrapper=$(ls "$ROOT"/tests/unit/*/"$name.sh" 2>/dev/null)
        if [ -n "$wrapper" ]; then
            run "$tag/$name" "$wrapper" "$t"
        else
            run "$tag/$name" "$t"
        fi
    done
done

export DIRBIND_NSS_MODULE=$B/libnss_dirbind.so.2 DIRBIND_PAM_MODULE=$B/pam_dirbind.so DIRBIND_CLI=$B/dirbind
export DIRBIND_NET_PLUGIN=$B/dirbind-net.so DIRBIND_KEYS_HELPER=$B/dirbind-keys-helper
for s in "$ROOT"/tests/*/test_*.sh; do
    [ -x "$s" ] || continue
    case $s in "$ROOT"/tests/unit/*) continue ;; esac
    run "${s#"$ROOT"/tests/}" "$s"
done

echo
[ ${#failures[@]} -eq 0 ] || echo "failed: ${failures[*]} (logs in $log)"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
