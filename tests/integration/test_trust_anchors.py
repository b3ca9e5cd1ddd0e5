#!/usr/bin/python3
"""Trust anchors (issue 12 item 3) over the loopback internet of netsim.py.

- Algorithms we do not validate (RFC 8624: RSAMD5 1, DSA 3, DSA-NSEC3-SHA1
  6, ECC-GOST 12, digest GOST 3, unknown numbers) in a DS set or in the
  trust anchors make that zone insecure (RFC 4035 5.2): NOERROR without
  AD, never SERVFAIL, and one warning per zone and algorithm in the log.
- RFC 5011 rollover of a --trust-anchor-file: the managed copy in the
  state directory follows the root's KSKs (add hold-down, revocation).

This file's netsim zones live on hosts 39 and 40; the signatures are valid
for 400 days so the clock can move past the 30-day add hold-down.
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dvtest as T  # noqa: E402
from dvtest import case, check, eq  # noqa: E402
import netsim  # noqa: E402

import dns.edns  # noqa: E402
import dns.flags  # noqa: E402
import dns.message  # noqa: E402
import dns.query  # noqa: E402

_net = [None, None]         # NetSim, start error
_live = []


def _fake_ds(alg=None, digest=None):
    """A DS editor: the zone's DS with another algorithm or digest type
    (a 32-byte digest stays 32 bytes, so GOST 3 still has its length)."""
    def edit(lines):
        out = []
        for l in lines:
            p = l.split()
            if alg is not None:
                p[5] = str(alg)
            if digest is not None:
                p[6] = str(digest)
            out.append(" ".join(p))
        return out
    return edit


def _customize(net):
    Z = net.zones
    # signed ECDSA, but the parent's DS names an algorithm or digest we do
    # not validate: the zone is insecure (RFC 4035 5.2), not bogus
    for name, alg, digest in (("alg200.test.", 200, None),
                              ("dsa.test.", 3, None),
                              ("gost.test.", None, 3)):
        Z[name] = netsim.Zone(name, [39], sign="ecdsa")
        Z[name].ds_edit = _fake_ds(alg, digest)
        Z[name].records += [
            "www.%s 300 IN A 192.0.2.39" % name,
            "other.%s 300 IN A 192.0.2.40" % name,
        ]
    # and one whose data is broken: insecure means nothing is checked
    Z["dsa.test."].corrupt = ("www.dsa.test.", "A")


def net():
    if _net[1] is not None:
        raise T.TestFailure("netsim did not start: %s" % _net[1])
    if _net[0] is None:
        try:
            _net[0] = netsim.NetSim(customize=_customize,
                                    sig_days=400).start()
        except Exception as e:
            _net[1] = e
            raise T.TestFailure("netsim did not start: %s" % e)
    return _net[0]


def resolver(anchor_file=None, extra=(), state_dir=None):
    n = net()
    while _live:
        _live.pop().stop()
    args = ["--no-resolv", "--root-hints=" + n.root_hints_path,
            "--allow-loopback-upstream", "--dnssec",
            "--state-dir=" + (state_dir or T.tmpdir()),
            "--trust-anchor-file=" + (anchor_file or n.trust_anchor_path)]
    s = T.Server(args=args + list(extra))
    _live.append(s)
    return s


def ask(r, name, rdtype="A", do=True, cd=False, timeout=5.0):
    q = dns.message.make_query(name, rdtype, use_edns=0, payload=1232,
                               want_dnssec=do)
    q.flags |= dns.flags.RD
    if cd:
        q.flags |= dns.flags.CD
    return dns.query.udp(q, r.addr(), port=r.port, timeout=timeout)


def ede_codes(m):
    return [o.code for o in m.options if isinstance(o, dns.edns.EDEOption)]


def answer_of(m, name, rdtype):
    return T.rdatas(m.answer, name, rdtype)


def expect_insecure(r, name, addr):
    m = ask(r, name)
    T.expect(m, "NOERROR")
    eq(answer_of(m, name, "A"), [addr], "answer for " + name)
    check(not T.has_flag(m, "AD"), "AD on an insecure answer: " + T.short(m))


def warnings(r, zone):
    return [l for l in r.log().splitlines()
            if "unsupported" in l and " %s " % zone in l]


# ------------------------------------------- unsupported algorithms ---

@case
def unsupported_ds_algorithm_makes_zone_insecure():
    """A DS set with only algorithms or digests we do not validate (an
    unknown algorithm 200, DSA 3 which RFC 8624 says must not be
    validated, the GOST digest 3) makes the child insecure (RFC 4035 5.2):
    NOERROR without AD, even for a broken signature, and a warning logged
    once per zone and algorithm, not per query."""
    r = resolver()
    m = ask(r, "www.sec.test.")
    T.expect(m, "NOERROR")
    check(T.has_flag(m, "AD"), "the tree is not secure: " + T.short(m))
    expect_insecure(r, "www.alg200.test.", "192.0.2.39")
    expect_insecure(r, "other.alg200.test.", "192.0.2.40")
    expect_insecure(r, "www.dsa.test.", "192.0.2.39")
    expect_insecure(r, "www.gost.test.", "192.0.2.39")
    # a sibling zone with a usable DS stays secure, a bogus one bogus
    m = ask(r, "www.bogus.test.")
    T.expect(m, "SERVFAIL")
    # the key table is rebuilt after its entries expire: still one line
    r.move_clock(4000)
    expect_insecure(r, "www.alg200.test.", "192.0.2.39")
    expect_insecure(r, "other.dsa.test.", "192.0.2.40")
    for zone, what in (("alg200.test.", "algorithm 200"),
                       ("dsa.test.", "algorithm 3"),
                       ("gost.test.", "digest type 3")):
        w = warnings(r, zone)
        eq(len(w), 1, "warnings for %s (%s): %s" % (zone, what, w))
        check(what in w[0], "%s not named: %s" % (what, w[0]))


@case
def unsupported_trust_anchor_makes_tree_insecure():
    """A trust anchor file whose only anchor uses an algorithm we do not
    validate (DSA) leaves the tree insecure as RFC 4035 5.2 says (answers
    without AD, a bogus zone answered too), with one warning, instead of
    SERVFAIL for everything."""
    n = net()
    p = list(n.root_ds)
    p[1] = 3
    path = T.write(os.path.join(T.tmpdir(), "dsa.ds"),
                   ". IN DS %d %d %d %s\n" % tuple(p))
    r = resolver(anchor_file=path)
    expect_insecure(r, "www.sec.test.", "192.0.2.11")
    expect_insecure(r, "www.bogus.test.", "192.0.2.14")
    r.move_clock(4000)
    expect_insecure(r, "www.nsec3.test.", "192.0.2.12")
    w = warnings(r, ".")
    eq(len(w), 1, "warnings for the root anchor: %s" % w)
    check("algorithm 3" in w[0], "algorithm not named: " + w[0])


if __name__ == "__main__":
    try:
        T.run()
    finally:
        if _net[0] is not None:
            _net[0].stop()
