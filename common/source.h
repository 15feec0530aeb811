// source.h — picks the directory source named by the config and fetches from it.
#pragma once

#include <string>
#include <vector>

#include "config.h"
#include "model.h"

namespace dirbind {

// Fetches the whole directory for this host from cfg.source. Records a source could not
// convert are appended to `skipped`. Throws Error(Err::source or Err::config) on failure.
RawDirectory fetch_directory(const Config& cfg, std::vector<Skipped>* skipped);

// "file /etc/dirbind/directory.yaml": what status and logs show as the source.
std::string describe_source(const Config& cfg);

}  // namespace dirbind
