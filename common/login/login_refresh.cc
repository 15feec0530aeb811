// SPDX-License-Identifier: Apache-2.0
// login_refresh.cc — the refresh-user answer: written from a UserFetch, read back strictly.
#include "login/login_refresh.h"

#include "openssh/sshkey.h"
#include "system/error.h"
#include "system/log.h"

namespace dirbind {
namespace {

const char* yes_no(bool b) {
    return b ? "yes" : "no";
}

bool parse_yes_no(std::string_view v, bool* out) {
    if (v == "yes") return *out = true, true;
    if (v == "no") return *out = false, true;
    return false;
}

bool parse_state(std::string_view v, UserState* out) {
    for (UserState s :
         {UserState::active, UserState::suspended, UserState::locked, UserState::staged, UserState::expired})
        if (v == to_string(s)) return *out = s, true;
    return false;
}

}  // namespace

std::string format_refresh_verdict(const std::string& name, const UserFetch& f) {
    switch (f.kind) {
        case UserFetch::Kind::unchanged:
            return "unchanged\nend\n";
        case UserFetch::Kind::gone:
            return "gone\nend\n";
        case UserFetch::Kind::found:
            break;
    }
    std::string out = "user " + name + "\nstate " + to_string(f.user.state) + "\n";
    if (f.has_system)
        out += std::string("system password ") + yes_no(f.system.password_auth) + "\nsystem publickey " +
               yes_no(f.system.public_key_auth) + "\n";
    out += std::string("publickey ") + yes_no(f.user.public_key_auth) + "\n";
    std::size_t n = 0;
    for (const SshKey& k : f.user.ssh_keys) {
        if (n == kMaxRefreshKeys) break;
        PublicKey p = parse_public_key(k.line);  // validated by the sync's rules already
        std::string line = "key " + p.type + " " + p.base64 + "\n";
        // The module refuses an oversized answer; dropping keys can only deny more.
        if (out.size() + line.size() + 4 > kMaxRefreshAnswer) break;
        out += line;
        ++n;
    }
    return out + "end\n";
}

std::string parse_refresh_verdict(std::string_view text, const std::string& name, RefreshVerdict* out) {
    if (text.size() > kMaxRefreshAnswer)
        return "the answer is larger than " + std::to_string(kMaxRefreshAnswer) + " bytes";
    if (text.empty()) return "the answer is empty";
    if (text.back() != '\n') return "the answer does not end with a line break (cut short?)";
    RefreshVerdict v;
    bool kind_seen = false, state_seen = false, user_pk_seen = false, sys_pw = false, sys_pk = false,
         ended = false;
    std::size_t lineno = 0;
    while (!text.empty()) {
        std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl + 1);
        ++lineno;
        const std::string where = "line " + std::to_string(lineno) + ": ";
        if (ended) return where + "text after 'end'";
        for (unsigned char ch : line)
            if (ch < 0x20 || ch == 0x7f) return where + "control character";
        std::size_t sp = line.find(' ');
        std::string_view word = line.substr(0, sp);
        std::string_view rest = sp == std::string_view::npos ? std::string_view{} : line.substr(sp + 1);
        bool has_arg = sp != std::string_view::npos;
        if (!kind_seen) {
            kind_seen = true;
            if (line == "unchanged")
                v.kind = RefreshVerdict::Kind::unchanged;
            else if (line == "gone")
                v.kind = RefreshVerdict::Kind::gone;
            else if (word == "user" && has_arg) {
                if (rest != name)
                    return where + "the answer is about another user ('" + printable(rest, 40) + "')";
                v.kind = RefreshVerdict::Kind::found;
            } else
                return where + "expected 'unchanged', 'gone' or 'user NAME', got '" + printable(line, 40) +
                       "'";
            continue;
        }
        if (line == "end") {
            ended = true;
            continue;
        }
        if (v.kind != RefreshVerdict::Kind::found)
            return where + "expected 'end', got '" + printable(line, 40) + "'";
        if (word == "state" && has_arg) {
            if (state_seen) return where + "'state' given twice";
            if (!parse_state(rest, &v.state)) return where + "unknown state '" + printable(rest, 40) + "'";
            state_seen = true;
        } else if (word == "publickey" && has_arg) {
            if (user_pk_seen) return where + "'publickey' given twice";
            if (!parse_yes_no(rest, &v.user_publickey)) return where + "expected 'publickey yes|no'";
            user_pk_seen = true;
        } else if (word == "system" && has_arg) {
            std::size_t sp2 = rest.find(' ');
            std::string_view what = rest.substr(0, sp2);
            std::string_view val = sp2 == std::string_view::npos ? std::string_view{} : rest.substr(sp2 + 1);
            bool* seen = what == "password" ? &sys_pw : what == "publickey" ? &sys_pk : nullptr;
            bool* dest = what == "password" ? &v.system_password : &v.system_publickey;
            if (!seen) return where + "unknown system setting '" + printable(what, 40) + "'";
            if (*seen) return where + "'system " + std::string(what) + "' given twice";
            if (!parse_yes_no(val, dest)) return where + "expected 'system " + std::string(what) + " yes|no'";
            *seen = true;
        } else if (word == "key" && has_arg) {
            if (v.keys.size() == kMaxRefreshKeys)
                return where + "more than " + std::to_string(kMaxRefreshKeys) + " keys";
            try {
                PublicKey k = parse_public_key(rest);
                if (!k.comment.empty()) return where + "a key line carries a comment";
                v.keys.push_back(k.type + " " + k.base64);
            } catch (const Error& e) {
                return where + "bad key: " + e.what();
            }
        } else {
            return where + "unknown line '" + printable(line, 40) + "'";
        }
    }
    if (!ended) return "no 'end' line (cut short?)";
    if (v.kind == RefreshVerdict::Kind::found) {
        if (!state_seen) return "no 'state' line";
        if (!user_pk_seen) return "no 'publickey' line";
        if (sys_pw != sys_pk) return "'system password' and 'system publickey' go together";
        v.has_system = sys_pw;
    }
    *out = std::move(v);
    return "";
}

}  // namespace dirbind
