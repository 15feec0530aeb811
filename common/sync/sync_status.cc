// SPDX-License-Identifier: Apache-2.0
// sync_status.cc — status.json: reading it, and SyncRecord (the fingerprint, the rule for a
// conditional fetch, the outcome of a sync).
#include "sync/sync_status.h"

#include <unistd.h>

#include <algorithm>
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
    u64("retry_after", &s.retry_after);
    if (j.contains("skipped_records") && j["skipped_records"].is_array())
        for (const auto& r : j["skipped_records"])
            if (r.is_object() && r.contains("what") && r["what"].is_string() && r.contains("name") &&
                r["name"].is_string() && r.contains("reason") && r["reason"].is_string() &&
                s.skipped_records.size() < kMaxSkippedRecords)
                s.skipped_records.push_back(Skipped{r["what"], r["name"], r["reason"]});
    return s;
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

SyncRecord::SyncRecord(const Config& cfg)
    : cache_dir_(cfg.cache_dir),
      fingerprint_(std::string(DIRBIND_VERSION) + " config:" + file_digest(cfg.file) + " passwd:" +
                   file_digest(cfg.local_passwd) + " group:" + file_digest(cfg.local_group)),
      s_(read_sync_status(cfg.cache_dir)),
      validators_{s_.etag, s_.last_modified} {
    since_ = !validators_.empty() && s_.last_success != 0 && s_.source == describe_source(cfg) &&
             s_.fingerprint == fingerprint_ && access((cache_dir_ + "/identity.db").c_str(), F_OK) == 0 &&
             access((cache_dir_ + "/secrets.db").c_str(), F_OK) == 0;
    s_.source = describe_source(cfg);
}

void SyncRecord::succeeded(std::uint64_t attempt, const SyncReport& report, const FetchState& fetched) {
    s_.last_attempt = s_.last_success = attempt;
    s_.last_error.clear();
    s_.retry_after = 0;
    if (!report.not_modified) {
        s_.users = report.users;
        s_.groups = report.groups;
        s_.skipped = report.skipped.size();
        s_.skipped_records.assign(report.skipped.begin(),
                                  report.skipped.begin() + static_cast<std::ptrdiff_t>(
                                                               std::min(report.skipped.size(), kMaxSkippedRecords)));
        s_.last_change = attempt;
    }
    s_.duration_ms = report.duration_ms;
    s_.requests = report.requests;
    s_.not_modified = report.not_modified;
    s_.etag = fetched.etag;
    s_.last_modified = fetched.last_modified;
    s_.fingerprint = fingerprint_;
    write(!report.not_modified);
}

void SyncRecord::failed(std::uint64_t attempt, const std::string& error) noexcept {
    try {
        s_.last_attempt = attempt;
        s_.last_error = error;
        if (s_.retry_after <= attempt) s_.retry_after = 0;  // an earlier wait, over by now
        s_.etag.clear();
        s_.last_modified.clear();
        write(true);
    } catch (...) {
        // The original error is the one worth reporting.
    }
}

void SyncRecord::write(bool durable) {
    const SyncStatus& s = s_;
    nlohmann::json j = {{"last_attempt", s.last_attempt}, {"last_success", s.last_success},
                        {"last_error", s.last_error},     {"source", s.source},
                        {"users", s.users},               {"groups", s.groups},
                        {"skipped", s.skipped},           {"duration_ms", s.duration_ms},
                        {"etag", s.etag},                 {"last_modified", s.last_modified},
                        {"fingerprint", s.fingerprint},   {"last_change", s.last_change},
                        {"requests", s.requests},         {"not_modified", s.not_modified},
                        {"retry_after", s.retry_after}};
    nlohmann::json skipped = nlohmann::json::array();
    for (const Skipped& k : s.skipped_records)
        skipped.push_back({{"what", k.what}, {"name", k.name}, {"reason", k.reason}});
    j["skipped_records"] = std::move(skipped);
    AtomicWriteOptions o;
    o.mode = 0644;
    o.sync = durable;
    write_file_atomic(cache_dir_ + "/status.json", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n", o);
}

}  // namespace dirbind
