// SPDX-License-Identifier: Apache-2.0
// jumpcloud_plan.cc — due_details() and the per-user / organisation-list choice (jumpcloud_plan.h).
#include "net/jumpcloud_plan.h"

#include <algorithm>

namespace dirbind {

std::vector<bool> due_details(const std::vector<std::string>& ids, const DetailsStore& store,
                              std::uint64_t sync, std::uint32_t every) {
    std::vector<bool> due(ids.size(), true);
    if (every <= 1) return due;
    struct Stored {
        std::uint64_t read;
        const std::string* id;
        std::size_t index;
    };
    std::vector<Stored> stored;
    std::size_t due_stored = 0;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        auto it = store.users.find(ids[i]);
        if (it == store.users.end() || it->second.sync >= sync) continue;  // never read (or not before)
        if (sync - it->second.sync >= every) {
            ++due_stored;  // at its age limit
            stored.push_back({it->second.sync, &ids[i], i});
            continue;
        }
        due[i] = false;
        stored.push_back({it->second.sync, &ids[i], i});
    }
    const std::size_t quota = (stored.size() + every - 1) / every;
    std::sort(stored.begin(), stored.end(), [](const Stored& a, const Stored& b) {
        return a.read != b.read ? a.read < b.read : *a.id < *b.id;
    });
    for (const Stored& s : stored) {
        if (due_stored >= quota) break;
        if (!due[s.index]) {
            due[s.index] = true;
            ++due_stored;
        }
    }
    return due;
}

std::optional<std::uint64_t> known_org_size(const JumpCloudState& state, std::uint64_t now) {
    if (state.org_users_at == 0 || state.org_users_at > now || now - state.org_users_at >= kOrgSizeTtl)
        return std::nullopt;
    return state.org_users;
}

bool start_org_list(const std::string& mode, std::size_t due, std::optional<std::uint64_t> org_users) {
    if (mode == "per_user" || due == 0) return false;
    if (mode == "org_list") return true;
    if (org_users) return list_pages(*org_users) < due;
    return due >= 2;
}

bool continue_org_list(const std::string& mode, std::uint64_t total, std::size_t left) {
    if (left == 0) return false;
    if (mode == "org_list") return true;
    return list_pages(total) - std::min<std::uint64_t>(list_pages(total), 1) < left;
}

}  // namespace dirbind
