#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# test_provision.sh BINARY — run-all.sh's hook for test_provision: it needs the namespace set up
# by tests/unit/in_namespace.sh, which does the work.
exec "$(dirname "$0")/../in_namespace.sh" "$@"
