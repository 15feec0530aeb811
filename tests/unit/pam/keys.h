// SPDX-License-Identifier: Apache-2.0
// keys.h — test keys and password hashes for the login-policy and PAM tests: distinct, valid
// ssh-ed25519 public keys built from a number, and real crypt(3) hashes made at test time.
#pragma once

#include <crypt.h>

#include <string>
#include <vector>

namespace dirbind::test {

inline std::string base64(const std::vector<unsigned char>& in) {
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 3 <= in.size(); i += 3) {
        unsigned v = (in[i] << 16) | (in[i + 1] << 8) | in[i + 2];
        out += t[v >> 18], out += t[(v >> 12) & 63], out += t[(v >> 6) & 63], out += t[v & 63];
    }
    if (in.size() - i == 1) {
        unsigned v = in[i] << 16;
        out += t[v >> 18], out += t[(v >> 12) & 63], out += "==";
    } else if (in.size() - i == 2) {
        unsigned v = (in[i] << 16) | (in[i + 1] << 8);
        out += t[v >> 18], out += t[(v >> 12) & 63], out += t[(v >> 6) & 63], out += '=';
    }
    return out;
}

// "ssh-ed25519 <base64>" for key number n (no comment): what sshd puts in SSH_AUTH_INFO_0.
inline std::string key_text(int n) {
    std::vector<unsigned char> blob = {0, 0, 0, 11};
    for (char c : std::string("ssh-ed25519")) blob.push_back(static_cast<unsigned char>(c));
    blob.insert(blob.end(), {0, 0, 0, 32});
    for (int i = 0; i < 32; ++i) blob.push_back(static_cast<unsigned char>(n * 7 + i * 13 + 1));
    return "ssh-ed25519 " + base64(blob);
}

// The same key as a directory or authorized_keys line, with a comment.
inline std::string key_line(int n) {
    return key_text(n) + " key" + std::to_string(n) + "@test";
}

// A fresh crypt(3) hash of `password` with a random salt for `prefix` ("$y$", "$6$", "$2b$").
inline std::string make_hash(const char* prefix, const std::string& password) {
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    if (crypt_gensalt_rn(prefix, 0, nullptr, 0, salt, sizeof salt) == nullptr) return "";
    crypt_data data{};
    const char* h = crypt_rn(password.c_str(), salt, &data, sizeof data);
    return h == nullptr || h[0] == '*' ? "" : std::string(h);
}

}  // namespace dirbind::test
