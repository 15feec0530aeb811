// SPDX-License-Identifier: Apache-2.0
// doc_util.h — helpers shared by the parsers of dirbind's own documents (config.cc,
// file_source.cc): loading exactly one YAML document with line:col syntax errors, node line
// numbers, "did you mean" for mistyped keys, and making document text safe to echo in logs.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "system/error.h"
#include "system/log.h"

namespace dirbind::doc {

// Parses `text` as exactly one YAML document; empty text (or only comments) gives a Null
// node. Syntax errors, and a second document ("---"), throw Error(code, "<name>:<line>:<col>:
// YAML syntax error: <msg>"), so no yaml-cpp exception escapes.
YAML::Node load_yaml(const std::string& text, const std::string& name, Err code);

// 1-based line of `n`, or `fallback` when yaml-cpp has no position (an empty value).
int line_of(const YAML::Node& n, int fallback) noexcept;

// True for an unquoted, untagged scalar: only those may be read as numbers or booleans, so
// that `uid: "5001"` in YAML is refused exactly like "uid": "5001" in JSON.
bool is_plain(const YAML::Node& n);

// " (did you mean 'cache_dir'?)" when one of `known` is a likely typo of `key`, else "".
std::string did_you_mean(std::string_view key, const char* const* known, std::size_t n);
inline std::string did_you_mean(std::string_view key, std::initializer_list<const char*> known) {
    return did_you_mean(key, known.begin(), known.size());
}

using dirbind::errno_text;  // log.h
using dirbind::printable;

}  // namespace dirbind::doc
