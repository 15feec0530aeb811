// SPDX-License-Identifier: Apache-2.0
// test_sshkey.cc — unit tests of sshkey.h against ssh-keygen output and malformed-key tables.
#include <fcntl.h>
#include <ftw.h>
#include <openssl/evp.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csetjmp>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern "C" {
#include <cmocka.h>
}

#include "openssh/sshkey.h"
#include "system/error.h"

extern char** environ;

namespace {

using dirbind::Err;
using dirbind::Error;
using dirbind::PublicKey;
using Bytes = std::vector<std::uint8_t>;

// ---- fixtures: real keys made by ssh-keygen at test time ------------------------------

struct Generated {
    const char* label;
    std::vector<std::string> args;  // ssh-keygen -t/-b
    std::string line;               // the .pub line, without newline
    std::string fingerprint;        // from ssh-keygen -lf
    std::string private_pem;        // the private key file
};

std::string g_dir;
std::vector<Generated> g_keys = {
    {"ed25519", {"-t", "ed25519"}, "", "", ""},
    {"rsa3072", {"-t", "rsa", "-b", "3072"}, "", "", ""},
    {"rsa1024", {"-t", "rsa", "-b", "1024"}, "", "", ""},
    {"ecdsa256", {"-t", "ecdsa", "-b", "256"}, "", "", ""},
    {"ecdsa384", {"-t", "ecdsa", "-b", "384"}, "", "", ""},
    {"ecdsa521", {"-t", "ecdsa", "-b", "521"}, "", "", ""},
};

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Runs argv (no shell) with stdout into `out_path`; returns the exit status or -1.
int run(const std::vector<std::string>& args, const std::string& out_path) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) return -1;
    int status = 0;
    if (waitpid(pid, &status, 0) < 0) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string chomp(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
}

int setup(void**) {
    char tmpl[] = "/tmp/test_sshkey.XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return -1;
    g_dir = tmpl;
    for (auto& k : g_keys) {
        std::string path = g_dir + "/" + k.label;
        std::vector<std::string> args{"ssh-keygen", "-q", "-N", "", "-C", std::string(k.label) + "@test",
                                      "-f",         path};
        args.insert(args.end(), k.args.begin(), k.args.end());
        if (run(args, g_dir + "/out") != 0) {
            print_error("ssh-keygen %s failed or is missing (install openssh-client)\n", k.label);
            return -1;
        }
        k.line = chomp(read_all(path + ".pub"));
        k.private_pem = read_all(path);
        if (run({"ssh-keygen", "-l", "-E", "sha256", "-f", path + ".pub"}, g_dir + "/fp") != 0) return -1;
        // "256 SHA256:xxxx comment (ED25519)"
        std::istringstream fp(read_all(g_dir + "/fp"));
        std::string bits;
        fp >> bits >> k.fingerprint;
        if (k.fingerprint.rfind("SHA256:", 0) != 0 || k.line.empty()) return -1;
    }
    return 0;
}

int teardown(void**) {
    if (!g_dir.empty())
        nftw(
            g_dir.c_str(), [](const char* p, const struct stat*, int, struct FTW*) { return remove(p); }, 16,
            FTW_DEPTH | FTW_PHYS);
    return 0;
}

const Generated& key(const char* label) {
    for (const auto& k : g_keys)
        if (std::strcmp(k.label, label) == 0) return k;
    std::abort();
}

// ---- blob helpers, independent of the code under test (OpenSSL's base64) -------------

std::string b64(const Bytes& b) {
    std::string out(4 * ((b.size() + 2) / 3) + 1, '\0');
    int n =
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), b.data(), static_cast<int>(b.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

Bytes unb64(const std::string& s) {
    Bytes out(s.size());
    int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(s.data()),
                            static_cast<int>(s.size()));
    assert_true(n >= 0);
    std::size_t pad = s.size() >= 2 && s[s.size() - 2] == '=' ? 2 : (!s.empty() && s.back() == '=' ? 1 : 0);
    out.resize(static_cast<std::size_t>(n) - pad);
    return out;
}

struct Blob {
    Bytes b;
    Blob& u32(std::uint32_t v) {
        for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(v >> s));
        return *this;
    }
    Blob& str(const Bytes& s) {
        u32(static_cast<std::uint32_t>(s.size()));
        b.insert(b.end(), s.begin(), s.end());
        return *this;
    }
    Blob& str(const std::string& s) { return str(Bytes(s.begin(), s.end())); }
};

// The SSH strings of a blob (type, then the key's fields), to rebuild variants of real keys.
std::vector<Bytes> fields(const Bytes& blob) {
    std::vector<Bytes> out;
    std::size_t i = 0;
    while (i + 4 <= blob.size()) {
        std::size_t len = (std::size_t{blob[i]} << 24) | (std::size_t{blob[i + 1]} << 16) |
                          (std::size_t{blob[i + 2]} << 8) | blob[i + 3];
        out.emplace_back(blob.begin() + static_cast<long>(i + 4),
                         blob.begin() + static_cast<long>(i + 4 + len));
        i += 4 + len;
    }
    return out;
}

Bytes blob_of(const std::string& line) {
    std::istringstream in(line);
    std::string type, data;
    in >> type >> data;
    return unb64(data);
}

std::string b64_field(const std::string& line) {
    std::istringstream in(line);
    std::string type, data;
    in >> type >> data;
    return data;
}

Bytes ed25519_pub() {
    return fields(blob_of(key("ed25519").line)).at(1);
}

std::string line_of(const std::string& type, const Blob& blob, const std::string& comment = "") {
    return type + " " + b64(blob.b) + (comment.empty() ? "" : " " + comment);
}

// Expects parse_public_key(input) to throw Err::invalid with `reason` in the message.
void expect_invalid(const char* label, const std::string& input, const char* reason) {
    try {
        PublicKey k = dirbind::parse_public_key(input);
        fail_msg("case '%s': accepted, expected '%s'", label, reason);
    } catch (const Error& e) {
        if (e.code() != Err::invalid) fail_msg("case '%s': code %d", label, static_cast<int>(e.code()));
        if (std::strstr(e.what(), reason) == nullptr)
            fail_msg("case '%s': got '%s', expected '%s'", label, e.what(), reason);
    }
}

// ---- tests ----------------------------------------------------------------------------

void test_generated_keys_round_trip(void**) {
    for (const auto& g : g_keys) {
        PublicKey k = dirbind::parse_public_key(g.line);
        std::string type = g.line.substr(0, g.line.find(' '));
        assert_string_equal(k.type.c_str(), type.c_str());
        assert_string_equal(k.comment.c_str(), (std::string(g.label) + "@test").c_str());
        assert_true(k.blob == blob_of(g.line));
        assert_string_equal(k.base64.c_str(), b64_field(g.line).c_str());
        assert_string_equal(dirbind::to_line(k).c_str(), g.line.c_str());
    }
}

void test_fingerprint_matches_ssh_keygen(void**) {
    for (const auto& g : g_keys) {
        std::string fp = dirbind::fingerprint(dirbind::parse_public_key(g.line));
        if (fp != g.fingerprint)
            fail_msg("%s: %s != ssh-keygen %s", g.label, fp.c_str(), g.fingerprint.c_str());
    }
}

void test_security_key_types(void**) {
    // No token at test time: rebuild sk keys around the public parts of generated keys.
    Bytes point = fields(blob_of(key("ecdsa256").line)).at(2);
    std::string sk_ecdsa = "sk-ecdsa-sha2-nistp256@openssh.com";
    std::string line = line_of(sk_ecdsa, Blob{}.str(sk_ecdsa).str("nistp256").str(point).str("ssh:"), "yubi");
    PublicKey k = dirbind::parse_public_key(line);
    assert_string_equal(k.type.c_str(), sk_ecdsa.c_str());
    assert_string_equal(dirbind::to_line(k).c_str(), line.c_str());

    std::string sk_ed = "sk-ssh-ed25519@openssh.com";
    line = line_of(sk_ed, Blob{}.str(sk_ed).str(ed25519_pub()).str("ssh:"));
    k = dirbind::parse_public_key(line);
    assert_string_equal(dirbind::to_line(k).c_str(), line.c_str());
    assert_true(k.comment.empty());

    expect_invalid("sk without application", line_of(sk_ed, Blob{}.str(sk_ed).str(ed25519_pub())),
                   "truncated");
    expect_invalid("sk application with NUL",
                   line_of(sk_ed, Blob{}.str(sk_ed).str(ed25519_pub()).str(std::string("ssh:\0x", 6))),
                   "NUL");
    expect_invalid("sk-ecdsa wrong curve",
                   line_of(sk_ecdsa, Blob{}.str(sk_ecdsa).str("nistp384").str(point).str("ssh:")), "curve");
}

void test_whitespace_and_comments(void**) {
    const std::string& g = key("ed25519").line;
    std::string type = "ssh-ed25519", data = b64_field(g);

    PublicKey k = dirbind::parse_public_key("  " + type + "   " + data + "   José's laptop: work  ");
    assert_string_equal(k.comment.c_str(), "José's laptop: work  ");  // kept as written
    assert_string_equal(dirbind::to_line(k).c_str(), (type + " " + data + " José's laptop: work  ").c_str());

    k = dirbind::parse_public_key(type + " " + data);
    assert_true(k.comment.empty());
    assert_string_equal(dirbind::to_line(k).c_str(), (type + " " + data).c_str());
    k = dirbind::parse_public_key(type + " " + data + "   ");
    assert_true(k.comment.empty());
}

void test_malformed_keys(void**) {
    const std::string ed = key("ed25519").line;
    const std::string data = b64_field(ed);
    const Bytes pub = ed25519_pub();
    // Padding cases need blobs whose length is not a multiple of 3: ecdsa-256 blobs end in
    // one '=', ecdsa-384 blobs in two.
    const std::string p1 = key("ecdsa256").line, d1 = b64_field(p1), t1 = "ecdsa-sha2-nistp256 ";
    const std::string d2 = b64_field(key("ecdsa384").line), t2 = "ecdsa-sha2-nistp384 ";
    assert_true(d1.size() >= 2 && d1.back() == '=' && d1[d1.size() - 2] != '=');
    assert_true(d2.size() >= 3 && d2.substr(d2.size() - 2) == "==");
    const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    // Set spare bits that the padding drops: the same bytes, a second spelling.
    std::string noncanon1 = d1, noncanon2 = d2;
    noncanon1[d1.size() - 2] = alphabet[alphabet.find(d1[d1.size() - 2]) | 1];
    noncanon2[d2.size() - 3] = alphabet[alphabet.find(d2[d2.size() - 3]) | 8];

    Bytes ec = blob_of(key("ecdsa256").line);
    std::vector<Bytes> ecf = fields(ec);
    Bytes offcurve = ecf.at(2);
    offcurve.back() ^= 0x01;
    // Off the curve on the two larger curves too, and x = p (the field size: out of range).
    Bytes ec384 = fields(blob_of(key("ecdsa384").line)).at(2),
          ec521 = fields(blob_of(key("ecdsa521").line)).at(2);
    ec384.back() ^= 0x01;
    ec521.back() ^= 0x01;
    Bytes x_is_p = ecf.at(2);
    const std::string p256 = "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff";
    for (std::size_t i = 0; i < 32; ++i)
        x_is_p[1 + i] = static_cast<std::uint8_t>(std::stoi(p256.substr(2 * i, 2), nullptr, 16));
    Bytes compressed(ecf.at(2).begin(), ecf.at(2).begin() + 33);
    compressed[0] = 0x02;
    Bytes hybrid = ecf.at(2);  // 0x06/0x07 || X || Y: OpenSSL would take it, OpenSSH does not
    hybrid[0] = static_cast<std::uint8_t>(0x06 | (hybrid.back() & 1));
    std::vector<Bytes> rsaf = fields(blob_of(key("rsa1024").line));
    Bytes n = rsaf.at(2), e = rsaf.at(1);
    Bytes n_short(n.begin() + 1, n.end());  // drop the 0x00 sign byte: negative
    Bytes n_1023(n.begin() + 1, n.end());
    n_1023[0] = 0x40;  // 1023 bits, positive, minimal
    Bytes e_padded = e;
    e_padded.insert(e_padded.begin(), 0x00);
    Bytes e_even = e;
    e_even.back() &= 0xfe;
    Bytes long_pub(33, 7);

    const std::string big(dirbind::kMaxKeyLineLen, 'x');
    struct Case {
        const char* label;
        std::string input;
        const char* reason;
    };
    const Case cases[] = {
        {"empty", "", "empty key"},
        {"only spaces", "   ", "empty key"},
        {"type only", "ssh-ed25519", "missing base64"},
        {"embedded newline", ed + "\nssh-ed25519 " + data, "newline"},
        {"trailing newline", ed + "\n", "newline"},
        {"carriage return", ed + "\r", "carriage return"},
        {"tab separator", "ssh-ed25519\t" + data, "tab"},
        {"NUL in comment", ed + std::string("\0x", 2), "NUL"},
        {"escape in comment", ed + " \x1b[31mred", "control character"},
        {"DEL in comment", ed + " a\x7f", "control character"},
        {"C1 control in comment", ed + " a\xc2\x85", "comment"},
        {"invalid UTF-8 comment", ed + " \xff\xfe", "comment"},
        {"command option", "command=\"x\" " + ed, "not allowed here"},
        {"bare option", "no-pty " + ed, "not allowed here"},
        {"environment option", "environment=\"LD_PRELOAD=/tmp/x\" " + ed, "not allowed here"},
        {"unknown type", "ssh-foo " + data, "unknown or disallowed key type ssh-foo"},
        {"dsa", "ssh-dss " + data, "unknown or disallowed key type"},
        {"certificate", "ssh-ed25519-cert-v01@openssh.com " + data, "unknown or disallowed key type"},
        {"upper-case type", "SSH-ED25519 " + data, "unknown or disallowed key type"},
        {"bad base64 char", "ssh-ed25519 " + data.substr(0, 8) + "*" + data.substr(9), "base64"},
        {"base64 missing padding", t1 + d1.substr(0, d1.size() - 1), "base64"},
        {"base64 missing double padding", t2 + d2.substr(0, d2.size() - 2), "base64"},
        {"base64 extra padding", t1 + d1 + "=", "base64"},
        {"base64 extra quad of padding", "ssh-ed25519 " + data + "====", "base64"},
        {"base64 padding inside", "ssh-ed25519 AAA=" + data, "base64"},
        {"base64 spare bits set (=)", t1 + noncanon1, "base64"},
        {"base64 spare bits set (==)", t2 + noncanon2, "base64"},
        {"base64 odd length", "ssh-ed25519 " + data.substr(0, 10), "base64"},
        {"inner/outer mismatch", "ssh-rsa " + data, "inner type ssh-ed25519 != ssh-rsa"},
        {"ecdsa outer, ed inner", "ecdsa-sha2-nistp256 " + data, "inner type"},
        {"truncated blob", line_of("ssh-ed25519", Blob{}.str("ssh-ed25519").u32(32)), "truncated"},
        {"truncated type", line_of("ssh-ed25519", Blob{}.u32(11)), "truncated"},
        {"huge length", line_of("ssh-ed25519", Blob{}.u32(0xffffffffu)), "truncated"},
        {"ed25519 short key", line_of("ssh-ed25519", Blob{}.str("ssh-ed25519").str(Bytes(31, 1))), "not 32"},
        {"ed25519 long key", line_of("ssh-ed25519", Blob{}.str("ssh-ed25519").str(long_pub)), "not 32"},
        {"ed25519 trailing data", line_of("ssh-ed25519", Blob{}.str("ssh-ed25519").str(pub).u32(0)),
         "trailing data"},
        {"rsa modulus 1023 bits", line_of("ssh-rsa", Blob{}.str("ssh-rsa").str(e).str(n_1023)),
         "at least 1024"},
        {"rsa negative modulus", line_of("ssh-rsa", Blob{}.str("ssh-rsa").str(e).str(n_short)), "negative"},
        {"rsa padded exponent", line_of("ssh-rsa", Blob{}.str("ssh-rsa").str(e_padded).str(n)), "minimally"},
        {"rsa even exponent", line_of("ssh-rsa", Blob{}.str("ssh-rsa").str(e_even).str(n)), "odd"},
        {"rsa zero exponent", line_of("ssh-rsa", Blob{}.str("ssh-rsa").str(Bytes{}).str(n)), "zero"},
        {"rsa missing modulus", line_of("ssh-rsa", Blob{}.str("ssh-rsa").str(e)), "truncated"},
        {"ecdsa curve mismatch",
         line_of("ecdsa-sha2-nistp256", Blob{}.str("ecdsa-sha2-nistp256").str("nistp384").str(ecf.at(2))),
         "names curve"},
        {"ecdsa point off curve",
         line_of("ecdsa-sha2-nistp256", Blob{}.str("ecdsa-sha2-nistp256").str("nistp256").str(offcurve)),
         "not on curve"},
        {"ecdsa384 point off curve",
         line_of("ecdsa-sha2-nistp384", Blob{}.str("ecdsa-sha2-nistp384").str("nistp384").str(ec384)),
         "not on curve"},
        {"ecdsa521 point off curve",
         line_of("ecdsa-sha2-nistp521", Blob{}.str("ecdsa-sha2-nistp521").str("nistp521").str(ec521)),
         "not on curve"},
        {"ecdsa x coordinate = p",
         line_of("ecdsa-sha2-nistp256", Blob{}.str("ecdsa-sha2-nistp256").str("nistp256").str(x_is_p)),
         "not on curve"},
        {"ecdsa compressed point",
         line_of("ecdsa-sha2-nistp256", Blob{}.str("ecdsa-sha2-nistp256").str("nistp256").str(compressed)),
         "uncompressed"},
        {"ecdsa hybrid point",
         line_of("ecdsa-sha2-nistp256", Blob{}.str("ecdsa-sha2-nistp256").str("nistp256").str(hybrid)),
         "uncompressed"},
        {"ecdsa point for another curve",
         line_of("ecdsa-sha2-nistp384", Blob{}.str("ecdsa-sha2-nistp384").str("nistp384").str(ecf.at(2))),
         "uncompressed"},
        {"private key header", "-----BEGIN OPENSSH PRIVATE KEY-----", "looks like a private key"},
        {"private key file", key("ed25519").private_pem, "looks like a private key"},
        {"RSA PEM private key", "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n",
         "paste the .pub file instead"},
        {"PEM public key", "-----BEGIN PUBLIC KEY-----\nMCow\n-----END PUBLIC KEY-----", "ssh-keygen -i"},
        {"RFC 4716 public key", "---- BEGIN SSH2 PUBLIC KEY ----\nAAAA\n---- END SSH2 PUBLIC KEY ----",
         "ssh-keygen -i"},
        {"PuTTY private key", "PuTTY-User-Key-File-3: ssh-ed25519", "PuTTY"},
        {"too long", "ssh-ed25519 " + data + " " + big, "longer than 16384"},
    };
    for (const auto& c : cases) expect_invalid(c.label, c.input, c.reason);
}

void test_to_line_refuses_forged_parts(void**) {
    PublicKey k = dirbind::parse_public_key(key("ed25519").line);
    PublicKey bad = k;
    bad.comment = "x\nssh-ed25519 " + k.base64;
    try {
        dirbind::to_line(bad);
        fail_msg("newline in comment was serialised");
    } catch (const Error& e) {
        assert_int_equal(static_cast<int>(e.code()), static_cast<int>(Err::invalid));
    }
    bad = k;
    bad.type = "command=\"x\" ssh-ed25519";
    try {
        dirbind::to_line(bad);
        fail_msg("forged type was serialised");
    } catch (const Error&) {
    }
    bad = k;
    bad.base64 += " extra";
    try {
        dirbind::to_line(bad);
        fail_msg("base64 not matching the blob was serialised");
    } catch (const Error&) {
    }
}

// ---- authorized_keys ------------------------------------------------------------------

void test_authorized_keys_options(void**) {
    const std::string ed = key("ed25519").line, rsa = key("rsa3072").line;
    std::string text =
        "# managed by hand\n"
        "\n"
        "   \n"
        "  # indented comment\n" +
        ed + "\n" + "command=\"echo \\\"hi, there\\\"\",no-pty,from=\"10.0.0.0/8\" " + rsa + "\n" +
        "no-agent-forwarding " + ed + "\n" + "  restrict " + ed;
    std::vector<std::string> errors;
    auto keys = dirbind::parse_authorized_keys(text, "ak", &errors);
    assert_int_equal(errors.size(), 0);
    assert_int_equal(keys.size(), 4);
    assert_int_equal(keys[0].line, 5);
    assert_true(keys[0].options.empty());
    assert_string_equal(dirbind::to_line(keys[0].key).c_str(), ed.c_str());
    assert_int_equal(keys[1].line, 6);
    assert_string_equal(keys[1].options.c_str(),
                        "command=\"echo \\\"hi, there\\\"\",no-pty,from=\"10.0.0.0/8\"");
    assert_string_equal(dirbind::to_line(keys[1].key).c_str(), rsa.c_str());
    assert_string_equal(keys[2].options.c_str(), "no-agent-forwarding");
    assert_int_equal(keys[3].line, 8);
    assert_string_equal(keys[3].options.c_str(), "restrict");
}

void test_authorized_keys_errors(void**) {
    const std::string ed = key("ed25519").line;
    const std::string data = b64_field(ed);
    std::string text = "restrict, " + ed + "\n" +               // 1 trailing comma
                       "command=oops " + ed + "\n" +            // 2 unquoted value
                       "command=\"unterminated " + ed + "\n" +  // 3
                       "ssh-dss " + data + " old\n" +           // 4
                       ed + " ok\n" +                           // 5 fine
                       "ssh-rsa " + data + "\n" +               // 6 inner/outer
                       "from=\"x\"\n" +                         // 7 options, no key
                       ",no-pty " + ed + "\n" +                 // 8 leading comma
                       "no-pty " + ed + "\r\n" +                // 9 CRLF
                       "\"x\" " + ed + "\n";                    // 10 quote without name
    std::vector<std::string> errors;
    auto keys = dirbind::parse_authorized_keys(text, "/home/a/.ssh/authorized_keys", &errors);
    assert_int_equal(keys.size(), 1);
    assert_int_equal(keys[0].line, 5);
    const char* want[] = {
        "/home/a/.ssh/authorized_keys:1: options: empty option",
        "/home/a/.ssh/authorized_keys:2: options: value of command is not quoted",
        "/home/a/.ssh/authorized_keys:3: options: unterminated quoted string",
        "/home/a/.ssh/authorized_keys:4: unknown or disallowed key type ssh-dss",
        "/home/a/.ssh/authorized_keys:6: inner type ssh-ed25519 != ssh-rsa",
        "/home/a/.ssh/authorized_keys:7: options but no key",
        "/home/a/.ssh/authorized_keys:8: options: ",
        "/home/a/.ssh/authorized_keys:9: control character (carriage return)",
        "/home/a/.ssh/authorized_keys:10: options: quoted string without an option name",
    };
    assert_int_equal(errors.size(), sizeof want / sizeof want[0]);
    for (std::size_t i = 0; i < errors.size(); ++i)
        if (errors[i].rfind(want[i], 0) != 0)
            fail_msg("error %zu: '%s', want '%s...'", i, errors[i].c_str(), want[i]);
}

void test_authorized_keys_private_key_reported_once(void**) {
    const Generated& g = key("ed25519");
    std::string text = g.line + "\n" + g.private_pem + key("rsa3072").line + "\n";
    std::vector<std::string> errors;
    auto keys = dirbind::parse_authorized_keys(text, "f", &errors);
    assert_int_equal(keys.size(), 2);
    assert_int_equal(errors.size(), 1);
    assert_string_equal(
        errors[0].c_str(),
        "f:2: looks like a private key (-----BEGIN ... PRIVATE KEY-----); paste the .pub file instead");
}

void test_authorized_keys_size_cap(void**) {
    const std::string ed = key("ed25519").line;
    std::string text;
    std::size_t lines = 0;
    while (text.size() < (1u << 20) + 4096) {
        text += ed + "\n";
        ++lines;
    }
    std::vector<std::string> errors;
    auto keys = dirbind::parse_authorized_keys(text, "big", &errors);
    assert_int_equal(errors.size(), 1);
    assert_non_null(std::strstr(errors[0].c_str(), "larger than 1 MiB"));
    std::size_t fit = (1u << 20) / (ed.size() + 1);
    assert_int_equal(keys.size(), fit);
    assert_true(keys.size() < lines);
    assert_string_equal(errors[0].c_str(),
                        ("big:" + std::to_string(fit + 1) +
                         ": input is larger than 1 MiB; this line and the rest are ignored")
                            .c_str());
}

void test_authorized_keys_garbage_never_throws(void**) {
    std::string garbage;
    for (int i = 0; i < 4096; ++i) garbage += static_cast<char>((i * 7919) & 0xff);
    std::vector<std::string> errors;
    auto keys = dirbind::parse_authorized_keys(garbage, "g", &errors);
    assert_int_equal(keys.size(), 0);
    assert_true(!errors.empty());
    for (const auto& e : errors) {
        assert_int_equal(e.rfind("g:", 0), 0);
        for (char c : e) assert_false(c == '\n');  // messages stay one line each
    }
    // A null error vector is allowed.
    keys = dirbind::parse_authorized_keys("junk\n" + key("ed25519").line, "g", nullptr);
    assert_int_equal(keys.size(), 1);
    assert_int_equal(keys[0].line, 2);
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generated_keys_round_trip),
        cmocka_unit_test(test_fingerprint_matches_ssh_keygen),
        cmocka_unit_test(test_security_key_types),
        cmocka_unit_test(test_whitespace_and_comments),
        cmocka_unit_test(test_malformed_keys),
        cmocka_unit_test(test_to_line_refuses_forged_parts),
        cmocka_unit_test(test_authorized_keys_options),
        cmocka_unit_test(test_authorized_keys_errors),
        cmocka_unit_test(test_authorized_keys_private_key_reported_once),
        cmocka_unit_test(test_authorized_keys_size_cap),
        cmocka_unit_test(test_authorized_keys_garbage_never_throws),
    };
    return cmocka_run_group_tests_name("sshkey", tests, setup, teardown);
}
