// SPDX-License-Identifier: Apache-2.0
// gen_data.cc — writes one benchmark population (bench_data.h) in every form the benchmark
// reads: the directory document for `dirbind sync` (JSON), the same users and groups as
// passwd/group files for nss_files, and libnss-cache's sorted index files beside them.
//
// Usage: gen_data N OUTDIR [HOME_BASE]  →  OUTDIR/{directory.json, passwd, group,
//        passwd.ixname, passwd.ixuid, group.ixname, group.ixgid}
// Homes are HOME_BASE/<name> (default /home) in passwd; the dirbind config must use the same
// template (`home: HOME_BASE/%u`), so that every module serves the same entries.
//
// Every user has a private primary group (gid = uid, synthesized by dirbind, a line of its
// own in `group`), one distinct ed25519 key, and kGroupsPerUser shared groups; user 1 is in
// groups 1..kHeavyGroups. Output is deterministic (fixed seed), so runs compare.
#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "bench_data.h"

namespace {

using bench::Rng;

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "gen_data: %s: %s\n", what.c_str(), std::strerror(errno));
    std::exit(1);
}

// A buffered output file that dies on any write error and knows its current offset.
class Out {
public:
    explicit Out(const std::string& path) : path_(path), f_(std::fopen(path.c_str(), "w")) {
        if (f_ == nullptr) die("cannot create " + path);
        buf_.reserve(1 << 20);
    }
    ~Out() { close(); }
    Out(const Out&) = delete;
    Out& operator=(const Out&) = delete;
    void put(const std::string& s) { put(s.data(), s.size()); }
    void put(const char* s, std::size_t n) {
        buf_.append(s, n);
        off_ += n;
        if (buf_.size() >= (1 << 20)) flush();
    }
    std::uint64_t offset() const { return off_; }
    void close() {
        if (f_ == nullptr) return;
        flush();
        if (std::fclose(f_) != 0) die("cannot write " + path_);
        f_ = nullptr;
    }

private:
    void flush() {
        if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), f_) != buf_.size())
            die("cannot write " + path_);
        buf_.clear();
    }
    std::string path_;
    std::FILE* f_;
    std::string buf_;
    std::uint64_t off_ = 0;
};

// printf into `out`; dies rather than write a truncated line.
[[gnu::format(printf, 2, 3)]] void putf(Out& out, const char* fmt, ...) {
    char buf[2048];
    std::va_list ap;
    va_start(ap, fmt);
    int n = std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0 || std::size_t(n) >= sizeof buf) {
        errno = EOVERFLOW;
        die("generated line too long");
    }
    out.put(buf, std::size_t(n));
}

std::string base64(const unsigned char* p, std::size_t n) {
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (std::size_t i = 0; i < n; i += 3) {
        std::uint32_t v = std::uint32_t(p[i]) << 16;
        if (i + 1 < n) v |= std::uint32_t(p[i + 1]) << 8;
        if (i + 2 < n) v |= p[i + 2];
        out += t[v >> 18 & 63];
        out += t[v >> 12 & 63];
        out += i + 1 < n ? t[v >> 6 & 63] : '=';
        out += i + 2 < n ? t[v & 63] : '=';
    }
    return out;
}

// An OpenSSH ed25519 public key line with 32 random key bytes: structurally what
// ssh-keygen writes (string "ssh-ed25519", string key), distinct per user.
std::string ed25519_key(Rng& rng, const std::string& comment) {
    unsigned char blob[4 + 11 + 4 + 32] = {0,   0,   0,   11,  's', 's', 'h', '-', 'e', 'd',
                                           '2', '5', '5', '1', '9', 0,   0,   0,   32};
    for (std::size_t i = 19; i < sizeof blob; i += 8) {
        std::uint64_t r = rng.next();
        for (std::size_t k = 0; k < 8 && i + k < sizeof blob; ++k)
            blob[i + k] = static_cast<unsigned char>(r >> (8 * k));
    }
    return "ssh-ed25519 " + base64(blob, sizeof blob) + " " + comment;
}

// libnss-cache's index (nss_cache.c, _nss_cache_bsearch2): fixed-width lines
// "key\0offset\0" NUL-padded to the widest entry, each ended by '\n', sorted by strcmp() of
// the key; offset is where the entry's line starts in the indexed passwd/group file.
void write_index(const std::string& path, std::vector<std::pair<std::string, std::uint64_t>> entries) {
    std::sort(entries.begin(), entries.end());  // std::string compares bytes as unsigned, like strcmp
    std::size_t width = 0;
    std::vector<std::string> offs;
    offs.reserve(entries.size());
    for (const auto& [key, off] : entries) {
        offs.push_back(std::to_string(off));
        width = std::max(width, key.size() + 1 + offs.back().size() + 1);
    }
    Out out(path);
    std::string line;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        line.assign(entries[i].first);
        line += '\0';
        line += offs[i];
        line.resize(width, '\0');
        line += '\n';
        out.put(line);
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3 && argc != 4) {
        std::fprintf(stderr, "usage: gen_data N OUTDIR [HOME_BASE]\n");
        return 2;
    }
    char* end = nullptr;
    unsigned long n = std::strtoul(argv[1], &end, 10);
    if (*end != '\0' || n < bench::kHeavyGroups || n > 9999999) {
        std::fprintf(stderr, "gen_data: N must be %u..9999999\n", bench::kHeavyGroups);
        return 2;
    }
    const std::uint32_t users = static_cast<std::uint32_t>(n), ngroups = bench::group_count(users);
    const std::string dir = argv[2], home_base = argc == 4 ? argv[3] : "/home";
    Rng rng{1};

    // Memberships first: the JSON lists them per user, the group file per group.
    std::vector<std::vector<std::uint32_t>> user_groups(users + 1), members(ngroups + 1);
    for (std::uint32_t k = 1; k <= users; ++k) {
        auto& g = user_groups[k];
        if (k == bench::kHeavyUser) {
            for (std::uint32_t i = 1; i <= bench::kHeavyGroups; ++i) g.push_back(i);
        } else {
            while (g.size() < bench::kGroupsPerUser) {
                std::uint32_t c = 1 + rng.below(ngroups);
                if (std::find(g.begin(), g.end(), c) == g.end()) g.push_back(c);
            }
            std::sort(g.begin(), g.end());
        }
        for (std::uint32_t i : g) members[i].push_back(k);
    }

    Out json(dir + "/directory.json"), passwd(dir + "/passwd");
    std::vector<std::pair<std::string, std::uint64_t>> by_name, by_uid;
    by_name.reserve(users);
    by_uid.reserve(users);
    json.put(
        R"({"version":1,"system":{"password_auth":false,"public_key_auth":true,"root_login":false,"mfa":false},)"
        "\n\"users\":[\n");
    for (std::uint32_t k = 1; k <= users; ++k) {
        const std::string name = bench::user_name(k);
        const std::uint32_t uid = bench::kUidBase + k;
        by_name.emplace_back(name, passwd.offset());
        by_uid.emplace_back(std::to_string(uid), passwd.offset());
        putf(passwd, "%s:x:%u:%u:Bench User %07u:%s/%s:/bin/bash\n", name.c_str(), uid, uid, k,
             home_base.c_str(), name.c_str());
        putf(json,
             R"(%s{"name":"%s","uid":%u,"gid":%u,"gecos":"Bench User %07u","state":"active",)"
             R"("public_key_auth":true,"sudo":"none","ssh_keys":[{"name":"laptop","key":"%s"}],"groups":[)",
             k == 1 ? "" : ",\n", name.c_str(), uid, uid, k, ed25519_key(rng, name + "@bench").c_str());
        for (std::size_t i = 0; i < user_groups[k].size(); ++i) {
            json.put(i ? ",\"" : "\"", i ? 2 : 1);
            json.put(bench::group_name(user_groups[k][i]));
            json.put("\"", 1);
        }
        json.put("]}", 2);
    }
    json.put("\n],\n\"groups\":[\n");
    for (std::uint32_t g = 1; g <= ngroups; ++g) {
        putf(json, R"(%s{"name":"%s","gid":%u})", g == 1 ? "" : ",\n", bench::group_name(g).c_str(),
             bench::kGidBase + g);
    }
    json.put("\n]}\n");
    json.close();
    passwd.close();

    // group: the shared groups with their members, then every user's private group.
    Out group(dir + "/group");
    std::vector<std::pair<std::string, std::uint64_t>> gr_name, gr_gid;
    std::string line;
    for (std::uint32_t g = 1; g <= ngroups; ++g) {
        gr_name.emplace_back(bench::group_name(g), group.offset());
        gr_gid.emplace_back(std::to_string(bench::kGidBase + g), group.offset());
        line = bench::group_name(g) + ":x:" + std::to_string(bench::kGidBase + g) + ":";
        for (std::size_t i = 0; i < members[g].size(); ++i) {
            if (i) line += ',';
            line += bench::user_name(members[g][i]);
        }
        line += '\n';
        group.put(line);
    }
    for (std::uint32_t k = 1; k <= users; ++k) {
        gr_name.emplace_back(bench::user_name(k), group.offset());
        gr_gid.emplace_back(std::to_string(bench::kUidBase + k), group.offset());
        line = bench::user_name(k) + ":x:" + std::to_string(bench::kUidBase + k) + ":\n";
        group.put(line);
    }
    group.close();

    // Indexes last: libnss-cache refuses an index older than the file it indexes.
    write_index(dir + "/passwd.ixname", std::move(by_name));
    write_index(dir + "/passwd.ixuid", std::move(by_uid));
    write_index(dir + "/group.ixname", std::move(gr_name));
    write_index(dir + "/group.ixgid", std::move(gr_gid));
    return 0;
}
