#!/usr/bin/python3
"""Recursion and DNSSEC validation over the loopback internet of netsim.py.

dnsvizor runs with --no-resolv --root-hints=<fake root> and
--allow-loopback-upstream (and --dnssec --trust-anchor-file=<fake root DS>
for the validating cases); clients query it with RD=1.  The servers' side
is observed through netsim's capture (query_log), so QNAME minimisation and
cache hits (no upstream traffic) are checked where they happen.

DV_RESOLVER=unbound runs the same cases against unbound (1.17, same
options) as a reference for the expectations; the default is dnsvizor.
Cases that wait for resolver features live in data_net/recursion_pending.py
(a staging copy of every case, not run by tests/run.sh); each moves here
once it passes against the real binary.

Cases about dnsvizor-only features (local zone precedence) are not
defined in that mode.
"""
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dvtest as T  # noqa: E402
from dvtest import case, check, eq  # noqa: E402
import netsim  # noqa: E402

import dns.edns  # noqa: E402
import dns.exception  # noqa: E402
import dns.flags  # noqa: E402
import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402

MODE = os.environ.get("DV_RESOLVER", "dnsvizor")
_net = [None, None]         # NetSim, start error


def net():
    if _net[1] is not None:
        raise T.TestFailure("netsim did not start: %s" % _net[1])
    if _net[0] is None:
        try:
            _net[0] = netsim.NetSim().start()
        except Exception as e:
            _net[1] = e
            raise T.TestFailure("netsim did not start: %s" % e)
    return _net[0]


class Unbound:
    """Reference resolver (DV_RESOLVER=unbound)."""

    def __init__(self, dnssec):
        n = net()
        self.dir = T.tmpdir()
        self.port = T.free_port()
        conf = os.path.join(self.dir, "unbound.conf")
        T.write(conf, "server:\n"
                "  interface: 127.0.0.1@%d\n  port: %d\n"
                "  username: \"\"\n  chroot: \"\"\n  directory: \"%s\"\n"
                "  pidfile: \"%s/unbound.pid\"\n  use-syslog: no\n"
                "  logfile: \"\"\n  num-threads: 1\n  do-ip6: no\n"
                "  do-not-query-localhost: no\n  root-hints: \"%s\"\n"
                "  qname-minimisation: yes\n  ede: yes\n"
                "  local-zone: \"test.\" nodefault\n"
                "  module-config: \"%s\"\n%s"
                "remote-control:\n  control-enable: no\n"
                % (self.port, self.port, self.dir, self.dir,
                   n.root_hints_path,
                   "validator iterator" if dnssec else "iterator",
                   ("  trust-anchor-file: \"%s\"\n" % n.trust_anchor_path)
                   if dnssec else ""))
        self.log = open(os.path.join(self.dir, "log"), "wb")
        self.proc = subprocess.Popen(["unbound", "-d", "-c", conf],
                                     stdout=self.log, stderr=self.log,
                                     start_new_session=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                q = dns.message.make_query("version.server.", "TXT", "CH")
                dns.query.udp(q, "127.0.0.1", port=self.port, timeout=0.2)
                return
            except Exception:
                time.sleep(0.05)
        raise T.TestFailure("unbound did not start")

    def addr(self, v6=False):
        return "127.0.0.1"

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


_unbounds = []
_live = []


def resolver(dnssec=False, extra=(), zones=None):
    """A fresh resolver (empty cache) over the netsim internet.  The
    previous case's resolver is stopped first, so its retries do not show
    up in this case's query logs."""
    n = net()
    while _live:
        _live.pop().stop()
    if MODE == "unbound":
        u = Unbound(dnssec)
        _unbounds.append(u)
        _live.append(u)
        return u
    args = ["--no-resolv", "--root-hints=" + n.root_hints_path,
            "--allow-loopback-upstream", "--state-dir=" + T.tmpdir()]
    if dnssec:
        args += ["--dnssec", "--trust-anchor-file=" + n.trust_anchor_path]
    s = T.Server(args=args + list(extra), zones=zones)
    _live.append(s)
    return s


def ask(r, name, rdtype="A", do=False, cd=False, tcp=False, timeout=5.0):
    """A stub's query: RD=1, EDNS 1232, DO/CD as asked."""
    q = dns.message.make_query(name, rdtype, use_edns=0, payload=1232,
                               want_dnssec=do)
    q.flags |= dns.flags.RD
    if cd:
        q.flags |= dns.flags.CD
    if tcp:
        return dns.query.tcp(q, r.addr(), port=r.port, timeout=timeout)
    return dns.query.udp(q, r.addr(), port=r.port, timeout=timeout)


def dv_only(fn):
    """A case about a dnsvizor-only feature: not run against unbound."""
    return case(fn) if MODE == "dnsvizor" else fn


def ede_codes(m):
    return [o.code for o in m.options if isinstance(o, dns.edns.EDEOption)]


def flags(m):
    return dns.flags.to_text(m.flags)


def answer_of(m, name, rdtype):
    return T.rdatas(m.answer, name, rdtype)


# ----------------------------------------------------------- resolution ---


# ---------------------------------------------------------------- cache ---


# ----------------------------------------------------- QNAME minimisation ---


# --------------------------------------------------------------- DNSSEC ---


# ------------------------------------------------ upstream query hygiene ---

@case
def startup_sends_nothing():
    n = net()
    n.settle()
    since = time.time()
    r = resolver(dnssec=True)
    time.sleep(1.5)
    n.settle()
    sent = [x for x in n.query_log(since=since)
            if not x[0].startswith("settle-")]
    eq(sent, [], "queries sent at start-up with no client query")
    check(r.alive(), "resolver died")


# ------------------------------------------ expiry, stale, persistence ---


# --------------------------------------------------------- local zones ---

LOCAL_SEC = {"sec.test.": (
    "$ORIGIN sec.test.\n$TTL 60\n"
    "@ SOA ns.sec.test. h.sec.test. 1 3600 600 86400 60\n"
    "@ NS ns.sec.test.\nns A 192.0.2.1\nwww A 198.51.100.7\n")}

@dv_only
def local_zone_wins_over_recursion():
    n = net()
    r = resolver(zones=LOCAL_SEC)
    n.settle()
    since = time.time()
    m = ask(r, "www.sec.test.")
    T.expect(m, "NOERROR", aa=True)
    eq(answer_of(m, "www.sec.test.", "A"), ["198.51.100.7"],
       "local data")
    m = ask(r, "nope.sec.test.")
    T.expect(m, "NXDOMAIN", aa=True)
    n.settle()
    eq([x for x in n.query_log(since=since)
        if not x[0].startswith("settle-")], [],
       "upstream queries for names of a local zone")


if __name__ == "__main__":
    try:
        T.run()
    finally:
        for u in _unbounds:
            u.stop()
        if _net[0] is not None:
            _net[0].stop()
