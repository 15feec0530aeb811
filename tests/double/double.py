#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""double.py --dir DIR — the directory double: a local HTTPS server on 127.0.0.1 that answers
like JumpCloud's API and like an https snapshot server, with faults scripted per run.

Run mkcerts.py DIR first. Then DIR may hold:
  jc.json       JumpCloud data: {"system_id", "public_key" (PEM of the system key), "api_key",
                "system": {...system object...}, "users": [{"details": {...}, "binding": {...}}],
                "others": [{...details...}]} — users bound to the system, and (optional) the
                organisation's other users (gen_jc.py makes one). Re-read when it changes.
  snapshot      the snapshot document served at /snapshot (ETag = sha256 of the bytes,
                Last-Modified = its mtime); snapshot.type holds its Content-Type
                (default application/json).
  bearer        when present, /snapshot wants "Authorization: Bearer <its content>".
  control.json  faults, re-read on every request (see FAULTS below).
Writes:
  ports.json    {"good": p, "expired": p, "otherhost": p, "wrongca": p, "mtls": p, "proxy": p}
                (also printed as "PORTS {...}" on stdout)
  requests.log  one line per request: "<listener> <path> <status> <note> ua=<User-Agent> bytes=<body>"

Listeners (one port each, all on 127.0.0.1): good (server.pem), expired, otherhost, wrongca
(certificates that dirbind must refuse), mtls (server.pem, requires a client certificate signed
by ca.pem), proxy (a plain HTTP CONNECT proxy that only tunnels to 127.0.0.1). --port P gives
the good listener a fixed port (the end-to-end sandbox stops and restarts the double on one URL).

JumpCloud rules, as /work/shared/jumpcloud-api.md describes them: System Context requests need
Date (IMF-fixdate, GMT, within 300 s) and Authorization: Signature keyId="system/<id>",
headers="request-line date",algorithm="rsa-sha256",signature=<base64 RSA-PKCS1v15-SHA256 of
"GET <path?query> HTTP/1.1\\ndate: <Date>">, for this system's id only; /api/systemusers/* needs
x-api-key; any other /api endpoint answers 401. v2 lists: limit <= 100 (default 10), skip,
x-total-count. v1 /api/systemusers (the organisation's users, x-api-key): limit (default 10; the
v1 reference gives no maximum, the double refuses more than 100 so that dirbind never relies on
more), skip, sort (only _id or -_id are modelled; without it, the order of jc.json), fields
(space-separated; _id always comes along), answering {"totalCount": n, "results": [...]};
filter and search are not modelled (400). /api/systemusers/{id} takes fields too.

RATE LIMIT: control.json may hold "rate_limit": {"rate": requests per second, "burst": n
(default rate), "retry_after": seconds (default: until one request is allowed again)}, one
token bucket for every /api request (the organisation's budget): past it, 429 with Retry-After.

FAULTS: control.json is {"faults": [F, ...], "clock_offset": seconds (the double's idea of now,
to test Date skew)}. Each F: {"path": substring of the request path ("" = all), "times": n
(default: every time), "kind": ...} with kind one of:
  delay {"seconds"}          sleep, then answer normally
  status {"code", "retry_after"?}   answer with that status and a small JSON error body
  reset                      close the connection with a TCP RST, no answer
  truncate                   announce the full Content-Length, send half, close
  nonjson                    200 application/json "<html>...</html>"
  big {"bytes"}              200 application/json, a body of that many bytes
  ctype {"type"}             the normal body with another Content-Type (default text/html)
  badutf8                    the normal body with an invalid UTF-8 sequence inside a string
  redirect {"location"}      302 to that location ("http" = the same path over plain http)
The first fault whose path matches and whose count is not used up applies.
"""
import argparse
import base64
import email.utils
import hashlib
import json
import os
import re
import select
import signal
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

MAX_SKEW = 300
ID_RE = re.compile(r"^[0-9a-f]{24}$")



def paging(query):
    """(limit, skip) of a JumpCloud list request, or (None, None) when out of range: as the API
    (limit 1..100, default 10)."""
    try:
        limit = int(query.get("limit", ["10"])[0])
        skip = int(query.get("skip", ["0"])[0])
    except ValueError:
        return None, None
    if limit < 1 or limit > 100 or skip < 0:
        return None, None
    return limit, skip

class State:
    """Everything the handlers share: files in DIR, cached by mtime; fault counters; the log."""

    def __init__(self, d):
        self.dir = d
        self.lock = threading.Lock()
        self.cache = {}
        self.fault_key = None
        self.fault_used = {}
        self.log = open(os.path.join(d, "requests.log"), "a", buffering=1)
        self.ports = {}
        self.bucket = None  # (control key, tokens, last refill time)

    def path(self, name):
        return os.path.join(self.dir, name)

    def load(self, name, parse):
        """The parsed content of DIR/name, re-read only when its mtime or size changed."""
        p = self.path(name)
        try:
            st = os.stat(p)
        except FileNotFoundError:
            return None
        key = (st.st_mtime_ns, st.st_size)
        with self.lock:
            hit = self.cache.get(name)
            if hit and hit[0] == key:
                return hit[1]
        with open(p, "rb") as f:
            data = f.read()
        value = parse(data, st)
        with self.lock:
            self.cache[name] = (key, value)
        return value

    def jc(self):
        def parse(data, _st):
            j = json.loads(data)
            j["_pub"] = serialization.load_pem_public_key(j["public_key"].encode())
            j["_by_id"] = {u["details"]["_id"]: u["details"] for u in j["users"]}
            j["_by_id"].update({d["_id"]: d for d in j.get("others", [])})
            j["_org"] = [u["details"] for u in j["users"]] + j.get("others", [])
            j["_org_sorted"] = sorted(j["_org"], key=lambda d: d["_id"])
            return j
        return self.load("jc.json", parse)

    def control(self):
        c = self.load("control.json", lambda data, st: (json.loads(data or b"{}"), (st.st_mtime_ns, st.st_size)))
        return c if c else ({}, None)

    def fault_for(self, path):
        ctl, key = self.control()
        with self.lock:
            if key != self.fault_key:  # a new control file: counters start again
                self.fault_key, self.fault_used = key, {}
            for i, f in enumerate(ctl.get("faults", [])):
                if f.get("path", "") not in path:
                    continue
                used = self.fault_used.get(i, 0)
                if "times" in f and used >= f["times"]:
                    continue
                self.fault_used[i] = used + 1
                return f
        return None

    def throttle(self):
        """None when the rate limit (if any) lets a request through, else the Retry-After seconds."""
        ctl, key = self.control()
        rl = ctl.get("rate_limit")
        if not rl:
            return None
        rate = float(rl["rate"])
        burst = float(rl.get("burst", rate))
        now = time.monotonic()
        with self.lock:
            if self.bucket is None or self.bucket[0] != key:
                self.bucket = (key, burst, now)
            _, tokens, last = self.bucket
            tokens = min(burst, tokens + (now - last) * rate)
            if tokens >= 1:
                self.bucket = (key, tokens - 1, now)
                return None
            self.bucket = (key, tokens, now)
        return int(rl["retry_after"]) if "retry_after" in rl else max(1, int((1 - tokens) / rate + 0.999))

    def clock_offset(self):
        return self.control()[0].get("clock_offset", 0)

    def record(self, line):
        with self.lock:
            self.log.write(line + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without TCP_NODELAY, Nagle and the client's
    # delayed ACK would stall every keep-alive response by ~40 ms.
    disable_nagle_algorithm = True
    server_version = "dirbind-double"
    sys_version = ""

    def setup(self):
        self.request.settimeout(30)
        self.server.state.record("%s - connection" % self.server.name)
        ctx = self.server.ctx
        if ctx is not None:
            try:
                self.request = ctx.wrap_socket(self.request, server_side=True)
            except (ssl.SSLError, OSError) as e:
                self.server.state.record("%s - tls-failed %s" % (self.server.name, type(e).__name__))
                raise
        super().setup()

    def log_message(self, fmt, *args):  # quiet: requests.log is the record
        pass

    # ---- replies ----------------------------------------------------------------------------

    def reply(self, code, body=b"", ctype="application/json", headers=None, note=""):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        self.send_response(code)
        if code != 304:
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if code != 304:
            self.wfile.write(body)
        self.server.state.record("%s %s %d %s ua=%s bytes=%d" % (self.server.name, self.path, code, note,
                                                                   self.headers.get("User-Agent", ""),
                                                                   len(body) if code != 304 else 0))

    def error(self, code, message, headers=None):
        self.reply(code, {"message": message}, headers=headers, note=message)

    def reset(self):
        self.server.state.record("%s %s reset" % (self.server.name, self.path))
        self.close_connection = True
        try:
            # SO_LINGER 0 then close: the kernel sends RST, not FIN.
            self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.request.close()
        except OSError:
            pass

    def deliver(self, fault, code, body, ctype, headers=None):
        """The normal answer, bent by a body-level fault if one applies."""
        kind = fault.get("kind") if fault else None
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        if kind == "nonjson":
            return self.reply(200, b"<html><body>Service temporarily unavailable</body></html>", "application/json",
                              note="nonjson")
        if kind == "ctype":
            return self.reply(code, body, fault.get("type", "text/html"), headers, note="ctype")
        if kind == "badutf8":
            i = body.find(b'"', body.find(b":") if b":" in body else 0)
            body = body[:i + 1] + b"\xff\xfe\xc0\xaf" + body[i + 1:]
            return self.reply(code, body, ctype, headers, note="badutf8")
        if kind == "big":
            # With "chunked": no Content-Length, so only the client's running count can stop it.
            n = int(fault.get("bytes", 1 << 20))
            chunked = fault.get("chunked", False)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.send_header("Content-Length", str(n))
            self.end_headers()
            chunk = b" " * 65536
            try:
                sent = 0
                while sent < n:
                    part = chunk[:min(len(chunk), n - sent)]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part) if chunked else part)
                    sent += len(part)
                if chunked:
                    self.wfile.write(b"0\r\n\r\n")
            except OSError:
                pass
            self.close_connection = True
            self.server.state.record("%s %s 200 big" % (self.server.name, self.path))
            return
        if kind == "truncate":
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.server.state.record("%s %s %d truncate" % (self.server.name, self.path, code))
            return
        return self.reply(code, body, ctype, headers)

    # ---- dispatch ---------------------------------------------------------------------------

    def do_GET(self):
        st = self.server.state
        fault = st.fault_for(self.path)
        kind = fault.get("kind") if fault else None
        if kind == "delay":
            time.sleep(float(fault.get("seconds", 5)))
        elif kind == "status":
            h = {}
            if "retry_after" in fault:
                h["Retry-After"] = str(fault["retry_after"])
            return self.error(int(fault["code"]), "scripted fault %s" % fault["code"], h)
        elif kind == "reset":
            return self.reset()
        elif kind == "redirect":
            loc = fault.get("location", "http")
            if loc == "http":
                loc = "http://127.0.0.1:%d%s" % (st.ports["plain"], fault.get("to", "/snapshot"))
            self.send_response(302)
            self.send_header("Location", loc)
            self.send_header("Content-Length", "0")
            self.end_headers()
            st.record("%s %s 302 redirect" % (self.server.name, self.path))
            return
        path = urlsplit(self.path).path
        if path == "/snapshot":
            return self.snapshot(fault)
        if path.startswith("/api/"):
            wait = st.throttle()
            if wait is not None:
                return self.error(429, "Too Many Requests", {"Retry-After": str(wait)})
            return self.jumpcloud(fault)
        return self.error(404, "no such path")

    # ---- the https snapshot source ------------------------------------------------------------

    def snapshot(self, fault):
        st = self.server.state
        token = st.load("bearer", lambda d, s: d.decode().strip())
        if token is not None and self.headers.get("Authorization") != "Bearer " + token:
            return self.error(401, "bearer token missing or wrong")
        snap = st.load("snapshot", lambda d, s: (d, s.st_mtime))
        if snap is None:
            return self.error(404, "no snapshot")
        data, mtime = snap
        etag = '"%s"' % hashlib.sha256(data).hexdigest()[:32]
        last_mod = email.utils.formatdate(mtime, usegmt=True)
        ctype = st.load("snapshot.type", lambda d, s: d.decode().strip()) or "application/json"
        headers = {"ETag": etag, "Last-Modified": last_mod}
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        if inm is not None:
            if etag in [t.strip() for t in inm.split(",")]:
                return self.reply(304, headers=headers, note="not-modified")
        elif ims is not None:
            try:
                if email.utils.parsedate_to_datetime(ims).timestamp() >= int(mtime):
                    return self.reply(304, headers=headers, note="not-modified")
            except (TypeError, ValueError):
                pass
        return self.deliver(fault, 200, data, ctype, headers)

    # ---- JumpCloud ------------------------------------------------------------------------------

    def check_signature(self, jc):
        """None when the System Context signature is good, else why not."""
        auth = self.headers.get("Authorization", "")
        date = self.headers.get("Date")
        if not auth.startswith("Signature ") or date is None:
            return "no signature"
        params = dict(re.findall(r'(\w+)="([^"]*)"', auth[len("Signature "):]))
        if params.get("keyId") != "system/" + jc["system_id"]:
            return "keyId is not this system"
        if params.get("headers") != "request-line date" or params.get("algorithm") != "rsa-sha256":
            return "unexpected headers or algorithm"
        if not date.endswith(" GMT"):
            return "Date is not GMT"
        try:
            when = email.utils.parsedate_to_datetime(date).timestamp()
        except (TypeError, ValueError):
            return "Date unreadable"
        if email.utils.format_datetime(email.utils.parsedate_to_datetime(date), usegmt=True) != date:
            return "Date is not IMF-fixdate"
        now = time.time() + self.server.state.clock_offset()
        if abs(now - when) > MAX_SKEW:
            return "Date skew %d s" % (now - when)
        signed = ("GET %s HTTP/1.1\ndate: %s" % (self.path, date)).encode()
        try:
            sig = base64.b64decode(params.get("signature", ""), validate=True)
            jc["_pub"].verify(sig, signed, padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            return "bad signature"
        return None

    def jumpcloud(self, fault):
        st = self.server.state
        jc = st.jc()
        if jc is None:
            return self.error(404, "no jc.json")
        url = urlsplit(self.path)
        parts = url.path.split("/")[2:]  # after /api
        query = parse_qs(url.query)
        if parts[:1] == ["systemusers"] and len(parts) in (1, 2, 3):
            if self.headers.get("x-api-key") != jc["api_key"]:
                return self.error(401, "Unauthorized")
            fields = query.get("fields", [""])[0].split()
            if len(parts) == 1:
                return self.org_users(fault, jc, query, fields)
            user = jc["_by_id"].get(parts[1])
            if user is None:
                return self.error(404, "user not found")
            if len(parts) == 3:
                if parts[2] != "sshkeys":
                    return self.error(401, "Unauthorized")
                return self.deliver(fault, 200, user.get("ssh_keys", []), "application/json")
            return self.deliver(fault, 200, project(user, fields), "application/json")
        why = self.check_signature(jc)
        if why:
            return self.error(401, "Unauthorized: " + why)
        sid = jc["system_id"]
        if parts == ["systems", sid]:
            return self.deliver(fault, 200, jc["system"], "application/json")
        if parts[:3] == ["v2", "systems", sid] and len(parts) == 4:
            limit, skip = paging(query)
            if limit is None:
                return self.error(400, "limit must be 1..100, skip 0 or more")
            users = jc["users"]
            if parts[3] == "users":
                page = []
                for u in users[skip:skip + limit]:
                    e = {"id": u["details"]["_id"], "type": "user", "paths": [[
                        {"from": {"id": sid, "type": "system"}, "to": {"id": u["details"]["_id"], "type": "user"}}]]}
                    e.update(u.get("binding", {}))
                    page.append(e)
                return self.deliver(fault, 200, page, "application/json", {"x-total-count": str(len(users))})
            if parts[3] == "associations":
                page = [{"to": {"id": u["details"]["_id"], "type": "user"}} for u in users[skip:skip + limit]]
                return self.deliver(fault, 200, page, "application/json", {"x-total-count": str(len(users))})
            if parts[3] == "memberof":
                return self.deliver(fault, 200, [], "application/json", {"x-total-count": "0"})
        return self.error(401, "Unauthorized: endpoint not allowed for a system")


    def org_users(self, fault, jc, query, fields):
        """GET /api/systemusers: a page of the organisation's users, v1 style."""
        if "filter" in query or "search" in query:
            return self.error(400, "filter and search are not modelled by the double")
        limit, skip = paging(query)
        if limit is None:
            return self.error(400, "limit must be 1..100, skip 0 or more")
        sort = query.get("sort", [""])[0]
        if sort not in ("", "_id", "-_id"):
            return self.error(400, "only sort=_id is modelled by the double")
        users = jc["_org_sorted"] if sort else jc["_org"]
        if sort == "-_id":
            users = users[::-1]
        page = [project(d, fields) for d in users[skip:skip + limit]]
        return self.deliver(fault, 200, {"totalCount": len(users), "results": page}, "application/json")


def project(details, fields):
    """A user object reduced to `fields` (and _id), as the v1 `fields` parameter does; all without."""
    if not fields:
        return details
    return {k: v for k, v in details.items() if k == "_id" or k in fields}


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self, name, state, ctx, port=0):
        self.name, self.state, self.ctx = name, state, ctx
        super().__init__(("127.0.0.1", port), Handler)

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if not isinstance(exc, (ssl.SSLError, ConnectionError, socket.timeout, OSError, ValueError)):
            super().handle_error(request, client_address)


class ProxyHandler(socketserver.BaseRequestHandler):
    """A CONNECT-only proxy to 127.0.0.1, so tests can prove the proxy settings are used."""

    def handle(self):
        st = self.server.state
        self.request.settimeout(30)
        head = b""
        while b"\r\n\r\n" not in head and len(head) < 8192:
            chunk = self.request.recv(4096)
            if not chunk:
                return
            head += chunk
        line = head.split(b"\r\n", 1)[0].decode(errors="replace")
        m = re.match(r"CONNECT (127\.0\.0\.1|localhost):(\d+) HTTP/1\.[01]$", line)
        if not m:
            st.record("proxy %s 403 refused" % line)
            self.request.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        st.record("proxy CONNECT %s:%s 200" % (m.group(1), m.group(2)))
        up = socket.create_connection(("127.0.0.1", int(m.group(2))), timeout=10)
        self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        socks = [self.request, up]
        try:
            while True:
                r, _, _ = select.select(socks, [], [], 30)
                if not r:
                    return
                for s in r:
                    data = s.recv(65536)
                    if not data:
                        return
                    (up if s is self.request else self.request).sendall(data)
        except OSError:
            return
        finally:
            up.close()


class ProxyServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, state):
        self.state = state
        super().__init__(("127.0.0.1", 0), ProxyHandler)


def context(d, cert, client_ca=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(os.path.join(d, cert + ".pem"), os.path.join(d, cert + ".key"))
    if client_ca:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(os.path.join(d, client_ca))
    return ctx


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--lifetime", type=float, default=900, help="exit after this many seconds")
    ap.add_argument("--port", type=int, default=0,
                    help="the good listener's port (default: any free one); fixed, it survives a restart")
    args = ap.parse_args()
    state = State(args.dir)
    servers = {
        "good": Server("good", state, context(args.dir, "server"), args.port),
        "expired": Server("expired", state, context(args.dir, "expired")),
        "otherhost": Server("otherhost", state, context(args.dir, "otherhost")),
        "wrongca": Server("wrongca", state, context(args.dir, "wrongca")),
        "mtls": Server("mtls", state, context(args.dir, "server", client_ca="ca.pem")),
        "plain": Server("plain", state, None),
        "proxy": ProxyServer(state),
    }
    ports = {n: s.server_address[1] for n, s in servers.items()}
    state.ports = ports
    # SIGTERM is blocked in every thread and awaited in this one: left unblocked, the kernel may
    # hand it to a server thread, where Python only notes it, while this thread sleeps on until
    # --lifetime (seen after a SIGSTOP/SIGCONT of the double: stop_double hung for 600 s).
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    for s in servers.values():
        threading.Thread(target=s.serve_forever, daemon=True).start()
    tmp = os.path.join(args.dir, "ports.json.tmp")
    with open(tmp, "w") as f:
        json.dump(ports, f)
    os.rename(tmp, os.path.join(args.dir, "ports.json"))
    print("PORTS " + json.dumps(ports), flush=True)
    # Bounded life: a test that forgets to stop the double does not leave it running.
    signal.sigtimedwait({signal.SIGTERM}, args.lifetime)
    os._exit(0)


if __name__ == "__main__":
    main()
