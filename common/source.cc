// source.cc — dispatch from `source.type` to the source implementations.
#include "source.h"

#include "error.h"
#include "file_source.h"

namespace dirbind {

RawDirectory fetch_directory(const Config& cfg, std::vector<Skipped>* skipped) {
    if (cfg.source.type == "file") return load_directory_file(cfg.source.path, skipped);
    throw Error(Err::config, "source type '" + cfg.source.type + "' is not supported by this build");
}

std::string describe_source(const Config& cfg) {
    if (cfg.source.type == "file") return "file " + cfg.source.path;
    return cfg.source.type;
}

}  // namespace dirbind
