// source.cc — dispatch from `source.type` to the source implementations.
#include "source.h"

#include "error.h"
#include "file_source.h"
#include "https_client.h"
#include "net_plugin.h"

namespace dirbind {

FetchResult fetch_directory(const Config& cfg, const FetchState* since, const FetchHooks& hooks,
                            std::vector<Skipped>* skipped) {
    if (cfg.source.type == "file") {
        FetchResult r;
        r.dir = load_directory_file(cfg.source.path, skipped);
        return r;
    }
    if (cfg.source.type == "https" || cfg.source.type == "jumpcloud") {
        // In dirbind-net.so, so that nothing else loads libcurl (net_plugin.h).
        const NetPluginApi& net = net_plugin("the " + cfg.source.type + " source");
        FetchResult r;
        NetCallError err;
        if (!net.fetch_directory(cfg, since, hooks, skipped, &r, &err)) rethrow_net_error(err);
        return r;
    }
    throw Error(Err::config, "source type '" + cfg.source.type + "' is not supported by this build");
}

RawDirectory fetch_directory(const Config& cfg, std::vector<Skipped>* skipped) {
    return fetch_directory(cfg, nullptr, FetchHooks{}, skipped).dir;
}

std::string describe_source(const Config& cfg) {
    if (cfg.source.type == "file") return "file " + cfg.source.path;
    return cfg.source.type + " " + redact_url(cfg.source.url);
}

}  // namespace dirbind
