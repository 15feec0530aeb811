// SPDX-License-Identifier: Apache-2.0
// key_diagnosis.h — what a pasted "public key" really is: the key, a private key, or a public key
// damaged by copy-paste (line breaks, truncation, glued options), said in words an admin can act
// on. For `dirbind doctor --key`; the strict parser of sshkey.h decides what a key is.
#pragma once

#include <string>
#include <string_view>

#include "openssh/sshkey.h"

namespace dirbind {

enum class PastedKind {
    public_key,   // `key` holds it
    private_key,  // never echoed back: `problem` says what it is and what to give instead
    damaged,      // `problem` says what is wrong and how it probably happened
};

struct PastedKey {
    PastedKind kind = PastedKind::damaged;
    PublicKey key;        // public_key only
    std::string problem;  // private_key and damaged: one sentence, no key material
};

// Classifies `text` (a .pub file or what a user pasted; surrounding whitespace ignored). A
// private key (OpenSSH, PEM, PuTTY) is `private_key`; a key split over lines, with options in
// front, cut short (base64 not a whole number of quads, or a blob that ends early), with
// characters base64 does not have, or several keys, is `damaged`. Never throws for content.
PastedKey diagnose_pasted_key(std::string_view text);

}  // namespace dirbind
