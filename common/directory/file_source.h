// SPDX-License-Identifier: Apache-2.0
// file_source.h — the `file` source: the whole directory for this host in one YAML or JSON
// document (docs/directory-format.md). The `https` source serves the same document.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "directory/model.h"

namespace dirbind {

// Parses a directory document. JSON when the first non-blank character is '{', else YAML.
// A document that cannot be parsed at all (syntax error, top level not a mapping, a
// `users`/`groups` that is not a list) throws Error(Err::source) with "<name>:<line>:<col>:
// reason". A record with a wrongly typed field is appended to `skipped` with its position
// and left out; the rest is returned. Unknown keys are logged as warnings and ignored.
RawDirectory parse_directory(std::string_view text, const std::string& name, std::vector<Skipped>* skipped);

// Reads `path` and parses it as above. Throws Error(Err::source) when it cannot be read, or is
// not owned by root (or this process's euid) or writable by group or others: whoever can write
// it decides who logs in (secret_file.h untrusted_because).
RawDirectory load_directory_file(const std::string& path, std::vector<Skipped>* skipped);

}  // namespace dirbind
