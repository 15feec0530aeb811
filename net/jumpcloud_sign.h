// SPDX-License-Identifier: Apache-2.0
// jumpcloud_sign.h — the JumpCloud System Context API request signature
// (/work/shared/jumpcloud-api.md, draft-cavage HTTP Signatures): an RSA PKCS#1 v1.5 SHA-256
// signature by the system's private key over "<METHOD> <path-with-query> HTTP/1.1\ndate: <Date>".
// If JumpCloud's rules turn out different, this file is the one place to correct.
#pragma once

#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "directory/validate.h"  // valid_jumpcloud_id

namespace dirbind {

// RFC 7231 IMF-fixdate in GMT: "Tue, 10 Nov 2009 23:00:00 GMT".
std::string http_date(std::time_t t);

// The exact text that is signed: "<method> <path_with_query> HTTP/1.1\ndate: <date>" (literal
// HTTP/1.1, lower-case "date:", no trailing newline).
std::string signing_string(std::string_view method, std::string_view path_with_query, std::string_view date);

// Holds the system's private key and signs requests with it. Move-only; the key never leaves.
class SystemSigner {
public:
    // Loads an RSA private key from PEM text, PKCS#1 ("BEGIN RSA PRIVATE KEY") or PKCS#8
    // ("BEGIN PRIVATE KEY"); never prompts for a passphrase. `where` names the key in messages.
    // Throws Error(Err::config) when the text holds no usable RSA private key or the id is invalid.
    SystemSigner(std::string_view pem, std::string system_id, const std::string& where);
    ~SystemSigner();
    SystemSigner(SystemSigner&& o) noexcept;
    SystemSigner& operator=(SystemSigner&&) = delete;
    SystemSigner(const SystemSigner&) = delete;
    SystemSigner& operator=(const SystemSigner&) = delete;

    // base64 (no newlines) of the RSA-PKCS1v15-SHA256 signature of signing_string(...).
    // Throws Error(Err::source) if OpenSSL fails.
    std::string signature(std::string_view method, std::string_view path_with_query,
                          std::string_view date) const;

    // The headers of one signed request made at `now`: Date, Authorization (keyId
    // "system/<id>", headers "request-line date", algorithm "rsa-sha256") and Accept.
    std::vector<std::string> headers(std::string_view method, std::string_view path_with_query,
                                     std::time_t now) const;

    const std::string& system_id() const noexcept { return id_; }

private:
    void* key_ = nullptr;  // EVP_PKEY*, kept out of the header so that includers need no OpenSSL
    std::string id_;
};

}  // namespace dirbind
