// SPDX-License-Identifier: Apache-2.0
// test_cache.cc — the cache writer and reader together: round trips, replacement, and
// every kind of damaged or untrusted file giving "unavailable", never wrong data.
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" {
#include <cmocka.h>
}

#include "../test_util.h"
#include "cache/cache_format.h"
#include "cache/cache_reader.h"
#include "sync/cache_writer.h"

using namespace dirbind;
using dirbind::test::TempDir;

namespace {

std::string slurp(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}
void spit(const std::string& p, const std::string& data, mode_t mode = 0644) {
    unlink(p.c_str());
    int fd = open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
    fchmod(fd, mode);
    close(fd);
}

struct Reader {
    ScopedCache cache;
    Pin pin;
    Reader(const std::string& dir, std::uint32_t kind = cachefmt::kIdentity) : cache(dir.c_str(), kind) {}
    Err open() { return pin.acquire(cache.get()); }
};

// The whole answer for alice, as one string, so a check compares every field at once.
std::string alice_answer(const Pin& pin) {
    UserView u;
    if (find_user(pin, "alice", &u) != Err::ok) return "";
    std::string s = std::string(u.name) + ":" + std::to_string(u.uid) + ":" + std::to_string(u.gid) + ":" + u.gecos +
                    ":" + u.home + ":" + u.shell;
    for (std::uint32_t i = 0; i < u.ngids; ++i) s += "," + std::to_string(u.gid_at(i));
    std::size_t pos = 0;
    for (const char* k; (k = next_string(u.keys, &pos)) != nullptr;) s += std::string("|") + k;
    return s;
}

void round_trip(void**) {
    TempDir t;
    Directory d = test::sample_directory();
    write_cache(d, t.path(), 1234);
    Reader r(t.path());
    assert_int_equal(static_cast<int>(r.open()), static_cast<int>(Err::ok));
    assert_int_equal(r.pin.user_count(), 3);
    assert_int_equal(r.pin.group_count(), 5);
    assert_int_equal(r.pin.created(), 1234);
    assert_int_equal(r.pin.policy(), cachefmt::kPublicKeyAuth);

    UserView u;
    assert_int_equal(static_cast<int>(find_user(r.pin, "alice", &u)), static_cast<int>(Err::ok));
    assert_string_equal(u.gecos, "User alice");
    assert_string_equal(u.home, "/home/alice");
    assert_int_equal(u.uid, 5001);
    assert_int_equal(u.ngids, 2);
    assert_int_equal(u.gid_at(1), 6002);
    assert_int_equal(u.sudo, static_cast<int>(Sudo::password));
    assert_true(u.flags & cachefmt::kUserHasPassword);
    std::size_t pos = 0;
    assert_string_equal(next_string(u.keys, &pos), "laptop");
    assert_string_equal(next_string(u.keys, &pos), d.users[0].ssh_keys[0].line.c_str());
    assert_null(next_string(u.keys, &pos));

    assert_int_equal(static_cast<int>(find_user(r.pin, 5002u, &u)), static_cast<int>(Err::ok));
    assert_string_equal(u.name, "bob");
    assert_int_equal(u.state, static_cast<int>(UserState::suspended));
    assert_int_equal(static_cast<int>(find_user(r.pin, "dave", &u)), static_cast<int>(Err::not_found));
    assert_int_equal(static_cast<int>(find_user(r.pin, 5004u, &u)), static_cast<int>(Err::not_found));
    // Invalid names are never looked up.
    assert_int_equal(static_cast<int>(find_user(r.pin, "Alice", &u)), static_cast<int>(Err::not_found));
    assert_int_equal(static_cast<int>(find_user(r.pin, "alice:x", &u)), static_cast<int>(Err::not_found));

    GroupView g;
    assert_int_equal(static_cast<int>(find_group(r.pin, "devs", &g)), static_cast<int>(Err::ok));
    assert_int_equal(g.gid, 6001);
    pos = 0;
    assert_string_equal(next_string(g.members, &pos), "alice");
    assert_string_equal(next_string(g.members, &pos), "bob");
    assert_null(next_string(g.members, &pos));
    assert_int_equal(static_cast<int>(find_group(r.pin, 6002u, &g)), static_cast<int>(Err::ok));
    assert_string_equal(g.name, "ops");

    std::vector<std::string> names;
    for (std::uint32_t i = 0; user_at(r.pin, i, &u) == Err::ok; ++i) names.push_back(u.name);
    assert_int_equal(names.size(), 3);
    assert_string_equal(names[2].c_str(), "carol");

    Reader s(t.path(), cachefmt::kSecrets);
    assert_int_equal(static_cast<int>(s.open()), static_cast<int>(Err::ok));
    SecretView sv;
    assert_int_equal(static_cast<int>(find_secret(s.pin, "alice", &sv)), static_cast<int>(Err::ok));
    assert_string_equal(sv.password_hash, "$6$salt$hash");
    assert_int_equal(static_cast<int>(find_secret(s.pin, "carol", &sv)), static_cast<int>(Err::ok));
    assert_int_equal(sv.state, static_cast<int>(UserState::expired));
    struct stat st;
    assert_int_equal(stat((t / "secrets.db").c_str(), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat((t / "identity.db").c_str(), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
}

// 20,000 users: every one found by name and uid, enumeration complete, no temp files left.
void many_users(void**) {
    TempDir t;
    Directory d;
    for (std::uint32_t i = 0; i < 20000; ++i) d.users.push_back(test::make_user("u" + std::to_string(i), 10000 + i));
    write_cache(d, t.path(), 1);
    Reader r(t.path());
    assert_int_equal(static_cast<int>(r.open()), static_cast<int>(Err::ok));
    for (std::uint32_t i = 0; i < 20000; ++i) {
        UserView u;
        std::string n = "u" + std::to_string(i);
        assert_int_equal(static_cast<int>(find_user(r.pin, n.c_str(), &u)), static_cast<int>(Err::ok));
        assert_int_equal(u.uid, 10000 + i);
        assert_int_equal(static_cast<int>(find_user(r.pin, 10000 + i, &u)), static_cast<int>(Err::ok));
        assert_string_equal(u.name, n.c_str());
    }
    UserView u;
    assert_int_equal(static_cast<int>(user_at(r.pin, 20000, &u)), static_cast<int>(Err::not_found));
    assert_int_equal(system(("test $(ls -A '" + t.path() + "' | wc -l) = 2").c_str()), 0);
}

void empty_directory(void**) {
    TempDir t;
    write_cache(Directory{}, t.path(), 1);
    Reader r(t.path());
    assert_int_equal(static_cast<int>(r.open()), static_cast<int>(Err::ok));
    UserView u;
    GroupView g;
    assert_int_equal(static_cast<int>(find_user(r.pin, "alice", &u)), static_cast<int>(Err::not_found));
    assert_int_equal(static_cast<int>(find_group(r.pin, 1000u, &g)), static_cast<int>(Err::not_found));
    assert_int_equal(static_cast<int>(user_at(r.pin, 0, &u)), static_cast<int>(Err::not_found));
}

void missing_file(void**) {
    TempDir t;
    Reader r(t.path());
    assert_int_equal(static_cast<int>(r.open()), static_cast<int>(Err::unavailable));
}

// Every truncation of a valid file is refused at open (the header pins the exact size).
void truncated(void**) {
    TempDir t, u;
    write_cache(test::sample_directory(), t.path(), 1);
    std::string good = slurp(t / "identity.db");
    for (std::size_t n = 0; n < good.size(); n += (n < 300 ? 1 : 7)) {
        spit(u / "identity.db", good.substr(0, n));
        Reader r(u.path());
        assert_int_equal(static_cast<int>(r.open()), static_cast<int>(Err::unavailable));
    }
}

// Flip every byte after the header: each lookup is either exactly right or absent/unavailable.
void garbled(void**) {
    TempDir t, u;
    write_cache(test::sample_directory(), t.path(), 1);
    std::string good = slurp(t / "identity.db");
    Reader clean(t.path());
    assert_int_equal(static_cast<int>(clean.open()), static_cast<int>(Err::ok));
    const std::string want = alice_answer(clean.pin);
    assert_true(!want.empty());
    int answered = 0;
    for (std::size_t i = 0; i < good.size(); ++i) {
        std::string bad = good;
        bad[i] = static_cast<char>(bad[i] ^ 0x41);
        spit(u / "identity.db", bad);
        Reader r(u.path());
        if (r.open() != Err::ok) continue;
        std::string got = alice_answer(r.pin);
        assert_true(got.empty() || got == want);
        answered += !got.empty();
        // Walking and other lookups must not crash either.
        UserView v;
        GroupView g;
        for (std::uint32_t k = 0; k < 8; ++k) user_at(r.pin, k, &v), group_at(r.pin, k, &g);
        find_group(r.pin, "devs", &g);
        find_user(r.pin, 5003u, &v);
    }
    assert_true(answered > 0);  // bytes outside alice's record leave her readable
}

void header_fields(void**) {
    TempDir t, u;
    write_cache(test::sample_directory(), t.path(), 1);
    std::string good = slurp(t / "identity.db");
    struct Case {
        std::size_t off;
        std::uint32_t value;
    } cases[] = {{cachefmt::kOffVersion, 2}, {cachefmt::kOffKind, cachefmt::kSecrets}, {cachefmt::kOffMagic, 0}};
    for (const Case& c : cases) {
        std::string bad = good;
        cachefmt::put32(reinterpret_cast<unsigned char*>(bad.data()) + c.off, c.value);
        // Re-seal the header check: only the field's meaning is wrong.
        cachefmt::put32(reinterpret_cast<unsigned char*>(bad.data()) + cachefmt::kOffHeaderCheck,
                        cachefmt::header_check(reinterpret_cast<unsigned char*>(bad.data())));
        spit(u / "identity.db", bad);
        Reader r(u.path());
        assert_int_equal(static_cast<int>(r.open()), static_cast<int>(Err::unavailable));
    }
}

void untrusted_files(void**) {
    TempDir t;
    write_cache(test::sample_directory(), t.path(), 1);
    std::string id = t / "identity.db", sec = t / "secrets.db";
    {
        chmod(id.c_str(), 0664);  // group-writable
        Reader r(t.path());
        assert_int_equal(static_cast<int>(r.open()), static_cast<int>(Err::unavailable));
        chmod(id.c_str(), 0644);
    }
    {
        chmod(sec.c_str(), 0640);  // secrets readable by a group
        Reader r(t.path(), cachefmt::kSecrets);
        assert_int_equal(static_cast<int>(r.open()), static_cast<int>(Err::unavailable));
        chmod(sec.c_str(), 0600);
    }
    {
        TempDir link;
        assert_int_equal(symlink(id.c_str(), (link / "identity.db").c_str()), 0);
        Reader r(link.path());
        assert_int_equal(static_cast<int>(r.open()), static_cast<int>(Err::unavailable));
    }
    {
        // The identity file is not a secrets file, whatever its mode.
        TempDir other;
        spit(other / "secrets.db", slurp(id), 0600);
        Reader r(other.path(), cachefmt::kSecrets);
        assert_int_equal(static_cast<int>(r.open()), static_cast<int>(Err::unavailable));
    }
    if (geteuid() == 0) {
        assert_int_equal(chown(id.c_str(), 4242, 4242), 0);  // neither root nor us
        Reader r(t.path());
        assert_int_equal(static_cast<int>(r.open()), static_cast<int>(Err::unavailable));
    } else {
        print_message("SKIP part: foreign-owner case needs root\n");
    }
}

// The directory counts too: whoever can replace the files there decides what NSS serves, and
// whoever can remove them makes the host look never synced (pam_dirbind's root rule).
void untrusted_directory(void**) {
    TempDir t;
    write_cache(test::sample_directory(), t.path(), 1);
    {
        chmod(t.path().c_str(), 0777);
        Reader r(t.path());
        assert_int_equal(static_cast<int>(r.open()), static_cast<int>(Err::unavailable));
        Reader s(t.path(), cachefmt::kSecrets);
        assert_int_equal(static_cast<int>(s.open()), static_cast<int>(Err::unavailable));
        chmod(t.path().c_str(), 0755);
        Reader again(t.path());
        assert_int_equal(static_cast<int>(again.open()), static_cast<int>(Err::ok));
    }
    if (geteuid() == 0) {
        assert_int_equal(chown(t.path().c_str(), 4242, 4242), 0);  // neither root nor us
        Reader r(t.path());
        assert_int_equal(static_cast<int>(r.open()), static_cast<int>(Err::unavailable));
        assert_int_equal(chown(t.path().c_str(), 0, 0), 0);
    } else {
        print_message("SKIP part: foreign-owner case needs root\n");
    }
}

// "Never written" only when nobody but root (or us) could have removed the file.
void never_written(void**) {
    TempDir t;
    auto never = [](const std::string& dir) {
        ScopedCache c(dir.c_str(), cachefmt::kIdentity);
        return cache_never_written(c.get());
    };
    assert_true(never(t.path()));                 // a trusted directory without the file
    assert_true(never(t / "not-made-yet"));       // no directory, in a trusted parent
    assert_true(never(t.path() + "/"));           // spelled with a trailing slash
    write_cache(test::sample_directory(), t.path(), 1);
    assert_false(never(t.path()));                // it is there
    unlink((t / "identity.db").c_str());
    chmod(t.path().c_str(), 0777);
    assert_false(never(t.path()));                // anybody could have removed it
    assert_false(never(t / "not-made-yet"));      // or the directory it was in
    chmod(t.path().c_str(), 0700);
    mkdir((t / "sub").c_str(), 0700);
    assert_int_equal(symlink("/nonexistent", (t / "sub/identity.db").c_str()), 0);
    assert_false(never(t / "sub"));               // something is there, if not a cache
}

// A pinned version stays readable after a replace; the next acquire sees the new one.
void replacement(void**) {
    TempDir t;
    Directory d = test::sample_directory();
    write_cache(d, t.path(), 1);
    Reader r(t.path());
    assert_int_equal(static_cast<int>(r.open()), static_cast<int>(Err::ok));
    Pin old;
    assert_int_equal(static_cast<int>(old.acquire(r.cache.get())), static_cast<int>(Err::ok));
    r.pin.release();
    d.users[0].gecos = "Alice Replaced";
    write_cache(d, t.path(), 2);
    UserView u;
    assert_int_equal(static_cast<int>(find_user(old, "alice", &u)), static_cast<int>(Err::ok));
    assert_string_equal(u.gecos, "User alice");
    Pin fresh;
    assert_int_equal(static_cast<int>(fresh.acquire(r.cache.get())), static_cast<int>(Err::ok));
    assert_int_equal(static_cast<int>(find_user(fresh, "alice", &u)), static_cast<int>(Err::ok));
    assert_string_equal(u.gecos, "Alice Replaced");
    assert_int_equal(fresh.created(), 2);
}

}  // namespace

int main() {
    const CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),     cmocka_unit_test(many_users),     cmocka_unit_test(empty_directory),
        cmocka_unit_test(missing_file),   cmocka_unit_test(truncated),      cmocka_unit_test(garbled),
        cmocka_unit_test(header_fields),  cmocka_unit_test(untrusted_files), cmocka_unit_test(replacement),
        cmocka_unit_test(untrusted_directory), cmocka_unit_test(never_written),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
