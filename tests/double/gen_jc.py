#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""gen_jc.py --key SYSTEM_KEY.pem --users N [--org M] [--managed-every K] [--groups G] — writes to
stdout the jc.json of the directory double (double.py): a system, its public key, an API key and N
bound users in the shape of JumpCloud's /systemusers objects (jumpcloud-api.md). Deterministic.

User i: _id "5f" + 22 hex digits of i, username "user<i>" (zero-padded to 5), one ssh-ed25519 key,
ACTIVATED; every K-th user (default 0 = none) has a JumpCloud-managed uid 20000+i; with G > 0
every bound user is in POSIX group "team<i % G>" (gid 7000 + i % G) through its binding.
Without --org the organisation is the N bound users 1..N; with --org M (>= N) it has users 1..M,
of which N spread evenly through the id order are bound and the rest are "others".
"""
import argparse
import base64
import hashlib
import json
import struct
import sys

from cryptography.hazmat.primitives import serialization

SYSTEM_ID = "5e0000000000000000000001"
API_KEY = "jc-test-api-key-0123456789abcdef"


def user_id(i):
    return "5f%022x" % i


def ed25519_key(seed):
    raw = hashlib.sha256(seed.encode()).digest()
    blob = struct.pack(">I", 11) + b"ssh-ed25519" + struct.pack(">I", 32) + raw
    return "ssh-ed25519 " + base64.b64encode(blob).decode()


def details(i, managed):
    name = "user%05d" % i
    d = {"_id": user_id(i), "username": name, "systemUsername": "", "firstname": "User", "lastname": str(i),
         "displayname": "User %d" % i, "email": name + "@example.org",
         "unix_uid": 20000 + i if managed else 0, "unix_guid": 20000 + i if managed else 0,
         "enable_managed_uid": managed, "sudo": False, "passwordless_sudo": False,
         "allow_public_key": True, "public_key": "",
         "ssh_keys": [{"_id": "%024x" % (i + 1), "name": "laptop", "public_key": ed25519_key(name) + " " + name,
                       "create_date": "2024-01-01T00:00:00.000Z"}],
         "state": "ACTIVATED", "activated": True, "suspended": False, "account_locked": False,
         "password_expired": False, "password_never_expires": False,
         "totp_enabled": False, "mfa": {"configured": False, "exclusion": False, "exclusionUntil": None}}
    return d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--key", required=True, help="the system's private key (PEM)")
    ap.add_argument("--users", type=int, default=3)
    ap.add_argument("--managed-every", type=int, default=0)
    ap.add_argument("--groups", type=int, default=0)
    ap.add_argument("--org", type=int, default=0, help="users in the organisation (default: --users)")
    args = ap.parse_args()
    org = max(args.org, args.users)
    with open(args.key, "rb") as f:
        priv = serialization.load_pem_private_key(f.read(), password=None)
    pub = priv.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    bound = set(range(1, args.users + 1)) if org == args.users else \
        {(k * org) // args.users + 1 for k in range(args.users)}
    users, others = [], []
    for i in range(1, org + 1):
        managed = args.managed_every > 0 and i % args.managed_every == 0
        if i not in bound:
            others.append(details(i, managed))
            continue
        binding = {"compiledAttributes": {"sudo": {"enabled": False, "withoutPassword": False}}}
        if args.groups:
            g = i % args.groups
            binding["compiledAttributes"]["posixGroups"] = [{"id": 7000 + g, "name": "team%d" % g}]
        users.append({"details": details(i, managed), "binding": binding})
    doc = {"system_id": SYSTEM_ID, "public_key": pub, "api_key": API_KEY,
           "system": {"_id": SYSTEM_ID, "hostname": "web-1", "displayName": "web-1", "active": True,
                      "allowPublicKeyAuthentication": True, "allowSshPasswordAuthentication": False,
                      "allowSshRootLogin": False, "allowMultiFactorAuthentication": False},
           "users": users, "others": others}
    json.dump(doc, sys.stdout)


if __name__ == "__main__":
    main()
