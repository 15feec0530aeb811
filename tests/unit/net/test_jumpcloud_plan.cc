// SPDX-License-Identifier: Apache-2.0
// test_jumpcloud_plan.cc — tests for net/jumpcloud_plan.cc: details_every spreads the detail
// reads evenly and never lets a user's details grow older than the bound; the per-user /
// organisation-list choice takes the cheaper path; a stale or future organisation size is not
// trusted.
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
extern "C" {  // cmocka 1.1's header has no C++ guard
#include <cmocka.h>
}
// clang-format on

#include "net/jumpcloud_plan.h"

using namespace dirbind;

namespace {

std::vector<std::string> ids(std::size_t n) {
    std::vector<std::string> v;
    for (std::size_t i = 0; i < n; ++i) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "5f%022zx", i + 1);
        v.push_back(buf);
    }
    return v;
}

std::size_t count(const std::vector<bool>& v) {
    std::size_t n = 0;
    for (bool b : v) n += b;
    return n;
}

// Runs `syncs` syncs over `users` users with details_every `every`, as fetch_jumpcloud keeps the
// store; checks the bound after each and returns the most users read by one sync after the first.
std::size_t simulate(std::size_t users, std::uint32_t every, std::uint64_t syncs) {
    std::vector<std::string> bound = ids(users);
    DetailsStore store;
    std::size_t most = 0;
    for (std::uint64_t sync = 1; sync <= syncs; ++sync) {
        std::vector<bool> due = due_details(bound, store, sync, every);
        if (sync > 1) most = std::max(most, count(due));
        for (std::size_t i = 0; i < bound.size(); ++i)
            if (due[i]) store.users[bound[i]] = {sync, nlohmann::json::object()};
        store.sync = sync;
        for (const auto& [id, d] : store.users)
            assert_true(sync - d.sync < every);  // never older than the bound
    }
    return most;
}

void test_every_one_reads_all(void**) {
    DetailsStore store;
    store.sync = 4;
    store.users[ids(1)[0]] = {4, nlohmann::json::object()};
    assert_int_equal(count(due_details(ids(10), store, 5, 1)), 10);
}

void test_spread_is_even_and_bounded(void**) {
    assert_true(simulate(250, 5, 30) <= 50);
    assert_true(simulate(1000, 10, 40) <= 100);
    assert_true(simulate(7, 3, 20) <= 3);
}

void test_new_users_are_read_at_once(void**) {
    std::vector<std::string> bound = ids(20);
    DetailsStore store;
    for (std::size_t i = 0; i < 10; ++i) store.users[bound[i]] = {1, nlohmann::json::object()};
    store.sync = 1;
    std::vector<bool> due = due_details(bound, store, 2, 5);
    for (std::size_t i = 10; i < 20; ++i) assert_true(due[i]);
    assert_int_equal(count(due), 10 + 2);  // the new ones plus ⌈10/5⌉ stored
}

void test_choice(void**) {
    // per_user never lists; org_list lists when anything is due.
    assert_false(start_org_list("per_user", 10000, 100));
    assert_true(start_org_list("org_list", 1, 1000000));
    assert_false(start_org_list("org_list", 0, std::nullopt));
    // auto: the list when its pages are fewer than the users due.
    assert_true(start_org_list("auto", 10000, 10000));     // 100 pages < 10,000
    assert_false(start_org_list("auto", 10, 10000));       // 100 pages > 10
    assert_false(start_org_list("auto", 100, 10000));      // equal: per user
    assert_true(start_org_list("auto", 2, std::nullopt));  // unknown: the first page tells
    assert_false(start_org_list("auto", 1, std::nullopt));
    // After the first page: the rest only while it is cheaper than the users left.
    assert_true(continue_org_list("auto", 10000, 9000));  // 99 pages < 9,000
    assert_false(continue_org_list("auto", 10000, 9));    // 99 pages > 9
    assert_false(continue_org_list("auto", 10000, 0));
    assert_true(continue_org_list("org_list", 10000, 1));
}

void test_known_org_size(void**) {
    JumpCloudState st;
    assert_false(known_org_size(st, 1000000).has_value());  // never read
    st.org_users = 5000;
    st.org_users_at = 1000000;
    assert_int_equal(*known_org_size(st, 1000000 + 60), 5000);
    assert_false(known_org_size(st, 1000000 + kOrgSizeTtl).has_value());  // stale
    assert_false(known_org_size(st, 1000000 - 1).has_value());            // the clock went back
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_one_reads_all),
        cmocka_unit_test(test_spread_is_even_and_bounded),
        cmocka_unit_test(test_new_users_are_read_at_once),
        cmocka_unit_test(test_choice),
        cmocka_unit_test(test_known_org_size),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
