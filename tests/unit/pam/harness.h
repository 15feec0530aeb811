// SPDX-License-Identifier: Apache-2.0
// harness.h — drives the built pam_dirbind.so through real libpam for the PAM tests
// (test_pam_module, test_pam_session): pam_wrapper points libpam at service files in a scratch
// dir, nss_wrapper resolves users through the built NSS module, and the test re-executes itself
// so that both are preloaded before it starts. A Pam object is one pam_handle_t with a
// recording conversation; the module's syslog lines (pam_wrapper sends them to stderr) are
// captured per call.
#pragma once

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <security/pam_appl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

namespace dirbind::test {

// Returned by the service stacks below when pam_dirbind answered PAM_IGNORE: the stack then
// reaches `pam_debug.so ...=user_unknown`, a code the module itself never returns.
constexpr int kIgnored = PAM_USER_UNKNOWN;

inline std::string abs_path(const char* env, const char* fallback) {
    const char* p = getenv(env);
    if (p == nullptr || *p == '\0') p = fallback;
    char buf[PATH_MAX];
    return realpath(p, buf) ? std::string(buf) : std::string(p);
}

inline void write_text(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
    if (!out) {
        fprintf(stderr, "cannot write %s\n", path.c_str());
        exit(2);
    }
}

inline std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// rm -rf in-process: a child shell would inherit the wrappers' LD_PRELOAD.
inline int remove_tree(const std::string& path) {
    return nftw(
        path.c_str(), [](const char* p, const struct stat*, int, FTW*) { return remove(p); }, 16,
        FTW_DEPTH | FTW_PHYS);
}

// One service file: every type goes to pam_dirbind with `args`, and to the ignore marker.
inline std::string service_stack(const std::string& module, const std::string& args) {
    const std::string ctl = " [success=done ignore=ignore default=die] " + module + " " + args + "\n";
    return "auth" + ctl + "auth requisite pam_debug.so auth=user_unknown cred=user_unknown\n" +  //
           "account" + ctl + "account requisite pam_debug.so acct=user_unknown\n" +              //
           "password" + ctl +
           "password requisite pam_debug.so prechauthtok=user_unknown chauthtok=user_unknown\n" + "session" +
           ctl + "session requisite pam_debug.so open_session=user_unknown close_session=user_unknown\n";
}

// In the first run: makes a scratch dir, lets `prepare(dir)` write service files (dir/svc)
// and the nss_wrapper passwd/group files (dir/passwd, dir/group), then re-executes the program
// with pam_wrapper and nss_wrapper preloaded. In the re-executed run: returns the scratch dir
// (the caller removes it). NSS and pam_dirbind read one cache, as on a host: $DIRBIND_CACHE_DIR,
// which `prepare` may set; dir/cache when it does not.
inline std::string reexec_under_wrappers(char** argv,
                                         const std::function<void(const std::string&)>& prepare) {
    if (const char* dir = getenv("DIRBIND_PAM_TEST_DIR")) return dir;
    const char* base = getenv("TMPDIR");
    std::string tmpl = std::string(base ? base : "/tmp") + "/dirbind-pam-test.XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) {
        perror("mkdtemp");
        exit(2);
    }
    const std::string dir = tmpl;
    mkdir((dir + "/svc").c_str(), 0755);
    mkdir((dir + "/cache").c_str(), 0755);
    chmod(dir.c_str(), 0755);  // users that the module acts as must be able to pass through
    unsetenv("DIRBIND_CACHE_DIR");
    prepare(dir);
    setenv("DIRBIND_CACHE_DIR", (dir + "/cache").c_str(), 0);
    setenv("DIRBIND_PAM_TEST_DIR", dir.c_str(), 1);
    setenv("LD_PRELOAD", "libpam_wrapper.so libnss_wrapper.so", 1);
    setenv("PAM_WRAPPER", "1", 1);
    setenv("PAM_WRAPPER_SERVICE_DIR", (dir + "/svc").c_str(), 1);
    setenv("PAM_WRAPPER_DEBUGLEVEL", "2", 1);  // pam_syslog lines up to LOG_DEBUG reach stderr
    // Sanitizers refuse RTLD_DEEPBIND. pam_wrapper 1.1.4 reads UID_WRAPPER_DISABLE_DEEPBIND (sic).
    setenv("PAM_WRAPPER_DISABLE_DEEPBIND", "1", 1);
    setenv("UID_WRAPPER_DISABLE_DEEPBIND", "1", 1);
    setenv("NSS_WRAPPER_PASSWD", (dir + "/passwd").c_str(), 1);
    setenv("NSS_WRAPPER_GROUP", (dir + "/group").c_str(), 1);
    setenv("NSS_WRAPPER_MODULE_SO_PATH", abs_path("DIRBIND_NSS_MODULE", "build/libnss_dirbind.so.2").c_str(),
           1);
    setenv("NSS_WRAPPER_MODULE_FN_PREFIX", "dirbind", 1);
    setenv("NSS_WRAPPER_DISABLE_DEEPBIND", "1", 1);
    // The wrappers come before the sanitizer runtime in the preload list of an ASan build.
    std::string asan = getenv("ASAN_OPTIONS") ? getenv("ASAN_OPTIONS") : "";
    setenv("ASAN_OPTIONS", (asan + (asan.empty() ? "" : ":") + "verify_asan_link_order=0").c_str(), 1);
    execv("/proc/self/exe", argv);
    perror("execv /proc/self/exe");
    exit(2);
}

// One PAM transaction through libpam, with a conversation that answers password prompts (and
// "Verification code" prompts with `code`) and records every message, and the module's log
// lines of each call.
class Pam {
public:
    Pam(const std::string& service, const std::string& user, std::string password = "")
        : password_(std::move(password)) {
        conv_.conv = &Pam::converse;
        conv_.appdata_ptr = this;
        rc_ = call([&] { return pam_start(service.c_str(), user.c_str(), &conv_, &h_); });
        // libpam would sleep the module's fail delay after a failure; record it instead.
        static const auto delay_fn = [](int, unsigned usec, void* self) {
            static_cast<Pam*>(self)->delay_usec = usec;
        };
        using DelayFn = void (*)(int, unsigned, void*);
        if (h_ != nullptr) pam_set_item(h_, PAM_FAIL_DELAY, reinterpret_cast<const void*>(DelayFn(delay_fn)));
    }
    ~Pam() {
        if (h_ != nullptr) pam_end(h_, rc_);
    }
    Pam(const Pam&) = delete;
    Pam& operator=(const Pam&) = delete;

    bool started() const { return h_ != nullptr && rc_ == PAM_SUCCESS; }
    pam_handle_t* handle() { return h_; }

    // What sshd does before account and session: the methods that succeeded.
    void set_auth_info(const std::string& info) { pam_putenv(h_, ("SSH_AUTH_INFO_0=" + info).c_str()); }

    int authenticate(int flags = 0) {
        return call([&] { return pam_authenticate(h_, flags); });
    }
    int setcred(int flags = PAM_ESTABLISH_CRED) {
        return call([&] { return pam_setcred(h_, flags); });
    }
    int account(int flags = 0) {
        return call([&] { return pam_acct_mgmt(h_, flags); });
    }
    int open_session(int flags = 0) {
        return call([&] { return pam_open_session(h_, flags); });
    }
    int close_session(int flags = 0) {
        return call([&] { return pam_close_session(h_, flags); });
    }
    int chauthtok(int flags = 0) {
        return call([&] { return pam_chauthtok(h_, flags); });
    }

    std::vector<std::string> errors, infos;  // PAM_ERROR_MSG / PAM_TEXT_INFO texts
    int prompts = 0;                         // password prompts answered
    std::string code;                        // the answer to "Verification code: " prompts
    int code_prompts = 0;                    // those prompts answered
    unsigned delay_usec = 0;                 // the fail delay libpam was asked to apply
    std::string log;                         // module log lines of all calls so far

    bool said(const std::string& text) const {
        for (const auto& m : errors)
            if (m.find(text) != std::string::npos) return true;
        for (const auto& m : infos)
            if (m.find(text) != std::string::npos) return true;
        return false;
    }
    bool logged(const std::string& text) const { return log.find(text) != std::string::npos; }

private:
    // Runs one libpam call with stderr (where pam_wrapper writes pam_syslog lines) sent to a
    // file, and appends what was written to `log`.
    int call(const std::function<int()>& f) {
        fflush(stderr);
        FILE* tmp = tmpfile();
        int saved = dup(2);
        if (tmp != nullptr) dup2(fileno(tmp), 2);
        rc_ = f();
        fflush(stderr);
        dup2(saved, 2);
        close(saved);
        if (tmp != nullptr) {
            rewind(tmp);
            char buf[4096];
            std::size_t n;
            while ((n = fread(buf, 1, sizeof buf, tmp)) > 0) log.append(buf, n);
            fclose(tmp);
        }
        if (getenv("DIRBIND_TEST_VERBOSE")) fprintf(stderr, "%s", log.c_str());
        return rc_;
    }

    static int converse(int n, const struct pam_message** msg, struct pam_response** resp, void* data) {
        auto* self = static_cast<Pam*>(data);
        auto* r = static_cast<pam_response*>(calloc(n, sizeof(pam_response)));
        if (r == nullptr) return PAM_BUF_ERR;
        for (int i = 0; i < n; ++i) {
            switch (msg[i]->msg_style) {
                case PAM_PROMPT_ECHO_OFF:
                case PAM_PROMPT_ECHO_ON:
                    if (strstr(msg[i]->msg, "Verification code") != nullptr) {
                        ++self->code_prompts;
                        r[i].resp = strdup(self->code.c_str());
                        break;
                    }
                    ++self->prompts;
                    r[i].resp = strdup(self->password_.c_str());
                    break;
                case PAM_ERROR_MSG:
                case PAM_TEXT_INFO:
                    // pam_debug, the ignore marker, announces what it returns ("acct=user_unknown").
                    if (strstr(msg[i]->msg, "=user_unknown") != nullptr) break;
                    (msg[i]->msg_style == PAM_ERROR_MSG ? self->errors : self->infos)
                        .emplace_back(msg[i]->msg);
                    break;
                default:
                    break;
            }
        }
        *resp = r;
        return PAM_SUCCESS;
    }

    std::string password_;
    pam_conv conv_{};
    pam_handle_t* h_ = nullptr;
    int rc_ = PAM_SUCCESS;
};

}  // namespace dirbind::test
