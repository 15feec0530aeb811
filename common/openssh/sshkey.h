// SPDX-License-Identifier: Apache-2.0
// sshkey.h — the one OpenSSH public-key parser (security.md item 5). Directory keys, the
// unmanaged-keys file, authorized_keys and AuthorizedKeysCommand output all go through it.
// Keys are re-serialised from their parts, never passed through as given.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dirbind {

constexpr std::size_t kMaxKeyLineLen = 16384;  // longer lines are refused (RSA-16384 fits)

struct PublicKey {
    std::string type;     // from the allowlist: ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256/384/521,
                          // sk-ssh-ed25519@openssh.com, sk-ecdsa-sha2-nistp256@openssh.com
    std::string base64;   // canonical base64 of `blob`
    std::vector<std::uint8_t> blob;  // decoded; its inner type string equals `type`
    std::string comment;  // printable ASCII/UTF-8 without control characters; may be empty
};

// Parses "type base64 [comment]" (no options). Throws Error(Err::invalid) with a reason such
// as "unknown key type", "base64 does not decode", "inner type ssh-rsa != ssh-ed25519",
// "control character", "looks like a private key (-----BEGIN ...)".
PublicKey parse_public_key(std::string_view text);

// True when one of `lines` ("type base64 [comment]") is the key `k` (same type and blob; the
// comment does not count). A line that does not parse matches nothing.
bool lists_key(const std::vector<std::string>& lines, const PublicKey& k);

// "type base64" plus " comment" when the comment is not empty. One line, no newline.
std::string to_line(const PublicKey& k);

// "SHA256:<unpadded base64 of sha256(blob)>", as `ssh-keygen -lf` and sshd's %f print it.
std::string fingerprint(const PublicKey& k);

// The key's size as `ssh-keygen -l` prints it: the RSA modulus bits, 256/384/521 for the
// ECDSA curves, 256 for Ed25519 (and the FIDO variants). `k` must come from parse_public_key().
unsigned key_bits(const PublicKey& k);

// One line of an authorized_keys file: options (verbatim, validated only for
// well-formedness: quoted strings closed, no control characters) and the key.
struct AuthorizedKey {
    std::string options;
    PublicKey key;
    int line = 0;  // 1-based line number in the text
};

// Parses authorized_keys text. Blank lines and '#' comments are skipped; each bad line is
// reported in `errors` as "<name>:<line>: <reason>" and left out. Never throws for content.
std::vector<AuthorizedKey> parse_authorized_keys(std::string_view text, const std::string& name,
                                                 std::vector<std::string>* errors);

// "" when `options` is a well-formed authorized_keys option list (as sshd would read it in
// front of a key, e.g. "restrict,pty"), otherwise the reason. Options come only from config.
std::string check_key_options(std::string_view options);

}  // namespace dirbind
