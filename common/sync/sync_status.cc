// SPDX-License-Identifier: Apache-2.0
// sync_status.cc — JSON (de)serialisation of status.json, and the rule for keeping the cache
// on a "not modified" answer (fingerprint, can_sync_conditionally).
#include "sync/sync_status.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cache/hash64.h"
#include "sync/source.h"
#include "system/atomic_file.h"

#ifndef DIRBIND_VERSION
#define DIRBIND_VERSION "0.0.0"
#endif

namespace dirbind {

SyncStatus read_sync_status(const std::string& cache_dir) {
    SyncStatus s;
    std::ifstream in(cache_dir + "/status.json");
    if (!in) return s;
    nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (!j.is_object()) return s;
    auto u64 = [&](const char* k, std::uint64_t* v) {
        if (j.contains(k) && j[k].is_number_unsigned()) *v = j[k].get<std::uint64_t>();
    };
    auto str = [&](const char* k, std::string* v) {
        if (j.contains(k) && j[k].is_string()) *v = j[k].get<std::string>();
    };
    u64("last_attempt", &s.last_attempt);
    u64("last_success", &s.last_success);
    str("last_error", &s.last_error);
    str("source", &s.source);
    u64("users", &s.users);
    u64("groups", &s.groups);
    u64("skipped", &s.skipped);
    u64("duration_ms", &s.duration_ms);
    str("etag", &s.etag);
    str("last_modified", &s.last_modified);
    str("fingerprint", &s.fingerprint);
    u64("last_change", &s.last_change);
    u64("requests", &s.requests);
    if (j.contains("not_modified") && j["not_modified"].is_boolean()) s.not_modified = j["not_modified"].get<bool>();
    return s;
}

void write_sync_status(const std::string& cache_dir, const SyncStatus& s, bool durable) {
    nlohmann::json j = {{"last_attempt", s.last_attempt}, {"last_success", s.last_success},
                        {"last_error", s.last_error},     {"source", s.source},
                        {"users", s.users},               {"groups", s.groups},
                        {"skipped", s.skipped},           {"duration_ms", s.duration_ms},
                        {"etag", s.etag},                 {"last_modified", s.last_modified},
                        {"fingerprint", s.fingerprint},   {"last_change", s.last_change},
                        {"requests", s.requests},         {"not_modified", s.not_modified}};
    AtomicWriteOptions o;
    o.mode = 0644;
    o.sync = durable;
    write_file_atomic(cache_dir + "/status.json", j.dump(2) + "\n", o);
}

namespace {
// Hash of a file's content ("-" when it cannot be read), capped: these files are small.
std::string file_digest(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return "-";
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    char buf[20];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash64(data.data(), data.size(), 0)));
    return buf;
}
}  // namespace

std::string sync_fingerprint(const Config& cfg) {
    return std::string(DIRBIND_VERSION) + " config:" + file_digest(cfg.file) + " passwd:" +
           file_digest(cfg.local_passwd) + " group:" + file_digest(cfg.local_group);
}

bool can_sync_conditionally(const Config& cfg, const SyncStatus& s, const std::string& fingerprint) {
    if (s.etag.empty() && s.last_modified.empty()) return false;
    if (s.last_success == 0 || s.source != describe_source(cfg) || s.fingerprint != fingerprint) return false;
    // A cache someone removed must be fetched again, whatever the server says.
    return access((cfg.cache_dir + "/identity.db").c_str(), F_OK) == 0 &&
           access((cfg.cache_dir + "/secrets.db").c_str(), F_OK) == 0;
}

}  // namespace dirbind
