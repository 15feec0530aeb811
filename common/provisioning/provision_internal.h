// SPDX-License-Identifier: Apache-2.0
// provision_internal.h — what provision.cc (root side), keys_helper.cc (the helper program that
// runs as the user) and provision_keys.cc (its work in ~/.ssh) share: the helper's request, its
// report and their wire forms. Not a public API.
#pragma once

#include <sys/types.h>

#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "system/error.h"
#include "system/log.h"

namespace dirbind::provision_detail {

struct Status {
    Err code = Err::ok;
    std::string message;
    bool ok() const noexcept { return code == Err::ok; }
};

struct DirKey {
    std::string line;  // re-serialised "type base64 [comment]"
    std::string fp;    // its fingerprint
};

// The helper kills itself (alarm) after this; the parent kills it 5 s later.
constexpr unsigned kHelperSeconds = 30;
// The helper's descriptors: its request on stdin, the home, the pipe for its report.
constexpr int kHelperRequestFd = 0;
constexpr int kHelperHomeFd = 3;
constexpr int kHelperReportFd = 4;
constexpr std::size_t kMaxRequestBytes = 8u << 20;

// Everything the helper needs, prepared by root; everything but the home's descriptor travels
// as the request (encode_request), never through argv or the environment.
struct ChildInput {
    int home_fd = -1;  // the home, opened O_DIRECTORY|O_NOFOLLOW and checked (owner == uid)
    uid_t uid = 0;
    gid_t gid = 0;
    std::string home;  // for messages only: the child never resolves a path
    std::vector<DirKey> dir_keys;
    std::string key_options;
    std::string unmanaged;
    bool record_known = false;  // false: no record for this user (see provision.h)
    std::set<std::string> record;
};

// The child's answer. `fps` are the keys it wrote that count as dirbind-written (directory and
// unmanaged-file keys, not hand-added ones kept for lack of a usable unmanaged file).
struct ChildReport {
    Err code = Err::ok;
    std::string message;
    int written = 0;
    int moved = 0;
    int removed = 0;
    std::vector<std::pair<LogLevel, std::string>> logs;  // relayed to the parent's log sink
    std::vector<std::string> fps;
};

// Runs in the helper, after dropping to the user: rebuilds ~/.ssh/authorized_keys. Throws only
// what the standard library throws (bad_alloc); every file problem is in the report.
ChildReport rebuild_as_user(const ChildInput& in);

// The report on the pipe: a u32 length (big-endian) then that many bytes of fields, each a u32
// length and its bytes: magic, code, message, written, moved, removed, log count, (level, text)
// per log, fingerprint count, fingerprints. decode_report() checks every bound and value.
std::string encode_report(const ChildReport& rep);
bool decode_report(std::string_view wire, ChildReport* rep);

// The request, in the same framing: magic, uid, gid, home, key options, unmanaged name, record
// known, then the directory keys (line, fingerprint) and the record's fingerprints, each after
// its count. decode_request() checks every bound and value (uid and gid never reserved, names
// and fingerprints well-formed); home_fd is not part of it.
std::string encode_request(const ChildInput& in);
bool decode_request(std::string_view wire, ChildInput* in);

// "SHA256:" followed by 43 characters of unpadded base64: what fingerprint() returns.
bool valid_fingerprint(std::string_view s) noexcept;

}  // namespace dirbind::provision_detail
