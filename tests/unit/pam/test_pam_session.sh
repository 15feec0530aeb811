#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# test_pam_session.sh BINARY — run-all.sh's hook for test_pam_session: pam_dirbind's session open
# must run as real root in the private mount namespace that tests/unit/in_namespace.sh sets up (tmpfs
# scratch, /etc a copy); it prints SKIP and exits 77 without root or namespaces.
exec "$(dirname "$0")/../in_namespace.sh" "$@"
