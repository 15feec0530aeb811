#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_ldap_schemas.sh — the ldap source's mappings against a real slapd: RFC 2307bis (groups of
# member DNs), Active Directory-style names (sAMAccountName, displayName, unixHomeDirectory,
# userAccountControl's disabled bit as suspended), a `map:` override, and a typo in `map:`
# refused with a suggestion. Unbound users (outside host_filter) are absent and in no group.
. "$(dirname "$0")/../lib.sh"
. "$SRC/tests/ldap/lib-ldap.sh"
make_slapd

# ---- RFC 2307bis ---------------------------------------------------------------------------------
load_ldif --users 6 --schema rfc2307bis --unbound-every 3
start_slapd
ldap_config 'schema: rfc2307bis' 'host_filter: (host=web1)'
dirbind sync
check "rfc2307bis: sync succeeds" 0 "$rc"
contains "rfc2307bis: the 4 bound users of 6" "synced 4 users" "$out"
dirbind lookup group ops
contains "rfc2307bis: member DNs become member names (the unbound user00003 left out)" \
    "ops:x:7001:user00001,user00002" "$out"
dirbind lookup group staff
contains "rfc2307bis: staff has the bound users" "staff:x:7000:user00001,user00002,user00004,user00005" "$out"
dirbind lookup user user00003
check "rfc2307bis: an unbound user is absent" 1 "$rc"

# ---- a map override --------------------------------------------------------------------------------
ldap_config 'schema: rfc2307bis' 'host_filter: (host=web1)' 'map: {gecos: sn}'
dirbind sync
check "map override: sync succeeds" 0 "$rc"
dirbind lookup user user00001
contains "map: {gecos: sn}: the gecos comes from sn" "user00001:x:20001:20001:user00001:" "$out"
ldap_config 'schema: rfc2307bis' 'map: {hme: homeDirectory}'
dirbind check-config
check "a typo in map: is refused" 1 "$rc"
contains "... with a suggestion" "did you mean 'home'" "$out"

# ---- Active Directory-style attribute names ----------------------------------------------------------
stop_slapd
load_ldif --users 6 --schema ad --unbound-every 3
start_slapd
# The test server has no objectClass user: the AD filters with this directory's class.
ldap_config 'schema: ad' 'user_filter: (&(objectClass=dirbindTestAdUser)(uidNumber=*))' \
    'group_filter: (&(objectClass=groupOfNames)(gidNumber=*))' 'host_filter: (host=web1)'
rm -f "$T/cache/ldap-state.json"
dirbind sync
check "ad: sync succeeds" 0 "$rc"
contains "ad: the 4 bound users" "synced 4 users" "$out"
dirbind lookup user user00001
contains "ad: sAMAccountName, displayName, unixHomeDirectory, loginShell" \
    "user00001:x:20001:20001:User 1:$T/home/user00001:/bin/bash" "$out"
contains "ad: userAccountControl 512 is active" "state:           active" "$out"
dirbind lookup group ops
contains "ad: member DNs (cn=…) become names" "ops:x:7001:user00001,user00002" "$out"
lmod <<E
dn: cn=user00002,ou=people,$BASE
changetype: modify
replace: userAccountControl
userAccountControl: 514
E
dirbind sync
check "ad: sync after disabling user00002" 0 "$rc"
dirbind lookup user user00002
contains "ad: the disabled bit (0x2) makes the user suspended" "state:           suspended" "$out"
finish
