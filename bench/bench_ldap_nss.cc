// SPDX-License-Identifier: Apache-2.0
// bench_ldap_nss.cc — the NSS side of bench/ldap.sh: one NSS module (dirbind, sss, ldap)
// dlopen'ed as bench_nss.cc does, over the users of tests/ldap/gen_ldif.py (user00001…, uid
// --uid-base + i). Waits until an enumeration (setpwent/getpwent_r) lists every user, times one
// enumeration, then times getpwnam_r and getpwuid_r of random users, every answer checked:
// a first pass (each key looked up for the first time) and a second over the same keys.
// One result line each, for bench/report.py:
//   resolved MODULE USERS MS|timeout LISTED       (from --since, polling every 200 ms)
//   enumerate MODULE USERS MS LISTED
//   lookup MODULE USERS OP first|again MEDIAN_NS P99_NS SAMPLES BAD
//
// Usage: bench_ldap_nss --so PATH --prefix P --users N --uid-base B [--since EPOCH_NS] [--wait-s S]
//                       [--samples K]
// --since: when the daemon was started (`date +%s%N`); default this program's start.
// --samples 0: only the wait (the "resolved" line).
#include <dlfcn.h>
#include <nss.h>
#include <pwd.h>
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

using SetPwEnt = nss_status (*)(int);
using GetPwEnt = nss_status (*)(passwd*, char*, size_t, int*);
using EndPwEnt = nss_status (*)();
using GetPwNam = nss_status (*)(const char*, passwd*, char*, size_t, int*);
using GetPwUid = nss_status (*)(uid_t, passwd*, char*, size_t, int*);

uid_t g_uid_base = 0;  // gen_ldif.py --uid-base: user i has uid g_uid_base + i

std::uint64_t now_ns(clockid_t clock = CLOCK_MONOTONIC) {
    timespec ts;
    clock_gettime(clock, &ts);
    return std::uint64_t(ts.tv_sec) * 1000000000ULL + std::uint64_t(ts.tv_nsec);
}

std::string user_name(std::uint32_t i) {
    char b[24];
    std::snprintf(b, sizeof b, "user%05u", i);
    return b;
}

void* sym(void* h, const std::string& prefix, const char* op) {
    void* f = dlsym(h, ("_nss_" + prefix + "_" + op).c_str());
    if (f == nullptr) {
        std::fprintf(stderr, "bench_ldap_nss: _nss_%s_%s missing\n", prefix.c_str(), op);
        std::exit(1);
    }
    return f;
}

struct Module {
    SetPwEnt set;
    GetPwEnt get;
    EndPwEnt end;
    GetPwNam nam;
    GetPwUid uid;
};

// The directory's users an enumeration lists (names user…, uid above g_uid_base).
std::uint32_t enumerate(const Module& m, std::vector<char>& buf) {
    std::uint32_t n = 0;
    if (m.set(0) != NSS_STATUS_SUCCESS) return 0;
    passwd pw;
    int err = 0;
    for (;;) {
        nss_status st = m.get(&pw, buf.data(), buf.size(), &err);
        if (st != NSS_STATUS_SUCCESS) break;
        if (pw.pw_uid > g_uid_base && std::strncmp(pw.pw_name, "user", 4) == 0) ++n;
    }
    m.end();
    return n;
}

void lookups(const Module& m, const char* name, std::uint32_t users, std::size_t samples,
             std::vector<char>& buf) {
    bench::Rng rng{7};
    std::vector<std::uint32_t> keys(samples);
    for (auto& k : keys) k = 1 + rng.below(users);
    for (const char* op : {"getpwnam_r", "getpwuid_r"}) {
        const bool by_name = op[5] == 'n';
        for (const char* pass : {"first", "again"}) {
            std::vector<std::uint64_t> t;
            std::size_t bad = 0;
            for (std::uint32_t k : keys) {
                const std::string want = user_name(k);
                passwd pw;
                int err = 0;
                const std::uint64_t t0 = now_ns();
                nss_status st = by_name ? m.nam(want.c_str(), &pw, buf.data(), buf.size(), &err)
                                        : m.uid(g_uid_base + k, &pw, buf.data(), buf.size(), &err);
                t.push_back(now_ns() - t0);
                bad += !(st == NSS_STATUS_SUCCESS && pw.pw_uid == g_uid_base + k && want == pw.pw_name);
            }
            std::sort(t.begin(), t.end());
            std::printf("lookup %s %u %s %s %llu %llu %zu %zu\n", name, users, op, pass,
                        static_cast<unsigned long long>(t[t.size() / 2]),
                        static_cast<unsigned long long>(t[t.size() * 99 / 100]), t.size(), bad);
            std::fflush(stdout);
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::uint64_t since = now_ns(CLOCK_REALTIME);
    std::string so, prefix;
    std::uint32_t users = 0;
    double wait_s = 0;
    std::size_t samples = 2000;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i], v = argv[i + 1];
        if (a == "--so")
            so = v;
        else if (a == "--prefix")
            prefix = v;
        else if (a == "--users")
            users = static_cast<std::uint32_t>(std::strtoul(v.c_str(), nullptr, 10));
        else if (a == "--wait-s")
            wait_s = std::strtod(v.c_str(), nullptr);
        else if (a == "--uid-base")
            g_uid_base = static_cast<uid_t>(std::strtoul(v.c_str(), nullptr, 10));
        else if (a == "--since")
            since = std::strtoull(v.c_str(), nullptr, 10);
        else if (a == "--samples")
            samples = std::strtoul(v.c_str(), nullptr, 10);
        else
            so.clear();
    }
    if (so.empty() || prefix.empty() || users == 0 || g_uid_base == 0 || argc % 2 != 1) {
        std::fprintf(stderr,
                     "usage: bench_ldap_nss --so PATH --prefix P --users N --uid-base B [--since EPOCH_NS] "
                     "[--wait-s S] "
                     "[--samples K]\n");
        return 2;
    }
    void* h = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (h == nullptr) {
        std::fprintf(stderr, "bench_ldap_nss: %s\n", dlerror());
        return 1;
    }
    const Module m{reinterpret_cast<SetPwEnt>(sym(h, prefix, "setpwent")),
                   reinterpret_cast<GetPwEnt>(sym(h, prefix, "getpwent_r")),
                   reinterpret_cast<EndPwEnt>(sym(h, prefix, "endpwent")),
                   reinterpret_cast<GetPwNam>(sym(h, prefix, "getpwnam_r")),
                   reinterpret_cast<GetPwUid>(sym(h, prefix, "getpwuid_r"))};
    std::vector<char> buf(1u << 20);
    const char* name = prefix.c_str();

    // Until every user is listed: how long after the daemon (started just before) they all resolve.
    const std::uint64_t deadline = now_ns(CLOCK_REALTIME) + static_cast<std::uint64_t>(wait_s * 1e9);
    std::uint32_t listed = 0;
    for (;;) {
        listed = enumerate(m, buf);
        if (listed >= users || now_ns(CLOCK_REALTIME) >= deadline) break;
        timespec pause{0, 200000000};
        nanosleep(&pause, nullptr);
    }
    if (listed >= users)
        std::printf("resolved %s %u %llu %u\n", name, users,
                    static_cast<unsigned long long>((now_ns(CLOCK_REALTIME) - since) / 1000000), listed);
    else
        std::printf("resolved %s %u timeout %u\n", name, users, listed);
    std::fflush(stdout);
    if (listed < users) return 1;
    if (samples == 0) return 0;  // --samples 0: only the wait

    const std::uint64_t t0 = now_ns();
    listed = enumerate(m, buf);
    std::printf("enumerate %s %u %llu %u\n", name, users,
                static_cast<unsigned long long>((now_ns() - t0) / 1000000), listed);
    std::fflush(stdout);
    lookups(m, name, users, std::min<std::size_t>(samples, users), buf);
    return 0;
}
