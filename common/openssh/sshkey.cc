// SPDX-License-Identifier: Apache-2.0
// sshkey.cc — the strict OpenSSH public-key parser, serialiser and fingerprint of sshkey.h.
#include "openssh/sshkey.h"
#include "system/log.h"

#include <gmp.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecc.h>
#include <nettle/sha2.h>

#include <cstring>
#include <span>

#include "cache/names.h"
#include "system/error.h"

namespace dirbind {
namespace {

// sshd reads authorized_keys without a size limit; AuthorizedKeysCommand output and the
// unmanaged-keys file are ours to bound, and no honest file comes near this.
constexpr std::size_t kMaxAuthorizedKeysBytes = 1u << 20;

using Bytes = std::span<const std::uint8_t>;

[[noreturn]] void fail(const std::string& reason) {
    throw Error(Err::invalid, reason);
}

enum class Kind { ed25519, rsa, ecdsa, sk_ed25519, sk_ecdsa };

struct KeyType {
    std::string_view name;
    Kind kind;
    std::string_view curve;  // ecdsa: the curve name the blob must repeat
    // ecdsa: the curve, to check the point lies on it (nettle, not OpenSSL: sshd runs this for
    // every key login and loading libcrypto alone costs more than the rest of the call).
    const ecc_curve* (*curve_params)();
    std::size_t point_len;  // ecdsa: uncompressed point, 0x04 || X || Y
};

constexpr KeyType kTypes[] = {
    {"ssh-ed25519", Kind::ed25519, "", nullptr, 0},
    {"ssh-rsa", Kind::rsa, "", nullptr, 0},
    {"ecdsa-sha2-nistp256", Kind::ecdsa, "nistp256", nettle_get_secp_256r1, 65},
    {"ecdsa-sha2-nistp384", Kind::ecdsa, "nistp384", nettle_get_secp_384r1, 97},
    {"ecdsa-sha2-nistp521", Kind::ecdsa, "nistp521", nettle_get_secp_521r1, 133},
    {"sk-ssh-ed25519@openssh.com", Kind::sk_ed25519, "", nullptr, 0},
    {"sk-ecdsa-sha2-nistp256@openssh.com", Kind::sk_ecdsa, "nistp256", nettle_get_secp_256r1, 65},
};

const KeyType* find_type(std::string_view name) {
    for (const auto& t : kTypes)
        if (t.name == name) return &t;
    return nullptr;
}

std::string control_reason(unsigned char c, std::size_t pos) {
    std::string what = c == '\n'   ? "newline"
                       : c == '\r' ? "carriage return"
                       : c == '\t' ? "tab"
                       : c == 0    ? "NUL"
                                   : "control character";
    return "control character (" + what + ") at byte " + std::to_string(pos + 1);
}

// ---- base64 ---------------------------------------------------------------------------

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int b64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

// Only the canonical encoding decodes: full quads, '=' only as final padding, and the bits
// padding drops must be zero. So encode(decode(s)) == s and one key has one spelling.
bool b64_decode_strict(std::string_view in, std::vector<std::uint8_t>* out) {
    out->clear();
    if (in.empty() || in.size() % 4 != 0) return false;
    std::size_t pad = 0;
    if (in.back() == '=') pad = in[in.size() - 2] == '=' ? 2 : 1;
    out->reserve(in.size() / 4 * 3);
    for (std::size_t i = 0; i < in.size(); i += 4) {
        bool last = i + 4 == in.size();
        std::uint32_t acc = 0;
        for (std::size_t k = 0; k < 4; ++k) {
            int v = 0;
            if (!(last && k >= 4 - pad)) {
                v = b64_value(in[i + k]);
                if (v < 0) return false;
            }
            acc = (acc << 6) | static_cast<std::uint32_t>(v);
        }
        if (last && pad == 2 && (acc & 0xffff) != 0) return false;
        if (last && pad == 1 && (acc & 0xff) != 0) return false;
        out->push_back(static_cast<std::uint8_t>(acc >> 16));
        if (!(last && pad == 2)) out->push_back(static_cast<std::uint8_t>(acc >> 8));
        if (!(last && pad >= 1)) out->push_back(static_cast<std::uint8_t>(acc));
    }
    return true;
}

std::string b64_encode(Bytes in, bool padded) {
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= in.size(); i += 3) {
        std::uint32_t v = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8) | in[i + 2];
        out += kB64[v >> 18];
        out += kB64[(v >> 12) & 63];
        out += kB64[(v >> 6) & 63];
        out += kB64[v & 63];
    }
    std::size_t rest = in.size() - i;
    if (rest > 0) {
        std::uint32_t v = std::uint32_t{in[i]} << 16;
        if (rest == 2) v |= std::uint32_t{in[i + 1]} << 8;
        out += kB64[v >> 18];
        out += kB64[(v >> 12) & 63];
        if (rest == 2) out += kB64[(v >> 6) & 63];
        if (padded) out += rest == 2 ? "=" : "==";
    }
    return out;
}

// ---- blob structure -------------------------------------------------------------------

// Bounded reader of RFC 4251 wire data: every read checks what is left first.
class Reader {
public:
    explicit Reader(Bytes b) : rest_(b) {}
    bool string(Bytes* out) {
        if (rest_.size() < 4) return false;
        std::size_t len = (std::size_t{rest_[0]} << 24) | (std::size_t{rest_[1]} << 16) |
                          (std::size_t{rest_[2]} << 8) | rest_[3];
        if (len > rest_.size() - 4) return false;
        *out = rest_.subspan(4, len);
        rest_ = rest_.subspan(4 + len);
        return true;
    }
    bool done() const { return rest_.empty(); }

private:
    Bytes rest_;
};

std::string_view as_text(Bytes b) {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

Bytes need_string(Reader& r, const std::string& type, const char* what) {
    Bytes s;
    if (!r.string(&s)) fail(type + " key blob is truncated (" + what + ")");
    return s;
}

// A positive RFC 4251 mpint in its minimal form; returns its bit length.
std::size_t check_mpint(Bytes b, const char* what) {
    if (b.empty()) fail(std::string("ssh-rsa ") + what + " is zero");
    if (b[0] & 0x80) fail(std::string("ssh-rsa ") + what + " is negative");
    if (b[0] == 0 && (b.size() == 1 || !(b[1] & 0x80)))
        fail(std::string("ssh-rsa ") + what + " is not minimally encoded");
    if (b[0] == 0) b = b.subspan(1);
    std::size_t bits = (b.size() - 1) * 8;
    for (unsigned top = b[0]; top != 0; top >>= 1) ++bits;
    return bits;
}

// Owns one GMP integer, so that every exit path frees it.
class Mpz {
public:
    Mpz() { mpz_init(v_); }
    ~Mpz() { mpz_clear(v_); }
    Mpz(const Mpz&) = delete;
    Mpz& operator=(const Mpz&) = delete;
    mpz_t& get() { return v_; }

private:
    mpz_t v_;
};

void check_ec_point(const KeyType& t, Bytes point) {
    std::string type(t.name);
    if (point.size() != t.point_len || point[0] != 0x04)
        fail(type + " public point is not an uncompressed " + std::string(t.curve) + " point");
    std::size_t coord = (t.point_len - 1) / 2;
    Mpz x, y;
    mpz_import(x.get(), coord, 1, 1, 1, 0, point.data() + 1);
    mpz_import(y.get(), coord, 1, 1, 1, 0, point.data() + 1 + coord);
    // ecc_point_set() refuses coordinates outside [0, p) and any (x, y) off the curve
    // equation; the point at infinity has no uncompressed encoding, so it cannot get here.
    ecc_point p;
    ecc_point_init(&p, t.curve_params());
    int on_curve = ecc_point_set(&p, x.get(), y.get());
    ecc_point_clear(&p);
    if (on_curve != 1) fail(type + " public point is not on curve " + std::string(t.curve));
}

// The blob must be exactly what OpenSSH's sshkey_from_blob() reads for `t`, nothing after.
void check_blob(const KeyType& t, Bytes blob) {
    std::string type(t.name);
    Reader r(blob);
    Bytes inner;
    if (!r.string(&inner)) fail("key blob is truncated (type)");
    if (as_text(inner) != t.name) fail("inner type " + printable(as_text(inner), 40) + " != " + type);
    switch (t.kind) {
        case Kind::ed25519:
        case Kind::sk_ed25519: {
            Bytes pk = need_string(r, type, "public key");
            if (pk.size() != 32)
                fail(type + " public key is " + std::to_string(pk.size()) + " bytes, not 32");
            break;
        }
        case Kind::rsa: {
            Bytes e = need_string(r, type, "exponent");
            Bytes n = need_string(r, type, "modulus");
            std::size_t ebits = check_mpint(e, "exponent");
            std::size_t nbits = check_mpint(n, "modulus");
            if (!(e.back() & 1) || ebits < 2) fail("ssh-rsa exponent is not an odd number >= 3");
            if (nbits < 1024)
                fail("ssh-rsa modulus is " + std::to_string(nbits) + " bits; at least 1024 needed");
            if (nbits > 16384) fail("ssh-rsa modulus is longer than 16384 bits");
            if (!(n.back() & 1)) fail("ssh-rsa modulus is even");
            if (ebits > nbits) fail("ssh-rsa exponent is larger than the modulus");
            break;
        }
        case Kind::ecdsa:
        case Kind::sk_ecdsa: {
            Bytes curve = need_string(r, type, "curve");
            if (as_text(curve) != t.curve)
                fail(type + " blob names curve " + printable(as_text(curve), 40) + ", not " + std::string(t.curve));
            check_ec_point(t, need_string(r, type, "public point"));
            break;
        }
    }
    if (t.kind == Kind::sk_ed25519 || t.kind == Kind::sk_ecdsa) {
        Bytes app = need_string(r, type, "application");
        // sshd reads it as a C string: an embedded NUL would be cut off there.
        if (std::memchr(app.data(), 0, app.size()) != nullptr) fail(type + " application contains a NUL");
    }
    if (!r.done()) fail(type + " key blob has trailing data");
}

// Comments are free text but must be valid UTF-8 without control characters. valid_field_text
// holds that rule; it also refuses ':', which is harmless in a comment ("ssh:" keys), so the
// comment is checked piecewise around each ':' (ASCII never sits inside a UTF-8 sequence).
bool valid_comment(std::string_view c) {
    std::size_t start = 0;
    for (;;) {
        std::size_t colon = c.find(':', start);
        std::string_view piece = c.substr(start, colon == std::string_view::npos ? colon : colon - start);
        if (!valid_field_text(piece.data(), piece.size(), kMaxKeyLineLen)) return false;
        if (colon == std::string_view::npos) return true;
        start = colon + 1;
    }
}

void refuse_pasted_files(std::string_view text) {
    bool pem = text.find("-----BEGIN") != std::string_view::npos;
    bool rfc4716 = text.find("---- BEGIN SSH2 PUBLIC KEY") != std::string_view::npos;
    bool public_only = text.find("PRIVATE KEY") == std::string_view::npos &&
                       (text.find("PUBLIC KEY") != std::string_view::npos);
    if ((pem || rfc4716) && public_only)
        fail(
            "looks like a PEM/RFC 4716 public key (-----BEGIN ... PUBLIC KEY-----); convert it with "
            "`ssh-keygen -i -f FILE` and paste the one-line form");
    if (pem) fail("looks like a private key (-----BEGIN ... PRIVATE KEY-----); paste the .pub file instead");
    if (text.substr(0, 19) == "PuTTY-User-Key-File")
        fail(
            "looks like a PuTTY private key (.ppk); paste the OpenSSH public key "
            "(`puttygen -O public-openssh`) instead");
}

bool begins_pasted_block(std::string_view line) {
    return line.find("-----BEGIN") != std::string_view::npos ||
           line.find("---- BEGIN") != std::string_view::npos;
}

bool ends_pasted_block(std::string_view line) {
    return line.find("-----END") != std::string_view::npos || line.find("---- END") != std::string_view::npos;
}

std::size_t skip_spaces(std::string_view s, std::size_t i) {
    while (i < s.size() && s[i] == ' ') ++i;
    return i;
}

std::string_view token_at(std::string_view s, std::size_t i) {
    std::size_t end = s.find(' ', i);
    return s.substr(i, end == std::string_view::npos ? end : end - i);
}

// sshd's option grammar: opt[,opt...] with opt = name | name="value", where a value may hold
// \" and commas. Returns the end of the options (first unquoted space) or throws the reason.
std::size_t scan_options(std::string_view line) {
    std::size_t i = 0;
    for (;;) {
        std::size_t name_start = i;
        while (i < line.size() && ((line[i] >= 'a' && line[i] <= 'z') || (line[i] >= 'A' && line[i] <= 'Z') ||
                                   (line[i] >= '0' && line[i] <= '9') || line[i] == '-' || line[i] == '_'))
            ++i;
        if (i == name_start) {
            if (i < line.size() && line[i] == '"') fail("options: quoted string without an option name");
            fail(i == 0 ? "options: unexpected character at the start"
                        : "options: empty option (stray comma)");
        }
        std::string name(line.substr(name_start, i - name_start));
        if (i < line.size() && line[i] == '=') {
            ++i;
            if (i >= line.size() || line[i] != '"')
                fail("options: value of " + printable(name, 40) + " is not quoted");
            for (++i;; ++i) {
                if (i >= line.size()) fail("options: unterminated quoted string in " + printable(name, 40));
                if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '"') {
                    ++i;
                } else if (line[i] == '"') {
                    ++i;
                    break;
                }
            }
        }
        if (i >= line.size()) fail("options but no key");
        if (line[i] == ' ') return i;
        if (line[i] != ',') fail("options: unexpected character after " + printable(name, 40));
        ++i;
    }
}

}  // namespace

PublicKey parse_public_key(std::string_view text) {
    refuse_pasted_files(text);
    if (text.size() > kMaxKeyLineLen) fail("key is longer than " + std::to_string(kMaxKeyLineLen) + " bytes");
    for (std::size_t i = 0; i < text.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c == 0x7f) fail(control_reason(c, i));
    }
    std::size_t i = skip_spaces(text, 0);
    std::string_view type = token_at(text, i);
    if (type.empty()) fail("empty key");
    const KeyType* kt = find_type(type);
    if (kt == nullptr) {
        // A known type further on means options were smuggled in front of the key.
        for (std::size_t j = skip_spaces(text, i + type.size()); j < text.size();) {
            std::string_view tok = token_at(text, j);
            if (find_type(tok) != nullptr)
                fail("key options (" + printable(type, 40) +
                     ") are not allowed here; only \"type base64 [comment]\"");
            j = skip_spaces(text, j + tok.size());
        }
        fail("unknown or disallowed key type " + printable(type, 40));
    }
    i = skip_spaces(text, i + type.size());
    std::string_view b64 = token_at(text, i);
    if (b64.empty()) fail("missing base64 key data after " + std::string(kt->name));
    PublicKey k;
    if (!b64_decode_strict(b64, &k.blob)) fail("base64 does not decode");
    check_blob(*kt, k.blob);
    std::string_view comment = text.substr(skip_spaces(text, i + b64.size()));
    if (!valid_comment(comment)) fail("comment is not valid UTF-8 or contains a control character");
    k.type = std::string(kt->name);
    k.base64 = std::string(b64);
    k.comment = std::string(comment);
    return k;
}

std::string to_line(const PublicKey& k) {
    // Parts normally come from parse_public_key(); refuse anything that would not read back
    // as the same key, so a hand-built PublicKey cannot smuggle a second line or options.
    if (find_type(k.type) == nullptr) fail("unknown or disallowed key type " + printable(k.type, 40));
    if (k.base64 != b64_encode(k.blob, true)) fail("base64 does not match the key blob");
    if (!k.comment.empty() && (k.comment[0] == ' ' || !valid_comment(k.comment)))
        fail("comment is not valid UTF-8 or contains a control character");
    std::string line = k.type + " " + k.base64;
    if (!k.comment.empty()) line += " " + k.comment;
    return line;
}

bool lists_key(const std::vector<std::string>& lines, const PublicKey& k) {
    for (const auto& line : lines) {
        try {
            PublicKey have = parse_public_key(line);
            if (have.type == k.type && have.blob == k.blob) return true;
        } catch (const Error&) {
            // Validated keys all parse; one that does not now is no match.
        }
    }
    return false;
}

std::string fingerprint(const PublicKey& k) {
    sha256_ctx ctx;
    sha256_init(&ctx);
    sha256_update(&ctx, k.blob.size(), k.blob.data());
    std::uint8_t md[SHA256_DIGEST_SIZE];
    sha256_digest(&ctx, sizeof md, md);
    return "SHA256:" + b64_encode(Bytes(md, sizeof md), false);
}

unsigned key_bits(const PublicKey& k) {
    const KeyType* t = find_type(k.type);
    if (t == nullptr) fail("unknown or disallowed key type " + printable(k.type, 40));
    switch (t->kind) {
        case Kind::ed25519:
        case Kind::sk_ed25519:
            return 256;
        case Kind::ecdsa:
        case Kind::sk_ecdsa:
            return t->point_len == 65 ? 256 : t->point_len == 97 ? 384 : 521;
        case Kind::rsa:
            break;
    }
    Reader r(Bytes(k.blob.data(), k.blob.size()));
    Bytes skip;
    if (!r.string(&skip) || !r.string(&skip)) fail("key blob is truncated");
    return static_cast<unsigned>(check_mpint(need_string(r, k.type, "modulus"), "modulus"));
}

std::vector<AuthorizedKey> parse_authorized_keys(std::string_view text, const std::string& name,
                                                 std::vector<std::string>* errors) {
    std::vector<AuthorizedKey> keys;
    auto report = [&](int line, const std::string& reason) {
        if (errors != nullptr) errors->push_back(name + ":" + std::to_string(line) + ": " + reason);
    };
    bool in_pem = false;  // inside a pasted private key, reported once at its BEGIN line
    int line_no = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        ++line_no;
        std::size_t nl = text.find('\n', pos);
        std::size_t end = nl == std::string_view::npos ? text.size() : nl;
        if (text.size() > kMaxAuthorizedKeysBytes && end >= kMaxAuthorizedKeysBytes) {
            report(line_no, "input is larger than 1 MiB; this line and the rest are ignored");
            break;
        }
        std::string_view line = text.substr(pos, end - pos);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;

        if (in_pem) {
            // The base64 body of the pasted key would give one useless error per line.
            if (ends_pasted_block(line)) in_pem = false;
            if (!in_pem || line.find(' ') == std::string_view::npos) continue;
            in_pem = false;
        }
        std::size_t start = 0;
        while (start < line.size() && line[start] == ' ') ++start;
        if (start == line.size() || line[start] == '#') continue;
        line = line.substr(start);
        try {
            if (begins_pasted_block(line)) in_pem = !ends_pasted_block(line);
            refuse_pasted_files(line);
            if (line.size() > kMaxKeyLineLen)
                fail("line is longer than " + std::to_string(kMaxKeyLineLen) + " bytes");
            for (std::size_t i = 0; i < line.size(); ++i) {
                unsigned char c = static_cast<unsigned char>(line[i]);
                if (c < 0x20 || c == 0x7f) fail(control_reason(c, start + i));
            }
            AuthorizedKey ak;
            ak.line = line_no;
            std::string_view first = token_at(line, 0);
            if (find_type(first) != nullptr) {
                ak.key = parse_public_key(line);
            } else {
                // sshd's rule: options exist when the first token is no key type. A bare word
                // followed by something that is no key type is a bad key type, not an option.
                std::string_view second = token_at(line, skip_spaces(line, first.size()));
                if (first.find_first_of("=,\"") == std::string_view::npos && find_type(second) == nullptr)
                    fail("unknown or disallowed key type " + printable(first, 40));
                std::size_t opt_end = scan_options(line);
                ak.options = std::string(line.substr(0, opt_end));
                ak.key = parse_public_key(line.substr(skip_spaces(line, opt_end)));
            }
            keys.push_back(std::move(ak));
        } catch (const Error& e) {
            report(line_no, e.what());
        }
    }
    return keys;
}

std::string check_key_options(std::string_view options) {
    // Any valid key will do: the options are judged by the same parser that reads the files.
    static const std::string kSample = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f";
    std::vector<std::string> errors;
    auto parsed = parse_authorized_keys(std::string(options) + " " + kSample, "key_options", &errors);
    if (parsed.size() == 1 && parsed[0].options == options) return "";
    return errors.empty() ? "not an authorized_keys option list" : errors[0];
}

}  // namespace dirbind
