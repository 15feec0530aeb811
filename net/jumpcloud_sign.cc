// SPDX-License-Identifier: Apache-2.0
// jumpcloud_sign.cc — SystemSigner over OpenSSL's EVP interface (PEM_read_bio_PrivateKey reads
// PKCS#1 and PKCS#8 alike; EVP_DigestSign with an RSA key pads with PKCS#1 v1.5 by default).
#include "net/jumpcloud_sign.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdio>

#include "system/error.h"

namespace dirbind {
namespace {

// A passphrase callback that refuses: an encrypted key must fail, not prompt on a terminal.
int no_passphrase(char*, int, int, void*) {
    return -1;
}

EVP_PKEY* pkey(void* p) {
    return static_cast<EVP_PKEY*>(p);
}

}  // namespace

std::string http_date(std::time_t t) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    // Not strftime's %a/%b: those follow the locale, the protocol wants English.
    static const char* const kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char buf[40];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday % 7], tm.tm_mday,
                  kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

std::string signing_string(std::string_view method, std::string_view path_with_query, std::string_view date) {
    std::string s;
    s.reserve(method.size() + path_with_query.size() + date.size() + 24);
    s.append(method).append(" ").append(path_with_query).append(" HTTP/1.1\ndate: ").append(date);
    return s;
}

SystemSigner::SystemSigner(std::string_view pem, std::string system_id, const std::string& where)
    : id_(std::move(system_id)) {
    if (!valid_jumpcloud_id(id_))
        throw Error(Err::config,
                    "the system id is not 24 lower-case hex digits (check the agent config's systemKey)");
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    if (!bio) throw Error(Err::config, "out of memory reading " + where);
    EVP_PKEY* k = PEM_read_bio_PrivateKey(bio, nullptr, no_passphrase, nullptr);
    BIO_free(bio);
    if (!k)
        throw Error(Err::config,
                    where + " holds no readable private key (PEM, PKCS#1 or PKCS#8, not encrypted expected)");
    if (EVP_PKEY_base_id(k) != EVP_PKEY_RSA) {
        EVP_PKEY_free(k);
        throw Error(Err::config, where + " is not an RSA private key (JumpCloud signs with rsa-sha256)");
    }
    key_ = k;
}

SystemSigner::~SystemSigner() {
    EVP_PKEY_free(pkey(key_));
}

SystemSigner::SystemSigner(SystemSigner&& o) noexcept : key_(o.key_), id_(std::move(o.id_)) {
    o.key_ = nullptr;
}

std::string SystemSigner::signature(std::string_view method, std::string_view path_with_query,
                                    std::string_view date) const {
    std::string text = signing_string(method, path_with_query, date);
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    if (!ctx) throw Error(Err::source, "out of memory signing a request");
    std::size_t len = 0;
    std::string sig;
    bool ok = EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, pkey(key_)) == 1 &&
              EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(text.data()),
                             text.size()) == 1;
    if (ok) {
        sig.resize(len);
        ok = EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                            reinterpret_cast<const unsigned char*>(text.data()), text.size()) == 1;
        sig.resize(len);
    }
    EVP_MD_CTX_free(ctx);
    if (!ok) throw Error(Err::source, "signing a request with the system key failed (OpenSSL)");
    std::string b64(4 * ((sig.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                            reinterpret_cast<const unsigned char*>(sig.data()), static_cast<int>(sig.size()));
    b64.resize(static_cast<std::size_t>(n));
    return b64;
}

std::vector<std::string> SystemSigner::headers(std::string_view method, std::string_view path_with_query,
                                               std::time_t now) const {
    std::string date = http_date(now);
    std::string sig = signature(method, path_with_query, date);
    return {"Date: " + date,
            "Authorization: Signature keyId=\"system/" + id_ +
                "\",headers=\"request-line date\",algorithm=\"rsa-sha256\",signature=\"" + sig + "\"",
            "Accept: application/json"};
}

}  // namespace dirbind
