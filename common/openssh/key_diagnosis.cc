// SPDX-License-Identifier: Apache-2.0
// key_diagnosis.cc — telling a private key or a damaged paste from a public key (key_diagnosis.h).
#include "openssh/key_diagnosis.h"

#include <vector>

#include "system/error.h"

namespace dirbind {
namespace {

std::string_view trim(std::string_view s) {
    const char* ws = " \t\r\n";
    std::size_t b = s.find_first_not_of(ws);
    if (b == std::string_view::npos) return {};
    return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

std::vector<std::string_view> lines_of(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t pos = 0;
    while (pos <= s.size()) {
        std::size_t nl = s.find('\n', pos);
        std::string_view line =
            trim(s.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos));
        if (!line.empty()) out.push_back(line);
        if (nl == std::string_view::npos) break;
        pos = nl + 1;
    }
    return out;
}

PastedKey damaged(std::string problem) {
    PastedKey p;
    p.kind = PastedKind::damaged;
    p.problem = std::move(problem);
    return p;
}

bool try_parse(std::string_view text, PublicKey* out, std::string* why) {
    try {
        *out = parse_public_key(text);
        return true;
    } catch (const Error& e) {
        if (why != nullptr) *why = e.what();
        return false;
    }
}

// The parser's reason, with the copy-paste accident it usually means.
std::string explain(std::string_view line, const std::string& why) {
    std::size_t sp = line.find(' ');
    std::string_view b64 = sp == std::string_view::npos ? std::string_view{} : trim(line.substr(sp + 1));
    b64 = b64.substr(0, b64.find(' '));
    if (why == "base64 does not decode" && !b64.empty()) {
        if (b64.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") !=
            std::string_view::npos)
            return "the base64 part contains characters base64 does not use (an edited or mangled key)";
        if (b64.size() % 4 != 0)
            return "the base64 part is " + std::to_string(b64.size()) +
                   " characters, not a multiple of 4: the key was cut short (truncated when copied)";
        return "the base64 part does not decode: the key was altered";
    }
    if (why.find("truncated") != std::string::npos)
        return "the key ends early (" + why + "): truncated when copied";
    if (why.find("options") != std::string::npos)
        return "authorized_keys options are glued in front of the key (" + why +
               "); give only \"type base64 [comment]\"";
    return why;
}

}  // namespace

PastedKey diagnose_pasted_key(std::string_view text) {
    std::string_view t = trim(text);
    if (t.empty()) return damaged("no key given (empty input)");
    bool private_marker =
        t.find("PRIVATE KEY-----") != std::string_view::npos || t.substr(0, 19) == "PuTTY-User-Key-File";
    if (private_marker) {
        PastedKey p;
        p.kind = PastedKind::private_key;
        p.problem =
            "this is a PRIVATE key: it must never be pasted anywhere or shared; give the public key "
            "instead (the .pub file, or `ssh-keygen -y -f KEYFILE`)";
        return p;
    }
    std::vector<std::string_view> lines = lines_of(t);
    PastedKey p;
    std::string why;
    if (lines.size() == 1) {
        if (try_parse(lines[0], &p.key, &why)) {
            p.kind = PastedKind::public_key;
            return p;
        }
        return damaged(explain(lines[0], why));
    }
    // Several lines: one key broken by line breaks, or several keys.
    std::size_t keys = 0;
    for (std::string_view l : lines) keys += try_parse(l, &p.key, nullptr) ? 1 : 0;
    if (keys == lines.size()) return damaged(std::to_string(keys) + " keys given; give one key per check");
    std::string joined;
    for (std::string_view l : lines) joined += l;
    std::string spaced;  // a break where a space was
    for (std::string_view l : lines) spaced += (spaced.empty() ? "" : " ") + std::string(l);
    if (try_parse(joined, &p.key, nullptr) || try_parse(spaced, &p.key, nullptr))
        return damaged("the key is split over " + std::to_string(lines.size()) +
                       " lines (line breaks inserted when copied); it must be one line");
    if (t.find("---- BEGIN SSH2 PUBLIC KEY") != std::string_view::npos ||
        t.find("-----BEGIN") != std::string_view::npos) {
        try_parse(t, &p.key, &why);
        return damaged(why);
    }
    try_parse(joined, &p.key, &why);
    return damaged("the key is split over " + std::to_string(lines.size()) +
                   " lines and, joined, still damaged: " + explain(joined, why));
}

}  // namespace dirbind
