// sync_status.cc — JSON (de)serialisation of status.json.
#include "sync_status.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "atomic_file.h"

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
    return s;
}

void write_sync_status(const std::string& cache_dir, const SyncStatus& s) {
    nlohmann::json j = {{"last_attempt", s.last_attempt}, {"last_success", s.last_success},
                        {"last_error", s.last_error},     {"source", s.source},
                        {"users", s.users},               {"groups", s.groups},
                        {"skipped", s.skipped},           {"duration_ms", s.duration_ms}};
    AtomicWriteOptions o;
    o.mode = 0644;
    write_file_atomic(cache_dir + "/status.json", j.dump(2) + "\n", o);
}

}  // namespace dirbind
