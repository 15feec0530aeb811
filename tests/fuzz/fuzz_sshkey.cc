// SPDX-License-Identifier: Apache-2.0
// fuzz_sshkey.cc — libFuzzer target for sshkey.h: no crash, and parse(to_line(k)) == k.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "openssh/sshkey.h"
#include "system/error.h"

namespace {

bool same(const dirbind::PublicKey& a, const dirbind::PublicKey& b) {
    return a.type == b.type && a.base64 == b.base64 && a.blob == b.blob && a.comment == b.comment;
}

// parse(to_line(k)) == k, and to_line is one line without control characters.
void round_trip(const dirbind::PublicKey& k) {
    std::string line = dirbind::to_line(k);
    for (char c : line)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) std::abort();
    dirbind::PublicKey again = dirbind::parse_public_key(line);
    if (!same(k, again) || dirbind::to_line(again) != line) std::abort();
    std::string fp = dirbind::fingerprint(k);
    if (fp.size() != 7 + 43 || fp.compare(0, 7, "SHA256:") != 0) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        round_trip(dirbind::parse_public_key(text));
    } catch (const dirbind::Error& e) {
        if (e.code() != dirbind::Err::invalid) std::abort();
    }
    std::vector<std::string> errors;
    // parse_authorized_keys never throws for content: an escaping exception ends the run.
    for (const auto& ak : dirbind::parse_authorized_keys(text, "fuzz", &errors)) {
        if (ak.line < 1) std::abort();
        for (char c : ak.options)
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) std::abort();
        round_trip(ak.key);
    }
    for (const auto& e : errors)
        if (e.compare(0, 5, "fuzz:") != 0 || e.find('\n') != std::string::npos) std::abort();
    return 0;
}
