#!/usr/bin/python3
"""STAGING, not part of the suite (tests/run.sh only runs test_*.py):
every recursion case written for issue 4, including those that wait for
resolver features.  A case moves into ../test_recursion.py once it passes
against the real binary.  Run it by hand to see where the engine stands:

    DNSVIZOR=build/dnsvizor python3 tests/integration/data_net/recursion_pending.py [case...]
    DV_RESOLVER=unbound python3 tests/integration/data_net/recursion_pending.py

(the second runs the same cases against unbound as a reference for the
expectations).  Original description follows.

Recursion and DNSSEC validation over the loopback internet of netsim.py.

dnsvizor runs with --no-resolv --root-hints=<fake root> and
--allow-loopback-upstream (and --dnssec --trust-anchor-file=<fake root DS>
for the validating cases); clients query it with RD=1.  The servers' side
is observed through netsim's capture (query_log), so QNAME minimisation and
cache hits (no upstream traffic) are checked where they happen.

DV_RESOLVER=unbound runs the same cases against unbound (1.17, same
options) as a reference for the expectations; the default is dnsvizor.
Cases about dnsvizor-only features (local zone precedence) are not
defined in that mode.
"""
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
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

@case
def dnssec_secure_nsec_zone_ad():
    r = resolver(dnssec=True)
    m = ask(r, "www.sec.test.", do=True)
    T.expect(m, "NOERROR")
    check(T.has_flag(m, "AD"), "AD not set: " + T.short(m))
    check(T.find(m.answer, "www.sec.test.", "RRSIG") is not None,
          "DO=1 but no RRSIG: " + T.short(m))
    m = ask(r, "www.sec.test.", "AAAA")        # no DO: AD but no RRSIG
    T.expect(m, "NOERROR")
    eq(answer_of(m, "www.sec.test.", "AAAA"), ["2001:db8::10"], "AAAA")
    check(T.find(m.answer, "www.sec.test.", "RRSIG") is None,
          "RRSIG without DO: " + T.short(m))


@case
def dnssec_secure_nxdomain_nsec():
    r = resolver(dnssec=True)
    m = ask(r, "nope.sec.test.", do=True)
    T.expect(m, "NXDOMAIN")
    check(T.has_flag(m, "AD"), "AD not set on a proven NXDOMAIN: "
          + T.short(m))


@case
def dnssec_secure_nsec3_zone_ad():
    r = resolver(dnssec=True)
    m = ask(r, "www.nsec3.test.", do=True)
    T.expect(m, "NOERROR")
    check(T.has_flag(m, "AD"), "AD not set (RSASHA256 zone): " + T.short(m))
    m = ask(r, "nope.nsec3.test.", do=True)
    T.expect(m, "NXDOMAIN")
    check(T.has_flag(m, "AD"), "AD not set on an NSEC3-proven NXDOMAIN: "
          + T.short(m))
    m = ask(r, "www.nsec3.test.", "MX", do=True)
    T.expect(m, "NOERROR")
    check(T.has_flag(m, "AD"), "AD not set on an NSEC3-proven NODATA: "
          + T.short(m))


@case
def dnssec_insecure_no_ad():
    r = resolver(dnssec=True)
    m = ask(r, "www.insecure.test.", do=True)
    T.expect(m, "NOERROR")
    eq(answer_of(m, "www.insecure.test.", "A"), ["192.0.2.13"], "answer")
    check(not T.has_flag(m, "AD"), "AD set for an insecure zone: "
          + T.short(m))
    m = ask(r, "www.a.example.", do=True)      # insecure start of chain
    T.expect(m, "NOERROR")
    eq(answer_of(m, "final.sec.test.", "A"), ["192.0.2.99"], "chain end")
    check(not T.has_flag(m, "AD"), "AD set for a partly insecure chain: "
          + T.short(m))


@case
def dnssec_bogus_servfail_ede():
    r = resolver(dnssec=True)
    m = ask(r, "www.bogus.test.", do=True)
    T.expect(m, "SERVFAIL")
    eq(len(m.answer), 0, "answer records in a bogus SERVFAIL")
    codes = ede_codes(m)
    check(6 in codes, "EDE 6 (DNSSEC Bogus) missing, got %r" % codes)
    # a validly signed name of the same zone still resolves securely
    m = ask(r, "www.bogus.test.", "TXT", do=True)
    T.expect(m, "NOERROR")
    check(T.has_flag(m, "AD"), "AD not set for a valid RRset of bogus.test.: "
          + T.short(m))


@case
def dnssec_expired_servfail_ede7():
    r = resolver(dnssec=True)
    m = ask(r, "www.expired.test.", do=True)
    T.expect(m, "SERVFAIL")
    codes = ede_codes(m)
    check(7 in codes, "EDE 7 (Signature Expired) missing, got %r" % codes)


@case
def dnssec_cd_bit_returns_bogus_data():
    r = resolver(dnssec=True)
    m = ask(r, "www.bogus.test.", do=True, cd=True)
    T.expect(m, "NOERROR")
    eq(answer_of(m, "www.bogus.test.", "A"), ["192.0.2.14"], "CD=1 answer")
    check(not T.has_flag(m, "AD"), "AD set on unvalidated data: "
          + T.short(m))
    check(T.has_flag(m, "CD"), "CD not copied: " + T.short(m))
    # the CD=1 answer did not poison the validated view
    m = ask(r, "www.bogus.test.", do=True)
    T.expect(m, "SERVFAIL")


# ------------------------------------------------ upstream query hygiene ---


# ------------------------------------------ expiry, stale, persistence ---


# --------------------------------------------------------- local zones ---

LOCAL_SEC = {"sec.test.": (
    "$ORIGIN sec.test.\n$TTL 60\n"
    "@ SOA ns.sec.test. h.sec.test. 1 3600 600 86400 60\n"
    "@ NS ns.sec.test.\nns A 192.0.2.1\nwww A 198.51.100.7\n")}


@dv_only
def recursion_beside_local_zone():
    r = resolver(zones=LOCAL_SEC)
    m = ask(r, "www.insecure.test.")
    T.expect(m, "NOERROR", aa=False)
    eq(answer_of(m, "www.insecure.test.", "A"), ["192.0.2.13"],
       "recursion beside a local zone")
    # the chain ends in the local zone: local data wins there
    m = ask(r, "www.a.example.")
    T.expect(m, "NOERROR")
    eq(answer_of(m, "final.sec.test.", "A"), [],
       "final.sec.test. must come from the local zone (NXDOMAIN there)")


if __name__ == "__main__":
    try:
        T.run()
    finally:
        for u in _unbounds:
            u.stop()
        if _net[0] is not None:
            _net[0].stop()
