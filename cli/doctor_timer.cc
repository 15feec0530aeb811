// SPDX-License-Identifier: Apache-2.0
// doctor_timer.cc — how often the sync runs, read from what runs it: dirbind-sync.timer as
// systemd assembles it (the first unit file on the unit search path, then its drop-ins), or the
// cron line of hosts without systemd. The cache's freshness is judged against that.
#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>

#include "doctor_host.h"

namespace dirbind::cli {
namespace {

// systemd's unit search path for the system manager, highest priority first.
const char* const kUnitDirs[] = {"/etc/systemd/system", "/run/systemd/system",
                                 "/usr/local/lib/systemd/system", "/usr/lib/systemd/system",
                                 "/lib/systemd/system"};
constexpr const char* kTimer = "dirbind-sync.timer";

std::string trim(const std::string& s) {
    std::size_t b = s.find_first_not_of(" \t\r"), e = s.find_last_not_of(" \t\r");
    return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// A systemd time span ("60", "5min", "1h 30min", "2m"): seconds, 0 when not understood.
std::uint64_t time_span(const std::string& text) {
    static const std::map<std::string, std::uint64_t> unit = {
        {"", 1},         {"s", 1},       {"sec", 1},       {"second", 1},    {"seconds", 1},
        {"m", 60},       {"min", 60},    {"minute", 60},   {"minutes", 60},  {"h", 3600},
        {"hr", 3600},    {"hour", 3600}, {"hours", 3600},  {"d", 86400},     {"day", 86400},
        {"days", 86400}, {"w", 604800},  {"week", 604800}, {"weeks", 604800}};
    std::uint64_t total = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
        if (i == text.size()) break;
        std::size_t d = i;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
        if (d == i || i - d > 9) return 0;
        std::uint64_t n = std::stoull(text.substr(d, i - d));
        while (i < text.size() && text[i] == ' ') ++i;
        std::size_t u = i;
        while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
        auto it = unit.find(text.substr(u, i - u));
        if (it == unit.end()) return 0;
        total += n * it->second;
    }
    return total;
}

// The period of an OnCalendar= expression in its usual forms: the shorthands, and
// "[date] H:M[:S]" where the smallest field that is not one fixed value is "*" or "x/N" and
// every field above it is "*". 0 when not understood (lists, ranges, weekdays, fixed dates).
std::uint64_t calendar_period(const std::string& spec) {
    static const std::map<std::string, std::uint64_t> shorthand = {{"minutely", 60},
                                                                   {"hourly", 3600},
                                                                   {"daily", 86400},
                                                                   {"weekly", 604800},
                                                                   {"monthly", 31 * 86400},
                                                                   {"quarterly", 92 * 86400},
                                                                   {"semiannually", 184 * 86400},
                                                                   {"yearly", 366 * 86400},
                                                                   {"annually", 366 * 86400}};
    auto it = shorthand.find(spec);
    if (it != shorthand.end()) return it->second;
    std::vector<std::string> w = words_of(spec);
    if (w.empty() || w.size() > 2) return 0;
    const std::string& date = w.size() == 2 ? w[0] : "*-*-*";
    const std::string& time = w.back();
    if (date != "*-*-*" || time.find(':') == std::string::npos) return 0;
    std::vector<std::string> f;  // hour, minute, second
    for (std::size_t b = 0;;) {
        std::size_t c = time.find(':', b);
        f.push_back(time.substr(b, c == std::string::npos ? std::string::npos : c - b));
        if (c == std::string::npos) break;
        b = c + 1;
    }
    if (f.size() == 2) f.push_back("00");
    if (f.size() != 3) return 0;
    const std::uint64_t scale[] = {3600, 60, 1};
    auto fixed = [](const std::string& s) {
        return !s.empty() && s.size() <= 2 && s.find_first_not_of("0123456789") == std::string::npos;
    };
    for (int k = 2; k >= 0; --k) {
        if (fixed(f[k])) continue;
        for (int above = 0; above < k; ++above)
            if (f[above] != "*") return 0;
        if (f[k] == "*") return scale[k];
        std::size_t slash = f[k].find('/');
        if (slash == std::string::npos || !(f[k].substr(0, slash) == "*" || fixed(f[k].substr(0, slash))))
            return 0;
        std::string step = f[k].substr(slash + 1);
        if (!fixed(step) || std::stoul(step) == 0) return 0;
        return std::stoul(step) * scale[k];
    }
    return 86400;  // every field fixed on every day
}

struct TimerLines {
    std::vector<std::pair<std::string, std::string>> entries;  // key, value in [Timer], in order
};

void read_timer_section(const std::string& path, TimerLines* out) {
    std::ifstream in(path);
    bool timer = false;
    for (std::string line; std::getline(in, line);) {
        line = trim(line);
        if (line.empty() || line[0] == '#' || line[0] == ';') continue;
        if (line[0] == '[') {
            timer = line == "[Timer]";
            continue;
        }
        std::size_t eq = line.find('=');
        if (timer && eq != std::string::npos)
            out->entries.push_back({trim(line.substr(0, eq)), trim(line.substr(eq + 1))});
    }
}

bool is_file(const std::string& p) {
    std::ifstream f(p);
    return static_cast<bool>(f);
}

SyncInterval from_systemd() {
    SyncInterval r;
    std::string unit;
    for (const char* d : kUnitDirs)
        if (unit.empty() && is_file(std::string(d) + "/" + kTimer)) unit = std::string(d) + "/" + kTimer;
    if (unit.empty()) return r;
    TimerLines t;
    read_timer_section(unit, &t);
    // Drop-ins: every NAME.conf of every dirbind-sync.timer.d, the one of the highest-priority
    // directory for each NAME, applied in NAME order.
    std::map<std::string, std::string> dropins;
    for (const char* d : kUnitDirs) {
        std::string dir = std::string(d) + "/" + kTimer + ".d";
        if (DIR* dp = ::opendir(dir.c_str())) {
            while (dirent* e = ::readdir(dp)) {
                std::string n = e->d_name;
                if (n.size() > 5 && n.substr(n.size() - 5) == ".conf" && !dropins.count(n))
                    dropins[n] = dir + "/" + n;
            }
            ::closedir(dp);
        }
    }
    std::string files = unit;
    for (const auto& [name, path] : dropins) {
        read_timer_section(path, &t);
        files += ", " + path;
    }
    std::uint64_t best = 0;
    std::string how;
    for (const auto& [key, value] : t.entries) {
        std::uint64_t s = 0;
        if (key == "OnCalendar" || key == "OnUnitActiveSec" || key == "OnUnitInactiveSec") {
            if (value.empty()) {  // an empty assignment resets every timer set so far
                best = 0;
                how.clear();
                continue;
            }
            s = key == "OnCalendar" ? calendar_period(value) : time_span(value);
            if (s == 0) {
                r.source = files + ": " + key + "=" + value + " is not a form dirbind understands";
                return r;
            }
            if (best == 0 || s < best) {
                best = s;
                how = key + "=" + value;
            }
        }
    }
    if (best == 0) {
        r.source = files + ": no repeating OnCalendar= or OnUnit*Sec=";
        return r;
    }
    r.seconds = best;
    r.known = true;
    r.source = files + ": " + how;
    return r;
}

// /etc/cron.d/dirbind: the minute field of its line ("*" or "*/N").
SyncInterval from_cron() {
    SyncInterval r;
    std::ifstream in("/etc/cron.d/dirbind");
    for (std::string line; std::getline(in, line);) {
        std::vector<std::string> w = words_of(line);
        if (w.size() < 7 || w[0][0] == '#' || w[0].find('=') != std::string::npos) continue;
        if (w[1] != "*" || w[2] != "*" || w[3] != "*" || w[4] != "*") continue;
        std::uint64_t m = w[0] == "*" ? 1 : w[0].rfind("*/", 0) == 0 ? time_span(w[0].substr(2)) : 0;
        if (m == 0) continue;
        r.seconds = m * 60;
        r.known = true;
        r.source = "/etc/cron.d/dirbind: " + w[0] + " * * * *";
        return r;
    }
    return r;
}

}  // namespace

SyncInterval sync_interval() {
    SyncInterval r = from_systemd();
    if (r.known) return r;
    if (::access("/run/systemd/system", F_OK) != 0) {
        SyncInterval c = from_cron();
        if (c.known) return c;
    }
    r.seconds = 60;
    if (r.source.empty()) r.source = std::string("no ") + kTimer + " unit file found";
    return r;
}

}  // namespace dirbind::cli
