#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""report.py — turns bench/run.sh's raw results (BUILD/bench/results.txt) into the markdown
report of docs/benchmarks.md: machine, lookup table with ratios, sync table, targets.

Usage: report.py RESULTS | report.py --ldap LDAP_RESULTS (bench/ldap.sh's raw lines, below)
Raw lines: `meta KEY VALUE…`, `sync USERS ok|timeout|failed SECONDS KIB JSON_BYTES`,
`lookup USERS OP MODULE MEDIAN_NS|n/a|error SAMPLES NOTE…` (bench_nss.cc),
`akc USERS ok KEYS MEDIAN P90 MEDIAN_F P90_F TRUE_MEDIAN TRUE_P90` (ms, bench/keys_cmd.sh) or
`akc USERS failed`.
"""
import sys

MODULES = ["dirbind", "nss_files", "libnss-cache"]
OPS = ["getpwnam_r", "getpwuid_r", "getgrgid_r", "initgroups"]
# Targets (the issue): lookups at 1M users, flat from 1k to 1M, sync of 100k users.
LOOKUP_TARGET_NS = 1000
FLAT_FACTOR = 2.0  # "flat": the 1M median is at most this many times the 1k median
SYNC_TARGET_S = 2.0
SYNC_TARGET_MB = 300
AKC_TARGET_MS = 5.0  # sshd's AuthorizedKeysCommand, per key login


def fmt_ns(ns):
    if ns < 1000:
        return "%d ns" % ns
    if ns < 10000:
        return "%.2f µs" % (ns / 1e3)
    if ns < 1e6:
        return "%.1f µs" % (ns / 1e3)
    if ns < 1e9:
        return "%.1f ms" % (ns / 1e6)
    return "%.2f s" % (ns / 1e9)


def fmt_ratio(r):
    return "%.1f×" % r if r < 10 else "{:,.0f}×".format(r)


def users(n):
    return "{:,}".format(n)


def table(header, rows, align):
    """A markdown table padded so it also reads in a terminal."""
    cells = [header] + rows
    width = [max(len(r[i]) for r in cells) for i in range(len(header))]
    def line(r):
        return "| " + " | ".join(c.rjust(w) if a == "r" else c.ljust(w)
                                 for c, w, a in zip(r, width, align)) + " |"
    sep = "|" + "|".join(("-" * (w + 1) + ":") if a == "r" else ("-" * (w + 2))
                         for w, a in zip(width, align)) + "|"
    return "\n".join([line(header), sep] + [line(r) for r in rows])


LDAP_FULL_TARGET_S = 5.0  # issue 15: full sync of 100,000 users
LDAP_UNCHANGED_TARGET_MS = 50
LDAP_UNCHANGED_TARGET_BYTES = 10 * 1024
LDAP_COLUMNS = [("dirbind", "dirbind"), ("sss", "SSSD (ldap provider, enumerate)"), ("ldap", "nslcd")]
LDAP_PEER_MODULE = {"sssd": "sss", "nslcd": "ldap"}


def fmt_bytes(b):
    b = int(b)
    if b < 10 * 1024:
        return "{:,} B".format(b)
    if b < 10 * 1024 * 1024:
        return "%.0f KB" % (b / 1024)
    return "%.1f MB" % (b / 1048576)


def ldap_report(path):
    """bench/ldap.sh's raw lines: `meta KEY VALUE…`, `slapadd USERS MS`,
    `full USERS ok|failed SECS KIB BYTES`, `unchanged USERS ok|failed MS INSIDE_MS BYTES MAX_BYTES RUNS`,
    `onechange USERS ok|failed MS BYTES`, `rss|wire MODULE USERS VALUE`, `peer-na PEER USERS|- WHY…`
    and bench_ldap_nss.cc's `resolved`, `enumerate` and `lookup` lines."""
    meta, rows_of = {}, {}
    vals = {}  # (kind, module, users[, op, pass]) -> fields
    na = {}    # (module, users) -> why; users "-" = every size
    for raw in open(path, encoding="utf-8"):
        f = raw.split()
        if not f:
            continue
        k = f[0]
        if k == "meta":
            meta[f[1]] = " ".join(f[2:])
        elif k in ("slapadd", "full", "unchanged", "onechange"):
            rows_of[(k, int(f[1]))] = f[2:]
        elif k in ("resolved", "enumerate", "rss", "wire"):
            vals.setdefault((k, f[1], int(f[2])), f[3:])  # the first of each (the wait, not a re-check)
        elif k == "lookup":
            vals[(k, f[1], int(f[2]), f[3], f[4])] = f[5:]
        elif k == "peer-na":
            na[(LDAP_PEER_MODULE.get(f[1], f[1]), f[2])] = " ".join(f[3:])
    sizes = [int(s) for s in meta.get("sizes", "").split()]
    peer_sizes = [int(s) for s in meta.get("peer-sizes", "").split()]
    out = ["", "### LDAP source (bench/ldap.sh): slapd on a private loopback, dirbind next to SSSD and nslcd", ""]
    out.append("%s; %s; tree %s; %s. Load at start %s, at end %s." % (
        meta.get("date"), meta.get("machine"), meta.get("tree"), meta.get("versions"),
        meta.get("load-start"), meta.get("load-end")))
    out.append("")
    out.append("Directory: tests/ldap/gen_ldif.py's users (RFC 2307, every user bound by `host: web1`, "
               "groups staff = every user and ops), loaded with slapadd, served over ldaps:// by a "
               "read-only account, slapd `sizelimit unlimited` (dirbind pages by 500, nslcd by 1000, SSSD "
               "by its default 1000). Bytes on the wire: the namespace's loopback counter, both directions, "
               "TLS and TCP/IP headers included (nothing else talks there meanwhile).")
    out.append("")
    rows = []
    for n in sizes:
        full = rows_of.get(("full", n))
        un = rows_of.get(("unchanged", n))
        one = rows_of.get(("onechange", n))
        load = rows_of.get(("slapadd", n))
        ok = full is not None and full[0] == "ok"
        unok = un is not None and un[0] == "ok"
        rows.append([users(n), "%.1f s" % (int(load[0]) / 1000) if load else "–",
                     "%s s" % full[1] if ok else (full[0] if full else "not run"),
                     "%.0f MB" % (int(full[2]) * 1024 / 1e6) if ok else "–",
                     fmt_bytes(full[3]) if ok else "–",
                     "%s ms (sync itself: %s ms)" % (un[1], un[2]) if unok else (un[0] if un else "not run"),
                     "%s (max %s)" % (fmt_bytes(un[3]), fmt_bytes(un[4])) if unok else "–",
                     "%s ms, %s" % (one[1], fmt_bytes(one[2])) if one and one[0] == "ok" else (one[0] if one else "–")])
    out.append("#### dirbind sync from slapd (median of %s unchanged syncs)" % meta.get("runs", "?"))
    out.append("")
    out.append(table(["users", "slapadd", "full sync", "peak RSS", "full: on the wire", "unchanged sync",
                      "unchanged: on the wire", "one user changed"], rows, "rrrrrrrr"))
    out.append("")
    out.append("#### Side by side: until every user resolves, then lookups")
    out.append("")
    out.append("\"Every user resolves\": from the start of dirbind's sync or of the daemon until an "
               "enumeration (setpwent/getpwent_r through the module, polled every 200 ms) lists all of "
               "them. Lookups: 2,000 random users through the module (dlopen, bench/bench_ldap_nss.cc), "
               "median / p99; \"first\" asks each user for the first time by that call, \"again\" "
               "repeats the same keys; the getpwuid_r passes come after the getpwnam_r ones over the same "
               "users (SSSD then answers them from the memory cache the name lookups filled). Peak RSS: dirbind's sync; the peers' daemons (SSSD: monitor, backend "
               "and nss responder summed), read at the end. No nscd.")
    out.append("")
    notes = []

    def na_cell(mod, n):
        why = na.get((mod, str(n))) or na.get((mod, "-")) or na.get(("all", "-"))
        if why is None:
            if mod != "dirbind" and n not in peer_sizes:
                return "not run"
            why = "not measured"
        if why not in notes:
            notes.append(why)
        return "n/a [%d]" % (notes.index(why) + 1)

    peers = [LDAP_PEER_MODULE.get(p, p) for p in meta.get("peers", "sssd nslcd").split()]

    def cell(mod, n, fn):
        if mod != "dirbind" and (n not in peer_sizes or mod not in peers) and (mod, str(n)) not in na:
            return "not run"
        try:
            v = fn()
        except (KeyError, IndexError, ValueError, TypeError):
            v = None
        return v if v is not None else na_cell(mod, n)

    def resolved(mod, n):
        r = vals[("resolved", mod, n)]
        return None if r[0] == "timeout" else "%.2f s" % (int(r[0]) / 1000)

    def lookup(mod, n, op, pas):
        r = vals[("lookup", mod, n, op, pas)]
        bad = "" if r[3] == "0" else " (%s wrong)" % r[3]
        return "%s / %s%s" % (fmt_ns(int(r[0])), fmt_ns(int(r[1])), bad)

    measures = [
        ("every user resolves after", resolved),
        ("on the wire until then", lambda m, n: fmt_bytes(vals[("wire", m, n)][0])),
        ("peak RSS", lambda m, n: "%.0f MB" % (int(vals[("rss", m, n)][0]) * 1024 / 1e6)),
        ("one enumeration (getent passwd)", lambda m, n: "%s ms" % vals[("enumerate", m, n)][0]),
    ] + [("%s %s" % (op, pas), (lambda op, pas: lambda m, n: lookup(m, n, op, pas))(op, pas))
         for op in ("getpwnam_r", "getpwuid_r") for pas in ("first", "again")]
    rows = []
    for n in sizes:
        for label, fn in measures:
            rows.append([users(n), label] + [cell(m, n, (lambda fn, m, n: lambda: fn(m, n))(fn, m, n))
                                              for m, _ in LDAP_COLUMNS])
    out.append(table(["users", "measurement"] + [c for _, c in LDAP_COLUMNS], rows, "llrrr"))
    out.append("")
    for i, why in enumerate(notes):
        out.append("[%d] %s" % (i + 1, why))
    if notes:
        out.append("")
    out.append("#### Targets (issue 15)")
    out.append("")

    def verdict(ok):
        return "not run" if ok is None else ("PASS" if ok else "**MISS**")

    rows = []
    full = rows_of.get(("full", 100000))
    if full and full[0] == "ok":
        rows.append(["full sync of 100,000 users ≤ %g s" % LDAP_FULL_TARGET_S, "%s s" % full[1],
                     verdict(float(full[1]) <= LDAP_FULL_TARGET_S)])
    else:
        rows.append(["full sync of 100,000 users ≤ %g s" % LDAP_FULL_TARGET_S, full[0] if full else "not measured",
                     verdict(False if full else None)])
    for n in sizes:
        un = rows_of.get(("unchanged", n))
        ok = un is not None and un[0] == "ok"
        rows.append(["unchanged sync at %s users ≤ %d ms" % (users(n), LDAP_UNCHANGED_TARGET_MS),
                     "%s ms" % un[1] if ok else (un[0] if un else "not measured"),
                     verdict(int(un[1]) <= LDAP_UNCHANGED_TARGET_MS if ok else (False if un else None))])
        rows.append(["unchanged sync at %s users ≤ 10 KB on the wire" % users(n),
                     "%s (max %s)" % (fmt_bytes(un[3]), fmt_bytes(un[4])) if ok else (un[0] if un else "not measured"),
                     verdict(int(un[4]) <= LDAP_UNCHANGED_TARGET_BYTES if ok else (False if un else None))])
    out.append(table(["target", "measured", "result"], rows, "lrl"))
    print("\n".join(out))


def main():
    if sys.argv[1] == "--ldap":
        ldap_report(sys.argv[2])
        return
    meta, syncs, lookups, akcs = {}, {}, {}, {}
    for raw in open(sys.argv[1], encoding="utf-8"):
        f = raw.split()
        if not f:
            continue
        if f[0] == "meta":
            meta[f[1]] = " ".join(f[2:])
        elif f[0] == "sync":
            syncs[int(f[1])] = f[2:]
        elif f[0] == "lookup":
            value = int(f[4]) if f[4].isdigit() else f[4]
            note = " ".join(f[6:])
            lookups[(int(f[1]), f[2], f[3])] = (value, int(f[5]), "" if note == "-" else note)
        elif f[0] == "akc":
            akcs[int(f[1])] = f[2:]
    sizes = [int(s) for s in meta.get("sizes", "").split()]
    out = []
    out.append("Machine: %s × %s, %s RAM, kernel %s, glibc %s, libnss-cache %s; tree %s; %s."
               % (meta.get("nproc"), meta.get("cpu"), meta.get("memory"), meta.get("kernel"),
                  meta.get("glibc"), meta.get("libnss-cache"), meta.get("tree"), meta.get("date")))
    out.append("Load average (1/5/15 min) at start %s, at end %s; whole run %s s."
               % (meta.get("load-start"), meta.get("load-end"), meta.get("elapsed")))
    out.append("")
    out.append("### Lookups: median per call")
    out.append("")
    notes = []

    def cell(key):
        value, samples, note = lookups.get(key, ("not run", 0, ""))
        if isinstance(value, int):
            return fmt_ns(value) + (" (%d)" % samples if key[2] == "nss_files" else "")
        if note and note not in notes:
            notes.append(note)
        return value + ("[%d]" % (notes.index(note) + 1) if note else "")

    rows = []
    for n in sizes:
        for op in OPS:
            row = [users(n), op] + [cell((n, op, m)) for m in MODULES]
            base = lookups.get((n, op, "dirbind"), (None,))[0]
            for peer in MODULES[1:]:
                v = lookups.get((n, op, peer), (None,))[0]
                ok = isinstance(base, int) and isinstance(v, int) and base > 0
                row.append(fmt_ratio(v / base) if ok else "–")
            rows.append(row)
    out.append(table(["users", "operation", "dirbind", "nss_files (samples)", "libnss-cache",
                      "nss_files / dirbind", "libnss-cache / dirbind"],
                     rows, "llrrrrr"))
    out.append("")
    for i, note in enumerate(notes):
        out.append("[%d] %s" % (i + 1, note))
    if notes:
        out.append("")
    out.append("### dirbind sync of the JSON directory (/usr/bin/time: elapsed, peak RSS)")
    out.append("")
    rows = []
    for n in sizes:
        s = syncs.get(n)
        if s is None:
            continue
        status, secs, kib, json_bytes = s
        mb = "%.0f MB" % (int(kib) * 1024 / 1e6) if status == "ok" else status
        rows.append([users(n), "%.1f MB" % (int(json_bytes) / 1e6),
                     "%s s" % secs if status == "ok" else status, mb])
    out.append(table(["users", "JSON size", "seconds", "peak RSS"], rows, "rrrr"))
    out.append("")
    out.append("### dirbind authorized-keys (sshd's AuthorizedKeysCommand): wall time per call")
    out.append("")
    out.append("Median / p90 of %s spawns each (bench/spawn_time.c: posix_spawn + waitpid, output to "
               "/dev/null); `%%f` is the key's fingerprint, as the shipped sshd drop-in passes it; "
               "`/bin/true` spawned the same way is the floor of any program on this machine."
               % meta.get("akc-runs", "?"))
    out.append("")
    rows = []
    akc_judged = {}  # users → (what was measured, passed?) for the targets

    def ms(median, p90):
        return "%s / %s ms" % (median, p90)

    for n in sizes:
        a = akcs.get(n)
        if a is not None and a[0] == "ok":
            keys, med, p90, fmed, fp90, tmed, tp90 = a[1:8]
            worst = max(float(med), float(fmed))
            akc_judged[n] = ("%.2f ms" % worst, worst <= AKC_TARGET_MS)
            rows.append([users(n), keys, ms(med, p90), ms(fmed, fp90), ms(tmed, tp90),
                         "%.2f ms" % (worst - float(tmed)),
                         "PASS" if worst <= AKC_TARGET_MS else "**MISS**"])
        else:
            sync = syncs.get(n)
            why = "failed" if a is not None else (
                "not run (sync %s)" % sync[0] if sync is not None and sync[0] != "ok" else "not measured")
            # A failed measurement misses the target; one that was never run is not judged.
            akc_judged[n] = (why, False if a is not None else None)
            rows.append([users(n), "–", why, why, "–", "–", "**MISS**" if a is not None else "not run"])
    out.append(table(["users", "keys", "authorized-keys USER", "… USER %f", "/bin/true (floor)",
                      "slower − floor", "median ≤ %g ms" % AKC_TARGET_MS], rows, "rrrrrrl"))
    out.append("")
    out.append("### Targets")
    out.append("")
    rows = []

    def verdict(ok):
        if ok is None:
            return "not run"
        return "PASS" if ok else "**MISS**"

    for op in OPS[:2]:
        v = lookups.get((1000000, op, "dirbind"), (None,))[0]
        name = "dirbind %s median ≤ 1 µs at 1,000,000 users" % op
        rows.append([name, fmt_ns(v) if isinstance(v, int) else "not measured",
                     verdict(v <= LOOKUP_TARGET_NS if isinstance(v, int) else None)])
        lo = lookups.get((1000, op, "dirbind"), (None,))[0]
        name = "dirbind %s flat from 1k to 1M users (1M ≤ %g × 1k)" % (op, FLAT_FACTOR)
        if isinstance(lo, int) and isinstance(v, int):
            rows.append([name, "%s → %s (%.1f×)" % (fmt_ns(lo), fmt_ns(v), v / lo),
                         verdict(v <= FLAT_FACTOR * lo)])
        else:
            rows.append([name, "not measured", verdict(None)])
    s = syncs.get(100000)
    if s is not None and s[0] == "ok":
        secs, mb = float(s[1]), int(s[2]) * 1024 / 1e6
        rows.append(["sync of 100,000 users ≤ %g s" % SYNC_TARGET_S, "%.2f s" % secs, verdict(secs <= SYNC_TARGET_S)])
        rows.append(["sync of 100,000 users ≤ %d MB peak RSS" % SYNC_TARGET_MB, "%.0f MB" % mb,
                     verdict(mb <= SYNC_TARGET_MB)])
    else:
        # A sync that timed out or failed misses both; one that was not run is not judged.
        state, ok = (s[0], False) if s else ("not measured", None)
        rows.append(["sync of 100,000 users ≤ %g s" % SYNC_TARGET_S, state, verdict(ok)])
        rows.append(["sync of 100,000 users ≤ %d MB peak RSS" % SYNC_TARGET_MB, state, verdict(ok)])
    for n in sizes:
        measured, ok = akc_judged[n]
        rows.append(["dirbind authorized-keys median ≤ %g ms at %s users" % (AKC_TARGET_MS, users(n)),
                     measured, verdict(ok)])
    out.append(table(["target", "measured", "result"], rows, "lrl"))
    print("\n".join(out))


if __name__ == "__main__":
    main()
