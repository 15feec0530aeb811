// SPDX-License-Identifier: Apache-2.0
// jumpcloud_plan.h — the request budget of one jumpcloud sync (docs/sources.md, "Requests of one
// sync"): which bound users' details are due (details_every spreads them over syncs), and whether
// they are read one request per user or from the organisation's user list, 100 to a page,
// whichever takes fewer requests. Pure functions, so that the choices can be unit-tested.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "net/jumpcloud_tables.h"

namespace dirbind {

// Users per page of /systemusers and /v2/systems/{id}/users (the v2 API's maximum `limit`).
constexpr std::size_t kJumpCloudPage = 100;
// How long a learned organisation size is trusted before the planner reads it again.
constexpr std::uint64_t kOrgSizeTtl = 24 * 3600;

// Pages of kJumpCloudPage that `users` users take.
constexpr std::uint64_t list_pages(std::uint64_t users) {
    return (users + kJumpCloudPage - 1) / kJumpCloudPage;
}

// For each of the bound users `ids`, whether sync number `sync` reads their details, given the
// details `store` of earlier syncs and details_every `every`: every user when `every` is 1;
// otherwise a user the store lacks, a user last read `every` or more syncs ago, and then the
// longest-unread users (ties by id) until ⌈(stored users) / every⌉ stored users are due. So each
// user's details are at most `every` − 1 syncs old and each sync reads about 1/every of them.
std::vector<bool> due_details(const std::vector<std::string>& ids, const DetailsStore& store,
                              std::uint64_t sync, std::uint32_t every);

// The organisation's size as the planner may use it at unix time `now`: the state's count when it
// was read less than kOrgSizeTtl ago, else nullopt (never read, stale, or the clock went back).
std::optional<std::uint64_t> known_org_size(const JumpCloudState& state, std::uint64_t now);

// Before any request for details: whether to read the first page of the organisation's user list
// for `due` users' details. `mode` is source.details. per_user: never; org_list: when anything is
// due; auto: when the whole list takes fewer pages than `due` requests, or — the size unknown —
// when `due` is at least 2 (the first page tells the size and serves its users).
bool start_org_list(const std::string& mode, std::size_t due, std::optional<std::uint64_t> org_users);

// After the first page: whether to read the rest of the list (`total` users) rather than the
// `left` due users not on it one by one. org_list: while any is left; auto: when the remaining
// pages are fewer than `left`.
bool continue_org_list(const std::string& mode, std::uint64_t total, std::size_t left);

}  // namespace dirbind
