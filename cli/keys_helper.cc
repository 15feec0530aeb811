// SPDX-License-Identifier: Apache-2.0
// keys_helper.cc — main() of dirbind-keys-helper (common/provisioning/keys_helper.h), a program
// of its own: not part of the dirbind command, linked with only what the rebuild needs.
#include "provisioning/keys_helper.h"

#include <unistd.h>

int main(int argc, char** argv) {
    // _exit: no static destructors or sanitizer exit hooks in a process that is the user's now.
    ::_exit(dirbind::keys_helper_main(argc, argv));
}
