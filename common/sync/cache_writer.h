// SPDX-License-Identifier: Apache-2.0
// cache_writer.h — writes a validated Directory as the cache files (cache_format.h).
#pragma once

#include <cstdint>
#include <string>

#include "directory/model.h"

namespace dirbind {

// Writes identity.db (0644) and secrets.db (0600) into `dir` following the writer's update
// rules in cache_format.h: temp file with O_EXCL, every write checked, fsync, rename,
// fsync of `dir`, then the old file marked replaced. `created` is stored as the sync time.
// Throws Error(Err::io or Err::permission) naming the path; the old files stay intact then.
void write_cache(const Directory& d, const std::string& dir, std::uint64_t created);

}  // namespace dirbind
