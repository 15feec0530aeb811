#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""gen_ldif.py [--users N] [--schema rfc2307|rfc2307bis|ad] [--unbound-every K] [--home-base DIR] [--uid-base B] — the directory
of one test run as LDIF on stdout, for slapadd: dc=example,dc=org with ou=people, ou=groups,
ou=hosts (the host group cn=web1, listing the bound users), ou=policies (the
ppolicy default) and the read-only bind account cn=reader,ou=services (password "reader-pw").

Users are user00001… (uidNumber B+i, B 20000 by default: past 40,000 users that crosses the
reserved 60000-65535, which the bench avoids with --uid-base 100000; private gid, gecos "User i", an ed25519-looking key
is NOT generated here: tests add real keys with ldapmodify). Bound users carry `host: web1` (ldapns
hostObject) and are members of cn=web1; every K-th user is neither (unbound). Groups: staff (gid 7000, every user) and ops (gid 7001, the first 3 users),
as memberUid (rfc2307) or member DNs (rfc2307bis, ad).
"""
import argparse
import sys

BASE = "dc=example,dc=org"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--users", type=int, default=5)
    p.add_argument("--schema", default="rfc2307", choices=["rfc2307", "rfc2307bis", "ad"])
    p.add_argument("--unbound-every", type=int, default=0)
    p.add_argument("--home-base", default="/home")
    p.add_argument("--uid-base", type=int, default=20000)
    a = p.parse_args()
    out = sys.stdout
    w = out.write
    w(f"dn: {BASE}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n\n")
    for ou in ("people", "groups", "hosts", "policies", "services"):
        w(f"dn: ou={ou},{BASE}\nobjectClass: organizationalUnit\nou: {ou}\n\n")
    w(f"dn: cn=reader,ou=services,{BASE}\nobjectClass: person\nobjectClass: simpleSecurityObject\n"
      f"cn: reader\nsn: reader\nuserPassword: reader-pw\n\n")
    w(f"dn: cn=default,ou=policies,{BASE}\nobjectClass: pwdPolicy\nobjectClass: person\n"
      f"cn: default\nsn: default\npwdAttribute: userPassword\npwdLockout: TRUE\npwdMaxFailure: 3\n"
      f"pwdLockoutDuration: 0\n\n")
    names = []
    for i in range(1, a.users + 1):
        name = f"user{i:05d}"
        dn = f"uid={name},ou=people,{BASE}" if a.schema != "ad" else f"cn={name},ou=people,{BASE}"
        bound = not (a.unbound_every and i % a.unbound_every == 0)
        names.append((name, dn, bound))
        uid = a.uid_base + i
        if a.schema == "ad":
            w(f"dn: {dn}\nobjectClass: inetOrgPerson\nobjectClass: dirbindTestAdUser\n"
              f"objectClass: hostObject\n"
              f"cn: {name}\nsn: {name}\nsAMAccountName: {name}\nuidNumber: {uid}\ngidNumber: {uid}\n"
              f"displayName: User {i}\nunixHomeDirectory: {a.home_base}/{name}\nloginShell: /bin/bash\n"
              f"userAccountControl: 512\nuserPassword: pw-{name}\n")
        else:
            w(f"dn: {dn}\nobjectClass: inetOrgPerson\nobjectClass: posixAccount\nobjectClass: shadowAccount\n"
              f"objectClass: ldapPublicKey\nobjectClass: hostObject\ncn: User {i}\nsn: {name}\nuid: {name}\nuidNumber: {uid}\n"
              f"gidNumber: {uid}\ngecos: User {i}\nhomeDirectory: {a.home_base}/{name}\nloginShell: /bin/bash\n"
              f"userPassword: pw-{name}\n")
        if bound:
            # slapadd runs no overlay: memberof's attribute is written here (extensibleObject
            # allows it); at run time the memberof overlay keeps it in line with cn=web1.
            w("host: web1\n")
        w("\n")
    w(f"dn: cn=web1,ou=hosts,{BASE}\nobjectClass: groupOfNames\ncn: web1\n")
    for name, dn, bound in names:
        if bound:
            w(f"member: {dn}\n")
    if not any(b for _, _, b in names):
        w(f"member: cn=reader,ou=services,{BASE}\n")
    w("\n")
    for gname, gid, members in (("staff", 7000, names), ("ops", 7001, names[:3])):
        if a.schema == "rfc2307":
            w(f"dn: cn={gname},ou=groups,{BASE}\nobjectClass: posixGroup\ncn: {gname}\ngidNumber: {gid}\n")
            for name, _, _ in members:
                w(f"memberUid: {name}\n")
        else:
            w(f"dn: cn={gname},ou=groups,{BASE}\nobjectClass: groupOfNames\nobjectClass: dirbindTestPosixGroupAux\n"
              f"cn: {gname}\ngidNumber: {gid}\n")
            for _, dn, _ in members:
                w(f"member: {dn}\n")
            if not members:
                w(f"member: cn=reader,ou=services,{BASE}\n")
        w("\n")


if __name__ == "__main__":
    main()
