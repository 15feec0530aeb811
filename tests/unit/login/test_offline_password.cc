// SPDX-License-Identifier: Apache-2.0
// test_offline_password.cc — common/login/offline_password.h: a remembered password matches
// within its age and not after it, nor when made "in the future", nor a wrong password; the
// verifier is private and holds no clear text; an unsafe file or directory is not trusted;
// forgetting removes it.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <string>

extern "C" {
#include <cmocka.h>
}

#include "../test_util.h"
#include "login/offline_password.h"
#include "system/error.h"

using namespace dirbind;
using dirbind::test::TempDir;

namespace {

constexpr std::time_t kNow = 1'800'000'000;
constexpr std::int64_t kWeek = 7 * 86400;

std::string slurp(const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

void test_age_and_match(void**) {
    TempDir d;
    remember_password(d.path(), "alice", "S3cret pw", kNow);
    assert_true(check_remembered_password(d.path(), "alice", "S3cret pw", kNow, kWeek));
    assert_true(check_remembered_password(d.path(), "alice", "S3cret pw", kNow + kWeek, kWeek));
    assert_false(check_remembered_password(d.path(), "alice", "S3cret pw", kNow + kWeek + 1, kWeek));
    assert_false(
        check_remembered_password(d.path(), "alice", "S3cret pw", kNow - 1, kWeek));  // clock set back
    assert_false(check_remembered_password(d.path(), "alice", "S3cret pW", kNow, kWeek));
    assert_false(check_remembered_password(d.path(), "alice", "", kNow, kWeek));
    assert_false(check_remembered_password(d.path(), "alice", "S3cret pw", kNow, 0));  // offline off
    assert_false(check_remembered_password(d.path(), "bob", "S3cret pw", kNow, kWeek));
}

void test_private_and_hashed(void**) {
    TempDir d;
    remember_password(d.path(), "alice", "S3cret pw", kNow);
    const std::string dir = d / kOfflinePasswordDir, file = dir + "/alice";
    struct stat st {};
    assert_int_equal(stat(dir.c_str(), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(stat(file.c_str(), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    const std::string text = slurp(file);
    assert_true(text.find("S3cret") == std::string::npos);
    assert_true(text.find(" $y$") != std::string::npos);  // yescrypt
    // A new password replaces the old verifier.
    remember_password(d.path(), "alice", "other", kNow);
    assert_false(check_remembered_password(d.path(), "alice", "S3cret pw", kNow, kWeek));
    assert_true(check_remembered_password(d.path(), "alice", "other", kNow, kWeek));
}

void test_unsafe_and_forget(void**) {
    TempDir d;
    remember_password(d.path(), "alice", "pw", kNow);
    const std::string dir = d / kOfflinePasswordDir, file = dir + "/alice";
    chmod(file.c_str(), 0644);
    assert_false(check_remembered_password(d.path(), "alice", "pw", kNow, kWeek));
    chmod(file.c_str(), 0600);
    chmod(dir.c_str(), 0755);
    assert_false(check_remembered_password(d.path(), "alice", "pw", kNow, kWeek));
    chmod(dir.c_str(), 0700);
    assert_true(check_remembered_password(d.path(), "alice", "pw", kNow, kWeek));
    // A hand-edited time or a garbled file is not trusted.
    std::ofstream(file, std::ios::trunc) << "dirbind-password-verifier 1 9x "
                                         << "$y$j9T$abc\n";
    assert_false(check_remembered_password(d.path(), "alice", "pw", kNow, kWeek));
    remember_password(d.path(), "alice", "pw", kNow);
    forget_password(d.path(), "alice");
    assert_false(check_remembered_password(d.path(), "alice", "pw", kNow, kWeek));
    forget_password(d.path(), "alice");  // missing is fine
    // Names that are not user names never become paths.
    assert_false(check_remembered_password(d.path(), "../alice", "pw", kNow, kWeek));
    bool threw = false;
    try {
        remember_password(d.path(), "../x", "pw", kNow);
    } catch (const Error&) {
        threw = true;
    }
    assert_true(threw);
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_age_and_match),
        cmocka_unit_test(test_private_and_hashed),
        cmocka_unit_test(test_unsafe_and_forget),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
