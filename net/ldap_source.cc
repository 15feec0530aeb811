// SPDX-License-Identifier: Apache-2.0
// ldap_source.cc — the ldap source (ldap_source.h): full and incremental fetches, one user for
// login_refresh, and the password check by bind.
#include "net/ldap_source.h"

#include <algorithm>
#include <ctime>
#include <set>

#include "net/ldap_conn.h"
#include "net/ldap_map.h"
#include "net/ldap_state.h"
#include "system/error.h"
#include "system/log.h"

namespace dirbind {
namespace {

// A filter no entry matches: a content synchronisation with it costs nothing and hands back the
// server's current cookie.
constexpr const char* kNothing = "(!(objectClass=*))";

LdapTimeouts timeouts_of(const SourceConfig& s) {
    return {s.connect_timeout * 1000, s.timeout * 1000};
}

bool reads_groups(const LdapSourceConfig& l) {
    return !l.group_filter.empty();
}

void progress(const FetchHooks& hooks, const char* phase, std::size_t done, const LdapConn& c) {
    if (!hooks.progress) return;
    FetchProgress p;
    p.phase = phase;
    p.done = done;
    p.requests = c.requests();
    hooks.progress(p);
}

// Everything, in pages. The cookies, when the server has content synchronisation, are taken
// first: a change made while the pages are read is then sent again by the next sync, never lost.
void read_all(LdapConn& c, const LdapSourceConfig& l, const FetchHooks& hooks, LdapState* st) {
    st->incremental = hooks.persist;
    if (st->incremental) {
        SyncHandler ignore{[](SyncState, const std::string&, LdapEntry&&) {},
                           [](const std::vector<std::string>&, bool) {}};
        SyncOutcome u = c.sync_refresh(l.user_base, l.user_scope, kNothing, {"1.1"}, "", ignore);
        SyncOutcome g = reads_groups(l) ? c.sync_refresh(l.group_base, l.group_scope, kNothing, {"1.1"}, "", ignore)
                                        : SyncOutcome{};
        st->incremental = u.kind == SyncOutcome::Kind::done && g.kind == SyncOutcome::Kind::done &&
                          !u.cookie.empty() && (!reads_groups(l) || !g.cookie.empty());
        st->user_cookie = st->incremental ? u.cookie : "";
        st->group_cookie = st->incremental ? g.cookie : "";
        if (!st->incremental && hooks.verbose)
            log(LogLevel::info, c.uri() + ": no content synchronisation (RFC 4533): every sync reads everything");
    }
    st->users.clear();
    st->groups.clear();
    std::size_t n = 0;
    c.search_paged(l.user_base, l.user_scope, ldap_bound_user_filter(l), ldap_user_attrs(l), l.page_size,
                   [&](LdapEntry&& e) {
                       std::string id = ldap_entry_id(e);
                       st->users.insert_or_assign(std::move(id), ldap_user_record(l, std::move(e)));
                       if (++n % 1000 == 0) progress(hooks, "users", n, c);
                   });
    n = 0;
    if (reads_groups(l))
        c.search_paged(l.group_base, l.group_scope, l.group_filter, ldap_group_attrs(l), l.page_size,
                       [&](LdapEntry&& e) {
                           std::string id = ldap_entry_id(e);
                           st->groups.insert_or_assign(std::move(id), ldap_group_record(l, std::move(e)));
                           if (++n % 1000 == 0) progress(hooks, "groups", n, c);
                       });
}

// What the server sent since a cookie (RFC 4533 refreshOnly), before anything is applied: a
// sync that finds none never needs the stored records.
struct Changes {
    bool usable = true;          // false: the server wants a full read, or answered incompletely
    bool refresh_deletes = true;  // false: a present phase (whatever is not named is gone)
    std::set<std::string> seen;   // present, added or modified: what a present phase keeps
    LdapRecords updates;
    std::vector<std::string> deletes;
    std::string cookie;
    bool none() const { return refresh_deletes && updates.empty() && deletes.empty(); }
};

Changes fetch_changes(LdapConn& c, const std::string& base, const std::string& scope, const std::string& filter,
                      const std::vector<std::string>& attrs, bool group, const LdapSourceConfig& l,
                      const std::string& cookie) {
    Changes ch;
    SyncHandler h;
    h.entry = [&](SyncState s, const std::string& uuid, LdapEntry&& e) {
        std::string id = ldap_uuid_id(uuid);
        if (s == SyncState::del) {
            ch.deletes.push_back(id);
            return;
        }
        ch.seen.insert(id);
        if (s == SyncState::add || s == SyncState::modify)
            ch.updates.insert_or_assign(id, group ? ldap_group_record(l, std::move(e)) : ldap_user_record(l, std::move(e)));
    };
    h.id_set = [&](const std::vector<std::string>& uuids, bool del) {
        for (const auto& u : uuids) (del ? ch.deletes.push_back(ldap_uuid_id(u)) : (void)ch.seen.insert(ldap_uuid_id(u)));
    };
    SyncOutcome o = c.sync_refresh(base, scope, filter, attrs, cookie, h);
    ch.usable = o.kind == SyncOutcome::Kind::done;
    ch.refresh_deletes = o.refresh_deletes;
    ch.cookie = o.cookie;
    return ch;
}

// Applies `ch` to `records` and moves `*cookie` on. False when the answer cannot be trusted to
// be complete (read everything instead); *changed when a record changed.
bool apply_changes(Changes&& ch, std::string* cookie, LdapRecords* records, bool* changed) {
    if (!ch.refresh_deletes) {
        // A present phase that names nothing while records exist is not trusted to mean "all
        // deleted".
        if (ch.seen.empty() && !records->empty() && ch.updates.empty()) return false;
        for (auto it = records->begin(); it != records->end();)
            if (!ch.seen.count(it->first)) {
                it = records->erase(it);
                *changed = true;
            } else {
                ++it;
            }
    }
    for (const auto& id : ch.deletes) *changed |= records->erase(id) > 0;
    for (auto& [id, r] : ch.updates) {
        auto it = records->find(id);
        if (it != records->end() && it->second == r) continue;
        records->insert_or_assign(id, std::move(r));
        *changed = true;
    }
    if (!ch.cookie.empty()) *cookie = ch.cookie;
    return true;
}

}  // namespace

FetchResult fetch_ldap(const Config& cfg, const FetchState* since, const FetchHooks& hooks,
                       std::vector<Skipped>* skipped) {
    const LdapSourceConfig& l = cfg.source.ldap;
    LdapConn c(cfg.source, timeouts_of(cfg.source));
    LdapState st;
    bool incremental = false;
    if (hooks.persist && since != nullptr) {
        try {
            st = load_ldap_state(cfg.cache_dir);
            incremental = st.incremental && !st.generation.empty() && since->etag == ldap_state_etag(st.generation);
        } catch (const Error& e) {
            log(LogLevel::warning, std::string(e.what()) + "; reading the whole directory");
        }
    }
    bool changed = false;
    const std::time_t now = std::time(nullptr);
    if (incremental) {
        Changes u = fetch_changes(c, l.user_base, l.user_scope, ldap_bound_user_filter(l), ldap_user_attrs(l), false, l,
                                  st.user_cookie);
        Changes g = u.usable && reads_groups(l) ? fetch_changes(c, l.group_base, l.group_scope, l.group_filter,
                                                                ldap_group_attrs(l), true, l, st.group_cookie)
                                                : Changes{};
        incremental = u.usable && g.usable;
        if (!incremental)
            log(LogLevel::info, c.uri() + ": the server cannot send the changes since the last sync; reading everything");
        // The records are read only when there is something to apply them to.
        const bool due = st.next_change != 0 && now >= st.next_change;
        if (incremental && (!u.none() || !g.none() || due)) {
            try {
                load_ldap_records(cfg.cache_dir, &st);
                incremental = apply_changes(std::move(u), &st.user_cookie, &st.users, &changed) &&
                              apply_changes(std::move(g), &st.group_cookie, &st.groups, &changed);
            } catch (const Error& e) {
                log(LogLevel::warning, std::string(e.what()) + "; reading the whole directory");
                incremental = false;
            }
        }
    }
    if (!incremental) {
        st = LdapState{};
        read_all(c, l, hooks, &st);
        changed = true;
    }
    FetchResult r;
    if (!changed && (st.next_change == 0 || now < st.next_change)) {
        r.not_modified = true;
        r.state = *since;
        r.requests = c.requests();
        return r;
    }
    r.dir = ldap_directory(l, st.users, st.groups, now, skipped, &st.next_change);
    r.requests = c.requests();
    if (hooks.persist) {
        st.generation = new_ldap_generation();
        r.state.etag = ldap_state_etag(st.generation);
        r.commit = [dir = cfg.cache_dir, state = std::move(st)](const Directory&) {
            save_ldap_state(dir, state);
            return std::string();
        };
    }
    return r;
}

namespace {

// The bound user `name`, searched as the source's account; at most one entry.
std::vector<LdapEntry> find_user(LdapConn& c, const LdapSourceConfig& l, const std::string& name) {
    std::string filter = "(&" + ldap_bound_user_filter(l) + "(" + l.map.name + "=" + ldap_filter_escape(name) + "))";
    std::vector<LdapEntry> found;
    c.search_paged(l.user_base, l.user_scope, filter, ldap_user_attrs(l), 2, [&](LdapEntry&& e) {
        if (found.size() < 2) found.push_back(std::move(e));
    });
    if (found.size() > 1)
        throw Error(Err::source, c.uri() + ": two entries answer to " + l.map.name + "=" + name + " under " + l.user_base +
                                     "; the directory is ambiguous about this user");
    return found;
}

LdapTimeouts login_timeouts(const SourceConfig& s, std::uint32_t timeout_ms) {
    return {std::min(s.connect_timeout * 1000, timeout_ms), std::min(s.timeout * 1000, timeout_ms)};
}

}  // namespace

FetchResult fetch_ldap_user(const Config& cfg, const std::string& name, std::uint32_t timeout_ms,
                            std::vector<Skipped>* skipped) {
    const LdapSourceConfig& l = cfg.source.ldap;
    LdapConn c(cfg.source, login_timeouts(cfg.source, timeout_ms));
    LdapRecords users;
    for (LdapEntry& e : find_user(c, l, name)) {
        std::string id = ldap_entry_id(e);
        users.emplace(std::move(id), ldap_user_record(l, std::move(e)));
    }
    FetchResult r;
    std::int64_t next = 0;
    r.dir = ldap_directory(l, users, {}, std::time(nullptr), skipped, &next);
    r.requests = c.requests();
    return r;
}

bool check_ldap_password(const Config& cfg, const std::string& name, const std::string& password,
                         std::uint32_t timeout_ms) {
    const LdapSourceConfig& l = cfg.source.ldap;
    if (password.empty() || password.find('\0') != std::string::npos) return false;
    LdapConn c(cfg.source, login_timeouts(cfg.source, timeout_ms));
    std::vector<LdapEntry> found = find_user(c, l, name);
    if (found.empty()) return false;
    // The name must be the one the sync maps (a case-insensitive server matches "Alice" too).
    if (found[0].first(l.map.name) != name) return false;
    return c.bind_as(found[0].dn, password);
}

}  // namespace dirbind
