// SPDX-License-Identifier: Apache-2.0
// ldap_conn.cc — LdapConn (ldap_conn.h): connection, TLS and bind policy over libldap, paged
// searches, and the RFC 4533 controls encoded and decoded with liblber (no hand-written BER).
#include "net/ldap_conn.h"

#include <lber.h>
#include <ldap.h>
#include <signal.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

#include "system/error.h"
#include "system/log.h"
#include "system/secret_file.h"

namespace dirbind {
namespace {

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

int scope_code(const std::string& s) {
    return s == "base" ? LDAP_SCOPE_BASE : s == "one" ? LDAP_SCOPE_ONELEVEL : LDAP_SCOPE_SUBTREE;
}

timeval tv_of(std::uint32_t ms) {
    timeval t{};
    t.tv_sec = static_cast<time_t>(ms / 1000);
    t.tv_usec = static_cast<suseconds_t>(ms % 1000) * 1000;
    return t;
}

// libldap's own text for `rc`, with the server's or the TLS layer's diagnostic when there is one.
std::string reason(LDAP* ld, int rc) {
    std::string r = ldap_err2string(rc);
    char* diag = nullptr;
    if (ld != nullptr && ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag) == LDAP_OPT_SUCCESS && diag) {
        if (*diag) r += ": " + printable(diag, 200);
        ldap_memfree(diag);
    }
    return r;
}

// What to check, for the failures an administrator meets first.
std::string hint(int rc, const std::string& why) {
    if (rc == LDAP_INVALID_CREDENTIALS) return " (check source.bind_dn and source.bind_password_file)";
    if (why.find("certificate") != std::string::npos || why.find("TLS") != std::string::npos ||
        rc == LDAP_CONNECT_ERROR)
        return " (check source.ca_file and that the server's certificate names the host of the URI)";
    if (rc == LDAP_SIZELIMIT_EXCEEDED)
        return " (the server's size limit ends the search before every entry was read; allow this bind "
               "account paged results past it, e.g. OpenLDAP `limits dn.exact=... size.prtotal=unlimited`)";
    if (rc == LDAP_TIMEOUT || rc == LDAP_TIMELIMIT_EXCEEDED) return " (source.timeout)";
    return "";
}

// libldap reads /etc/ldap/ldap.conf, ~/.ldaprc and LDAP* variables on first use unless told not
// to: nothing but the dirbind config may decide where the directory is or whom to trust.
void no_ldap_conf() {
    static std::once_flag once;
    std::call_once(once, [] { ::setenv("LDAPNOINIT", "1", 1); });
}

// libldap does the TLS handshake of ldaps:// (and of StartTLS) with no deadline of its own:
// LDAP_OPT_NETWORK_TIMEOUT covers only the TCP connect, LDAP_OPT_TIMEOUT only the wait for
// results, and a server that accepts and then says nothing (hung, SIGSTOPped) held 2.5's
// handshake loop for ever. The watchdog shuts the socket down when the connect and first bind
// of one server take longer than connect_timeout + timeout: the handshake then fails at once.
class ConnectWatchdog {
public:
    explicit ConnectWatchdog(std::uint32_t ms) : thread_([this, ms] { watch(ms); }) {}
    ~ConnectWatchdog() {
        {
            std::lock_guard<std::mutex> l(m_);
            done_ = true;
        }
        cv_.notify_one();
        thread_.join();
    }
    ConnectWatchdog(const ConnectWatchdog&) = delete;
    ConnectWatchdog& operator=(const ConnectWatchdog&) = delete;
    void set_fd(int fd) {
        std::lock_guard<std::mutex> l(m_);
        fd_ = fd;
    }
    bool fired() {
        std::lock_guard<std::mutex> l(m_);
        return fired_;
    }

private:
    void watch(std::uint32_t ms) {
        std::unique_lock<std::mutex> l(m_);
        if (cv_.wait_for(l, std::chrono::milliseconds(ms), [this] { return done_; })) return;
        fired_ = true;
        if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);  // the fd stays open: libldap closes it
    }
    std::mutex m_;
    std::condition_variable cv_;
    bool done_ = false, fired_ = false;
    int fd_ = -1;
    std::thread thread_;
};

// The watchdog of the connection this thread is making (libldap calls the callbacks below on
// the thread that connects).
thread_local ConnectWatchdog* t_watchdog = nullptr;

int bound_socket(LDAP*, Sockbuf* sb, LDAPURLDesc*, sockaddr*, ldap_conncb*) {
    ber_socket_t fd = -1;
    if (t_watchdog != nullptr && ber_sockbuf_ctrl(sb, LBER_SB_OPT_GET_FD, &fd) == 1) t_watchdog->set_fd(fd);
    return 0;
}
void forget_socket(LDAP*, Sockbuf*, ldap_conncb*) {
    if (t_watchdog != nullptr) t_watchdog->set_fd(-1);
}
ldap_conncb kBoundSocket = {bound_socket, forget_socket, nullptr};

// Writing to a connection the server has reset raises SIGPIPE, whose default action ends the
// process. Blocked for this thread while libldap works, it stays pending and the write fails
// with EPIPE (an LDAP error like any other); one raised meanwhile is taken before the mask is
// restored. No handler of the process is touched.
class NoSigpipe {
public:
    NoSigpipe() noexcept {
        sigset_t pending;
        sigemptyset(&pipe_);
        sigaddset(&pipe_, SIGPIPE);
        sigpending(&pending);
        was_pending_ = sigismember(&pending, SIGPIPE) == 1;
        pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
    }
    ~NoSigpipe() {
        sigset_t pending;
        if (!was_pending_ && sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1) {
            timespec zero{};
            sigtimedwait(&pipe_, nullptr, &zero);
        }
        pthread_sigmask(SIG_SETMASK, &old_, nullptr);
    }
    NoSigpipe(const NoSigpipe&) = delete;
    NoSigpipe& operator=(const NoSigpipe&) = delete;

private:
    sigset_t pipe_, old_;
    bool was_pending_ = false;
};

bool starts_with(const std::string& s, const char* p) {
    return lower(s.substr(0, std::strlen(p))) == p;
}

struct Msg {
    LDAPMessage* m = nullptr;
    ~Msg() {
        if (m) ldap_msgfree(m);
    }
};
struct Ctrls {
    LDAPControl** c = nullptr;
    ~Ctrls() {
        if (c) ldap_controls_free(c);
    }
};
// A search's final message: the parse's own code, the server's result code, its diagnostic
// as text for a message (": server said: ...", or ""), and its controls.
struct Result {
    int rc = LDAP_SUCCESS;
    int err = LDAP_SUCCESS;
    std::string server_said;
    Ctrls sc;
};
void read_result(LDAP* ld, LDAPMessage* m, Result* out) {
    char* diag = nullptr;
    out->rc = ldap_parse_result(ld, m, &out->err, nullptr, &diag, nullptr, &out->sc.c, 0);
    if (diag && *diag) out->server_said = std::string(": server said: ") + printable(diag, 120);
    if (diag) ldap_memfree(diag);
}
struct Ber {
    BerElement* b = nullptr;
    ~Ber() {
        if (b) ber_free(b, 1);
    }
};

LdapEntry read_entry(LDAP* ld, LDAPMessage* e) {
    LdapEntry out;
    if (char* dn = ldap_get_dn(ld, e)) {
        out.dn = dn;
        ldap_memfree(dn);
    }
    BerElement* ber = nullptr;
    for (char* a = ldap_first_attribute(ld, e, &ber); a != nullptr; a = ldap_next_attribute(ld, e, ber)) {
        std::vector<std::string> vals;
        if (berval** v = ldap_get_values_len(ld, e, a)) {
            for (berval** p = v; *p; ++p) vals.emplace_back((*p)->bv_val, (*p)->bv_len);
            ldap_value_free_len(v);
        }
        out.attrs.emplace_back(lower(a), std::move(vals));
        ldap_memfree(a);
    }
    if (ber) ber_free(ber, 0);
    return out;
}

// The syncStateValue of an entry (RFC 4533 2.2): state, entryUUID, optional cookie.
bool parse_sync_state(LDAPControl* c, SyncState* state, std::string* uuid) {
    Ber ber;
    ber.b = ber_init(&c->ldctl_value);
    if (!ber.b) return false;
    ber_int_t st = 0;
    berval u{};
    if (ber_scanf(ber.b, "{em", &st, &u) == LBER_ERROR) return false;
    if (st < 0 || st > 3 || u.bv_len != 16) return false;
    *state = static_cast<SyncState>(st);
    uuid->assign(u.bv_val, u.bv_len);
    return true;
}

// syncDoneValue (RFC 4533 2.4): optional cookie, refreshDeletes (default false).
bool parse_sync_done(LDAPControl* c, std::string* cookie, bool* deletes) {
    Ber ber;
    ber.b = ber_init(&c->ldctl_value);
    if (!ber.b) return false;
    ber_len_t len = 0;
    if (ber_scanf(ber.b, "{") == LBER_ERROR) return false;
    ber_tag_t tag = ber_peek_tag(ber.b, &len);
    if (tag == LDAP_TAG_SYNC_COOKIE) {
        berval bv{};
        if (ber_scanf(ber.b, "m", &bv) == LBER_ERROR) return false;
        cookie->assign(bv.bv_val, bv.bv_len);
        tag = ber_peek_tag(ber.b, &len);
    }
    *deletes = false;
    if (tag == LBER_BOOLEAN) {
        ber_int_t b = 0;
        if (ber_scanf(ber.b, "b", &b) == LBER_ERROR) return false;
        *deletes = b != 0;
    }
    return true;
}

}  // namespace

const std::vector<std::string>* LdapEntry::values(const std::string& name) const {
    const std::string n = lower(name);
    for (const auto& [k, v] : attrs)
        if (k == n) return &v;
    return nullptr;
}

std::string LdapEntry::first(const std::string& name) const {
    const auto* v = values(name);
    return v && !v->empty() ? (*v)[0] : std::string();
}

LdapConn::LdapConn(const SourceConfig& s, const LdapTimeouts& t, bool bind) : t_(t) {
    NoSigpipe quiet;
    no_ldap_conf();
    std::string password;
    if (bind && !s.ldap.bind_password_file.empty()) {
        password = read_secret_file(s.ldap.bind_password_file, "LDAP bind password file");
        // One line: the trailing newline an editor leaves is not part of it.
        while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) password.pop_back();
        if (password.empty() || password.find('\n') != std::string::npos)
            throw Error(Err::config, "LDAP bind password file " + s.ldap.bind_password_file +
                                         " must hold the password alone on one line");
    }
    if (!s.client_key.empty()) {
        // libldap reads the key itself; the secret-file rules are checked first.
        std::string k = read_secret_file(s.client_key, "LDAP client key");
        secure_clear(k);
    }
    std::vector<std::string> failures;
    for (const std::string& uri : s.ldap.uris) {
        LDAP* ld = nullptr;
        int rc = ldap_initialize(&ld, uri.c_str());
        auto failed = [&](const std::string& why) {
            failures.push_back(uri + ": " + why);
            if (ld) ldap_unbind_ext_s(ld, nullptr, nullptr);
            ld = nullptr;
        };
        if (rc != LDAP_SUCCESS) {
            failed(reason(nullptr, rc));
            continue;
        }
        int v3 = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND, tls12 = LDAP_OPT_X_TLS_PROTOCOL_TLS1_2, no = 0;
        timeval ct = tv_of(t.connect_ms), ot = tv_of(t.op_ms);
        bool ok = ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3) == LDAP_OPT_SUCCESS &&
                  // A referral could lead anywhere, without the checks below (CVE-2005-2069).
                  ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) == LDAP_OPT_SUCCESS &&
                  ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &ct) == LDAP_OPT_SUCCESS &&
                  ldap_set_option(ld, LDAP_OPT_CONNECT_CB, &kBoundSocket) == LDAP_OPT_SUCCESS &&
                  ldap_set_option(ld, LDAP_OPT_TIMEOUT, &ot) == LDAP_OPT_SUCCESS &&
                  ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, s.ca_file.c_str()) == LDAP_OPT_SUCCESS &&
                  ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand) == LDAP_OPT_SUCCESS &&
                  ldap_set_option(ld, LDAP_OPT_X_TLS_PROTOCOL_MIN, &tls12) == LDAP_OPT_SUCCESS;
        if (ok && !s.client_cert.empty())
            ok = ldap_set_option(ld, LDAP_OPT_X_TLS_CERTFILE, s.client_cert.c_str()) == LDAP_OPT_SUCCESS &&
                 ldap_set_option(ld, LDAP_OPT_X_TLS_KEYFILE, s.client_key.c_str()) == LDAP_OPT_SUCCESS;
        // The options above apply to this handle's own TLS context, made now.
        if (ok) ok = ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &no) == LDAP_OPT_SUCCESS;
        if (!ok) {
            failed("cannot set up TLS (check source.ca_file, source.client_cert and source.client_key)");
            continue;
        }
        ConnectWatchdog dog(t.connect_ms + t.op_ms);
        t_watchdog = &dog;
        struct Unwatch {
            ~Unwatch() { t_watchdog = nullptr; }
        } unwatch;
        auto hung = [&](std::string why) {
            return dog.fired() ? "no answer within " + std::to_string((t.connect_ms + t.op_ms) / 1000) +
                                     " s (source.connect_timeout + source.timeout); the server is hung or too slow"
                               : why;
        };
        if (starts_with(uri, "ldap://")) {
            // config.cc allows ldap:// only with starttls: TLS or nothing.
            ++requests_;
            rc = ldap_start_tls_s(ld, nullptr, nullptr);
            if (rc != LDAP_SUCCESS) {
                std::string why = reason(ld, rc);
                failed(hung("StartTLS failed: " + why + hint(rc, why)));
                continue;
            }
        }
        if (bind) {
            ++requests_;
            if (s.ldap.sasl_external) {
                // An empty initial response (present, not absent): EXTERNAL then completes in one
                // round, with the identity of the certificate or the ldapi peer.
                char empty[] = "";
                berval none{0, empty};
                rc = ldap_sasl_bind_s(ld, nullptr, "EXTERNAL", &none, nullptr, nullptr, nullptr);
            } else if (!s.ldap.bind_dn.empty()) {
                berval cred{password.size(), password.data()};
                rc = ldap_sasl_bind_s(ld, s.ldap.bind_dn.c_str(), LDAP_SASL_SIMPLE, &cred, nullptr, nullptr, nullptr);
            } else {
                // Anonymous: the first operation connects; make it a bind so that failover works.
                berval none{0, nullptr};
                rc = ldap_sasl_bind_s(ld, "", LDAP_SASL_SIMPLE, &none, nullptr, nullptr, nullptr);
            }
            if (rc != LDAP_SUCCESS) {
                std::string why = reason(ld, rc);
                // LDAP_SERVER_DOWN: the bind never reached a server. With a diagnostic, it was
                // the TLS layer's (libldap sets none for a refused or timed-out connect).
                if (rc == LDAP_SERVER_DOWN && why != ldap_err2string(rc) && !starts_with(uri, "ldapi://"))
                    why = "TLS handshake failed (" + why + ")";
                failed(hung((rc == LDAP_SERVER_DOWN ? "" : "bind failed: ") + why + hint(rc, why)));
                continue;
            }
        } else {
            // Connect now (and do the TLS handshake), so that a dead server is the next one's turn.
            ++requests_;
            berval none{0, nullptr};
            rc = ldap_sasl_bind_s(ld, "", LDAP_SASL_SIMPLE, &none, nullptr, nullptr, nullptr);
            if (rc != LDAP_SUCCESS) {
                std::string why = reason(ld, rc);
                failed(hung(why + hint(rc, why)));
                continue;
            }
        }
        ld_ = ld;
        uri_ = uri;
        break;
    }
    secure_clear(password);
    if (ld_ == nullptr) {
        std::string all;
        for (const auto& f : failures) all += (all.empty() ? "" : "; ") + f;
        throw Error(Err::source, "no LDAP server could be used: " + all);
    }
}

LdapConn::~LdapConn() {
    NoSigpipe quiet;
    if (ld_) ldap_unbind_ext_s(ld_, nullptr, nullptr);
}

void LdapConn::fail(const std::string& what, int rc) const {
    std::string why = reason(ld_, rc);
    throw Error(Err::source, uri_ + ": " + what + ": " + why + hint(rc, why));
}

// The next message of `msgid`, waiting at most the operation timeout: a server that stops
// answering mid-search fails the search (abandoned) instead of hanging the sync.
LDAPMessage* LdapConn::next_message(int msgid, const std::string& what) {
    timeval tv = tv_of(t_.op_ms);
    LDAPMessage* m = nullptr;
    int type = ldap_result(ld_, msgid, LDAP_MSG_ONE, &tv, &m);
    if (type == 0) {
        ldap_abandon_ext(ld_, msgid, nullptr, nullptr);
        throw Error(Err::source, uri_ + ": " + what + ": no answer within " + std::to_string(t_.op_ms / 1000) +
                                     " s (source.timeout); the server is hung or too slow");
    }
    if (type < 0) {
        int rc = LDAP_OTHER;
        ldap_get_option(ld_, LDAP_OPT_RESULT_CODE, &rc);
        fail(what, rc);
    }
    return m;
}

void LdapConn::search_paged(const std::string& base, const std::string& scope, const std::string& filter,
                            const std::vector<std::string>& attrs, std::uint32_t page_size,
                            const std::function<void(LdapEntry&&)>& entry) {
    NoSigpipe quiet;
    std::vector<char*> av;
    for (const auto& a : attrs) av.push_back(const_cast<char*>(a.c_str()));
    av.push_back(nullptr);
    const std::string what = "search " + base + " " + filter;
    berval* cookie = nullptr;
    struct CookieFree {
        berval** c;
        ~CookieFree() {
            if (*c) ber_bvfree(*c);
        }
    } free_cookie{&cookie};
    do {
        LDAPControl* page = nullptr;
        int rc = ldap_create_page_control(ld_, static_cast<ber_int_t>(page_size), cookie, 0, &page);
        if (rc != LDAP_SUCCESS) fail(what, rc);
        LDAPControl* ctrls[] = {page, nullptr};
        int msgid = 0;
        ++requests_;
        rc = ldap_search_ext(ld_, base.c_str(), scope_code(scope), filter.c_str(), av.data(), 0, ctrls, nullptr,
                             nullptr, LDAP_NO_LIMIT, &msgid);
        ldap_control_free(page);
        if (rc != LDAP_SUCCESS) fail(what, rc);
        if (cookie) {
            ber_bvfree(cookie);
            cookie = nullptr;
        }
        while (true) {
            Msg m;
            m.m = next_message(msgid, what);
            int type = ldap_msgtype(m.m);
            if (type == LDAP_RES_SEARCH_ENTRY) {
                entry(read_entry(ld_, m.m));
                continue;
            }
            if (type != LDAP_RES_SEARCH_RESULT) continue;  // references: never chased
            Result res;
            read_result(ld_, m.m, &res);
            if (res.rc != LDAP_SUCCESS) fail(what, res.rc);
            const int err = res.err;
            const std::string& server_said = res.server_said;
            Ctrls& sc = res.sc;
            if (err != LDAP_SUCCESS) {
                std::string why = ldap_err2string(err);
                throw Error(Err::source, uri_ + ": " + what + ": " + why + server_said + hint(err, why));
            }
            if (LDAPControl* pr = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, sc.c, nullptr)) {
                ber_int_t estimate = 0;
                berval c{};
                if (ldap_parse_pageresponse_control(ld_, pr, &estimate, &c) != LDAP_SUCCESS)
                    throw Error(Err::source, uri_ + ": " + what + ": unreadable paged-results control");
                if (c.bv_len > 0) cookie = ber_bvdup(&c);
                ldap_memfree(c.bv_val);
            }
            break;
        }
    } while (cookie != nullptr);
}

SyncOutcome LdapConn::sync_refresh(const std::string& base, const std::string& scope, const std::string& filter,
                                   const std::vector<std::string>& attrs, const std::string& cookie,
                                   const SyncHandler& handler) {
    NoSigpipe quiet;
    const std::string what = "content synchronisation of " + base;
    // syncRequestValue (RFC 4533 2.2): mode refreshOnly, the cookie when there is one.
    Ber req;
    req.b = ber_alloc_t(LBER_USE_DER);
    berval cv{cookie.size(), const_cast<char*>(cookie.data())};
    if (!req.b || ber_printf(req.b, "{e", static_cast<ber_int_t>(LDAP_SYNC_REFRESH_ONLY)) == -1 ||
        (!cookie.empty() && ber_printf(req.b, "O", &cv) == -1) || ber_printf(req.b, "N}") == -1)
        throw Error(Err::io, "cannot encode the sync request");
    berval value{};
    if (ber_flatten2(req.b, &value, 0) != 0) throw Error(Err::io, "cannot encode the sync request");
    LDAPControl* sync = nullptr;
    if (ldap_control_create(LDAP_CONTROL_SYNC, 1, &value, 1, &sync) != LDAP_SUCCESS)
        throw Error(Err::io, "cannot encode the sync request");
    std::vector<char*> av;
    for (const auto& a : attrs) av.push_back(const_cast<char*>(a.c_str()));
    av.push_back(nullptr);
    LDAPControl* ctrls[] = {sync, nullptr};
    int msgid = 0;
    ++requests_;
    int rc = ldap_search_ext(ld_, base.c_str(), scope_code(scope), filter.c_str(), av.data(), 0, ctrls, nullptr,
                             nullptr, LDAP_NO_LIMIT, &msgid);
    ldap_control_free(sync);
    if (rc != LDAP_SUCCESS) fail(what, rc);
    SyncOutcome out;
    while (true) {
        Msg m;
        m.m = next_message(msgid, what);
        int type = ldap_msgtype(m.m);
        if (type == LDAP_RES_SEARCH_ENTRY) {
            Ctrls ec;
            if (ldap_get_entry_controls(ld_, m.m, &ec.c) != LDAP_SUCCESS)
                throw Error(Err::source, uri_ + ": " + what + ": unreadable entry controls");
            LDAPControl* st = ldap_control_find(LDAP_CONTROL_SYNC_STATE, ec.c, nullptr);
            SyncState state{};
            std::string uuid;
            if (!st || !parse_sync_state(st, &state, &uuid))
                throw Error(Err::source, uri_ + ": " + what + ": an entry without a valid sync state");
            handler.entry(state, uuid, read_entry(ld_, m.m));
        } else if (type == LDAP_RES_INTERMEDIATE) {
            char* oid = nullptr;
            berval* data = nullptr;
            if (ldap_parse_intermediate(ld_, m.m, &oid, &data, nullptr, 0) != LDAP_SUCCESS)
                throw Error(Err::source, uri_ + ": " + what + ": unreadable intermediate message");
            const bool info = oid && std::strcmp(oid, LDAP_SYNC_INFO) == 0;
            ldap_memfree(oid);
            struct DataFree {
                berval* d;
                ~DataFree() {
                    if (d) ber_bvfree(d);
                }
            } free_data{data};
            if (!info || !data) continue;
            Ber ber;
            ber.b = ber_init(data);
            ber_len_t len = 0;
            ber_tag_t tag = ber.b ? ber_peek_tag(ber.b, &len) : LBER_ERROR;
            // syncInfoValue (RFC 4533 2.5): only syncIdSet carries entries; the others mark phases.
            if (tag != LDAP_TAG_SYNC_ID_SET) continue;
            berval* uuids = nullptr;
            ber_int_t deletes = 0;
            bool bad = ber_scanf(ber.b, "{") == LBER_ERROR;
            tag = bad ? LBER_ERROR : ber_peek_tag(ber.b, &len);
            if (!bad && tag == LDAP_TAG_SYNC_COOKIE) {
                berval c{};
                bad = ber_scanf(ber.b, "m", &c) == LBER_ERROR;
                tag = bad ? LBER_ERROR : ber_peek_tag(ber.b, &len);
            }
            if (!bad && tag == LBER_BOOLEAN) bad = ber_scanf(ber.b, "b", &deletes) == LBER_ERROR;
            if (!bad) bad = ber_scanf(ber.b, "[W]", &uuids) == LBER_ERROR;
            if (bad) throw Error(Err::source, uri_ + ": " + what + ": unreadable syncIdSet");
            std::vector<std::string> ids;
            for (berval* p = uuids; p && p->bv_val; ++p) {
                if (p->bv_len != 16) {
                    ber_bvarray_free(uuids);
                    throw Error(Err::source, uri_ + ": " + what + ": a syncIdSet entryUUID is not 16 bytes");
                }
                ids.emplace_back(p->bv_val, p->bv_len);
            }
            ber_bvarray_free(uuids);
            handler.id_set(ids, deletes != 0);
        } else if (type == LDAP_RES_SEARCH_RESULT) {
            Result res;
            read_result(ld_, m.m, &res);
            if (res.rc != LDAP_SUCCESS) fail(what, res.rc);
            const int err = res.err;
            const std::string& server_said = res.server_said;
            Ctrls& sc = res.sc;
            if (err == LDAP_SYNC_REFRESH_REQUIRED) {
                out.kind = SyncOutcome::Kind::refresh_required;
                return out;
            }
            if (err == LDAP_UNAVAILABLE_CRITICAL_EXTENSION || err == LDAP_UNWILLING_TO_PERFORM) {
                out.kind = SyncOutcome::Kind::unsupported;
                return out;
            }
            if ((err == LDAP_PROTOCOL_ERROR || err == LDAP_SIZELIMIT_EXCEEDED || err == LDAP_ADMINLIMIT_EXCEEDED) &&
                !cookie.empty()) {
                // A cookie the server cannot read, or more changes than it hands out in one
                // answer: start over with a paged read.
                out.kind = SyncOutcome::Kind::refresh_required;
                return out;
            }
            if (err != LDAP_SUCCESS) {
                std::string why = ldap_err2string(err);
                throw Error(Err::source, uri_ + ": " + what + ": " + why + server_said + hint(err, why));
            }
            LDAPControl* done = ldap_control_find(LDAP_CONTROL_SYNC_DONE, sc.c, nullptr);
            if (!done) {
                out.kind = SyncOutcome::Kind::unsupported;
                return out;
            }
            if (!parse_sync_done(done, &out.cookie, &out.refresh_deletes))
                throw Error(Err::source, uri_ + ": " + what + ": unreadable syncDone control");
            return out;
        }
    }
}

bool LdapConn::bind_as(const std::string& dn, const std::string& password) {
    if (password.empty() || dn.empty()) return false;
    NoSigpipe quiet;
    berval cred{password.size(), const_cast<char*>(password.data())};
    ++requests_;
    int rc = ldap_sasl_bind_s(ld_, dn.c_str(), LDAP_SASL_SIMPLE, &cred, nullptr, nullptr, nullptr);
    if (rc == LDAP_SUCCESS) return true;
    if (rc == LDAP_INVALID_CREDENTIALS) return false;
    fail("bind as the user", rc);
}

std::string ldap_filter_escape(const std::string& value) {
    berval in{value.size(), const_cast<char*>(value.data())};
    berval out{};
    if (ldap_bv2escaped_filter_value(&in, &out) != 0) throw Error(Err::io, "cannot escape a filter value");
    std::string r(out.bv_val, out.bv_len);
    ber_memfree(out.bv_val);
    return r;
}

std::string ldap_dn_key(const std::string& dn) {
    char* norm = nullptr;
    if (ldap_dn_normalize(dn.c_str(), LDAP_DN_FORMAT_LDAPV3, &norm, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS || !norm)
        return "";
    std::string r = lower(norm);
    ldap_memfree(norm);
    return r;
}

}  // namespace dirbind
