// SPDX-License-Identifier: Apache-2.0
// cmd_doctor.cc — `dirbind doctor [USER] [--key FILE|-] [--json] [--fix]`: the command line.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>

#include "commands.h"
#include "doctor.h"
#include "system/error.h"

namespace dirbind::cli {
namespace {
constexpr std::size_t kMaxKeyInput = 64 * 1024;  // a pasted key; RSA-16384 is under 3 KiB

std::string read_key_input(const std::string& from) {
    std::string text;
    if (from == "-") {
        text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    } else {
        std::ifstream in(from, std::ios::binary);
        if (!in) throw Error(Err::io, "--key " + from + ": cannot read it");
        text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    if (text.size() > kMaxKeyInput)
        throw Error(Err::invalid, "--key " + from + ": larger than 64 KiB; not a key");
    return text;
}
}  // namespace

int cmd_doctor(const Args& a) {
    DoctorOptions o;
    bool json = false;
    for (std::size_t i = 0; i < a.words.size(); ++i) {
        const std::string& w = a.words[i];
        if (w == "--json") {
            json = true;
        } else if (w == "--fix") {
            o.fix = true;
        } else if (w == "--key") {
            if (++i == a.words.size()) return usage_error("doctor: --key needs a file or '-' for stdin");
            o.key = read_key_input(a.words[i]);
        } else if (w.rfind("--key=", 0) == 0) {
            o.key = read_key_input(w.substr(6));
        } else if (!w.empty() && w[0] == '-') {
            return usage_error("doctor: unknown option '" + w + "'");
        } else if (o.user.empty()) {
            o.user = w;
        } else {
            return usage_error("doctor: one user at a time");
        }
    }
    if ((o.key || o.fix) && o.user.empty()) return usage_error("doctor: --key and --fix need a USER");
    Report r;
    Config cfg;
    try {
        cfg = load_config(a.config);
        r.add("host", "config.valid", Level::ok, "config " + a.config + " is valid");
    } catch (const Error& e) {
        r.add("host", "config.valid", Level::fail, e.what(), "dirbind check-config; fix the file it names");
    }
    if (r.failed()) {
        // Nothing else can be judged without the config.
    } else if (o.user.empty()) {
        check_host(cfg, &r);
    } else {
        check_user(cfg, o, &r);
    }
    if (json)
        r.print_json(o.user);
    else
        r.print_text(isatty(STDOUT_FILENO) && getenv("NO_COLOR") == nullptr);
    return r.failed() ? 1 : 0;
}

}  // namespace dirbind::cli
