// SPDX-License-Identifier: Apache-2.0
// test_https_client.cc — tests for common/https_client.cc, common/secret_file.cc and the network
// source keys of common/config.cc: URL redaction, UTF-8 and media-type helpers, the secret-file
// rules, config checks for https/jumpcloud sources, and the client's refusals and retry count
// without a server (127.0.0.1 only; the directory double covers real exchanges).
// Standard headers first: cmocka defines a fail() macro that breaks std::basic_ios::fail.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
extern "C" {  // cmocka 1.1's header has no C++ guard
#include <cmocka.h>
}
// clang-format on

#include "../test_util.h"
#include "config/config.h"
#include "net/https_client.h"
#include "net/https_source.h"
#include "system/error.h"
#include "system/secret_file.h"

using dirbind::Err;
using dirbind::Error;
using dirbind::HttpsClient;
using dirbind::HttpsOptions;
using dirbind::HttpsRequest;

namespace {

void expect_error(const std::function<void()>& f, Err code, const std::string& needle) {
    try {
        f();
        fail_msg("no error; wanted '%s'", needle.c_str());
    } catch (const Error& e) {
        if (e.code() != code) fail_msg("code %s for '%s'", dirbind::to_string(e.code()), e.what());
        if (std::string(e.what()).find(needle) == std::string::npos)
            fail_msg("'%s' lacks '%s'", e.what(), needle.c_str());
    }
}

void test_redact_url(void**) {
    assert_string_equal(dirbind::redact_url("https://user:pw@host:443/a?b=c").c_str(),
                        "https://host:443/a?b=c");
    assert_string_equal(dirbind::redact_url("https://host/p@th").c_str(), "https://host/p@th");
    assert_string_equal(dirbind::redact_url("https://a@b@host/").c_str(), "https://host/");
    assert_string_equal(dirbind::redact_url("https://host/x\ny").c_str(), "https://host/x\\x0ay");
}

void test_utf8(void**) {
    std::size_t bad = 99;
    assert_true(dirbind::valid_utf8("plain ascii"));
    assert_true(dirbind::valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
    assert_false(dirbind::valid_utf8("ab\xff", &bad));
    assert_int_equal(bad, 2);
    assert_false(dirbind::valid_utf8("\xc0\xaf"));          // overlong '/'
    assert_false(dirbind::valid_utf8("\xed\xa0\x80"));      // a surrogate
    assert_false(dirbind::valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
    assert_false(dirbind::valid_utf8("\xe2\x82"));          // cut short
    assert_true(dirbind::valid_utf8(std::string_view("a\0b", 3)));
}

void test_media_type(void**) {
    assert_string_equal(dirbind::media_type("Application/JSON; charset=utf-8").c_str(), "application/json");
    assert_string_equal(dirbind::media_type("  text/html ").c_str(), "text/html");
    assert_string_equal(dirbind::media_type("").c_str(), "");
    assert_true(dirbind::safe_header_value("\"abc\""));
    assert_false(dirbind::safe_header_value("a\r\nX-Injected: 1"));
    assert_false(dirbind::safe_header_value(""));
    assert_false(dirbind::safe_header_value(std::string(300, 'a')));
}

void write(const std::string& path, const std::string& text, mode_t mode) {
    FILE* f = fopen(path.c_str(), "w");
    assert_non_null(f);
    fputs(text.c_str(), f);
    fclose(f);
    chmod(path.c_str(), mode);
}

void test_secret_files(void**) {
    dirbind::test::TempDir dir;
    std::string p = dir / "key";
    write(p, "s3cret\n", 0600);
    std::string s = dirbind::read_secret_file(p, "API key file");
    assert_string_equal(s.c_str(), "s3cret\n");
    dirbind::secure_clear(s);
    assert_true(s.empty());
    for (mode_t m : {0640, 0604, 0660, 0644}) {
        chmod(p.c_str(), m);
        expect_error([&] { dirbind::read_secret_file(p, "API key file"); }, Err::permission,
                     "refusing to use API key file " + p + ": readable by group or others");
    }
    chmod(p.c_str(), 0400);
    assert_string_equal(dirbind::read_secret_file(p, "API key file").c_str(), "s3cret\n");
    std::string link = dir / "link";
    assert_int_equal(symlink(p.c_str(), link.c_str()), 0);
    expect_error([&] { dirbind::read_secret_file(link, "API key file"); }, Err::permission,
                 "it is a symbolic link");
    expect_error([&] { dirbind::read_secret_file(dir / "missing", "API key file"); }, Err::config,
                 "cannot read API key file " + (dir / "missing") + ": No such file or directory");
    expect_error([&] { dirbind::read_secret_file(dir.path(), "API key file"); }, Err::permission,
                 "not a regular file");
    std::string empty = dir / "empty";
    write(empty, "\n \n", 0600);
    expect_error([&] { dirbind::read_secret_file(empty, "token file"); }, Err::config, "is empty");
    std::string big = dir / "big";
    write(big, std::string(5000, 'x'), 0600);
    expect_error([&] { dirbind::read_secret_file(big, "token file", 4096); }, Err::config,
                 "larger than 4096 bytes");
    // A token goes into an HTTP header: trimmed, one word of printable ASCII.
    std::string token = dir / "token";
    write(token, "  s3cr3t-token\n", 0600);
    assert_string_equal(dirbind::read_secret_token(token, "token file", 4096).c_str(), "s3cr3t-token");
    write(token, "two words\n", 0600);
    expect_error([&] { dirbind::read_secret_token(token, "token file", 4096); }, Err::config,
                 "must hold the token alone");
    // Trusted (not secret) files may be read by others but not written by them.
    std::string conf = dir / "jcagent.conf";
    write(conf, "{}", 0644);
    assert_string_equal(dirbind::read_trusted_file(conf, "agent config").c_str(), "{}");
    chmod(conf.c_str(), 0664);
    expect_error([&] { dirbind::read_trusted_file(conf, "agent config"); }, Err::permission,
                 "writable by group or others");
    if (geteuid() == 0) {
        // Owned by someone else: refused even with a tight mode.
        chmod(p.c_str(), 0600);
        assert_int_equal(chown(p.c_str(), 12345, 12345), 0);
        expect_error([&] { dirbind::read_secret_file(p, "API key file"); }, Err::permission,
                     "owned by uid 12345, not root");
    }
}

std::string config_error(const std::string& yaml) {
    try {
        dirbind::parse_config(yaml, "dirbind.yaml");
        return "OK";
    } catch (const Error& e) {
        return e.what();
    }
}

void test_config_keys(void**) {
    static const char* const cases[][2] = {
        {"source: {type: https, url: https://dir.example/snapshot.json}", "OK"},
        {"source: {type: https}",
         "dirbind.yaml:1: source: type https needs 'url' (the snapshot's https:// address)"},
        {"source: {type: https, url: http://dir.example/x}",
         "dirbind.yaml:1: source.url: plain http:// is refused: the directory decides who may log in; use "
         "https://"},
        {"source: {type: https, url: ftp://x/y}", "dirbind.yaml:1: source.url: must be an https:// URL"},
        {"source: {type: https, url: \"https://u:p@x/y\"}",
         "dirbind.yaml:1: source.url: must not carry credentials (user:password@)"},
        {"source: {type: https, url: \"https:///y\"}", "dirbind.yaml:1: source.url: has no host name"},
        {"source: {type: https, url: \"https://x/y z\"}",
         "dirbind.yaml:1: source.url: must not contain spaces"},
        {"source: {type: https, url: \"https://x/y#f\"}",
         "dirbind.yaml:1: source.url: must not contain a '#' fragment"},
        {"source: {type: https, url: https://x/, client_cert: /c.pem}",
         "dirbind.yaml:1: source: client_cert and client_key go together"},
        {"source: {type: https, url: https://x/, client_cert: /c.pem, client_key: /k.pem, bearer_token_file: "
         "/t}",
         "OK"},
        {"source: {type: https, url: https://x/, pinned_pubkey: "
         "\"sha256//1ayUE5PNE3UdMsw1Fq0oUq4TZnFdRim+ddYYJ0XJ4L4=\"}",
         "OK"},
        {"source: {type: https, url: https://x/, pinned_pubkey: /etc/dirbind/server.pub}", "OK"},
        {"source: {type: https, url: https://x/, pinned_pubkey: sha256//short}",
         "dirbind.yaml:1: source.pinned_pubkey: expected sha256//<base64"},
        {"source: {type: https, url: https://x/, proxy: \"http://proxy:3128\"}", "OK"},
        {"source: {type: https, url: https://x/, proxy: \"socks5://proxy:1080\"}",
         "dirbind.yaml:1: source.proxy: must be an http:// or https:// proxy URL"},
        {"source: {type: https, url: https://x/, timeout: 0}",
         "dirbind.yaml:1: source.timeout: 0 is outside 1–3600 seconds"},
        {"source: {type: https, url: https://x/, connect_timeout: 301}",
         "dirbind.yaml:1: source.connect_timeout: 301 is outside 1–300 seconds"},
        {"source: {type: https, url: https://x/, retries: 11}",
         "dirbind.yaml:1: source.retries: 11 is outside 0–10"},
        {"source: {type: https, url: https://x/, max_response_size: 100}",
         "dirbind.yaml:1: source.max_response_size: 100 is outside 1024–4294967295 bytes"},
        {"source: {type: https, url: https://x/, ca_file: relative.pem}",
         "dirbind.yaml:1: source.ca_file: must be an absolute path"},
        {"source: {type: https, url: https://x/, api_key_file: /k}",
         "dirbind.yaml:1: source: key 'api_key_file' belongs to source type jumpcloud, not https"},
        {"source: {type: https, url: https://x/, parallel: 4}",
         "dirbind.yaml:1: source: key 'parallel' belongs to source type jumpcloud, not https"},
        {"source: {type: https, url: https://x/, timout: 4}",
         "dirbind.yaml:1: source: unknown key 'timout' (did you mean 'timeout'?)"},
        {"source: {type: jumpcloud}", "OK"},
        {"source: {type: jumpcloud, url: \"https://console.eu.jumpcloud.com/api/\", org_id: "
         "5f0000000000000000000abc, "
         "parallel: 16}",
         "OK"},
        {"source: {type: jumpcloud, url: \"https://x/api?a=b\"}",
         "dirbind.yaml:1: source.url: the API base URL takes no query"},
        {"source: {type: jumpcloud, org_id: ABC}",
         "dirbind.yaml:1: source.org_id: expected a JumpCloud organisation id"},
        {"source: {type: jumpcloud, parallel: 0}", "dirbind.yaml:1: source.parallel: 0 is outside 1–64"},
        {"source: {type: jumpcloud, details: per_user, details_every: 10}", "OK"},
        {"source: {type: jumpcloud, details: per-user}",
         "dirbind.yaml:1: source.details: expected auto, per_user or org_list, got 'per-user' (did you mean 'per_user'?)"},
        {"source: {type: jumpcloud, details_every: 0}",
         "dirbind.yaml:1: source.details_every: 0 is outside 1–1440 syncs"},
        {"source: {type: https, url: https://x/, details_every: 2}",
         "dirbind.yaml:1: source: key 'details_every' belongs to source type jumpcloud, not https"},
        {"source: {type: jumpcloud, bearer_token_file: /t}",
         "dirbind.yaml:1: source: key 'bearer_token_file' belongs to source type https, not jumpcloud"},
        {"source: {type: file, url: https://x/}",
         "dirbind.yaml:1: source: key 'url' belongs to source type https, not file"},
    };
    for (const auto& c : cases) {
        std::string got = config_error(c[0]);
        if (got.rfind(c[1], 0) != 0) fail_msg("%s\n  got:    %s\n  wanted: %s", c[0], got.c_str(), c[1]);
    }
    auto cfg = dirbind::parse_config(
        "source: {type: jumpcloud, url: \"https://console.eu.jumpcloud.com/api/\"}", "x");
    assert_string_equal(cfg.source.url.c_str(),
                        "https://console.eu.jumpcloud.com/api");  // trailing '/' dropped
    cfg = dirbind::parse_config("source: {type: jumpcloud}", "x");
    assert_string_equal(cfg.source.url.c_str(), "https://console.jumpcloud.com/api");
    assert_string_equal(cfg.source.agent_config.c_str(), "/opt/jc/jcagent.conf");
    assert_string_equal(cfg.source.system_key_file.c_str(), "/opt/jc/client.key");
    assert_string_equal(cfg.source.api_key_file.c_str(), "/etc/dirbind/jumpcloud.key");
    assert_string_equal(cfg.source.ca_file.c_str(), "/etc/ssl/certs/ca-certificates.crt");
    assert_int_equal(cfg.source.connect_timeout, 2);
    assert_int_equal(cfg.source.timeout, 10);
    assert_string_equal(cfg.source.details.c_str(), "auto");  // off by default: every user every sync
    assert_int_equal(cfg.source.details_every, 1);
    auto o = dirbind::https_options(cfg.source, true);
    assert_int_equal(o.connect_timeout_ms, 2000);
    assert_int_equal(o.timeout_ms, 10000);
    assert_int_equal(o.parallel, 8);
    assert_true(o.verbose);
}

HttpsOptions fast_options() {
    HttpsOptions o;
    o.ca_file = "/nonexistent-ca.pem";
    o.connect_timeout_ms = 1000;
    o.timeout_ms = 2000;
    o.retries = 2;
    o.backoff_ms = 10;
    o.max_backoff_ms = 20;
    return o;
}

void test_refuses_plain_http(void**) {
    HttpsClient c(fast_options());
    HttpsRequest r;
    r.url = "http://127.0.0.1:1/x";
    expect_error([&] { c.get(r); }, Err::source, "GET http://127.0.0.1:1/x: ");
    expect_error([&] { c.get(r); }, Err::source, "only https:// is allowed");
    // Not a connection error: not retried.
    assert_int_equal(c.requests_made(), 2);
}

void test_retries_connection_errors(void**) {
    HttpsClient c(fast_options());
    HttpsRequest r;
    r.url = "https://127.0.0.1:1/x";  // nothing listens on port 1
    auto start = std::chrono::steady_clock::now();
    expect_error([&] { c.get(r); }, Err::source, "cannot connect to 127.0.0.1:1");
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start)
                  .count();
    assert_int_equal(c.requests_made(), 3);  // the first attempt and two retries
    assert_true(ms < 2000);
    // get_all: the first failure stops the batch; nothing leaks (ASan twin).
    std::vector<HttpsRequest> many(20, r);
    int done = 0;
    expect_error([&] { c.get_all(many, [&](std::size_t, dirbind::HttpsResponse&&) { ++done; }); },
                 Err::source, "gave up after 3 attempts");
    assert_int_equal(done, 0);
}

void test_client_key_rules(void**) {
    dirbind::test::TempDir dir;
    HttpsOptions o = fast_options();
    o.client_cert = dir / "c.pem";
    expect_error([&] { HttpsClient c(o); }, Err::config,
                 "source.client_cert and source.client_key go together");
    o.client_key = dir / "k.pem";
    write(o.client_key, "-----BEGIN PRIVATE KEY-----\n", 0644);
    expect_error([&] { HttpsClient c(o); }, Err::permission, "refusing to use client key " + o.client_key);
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_redact_url),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_media_type),
        cmocka_unit_test(test_secret_files),
        cmocka_unit_test(test_config_keys),
        cmocka_unit_test(test_refuses_plain_http),
        cmocka_unit_test(test_retries_connection_errors),
        cmocka_unit_test(test_client_key_rules),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
