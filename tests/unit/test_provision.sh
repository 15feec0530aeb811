#!/bin/sh
# test_provision.sh BINARY — run-all.sh's hook for test_provision: it needs the namespace set up
# by tests/provision/run.sh, which does the work.
exec "$(dirname "$0")/../provision/run.sh" "$@"
