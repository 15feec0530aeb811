// SPDX-License-Identifier: Apache-2.0
// secret_file.cc — read_secret_file()/read_trusted_file(): one open with O_NOFOLLOW, every check
// on the descriptor (fstat), so the file checked is the file read.
#include "system/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "system/error.h"
#include "system/log.h"
#include "system/safe_fs.h"

namespace dirbind {
namespace {

std::string read_checked(const std::string& path, const std::string& what, std::size_t cap, bool secret) {
    auto refuse = [&](Err code, const std::string& why) {
        return Error(code, "refusing to use " + what + " " + path + ": " + why);
    };
    // O_NONBLOCK: a FIFO planted at the path must not hang the sync; O_NOFOLLOW: a symlink
    // could point at a file whose owner and mode we never checked.
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY));
    if (!fd) {
        int err = errno;
        if (err == ELOOP) throw refuse(Err::permission, "it is a symbolic link (name the file itself)");
        if (err == EACCES) throw refuse(Err::permission, "permission denied (run as root)");
        throw Error(Err::config, "cannot read " + what + " " + path + ": " + errno_text(err));
    }
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) throw refuse(Err::io, errno_text(errno));
    if (!S_ISREG(st.st_mode)) throw refuse(Err::permission, "not a regular file");
    if (secret && trusted_owner(st.st_uid) && (st.st_mode & 077) != 0)
        throw refuse(Err::permission, "readable by group or others (mode " + mode_text(st.st_mode) +
                                          "); it holds a secret: chmod 600 " + path);
    if (std::string why = untrusted_because(st, path); !why.empty()) throw refuse(Err::permission, why);
    if (static_cast<std::uint64_t>(st.st_size) > cap)
        throw refuse(Err::config, "larger than " + std::to_string(cap) + " bytes");
    std::string data(static_cast<std::size_t>(st.st_size) + 1, '\0');
    ssize_t n = read_full(fd.get(), data.data(), data.size());
    if (n < 0) {
        int err = errno;
        secure_clear(data);
        throw refuse(Err::io, errno_text(err));
    }
    if (static_cast<std::size_t>(n) > cap) {
        secure_clear(data);
        throw refuse(Err::config, "larger than " + std::to_string(cap) + " bytes");
    }
    data.resize(static_cast<std::size_t>(n));
    if (data.find_first_not_of(" \t\r\n") == std::string::npos) {
        secure_clear(data);
        throw Error(Err::config, what + " " + path + " is empty");
    }
    return data;
}

}  // namespace

bool trusted_owner(unsigned uid) noexcept {
    return uid == 0 || uid == ::geteuid();
}

std::string read_secret_file(const std::string& path, const std::string& what, std::size_t cap) {
    return read_checked(path, what, cap, true);
}

std::string read_trusted_file(const std::string& path, const std::string& what, std::size_t cap) {
    return read_checked(path, what, cap, false);
}

std::string untrusted_because(const struct stat& st, const std::string& path) {
    if (!trusted_owner(st.st_uid))
        return "owned by uid " + std::to_string(st.st_uid) + ", not root (chown root " + path + ")";
    if ((st.st_mode & 022) != 0)
        return "writable by group or others (mode " + mode_text(st.st_mode) + "): chmod go-w " + path;
    return "";
}

void secure_clear(std::string& s) noexcept {
    // explicit_bzero: a plain memset before clear() is a dead store the compiler may drop.
    if (!s.empty()) explicit_bzero(s.data(), s.size());
    s.clear();
}

std::string read_secret_token(const std::string& path, const std::string& what, std::size_t cap) {
    std::string raw = read_secret_file(path, what, cap);
    std::size_t b = raw.find_first_not_of(" \t\r\n");
    std::size_t e = raw.find_last_not_of(" \t\r\n");
    std::string token = b == std::string::npos ? std::string() : raw.substr(b, e - b + 1);
    secure_clear(raw);
    bool printable = !token.empty();
    for (unsigned char c : token) printable = printable && c > 0x20 && c < 0x7f;
    if (!printable) {
        secure_clear(token);
        throw Error(Err::config, what + " " + path + " must hold the token alone, on one line of printable ASCII");
    }
    return token;
}

}  // namespace dirbind
