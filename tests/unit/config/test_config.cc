// SPDX-License-Identifier: Apache-2.0
// test_config.cc — tests for common/config.cc: each key's good and bad values, messages that
// name file, line and key, YAML syntax errors, the missing-file hint, and empty-file defaults.
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
extern "C" {  // cmocka 1.1's header has no C++ guard
#include <cmocka.h>
}
// clang-format on

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "config/config.h"
#include "system/error.h"

using dirbind::Config;
using dirbind::Err;
using dirbind::Error;

namespace {

// The message of the Error that parse_config throws for `text`, or "OK". The code must be
// Err::config whatever went wrong.
std::string error_of(const std::string& text) {
    try {
        dirbind::parse_config(text, "dirbind.yaml");
        return "OK";
    } catch (const Error& e) {
        assert_int_equal(static_cast<int>(e.code()), static_cast<int>(Err::config));
        return e.what();
    }
}

struct Case {
    const char* text;
    const char* want;  // the exact message, or "OK"
};

void run_table(const Case* cases, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        std::string got = error_of(cases[i].text);
        if (got != cases[i].want) {
            print_error("case %zu: %s\n  want: %s\n  got:  %s\n", i, cases[i].text, cases[i].want,
                        got.c_str());
            fail();
        }
    }
}

#define RUN_TABLE(t) run_table(t, sizeof(t) / sizeof(t[0]))

void test_empty_file_gives_defaults(void**) {
    for (const char* text : {"", "\n\n", "# only a comment\n", "---\n"}) {
        Config c = dirbind::parse_config(text, "empty.yaml");
        assert_string_equal(c.file.c_str(), "empty.yaml");
        assert_string_equal(c.source.type.c_str(), "file");
        assert_string_equal(c.source.path.c_str(), "/etc/dirbind/directory.yaml");
        assert_string_equal(c.cache_dir.c_str(), "/var/lib/dirbind");
        assert_int_equal(c.uid_range.min, 1000);
        assert_int_equal(c.uid_range.max, 60000);
        assert_string_equal(c.home.c_str(), "/home/%u");
        assert_string_equal(c.shell.c_str(), "/bin/bash");
        assert_string_equal(c.unmanaged_keys_file.c_str(), "authorized_keys.jcorig");
        assert_true(c.local_groups.empty());
        assert_string_equal(c.local_passwd.c_str(), "/etc/passwd");
        assert_string_equal(c.local_group.c_str(), "/etc/group");
        assert_string_equal(c.sudo_groups.password.name.c_str(), "dirbind-sudo");
        assert_int_equal(c.sudo_groups.password.gid, 65600);
        assert_string_equal(c.sudo_groups.nopasswd.name.c_str(), "dirbind-sudo-nopasswd");
        assert_int_equal(c.sudo_groups.nopasswd.gid, 65601);
        assert_false(c.sudo_groups.password.existing_local_group || c.sudo_groups.nopasswd.existing_local_group);
        assert_string_equal(c.sudo_groups.rule_file.c_str(), "/etc/sudoers.d/dirbind");
    }
}

void test_every_key_set(void**) {
    const char* text =
        "source:\n"
        "  type: file\n"
        "  path: /srv/dir/directory.json\n"
        "cache_dir: /var/lib/dirbind/\n"
        "uid_range: {min: 70000, max: 2147483647}\n"
        "home: /srv/homes/u_%u\n"
        "shell: /usr/bin/zsh\n"
        "unmanaged_keys_file: .keys-from-elsewhere\n"
        "local_groups: [docker, plugdev]\n"
        "local_passwd: /tmp/passwd\n"
        "local_group: /tmp/group\n";
    Config c = dirbind::parse_config(text, "full.yaml");
    assert_string_equal(c.source.type.c_str(), "file");
    assert_string_equal(c.source.path.c_str(), "/srv/dir/directory.json");
    assert_string_equal(c.cache_dir.c_str(), "/var/lib/dirbind");
    assert_int_equal(c.uid_range.min, 70000);
    assert_int_equal(c.uid_range.max, 2147483647u);
    assert_string_equal(c.home.c_str(), "/srv/homes/u_%u");
    assert_string_equal(dirbind::home_base(c).c_str(), "/srv/homes");
    assert_string_equal(c.shell.c_str(), "/usr/bin/zsh");
    assert_string_equal(c.unmanaged_keys_file.c_str(), ".keys-from-elsewhere");
    assert_int_equal(c.local_groups.size(), 2);
    assert_string_equal(c.local_groups[0].c_str(), "docker");
    assert_string_equal(c.local_groups[1].c_str(), "plugdev");
    assert_string_equal(c.local_passwd.c_str(), "/tmp/passwd");
    assert_string_equal(c.local_group.c_str(), "/tmp/group");
}

void test_partial_values_keep_defaults(void**) {
    Config c =
        dirbind::parse_config("uid_range: {max: 50000}\nsource: {path: /x.yaml}\nlocal_groups:\n", "p.yaml");
    assert_int_equal(c.uid_range.min, 1000);
    assert_int_equal(c.uid_range.max, 50000);
    assert_string_equal(c.source.type.c_str(), "file");
    assert_string_equal(c.source.path.c_str(), "/x.yaml");
    assert_true(c.local_groups.empty());
    c = dirbind::parse_config("home: /home/%u%%\n", "p.yaml");
    assert_string_equal(c.home.c_str(), "/home/%u%%");
}

void test_unknown_keys(void**) {
    static const Case cases[] = {
        {"cahce_dir: /x", "dirbind.yaml:1: unknown key 'cahce_dir' (did you mean 'cache_dir'?)"},
        {"# header\n"
         "source:\n"
         "  type: file\n"
         "  path: /etc/dirbind/directory.yaml\n"
         "home: /home/%u\n"
         "shell: /bin/bash\n"
         "cahce_dir: /var/lib/dirbind\n",
         "dirbind.yaml:7: unknown key 'cahce_dir' (did you mean 'cache_dir'?)"},
        {"uid-range: {min: 1000}", "dirbind.yaml:1: unknown key 'uid-range' (did you mean 'uid_range'?)"},
        {"localgroups: []", "dirbind.yaml:1: unknown key 'localgroups' (did you mean 'local_groups'?)"},
        {"frobnicate: 1", "dirbind.yaml:1: unknown key 'frobnicate'"},
        {"\"bad\\nkey\": 1", "dirbind.yaml:1: unknown key 'bad\\x0akey'"},
        {"uid_range: {mn: 1000}", "dirbind.yaml:1: uid_range: unknown key 'mn' (did you mean 'min'?)"},
        {"source:\n  type: file\n  pth: /x",
         "dirbind.yaml:3: source: unknown key 'pth' (did you mean 'path'?)"},
        {"source: {url: x}", "dirbind.yaml:1: source: key 'url' belongs to source type https, not file"},
        {"source: {frobnicate: x}", "dirbind.yaml:1: source: unknown key 'frobnicate'"},
        {"shell: /bin/sh\nshell: /bin/bash", "dirbind.yaml:2: shell: duplicate key (already set above)"},
        {"source: {path: /x, path: /y}", "dirbind.yaml:1: source: duplicate key 'path'"},
        {"[a]: 1", "dirbind.yaml:1: keys must be plain names"},
        {"- a\n- b", "dirbind.yaml:1: the config must be a mapping of keys (key: value)"},
        {"just text", "dirbind.yaml:1: the config must be a mapping of keys (key: value)"},
    };
    RUN_TABLE(cases);
}

void test_yaml_syntax_errors(void**) {
    static const Case cases[] = {
        {"home: [a\nshell: /bin/sh", "dirbind.yaml:2:6: YAML syntax error: end of sequence flow not found"},
        {"a: b: c", "dirbind.yaml:1:5: YAML syntax error: illegal map value"},
        {"shell: \"abc", "dirbind.yaml:1:12: YAML syntax error: illegal EOF in scalar"},
        {"shell: /bin/sh\n---\nshell: /bin/bash",
         "dirbind.yaml:2:1: YAML syntax error: more than one document"},
        {",", "dirbind.yaml:1:1: YAML syntax error: unexpected character"},
        {"-\n,",
         "dirbind.yaml:2:1: YAML syntax error: unexpected character"},  // these two hang yaml-cpp 0.7 LoadAll
        {"{", "dirbind.yaml:1:1: YAML syntax error: end of map flow not found"},
        {"cache_dir: *nowhere", "dirbind.yaml:1:12: YAML syntax error: the referenced anchor is not defined"},
    };
    RUN_TABLE(cases);
}

void test_source(void**) {
    static const Case cases[] = {
        {"source: {type: file, path: /srv/d.yaml}", "OK"},
        // The https and jumpcloud keys are tested in test_https_client.cc.
        {"source: {type: https}", "dirbind.yaml:1: source: type https needs 'url' (the snapshot's https:// address)"},
        {"source: {type: jumpcloud}", "OK"},
        {"source: {type: nis}",
         "dirbind.yaml:1: source.type: unknown source type 'nis' (expected file, https, jumpcloud or ldap)"},
        // ldap: the required keys, the TLS rule, the key pairs, the schema and map checks.
        {"source: {type: ldap}",
         "dirbind.yaml:1: source: type ldap needs 'uris' (the servers, e.g. [ldaps://ldap1.example.org])"},
        {"source: {type: ldap, uris: [ldaps://l1, ldaps://l2], user_base: 'dc=x'}", "OK"},
        {"source: {type: ldap, uris: ldaps://l1}",
         "dirbind.yaml:1: source: type ldap needs 'user_base' (e.g. ou=people,dc=example,dc=org)"},
        {"source: {type: ldap, uris: [ldap://l1], user_base: 'dc=x'}",
         "dirbind.yaml:1: source: plain ldap://l1 is refused: the directory decides who may log in; use "
         "ldaps:// or set starttls: true"},
        {"source: {type: ldap, uris: [ldap://l1], starttls: true, user_base: 'dc=x'}", "OK"},
        {"source: {type: ldap, uris: [http://l1], user_base: 'dc=x'}",
         "dirbind.yaml:1: source.uris[0]: must be an ldaps://, ldap:// (with starttls: true) or ldapi:// URI, got "
         "'http://l1'"},
        {"source: {type: ldap, uris: ['ldaps://u:p@l1'], user_base: 'dc=x'}",
         "dirbind.yaml:1: source.uris[0]: must not carry credentials; use bind_dn and bind_password_file"},
        {"source: {type: ldap, uris: [ldaps://l1], user_base: 'dc=x', bind_dn: 'cn=r'}",
         "dirbind.yaml:1: source: bind_dn and bind_password_file go together: set both (simple bind) or neither"},
        {"source: {type: ldap, uris: [ldaps://l1], user_base: 'dc=x', sasl_external: true}",
         "dirbind.yaml:1: source: sasl_external needs client_cert and client_key (or an ldapi:// server)"},
        {"source: {type: ldap, uris: [ldaps://l1], user_base: 'dc=x', schema: rfc2037}",
         "dirbind.yaml:1: source.schema: expected rfc2307, rfc2307bis or ad, got 'rfc2037' (did you mean 'rfc2307'?)"},
        {"source: {type: ldap, uris: [ldaps://l1], user_base: 'dc=x', map: {hme: x}}",
         "dirbind.yaml:1: source.map: unknown key 'hme' (did you mean 'home'?)"},
        {"source: {type: ldap, uris: [ldaps://l1], user_base: 'dc=x', user_filter: 'uid=a'}",
         "dirbind.yaml:1: source.user_filter: must start with '(' as in (objectClass=posixAccount)"},
        {"source: {type: ldap, uris: [ldaps://l1], user_base: 'dc=x', host_filter: '(host=a'}",
         "dirbind.yaml:1: source.host_filter: must be one parenthesised filter with balanced parentheses"},
        {"source: {type: ldap, uris: [ldaps://l1], user_base: 'dc=x', offline_password_days: 7}",
         "dirbind.yaml:1: source: offline_password_days needs password_check: bind"},
        {"source: {type: ldap, uris: [ldaps://l1], user_base: 'dc=x', password_check: bind, offline_password_days: 7}",
         "OK"},
        {"source: {type: ldap, uris: [ldaps://l1], user_base: 'dc=x', password_check: bnid}",
         "dirbind.yaml:1: source.password_check: expected none or bind, got 'bnid' (did you mean 'bind'?)"},
        {"source: {type: ldap, uris: [ldaps://l1], user_base: 'dc=x', api_key_file: /k}",
         "dirbind.yaml:1: source: key 'api_key_file' belongs to source type jumpcloud, not ldap"},
        {"source: {type: }", "dirbind.yaml:1: source.type: a value is required"},
        {"source: file", "dirbind.yaml:1: source: expected a mapping with 'type' and its keys, got 'file'"},
        {"source: {path: relative.yaml}",
         "dirbind.yaml:1: source.path: must be an absolute path, got 'relative.yaml'"},
        {"source: {path: /etc/../x}", "dirbind.yaml:1: source.path: must not contain '..'"},
        {"source: {path: [a]}", "dirbind.yaml:1: source.path: expected a string, got a list"},
    };
    RUN_TABLE(cases);
}

void test_cache_dir(void**) {
    static const Case cases[] = {
        {"cache_dir: /var/lib/dirbind", "OK"},
        {"cache_dir: var/lib", "dirbind.yaml:1: cache_dir: must be an absolute path, got 'var/lib'"},
        {"cache_dir: /", "dirbind.yaml:1: cache_dir: must not be '/'"},
        {"cache_dir: //", "dirbind.yaml:1: cache_dir: must not be '/'"},
        {"cache_dir: /var/../etc", "dirbind.yaml:1: cache_dir: must not contain '..'"},
        {"cache_dir: \"/var/\\tx\"", "dirbind.yaml:1: cache_dir: contains control characters"},
        {"cache_dir:", "dirbind.yaml:1: cache_dir: a value is required"},
        {"cache_dir: {a: b}", "dirbind.yaml:1: cache_dir: expected a string, got a mapping"},
        // The NSS module reads no config: any other directory would split the readers.
        {"cache_dir: /var/cache/dirbind",
         "dirbind.yaml:1: cache_dir: /var/cache/dirbind is not the cache directory the NSS module serves "
         "users from (/var/lib/dirbind); every part of dirbind must use that one: remove this line (the cache "
         "lives in /var/lib/dirbind)"},
        {"cache_dir: /var/lib/dirbind/", "OK"},
    };
    RUN_TABLE(cases);
}

// $DIRBIND_CACHE_DIR moves the cache for every reader at once (tests, sandboxes): the config
// follows it and refuses the compiled-in directory then.
void test_cache_dir_follows_the_environment(void**) {
    setenv("DIRBIND_CACHE_DIR", "/srv/test-cache", 1);
    assert_string_equal(dirbind::parse_config("", "d.yaml").cache_dir.c_str(), "/srv/test-cache");
    assert_string_equal(dirbind::parse_config("cache_dir: /srv/test-cache\n", "d.yaml").cache_dir.c_str(),
                        "/srv/test-cache");
    std::string e = error_of("cache_dir: /var/lib/dirbind");
    assert_non_null(strstr(e.c_str(), "(/srv/test-cache)"));
    setenv("DIRBIND_CACHE_DIR", "relative/path", 1);  // not absolute: ignored
    assert_string_equal(dirbind::parse_config("", "d.yaml").cache_dir.c_str(), "/var/lib/dirbind");
    unsetenv("DIRBIND_CACHE_DIR");
}

void test_login_refresh(void**) {
    Config d = dirbind::parse_config("", "d.yaml");
    assert_false(d.login_refresh.enabled);  // off unless asked for
    assert_int_equal(d.login_refresh.timeout_ms, 2000);
    Config c = dirbind::parse_config("login_refresh: {enabled: true, timeout: 0.25}", "d.yaml");
    assert_true(c.login_refresh.enabled);
    assert_int_equal(c.login_refresh.timeout_ms, 250);
    assert_int_equal(
        dirbind::parse_config("login_refresh: {timeout: 1.5}", "d.yaml").login_refresh.timeout_ms, 1500);
    assert_int_equal(dirbind::parse_config("login_refresh: {timeout: 2}", "d.yaml").login_refresh.timeout_ms,
                     2000);
    assert_int_equal(
        dirbind::parse_config("login_refresh: {timeout: 0.001}", "d.yaml").login_refresh.timeout_ms, 1);
    static const Case cases[] = {
        {"login_refresh: {enabled: false}", "OK"},
        {"login_refresh:\n  enabled: true\n  timeout: 2.0", "OK"},
        {"login_refresh: {timeout: 3}",
         "dirbind.yaml:1: login_refresh.timeout: 3 is outside the allowed range: above 0 and at most 2 "
         "seconds"},
        {"login_refresh: {timeout: 2.001}",
         "dirbind.yaml:1: login_refresh.timeout: 2.001 is outside the allowed range: above 0 and at most 2 "
         "seconds"},
        {"login_refresh: {timeout: 0}",
         "dirbind.yaml:1: login_refresh.timeout: 0 is outside the allowed range: above 0 and at most 2 "
         "seconds"},
        {"login_refresh: {timeout: -1}",
         "dirbind.yaml:1: login_refresh.timeout: expected seconds such as 2 or 0.5 (at most three decimals), "
         "got '-1'"},
        {"login_refresh: {timeout: 0.0001}",
         "dirbind.yaml:1: login_refresh.timeout: expected seconds such as 2 or 0.5 (at most three decimals), "
         "got "
         "'0.0001'"},
        {"login_refresh: {timeout: 1e0}",
         "dirbind.yaml:1: login_refresh.timeout: expected seconds such as 2 or 0.5 (at most three decimals), "
         "got "
         "'1e0'"},
        {"login_refresh: {timeout: '1'}",
         "dirbind.yaml:1: login_refresh.timeout: expected a number of seconds, got '1'"},
        {"login_refresh: {timeout: }", "dirbind.yaml:1: login_refresh.timeout: a value is required"},
        {"login_refresh: {enabled: yes}",
         "dirbind.yaml:1: login_refresh.enabled: expected true or false, got 'yes'"},
        {"login_refresh: {enabled: true, timout: 1}",
         "dirbind.yaml:1: login_refresh: unknown key 'timout' (did you mean 'timeout'?)"},
        {"login_refresh: true",
         "dirbind.yaml:1: login_refresh: expected a mapping {enabled, timeout}, got 'true'"},
        {"login_refresh: {enabled: true, enabled: false}",
         "dirbind.yaml:1: login_refresh: duplicate key 'enabled'"},
    };
    RUN_TABLE(cases);
}

void test_uid_range(void**) {
    static const Case cases[] = {
        {"uid_range: {min: 1000, max: 60000}", "OK"},
        {"uid_range: {min: 1000, max: 1000}", "OK"},
        {"uid_range: {min: 60001, max: 60578}", "OK"},  // one usable id: accepted
        {"uid_range: {min: 100000, max: 2147483647}", "OK"},
        {"uid_range: {min: 999, max: 60000}",
         "dirbind.yaml:1: uid_range: min 999 is below 1000 (0–999 belong to the system)"},
        {"uid_range: {min: 0}",
         "dirbind.yaml:1: uid_range: min 0 is below 1000 (0–999 belong to the system)"},
        {"uid_range: {min: 1000, max: 2147483648}",
         "dirbind.yaml:1: uid_range: max 2147483648 is not below 2^31"},
        {"uid_range: {min: 5000, max: 4999}", "dirbind.yaml:1: uid_range: min 5000 is above max 4999"},
        {"uid_range: {min: 60001, max: 60577}",
         "dirbind.yaml:1: uid_range: 60001–60577 holds only reserved ids (see docs/config.md)"},
        {"uid_range: {min: 65534, max: 65535}",
         "dirbind.yaml:1: uid_range: 65534–65535 holds only reserved ids (see docs/config.md)"},
        {"uid_range: {min: 61184, max: 65519}",
         "dirbind.yaml:1: uid_range: 61184–65519 holds only reserved ids (see docs/config.md)"},
        {"uid_range: {min: -1}", "dirbind.yaml:1: uid_range.min: not a number: '-1'"},
        {"uid_range: {min: 0x400}", "dirbind.yaml:1: uid_range.min: not a number: '0x400'"},
        {"uid_range: {min: 01000}", "dirbind.yaml:1: uid_range.min: not a number: '01000'"},
        {"uid_range: {min: 1000.0}", "dirbind.yaml:1: uid_range.min: not a number: '1000.0'"},
        {"uid_range: {min: \"1000\"}", "dirbind.yaml:1: uid_range.min: not a number: '1000'"},
        {"uid_range: {min: 99999999999}", "dirbind.yaml:1: uid_range.min: not a number: '99999999999'"},
        {"uid_range: {min: }", "dirbind.yaml:1: uid_range.min: a value is required"},
        {"uid_range:\n  min: 1000\n  max: abc", "dirbind.yaml:3: uid_range.max: not a number: 'abc'"},
        {"uid_range: 5", "dirbind.yaml:1: uid_range: expected a mapping {min, max}, got '5'"},
        {"uid_range: {min: 1000, min: 2000}", "dirbind.yaml:1: uid_range: duplicate key 'min'"},
    };
    RUN_TABLE(cases);
}

void test_home(void**) {
    static const Case cases[] = {
        {"home: /home/%u", "OK"},
        {"home: /srv/homes/u_%u", "OK"},
        {"home: /home/%u%%", "OK"},
        {"home: home/%u", "dirbind.yaml:1: home: must be an absolute path, got 'home/%u'"},
        {"home: /home/user",
         "dirbind.yaml:1: home: must contain %u exactly once, in the last path component"},
        {"home: /home/%u%u",
         "dirbind.yaml:1: home: must contain %u exactly once, in the last path component"},
        {"home: /home/%u/x", "dirbind.yaml:1: home: '%' may only appear in the last path component"},
        {"home: /h%%/%u", "dirbind.yaml:1: home: '%' may only appear in the last path component"},
        {"home: /home/%x", "dirbind.yaml:1: home: only %u and %% may follow '%'"},
        {"home: /home/%", "dirbind.yaml:1: home: only %u and %% may follow '%'"},
        {"home: /home/../%u", "dirbind.yaml:1: home: must not contain '.', '..' or empty path components"},
        {"home: /home/./%u", "dirbind.yaml:1: home: must not contain '.', '..' or empty path components"},
        {"home: /home//%u", "dirbind.yaml:1: home: must not contain '.', '..' or empty path components"},
        {"home: /%u",
         "dirbind.yaml:1: home: the homes would lie directly below '/'; use a base such as /home/%u"},
        {"home: /u%u",
         "dirbind.yaml:1: home: the homes would lie directly below '/'; use a base such as /home/%u"},
        {"home: /home/a:%u", "dirbind.yaml:1: home: not a valid passwd field (':' or control characters)"},
        {"home: \"/home/\\n%u\"",
         "dirbind.yaml:1: home: not a valid passwd field (':' or control characters)"},
    };
    RUN_TABLE(cases);
}

void test_shell(void**) {
    static const Case cases[] = {
        {"shell: /bin/sh", "OK"},
        {"shell: bash", "dirbind.yaml:1: shell: must be an absolute path, got 'bash'"},
        {"shell: /bin/ba:sh", "dirbind.yaml:1: shell: not a valid passwd field (':' or bad UTF-8)"},
        {"shell: /bin/", "dirbind.yaml:1: shell: must name a program, not a directory"},
        {"shell: /usr/../bin/sh", "dirbind.yaml:1: shell: must not contain '..'"},
        {"shell: [/bin/sh]", "dirbind.yaml:1: shell: expected a string, got a list"},
    };
    RUN_TABLE(cases);
}

void test_unmanaged_keys_file(void**) {
    std::string long_name = "unmanaged_keys_file: " + std::string(256, 'a');
    const Case cases[] = {
        {"unmanaged_keys_file: authorized_keys.jcorig", "OK"},
        {"unmanaged_keys_file: .hidden-keys_1", "OK"},
        {"unmanaged_keys_file: authorized_keys",
         "dirbind.yaml:1: unmanaged_keys_file: must not be a file sshd reads ('authorized_keys')"},
        {"unmanaged_keys_file: authorized_keys2",
         "dirbind.yaml:1: unmanaged_keys_file: must not be a file sshd reads ('authorized_keys2')"},
        {"unmanaged_keys_file: ../x",
         "dirbind.yaml:1: unmanaged_keys_file: must be a plain file name in ~/.ssh, without '/'"},
        {"unmanaged_keys_file: a/b",
         "dirbind.yaml:1: unmanaged_keys_file: must be a plain file name in ~/.ssh, without '/'"},
        {"unmanaged_keys_file: .", "dirbind.yaml:1: unmanaged_keys_file: must be a file name, not '.'"},
        {"unmanaged_keys_file: ..", "dirbind.yaml:1: unmanaged_keys_file: must be a file name, not '..'"},
        {"unmanaged_keys_file: a b",
         "dirbind.yaml:1: unmanaged_keys_file: may only contain letters, digits, '.', '_' and '-'"},
        {"unmanaged_keys_file: \"\"",
         "dirbind.yaml:1: unmanaged_keys_file: must be a file name of 1 to 255 characters"},
        {long_name.c_str(),
         "dirbind.yaml:1: unmanaged_keys_file: must be a file name of 1 to 255 characters"},
    };
    RUN_TABLE(cases);
}

void test_local_groups(void**) {
    static const Case cases[] = {
        {"local_groups: [docker, sudo]", "OK"},
        {"local_groups: []", "OK"},
        {"local_groups:", "OK"},
        {"local_groups: [docker, Bad]", "dirbind.yaml:1: local_groups[1]: 'Bad' is not a valid group name"},
        {"local_groups:\n  - docker\n  - 123",
         "dirbind.yaml:3: local_groups[1]: '123' is not a valid group name"},
        {"local_groups: [root]",
         "dirbind.yaml:1: local_groups[0]: 'root' may never be given to directory users"},
        {"local_groups: [docker, docker]", "dirbind.yaml:1: local_groups[1]: 'docker' is listed twice"},
        {"local_groups: docker",
         "dirbind.yaml:1: local_groups: expected a list of group names, got 'docker'"},
        {"local_groups: [[a]]", "dirbind.yaml:1: local_groups[0]: expected a string, got a list"},
    };
    RUN_TABLE(cases);
}

void test_sudo_groups(void**) {
    static const Case cases[] = {
        {"sudo_groups: {password: {name: admins, gid: 59000}, nopasswd: {name: admins-np, gid: 59001}}", "OK"},
        {"sudo_groups: {password: {name: sudo, existing_local_group: true}}", "OK"},
        {"sudo_groups: {nopasswd: {gid: 70000}, rule_file: /etc/sudoers.d/admins}", "OK"},
        {"sudo_groups: {password: {name: Admins}}",
         "dirbind.yaml:1: sudo_groups.password.name: 'Admins' is not a valid group name"},
        {"sudo_groups: {password: {name: root}}",
         "dirbind.yaml:1: sudo_groups.password.name: 'root' may never be given to directory users"},
        {"sudo_groups: {password: {gid: 27}}",
         "dirbind.yaml:1: sudo_groups.password.gid: 27 is a reserved id (see docs/config.md, uid_range)"},
        {"sudo_groups: {nopasswd: {gid: 65534}}",
         "dirbind.yaml:1: sudo_groups.nopasswd.gid: 65534 is a reserved id (see docs/config.md, uid_range)"},
        {"sudo_groups: {password: {gid: 0}}",
         "dirbind.yaml:1: sudo_groups.password.gid: 0 is a reserved id (see docs/config.md, uid_range)"},
        {"sudo_groups: {password: {gid: -5}}", "dirbind.yaml:1: sudo_groups.password.gid: not a number: '-5'"},
        {"sudo_groups: {password: {name: sudo, gid: 5000, existing_local_group: true}}",
         "dirbind.yaml:1: sudo_groups.password: takes no gid with existing_local_group: true (the gid is the "
         "local group's, from local_group)"},
        {"sudo_groups: {password: {existing_local_group: yes}}",
         "dirbind.yaml:1: sudo_groups.password.existing_local_group: expected true or false, got 'yes'"},
        {"sudo_groups: {password: {name: x, gidd: 5}}",
         "dirbind.yaml:1: sudo_groups.password: unknown key 'gidd' (did you mean 'gid'?)"},
        {"sudo_groups: {pasword: {}}",
         "dirbind.yaml:1: sudo_groups: unknown key 'pasword' (did you mean 'password'?)"},
        {"sudo_groups: {password: {name: admins}, nopasswd: {name: admins}}",
         "dirbind.yaml:1: sudo_groups: password and nopasswd name the same group 'admins': sudo with and without "
         "a password need a group each"},
        {"sudo_groups: {nopasswd: {gid: 65600}}", "dirbind.yaml:1: sudo_groups: password and nopasswd have the same gid 65600"},
        {"sudo_groups: {rule_file: sudoers}", "dirbind.yaml:1: sudo_groups.rule_file: must be an absolute path, got 'sudoers'"},
        {"sudo_groups: [a]", "dirbind.yaml:1: sudo_groups: expected a mapping {password, nopasswd, rule_file}, got a list"},
        // A served sudo group may not also be a local group directory users can be put in.
        {"local_groups: [docker, dirbind-sudo]",
         "dirbind.yaml:1: local_groups: 'dirbind-sudo' is both a sudo group served by dirbind and in local_groups; "
         "set existing_local_group: true to use the local group, or take it out of local_groups"},
        {"local_groups: [sudo]\nsudo_groups: {password: {name: sudo, existing_local_group: true}}", "OK"},
    };
    RUN_TABLE(cases);
}

void test_local_files(void**) {
    static const Case cases[] = {
        {"local_passwd: /etc/passwd\nlocal_group: /etc/group", "OK"},
        {"local_passwd: passwd", "dirbind.yaml:1: local_passwd: must be an absolute path, got 'passwd'"},
        {"local_group: group", "dirbind.yaml:1: local_group: must be an absolute path, got 'group'"},
        {"local_group: /etc/../group", "dirbind.yaml:1: local_group: must not contain '..'"},
    };
    RUN_TABLE(cases);
}

std::string load_error(const std::string& path) {
    try {
        dirbind::load_config(path);
        return "OK";
    } catch (const Error& e) {
        assert_int_equal(static_cast<int>(e.code()), static_cast<int>(Err::config));
        return e.what();
    }
}

void test_load_config(void**) {
    char dir[] = "/tmp/test_config.XXXXXX";
    assert_non_null(mkdtemp(dir));
    std::string d = dir;

    assert_string_equal(load_error(d + "/missing.yaml").c_str(),
                        ("cannot read config " + d +
                         "/missing.yaml: No such file or directory (create it from "
                         "/etc/dirbind/dirbind.yaml.example)")
                            .c_str());
    assert_string_equal(load_error(d).c_str(), ("cannot read config " + d + ": not a regular file").c_str());

    std::string good = d + "/dirbind.yaml";
    FILE* f = std::fopen(good.c_str(), "w");
    assert_non_null(f);
    std::fputs("shell: /bin/sh\n\ncache_dir: relative\n", f);
    std::fclose(f);
    // Messages name the path as given.
    assert_string_equal(load_error(good).c_str(),
                        (good + ":3: cache_dir: must be an absolute path, got 'relative'").c_str());

    f = std::fopen(good.c_str(), "w");
    std::fputs("shell: /bin/sh\n", f);
    std::fclose(f);
    Config c = dirbind::load_config(good);
    assert_string_equal(c.shell.c_str(), "/bin/sh");
    assert_string_equal(c.file.c_str(), good.c_str());

    // Whoever can write the config decides homes, key options and sources: root's alone (or
    // ours, in a test), the rule of the secret files.
    chmod(good.c_str(), 0664);
    assert_string_equal(load_error(good).c_str(), ("refusing to use config " + good +
                                                   ": writable by group or others (mode 0664): chmod go-w " + good)
                                                      .c_str());
    chmod(good.c_str(), 0644);
    if (geteuid() == 0) {
        assert_int_equal(chown(good.c_str(), 4242, 4242), 0);
        assert_string_equal(load_error(good).c_str(),
                            ("refusing to use config " + good + ": owned by uid 4242, not root (chown root " +
                             good + ")")
                                .c_str());
        assert_int_equal(chown(good.c_str(), 0, 0), 0);
    } else {
        print_message("SKIP part: foreign-owner case needs root\n");
    }

    std::string big = d + "/big.yaml";
    f = std::fopen(big.c_str(), "w");
    std::string line = "# " + std::string(1000, 'x') + "\n";
    for (int i = 0; i < 1100; ++i) std::fputs(line.c_str(), f);
    std::fclose(f);
    assert_string_equal(load_error(big).c_str(),
                        ("cannot read config " + big + ": larger than 1 MiB").c_str());

    unlink(good.c_str());
    unlink(big.c_str());
    rmdir(dir);
}

}  // namespace

int main() {
    unsetenv("DIRBIND_CACHE_DIR");  // the defaults below are the compiled-in ones
    umask(022);                     // the configs written here must be trusted (0644)
    alarm(60);  // a parser that hangs (yaml-cpp has had such bugs) fails the run instead of stalling it
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_file_gives_defaults),
        cmocka_unit_test(test_every_key_set),
        cmocka_unit_test(test_partial_values_keep_defaults),
        cmocka_unit_test(test_unknown_keys),
        cmocka_unit_test(test_yaml_syntax_errors),
        cmocka_unit_test(test_source),
        cmocka_unit_test(test_cache_dir),
        cmocka_unit_test(test_cache_dir_follows_the_environment),
        cmocka_unit_test(test_uid_range),
        cmocka_unit_test(test_login_refresh),
        cmocka_unit_test(test_home),
        cmocka_unit_test(test_shell),
        cmocka_unit_test(test_unmanaged_keys_file),
        cmocka_unit_test(test_local_groups),
        cmocka_unit_test(test_sudo_groups),
        cmocka_unit_test(test_local_files),
        cmocka_unit_test(test_load_config),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
