#!/usr/bin/python3
"""QNAME minimisation (RFC 9156) corner cases over netsim: servers that
mishandle the minimised queries must not make names unresolvable.

Zones (hosts 44-45): qm.test. (unsigned, proxied) holds
x.deep.a.b.c.qm.test. A and the long name
l1.l2.l3.l4.l5.l6.l7.l8.l9.l10.l11.l12.qm.test.; each case sets the
proxy's hook to break the server in one way for the empty non-terminals
(ENTs) the minimised queries ask about.  sq.test. (signed, proxied) is
the same for a signed zone, where an NXDOMAIN for an ENT is believed only
if its proof holds.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dvtest as T  # noqa: E402
from dvtest import case, check, eq  # noqa: E402
import netsim  # noqa: E402
import rtest as R  # noqa: E402

import dns.name  # noqa: E402
import dns.rcode  # noqa: E402

QM = "qm.test."
DEEP = "x.deep.a.b.c." + QM
LONG = ".".join("l%d" % i for i in range(1, 13)) + "." + QM


def customize(net):
    z = netsim.Zone(QM, [44], proxied=True)
    z.records += ["%s 300 IN A 192.0.2.44" % DEEP,
                  "%s 300 IN A 192.0.2.45" % LONG]
    net.zones[QM] = z


R.CUSTOMIZE = customize


def net():
    n = R.net()
    n.zones[QM].proxy = None
    return n


def ent_hook(rcode):
    """Answer every query whose name is a proper ancestor of the data
    (an ENT) with rcode (None: drop it), as broken servers do."""
    data = [dns.name.from_text(DEEP), dns.name.from_text(LONG)]
    apex = dns.name.from_text(QM)

    def hook(q, reply):
        qn = q.question[0].name
        if qn != apex and any(d != qn and d.is_subdomain(qn) for d in data):
            if rcode is None:
                return None
            reply.set_rcode(rcode)
            reply.answer, reply.authority, reply.additional = [], [], []
        return reply
    return hook


def resolves(r, name, want):
    m = R.ask(r, name, timeout=10)
    T.expect(m, "NOERROR")
    eq(R.answer_of(m, name, "A"), [want], name)


@case
def baseline():
    net()
    r = R.resolver()
    resolves(r, DEEP, "192.0.2.44")
    resolves(r, LONG, "192.0.2.45")


@case
def ent_nxdomain_in_unsigned_zone_falls_back():
    """A server that answers NXDOMAIN for empty non-terminals (a known
    bug of some authoritative servers): in an unsigned zone the resolver
    asks the full name before believing it (RFC 9156 2.3, unbound's
    relaxed mode)."""
    n = net()
    n.zones[QM].proxy = ent_hook(dns.rcode.NXDOMAIN)
    r = R.resolver()
    resolves(r, DEEP, "192.0.2.44")


@case
def ent_refused_or_servfail_falls_back():
    for rc in (dns.rcode.REFUSED, dns.rcode.SERVFAIL, dns.rcode.FORMERR,
               dns.rcode.NOTIMP):
        n = net()
        n.zones[QM].proxy = ent_hook(rc)
        r = R.resolver()
        resolves(r, DEEP, "192.0.2.44")


@R.dv_only
def ent_timeout_falls_back():
    """A server that drops the minimised queries: once it has had its
    tries, the full name is asked (unbound 1.17 gives SERVFAIL here)."""
    n = net()
    n.zones[QM].proxy = ent_hook(None)
    r = R.resolver()
    resolves(r, DEEP, "192.0.2.44")


@R.dv_only
def long_name_bounded_minimisation():
    """A name of 14 labels below qm.test. is not asked one label at a
    time all the way (RFC 9156 MAX_MINIMISE_COUNT 10): at most 10
    queries reach the qm.test. server for it."""
    n = net()
    r = R.resolver()
    n.settle()
    since = time.time()
    resolves(r, LONG, "192.0.2.45")
    n.settle()
    log = n.query_log(QM, since)
    check(len(log) <= 10, "%d queries for one name: %s" % (len(log), log))
    check((LONG.lower(), "A") in log, "the full name never asked: %s" % log)
    labels = LONG.split(".")[:-3]           # l1 .. l12
    first = [(".".join(labels[-k:]) + "." + QM, "A") for k in (1, 2, 3, 4)]
    eq(log[:4], first, "one label at a time first (MINIMISE_ONE_LAB)")
    check(len(set(log)) == len(log), "a name asked twice: %s" % log)


if __name__ == "__main__":
    try:
        T.run()
    finally:
        R.shutdown()
