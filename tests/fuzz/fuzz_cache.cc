// SPDX-License-Identifier: Apache-2.0
// fuzz_cache.cc — libFuzzer target: any bytes as identity.db or secrets.db must give
// "unavailable", "not found" or consistent answers through every lookup, never a crash.
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "cache/cache_format.h"
#include "cache/cache_reader.h"

using namespace dirbind;

namespace {
std::string g_dir;

void exercise(std::uint32_t kind) {
    ScopedCache cache(g_dir.c_str(), kind);
    Pin pin;
    if (pin.acquire(cache.get()) != Err::ok) return;
    UserView u;
    GroupView g;
    SecretView s;
    std::size_t pos;
    for (std::uint32_t i = 0; i < 64; ++i) {
        if (user_at(pin, i, &u) == Err::ok) {
            pos = 0;
            while (next_string(u.keys, &pos)) {
            }
            for (std::uint32_t k = 0; k < u.ngids; ++k) (void)u.gid_at(k);
            UserView again;
            if (find_user(pin, u.name, &again) == Err::ok && strcmp(again.name, u.name) != 0) abort();
        }
        if (group_at(pin, i, &g) == Err::ok) {
            pos = 0;
            while (next_string(g.members, &pos)) {
            }
        }
        (void)secret_at(pin, i, &s);
    }
    for (const char* n : {"alice", "bob", "root", "a"}) {
        (void)find_user(pin, n, &u);
        (void)find_group(pin, n, &g);
        (void)find_secret(pin, n, &s);
    }
    for (std::uint32_t id : {0u, 1000u, 5001u, 6001u}) {
        if (find_user(pin, id, &u) == Err::ok && u.uid != id) abort();
        if (find_group(pin, id, &g) == Err::ok && g.gid != id) abort();
    }
}

void put(const std::string& name, const std::uint8_t* data, std::size_t size, mode_t mode) {
    std::string path = g_dir + "/" + name;
    unlink(path.c_str());
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd < 0) abort();
    if (size && write(fd, data, size) != static_cast<ssize_t>(size)) abort();
    close(fd);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (g_dir.empty()) {
        char tmpl[] = "/tmp/fuzz-cache.XXXXXX";
        if (!mkdtemp(tmpl)) abort();
        g_dir = tmpl;
    }
    put("identity.db", data, size, 0644);
    put("secrets.db", data, size, 0600);
    exercise(cachefmt::kIdentity);
    exercise(cachefmt::kSecrets);
    return 0;
}
