// SPDX-License-Identifier: Apache-2.0
// ldap_conn.h — the one LDAP transport of dirbind, on OpenLDAP's libldap (security.md 6): the
// servers of source.uris tried in order, TLS always (ldaps://, or StartTLS that must succeed;
// ldapi:// is local), the server verified against source.ca_file only (TLS 1.2 or later, host
// name checked), no referral chased, no ldap.conf or ~/.ldaprc read, every operation bounded by
// source.timeout. Failures throw Error(Err::source) naming the server and libldap's reason.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"

typedef struct ldap LDAP;
typedef struct ldapmsg LDAPMessage;

namespace dirbind {

// The values of one entry's attributes, names lower-cased.
struct LdapEntry {
    std::string dn;
    std::vector<std::pair<std::string, std::vector<std::string>>> attrs;
    // The values of `name` (case-insensitive), or null.
    const std::vector<std::string>* values(const std::string& name) const;
    // The first value of `name`, or "".
    std::string first(const std::string& name) const;
};

// RFC 4533 sync states of an entry, as the server reports them (LDAP_SYNC_* of ldap.h).
enum class SyncState { present = 0, add = 1, modify = 2, del = 3 };

// What a refreshOnly content synchronisation hands to its caller, in order.
struct SyncHandler {
    // An entry with its 16-byte entryUUID; for present and del the entry holds only its DN.
    std::function<void(SyncState, const std::string& uuid, LdapEntry&&)> entry;
    // A syncIdSet: these entryUUIDs are present (deletes false) or deleted (deletes true).
    std::function<void(const std::vector<std::string>& uuids, bool deletes)> id_set;
};

// The end of a refreshOnly sync.
struct SyncOutcome {
    enum class Kind {
        done,              // the changes since the cookie were all delivered
        refresh_required,  // the server cannot tell changes since this cookie: read everything
        unsupported,       // no content synchronisation here (no syncprov)
    };
    Kind kind = Kind::done;
    std::string cookie;            // the new cookie ("" if the server sent none)
    bool refresh_deletes = false;  // true: deletes were sent; false: a present phase (absent = gone)
};

struct LdapTimeouts {
    std::uint32_t connect_ms = 2000;
    std::uint32_t op_ms = 10000;  // each operation, and each wait for a message of a search
};

class LdapConn {
public:
    // Connects to the first server of s.ldap.uris that answers, and binds as the source's
    // account (bind_dn + bind_password_file, SASL EXTERNAL, or anonymously). Throws Error
    // (Err::source; Err::permission/Err::config for the password file) listing every server's
    // failure. `bind` false: connected and TLS up, but not bound (the password check binds itself).
    LdapConn(const SourceConfig& s, const LdapTimeouts& t, bool bind = true);
    ~LdapConn();
    LdapConn(const LdapConn&) = delete;
    LdapConn& operator=(const LdapConn&) = delete;

    // The server this connection reached.
    const std::string& uri() const noexcept { return uri_; }
    // LDAP operations sent so far (searches, pages, binds).
    std::uint64_t requests() const noexcept { return requests_; }

    // A search in pages of `page_size` (RFC 2696 simple paged results, not critical: a server
    // without it answers in one go). Each entry is handed to `entry` as it arrives. A server size
    // or time limit, or any other error, throws: a partial answer is never taken for the whole.
    void search_paged(const std::string& base, const std::string& scope, const std::string& filter,
                      const std::vector<std::string>& attrs, std::uint32_t page_size,
                      const std::function<void(LdapEntry&&)>& entry);

    // RFC 4533 content synchronisation, refreshOnly, from `cookie` ("" = from the start).
    SyncOutcome sync_refresh(const std::string& base, const std::string& scope, const std::string& filter,
                             const std::vector<std::string>& attrs, const std::string& cookie,
                             const SyncHandler& handler);

    // Simple bind as `dn` with `password` on this connection: true when the server accepts it,
    // false for invalidCredentials (wrong password, locked by ppolicy, no such DN). Throws Error
    // for anything else (the server is unreachable, busy, …). An empty password is refused
    // here, never sent: an empty simple bind is an anonymous "success" (RFC 4513 5.1.2).
    bool bind_as(const std::string& dn, const std::string& password);

private:
    [[noreturn]] void fail(const std::string& what, int rc) const;
    LDAPMessage* next_message(int msgid, const std::string& what);

    LDAP* ld_ = nullptr;
    std::string uri_;
    LdapTimeouts t_;
    std::uint64_t requests_ = 0;
};

// `value` escaped for use inside a search filter (RFC 4515: * ( ) \ NUL).
std::string ldap_filter_escape(const std::string& value);

// `dn` in one canonical form (RFC 4514 normalised by libldap, ASCII lower-cased), so that member
// DNs and entry DNs compare; "" when it does not parse.
std::string ldap_dn_key(const std::string& dn);

}  // namespace dirbind
