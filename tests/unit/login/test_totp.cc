// SPDX-License-Identifier: Apache-2.0
// test_totp.cc — common/totp.h: base32, the RFC 4226 and RFC 6238 (SHA-1) test vectors, the
// ±1 step window at its edges, malformed codes, and the single-use record (replays, another
// uid, unusable records and directories, concurrent logins with one code).
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

extern "C" {
#include <cmocka.h>
}

#include "../test_util.h"
#include "login/totp.h"

using namespace dirbind;

namespace {

// RFC 6238 appendix B / RFC 4226 appendix D: the ASCII key "12345678901234567890".
const std::vector<unsigned char> kRfcKey = {'1', '2', '3', '4', '5', '6', '7', '8', '9', '0',
                                            '1', '2', '3', '4', '5', '6', '7', '8', '9', '0'};

std::vector<unsigned char> decoded(const char* b32) {
    std::vector<unsigned char> out;
    if (!base32_decode(b32, &out)) fail_msg("'%s' does not decode", b32);
    return out;
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::trunc) << text;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void base32(void**) {
    assert_true(decoded("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ") == kRfcKey);
    const std::vector<unsigned char> hello = {'H', 'e', 'l', 'l', 'o', '!', 0xde, 0xad, 0xbe, 0xef};
    assert_true(decoded("JBSWY3DPEHPK3PXP") == hello);
    assert_true(decoded("MZXW6===") == std::vector<unsigned char>({'f', 'o', 'o'}));  // RFC 4648 padding
    assert_true(decoded("MZXW6") == std::vector<unsigned char>({'f', 'o', 'o'}));
    std::vector<unsigned char> out = {1};
    for (const char* bad : {"", "====", "jbswy3dpehpk3pxp", "JBSWY3DP EHPK3PXP", "JBSWY3DPEHPK3PX1",
                            "MZ=XW6==", "JBSWY3DPEHPK3PX8"}) {
        if (base32_decode(bad, &out)) fail_msg("'%s' decoded", bad);
        assert_true(out.empty());
    }
}

void hotp_rfc4226_vectors(void**) {
    const char* want[] = {"755224", "287082", "359152", "969429", "338314",
                          "254676", "287922", "162583", "399871", "520489"};
    for (unsigned i = 0; i < 10; ++i) assert_string_equal(hotp(kRfcKey, i).c_str(), want[i]);
}

void totp_rfc6238_sha1_vectors(void**) {
    const struct {
        std::time_t t;
        const char* code;  // 8 digits, as in the RFC
    } rows[] = {{59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
                {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000LL, "65353130"}};
    for (const auto& r : rows) {
        assert_string_equal(hotp(kRfcKey, totp_step(r.t), 8).c_str(), r.code);
        // The 6-digit code is the same number's last six digits, and is what totp_match accepts.
        const std::string six = std::string(r.code).substr(2);
        assert_string_equal(hotp(kRfcKey, totp_step(r.t)).c_str(), six.c_str());
        auto step = totp_match(kRfcKey, six, r.t);
        assert_true(step.has_value());
        assert_int_equal(*step, totp_step(r.t));
    }
    assert_int_equal(totp_step(59), 1);
    assert_int_equal(totp_step(60), 2);
    assert_int_equal(totp_step(-5), 0);
}

void window_edges(void**) {
    const std::time_t base = 1700000010 / 30 * 30;  // the first second of step S
    const std::uint64_t S = totp_step(base);
    for (std::time_t now : {base, base + 29}) {  // first and last second of step S
        for (int d = -1; d <= 1; ++d) {
            auto m = totp_match(kRfcKey, hotp(kRfcKey, S + d), now);
            if (!m || *m != S + d) fail_msg("step S%+d refused at S+%lds", d, long(now - base));
        }
        for (int d : {-3, -2, 2, 3})
            if (totp_match(kRfcKey, hotp(kRfcKey, S + d), now))
                fail_msg("step S%+d accepted at S+%lds", d, long(now - base));
    }
    // One second later the window has moved on: S-1's code is out, S+2's is in.
    assert_false(totp_match(kRfcKey, hotp(kRfcKey, S - 1), base + 30).has_value());
    assert_true(totp_match(kRfcKey, hotp(kRfcKey, S + 2), base + 30).has_value());
    // Near the epoch the window does not wrap around.
    assert_true(totp_match(kRfcKey, hotp(kRfcKey, 0), 5).has_value());
    assert_false(totp_match(kRfcKey, hotp(kRfcKey, UINT64_MAX), 5).has_value());
}

void malformed_codes(void**) {
    const std::time_t now = 1700000000;
    const std::string good = hotp(kRfcKey, totp_step(now));
    assert_true(totp_match(kRfcKey, good, now).has_value());
    for (const std::string& bad : {std::string(""), good.substr(0, 5), good + "0", " " + good, good + "\n",
                                   good.substr(0, 3) + " " + good.substr(3), std::string("abcdef"),
                                   std::string(good.c_str(), 5) + std::string(1, '\0')})
        if (totp_match(kRfcKey, bad, now)) fail_msg("'%s' accepted", bad.c_str());
    // A wrong key's code is a wrong code.
    assert_false(totp_match(decoded("JBSWY3DPEHPK3PXP"), good, now).has_value());
}

// ---- the single-use record --------------------------------------------------------------------

void replay_record(void**) {
    test::TempDir t;
    const std::string state = t / "totp";
    std::string why;
    assert_int_equal(int(totp_use_step(state, "alice", 5001, 100, &why)), int(TotpUse::accepted));
    struct stat st;
    assert_int_equal(stat(state.c_str(), &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
    assert_int_equal(stat((state + "/alice").c_str(), &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_true(read_file(state + "/alice").find("\nuid 5001\nstep 100\n") != std::string::npos);

    assert_int_equal(int(totp_use_step(state, "alice", 5001, 100, &why)), int(TotpUse::replayed));
    assert_int_equal(int(totp_use_step(state, "alice", 5001, 99, &why)), int(TotpUse::replayed));
    assert_int_equal(int(totp_use_step(state, "alice", 5001, 101, &why)), int(TotpUse::accepted));
    assert_int_equal(int(totp_use_step(state, "alice", 5001, 100, &why)), int(TotpUse::replayed));
    // Each user has their own record.
    assert_int_equal(int(totp_use_step(state, "bob", 5002, 100, &why)), int(TotpUse::accepted));
    // The name given to another uid since: the old record says nothing about the new user.
    assert_int_equal(int(totp_use_step(state, "alice", 5099, 50, &why)), int(TotpUse::accepted));
    assert_true(read_file(state + "/alice").find("\nuid 5099\nstep 50\n") != std::string::npos);
}

void unusable_records_fail_closed(void**) {
    test::TempDir t;
    const std::string state = t / "totp";
    std::string why;
    assert_int_equal(int(totp_use_step(state, "alice", 5001, 100, &why)), int(TotpUse::accepted));
    // Garbage: failed, never treated as "no record" (that would accept a replay).
    for (const char* text : {"", "step 100\n", "uid 5001\n", "uid 5001\nstep 100", "uid 5001\nstep -1\n",
                             "uid 5001\nstep 100\nstep 200\n", "uid 5001\nstep 0100\n", "junk\n"}) {
        write_file(state + "/alice", text);
        why.clear();
        if (totp_use_step(state, "alice", 5001, 200, &why) != TotpUse::failed)
            fail_msg("record '%s' was used", text);
        assert_true(why.find(state + "/alice") != std::string::npos);
    }
    // A symlink in place of the record, even to a file that would allow the step.
    unlink((state + "/alice").c_str());
    write_file(t / "elsewhere", "uid 5001\nstep 1\n");
    assert_int_equal(symlink((t / "elsewhere").c_str(), (state + "/alice").c_str()), 0);
    assert_int_equal(int(totp_use_step(state, "alice", 5001, 200, &why)), int(TotpUse::failed));
    assert_true(why.find("symbolic link") != std::string::npos);
    unlink((state + "/alice").c_str());
    // The state dir a symlink, or writable by others; its parent writable by others.
    const std::string other = t / "other";
    mkdir(other.c_str(), 0700);
    const std::string linked = t / "linked";
    assert_int_equal(symlink(other.c_str(), linked.c_str()), 0);
    assert_int_equal(int(totp_use_step(linked, "alice", 5001, 300, &why)), int(TotpUse::failed));
    chmod(state.c_str(), 0777);
    assert_int_equal(int(totp_use_step(state, "alice", 5001, 300, &why)), int(TotpUse::failed));
    assert_true(why.find("writable by group or others") != std::string::npos);
    chmod(state.c_str(), 0700);
    chmod(t.path().c_str(), 0777);
    assert_int_equal(int(totp_use_step(state, "alice", 5001, 300, &why)), int(TotpUse::failed));
    chmod(t.path().c_str(), 0700);
    assert_int_equal(int(totp_use_step(state, "alice", 5001, 300, &why)), int(TotpUse::accepted));
    // Names that are not plain file names, and relative state dirs.
    for (const char* name : {"", "..", "a/b"})
        assert_int_equal(int(totp_use_step(state, name, 5001, 400, &why)), int(TotpUse::failed));
    assert_int_equal(int(totp_use_step("relative/totp", "alice", 5001, 400, &why)), int(TotpUse::failed));
}

void concurrent_logins_one_code(void**) {
    test::TempDir t;
    const std::string state = t / "totp";
    std::string why;
    assert_int_equal(int(totp_use_step(state, "alice", 5001, 10, &why)), int(TotpUse::accepted));
    // Eight logins race with the same code: exactly one gets in.
    constexpr int kRacers = 8;
    int pipefd[2];
    assert_int_equal(pipe(pipefd), 0);
    std::vector<pid_t> pids;
    for (int i = 0; i < kRacers; ++i) {
        pid_t pid = fork();
        if (pid == 0) {
            char go;
            if (read(pipefd[0], &go, 1) != 1) _exit(3);
            std::string w;
            _exit(static_cast<int>(totp_use_step(state, "alice", 5001, 11, &w)));
        }
        pids.push_back(pid);
    }
    close(pipefd[0]);
    std::string go(kRacers, 'g');
    assert_int_equal(write(pipefd[1], go.data(), go.size()), kRacers);
    close(pipefd[1]);
    int accepted = 0, replayed = 0;
    for (pid_t pid : pids) {
        int status = 0;
        waitpid(pid, &status, 0);
        assert_true(WIFEXITED(status));
        if (WEXITSTATUS(status) == int(TotpUse::accepted)) ++accepted;
        if (WEXITSTATUS(status) == int(TotpUse::replayed)) ++replayed;
    }
    assert_int_equal(accepted, 1);
    assert_int_equal(replayed, kRacers - 1);
}

void verify_whole(void**) {
    test::TempDir t;
    const std::string state = t / "totp";
    const char* secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    const std::time_t now = 1700000000;
    std::string why;
    const std::string code = hotp(kRfcKey, totp_step(now));
    assert_int_equal(int(verify_totp(secret, code, now, state, "alice", 5001, &why)), int(TotpResult::ok));
    assert_int_equal(int(verify_totp(secret, code, now, state, "alice", 5001, &why)),
                     int(TotpResult::replayed));
    // The previous step's code, still inside the window, is older than the one used: refused.
    const std::string prev = hotp(kRfcKey, totp_step(now) - 1);
    assert_int_equal(int(verify_totp(secret, prev, now, state, "alice", 5001, &why)),
                     int(TotpResult::replayed));
    const std::string next = hotp(kRfcKey, totp_step(now) + 1);
    assert_int_equal(int(verify_totp(secret, next, now, state, "alice", 5001, &why)), int(TotpResult::ok));
    std::string wrong = code;
    wrong[5] = wrong[5] == '9' ? '0' : static_cast<char>(wrong[5] + 1);
    assert_int_equal(int(verify_totp(secret, wrong, now + 60, state, "alice", 5001, &why)),
                     int(TotpResult::wrong_code));
    assert_int_equal(int(verify_totp("not base32!", code, now, state, "alice", 5001, &why)),
                     int(TotpResult::bad_secret));
    // A wrong code never touches the record: the right one still works afterwards.
    const std::string later = hotp(kRfcKey, totp_step(now + 90));
    assert_int_equal(int(verify_totp(secret, later, now + 90, state, "alice", 5001, &why)),
                     int(TotpResult::ok));
    assert_int_equal(int(verify_totp(secret, later, now + 90, "/nonexistent-dir/totp", "alice", 5001, &why)),
                     int(TotpResult::store_failed));
    assert_true(why.find("/nonexistent-dir") != std::string::npos);
}

}  // namespace

int main() {
    const CMUnitTest tests[] = {
        cmocka_unit_test(base32),
        cmocka_unit_test(hotp_rfc4226_vectors),
        cmocka_unit_test(totp_rfc6238_sha1_vectors),
        cmocka_unit_test(window_edges),
        cmocka_unit_test(malformed_codes),
        cmocka_unit_test(replay_record),
        cmocka_unit_test(unusable_records_fail_closed),
        cmocka_unit_test(concurrent_logins_one_code),
        cmocka_unit_test(verify_whole),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
