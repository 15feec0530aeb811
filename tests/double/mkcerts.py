#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""mkcerts.py DIR — the PKI of one test run of the directory double, made fresh each time.

Writes into DIR (mode 0600 keys):
  ca.pem               the CA dirbind is told to trust (source.ca_file)
  server.pem/.key      127.0.0.1 + localhost, valid now, signed by ca       (listener "good", "mtls")
  expired.pem/.key     127.0.0.1, expired yesterday, signed by ca           (listener "expired")
  otherhost.pem/.key   other.example only, signed by ca                     (listener "otherhost")
  wrongca.pem/.key     127.0.0.1, signed by an untrusted CA                 (listener "wrongca")
  client.pem/.key      a client certificate signed by ca (mTLS)
  rogue-client.pem/.key a client certificate signed by the untrusted CA
  server.pin           sha256//<base64> of server.pem's public key (source.pinned_pubkey)
  other.pin            a pin of an unrelated key
Elliptic-curve keys: generating them is instant, so every test run gets its own.
"""
import base64
import datetime
import hashlib
import os
import sys
import ipaddress

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def key():
    return ec.generate_private_key(ec.SECP256R1())


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def write_key(path, k):
    data = k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                           serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(path, 0o600)


def write_cert(path, c):
    with open(path, "wb") as f:
        f.write(c.public_bytes(serialization.Encoding.PEM))


def ca(cn, now):
    k = key()
    c = (x509.CertificateBuilder().subject_name(name(cn)).issuer_name(name(cn))
         .public_key(k.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now - datetime.timedelta(days=1))
         .not_valid_after(now + datetime.timedelta(days=2))
         .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
         .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                      content_commitment=False, key_encipherment=False,
                                      data_encipherment=False, key_agreement=False,
                                      encipher_only=False, decipher_only=False), critical=True)
         .sign(k, hashes.SHA256()))
    return k, c


def leaf(cn, issuer_key, issuer_cert, sans, not_before, not_after, client=False):
    k = key()
    b = (x509.CertificateBuilder().subject_name(name(cn)).issuer_name(issuer_cert.subject)
         .public_key(k.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(not_before).not_valid_after(not_after)
         .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
         .add_extension(x509.ExtendedKeyUsage(
             [ExtendedKeyUsageOID.CLIENT_AUTH if client else ExtendedKeyUsageOID.SERVER_AUTH]), critical=False))
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return k, b.sign(issuer_key, hashes.SHA256())


def pin(public_key):
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return "sha256//" + base64.b64encode(hashlib.sha256(der).digest()).decode()


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    day = datetime.timedelta(days=1)
    ca_key, ca_cert = ca("dirbind test CA", now)
    rogue_key, rogue_cert = ca("untrusted test CA", now)
    write_cert(os.path.join(out, "ca.pem"), ca_cert)
    write_cert(os.path.join(out, "rogue-ca.pem"), rogue_cert)
    local = [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
    made = {
        "server": leaf("127.0.0.1", ca_key, ca_cert, local, now - day, now + day),
        "expired": leaf("127.0.0.1", ca_key, ca_cert, local, now - 10 * day, now - day),
        "otherhost": leaf("other.example", ca_key, ca_cert, [x509.DNSName("other.example")], now - day, now + day),
        "wrongca": leaf("127.0.0.1", rogue_key, rogue_cert, local, now - day, now + day),
        "client": leaf("dirbind-client", ca_key, ca_cert, None, now - day, now + day, client=True),
        "rogue-client": leaf("dirbind-client", rogue_key, rogue_cert, None, now - day, now + day, client=True),
    }
    for n, (k, c) in made.items():
        write_key(os.path.join(out, n + ".key"), k)
        write_cert(os.path.join(out, n + ".pem"), c)
    with open(os.path.join(out, "server.pin"), "w") as f:
        f.write(pin(made["server"][1].public_key()) + "\n")
    with open(os.path.join(out, "other.pin"), "w") as f:
        f.write(pin(key().public_key()) + "\n")


if __name__ == "__main__":
    main()
