#!/usr/bin/python3
"""DNS cookies on dnsvizor's upstream queries (RFC 7873, client side).

- With Knot (mod-cookies, a real server-cookie implementation) as the
  forwarder: every query carries the same 8-byte client cookie; Knot's
  first answer is BADCOOKIE with its server cookie, dnsvizor asks again
  with it and later queries carry it from the start (seen in a tcpdump
  capture of the traffic to Knot).
- With scripted dnspython upstreams: a response whose client cookie is
  not ours is ignored (the right one that follows is taken; with only
  wrong ones the answer is SERVFAIL, never the spoofed data); BADCOOKIE
  is retried with the new server cookie; a server without cookies keeps
  working; the iterator's queries carry the cookie too;
  --no-upstream-cookies sends none.
"""
import os
import random
import socket
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dvtest as T  # noqa: E402
from dvtest import case, check, eq  # noqa: E402
import knotpeer  # noqa: E402

import dns.edns  # noqa: E402
import dns.exception  # noqa: E402
import dns.flags  # noqa: E402
import dns.message  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rrset  # noqa: E402

COOKIE = 10
GOOD = "192.0.2.1"
SPOOF = "6.6.6.6"


def cookie_of(m):
    """The COOKIE option's bytes of a message, or None."""
    for o in m.options:
        if o.otype == COOKIE:
            return o.to_wire() if not hasattr(o, "data") else o.data
    return None


def with_cookie(r, data):
    r.use_edns(0, 0, 1232, options=[dns.edns.GenericOption(COOKIE, data)])


# ------------------------------------------------------------- capture ---

class Capture:
    """tcpdump of UDP to and from one loopback port; messages() parses
    the pcap: [(is_response, dns.message.Message)] in order."""

    def __init__(self, port):
        self.dir = T.tmpdir()
        self.pcap = os.path.join(self.dir, "lo.pcap")
        errp = os.path.join(self.dir, "tcpdump.err")
        err = open(errp, "wb")
        self.proc = subprocess.Popen(
            ["tcpdump", "-i", "lo", "-n", "-U", "--immediate-mode", "-s",
             "4096", "-Z", "root", "-w", self.pcap, "udp port %d" % port],
            stdin=subprocess.DEVNULL, stdout=err, stderr=err,
            start_new_session=True)
        err.close()
        T.wait_for(lambda: b"listening on" in open(errp, "rb").read(), 10,
                   "tcpdump start")

    def stop(self):
        time.sleep(0.3)
        self.proc.terminate()
        self.proc.wait(5)

    def messages(self):
        with open(self.pcap, "rb") as f:
            data = f.read()
        out, off = [], 24
        e = "<" if struct.unpack("<I", data[:4])[0] in (0xa1b2c3d4,
                                                         0xa1b23c4d) else ">"
        link = struct.unpack(e + "I", data[20:24])[0]
        while off + 16 <= len(data):
            incl = struct.unpack(e + "I", data[off + 8:off + 12])[0]
            pkt = data[off + 16:off + 16 + incl]
            off += 16 + incl
            ip = pkt[14:] if link == 1 else pkt[16:] if link == 113 else pkt
            if len(ip) < 28 or ip[0] >> 4 != 4 or ip[9] != 17:
                continue
            ihl = (ip[0] & 15) * 4
            try:
                m = dns.message.from_wire(ip[ihl + 8:])
            except Exception:
                continue
            out.append((bool(m.flags & dns.flags.QR), m))
        return out


# ---------------------------------------------------- scripted upstream ---

class Upstream:
    """A UDP server on 127.0.0.1 whose handler(query, sock, peer) sends
    what it likes; queries are kept in self.queries."""

    def __init__(self, handler):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.handler = handler
        self.queries = []
        self.stop_ev = threading.Event()
        self.th = threading.Thread(target=self._run, daemon=True)
        self.th.start()

    def _run(self):
        while not self.stop_ev.is_set():
            try:
                data, peer = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                q = dns.message.from_wire(data)
            except Exception:
                continue
            self.queries.append(q)
            try:
                self.handler(q, self.sock, peer)
            except Exception as ex:
                print("  upstream handler: %r" % ex)

    def close(self):
        self.stop_ev.set()
        self.th.join(2)
        self.sock.close()


def answer(q, addr, cookie=b"", rcode=None):
    r = dns.message.make_response(q)
    r.flags |= dns.flags.AA
    if cookie is None:
        r.use_edns(0, 0, 1232, options=[])
    else:
        with_cookie(r, cookie)
    if rcode is not None:           # after use_edns: the extended bits
        r.set_rcode(rcode)
    elif q.question[0].rdtype == 1:
        r.answer.append(dns.rrset.from_text(q.question[0].name, 60, "IN",
                                            "A", addr))
    return r.to_wire()


def dv(port, extra=()):
    return T.Server(args=["--server=/ck.test/127.0.0.1#%d" % port,
                          "--allow-loopback-upstream",
                          "--state-dir=" + T.tmpdir()] + list(extra))


def ask(s, name, timeout=8.0):
    return T.query("127.0.0.1", s.port, name, timeout=timeout)


def addrs(m):
    return [r.to_text() for rr in m.answer for r in rr]


# --------------------------------------------------------------- cases ---

KNOT_BODY = """mod-cookies:
  - id: default
    badcookie-slip: 1
template:
  - id: default
    storage: "%(d)s"
    global-module: mod-cookies/default
zone:
  - domain: ck.test
    file: ck.test.zone
"""
KNOT_ZONE = ("$ORIGIN ck.test.\n$TTL 300\n@ SOA ns h 1 2 3 4 300\n"
             "@ NS ns\nns A 127.0.0.1\nwww A 192.0.2.7\n* A 192.0.2.8\n")


@case
def knot_server_cookie_learnt_and_sent():
    k = knotpeer.Knot(KNOT_BODY, files={"ck.test.zone": KNOT_ZONE})
    cap = None
    try:
        cap = Capture(k.port)
        s = dv(k.port)
        eq(addrs(ask(s, "www.ck.test.")), ["192.0.2.7"], "www.ck.test. A")
        eq(addrs(ask(s, "a.ck.test.")), ["192.0.2.8"], "a.ck.test. A")
        eq(addrs(ask(s, "b.ck.test.")), ["192.0.2.8"], "b.ck.test. A")
        cap.stop()
        msgs = cap.messages()
    finally:
        if cap:
            cap.proc.poll() is None and cap.stop()
        k.stop()
    qs = [m for resp, m in msgs if not resp]
    rs = [m for resp, m in msgs if resp]
    check(len(qs) >= 4, "queries to Knot captured: %d" % len(qs))
    cks = [cookie_of(m) for m in qs]
    check(all(c is not None for c in cks),
          "a query to Knot without a COOKIE option: %s" % cks)
    ccs = set(c[:8] for c in cks)
    eq(len(ccs), 1, "distinct client cookies sent to Knot")
    eq(len(cks[0]), 8, "first query: client cookie only")
    bad = [r for r in rs if r.rcode() == dns.rcode.BADCOOKIE]
    eq(len(bad), 1, "BADCOOKIE answers from Knot (only the first query)")
    sc = cookie_of(bad[0])[8:]
    check(len(sc) >= 8, "Knot's server cookie: %r" % sc)
    eq(cks[1], cks[0] + sc, "the retry carries Knot's server cookie")
    for c in cks[2:]:
        eq(len(c), 8 + len(sc), "later queries carry the server cookie")
    eq(sum(1 for r in rs if r.rcode() == dns.rcode.NOERROR), len(qs) - 1,
       "NOERROR answers from Knot")


@case
def spoofed_client_cookie_ignored():
    """A response with another client cookie and a false address arrives
    first; the real one 0.3 s later is the one taken."""
    def h(q, sock, peer):
        cc = cookie_of(q) or b""
        sock.sendto(answer(q, SPOOF, bytes(8) if cc[:8] != bytes(8)
                           else b"\x01" * 8), peer)
        time.sleep(0.3)
        sock.sendto(answer(q, GOOD, cc[:8] + b"S" * 16), peer)
    up = Upstream(h)
    try:
        s = dv(up.port)
        m = ask(s, "www.ck.test.")
        T.expect(m, "NOERROR")
        eq(addrs(m), [GOOD], "the answer with our client cookie")
        m = ask(s, "www2.ck.test.")
        eq(addrs(m), [GOOD], "second name")
        eq(cookie_of(up.queries[-1])[8:], b"S" * 16,
           "the server cookie of the real answer is sent back")
    finally:
        up.close()


@case
def only_spoofed_answers_servfail():
    def h(q, sock, peer):
        sock.sendto(answer(q, SPOOF, b"\x02" * 8 + b"S" * 16), peer)
    up = Upstream(h)
    try:
        s = dv(up.port)
        try:
            m = ask(s, "www.ck.test.", timeout=15)
            T.expect(m, "SERVFAIL")
        except dns.exception.Timeout:
            pass
        check(len(up.queries) >= 1, "no query reached the upstream")
    finally:
        up.close()


@case
def badcookie_retried_with_server_cookie():
    def h(q, sock, peer):
        cc = cookie_of(q) or b""
        if len(cc) == 8:
            sock.sendto(answer(q, GOOD, cc + b"N" * 16,
                               rcode=dns.rcode.BADCOOKIE), peer)
        else:
            sock.sendto(answer(q, GOOD, cc[:8] + b"N" * 16), peer)
    up = Upstream(h)
    try:
        s = dv(up.port)
        m = ask(s, "www.ck.test.")
        T.expect(m, "NOERROR")
        eq(addrs(m), [GOOD], "answer after BADCOOKIE")
        eq(len(up.queries), 2, "queries (first, retry with the cookie)")
        eq(cookie_of(up.queries[1]), cookie_of(up.queries[0]) + b"N" * 16,
           "the retry carries the new server cookie")
    finally:
        up.close()


@case
def server_without_cookies_works():
    up = Upstream(lambda q, sock, peer: sock.sendto(answer(q, GOOD, None),
                                                    peer))
    try:
        s = dv(up.port)
        eq(addrs(ask(s, "www.ck.test.")), [GOOD], "answer")
        eq(addrs(ask(s, "x.ck.test.")), [GOOD], "second answer")
        eq(len(cookie_of(up.queries[-1]) or b""), 8,
           "still a client cookie (no server cookie known)")
    finally:
        up.close()


@case
def iterator_queries_carry_cookie():
    """The iterator (root hints pointing at a scripted server on port 53
    of a loopback address, answering everything with authority) sends
    cookies too, and the server cookie once known."""
    def h(q, sock, peer):
        cc = cookie_of(q) or b""
        sock.sendto(answer(q, GOOD, cc[:8] + b"I" * 8 if cc else None),
                    peer)
    up = Upstream53(h)
    try:
        hints = T.write(os.path.join(T.tmpdir(), "hints"),
                        ". NS a.root.\na.root. A %s\n" % up.addr)
        s = T.Server(args=["--root-hints=" + hints, "--no-resolv",
                           "--allow-loopback-upstream",
                           "--state-dir=" + T.tmpdir()])
        eq(addrs(ask(s, "www.it.test.")), [GOOD], "iterated answer")
        cks = [cookie_of(q) for q in up.queries]
        check(cks and all(c is not None and len(c) in (8, 16)
                          for c in cks),
              "iterator queries without cookies: %s" % cks)
        check(any(c and c[8:] == b"I" * 8 for c in cks[1:]),
              "the server cookie is not sent back: %s" % cks)
    finally:
        up.close()


class Upstream53(Upstream):
    """The same on port 53 of a free 127.X.Y.9 (root hints have no
    port)."""

    def __init__(self, handler):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for _ in range(40):
            self.addr = "127.%d.%d.9" % (random.randint(100, 200),
                                         random.randint(0, 255))
            try:
                self.sock.bind((self.addr, 53))
                break
            except OSError:
                continue
        self.sock.settimeout(0.2)
        self.port = 53
        self.handler = handler
        self.queries = []
        self.stop_ev = threading.Event()
        self.th = threading.Thread(target=self._run, daemon=True)
        self.th.start()


@case
def no_upstream_cookies_option():
    up = Upstream(lambda q, sock, peer: sock.sendto(answer(q, GOOD, None),
                                                    peer))
    try:
        s = dv(up.port, ["--no-upstream-cookies"])
        eq(addrs(ask(s, "www.ck.test.")), [GOOD], "answer")
        eq(cookie_of(up.queries[0]), None, "COOKIE option sent")
    finally:
        up.close()


if __name__ == "__main__":
    T.run()
