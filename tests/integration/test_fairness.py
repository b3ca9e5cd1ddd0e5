#!/usr/bin/python3
"""Resolver fairness under a flood of names under a dead zone (issue 10).

A tiny loopback internet: a root server (dnspython, in a thread) that
delegates "ok." to a healthy server and "dead." to two addresses where a
UDP socket is bound but never read (the queries vanish, no ICMP error: a
dead server as the internet has them).  dnsvizor iterates from that root.

While one or several sources flood dnsvizor with random names under
dead. (thousands of queries over several seconds), control queries for
random names under ok. from another address must ALL be answered
(NOERROR, the right address) within a normal client timeout.
"""
import os
import random
import selectors
import socket
import string
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dvtest as T  # noqa: E402
from dvtest import case, check, eq  # noqa: E402

import dns.flags  # noqa: E402
import dns.message  # noqa: E402
import dns.name  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rrset  # noqa: E402

OK_ADDR = "192.0.2.77"
CONTROL_TIMEOUT = 5.0       # dig's default per try


def _rand_label(n=12):
    return "".join(random.choice(string.ascii_lowercase) for _ in range(n))


class TinyNet:
    """Root at base+1, ok. at base+3, dead. at base+50 and base+51."""

    def __init__(self):
        self.base = self._pick()
        self.root = self.base + "1"
        self.ok = self.base + "3"
        self.dead = [self.base + "50", self.base + "51"]
        self.stop_ev = threading.Event()
        self.socks = []
        self.sel = selectors.DefaultSelector()
        for addr, role in ((self.root, "root"), (self.ok, "ok")):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((addr, 53))
            s.setblocking(False)
            self.sel.register(s, selectors.EVENT_READ, role)
            self.socks.append(s)
        for addr in self.dead:      # bound, never read: queries vanish
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.bind((addr, 53))
            self.socks.append(s)
        self.ok_queries = 0
        self.th = threading.Thread(target=self._serve, daemon=True)
        self.th.start()
        d = T.tmpdir()
        self.hints = T.write(os.path.join(d, "root.hints"),
                             ". NS a.root.\na.root. A %s\n" % self.root)

    @staticmethod
    def _pick():
        for _ in range(40):
            base = "127.%d.%d." % (random.randint(100, 200),
                                   random.randint(0, 255))
            try:
                for h in ("1", "3", "50", "51"):
                    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    s.bind((base + h, 53))
                    s.close()
                return base
            except OSError:
                continue
        raise T.TestFailure("no free 127.X.Y block")

    def _answer(self, role, q):
        r = dns.message.make_response(q)
        qn = q.question[0].name
        if role == "root":
            top = qn.split(2)[1] if len(qn) > 1 else qn
            tld = top.to_text().lower()
            if tld == "ok.":
                r.authority.append(dns.rrset.from_text(
                    "ok.", 3600, "IN", "NS", "ns.ok."))
                r.additional.append(dns.rrset.from_text(
                    "ns.ok.", 3600, "IN", "A", self.ok))
            elif tld == "dead.":
                r.authority.append(dns.rrset.from_text(
                    "dead.", 3600, "IN", "NS", "ns1.dead.", "ns2.dead."))
                r.additional.append(dns.rrset.from_text(
                    "ns1.dead.", 3600, "IN", "A", self.dead[0]))
                r.additional.append(dns.rrset.from_text(
                    "ns2.dead.", 3600, "IN", "A", self.dead[1]))
            elif qn == dns.name.root and q.question[0].rdtype == 2:
                r.flags |= dns.flags.AA
                r.answer.append(dns.rrset.from_text(
                    ".", 3600, "IN", "NS", "a.root."))
            else:
                r.flags |= dns.flags.AA
                r.set_rcode(dns.rcode.NXDOMAIN)
            return r
        self.ok_queries += 1
        r.flags |= dns.flags.AA
        if q.question[0].rdtype == 1 and qn != dns.name.from_text("ok."):
            r.answer.append(dns.rrset.from_text(qn, 300, "IN", "A",
                                                OK_ADDR))
        return r

    def _serve(self):
        while not self.stop_ev.is_set():
            for key, _ in self.sel.select(0.2):
                try:
                    data, peer = key.fileobj.recvfrom(65535)
                    q = dns.message.from_wire(data)
                    r = self._answer(key.data, q)
                    key.fileobj.sendto(r.to_wire(), peer)
                except Exception:
                    pass

    def close(self):
        self.stop_ev.set()
        self.th.join(2)
        for s in self.socks:
            s.close()


def flood(port, sources, total, seconds, stats):
    """total random dead. names from the source addresses, spread over
    seconds; replies are counted (and otherwise ignored)."""
    socks = []
    for a in sources:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((a, 0))
        s.setblocking(False)
        socks.append(s)
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
    t0 = time.monotonic()
    sent = 0
    while sent < total or time.monotonic() < t0 + seconds + 6:
        now = time.monotonic()
        due = min(total, int((now - t0) / seconds * total) + 1)
        while sent < due:
            q = dns.message.make_query(_rand_label() + ".dead.", "A")
            socks[sent % len(socks)].sendto(q.to_wire(), ("127.0.0.1",
                                                          port))
            sent += 1
        for key, _ in sel.select(0.005):
            try:
                while True:
                    data = key.fileobj.recv(65535)
                    rc = data[3] & 15 if len(data) > 3 else -1
                    stats[rc] = stats.get(rc, 0) + 1
            except BlockingIOError:
                pass
    stats["sent"] = sent
    for s in socks:
        s.close()


def control(port, n, interval, results):
    """n queries for random ok. names, one every interval seconds, each
    in its own thread (a client does not wait for the previous one)."""
    def one(i):
        name = "c%d-%s.ok." % (i, _rand_label(6))
        q = dns.message.make_query(name, "A")
        t0 = time.monotonic()
        try:
            m = dns.query.udp(q, "127.0.0.1", port=port,
                              timeout=CONTROL_TIMEOUT)
            got = [r.to_text() for rr in m.answer for r in rr]
            ok = m.rcode() == dns.rcode.NOERROR and got == [OK_ADDR]
            results.append((ok, time.monotonic() - t0,
                            dns.rcode.to_text(m.rcode())))
        except Exception as e:
            results.append((False, time.monotonic() - t0,
                            e.__class__.__name__))
    ths = []
    for i in range(n):
        th = threading.Thread(target=one, args=(i,))
        th.start()
        ths.append(th)
        time.sleep(interval)
    for th in ths:
        th.join()


def run_flood(extra_args, sources, total, seconds, ncontrol=45):
    net = TinyNet()
    try:
        s = T.Server(args=["--no-resolv", "--root-hints=" + net.hints,
                           "--allow-loopback-upstream",
                           "--state-dir=" + T.tmpdir()] + list(extra_args))
        # warm: the delegations of ok. and dead. are known
        m = T.query("127.0.0.1", s.port, "warm.ok.", timeout=3)
        T.expect(m, "NOERROR")
        stats, results = {}, []
        fl = threading.Thread(target=flood, args=(s.port, sources, total,
                                                  seconds, stats))
        fl.start()
        time.sleep(1.0)
        control(s.port, ncontrol, (seconds - 1.5) / ncontrol, results)
        fl.join()
        check(s.alive(), "dnsvizor died: " + s.log_tail())
        answered = sum(1 for ok, _, _ in results if ok)
        slow = max(t for _, t, _ in results)
        print("  flood: %d sent, replies by rcode %s; control: %d of %d "
              "answered right, slowest %.2fs" % (
                  stats.get("sent", 0),
                  {k: v for k, v in stats.items() if k != "sent"},
                  answered, len(results), slow))
        bad = [r for r in results if not r[0]]
        eq(answered, len(results),
           "control queries answered during the flood (failures: %s)"
           % bad[:5])
        # after the flood the resolver is still healthy
        m = T.query("127.0.0.1", s.port, "after.ok.", timeout=3)
        T.expect(m, "NOERROR")
        return s
    finally:
        net.close()


@case
def dead_zone_flood_one_source():
    """3000 random dead. names from one address over 6 s."""
    run_flood([], ["127.0.0.2"], 3000, 6.0)


@case
def dead_zone_flood_several_sources():
    """4000 random dead. names from four addresses over 8 s."""
    run_flood([], ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"],
              4000, 8.0)


if __name__ == "__main__":
    T.run()
