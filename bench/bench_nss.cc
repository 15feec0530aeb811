// SPDX-License-Identifier: Apache-2.0
// bench_nss.cc — times single NSS lookups (getpwnam_r, getpwuid_r, getgrgid_r, initgroups_dyn)
// against dirbind, glibc's nss_files and libnss-cache over one generated population
// (gen_data.cc), checks every answer, and prints one result line per (operation, module)
// for bench/run.sh to tabulate:
//   lookup USERS OP MODULE MEDIAN_NS|n/a|error SAMPLES NOTE…
//
// Usage: bench_nss --users N --data DIR --cache DIR --dirbind SO [--cache-lib SO]
//                  [--home BASE] [--files-budget-ms MS] [--keys K]
// nss_files reads /etc/passwd and /etc/group: it is measured only when those are DIR/passwd
// and DIR/group (same inode: run.sh bind-mounts them inside a private mount namespace).
#include <dlfcn.h>
#include <grp.h>
#include <nss.h>
#include <pwd.h>
#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench_data.h"

namespace {

using GetPwNam = nss_status (*)(const char*, passwd*, char*, size_t, int*);
using GetPwUid = nss_status (*)(uid_t, passwd*, char*, size_t, int*);
using GetGrGid = nss_status (*)(gid_t, group*, char*, size_t, int*);
using InitGroups = nss_status (*)(const char*, gid_t, long*, long*, gid_t**, long, int*);

enum Op { kPwNam, kPwUid, kGrGid, kInitGroups, kOpCount };
const char* const kOpName[kOpCount] = {"getpwnam_r", "getpwuid_r", "getgrgid_r", "initgroups"};
const char* const kOpSym[kOpCount] = {"getpwnam_r", "getpwuid_r", "getgrgid_r", "initgroups_dyn"};

// How each module is sampled. Warm-up makes every measured lookup a steady-state one: for
// dirbind every key of the population once (its whole map paged in, as in a long-lived
// process); libnss-cache re-maps its files on every call, so a few calls warm the page cache;
// nss_files re-reads /etc on every call and is bounded by time, not count.
struct Module {
    std::string name;     // column in the table: dirbind, nss_files, libnss-cache
    std::string prefix;   // of its entry points: _nss_<prefix>_getpwnam_r
    std::size_t samples;  // lookups timed per operation (nss_files: at most)
    std::size_t warmup;   // untimed lookups first; 0 = every key of the population once
    bool time_bounded;    // stop after the time budget (but not before kMinSamples)
    std::string why;      // why it is not measured ("" = it is)
    void* fn[kOpCount] = {};
};

struct Options {
    std::uint32_t users = 0;
    std::string data, cache, dirbind;
    std::string cache_lib = "/usr/lib/x86_64-linux-gnu/libnss_cache.so.2";
    double files_budget_ms = 2000;  // nss_files, per operation
    std::size_t keys = 0;           // > 0: sample only this many distinct keys (cache-hot case)
    std::string home = "/home";     // the passwd answers must have home BASE/<name>
};

constexpr std::size_t kMinSamples = 30;

std::uint64_t now_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::uint64_t(ts.tv_sec) * 1000000000ULL + std::uint64_t(ts.tv_nsec);
}

bool same_file(const std::string& a, const char* b) {
    struct stat sa, sb;
    return stat(a.c_str(), &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

// One lookup of `key` (user number for the passwd ops, group number for getgrgid, ignored for
// initgroups, which always asks for the user in kHeavyGroups groups). Only the module call is
// timed; the answer is checked afterwards. Returns whether it was the expected entry.
class Lookup {
public:
    Lookup(Op op, void* fn, const std::string& home)
        : op_(op), fn_(fn), home_(home), buf_(4u << 20) {  // libnss-cache's getgrgid_r wants ≥ 1 MiB
        groups_ = static_cast<gid_t*>(std::malloc(std::size_t(groups_size_) * sizeof(gid_t)));
        if (groups_ == nullptr) std::abort();
    }
    ~Lookup() { std::free(groups_); }
    Lookup(const Lookup&) = delete;
    Lookup& operator=(const Lookup&) = delete;

    bool run(std::uint32_t key, std::uint64_t* ns) {
        int err = 0;
        nss_status st;
        std::uint64_t t0;
        switch (op_) {
            case kPwNam: {
                const std::string name = bench::user_name(key);
                passwd pw;
                t0 = now_ns();
                st = reinterpret_cast<GetPwNam>(fn_)(name.c_str(), &pw, buf_.data(), buf_.size(), &err);
                *ns = now_ns() - t0;
                return st == NSS_STATUS_SUCCESS && pw.pw_uid == bench::kUidBase + key && name == pw.pw_name &&
                       home_ + "/" + name == pw.pw_dir;
            }
            case kPwUid: {
                passwd pw;
                t0 = now_ns();
                st = reinterpret_cast<GetPwUid>(fn_)(bench::kUidBase + key, &pw, buf_.data(), buf_.size(),
                                                     &err);
                *ns = now_ns() - t0;
                return st == NSS_STATUS_SUCCESS && pw.pw_uid == bench::kUidBase + key &&
                       bench::user_name(key) == pw.pw_name && home_ + "/" + pw.pw_name == pw.pw_dir;
            }
            case kGrGid: {
                group gr;
                t0 = now_ns();
                st = reinterpret_cast<GetGrGid>(fn_)(bench::kGidBase + key, &gr, buf_.data(), buf_.size(),
                                                     &err);
                *ns = now_ns() - t0;
                return st == NSS_STATUS_SUCCESS && gr.gr_gid == bench::kGidBase + key &&
                       bench::group_name(key) == gr.gr_name && gr.gr_mem != nullptr &&
                       gr.gr_mem[0] != nullptr;
            }
            case kInitGroups:
            case kOpCount:
                break;
        }
        // As glibc calls it: the primary gid already in slot 0, the module appends the rest.
        const std::string name = bench::user_name(bench::kHeavyUser);
        const gid_t primary = bench::kUidBase + bench::kHeavyUser;
        long start = 1;
        groups_[0] = primary;
        t0 = now_ns();
        st = reinterpret_cast<InitGroups>(fn_)(name.c_str(), primary, &start, &groups_size_, &groups_, 65536,
                                               &err);
        *ns = now_ns() - t0;
        return st == NSS_STATUS_SUCCESS && start == 1 + long(bench::kHeavyGroups);
    }

private:
    Op op_;
    void* fn_;
    std::string home_;
    std::vector<char> buf_;
    long groups_size_ = 1024;  // the module may realloc() groups_ and grow this
    gid_t* groups_ = nullptr;
};

struct Result {
    std::string value;  // median ns, "n/a" or "error"
    std::size_t samples = 0;
    std::string note;
};

Result measure(const Module& m, Op op, const Options& o) {
    const std::uint32_t population = op == kGrGid ? bench::group_count(o.users) : o.users;
    Lookup l(op, m.fn[op], o.home);
    std::uint64_t ns = 0;
    std::size_t bad = 0;
    const std::size_t warm = m.warmup ? m.warmup : population;
    for (std::size_t i = 0; i < warm; ++i) bad += !l.run(1 + std::uint32_t(i % population), &ns);
    if (bad != 0) return {"error", 0, std::to_string(bad) + " warm-up lookups failed or gave a wrong answer"};
    // Random existing keys, the same sequence for every module (nss_files takes a prefix).
    bench::Rng rng{42 + unsigned(op)};
    std::vector<std::uint32_t> keys(o.keys ? std::min(o.keys, m.samples) : m.samples);
    for (auto& k : keys) k = 1 + rng.below(population);
    std::vector<std::uint64_t> t;
    t.reserve(m.samples);
    const std::uint64_t deadline = now_ns() + static_cast<std::uint64_t>(o.files_budget_ms * 1e6);
    for (std::size_t i = 0; i < m.samples; ++i) {
        if (m.time_bounded && i >= kMinSamples && now_ns() >= deadline) break;
        t.push_back(0);
        bad += !l.run(keys[i % keys.size()], &t.back());
    }
    if (bad != 0) return {"error", t.size(), std::to_string(bad) + " lookups failed or gave a wrong answer"};
    std::nth_element(t.begin(), t.begin() + long(t.size() / 2), t.end());
    return {std::to_string(t[t.size() / 2]), t.size(), ""};
}

void print(const Options& o, Op op, const Module& m, const Result& r) {
    std::printf("lookup %u %s %s %s %zu %s\n", o.users, kOpName[op], m.name.c_str(), r.value.c_str(),
                r.samples, r.note.empty() ? "-" : r.note.c_str());
    std::fflush(stdout);
}

void bench_module(const Module& m, const Options& o) {
    for (int i = 0; i < kOpCount; ++i) {
        Op op = static_cast<Op>(i);
        if (!m.why.empty())
            print(o, op, m, {"n/a", 0, m.why});
        else if (m.fn[op] == nullptr)
            print(o, op, m, {"n/a", 0, "does not export _nss_" + m.prefix + "_" + kOpSym[op]});
        else
            print(o, op, m, measure(m, op, o));
    }
}

// Fills the module's entry points from `lib`; missing ones stay nullptr.
void* load(Module* m, const char* lib) {
    void* h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    if (h == nullptr) {
        m->why = std::string("cannot load ") + lib;
        return nullptr;
    }
    for (int i = 0; i < kOpCount; ++i) m->fn[i] = dlsym(h, ("_nss_" + m->prefix + "_" + kOpSym[i]).c_str());
    return h;
}

[[noreturn]] void usage() {
    std::fprintf(stderr,
                 "usage: bench_nss --users N --data DIR --cache DIR --dirbind SO [--cache-lib SO] "
                 "[--home BASE] [--files-budget-ms MS] [--keys K]\n");
    std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string a = argv[i], v = argv[i + 1];
        if (a == "--users")
            o.users = static_cast<std::uint32_t>(std::strtoul(v.c_str(), nullptr, 10));
        else if (a == "--data")
            o.data = v;
        else if (a == "--cache")
            o.cache = v;
        else if (a == "--dirbind")
            o.dirbind = v;
        else if (a == "--cache-lib")
            o.cache_lib = v;
        else if (a == "--files-budget-ms")
            o.files_budget_ms = std::strtod(v.c_str(), nullptr);
        else if (a == "--keys")
            o.keys = std::strtoul(v.c_str(), nullptr, 10);
        else if (a == "--home")
            o.home = v;
        else
            usage();
    }
    if (argc % 2 != 1 || o.users < bench::kHeavyGroups || o.users > 9999999 || o.data.empty() ||
        o.cache.empty() || o.dirbind.empty())
        usage();
    // The module reads it once, at its first lookup.
    if (setenv("DIRBIND_CACHE_DIR", o.cache.c_str(), 1) != 0) return 1;

    Module dirbind{"dirbind", "dirbind", 20000, 0, false, ""};
    struct stat st;
    if (stat((o.cache + "/identity.db").c_str(), &st) != 0)
        dirbind.why = "no cache (the sync did not finish)";
    else
        load(&dirbind, o.dirbind.c_str());

    Module files{"nss_files", "files", 2000, 2, true, ""};
    if (!same_file(o.data + "/passwd", "/etc/passwd") || !same_file(o.data + "/group", "/etc/group"))
        files.why = "/etc/passwd and /etc/group are not the generated files (no private mount namespace)";
    else
        load(&files, "libc.so.6");  // glibc 2.36 exports _nss_files_* from libc itself

    Module cache{"libnss-cache", "cache", 2000, 200, false, ""};
    if (void* h = load(&cache, o.cache_lib.c_str())) {
        auto pw_path = reinterpret_cast<char* (*)(const char*)>(dlsym(h, "_nss_cache_setpwent_path"));
        auto gr_path = reinterpret_cast<char* (*)(const char*)>(dlsym(h, "_nss_cache_setgrent_path"));
        if (pw_path == nullptr || gr_path == nullptr) {
            cache.why = "does not export _nss_cache_setpwent_path/_nss_cache_setgrent_path";
        } else {
            pw_path((o.data + "/passwd").c_str());
            gr_path((o.data + "/group").c_str());
        }
    }

    bench_module(dirbind, o);
    bench_module(files, o);
    bench_module(cache, o);
    return 0;
}
