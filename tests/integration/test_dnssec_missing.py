#!/usr/bin/python3
"""Signed zones with missing signatures, DS records, proofs or keys are
bogus, never insecure (issue 12): a validating resolver must not let a
server (or a man in the middle) turn a signed zone into an unsigned one
by leaving things out.

Zones (netsim, hosts 41-43): pa.test. signed, DS in test., served by a
scripted proxy; below it ch.pa.test. (unsigned: pa.test. proves it has no
DS with an NSEC) and sg.pa.test. (signed, DS in pa.test., proxied).  Each
case sets the proxies' hooks to leave one thing out and checks the
answer is SERVFAIL with an Extended DNS Error; the same name resolves
(secure or insecure as it should) with the hooks off.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dvtest as T  # noqa: E402
from dvtest import case, check, eq  # noqa: E402
import netsim  # noqa: E402
import rtest as R  # noqa: E402

import dns.name  # noqa: E402
import dns.rdatatype  # noqa: E402

PA, CH, SG = "pa.test.", "ch.pa.test.", "sg.pa.test."


def customize(net):
    net.zones[PA] = netsim.Zone(PA, [41], sign="ecdsa", proxied=True)
    net.zones[CH] = netsim.Zone(CH, [42])
    net.zones[SG] = netsim.Zone(SG, [43], sign="ecdsa", proxied=True)
    for z, h in ((PA, 41), (CH, 42), (SG, 43)):
        net.zones[z].records.append("www.%s 300 IN A 192.0.2.%d" % (z, h))


R.CUSTOMIZE = customize


def net():
    n = R.net()
    for z in (PA, SG):
        n.zones[z].proxy = None
    return n


def strip(section, rdtypes, owner=None):
    """The section without the RRsets of these types (and the RRSIGs
    that cover them), optionally only at owner."""
    o = dns.name.from_text(owner) if owner else None
    out = []
    for rr in section:
        t = rr.covers if rr.rdtype == dns.rdatatype.RRSIG else rr.rdtype
        if t in rdtypes and (o is None or rr.name == o):
            continue
        out.append(rr)
    return out


def bogus(m, what):
    T.expect(m, "SERVFAIL")
    check(R.ede_codes(m), "no EDE on the bogus answer (%s): %s"
          % (what, T.short(m)))


NSEC = (dns.rdatatype.NSEC, dns.rdatatype.NSEC3)


@case
def baseline_secure_and_insecure():
    net()
    r = R.resolver(dnssec=True)
    m = R.ask(r, "www." + SG, do=True)
    T.expect(m, "NOERROR")
    check(T.has_flag(m, "AD"), "www.sg.pa.test. not secure: " + T.short(m))
    m = R.ask(r, "www." + CH, do=True)
    T.expect(m, "NOERROR")
    check(not T.has_flag(m, "AD"), "AD below an insecure cut")
    eq(R.answer_of(m, "www." + CH, "A"), ["192.0.2.42"], "insecure data")


@case
def unsigned_referral_without_nsec_is_bogus():
    """pa.test. refers to ch.pa.test. without the NSEC that proves there
    is no DS (and answers the DS query with no proof either): the
    delegation's security cannot be known, so it is bogus, not
    insecure."""
    n = net()

    def hook(q, reply):
        if reply is not None:
            reply.authority = strip(reply.authority, NSEC)
        return reply
    n.zones[PA].proxy = hook
    r = R.resolver(dnssec=True)
    bogus(R.ask(r, "www." + CH, do=True), "no NSEC for the missing DS")
    m = R.ask(r, "www." + CH, do=True, cd=True)
    T.expect(m, "NOERROR")


@case
def signed_referral_without_ds_is_bogus():
    """pa.test. leaves the DS of sg.pa.test. out of its referral and
    answers the DS query NODATA without a proof: bogus."""
    n = net()

    def hook(q, reply):
        if reply is None:
            return None
        reply.authority = strip(reply.authority,
                                (dns.rdatatype.DS,) + NSEC)
        reply.answer = strip(reply.answer, (dns.rdatatype.DS,))
        return reply
    n.zones[PA].proxy = hook
    r = R.resolver(dnssec=True)
    bogus(R.ask(r, "www." + SG, do=True), "DS left out")


def sigs_of(section, covered):
    return [rr for rr in section if not (
        rr.rdtype == dns.rdatatype.RRSIG and rr.covers in covered)]


@case
def ds_without_rrsig_is_bogus():
    """pa.test. hands out the DS of sg.pa.test. (in the referral and as
    an answer) without its RRSIG: bogus."""
    n = net()

    def hook(q, reply):
        if reply is not None:
            reply.authority = sigs_of(reply.authority, (dns.rdatatype.DS,))
            reply.answer = sigs_of(reply.answer, (dns.rdatatype.DS,))
        return reply
    n.zones[PA].proxy = hook
    r = R.resolver(dnssec=True)
    bogus(R.ask(r, "www." + SG, do=True), "DS RRSIG left out")


@case
def nsec_without_rrsig_is_bogus():
    """The NSEC proving ch.pa.test. has no DS comes without its RRSIG;
    and a negative answer's NSECs without theirs: bogus."""
    n = net()

    def hook(q, reply):
        if reply is not None:
            reply.authority = sigs_of(reply.authority, NSEC)
        return reply
    n.zones[PA].proxy = hook
    r = R.resolver(dnssec=True)
    bogus(R.ask(r, "www." + CH, do=True), "NSEC RRSIG left out (no DS)")
    n.zones[PA].proxy = None
    n.zones[SG].proxy = hook
    r = R.resolver(dnssec=True)
    bogus(R.ask(r, "nope." + SG, do=True), "NSEC RRSIG left out (NXDOMAIN)")


@case
def data_without_rrsig_is_bogus():
    n = net()

    def hook(q, reply):
        if reply is not None and q.question[0].rdtype == dns.rdatatype.A:
            reply.answer = [rr for rr in reply.answer
                            if rr.rdtype != dns.rdatatype.RRSIG]
        return reply
    n.zones[SG].proxy = hook
    r = R.resolver(dnssec=True)
    m = R.ask(r, "www." + SG, do=True)
    bogus(m, "RRSIG left out")


@case
def negative_answer_without_proof_is_bogus():
    """NXDOMAIN and NODATA from a signed zone with the NSEC records left
    out (SOA and its RRSIG kept): bogus."""
    n = net()

    def hook(q, reply):
        if reply is not None:
            reply.authority = strip(reply.authority, NSEC)
        return reply
    n.zones[SG].proxy = hook
    r = R.resolver(dnssec=True)
    bogus(R.ask(r, "nope." + SG, do=True), "NXDOMAIN without NSEC")
    bogus(R.ask(r, "www." + SG, "TXT", do=True), "NODATA without NSEC")


@case
def missing_dnskey_is_bogus():
    """sg.pa.test. answers its DNSKEY query with no keys: the DS in the
    parent says it is signed, so its data is bogus."""
    n = net()

    def hook(q, reply):
        if reply is not None and q.question[0].rdtype == \
                dns.rdatatype.DNSKEY:
            reply.answer = []
        return reply
    n.zones[SG].proxy = hook
    r = R.resolver(dnssec=True)
    bogus(R.ask(r, "www." + SG, do=True), "DNSKEY left out")


if __name__ == "__main__":
    try:
        T.run()
    finally:
        R.shutdown()
