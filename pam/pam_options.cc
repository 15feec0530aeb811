// SPDX-License-Identifier: Apache-2.0
// pam_options.cc — module arguments, configuration loading and the syslog sink of pam_module.h.
#include <security/pam_ext.h>
#include <syslog.h>

#include <cstring>
#include <string_view>

#include "pam_module.h"
#include "system/log.h"

namespace dirbind::pam {
namespace {

// Per thread: a PAM application may run handles in several threads, each entry point
// logs only for its own handle.
thread_local pam_handle_t* t_pamh = nullptr;
thread_local bool t_debug = false;

void pam_sink(LogLevel level, const std::string& message) {
    if (level == LogLevel::debug && !t_debug) return;
    int prio = level == LogLevel::error     ? LOG_ERR
               : level == LogLevel::warning ? LOG_WARNING
               : level == LogLevel::info    ? LOG_INFO
                                            : LOG_DEBUG;
    // pam_syslog adds "pam_dirbind(service:type):" and the LOG_AUTHPRIV facility.
    if (t_pamh != nullptr)
        pam_syslog(t_pamh, prio, "%s", message.c_str());
    else
        syslog(LOG_AUTHPRIV | prio, "pam_dirbind: %s", message.c_str());
}

}  // namespace

LogScope::LogScope(pam_handle_t* pamh, bool debug) noexcept : prev_pamh_(t_pamh), prev_debug_(t_debug) {
    t_pamh = pamh;
    t_debug = debug;
    set_log_sink(pam_sink);
}

LogScope::~LogScope() {
    t_pamh = prev_pamh_;
    t_debug = prev_debug_;
}

void LogScope::set_debug(bool debug) noexcept {
    t_debug = debug;
}

Options parse_options(int argc, const char** argv) {
    Options o;
    for (int i = 0; i < argc; ++i) {
        if (argv == nullptr || argv[i] == nullptr) continue;
        std::string_view a = argv[i];
        if (a == "debug") {
            o.debug = true;
        } else if (a.substr(0, 7) == "config=") {
            std::string_view p = a.substr(7);
            if (p.empty() || p[0] != '/')
                log(LogLevel::error, "option " + std::string(a) + ": not an absolute path; ignored");
            else
                o.config_path = std::string(p);
        } else if (a.substr(0, 16) == "refresh_command=") {
            std::string_view p = a.substr(16);
            if (p.empty() || p[0] != '/')
                log(LogLevel::error, "option " + std::string(a) + ": not an absolute path; ignored");
            else
                o.refresh_command = std::string(p);
        } else if (a == "provision=required") {
            o.provision_required = true;
        } else if (a == "provision=optional") {
            o.provision_required = false;
        } else if (a == "use_first_pass" || a == "try_first_pass" || a == "use_authtok") {
            // pam_get_authtok() reads these from the module's arguments itself.
        } else {
            log(LogLevel::error, "unknown option: " + std::string(a) + "; ignored");
        }
    }
    return o;
}

Setup load_setup(int argc, const char** argv) noexcept {
    Setup s;
    try {
        s.opt = parse_options(argc, argv);
        t_debug = s.opt.debug;
    } catch (...) {
        log(LogLevel::error, "cannot parse the module options; using the defaults");
    }
    try {
        s.cfg = load_config(s.opt.config_path);
    } catch (const std::exception& e) {
        // Defaults still name the cache the NSS module serves users from (/var/lib/dirbind), so
        // the state, method and root rules keep applying; session open will not provision.
        s.config_ok = false;
        s.cfg = Config{};
        log(LogLevel::error, std::string("configuration not loaded (") + e.what() +
                                 "); using the built-in defaults, provisioning disabled");
    }
    return s;
}

}  // namespace dirbind::pam
