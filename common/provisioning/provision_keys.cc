// SPDX-License-Identifier: Apache-2.0
// provision_keys.cc — the helper's side of the authorized_keys rebuild (runs as the user, inside
// the home through descriptors only), and the wire forms of its request and of the report it
// sends to root (provision_internal.h).
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "cache/names.h"
#include "openssh/sshkey.h"
#include "provisioning/provision.h"
#include "provisioning/provision_internal.h"
#include "system/atomic_file.h"
#include "system/safe_fs.h"

namespace dirbind::provision_detail {
namespace {

constexpr const char* kAuthorizedKeys = "authorized_keys";
constexpr const char* kSsh = ".ssh";
// The first header line is also how a file written by dirbind is recognised without a record.
constexpr const char* kHeaderFirstLine = "# This file is managed by dirbind.";
constexpr const char* kReportMagic = "dirbind-provision-report-1";
constexpr const char* kRequestMagic = "dirbind-provision-request-1";
constexpr std::size_t kMaxLogs = 1000;
constexpr std::size_t kMaxReportKeys = 20000;
constexpr unsigned kMaxRequestKeys = 100000;

std::string errstr(int e) {
    return std::strerror(e);
}

Status fail(Err code, std::string message) {
    return Status{code, std::move(message)};
}

std::string header(const std::string& unmanaged) {
    return std::string(kHeaderFirstLine) +
           "\n# It is rebuilt from the directory at every login and sync; edits here do not last.\n"
           "# Put keys of your own in ~/.ssh/" +
           unmanaged +
           ": they are copied in below.\n"
           "# Keys added to this file by hand are moved there at the next rebuild.\n";
}

std::string unmanaged_header() {
    return "# Your own SSH public keys, one per line, in authorized_keys format.\n"
           "# dirbind copies them into ~/.ssh/authorized_keys at every login and sync.\n";
}

std::string key_text(const std::string& options, const PublicKey& k) {
    return options.empty() ? to_line(k) : options + " " + to_line(k);
}

struct Line {
    std::string text;  // options (if any) and the key, one line without '\n'
    std::string fp;
};

class Rebuild {
public:
    explicit Rebuild(const ChildInput& in)
        : in_(in),
          ssh_path_(in.home + "/" + kSsh),
          ak_path_(ssh_path_ + "/" + kAuthorizedKeys),
          jc_path_(ssh_path_ + "/" + in.unmanaged) {}

    ChildReport run() {
        Status s = work();
        rep_.code = s.code;
        if (!s.ok()) rep_.message = s.message;
        return std::move(rep_);
    }

private:
    void note(LogLevel level, std::string text) {
        if (rep_.logs.size() < kMaxLogs) rep_.logs.emplace_back(level, std::move(text));
    }

    // ~/.ssh as a directory of the user's, created 0700 when missing; never through a symlink.
    Status open_ssh() {
        struct stat st;
        bool created = false;
        if (::fstatat(in_.home_fd, kSsh, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno != ENOENT) return fail(Err::io, ssh_path_ + ": " + errstr(errno));
            if (::mkdirat(in_.home_fd, kSsh, 0700) != 0 && errno != EEXIST)
                return fail(errno == EACCES ? Err::permission : Err::io,
                            ssh_path_ + ": mkdir: " + errstr(errno));
            created = true;
        }
        ssh_.reset(::openat(in_.home_fd, kSsh, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!ssh_) {
            int e = errno;
            if (::fstatat(in_.home_fd, kSsh, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
                return fail(Err::refused, ssh_path_ + ": is a symbolic link; not following it");
            if (e == ENOTDIR) return fail(Err::refused, ssh_path_ + ": is not a directory");
            return fail(e == EACCES ? Err::permission : Err::io, ssh_path_ + ": " + errstr(e));
        }
        if (::fstat(ssh_.get(), &st) != 0) return fail(Err::io, ssh_path_ + ": " + errstr(errno));
        if (st.st_uid != in_.uid)
            return fail(Err::permission, ssh_path_ + ": owned by uid " + std::to_string(st.st_uid) +
                                             ", not " + std::to_string(in_.uid));
        if (created) {
            if (::fchmod(ssh_.get(), 0700) != 0)
                return fail(Err::io, ssh_path_ + ": chmod: " + errstr(errno));
        } else if (st.st_mode & 022) {
            // sshd's StrictModes ignores keys under a group/world-writable ~/.ssh.
            if (::fchmod(ssh_.get(), st.st_mode & 0755) != 0)
                return fail(Err::io, ssh_path_ + ": chmod: " + errstr(errno));
            note(LogLevel::warning, ssh_path_ + ": was writable by group or others; removed those bits");
        }
        return {};
    }

    std::vector<AuthorizedKey> parse(const std::string& text, const std::string& path) {
        std::vector<std::string> errors;
        auto keys = parse_authorized_keys(text, path, &errors);
        for (auto& e : errors) note(LogLevel::warning, e + " (line skipped)");
        return keys;
    }

    // The current authorized_keys; sets ak_ (and ak_keys_ when it could be read).
    Status read_authorized_keys() {
        ak_ = read_checked_at(ssh_.get(), kAuthorizedKeys, in_.uid, kMaxKeysFileBytes);
        switch (ak_.status) {
            case ReadStatus::ok:
                ak_keys_ = parse(ak_.data, ak_path_);
                ak_has_header_ = ak_.data.compare(0, std::strlen(kHeaderFirstLine), kHeaderFirstLine) == 0;
                return {};
            case ReadStatus::missing:
                return {};
            case ReadStatus::unsafe:
                if (S_ISDIR(ak_.st.st_mode)) return fail(Err::refused, ak_path_ + ": is a directory");
                // A symlink, FIFO or second name of another file: replacing the name loses nothing.
                note(LogLevel::warning, ak_path_ + ": " + ak_.reason + "; not read, replacing it");
                return {};
            case ReadStatus::too_big:
            case ReadStatus::failed:
                if (ak_.status == ReadStatus::failed && ak_.err != EACCES && ak_.err != EPERM)
                    return fail(Err::io, ak_path_ + ": " + ak_.reason);
                return save_aside();
        }
        return {};
    }

    // The user's own file we cannot read (too big, unreadable to its owner): keep it under another
    // name rather than lose it, since revocations must still take effect.
    Status save_aside() {
        std::string saved = std::string(kAuthorizedKeys) + ".saved-" + random_hex(8);
        int rc = ::renameat2(ssh_.get(), kAuthorizedKeys, ssh_.get(), saved.c_str(), RENAME_NOREPLACE);
        if (rc != 0 && (errno == EINVAL || errno == ENOSYS))
            rc = ::renameat(ssh_.get(), kAuthorizedKeys, ssh_.get(), saved.c_str());
        if (rc != 0)
            return fail(Err::io, ak_path_ + ": " + ak_.reason + "; cannot move it aside: " + errstr(errno));
        note(LogLevel::warning,
             ak_path_ + ": " + ak_.reason + "; not read, moved to " + ssh_path_ + "/" + saved);
        return {};
    }

    void read_unmanaged() {
        jc_ = read_checked_at(ssh_.get(), in_.unmanaged, in_.uid, kMaxKeysFileBytes);
        switch (jc_.status) {
            case ReadStatus::ok:
                jc_keys_ = parse(jc_.data, jc_path_);
                jc_usable_ = true;
                break;
            case ReadStatus::missing:
                jc_usable_ = true;
                break;
            default:
                note(LogLevel::warning, jc_path_ + ": " + jc_.reason + "; refused: not read and left alone");
                jc_usable_ = false;
        }
    }

    Status work() {
        if (Status s = open_ssh(); !s.ok()) return s;
        if (Status s = read_authorized_keys(); !s.ok()) return s;
        read_unmanaged();

        std::set<std::string> dir_fps;
        for (const auto& k : in_.dir_keys) dir_fps.insert(k.fp);
        std::vector<Line> jc_lines;
        std::set<std::string> jc_fps;
        for (const auto& k : jc_keys_) {
            std::string fp = fingerprint(k.key);
            // The directory's copy, with dirbind's options, is the one sshd must meet.
            if (jc_fps.insert(fp).second && !dir_fps.count(fp))
                jc_lines.push_back({key_text(k.options, k.key), fp});
        }

        // Sort what authorized_keys holds: kept from a source, revoked, or added by hand.
        bool assume_ours = !in_.record_known && ak_has_header_;
        std::vector<Line> hand;
        std::set<std::string> hand_fps, removed_fps;
        for (const auto& k : ak_keys_) {
            std::string fp = fingerprint(k.key);
            if (dir_fps.count(fp) || jc_fps.count(fp)) continue;
            if (in_.record.count(fp) || assume_ours) {
                removed_fps.insert(fp);
                continue;
            }
            if (hand_fps.insert(fp).second) hand.push_back({key_text(k.options, k.key), fp});
        }
        rep_.removed = static_cast<int>(removed_fps.size());
        if (assume_ours && !removed_fps.empty())
            note(LogLevel::warning,
                 ak_path_ + ": no record of the keys dirbind wrote; " + std::to_string(removed_fps.size()) +
                     " key(s) neither in the directory nor in " + in_.unmanaged + " removed");

        std::vector<Line> carried;
        if (!hand.empty()) {
            if (jc_usable_) {
                if (Status s = move_to_unmanaged(hand); !s.ok()) return s;
                jc_lines.insert(jc_lines.end(), hand.begin(), hand.end());
            } else {
                carried = std::move(hand);
                note(LogLevel::warning, ak_path_ + ": " + std::to_string(carried.size()) +
                                            " hand-added key(s) kept here because " + jc_path_ +
                                            " cannot be used");
            }
        }
        return write_authorized_keys(jc_lines, carried);
    }

    // Appended, with the rest of the file kept byte for byte; written before authorized_keys
    // loses the keys, so a crash in between duplicates a key at worst.
    Status move_to_unmanaged(const std::vector<Line>& hand) {
        std::string text = jc_.status == ReadStatus::ok ? jc_.data : unmanaged_header();
        if (!text.empty() && text.back() != '\n') text += '\n';
        text += "# Moved here from authorized_keys by dirbind:\n";
        for (const auto& l : hand) text += l.text + "\n";
        int e = write_file_atomic_at_nothrow(ssh_.get(), in_.unmanaged, text, AtomicWriteOptions{});
        if (e != 0) return fail(Err::io, jc_path_ + ": " + errstr(e));
        rep_.moved = static_cast<int>(hand.size());
        note(LogLevel::info,
             ak_path_ + ": " + std::to_string(hand.size()) + " hand-added key(s) moved to " + jc_path_);
        return {};
    }

    Status write_authorized_keys(const std::vector<Line>& jc_lines, const std::vector<Line>& carried) {
        std::string out = header(in_.unmanaged);
        if (!in_.dir_keys.empty()) out += "# From the directory:\n";
        for (const auto& k : in_.dir_keys) {
            out += (in_.key_options.empty() ? k.line : in_.key_options + " " + k.line) + "\n";
            rep_.fps.push_back(k.fp);
        }
        if (!jc_lines.empty()) out += "# From ~/.ssh/" + in_.unmanaged + ":\n";
        for (const auto& l : jc_lines) {
            out += l.text + "\n";
            rep_.fps.push_back(l.fp);
        }
        if (!carried.empty())
            out += "# Added here by hand; they move to ~/.ssh/" + in_.unmanaged + " once it is usable:\n";
        for (const auto& l : carried) out += l.text + "\n";
        rep_.written = static_cast<int>(in_.dir_keys.size() + jc_lines.size() + carried.size());

        std::string summary = std::to_string(in_.dir_keys.size()) + " directory key(s), " +
                              std::to_string(jc_lines.size()) + " from " + in_.unmanaged;
        if (rep_.moved) summary += ", " + std::to_string(rep_.moved) + " moved there";
        if (rep_.removed) summary += ", " + std::to_string(rep_.removed) + " removed";
        // Unchanged: no write, no fsync, no new inode at every login.
        if (ak_.status == ReadStatus::ok && ak_.data == out && (ak_.st.st_mode & 07777) == 0600) {
            rep_.message = ak_path_ + ": unchanged (" + summary + ")";
            return {};
        }
        AtomicWriteOptions o;
        o.mode = 0600;
        int e = write_file_atomic_at_nothrow(ssh_.get(), kAuthorizedKeys, out, o);
        if (e != 0) return fail(Err::io, ak_path_ + ": " + errstr(e));
        rep_.message = ak_path_ + ": written (" + summary + ")";
        return {};
    }

    const ChildInput& in_;
    const std::string ssh_path_, ak_path_, jc_path_;
    ChildReport rep_;
    UniqueFd ssh_;
    CheckedRead ak_, jc_;
    std::vector<AuthorizedKey> ak_keys_, jc_keys_;
    bool ak_has_header_ = false;
    bool jc_usable_ = false;
};

// ---- report wire format ----------------------------------------------------------------------

void put_u32(std::string* out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>((v >> shift) & 0xff));
}

void put_field(std::string* out, std::string_view s) {
    put_u32(out, static_cast<std::uint32_t>(s.size()));
    out->append(s);
}

void put_num(std::string* out, long v) {
    put_field(out, std::to_string(v));
}

class WireReader {
public:
    explicit WireReader(std::string_view s) : rest_(s) {}
    bool u32(std::uint32_t* v) {
        if (rest_.size() < 4) return false;
        *v = 0;
        for (int i = 0; i < 4; ++i)
            *v = (*v << 8) | static_cast<unsigned char>(rest_[static_cast<std::size_t>(i)]);
        rest_.remove_prefix(4);
        return true;
    }
    bool field(std::string_view* out) {
        std::uint32_t len;
        if (!u32(&len) || len > rest_.size()) return false;
        *out = rest_.substr(0, len);
        rest_.remove_prefix(len);
        return true;
    }
    bool num(unsigned max, unsigned* v) {
        std::string_view f;
        std::uint64_t n = 0;
        if (!field(&f) || f.empty() || f.size() > 10) return false;
        for (char c : f) {
            if (c < '0' || c > '9') return false;
            n = n * 10 + static_cast<unsigned>(c - '0');
        }
        if (n > max) return false;
        *v = static_cast<unsigned>(n);
        return true;
    }
    bool text(std::size_t max, std::string* out) {
        std::string_view f;
        if (!field(&f) || f.size() > max || f.find_first_of(std::string_view("\n\r\0", 3)) != f.npos)
            return false;
        *out = std::string(f);
        return true;
    }
    bool done() const { return rest_.empty(); }

private:
    std::string_view rest_;
};

// A message on the wire: its body as one field (a u32 length, then the bytes).
std::string framed(std::string_view body) {
    std::string wire;
    put_field(&wire, body);
    return wire;
}

// The body of a framed() message that is exactly one message long.
bool unframe(std::string_view wire, std::string_view* body) {
    WireReader outer(wire);
    return outer.field(body) && outer.done();
}

}  // namespace

ChildReport rebuild_as_user(const ChildInput& in) {
    try {
        return Rebuild(in).run();
    } catch (const Error& e) {
        ChildReport rep;
        rep.code = e.code() == Err::ok ? Err::io : e.code();
        rep.message = in.home + "/.ssh: " + e.what();
        return rep;
    }
}

std::string encode_report(const ChildReport& rep) {
    std::string body;
    put_field(&body, kReportMagic);
    put_num(&body, static_cast<long>(rep.code));
    put_field(&body, rep.message);
    put_num(&body, rep.written);
    put_num(&body, rep.moved);
    put_num(&body, rep.removed);
    put_num(&body, static_cast<long>(rep.logs.size()));
    for (const auto& [level, text] : rep.logs) {
        put_num(&body, static_cast<long>(level));
        put_field(&body, text);
    }
    put_num(&body, static_cast<long>(rep.fps.size()));
    for (const auto& fp : rep.fps) put_field(&body, fp);
    return framed(body);
}

bool decode_report(std::string_view wire, ChildReport* rep) {
    std::string_view body;
    if (!unframe(wire, &body)) return false;
    WireReader r(body);
    std::string_view magic, message;
    unsigned code, written, moved, removed, nlogs, nfps;
    if (!r.field(&magic) || magic != kReportMagic) return false;
    if (!r.num(static_cast<unsigned>(Err::refused), &code) || !r.field(&message)) return false;
    if (!r.num(1000000, &written) || !r.num(1000000, &moved) || !r.num(1000000, &removed)) return false;
    if (!r.num(kMaxLogs, &nlogs)) return false;
    ChildReport out;
    out.code = static_cast<Err>(code);
    out.message = std::string(message);
    out.written = static_cast<int>(written);
    out.moved = static_cast<int>(moved);
    out.removed = static_cast<int>(removed);
    for (unsigned i = 0; i < nlogs; ++i) {
        unsigned level;
        std::string_view text;
        if (!r.num(static_cast<unsigned>(LogLevel::error), &level) || !r.field(&text)) return false;
        out.logs.emplace_back(static_cast<LogLevel>(level), std::string(text));
    }
    if (!r.num(kMaxReportKeys, &nfps)) return false;
    for (unsigned i = 0; i < nfps; ++i) {
        std::string_view fp;
        if (!r.field(&fp) || !valid_fingerprint(fp)) return false;
        out.fps.emplace_back(fp);
    }
    if (!r.done()) return false;
    *rep = std::move(out);
    return true;
}

std::string encode_request(const ChildInput& in) {
    std::string body;
    put_field(&body, kRequestMagic);
    put_num(&body, static_cast<long>(in.uid));
    put_num(&body, static_cast<long>(in.gid));
    put_field(&body, in.home);
    put_field(&body, in.key_options);
    put_field(&body, in.unmanaged);
    put_num(&body, in.record_known ? 1 : 0);
    put_num(&body, static_cast<long>(in.dir_keys.size()));
    for (const auto& k : in.dir_keys) {
        put_field(&body, k.line);
        put_field(&body, k.fp);
    }
    put_num(&body, static_cast<long>(in.record.size()));
    for (const auto& fp : in.record) put_field(&body, fp);
    return framed(body);
}

bool decode_request(std::string_view wire, ChildInput* in) {
    std::string_view body, magic;
    if (!unframe(wire, &body)) return false;
    WireReader r(body);
    ChildInput out;
    unsigned uid, gid, known, nkeys, nrecord;
    if (!r.field(&magic) || magic != kRequestMagic) return false;
    if (!r.num(~0u, &uid) || !r.num(~0u, &gid) || reserved_id(uid) || gid == 0) return false;
    out.uid = uid;
    out.gid = gid;
    if (!r.text(4096, &out.home) || out.home.empty() || out.home[0] != '/') return false;
    if (!r.text(4096, &out.key_options)) return false;
    if (!out.key_options.empty() && !check_key_options(out.key_options).empty()) return false;
    if (!r.text(128, &out.unmanaged) || !plain_name(out.unmanaged) || out.unmanaged == kAuthorizedKeys)
        return false;
    if (!r.num(1, &known)) return false;
    out.record_known = known == 1;
    if (!r.num(kMaxRequestKeys, &nkeys)) return false;
    for (unsigned i = 0; i < nkeys; ++i) {
        DirKey k;
        if (!r.text(64 * 1024, &k.line) || !r.text(64, &k.fp) || !valid_fingerprint(k.fp)) return false;
        out.dir_keys.push_back(std::move(k));
    }
    if (!r.num(kMaxRequestKeys, &nrecord)) return false;
    for (unsigned i = 0; i < nrecord; ++i) {
        std::string fp;
        if (!r.text(64, &fp) || !valid_fingerprint(fp)) return false;
        out.record.insert(std::move(fp));
    }
    if (!r.done()) return false;
    out.home_fd = in->home_fd;
    *in = std::move(out);
    return true;
}

bool valid_fingerprint(std::string_view s) noexcept {
    if (s.size() != 7 + 43 || s.substr(0, 7) != "SHA256:") return false;
    for (char c : s.substr(7)) {
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
                  c == '/';
        if (!ok) return false;
    }
    return true;
}

}  // namespace dirbind::provision_detail
