#!/usr/bin/python3
"""The resolver scenario tests' common part (library module, not a test:
tests/run.sh only runs test_*.py): one netsim internet per test file,
started on first use (CUSTOMIZE, set by the test file before that, adds
its zones: netsim's customize hook), a fresh dnsvizor (or unbound, with
DV_RESOLVER=unbound) per case over it, and the stub's query helpers.
A test file ends with rtest.shutdown() (stops the resolvers and the net).

A test file may also set, before the net starts: NETSIM (a NetSim
subclass), NETSIM_ARGS (more NetSim() keywords), START_ARGS (start()
keywords) and PROXIES_OFF (each resolver() turns every zone's proxy
hook off first)."""
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dvtest as T  # noqa: E402
from dvtest import case, check  # noqa: E402
import netsim  # noqa: E402

import dns.edns  # noqa: E402
import dns.flags  # noqa: E402
import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.rdatatype  # noqa: E402

CUSTOMIZE = None            # fn(net) adding a test file's zones
NETSIM = netsim.NetSim      # or a test file's subclass
NETSIM_ARGS = {}            # more NetSim() keywords (sig_days=...)
START_ARGS = {}             # NetSim.start() keywords (capture=False)
PROXIES_OFF = False         # resolver() resets every zone's proxy hook

MODE = os.environ.get("DV_RESOLVER", "dnsvizor")
_net = [None, None]         # NetSim, start error


def net():
    if _net[1] is not None:
        raise T.TestFailure("netsim did not start: %s" % _net[1])
    if _net[0] is None:
        try:
            _net[0] = NETSIM(customize=CUSTOMIZE,
                             **NETSIM_ARGS).start(**START_ARGS)
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
        self.log.close()


_unbounds = []
_live = []


def resolver(dnssec=False, extra=(), zones=None, anchor_file=None,
             state_dir=None):
    """A fresh resolver (empty cache) over the netsim internet.  The
    previous case's resolver is stopped first, so its retries do not show
    up in this case's query logs.  anchor_file replaces netsim's trust
    anchor file, state_dir a fresh state directory (dnsvizor only)."""
    n = net()
    while _live:
        _live.pop().stop()
    if PROXIES_OFF:
        for z in n.zones.values():
            z.proxy = None
    if MODE == "unbound":
        u = Unbound(dnssec)
        _unbounds.append(u)
        _live.append(u)
        return u
    args = ["--no-resolv", "--root-hints=" + n.root_hints_path,
            "--allow-loopback-upstream",
            "--state-dir=" + (state_dir or T.tmpdir())]
    if dnssec:
        args += ["--dnssec", "--trust-anchor-file=" +
                 (anchor_file or n.trust_anchor_path)]
    s = T.Server(args=args + list(extra), zones=zones)
    _live.append(s)
    return s


def query(name, rdtype="A", do=False, cd=False, ad=False):
    """A stub's query message: RD=1, EDNS 1232, DO/CD/AD as asked."""
    q = dns.message.make_query(name, rdtype, use_edns=0, payload=1232,
                               want_dnssec=do)
    q.flags |= dns.flags.RD
    if cd:
        q.flags |= dns.flags.CD
    if ad:
        q.flags |= dns.flags.AD
    return q


def ask(r, name, rdtype="A", do=False, cd=False, ad=False, tcp=False,
        timeout=5.0, fallback=False):
    """A stub's query (see query()) over UDP; over TCP, or with fallback
    over UDP and again over TCP when truncated."""
    q = query(name, rdtype, do=do, cd=cd, ad=ad)
    if tcp:
        return dns.query.tcp(q, r.addr(), port=r.port, timeout=timeout)
    if fallback:
        return dns.query.udp_with_fallback(q, r.addr(), port=r.port,
                                           timeout=timeout)[0]
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


def auth_types(m):
    """The sorted type names in m's authority section."""
    return sorted({dns.rdatatype.to_text(rr.rdtype) for rr in m.authority})


def secure(m, rc="NOERROR", what=""):
    T.expect(m, rc)
    check(T.has_flag(m, "AD"), "%s: AD not set: %s" % (what, T.short(m)))


def insecure(m, rc="NOERROR", what=""):
    T.expect(m, rc)
    check(not T.has_flag(m, "AD"), "%s: AD set: %s" % (what, T.short(m)))


def with_proof(m, what):
    """AD answers to a DO client carry their NSEC/NSEC3 proofs."""
    check(not T.has_flag(m, "AD") or
          any(rr.rdtype in (dns.rdatatype.NSEC, dns.rdatatype.NSEC3)
              for rr in m.authority),
          "%s: AD without the NSEC proof: %s" % (what, T.short(m)))


def shutdown():
    while _live:
        _live.pop().stop()
    for u in _unbounds:
        u.stop()
    if _net[0] is not None:
        _net[0].stop()
