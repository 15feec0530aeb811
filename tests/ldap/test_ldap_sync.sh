#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_ldap_sync.sh — the ldap source against a real slapd (lib-ldap.sh): a full sync in pages
# past the server's size limit, the host filter (unbound users absent), RFC 2307 groups, keys from
# sshPublicKey, account state (ppolicy lock, shadowExpire), then incremental syncs: unchanged (no
# rewrite, few operations), a change, a deleted entry and an entry leaving the host filter
# vanishing, a cookie the server cannot use (full refresh), and hostile attribute values going
# through the one validator.
. "$(dirname "$0")/../lib.sh"
. "$SRC/tests/ldap/lib-ldap.sh"
# 20 entries per search or page, any number of pages: only a paged search reads everything.
make_slapd "size.soft=20 size.hard=20 size.pr=20 size.prtotal=unlimited"
load_ldif --users 60 --unbound-every 10
start_slapd
ldap_config 'host_filter: (host=web1)' 'page_size: 20'
key=$(test_key user00001)

dirbind sync
check "first sync succeeds" 0 "$rc"
contains "54 bound users of 60, read in pages past the size limit of 20" "synced 54 users, 56 groups, 0 skipped" "$out"
contains "the summary counts LDAP operations" "LDAP operations)" "$out"
dirbind lookup user user00001
contains "user00001 resolves: uidNumber, private group, gecos, home, shell" \
    "user00001:x:20001:20001:User 1:$T/home/user00001:/bin/bash" "$out"
dirbind lookup user user00010
check "an unbound user (no host: web1) is absent" 1 "$rc"
dirbind lookup group ops
contains "RFC 2307 memberUid: ops has its three members" "ops:x:7001:user00001,user00002,user00003" "$out"
dirbind lookup group staff
absent() { case $3 in *"$2"*) bad "$1" ;; *) ok "$1" ;; esac; }
absent "an unbound user is no member of staff" "user00010" "$out"
check "the state file is root-only" "600" "$(stat -c %a "$T/cache/ldap-state.json")"

# ---- unchanged: nothing rewritten --------------------------------------------------------------
ino=$(stat -c '%i %Y' "$T/cache/identity.db" "$T/cache/secrets.db")
sleep 1
dirbind sync
check "unchanged sync succeeds" 0 "$rc"
contains "unchanged sync keeps the cache" "not modified since the last sync: cache kept (54 users, 56 groups)" "$out"
contains "... with a bind and two content synchronisations" "(3 LDAP operations)" "$out"
check "... cache files not rewritten" "$ino" "$(stat -c '%i %Y' "$T/cache/identity.db" "$T/cache/secrets.db")"

# ---- changes, incrementally ------------------------------------------------------------------
lmod <<E
dn: uid=user00001,ou=people,$BASE
changetype: modify
add: sshPublicKey
sshPublicKey: $key
-
replace: loginShell
loginShell: /bin/sh

dn: uid=user00003,ou=people,$BASE
changetype: delete

dn: uid=user00004,ou=people,$BASE
changetype: modify
delete: host
host: web1

dn: uid=user00005,ou=people,$BASE
changetype: modify
add: pwdAccountLockedTime
pwdAccountLockedTime: 000001010000Z

dn: uid=user00006,ou=people,$BASE
changetype: modify
replace: shadowExpire
shadowExpire: 1
E
dirbind sync
check "incremental sync succeeds" 0 "$rc"
contains "incremental sync: 52 users" "synced 52 users" "$out"
contains "... in 3 operations, not a full read" "(3 LDAP operations)" "$out"
check "the new key is served" "$key" "$(with_nss timeout 10 "$CLI" --config "$CFG" authorized-keys user00001)"
dirbind lookup user user00001
contains "the new shell" ":/bin/sh" "$out"
dirbind lookup user user00003
check "a deleted entry vanished" 1 "$rc"
dirbind lookup user user00004
check "an entry that left the host filter vanished" 1 "$rc"
dirbind lookup group ops
contains "... and left its groups" "ops:x:7001:user00001,user00002" "$out"
dirbind lookup user user00005
contains "a ppolicy-locked user is locked" "state:           locked" "$out"
dirbind lookup user user00006
contains "a user past shadowExpire is expired" "state:           expired" "$out"

# ---- a cookie the server cannot use: a full refresh ----------------------------------------------
python3 - "$T/cache/ldap-state.json" <<'PY'
import json, sys
p = sys.argv[1]
j = json.load(open(p))
j["user_cookie"] = "7269643d3939392c63736e3d67617262616765"  # rid=999,csn=garbage
json.dump(j, open(p, "w"))
PY
lmod <<E
dn: uid=user00002,ou=people,$BASE
changetype: modify
replace: gecos
gecos: Second: User
E
dirbind sync --verbose
check "a bad cookie: the sync still succeeds" 0 "$rc"
contains "... by reading everything" "reading everything" "$out"
contains "... 52 users" "synced 52 users" "$out"
dirbind lookup user user00002
contains "... with the change, ':' in gecos made a space" "user00002:x:20002:20002:Second  User:" "$out"
dirbind sync
contains "the next sync is incremental again" "not modified since the last sync" "$out"

# ---- the records are read only when there is a change to apply ---------------------------------
# An unchanged sync reads the small ldap-state.json alone (its cost does not grow with the
# directory); records that are unusable when a change comes mean a full read, not a wrong cache.
check "the records are root-only too" "600" "$(stat -c %a "$T/cache/ldap-records.json")"
printf 'garbage' >"$T/cache/ldap-records.json"
dirbind sync --verbose
contains "unchanged, records unreadable: not modified all the same (they were not read)" \
    "not modified since the last sync" "$out"
lmod <<E
dn: uid=user00002,ou=people,$BASE
changetype: modify
replace: gecos
gecos: Second Again
E
dirbind sync --verbose
check "a change with unreadable records: the sync succeeds" 0 "$rc"
contains "... by reading everything" "ldap-records.json is corrupt" "$out"
dirbind lookup user user00002
contains "... with the change" "user00002:x:20002:20002:Second Again:" "$out"
dirbind sync
contains "... and is incremental again" "not modified since the last sync" "$out"

# ---- hostile values: the same validator ----------------------------------------------------------
lmod <<E
dn: uid=root,ou=people,$BASE
changetype: add
objectClass: inetOrgPerson
objectClass: posixAccount
objectClass: hostObject
cn: r
sn: r
uid: root
uidNumber: 0
gidNumber: 0
homeDirectory: /root
host: web1

dn: uid=evil1,ou=people,$BASE
changetype: add
objectClass: inetOrgPerson
objectClass: posixAccount
objectClass: hostObject
cn: e
sn: e
uid: evil1
uidNumber: 4294967296
gidNumber: 30001
homeDirectory: $T/home/evil1
host: web1

dn: uid=evil2,ou=people,$BASE
changetype: add
objectClass: inetOrgPerson
objectClass: posixAccount
objectClass: hostObject
objectClass: ldapPublicKey
cn: e
sn: e
uid: evil2
uidNumber: 30002
gidNumber: 30002
homeDirectory: /etc
host: web1

dn: uid=evil3,ou=people,$BASE
changetype: add
objectClass: inetOrgPerson
objectClass: posixAccount
objectClass: hostObject
objectClass: ldapPublicKey
cn: e
sn: e
uid: evil3
uidNumber: 30003
gidNumber: 30003
homeDirectory: $T/home/evil3
sshPublicKey: command="/bin/sh" $key
sshPublicKey: -----BEGIN OPENSSH PRIVATE KEY-----
host: web1

dn: uid=user00001,ou=people,$BASE
changetype: modify
replace: uidNumber
uidNumber: 1000
E
dirbind sync
check "a sync with hostile entries succeeds" 0 "$rc"
contains "the good users stay, evil3 comes, user00001 (now a local uid) goes" "synced 52 users" "$out"
for u in root evil1 evil2 user00001; do
    dirbind lookup user "$u"
    check "hostile entry $u is not served" 1 "$rc"
done
dirbind lookup user evil3
check "evil3's record is valid apart from its keys" 0 "$rc"
check "... but neither bad key is served" "" "$(with_nss timeout 10 "$CLI" --config "$CFG" authorized-keys evil3)"
dirbind status
contains "status counts the skipped records" "skipped" "$out"
finish
