// SPDX-License-Identifier: Apache-2.0
// skip_summary.h — why a sync left records out, in a few lines: the first reasons as they are,
// or, when there are many, grouped by kind of reason with counts (`sync` and `status`).
#pragma once

#include <string>
#include <vector>

#include "directory/model.h"

namespace dirbind::cli {

// A reason with its names and numbers taken out ("uid 12 is outside..." → "uid N is outside..."),
// so records refused for the same rule fall in one group.
std::string reason_kind(const std::string& reason);

// Up to `max_lines` lines, each "  <what> <name>: <reason>" (when `total` ≤ max_lines) or
// "  <count> × <kind of reason> (e.g. <what> <name>)", then a pointer to check-config when not
// everything was shown. `total` is the number skipped (the list may be capped).
std::vector<std::string> skip_summary(const std::vector<Skipped>& skipped, std::size_t total,
                                      std::size_t max_lines = 5);

}  // namespace dirbind::cli
