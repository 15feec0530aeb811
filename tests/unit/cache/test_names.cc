// SPDX-License-Identifier: Apache-2.0
// test_names.cc — unit tests of the name, field-text, number and reserved-id rules (names.h).
#include <csetjmp>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

extern "C" {
#include <cmocka.h>
}

#include "cache/names.h"

namespace {

bool name_ok(const std::string& s) {
    return dirbind::valid_name(s.data(), s.size());
}
bool text_ok(const std::string& s, std::size_t max = 256) {
    return dirbind::valid_field_text(s.data(), s.size(), max);
}

void test_valid_names(void**) {
    const char* good[] = {"alice", "_svc", "a",     "bob.smith", "x-1",
                          "a_b",   "z9",   "u1000", "a.",        "abcdefghijklmnopqrstuvwxyz012345"};
    for (const char* n : good)
        if (!name_ok(n)) fail_msg("'%s' refused", n);
}

void test_invalid_names(void**) {
    struct Case {
        const char* label;
        std::string name;
    };
    const Case bad[] = {
        {"empty", ""},
        {"upper case (no folding)", "Alice"},
        {"all upper", "ROOT"},
        {"digits only", "1000"},
        {"leading digit", "0day"},
        {"leading dash", "-alice"},
        {"leading dot", ".alice"},
        {"dot", "."},
        {"dotdot", ".."},
        {"colon", "ali:ce"},
        {"newline", "alice\n"},
        {"embedded NUL", std::string("ali\0ce", 6)},
        {"slash", "a/b"},
        {"traversal", "../etc"},
        {"space", "al ice"},
        {"tab", "al\tice"},
        {"shell metacharacter", "a$(id)"},
        {"at sign", "alice@corp"},
        {"UTF-8",
         "al\xc3\xaf"
         "ce"},
        {"33 bytes (no truncation)", "abcdefghijklmnopqrstuvwxyz0123456"},
    };
    for (const auto& c : bad)
        if (name_ok(c.name)) fail_msg("case '%s' accepted", c.label);
    assert_false(dirbind::valid_name(nullptr, 0));
}

void test_field_text(void**) {
    assert_true(text_ok(""));
    assert_true(text_ok("Alice Example, Room 4"));
    assert_true(text_ok("Jos\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));  // é € 😀
    assert_true(text_ok(std::string(256, 'a')));
    struct Case {
        const char* label;
        std::string text;
    };
    const Case bad[] = {
        {"colon", "Alice:0:0"},
        {"newline", "Alice\nroot::0:0::/:/bin/sh"},
        {"carriage return", "a\r"},
        {"tab", "a\tb"},
        {"NUL", std::string("a\0b", 3)},
        {"DEL", "a\x7f"},
        {"escape", "\x1b[2J"},
        {"C1 control (U+0085)", "a\xc2\x85"},
        {"overlong slash", "\xc0\xaf"},
        {"overlong 3-byte", "\xe0\x80\xaf"},
        {"surrogate", "\xed\xa0\x80"},
        {"above U+10FFFF", "\xf4\x90\x80\x80"},
        {"truncated sequence", "\xe2\x82"},
        {"lone continuation", "\x80"},
        {"invalid lead byte", "\xff"},
        {"too long", std::string(257, 'a')},
    };
    for (const auto& c : bad)
        if (text_ok(c.text)) fail_msg("case '%s' accepted", c.label);
    assert_false(dirbind::valid_field_text(nullptr, 0, 10));
    assert_false(text_ok("abc", 2));
}

void test_parse_u32(void**) {
    unsigned v = 12345;
    assert_true(dirbind::parse_u32("0", 1, &v));
    assert_int_equal(v, 0);
    assert_true(dirbind::parse_u32("4294967295", 10, &v));
    assert_int_equal(v, 4294967295u);
    assert_true(dirbind::parse_u32("1000", 4, &v));
    assert_int_equal(v, 1000);
    // Only the first n bytes count.
    assert_true(dirbind::parse_u32("1000:x", 4, &v));
    assert_int_equal(v, 1000);

    const char* bad[] = {"",   "4294967296", "99999999999", "-1",   "+1",  " 1", "1 ",
                         "01", "00",         "1x",          "0x10", "1e3", "١"};
    for (const char* s : bad) {
        v = 777;
        if (dirbind::parse_u32(s, std::strlen(s), &v)) fail_msg("'%s' parsed", s);
        assert_int_equal(v, 777);  // untouched on failure
    }
    assert_false(dirbind::parse_u32(nullptr, 0, &v));
}

void test_reserved_ids(void**) {
    struct Case {
        unsigned id;
        bool reserved;
    };
    const Case cases[] = {
        {0, true},
        {1, true},
        {999, true},
        {1000, false},
        {60000, false},
        {60001, true},
        {60577, true},
        {60578, false},
        {61183, false},
        {61184, true},
        {65519, true},
        {65520, false},
        {65533, false},
        {65534, true},
        {65535, true},
        {65536, false},
        {0x7fffffffu, false},
        {0x80000000u, true},
        {0xffffffffu, true},
    };
    for (const auto& c : cases)
        if (dirbind::reserved_id(c.id) != c.reserved) fail_msg("reserved_id(%u) != %d", c.id, c.reserved);
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_names),  cmocka_unit_test(test_invalid_names),
        cmocka_unit_test(test_field_text),   cmocka_unit_test(test_parse_u32),
        cmocka_unit_test(test_reserved_ids),
    };
    return cmocka_run_group_tests_name("names", tests, nullptr, nullptr);
}
