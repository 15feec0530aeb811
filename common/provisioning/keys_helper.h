// SPDX-License-Identifier: Apache-2.0
// keys_helper.h — dirbind-keys-helper, the program that rebuilds ~/.ssh/authorized_keys as the
// user. rebuild_authorized_keys() (provision.h) runs inside sshd's privileged process (PAM
// session) and inside `dirbind sync`; a fork() of either is a copy of its memory — sshd's host
// private keys, the sync's API key — so the child that parses the user's files executes this
// program first: a fresh image holding nothing but its request.
#pragma once

#include <string>

namespace dirbind {

// The helper's file name, installed in the Makefile's PLUGINDIR next to dirbind-net.so.
constexpr const char* kKeysHelperName = "dirbind-keys-helper";

// The helper's path: $DIRBIND_KEYS_HELPER when set (read with secure_getenv: tests point it at
// a build; never honoured in a set-id process), otherwise <PLUGINDIR>/dirbind-keys-helper.
std::string keys_helper_path();

// The helper program's whole work, for its main(). Started by rebuild_authorized_keys() as root
// with its request on fd 0, the home on fd 3 and the report pipe on fd 4 (provision_internal.h):
// reads and checks the request, becomes the user for good (no groups, no capabilities, not
// dumpable, no core), rebuilds the keys through the home's descriptor and writes its report.
// Returns the exit status: 0 when a report was sent (whatever it says), 2 when started any other
// way (the reason on stderr), 3 when the report could not be written.
int keys_helper_main(int argc, char** argv) noexcept;

}  // namespace dirbind
