// SPDX-License-Identifier: Apache-2.0
// sudo_report.cc — effective sudo rights from the cache, and the %group entries of the rule file
// (sudo_report.h).
#include "sudo_report.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <set>

#include "cache/cache_format.h"
#include "directory/model.h"
#include "directory/sudo_groups.h"
#include "directory/validate.h"
#include "system/log.h"

namespace dirbind::cli {
namespace {

bool has_gid(const UserView& u, std::uint32_t gid) {
    if (u.gid == gid) return true;
    for (std::uint32_t i = 0; i < u.ngids; ++i)
        if (u.gid_at(i) == gid) return true;
    return false;
}

// The gid that members of `g` get, or false when an opted-in local group does not exist.
bool gid_of(const Config& cfg, const SudoGroup& g, std::uint32_t* gid) {
    if (!g.existing_local_group) {
        *gid = g.gid;
        return true;
    }
    LocalAccounts local = read_local_accounts(cfg);
    auto it = local.groups.find(g.name);
    if (it == local.groups.end()) return false;
    *gid = it->second;
    return true;
}

bool holds(const Config& cfg, const UserView& u, const SudoGroup& g) {
    std::uint32_t gid = 0;
    return gid_of(cfg, g, &gid) && has_gid(u, gid);
}

constexpr std::size_t kMaxRuleFile = 1 << 20;

// The file's text, or "" with *problem set.
std::string read_rule_file(const std::string& path, std::string* problem) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        *problem = errno == ENOENT ? "is missing" : "cannot be read: " + errno_text(errno);
        return "";
    }
    std::string text;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            *problem = "cannot be read: " + errno_text(errno);
            break;
        }
        if (n == 0 || text.size() > kMaxRuleFile) break;
        text.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return text;
}

bool name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-' || c == '#';
}

// Every `%name` / `%#gid` outside comments and Defaults lines: the groups the file grants.
std::set<std::string> granted_groups(const std::string& text) {
    std::set<std::string> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        if (nl == std::string::npos) nl = text.size();
        std::string line = text.substr(pos, nl - pos);
        pos = nl + 1;
        std::size_t start = line.find_first_not_of(" \t");
        if (start == std::string::npos || line[start] == '#' || line.compare(start, 8, "Defaults") == 0)
            continue;
        for (std::size_t i = start; i < line.size(); ++i) {
            if (line[i] == '#') break;  // a comment (a `%#gid` is read whole below)
            if (line[i] != '%' || (i > 0 && line[i - 1] == '\\')) continue;
            std::size_t j = i + 1;
            while (j < line.size() && name_char(line[j])) ++j;
            if (j > i + 1) out.insert(line.substr(i + 1, j - i - 1));
            i = j - 1;
        }
    }
    return out;
}

}  // namespace

std::string effective_sudo(const Config& cfg, const UserView& u) {
    const auto value = static_cast<Sudo>(u.sudo);
    const SudoGroup* g = sudo_group_for(cfg, value);
    if (g == nullptr) return "no";
    const std::string said = std::string("(the directory says ") + to_string(value) + ", ";
    if (static_cast<UserState>(u.state) != UserState::active)
        return "no " + said + "but the account is " + to_string(static_cast<UserState>(u.state)) + ")";
    if (!holds(cfg, u, *g))
        return "no " + said + "but group " + g->name + " is not served: see dirbind check-config)";
    if (value == Sudo::nopasswd) return "yes, without password (group " + g->name + ")";
    if (!(u.flags & cachefmt::kUserHasPassword))
        return "no " + said +
               "but it holds no password hash for this user, so sudo cannot check one: give nopasswd, or use "
               "a source with password hashes)";
    return "yes, with password (group " + g->name + ")";
}

void count_sudo(const Config& cfg, const Pin& pin, unsigned long counts[2]) {
    counts[0] = counts[1] = 0;
    std::uint32_t gids[2] = {0, 0};
    bool usable[2] = {gid_of(cfg, cfg.sudo_groups.password, &gids[0]),
                      gid_of(cfg, cfg.sudo_groups.nopasswd, &gids[1])};
    UserView u;
    for (std::uint32_t i = 0; user_at(pin, i, &u) == Err::ok; ++i) {
        int k = static_cast<Sudo>(u.sudo) == Sudo::password   ? 0
                : static_cast<Sudo>(u.sudo) == Sudo::nopasswd ? 1
                                                              : -1;
        if (k >= 0 && usable[k] && static_cast<UserState>(u.state) == UserState::active &&
            has_gid(u, gids[k]) && (k == 1 || (u.flags & cachefmt::kUserHasPassword)))
            ++counts[k];
    }
}

std::vector<std::string> sudo_rule_warnings(const Config& cfg) {
    std::vector<std::string> out;
    const std::string& path = cfg.sudo_groups.rule_file;
    std::string problem;
    std::string text = read_rule_file(path, &problem);
    if (!problem.empty()) {
        out.push_back("the sudoers rule " + path + " " + problem +
                      ": the sudo groups grant nothing (reinstall the dirbind package, or write the rule: "
                      "docs/admin-guide.md, \"sudo and admin rights\")");
        return out;
    }
    const std::set<std::string> granted = granted_groups(text);
    for (const SudoGroup* g : {&cfg.sudo_groups.password, &cfg.sudo_groups.nopasswd}) {
        if (g->existing_local_group) continue;  // the host's own sudoers grants it
        if (granted.count(g->name) || granted.count("#" + std::to_string(g->gid))) continue;
        const char* key = g == &cfg.sudo_groups.password ? "sudo_groups.password" : "sudo_groups.nopasswd";
        out.push_back("the sudoers rule " + path + " does not name %" + g->name + " (" + key + " in " +
                      cfg.file + "): its members get no sudo from it");
    }
    return out;
}

}  // namespace dirbind::cli
