// SPDX-License-Identifier: Apache-2.0
// doctor_pam.cc — `dirbind doctor`'s PAM check: a service's stacks read and followed as libpam
// runs them (Linux-PAM's pam_handlers.c and pam_dispatch.c), so that a pam_dirbind.so line
// that a jump or a `done` before it can skip is not taken for one that works.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <optional>
#include <set>

#include "doctor_host.h"
#include "system/log.h"

namespace dirbind::cli {
namespace {

struct PamEntry {
    std::string control, module, file;
    int line = 0;
    bool substack = false;
    std::vector<PamEntry> sub;  // a substack's entries of the same type
};

const char* const kTypes[] = {"auth", "account", "session", "password"};

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string base_name(const std::string& module) {
    std::size_t slash = module.rfind('/');
    return module.substr(slash == std::string::npos ? 0 : slash + 1);
}

class Reader {
public:
    explicit Reader(std::string dir) : dir_(std::move(dir)) {}

    // The `type` entries of the service file `name`, as libpam builds them: '#' comments, '\'
    // continuations, a leading '-' on the type, bracketed controls with spaces, "@include" and
    // "include" inlined (jumps count across them), "substack" nested (one entry for the jumps
    // around it; its own jumps and `done` stay inside it).
    void read(const std::string& name, const std::string& type, int depth, std::vector<PamEntry>* out) {
        std::string path = !name.empty() && name[0] == '/' ? name : dir_ + "/" + name;
        if (depth > 8) return problem(path + ": includes nested too deeply");
        std::ifstream in(path);
        if (!in) return problem(path + ": cannot read it");
        std::string line, acc;
        int no = 0, start = 0;
        while (std::getline(in, line)) {
            ++no;
            if (acc.empty()) start = no;
            if (!line.empty() && line.back() == '\\') {
                acc += line.substr(0, line.size() - 1) + " ";
                continue;
            }
            acc += line;
            std::vector<std::string> w = words_of(acc.substr(0, acc.find('#')));
            acc.clear();
            if (w.empty()) continue;
            if (w[0] == "@include") {
                if (w.size() > 1) read(w[1], type, depth + 1, out);
                continue;
            }
            std::string where = path + ":" + std::to_string(start);
            std::string t = lower(w[0][0] == '-' ? w[0].substr(1) : w[0]);
            if (std::find(std::begin(kTypes), std::end(kTypes), t) == std::end(kTypes)) {
                problem(where + ": unknown type \"" + printable(w[0], 40) +
                        "\": libpam logs \"illegal module type\" and installs a line that always fails");
                continue;
            }
            if (t != type) continue;
            PamEntry e;
            e.file = path;
            e.line = start;
            std::size_t i = 1;
            if (i < w.size() && w[i][0] == '[') {
                std::string ctl = w[i];
                while (ctl.back() != ']' && ++i < w.size()) ctl += " " + w[i];
                e.control = ctl;
            } else if (i < w.size()) {
                e.control = lower(w[i]);
            }
            if (++i < w.size()) e.module = w[i];
            if (e.control == "include") {
                if (!e.module.empty()) read(e.module, type, depth + 1, out);
                continue;
            }
            if (e.control == "substack") {
                e.substack = true;
                if (!e.module.empty()) read(e.module, type, depth + 1, &e.sub);
            }
            out->push_back(std::move(e));
        }
    }

    const std::vector<std::string>& problems() const { return problems_; }

private:
    void problem(const std::string& p) {
        if (seen_.insert(p).second) problems_.push_back(p);
    }
    std::string dir_;
    std::set<std::string> seen_;
    std::vector<std::string> problems_;
};

// The return values a control names, plus those every module can return.
std::vector<std::string> values_of(const std::string& control) {
    std::vector<std::string> v = {"success", "new_authtok_reqd", "ignore", "default"};
    if (control.empty() || control[0] != '[') return v;
    for (const std::string& w : words_of(control.substr(1, control.size() - 2))) {
        std::string k = lower(w.substr(0, w.find('=')));
        if (std::find(v.begin(), v.end(), k) == v.end()) v.push_back(k);
    }
    return v;
}

// libpam's action for a module returning `value` under `control`: ok, ignore, bad, die, done,
// reset or a jump count. In brackets an unnamed value takes `default`, and `default` unnamed is
// bad; an unknown keyword makes the line fail.
std::string action(const std::string& control, const std::string& value) {
    bool good = value == "success" || value == "new_authtok_reqd";
    if (control == "required") return good ? "ok" : value == "ignore" ? "ignore" : "bad";
    if (control == "requisite") return good ? "ok" : value == "ignore" ? "ignore" : "die";
    if (control == "sufficient") return good ? "done" : "ignore";
    if (control == "optional") return good ? "ok" : "ignore";
    if (control.empty() || control[0] != '[') return "bad";
    std::map<std::string, std::string> a;
    for (const std::string& w : words_of(control.substr(1, control.size() - 2))) {
        std::size_t eq = w.find('=');
        if (eq != std::string::npos) a[lower(w.substr(0, eq))] = lower(w.substr(eq + 1));
    }
    if (a.count(value)) return a[value];
    return a.count("default") ? a["default"] : "bad";
}

bool is_jump(const std::string& a) {
    return !a.empty() && a.find_first_not_of("0123456789") == std::string::npos;
}

struct Skip {
    const PamEntry* by = nullptr;
    std::string value;
    bool ends = false;  // the stack ends there; else a jump lands after the line
};

// What can keep entry `i` of `list` from running once the list runs: an earlier entry whose
// jump lands after it, or that ends the list with `done` on a value that is not a failure.
std::optional<Skip> skipped(const std::vector<PamEntry>& list, std::size_t i) {
    for (std::size_t j = 0; j < i; ++j) {
        for (const std::string& value : values_of(list[j].control)) {
            std::string a = action(list[j].control, value);
            if (is_jump(a) && a.size() < 4 && j + std::stoul(a) >= i) return Skip{&list[j], value, false};
            if (a == "done" && (value == "success" || value == "new_authtok_reqd" || value == "ignore"))
                return Skip{&list[j], value, true};
        }
    }
    return std::nullopt;
}

struct Found {
    const PamEntry* entry;
    std::optional<Skip> skip;  // the first thing that can skip it, at any substack level
};

void find_dirbind(const std::vector<PamEntry>& list, const std::optional<Skip>& outer,
                  std::vector<Found>* out) {
    for (std::size_t i = 0; i < list.size(); ++i) {
        std::optional<Skip> s = outer ? outer : skipped(list, i);
        if (list[i].substack)
            find_dirbind(list[i].sub, s, out);
        else if (base_name(list[i].module) == "pam_dirbind.so")
            out->push_back(Found{&list[i], s});
    }
}

std::string at(const PamEntry& e) {
    return e.file + ":" + std::to_string(e.line);
}

// The failure pam_dirbind.so answers in `type` must stop the login.
bool can_refuse(const std::string& control, int t) {
    const char* value[] = {"auth_err", "perm_denied", "session_err", "authtok_err"};
    std::string a = action(control, value[t]);
    return a == "bad" || a == "die";
}

const char* const kRole[] = {"directory passwords and verification codes are not checked",
                             "user state, login methods, revoked keys and the root rule are not enforced",
                             "homes and ~/.ssh/authorized_keys are not created or rebuilt at login",
                             "directory users are not told to change their password in the directory"};
const char* const kLine[] = {"auth [success=done ignore=ignore default=die] pam_dirbind.so",
                             "account requisite pam_dirbind.so", "session requisite pam_dirbind.so",
                             "password requisite pam_dirbind.so"};

// One type of one stack. `common`: a common-<type> file judged for the other services, where a
// missing module is a warning (docs/pam.md puts the lines in either place).
void judge(const std::string& stackname, int t, const std::vector<PamEntry>& stack, bool common, Report* r) {
    const std::string type = kTypes[t];
    const char* id = common ? "pam.common" : "pam.stack";
    std::vector<Found> found;
    find_dirbind(stack, std::nullopt, &found);
    if (found.empty()) {
        if (common)
            r->add("host", id, Level::warn,
                   stackname +
                       ": pam_dirbind.so is not in it: for sudo, su, login and the other services "
                       "that include it, " +
                       kRole[t],
                   std::string("pam-auth-update --enable dirbind") + (t == 3 ? " dirbind-password" : "") +
                       ", or add \"" + kLine[t] + "\" to " + stackname + " (docs/pam.md)");
        else
            r->add("host", id, Level::fail,
                   stackname + ": pam_dirbind.so is not in the " + type +
                       " stack (includes followed): " + kRole[t],
                   std::string("add \"") + kLine[t] + "\" before \"@include common-" + type + "\" in " +
                       stackname + " (docs/pam.md)");
        return;
    }
    const Found* works = nullptr;
    for (const Found& f : found)
        if (!f.skip && works == nullptr) works = &f;
    if (works == nullptr) {
        const Found& f = found.front();
        const Skip& s = *f.skip;
        r->add("host", id, Level::fail,
               at(*f.entry) + ": pam_dirbind.so does not always run in the " + type +
                   " stack: " + base_name(s.by->module) + " (" + s.by->control + ", " + at(*s.by) + ") " +
                   (s.ends ? "ends the stack" : "jumps over it") + " when it returns " + s.value + "; then " +
                   kRole[t],
               "move the pam_dirbind.so line before " + base_name(s.by->module) + " (" + at(*s.by) +
                   "), as docs/pam.md shows");
        return;
    }
    const PamEntry& e = *works->entry;
    if (t < 3 && !can_refuse(e.control, t)) {
        r->add("host", id, Level::fail,
               at(e) + ": " + type + " control \"" + e.control +
                   "\" lets a refusal of pam_dirbind.so pass: " + kRole[t],
               std::string("use \"") + kLine[t] + "\"");
        return;
    }
    bool twice = !common && found.size() > 1;
    r->add("host", id, twice ? Level::warn : Level::ok,
           at(e) + ": pam_dirbind.so in the " + type + " stack (" + e.control + ")" +
               (twice ? "; listed " + std::to_string(found.size()) + " times: it runs more than once" : ""),
           twice ? "keep it in " + stackname + " or in the common-* files, not both" : "");
}

}  // namespace

void check_pam(const std::string& service, Report* r) {
    std::string dir = env_or("DIRBIND_PAM_DIR", "/etc/pam.d");
    Reader reader(dir);
    std::vector<PamEntry> stacks[4];
    for (int t = 0; t < 4; ++t) reader.read(service, kTypes[t], 0, &stacks[t]);
    for (const auto& p : reader.problems()) r->add("host", "pam.read", Level::fail, p);
    for (int t = 0; t < 4; ++t) judge(dir + "/" + service, t, stacks[t], false, r);
    // The other services (sudo, su, login) reach the module through the common-* files.
    for (int t = 0; t < 4; ++t) {
        std::string name = std::string("common-") + kTypes[t];
        if (::access((dir + "/" + name).c_str(), F_OK) != 0) continue;
        Reader common(dir);
        std::vector<PamEntry> stack;
        common.read(name, kTypes[t], 0, &stack);
        judge(dir + "/" + name, t, stack, true, r);
    }
}

}  // namespace dirbind::cli
