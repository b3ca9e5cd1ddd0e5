#!/usr/bin/env python3
"""Abuse resistance of answers (issue 10): response rate limiting
(--rrl-*), DNS cookies (RFC 7873 with RFC 9018 server cookies) and NSID
(RFC 5001), with real clients (dig, kdig, dnspython).

Floods are bounded (a few hundred datagrams from one loopback address,
well under a second); 127.0.0.2/.3/.4 are distinct sources on lo.
"""
import os
import re
import select
import signal
import socket
import subprocess
import time

import dns.edns
import dns.flags
import dns.message
import dns.query
import dns.rcode

from dvtest import (Server, case, check, dig, eq, expect, free_port, kdig,
                    rcode, run, short, tmpdir, write)

ZONE = """$ORIGIN t.test.
$TTL 300
@       SOA ns1 hostmaster 1 7200 3600 1209600 300
@       NS  ns1
ns1     A   192.0.2.1
www     A   192.0.2.10
"""

COOKIE = 10
NSID = 3
BADCOOKIE = 23


def auth_server(args=(), conf=()):
    return Server(conf=list(conf), zones={"t.test": ZONE}, args=list(args))


def cookie_query(name="www.t.test", cookie=None, tcp=False):
    q = dns.message.make_query(name, "A", use_edns=0, payload=1232)
    q.flags &= ~dns.flags.RD
    if cookie is not None:
        q.use_edns(0, payload=1232,
                   options=[dns.edns.GenericOption(COOKIE, cookie)])
    return q


def opt_data(r, code):
    for o in r.options:
        if o.otype == code:
            return o.to_wire() if hasattr(o, "to_wire") else o.data
    return None


def cookie_of(r):
    """The COOKIE option's bytes in a reply, or None."""
    for o in r.options:
        if o.otype == COOKIE:
            if hasattr(o, "client"):      # dnspython >= 2.7 CookieOption
                return bytes(o.client) + bytes(o.server)
            return bytes(o.data)
    return None


# ---------------------------------------------------------- flooding ---

def flood(port, src, n, cookie=None, name="www.t.test", wait=0.5):
    """Send n queries from src (bound address) as fast as possible while
    reading replies; returns (replies, seconds).  Bounded: at most n
    datagrams and 0.5 s of waiting after the last one."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind((src, 0))
    s.setblocking(False)
    replies = []
    t0 = time.monotonic()
    try:
        for i in range(n):
            q = cookie_query(name, cookie)
            q.id = i
            s.sendto(q.to_wire(), ("127.0.0.1", port))
            replies += drain(s, 0)
        elapsed = time.monotonic() - t0
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            got = drain(s, 0.1)
            if not got and len(replies) >= n:
                break
            replies += got
    finally:
        s.close()
    return replies, elapsed


def drain(s, timeout):
    out = []
    while True:
        rl, _, _ = select.select([s], [], [], timeout)
        if not rl:
            return out
        try:
            data = s.recv(65535)
        except BlockingIOError:
            return out
        out.append(dns.message.from_wire(data))
        timeout = 0


def kinds(replies):
    """(full answers, truncated, badcookie) among replies."""
    full = sum(1 for r in replies if not (r.flags & dns.flags.TC) and
               r.rcode() == 0 and len(r.answer) == 1)
    tc = sum(1 for r in replies if (r.flags & dns.flags.TC) and
             not r.answer)
    bad = sum(1 for r in replies if r.rcode() == BADCOOKIE)
    return full, tc, bad


def one(port, src, cookie=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    s.settimeout(2)
    try:
        s.sendto(cookie_query(cookie=cookie).to_wire(), ("127.0.0.1", port))
        return dns.message.from_wire(s.recv(65535))
    finally:
        s.close()


def stats(s):
    """The rrl counters of the shutdown stats line."""
    s.stop()
    m = re.search(r"rrl limited (\d+) slipped (\d+) badcookie (\d+) "
                  r"dropped (\d+)", s.log())
    check(m, "no rrl stats line: " + s.log_tail())
    return [int(x) for x in m.groups()]


RATE = 20
N = 300


@case
def rrl_flood_limited_other_source_served():
    """--rrl-rate=20: a flood of 300 queries from 127.0.0.2 gets about
    one second's worth of full answers; of the rest every second one is
    a truncated empty answer (slip 2), the others are dropped.  Meanwhile
    127.0.0.3 (another /32 bucket) gets full answers every time."""
    s = auth_server(["--rrl-rate=%d" % RATE, "--rrl-ipv4-prefix=32"])
    replies, secs = flood(s.port, "127.0.0.2", N)
    full, tc, _ = kinds(replies)
    limit = RATE * (1 + secs + 0.5) + 2
    check(full <= limit, "%d full answers in %.2fs (rate %d)" %
          (full, secs, RATE))
    check(full >= RATE // 2, "only %d full answers" % full)
    limited = N - full
    check(abs(tc - limited / 2) <= limited * 0.1 + 2,
          "%d truncated of %d limited (slip 2)" % (tc, limited))
    check(len(replies) < N * 0.7, "%d replies to %d queries: not dropped"
          % (len(replies), N))
    for r in replies:
        if r.flags & dns.flags.TC:
            eq((len(r.answer), len(r.authority)), (0, 0), "slip sections")
    for _ in range(5):
        r = one(s.port, "127.0.0.3")
        expect(r, "NOERROR", tc=False)
        eq(len(r.answer), 1, "answer to 127.0.0.3 (%s)" % short(r))
    # the flooded source itself still gets answers once the rate allows
    time.sleep(1.1)
    r = one(s.port, "127.0.0.2")
    expect(r, "NOERROR", tc=False)
    lim, slipped, _, dropped = stats(s)
    check(lim >= limited - 2 and slipped > 0 and dropped > 0,
          "stats limited %d slipped %d dropped %d" % (lim, slipped, dropped))


@case
def rrl_same_prefix_shares_bucket():
    """With the default /24, 127.0.0.3 shares 127.0.0.2's bucket: right
    after a flood from .2, queries from .3 go unanswered (--rrl-slip=0:
    nothing truncated either)."""
    s = auth_server(["--rrl-rate=5", "--rrl-slip=0"])
    replies, _ = flood(s.port, "127.0.0.2", N, wait=0)
    s2 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s2.bind(("127.0.0.3", 0))
    s2.setblocking(False)
    try:
        for _ in range(3):
            s2.sendto(cookie_query().to_wire(), ("127.0.0.1", s.port))
        got = drain(s2, 0.3)
    finally:
        s2.close()
    check(len(got) <= 1, "%d of 3 answered to 127.0.0.3 although its /24 "
          "is over the rate" % len(got))
    full, tc, _ = kinds(replies)
    eq(tc, 0, "truncated answers with --rrl-slip=0")


@case
def rrl_slip_one_all_truncated():
    """--rrl-slip=1: every limited answer is sent truncated."""
    s = auth_server(["--rrl-rate=%d" % RATE, "--rrl-slip=1"])
    replies, _ = flood(s.port, "127.0.0.2", 150)
    full, tc, _ = kinds(replies)
    eq(full + tc, 150, "full %d + truncated %d" % (full, tc))
    check(tc > 100, "only %d truncated" % tc)


@case
def rrl_exempt_source_never_limited():
    """--rrl-exempt=127.0.0.4: a flood from it is answered in full, while
    127.0.0.2 (not exempt, loopback too) is limited."""
    s = auth_server(["--rrl-rate=%d" % RATE, "--rrl-exempt=127.0.0.4",
                     "--rrl-exempt=10.0.0.0/8"])
    replies, _ = flood(s.port, "127.0.0.4", 200)
    full, tc, _ = kinds(replies)
    eq((full, tc), (200, 0), "exempt source: full, truncated")
    replies, _ = flood(s.port, "127.0.0.2", 200)
    full, tc, _ = kinds(replies)
    check(full < 100, "127.0.0.2 not limited: %d full" % full)


@case
def no_rrl_without_rate():
    """Without --rrl-rate nothing is limited."""
    s = auth_server()
    replies, _ = flood(s.port, "127.0.0.2", N)
    full, tc, _ = kinds(replies)
    eq((full, tc), (N, 0), "full, truncated")
    lim, slipped, bad, dropped = stats(s)
    eq((lim, slipped, bad, dropped), (0, 0, 0, 0), "rrl stats")


@case
def rrl_options_checked():
    """Bad --rrl-* / --nsid values stop start-up with a clear message;
    good ones pass --test."""
    for bad in ("--rrl-rate=0", "--rrl-slip=-1", "--rrl-ipv4-prefix=33",
                "--rrl-ipv6-prefix=129", "--rrl-exempt=300.1.1.1",
                "--rrl-exempt=10.0.0.0/33", "--nsid=0xabc", "--nsid=0xzz",
                "--nsid=" + "x" * 65):
        p = subprocess.run([os.environ.get("DNSVIZOR") or "build/dnsvizor",
                            "--test", "--no-hosts", bad],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=10)
        check(p.returncode != 0, "%s accepted" % bad)
        check(bad.split("=")[0].lstrip("-") in p.stdout.decode(),
              "%s: message does not name the option: %r" % (bad, p.stdout))
    good = ["--rrl-rate=100", "--rrl-slip=0", "--rrl-ipv4-prefix=32",
            "--rrl-ipv6-prefix=64", "--rrl-exempt=10.0.0.0/8",
            "--rrl-exempt=2001:db8::1", "--nsid=0x00ff", "--nsid=ns1"]
    p = subprocess.run([os.environ.get("DNSVIZOR") or "build/dnsvizor",
                        "--test", "--no-hosts"] + good,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=10)
    eq(p.returncode, 0, "--test with good values: %r" % p.stdout)


# ----------------------------------------------------------- cookies ---

def dig_cookie(out):
    m = re.search(r"; COOKIE: ([0-9a-f]+)( \((\w+)\))?", out)
    return (m.group(1), m.group(3)) if m else (None, None)


@case
def dig_cookie_round_trip():
    """dig +cookie gets a 16-byte RFC 9018 server cookie back ("good":
    its client cookie echoed); the next query with that cookie is
    answered normally (no BADCOOKIE) with a cookie again, UDP and TCP."""
    s = auth_server()
    rc, out, p = dig(s, "www.t.test", "+cookie", "+norec")
    eq(p["status"], "NOERROR", "status")
    ck, verdict = dig_cookie(out)
    check(ck and len(ck) == 48, "no 24-byte COOKIE in: " + out)
    eq(verdict, "good", "dig's cookie verdict")
    eq(ck[16:24], "01000000", "server cookie version 1, reserved 0")
    ts = int(ck[24:32], 16)
    check(abs(ts - time.time()) < 60, "timestamp %d is not now" % ts)
    for tcp in ((), ("+tcp",)):
        rc, out2, p2 = dig(s, "www.t.test", "+cookie=" + ck, "+norec", *tcp)
        eq(p2["status"], "NOERROR", "status with the server cookie %s" % (tcp,))
        ck2, verdict2 = dig_cookie(out2)
        eq(verdict2, "good", "verdict %s" % (tcp,))
        eq(ck2, ck, "a fresh valid cookie is sent back unchanged")


@case
def cookie_bad_server_cookie_renewed():
    """RFC 7873 5.2.3: a wrong server cookie is answered normally with a
    fresh one; so is a 24-byte (not RFC 9018) server cookie."""
    s = auth_server()
    client = bytes(range(1, 9))
    for server in (bytes(16), b"\x01\x00\x00\x00" + bytes(12), bytes(24)):
        r = s.send_msg(cookie_query(cookie=client + server))
        expect(r, "NOERROR")
        ck = cookie_of(r)
        check(ck is not None and len(ck) == 24, "cookie %r" % ck)
        eq(ck[:8], client, "client cookie echoed")
        check(ck[8:] != server[:16], "bad server cookie echoed back")
        r2 = s.send_msg(cookie_query(cookie=ck))
        expect(r2, "NOERROR")
        eq(cookie_of(r2), ck, "renewed cookie accepted and echoed")


@case
def cookie_malformed_formerr():
    """COOKIE lengths 1..7, 9..15 and 41 are FORMERR; 8, 16 and 40 are
    answered."""
    s = auth_server()
    for n in (1, 7, 9, 12, 15, 41):
        r = s.send_msg(cookie_query(cookie=bytes(range(n))))
        eq(rcode(r), "FORMERR", "COOKIE of %d bytes" % n)
    for n in (8, 16, 40):
        r = s.send_msg(cookie_query(cookie=bytes(range(n))))
        eq(rcode(r), "NOERROR", "COOKIE of %d bytes" % n)
        eq(len(cookie_of(r) or b""), 24, "reply cookie to %d bytes" % n)


@case
def cookie_valid_bypasses_rrl_client_only_badcookie():
    """With RRL on, a flood carrying a valid server cookie is never
    limited; a flood with only a client cookie gets BADCOOKIE (with a
    fresh server cookie) instead of truncated answers."""
    s = auth_server(["--rrl-rate=%d" % RATE, "--rrl-ipv4-prefix=32"])
    client = b"\x11" * 8
    r = one(s.port, "127.0.0.2", cookie=client)
    ck = cookie_of(r)
    check(ck and len(ck) == 24, "no cookie: %s" % short(r))
    replies, _ = flood(s.port, "127.0.0.2", N, cookie=ck)
    full, tc, bad = kinds(replies)
    eq((full, tc, bad), (N, 0, 0), "valid cookie flood: full, tc, badcookie")
    replies, _ = flood(s.port, "127.0.0.3", N, cookie=client)
    full, tc, bad = kinds(replies)
    check(full <= RATE * 3, "%d full answers to a client-only flood" % full)
    eq(tc, 0, "truncated answers to a cookie client")
    check(bad > (N - full) * 0.3, "only %d BADCOOKIE" % bad)
    for r in replies:
        if r.rcode() == BADCOOKIE:
            c = cookie_of(r)
            check(c and len(c) == 24 and c[:8] == client,
                  "BADCOOKIE without a fresh cookie: %r" % c)
            r2 = one(s.port, "127.0.0.3", cookie=c)
            expect(r2, "NOERROR", tc=False)
            eq(len(r2.answer), 1, "answer with the cookie from BADCOOKIE")
            break


@case
def cookie_on_resolver_answer():
    """A resolver answer (upstream: a second dnsvizor serving up.test)
    carries the cookie too, first from the upstream and then from the
    cache, over UDP and TCP; NSID likewise."""
    up = Server(zones={"up.test": ZONE.replace("t.test", "up.test")})
    state = tmpdir()
    s = Server(conf=["no-resolv", "allow-loopback-upstream",
                     "server=127.0.0.1#%d" % up.port, "state-dir=" + state],
               args=["--nsid=res"])
    client = b"\x22" * 8
    for tcp in (False, True, False):
        q = cookie_query("www.up.test", client, tcp)
        q.flags |= dns.flags.RD
        q.use_edns(0, payload=1232, options=[
            dns.edns.GenericOption(COOKIE, client),
            dns.edns.GenericOption(NSID, b"")])
        r = s.send_msg(q, tcp=tcp, timeout=4)
        expect(r, "NOERROR", aa=False)
        eq(len(r.answer), 1, "resolver answer (%s)" % short(r))
        ck = cookie_of(r)
        check(ck and len(ck) == 24 and ck[:8] == client,
              "resolver answer cookie %r (tcp=%s)" % (ck, tcp))
        ns = [o for o in r.options if o.otype == NSID]
        check(ns and b"res" in ns[0].to_wire(), "NSID %r" % ns)


@case
def no_cookie_no_option():
    """A query without COOKIE gets no COOKIE back."""
    s = auth_server()
    r = s.send_msg(cookie_query())
    expect(r, "NOERROR")
    eq(cookie_of(r), None, "cookie in reply to a query without one")


# -------------------------------------------------------------- NSID ---

@case
def nsid_kdig_and_dig():
    """--nsid=TEXT: kdig +nsid and dig +nsid see it; --nsid=0xHEX too;
    without --nsid, or without the NSID option in the query, no NSID."""
    s = auth_server(["--nsid=dv-test-1"])
    rc, out, p = kdig(s, "www.t.test", "+nsid")
    eq(p["status"], "NOERROR", "kdig status")
    check(re.search(r'NSID: 64762d746573742d31 "dv-test-1"', out, re.I),
          "kdig NSID: " + out)
    rc, out, p = dig(s, "www.t.test", "+nsid", "+norec")
    check('("dv-test-1")' in out, "dig NSID: " + out)
    rc, out, p = dig(s, "www.t.test", "+norec")
    check("NSID" not in out, "NSID without +nsid: " + out)
    s2 = auth_server(["--nsid=0x00ff41"])
    rc, out, p = kdig(s2, "www.t.test", "+nsid")
    check(re.search("NSID: 00ff41", out, re.I), "hex NSID: " + out)
    s3 = auth_server()
    rc, out, p = kdig(s3, "www.t.test", "+nsid", "+cookie")
    check("NSID" not in out, "NSID without --nsid: " + out)
    check(re.search(r"COOKIE: [0-9A-Fa-f]{48}", out), "kdig cookie: " + out)


@case
def rrl_and_nsid_from_config_file_and_reload():
    """rrl-rate / nsid as config-file lines; SIGHUP with them removed
    turns both off (and back on)."""
    conf = ["rrl-rate=%d" % RATE, "rrl-ipv4-prefix=32", "nsid=from-conf"]
    s = auth_server(conf=conf)
    replies, _ = flood(s.port, "127.0.0.2", 200)
    full, tc, _ = kinds(replies)
    check(full < 100, "not limited from the config file: %d full" % full)
    rc, out, p = kdig(s, "www.t.test", "+nsid")
    check('"from-conf"' in out, "NSID from the config file: " + out)
    write(s.conf, "zone=t.test,%s\n" % s.zone_files["t.test"])
    s.reload()
    deadline = time.monotonic() + 5
    while "reloaded" not in s.log() and time.monotonic() < deadline:
        time.sleep(0.05)
    check("reloaded" in s.log(), "no reload: " + s.log_tail())
    replies, _ = flood(s.port, "127.0.0.2", 200)
    eq(kinds(replies)[:2], (200, 0), "after reload without rrl-rate")
    rc, out, p = kdig(s, "www.t.test", "+nsid")
    check("NSID" not in out, "NSID after reload without nsid: " + out)
    write(s.conf, "\n".join(conf + ["zone=t.test,%s" %
                                      s.zone_files["t.test"]]) + "\n")
    n = s.log().count("reloaded")
    s.reload()
    deadline = time.monotonic() + 5
    while s.log().count("reloaded") == n and time.monotonic() < deadline:
        time.sleep(0.05)
    replies, _ = flood(s.port, "127.0.0.2", 200)
    full, tc, _ = kinds(replies)
    check(full < 100, "not limited after the second reload: %d" % full)


def self_signed(d):
    key, pem = os.path.join(d, "k.pem"), os.path.join(d, "c.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
                    "-out", pem, "-days", "2", "-subj", "/CN=dns.test",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=True, timeout=30)
    return pem, key


@case
def cookie_over_dot_and_doh():
    """DoT and DoH answers carry the cookie and NSID too (kdig +tls,
    +https)."""
    pem, key = self_signed(tmpdir())
    dot, doh = free_port(), free_port()
    while doh == dot:
        doh = free_port()
    s = auth_server(["--dot-port=%d" % dot, "--doh-port=%d" % doh,
                     "--tls-cert=" + pem, "--tls-key=" + key, "--nsid=tls"])
    for port, how in ((dot, "+tls"), (doh, "+https")):
        rc, out, p = kdig(s, "-p", str(port), how, "+cookie", "+nsid",
                          "www.t.test")
        check(re.search(r"opcode: QUERY; status: NOERROR", out),
              "%s status: %s" % (how, out))
        check(re.search(r"COOKIE: [0-9A-Fa-f]{48}", out),
              "%s cookie: %s" % (how, out))
        check('"tls"' in out, "%s NSID: %s" % (how, out))


if __name__ == "__main__":
    run()
