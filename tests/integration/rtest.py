#!/usr/bin/python3
"""The resolver scenario tests' common part (library module, not a test:
tests/run.sh only runs test_*.py): one netsim internet per test file,
started on first use (CUSTOMIZE, set by the test file before that, adds
its zones: netsim's customize hook), a fresh dnsvizor (or unbound, with
DV_RESOLVER=unbound) per case over it, and the stub's query helpers.
A test file ends with rtest.shutdown() (stops unbound and the net)."""
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dvtest as T  # noqa: E402
from dvtest import case  # noqa: E402
import netsim  # noqa: E402

import dns.edns  # noqa: E402
import dns.flags  # noqa: E402
import dns.message  # noqa: E402
import dns.query  # noqa: E402

CUSTOMIZE = None            # fn(net) adding a test file's zones

MODE = os.environ.get("DV_RESOLVER", "dnsvizor")
_net = [None, None]         # NetSim, start error


def net():
    if _net[1] is not None:
        raise T.TestFailure("netsim did not start: %s" % _net[1])
    if _net[0] is None:
        try:
            _net[0] = netsim.NetSim(customize=CUSTOMIZE).start()
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


def shutdown():
    while _live:
        _live.pop().stop()
    for u in _unbounds:
        u.stop()
    if _net[0] is not None:
        _net[0].stop()
