// SPDX-License-Identifier: Apache-2.0
// test_jumpcloud_sign.cc — tests for common/jumpcloud_sign.cc: the signature is a known answer
// (made once with `openssl dgst -sha256 -sign` and checked against the openssl command again at
// run time), PKCS#1 and PKCS#8 files of one key sign alike, the Date and Authorization formats
// are exactly jumpcloud-api.md's, and unusable keys and ids are refused.
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
extern "C" {  // cmocka 1.1's header has no C++ guard
#include <cmocka.h>
}
// clang-format on

#include <stdio.h>
#include <stdlib.h>

#include <string>

#include "../test_util.h"
#include "net/jumpcloud_sign.h"
#include "system/error.h"

using dirbind::Err;
using dirbind::Error;
using dirbind::SystemSigner;

namespace {

// A throw-away 2048-bit RSA key made for this test only (PKCS#8). It signs nothing but this test.
const char kKeyPkcs8[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC2mFzQPMiCRI0m\n"
    "qiKsbxVbljzWZbN4+bCs2zfJQ/rzwZ+u4XEiuOk90zgRJElzNcXIObtLay0fMsXM\n"
    "uD2SlngYITh8E84PKv4rFvzZuBXmSEb0Ed+CTAVsvjP5uyNAkYj8Us5TA3Cbo27G\n"
    "601X1mabL+HfoWVrapqLlcnyCRanfBpE+KBEmaZjnlIAMLePi2HX9gnPjbDvuk+l\n"
    "gW2XleWU9hyeCszt3cIPq4p0++bu4KOT+n8ALE31crbfjBlz1qdDydPTXnsD1pju\n"
    "5647t2h8k1yXyu/1InmZH55QvilnEy1jXu+kydZihd/8KN26r1A/fwqMVFeOwhLZ\n"
    "V75FbFfXAgMBAAECggEAPdtAufSVcnf5n0sMowCgqh2rr2/VjFp97Rj4fZCvf4ss\n"
    "5sgNlRcyQJUAzeHOlh51yZ4xIlwE9ag0FOWnSjT6KyZ55aKp8D5+yycm8jSoCpKa\n"
    "os05PAE35z5KCkRIrXOABgahScMFD1yexvlogqSprtHaQXGCE5ESGM5eEsXcbFEM\n"
    "1VenT+MAv2BnPaWJHGQcwTpRGtsvolbPm9mB1p+2r1vRZwhJRed0zDFt7bzwcQRZ\n"
    "xOPmL4LvHkTxvue3ewh3aZa+t1rvedSQ3oQiVJY2kE/1CX8JaKnZf2IWC4K/7sbB\n"
    "oet9yMlMOI68gqbQgnFVMvkGJ1R6Y308IHLOmsLzNQKBgQD6xpL9bkkfeMVX+mM4\n"
    "o3eegshkyuogeANzXGHXZ9tVloEMMlIULBzlYo2hb5adCenMWJEk3Ef4+ZxF2qq4\n"
    "o/V9kmLwn60EWEzSl7Wc/wschaGnH5qDhToa1+gQMmV+ykhJ6XFSJtivkoIqsiAo\n"
    "xmNrEd6lck78z8gKpmRepkYbowKBgQC6ZivKT+55Ral66bADsxtgnTFaifui5jVX\n"
    "h71je/U9KXeKTXT5moXqG5uPN7emlzKMqPCxhXJMDnzpKOK2FzEs5dv3nbAa2P3u\n"
    "6pfYZMPUStvmcmfXaspzpVK6ayeyLSTS4C/ulaR7ykRTYgOkm0IADYomkPh7z5Fp\n"
    "hDbkJ8VWPQKBgG9Xv2e6kcjhbG11hJxfJ/s/Ag6OcYlc/9s2h1KGkEHeAwoRRZQj\n"
    "Sekm6s9kpjCveBj8seT10RbgbNwvDGHSmmrYlglUPBOTyPgv17kPHDXbtzxmscn3\n"
    "WycT+btHRP0YfyQh++iHyumZWSXv1IuGGhot4vb+W8ev0Ze47ROBK9uVAoGAFhua\n"
    "JAO4+B9AC7j9zGKI47uhJ+jntJlzSC9sUglYu+lYKUoojpY6PdsKZ0EnghW6xB4h\n"
    "dhyqwsSRIiJcSVaU2YtlvIeyZGzKKXUfj2XcKCi8zidRk6Yx3ueD2WJuMd7S2EQI\n"
    "y1ZqTNhfpDgi0HotqM3yTcKyBhVHXOl2jTb+W80CgYEAsTikgYV4WDUxGYTCjz2J\n"
    "zUrG71buPpOvCsWcvgUNCqXK+2wpoogdIKvepKhqDfE0D2FjvxKB8LPnxbEryTiU\n"
    "klsKEA6WLDraogVrgrxGwfS1g7Q/3HnqnOCOMZ2cEcH282j3nzPia+kqltuTRnEI\n"
    "iJeMU6kdAv0ZGJfrfkjIIPM=\n"
    "-----END PRIVATE KEY-----\n";
// The same key in the traditional PKCS#1 form (`openssl rsa -traditional`).
const char kKeyPkcs1[] =
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEAtphc0DzIgkSNJqoirG8VW5Y81mWzePmwrNs3yUP688GfruFx\n"
    "IrjpPdM4ESRJczXFyDm7S2stHzLFzLg9kpZ4GCE4fBPODyr+Kxb82bgV5khG9BHf\n"
    "gkwFbL4z+bsjQJGI/FLOUwNwm6NuxutNV9Zmmy/h36Fla2qai5XJ8gkWp3waRPig\n"
    "RJmmY55SADC3j4th1/YJz42w77pPpYFtl5XllPYcngrM7d3CD6uKdPvm7uCjk/p/\n"
    "ACxN9XK234wZc9anQ8nT0157A9aY7ueuO7dofJNcl8rv9SJ5mR+eUL4pZxMtY17v\n"
    "pMnWYoXf/Cjduq9QP38KjFRXjsIS2Ve+RWxX1wIDAQABAoIBAD3bQLn0lXJ3+Z9L\n"
    "DKMAoKodq69v1Yxafe0Y+H2Qr3+LLObIDZUXMkCVAM3hzpYedcmeMSJcBPWoNBTl\n"
    "p0o0+ismeeWiqfA+fssnJvI0qAqSmqLNOTwBN+c+SgpESK1zgAYGoUnDBQ9cnsb5\n"
    "aIKkqa7R2kFxghOREhjOXhLF3GxRDNVXp0/jAL9gZz2liRxkHME6URrbL6JWz5vZ\n"
    "gdaftq9b0WcISUXndMwxbe288HEEWcTj5i+C7x5E8b7nt3sId2mWvrda73nUkN6E\n"
    "IlSWNpBP9Ql/CWip2X9iFguCv+7GwaHrfcjJTDiOvIKm0IJxVTL5BidUemN9PCBy\n"
    "zprC8zUCgYEA+saS/W5JH3jFV/pjOKN3noLIZMrqIHgDc1xh12fbVZaBDDJSFCwc\n"
    "5WKNoW+WnQnpzFiRJNxH+PmcRdqquKP1fZJi8J+tBFhM0pe1nP8LHIWhpx+ag4U6\n"
    "GtfoEDJlfspISelxUibYr5KCKrIgKMZjaxHepXJO/M/ICqZkXqZGG6MCgYEAumYr\n"
    "yk/ueUWpeumwA7MbYJ0xWon7ouY1V4e9Y3v1PSl3ik10+ZqF6hubjze3ppcyjKjw\n"
    "sYVyTA586SjithcxLOXb952wGtj97uqX2GTD1Erb5nJn12rKc6VSumsnsi0k0uAv\n"
    "7pWke8pEU2IDpJtCAA2KJpD4e8+RaYQ25CfFVj0CgYBvV79nupHI4WxtdYScXyf7\n"
    "PwIOjnGJXP/bNodShpBB3gMKEUWUI0npJurPZKYwr3gY/LHk9dEW4GzcLwxh0ppq\n"
    "2JYJVDwTk8j4L9e5Dxw127c8ZrHJ91snE/m7R0T9GH8kIfvoh8rpmVkl79SLhhoa\n"
    "LeL2/lvHr9GXuO0TgSvblQKBgBYbmiQDuPgfQAu4/cxiiOO7oSfo57SZc0gvbFIJ\n"
    "WLvpWClKKI6WOj3bCmdBJ4IVusQeIXYcqsLEkSIiXElWlNmLZbyHsmRsyil1H49l\n"
    "3CgovM4nUZOmMd7ng9libjHe0thECMtWakzYX6Q4ItB6LajN8k3CsgYVR1zpdo02\n"
    "/lvNAoGBALE4pIGFeFg1MRmEwo89ic1Kxu9W7j6TrwrFnL4FDQqlyvtsKaKIHSCr\n"
    "3qSoag3xNA9hY78SgfCz58WxK8k4lJJbChAOliw62qIFa4K8RsH0tYO0P9x56pzg\n"
    "jjGdnBHB9vNo958z4mvpKpbbk0ZxCIiXjFOpHQL9GRiX635IyCDz\n"
    "-----END RSA PRIVATE KEY-----\n";
// An EC key: a valid private key, but not RSA.
const char kKeyEc[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgVRIhd8DR8v60Iz9M\n"
    "F5ttHs6nHYpC4qckosryCVOOhNmhRANCAARtYn6N3ASvFXuzQN7lnGdU7uHsx6ZV\n"
    "a/XFFSsyaRTNhi23bTjmS5vOyt41XLKW2ifEmkNBkpt++TflDL9PEgrH\n"
    "-----END PRIVATE KEY-----\n";

const char kId[] = "5e0000000000000000000001";
const char kPath[] = "/api/systems/5e0000000000000000000001";
const char kDate[] = "Tue, 10 Nov 2009 23:00:00 GMT";
// printf 'GET /api/systems/5e0000000000000000000001 HTTP/1.1\ndate: Tue, 10 Nov 2009 23:00:00 GMT' |
//     openssl dgst -sha256 -sign key.pem | base64 -w0
const char kExpected[] =
    "at1wpEoNxhF8sI5zyrooHlV9khLh4bAdxIA2L9eo7IqmdYXwqeRtws/"
    "90on4UZyp8XJHokbpCcKZqrx7q0819ac17wOunakr6Gjjenc0tIRyLWuk+YROk1t/"
    "rqoS1uN9omQQGAOjyRten6t03jYtfB+yuNuToa+8GiHu5X1brmX3RbA8uruthlo/Vuof93ki7N8pmX1JUxqVxl9RarzkOZnoTuly/"
    "78lhEdX/"
    "BeHTgmeCdI1b3UdO2M7W2IB1PUqX5IM2xYe3PphZK76Mq8iHahfhe7AnVXF1VjONqdIANXokCUyJEZLPA8hPjrgjE8NstKJIKIJCZI6r"
    "9uNE3KmxQ==";

std::string run(const std::string& cmd) {
    std::string out;
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return out;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    pclose(p);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
}

void test_signing_string(void**) {
    assert_string_equal(
        dirbind::signing_string("GET", "/api/v2/systems/x/users?limit=100&skip=0", kDate).c_str(),
        "GET /api/v2/systems/x/users?limit=100&skip=0 HTTP/1.1\ndate: Tue, 10 Nov 2009 23:00:00 GMT");
}

void test_http_date(void**) {
    assert_string_equal(dirbind::http_date(1257894000).c_str(), kDate);
    assert_string_equal(dirbind::http_date(0).c_str(), "Thu, 01 Jan 1970 00:00:00 GMT");
    assert_string_equal(dirbind::http_date(951782400).c_str(), "Tue, 29 Feb 2000 00:00:00 GMT");
}

void test_known_answer(void**) {
    SystemSigner s(kKeyPkcs8, kId, "test key");
    assert_string_equal(s.signature("GET", kPath, kDate).c_str(), kExpected);
    SystemSigner s1(kKeyPkcs1, kId, "test key");
    assert_string_equal(s1.signature("GET", kPath, kDate).c_str(), kExpected);
}

// The same comparison against the openssl command on this machine, for another request.
void test_matches_openssl_dgst(void**) {
    if (system("command -v openssl >/dev/null 2>&1") != 0) skip();
    dirbind::test::TempDir dir;
    std::string key = dir / "key.pem";
    FILE* f = fopen(key.c_str(), "w");
    assert_non_null(f);
    fputs(kKeyPkcs1, f);
    fclose(f);
    const std::string path = "/api/v2/systems/5e0000000000000000000001/users?limit=100&skip=200";
    std::string date = dirbind::http_date(1700000000);
    std::string expected = run("printf 'GET %s HTTP/1.1\\ndate: %s' '" + path + "' '" + date +
                               "' | openssl dgst -sha256 -sign '" + key + "' | base64 -w0");
    assert_true(expected.size() > 300);
    SystemSigner s(kKeyPkcs8, kId, "test key");
    assert_string_equal(s.signature("GET", path, date).c_str(), expected.c_str());
}

void test_headers(void**) {
    SystemSigner s(kKeyPkcs8, kId, "test key");
    auto h = s.headers("GET", kPath, 1257894000);
    assert_int_equal(h.size(), 3);
    assert_string_equal(h[0].c_str(), "Date: Tue, 10 Nov 2009 23:00:00 GMT");
    std::string auth =
        "Authorization: Signature keyId=\"system/5e0000000000000000000001\",headers=\"request-line date\","
        "algorithm=\"rsa-sha256\",signature=\"" +
        std::string(kExpected) + "\"";
    assert_string_equal(h[1].c_str(), auth.c_str());
    assert_string_equal(h[2].c_str(), "Accept: application/json");
}

void expect_config_error(const char* pem, const char* id, const char* needle) {
    try {
        SystemSigner s(pem, id, "key.pem");
        fail_msg("accepted: %s", needle);
    } catch (const Error& e) {
        assert_int_equal(static_cast<int>(e.code()), static_cast<int>(Err::config));
        if (std::string(e.what()).find(needle) == std::string::npos)
            fail_msg("'%s' lacks '%s'", e.what(), needle);
    }
}

void test_refusals(void**) {
    expect_config_error("", kId, "key.pem holds no readable private key");
    expect_config_error("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", kId,
                        "no readable private key");
    expect_config_error(kKeyEc, kId, "key.pem is not an RSA private key");
    expect_config_error(kKeyPkcs8, "5E0000000000000000000001", "not 24 lower-case hex digits");
    expect_config_error(kKeyPkcs8, "../../systemusers/x", "not 24 lower-case hex digits");
    expect_config_error(kKeyPkcs8, "", "not 24 lower-case hex digits");
}

void test_encrypted_key_never_prompts(void**) {
    if (system("command -v openssl >/dev/null 2>&1") != 0) skip();
    dirbind::test::TempDir dir;
    std::string key = dir / "key.pem";
    FILE* f = fopen(key.c_str(), "w");
    fputs(kKeyPkcs1, f);
    fclose(f);
    // stdin closed: a prompt would fail rather than hang, but the signer must not prompt at all.
    std::string enc =
        run("openssl rsa -in '" + key + "' -aes256 -passout pass:secret 2>/dev/null </dev/null");
    assert_true(enc.find("ENCRYPTED") != std::string::npos);
    expect_config_error(enc.c_str(), kId, "no readable private key");
}

void test_ids(void**) {
    assert_true(dirbind::valid_jumpcloud_id("5f0000000000000000000abc"));
    assert_false(dirbind::valid_jumpcloud_id("5f0000000000000000000ab"));
    assert_false(dirbind::valid_jumpcloud_id("5f0000000000000000000abcd"));
    assert_false(dirbind::valid_jumpcloud_id("5f00000000000000000/0abc"));
    assert_false(dirbind::valid_jumpcloud_id("5f0000000000000000000ABC"));
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signing_string),
        cmocka_unit_test(test_http_date),
        cmocka_unit_test(test_known_answer),
        cmocka_unit_test(test_matches_openssl_dgst),
        cmocka_unit_test(test_headers),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_encrypted_key_never_prompts),
        cmocka_unit_test(test_ids),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
