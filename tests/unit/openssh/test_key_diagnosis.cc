// SPDX-License-Identifier: Apache-2.0
// test_key_diagnosis.cc — what `dirbind doctor --key` says about pasted text: the copy-paste
// accidents of issue 14 (private key, line break, truncation, glued options) and key sizes.
#include <csetjmp>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

extern "C" {
#include <cmocka.h>
}

#include "openssh/key_diagnosis.h"
#include "openssh/sshkey.h"

namespace {

using dirbind::diagnose_pasted_key;
using dirbind::PastedKind;

// A valid Ed25519 public key (32 bytes 00..1f).
const std::string kKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f";

void public_key_with_whitespace(void**) {
    auto p = diagnose_pasted_key("\n  " + kKey + " alice@laptop\r\n\n");
    assert_int_equal(static_cast<int>(p.kind), static_cast<int>(PastedKind::public_key));
    assert_string_equal(p.key.comment.c_str(), "alice@laptop");
    assert_int_equal(dirbind::key_bits(p.key), 256);
}

void private_keys_are_named_never_echoed(void**) {
    const char* texts[] = {
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----",
        "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n"};
    for (const char* t : texts) {
        auto p = diagnose_pasted_key(t);
        assert_int_equal(static_cast<int>(p.kind), static_cast<int>(PastedKind::private_key));
        assert_null(std::strstr(p.problem.c_str(), "b3BlbnNz"));
        assert_null(std::strstr(p.problem.c_str(), "MIIEow"));
        assert_non_null(std::strstr(p.problem.c_str(), "PRIVATE key"));
    }
}

void line_break_inside(void**) {
    for (std::size_t cut : {std::size_t{20}, std::size_t{40}, std::size_t{12}}) {
        auto p = diagnose_pasted_key(kKey.substr(0, cut) + "\n" + kKey.substr(cut) + " c");
        assert_int_equal(static_cast<int>(p.kind), static_cast<int>(PastedKind::damaged));
        assert_string_equal(
            p.problem.c_str(),
            "the key is split over 2 lines (line breaks inserted when copied); it must be one line");
    }
}

void truncated(void**) {
    auto p = diagnose_pasted_key(kKey.substr(0, kKey.size() - 3));
    assert_int_equal(static_cast<int>(p.kind), static_cast<int>(PastedKind::damaged));
    assert_non_null(std::strstr(p.problem.c_str(), "not a multiple of 4: the key was cut short"));
    // Cut at a quad boundary: the base64 decodes, the blob ends early.
    p = diagnose_pasted_key(kKey.substr(0, kKey.size() - 8));
    assert_int_equal(static_cast<int>(p.kind), static_cast<int>(PastedKind::damaged));
    assert_non_null(std::strstr(p.problem.c_str(), "truncated when copied"));
}

void options_and_junk(void**) {
    auto p = diagnose_pasted_key("restrict,command=\"x\" " + kKey);
    assert_int_equal(static_cast<int>(p.kind), static_cast<int>(PastedKind::damaged));
    assert_non_null(std::strstr(p.problem.c_str(), "options are glued in front of the key"));
    p = diagnose_pasted_key(
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4*");
    assert_non_null(std::strstr(p.problem.c_str(), "characters base64 does not use"));
    p = diagnose_pasted_key(kKey + "\n" + kKey);
    assert_string_equal(p.problem.c_str(), "2 keys given; give one key per check");
    p = diagnose_pasted_key("   \n");
    assert_string_equal(p.problem.c_str(), "no key given (empty input)");
}

}  // namespace

int main() {
    const CMUnitTest tests[] = {
        cmocka_unit_test(public_key_with_whitespace), cmocka_unit_test(private_keys_are_named_never_echoed),
        cmocka_unit_test(line_break_inside),          cmocka_unit_test(truncated),
        cmocka_unit_test(options_and_junk),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
