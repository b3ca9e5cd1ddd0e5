#!/usr/bin/python3
"""DNSSEC proofs (issue 12 items 1, 2 and 7) over netsim's loopback internet.

Every RRset a validated answer relies on must verify: the SOA and the
NSEC/NSEC3 records (and their RRSIGs) of negative and wildcard answers.
A cached validated answer keeps its proofs as long as it is served with
AD (its TTL is capped by theirs), and a DO client always gets them.
NSEC3 opt-out spans never give AD.

Zones of this file (netsim hosts 22-25):

  badsoa.test.       [22] signed ECDSA, NSEC; the SOA's RRSIG is corrupted
                          in the served file; kid.badsoa.test. is an
                          unsigned delegation (no DS)
  proofs.test.       [23] signed ECDSA, NSEC, proxied: each case scripts
                          its replies (NSEC TTLs, broken or missing RRSIGs)
  optout.test.       [24] signed ECDSA, NSEC3 with opt-out on every record
                          (ldns-signzone -p); unsig.optout.test. unsigned
  kid.badsoa.test.,
  kid.proofs.test.,
  unsig.optout.test. [25] unsigned

DV_RESOLVER=unbound runs the cases that do not move the clock against
unbound (same net) as the reference for the expectations.
"""
import functools
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dvtest as T  # noqa: E402
from dvtest import case, check, eq  # noqa: E402
import netsim  # noqa: E402
import rtest as R  # noqa: E402
from rtest import (net, dv_only, ede_codes, answer_of,  # noqa: E402
                   secure, insecure, with_proof)

import dns.dnssec  # noqa: E402
import dns.rdataclass  # noqa: E402
import dns.rdatatype  # noqa: E402
import dns.rrset  # noqa: E402

TTL = netsim.TTL
MODE = R.MODE


def _customize(net):
    Z = net.zones
    Z["badsoa.test."] = netsim.Zone("badsoa.test.", [22], sign="ecdsa",
                                    corrupt=("badsoa.test.", "SOA"))
    Z["badsoa.test."].records += [
        "www.badsoa.test. %d IN A 192.0.2.22" % TTL]
    Z["kid.badsoa.test."] = netsim.Zone("kid.badsoa.test.", [25])
    Z["kid.badsoa.test."].records += [
        "www.kid.badsoa.test. %d IN A 192.0.2.25" % TTL]
    Z["proofs.test."] = netsim.Zone("proofs.test.", [23], sign="ecdsa",
                                    proxied=True)
    Z["proofs.test."].records += [
        "www.proofs.test. %d IN A 192.0.2.23" % TTL,
        "*.w.proofs.test. %d IN A 192.0.2.77" % TTL,
        "*.n.proofs.test. %d IN A 192.0.2.78" % TTL,
        "*.c.proofs.test. %d IN A 192.0.2.79" % TTL,
        "*.s.proofs.test. %d IN A 192.0.2.80" % TTL,
        "*.cn.proofs.test. %d IN CNAME www.sec.test." % TTL,
    ]
    Z["kid.proofs.test."] = netsim.Zone("kid.proofs.test.", [25])
    Z["kid.proofs.test."].records += [
        "www.kid.proofs.test. %d IN A 192.0.2.26" % TTL]
    Z["optout.test."] = netsim.Zone("optout.test.", [24], sign="ecdsa",
                                    nsec3=True, optout=True)
    Z["optout.test."].records += [
        "www.optout.test. %d IN A 192.0.2.24" % TTL,
        "*.wild.optout.test. %d IN A 192.0.2.124" % TTL,
    ]
    Z["unsig.optout.test."] = netsim.Zone("unsig.optout.test.", [25])
    Z["unsig.optout.test."].records += [
        "www.unsig.optout.test. %d IN A 192.0.2.125" % TTL]


def _optout_chain(path, z, delegation):
    """Leave the unsigned delegation out of z's NSEC3 chain, as an opt-out
    signer does (RFC 5155 7.1; BIND's -A, Knot's nsec3-opt-out):
    ldns-signzone -p sets the opt-out flag but keeps every delegation in
    the chain.  The NSEC3 before it then spans it and is signed again
    with the zone's ZSK."""
    import base64
    import dns.dnssec
    import dns.name
    import dns.rdatatype
    import dns.zone
    from cryptography.hazmat.primitives.asymmetric import ec
    origin = dns.name.from_text(z.name)
    zone = dns.zone.from_file(path, origin=origin, relativize=False)
    param = zone.find_rdataset(origin, "NSEC3PARAM")[0]
    h = dns.dnssec.nsec3_hash(delegation, param.salt, param.iterations,
                              param.algorithm)
    gone = dns.name.from_text(h.lower(), origin)
    gone_next = zone.find_rdataset(gone, "NSEC3")[0].next
    hb = base64.b32hexdecode(h.upper())
    prev = None
    for name, node in zone.nodes.items():
        rds = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.NSEC3)
        if rds is not None and rds[0].next == hb:
            prev, prev_rds = name, rds
    if prev is None:
        raise netsim.NetSimError("no NSEC3 before %s" % delegation)
    del zone.nodes[gone]
    nsec3 = prev_rds[0].replace(next=gone_next)
    ttl = prev_rds.ttl
    prev_rds.clear()
    prev_rds.add(nsec3, ttl)
    node = zone.nodes[prev]
    old = [rd for rd in node.get_rdataset(dns.rdataclass.IN,
                                          dns.rdatatype.RRSIG,
                                          dns.rdatatype.NSEC3)][0]
    node.delete_rdataset(dns.rdataclass.IN, dns.rdatatype.RRSIG,
                         dns.rdatatype.NSEC3)
    dnskey = [k for k in zone.find_rdataset(origin, "DNSKEY")
              if dns.dnssec.key_id(k) == old.key_tag][0]
    with open(z.zsk + ".private") as f:
        pk = [ln.split(":", 1)[1].strip() for ln in f
              if ln.startswith("PrivateKey:")][0]
    key = ec.derive_private_key(int.from_bytes(base64.b64decode(pk), "big"),
                                ec.SECP256R1())
    sig = dns.dnssec.sign((prev, prev_rds), key, origin, dnskey,
                          inception=old.inception,
                          expiration=old.expiration)
    node.find_rdataset(dns.rdataclass.IN, dns.rdatatype.RRSIG,
                       dns.rdatatype.NSEC3, create=True).add(sig, ttl)
    zone.to_file(path, relativize=False)


class _Net(netsim.NetSim):
    def _sign(self, z, unsigned, expired=None):
        out = super()._sign(z, unsigned, expired)
        if z.name == "optout.test.":
            _optout_chain(out, z, "unsig.optout.test.")
        return out


R.CUSTOMIZE = _customize
R.NETSIM = _Net
R.PROXIES_OFF = True        # proofs.test.'s hook: each case sets its own
resolver = functools.partial(R.resolver, dnssec=True)
ask = functools.partial(R.ask, do=True)


def bogus(m, codes=(6,), what=""):
    """SERVFAIL without AD, with one of the EDE codes (unbound says why
    in its own words: any EDE)."""
    T.expect(m, "SERVFAIL")
    check(not T.has_flag(m, "AD"), "AD on SERVFAIL: " + T.short(m))
    if MODE == "unbound":
        codes = [c for c in ede_codes(m)] or [-1]
    check(any(c in codes for c in ede_codes(m)),
          "%s: EDE %r, want one of %r: %s" % (what, ede_codes(m), codes,
                                               T.short(m)))


# ----------------------------------------------------- scripted replies ---

def _qname(q):
    return q.question[0].name.to_text().lower()


def _qtype(q):
    return q.question[0].rdtype


def _sigs_of(section, covered):
    return [rr for rr in section if rr.rdtype == dns.rdatatype.RRSIG
            and rr.covers == covered]


def _break_sig(rrset):
    """The same RRSIG RRset with one byte of each signature flipped."""
    out = dns.rrset.RRset(rrset.name, rrset.rdclass, rrset.rdtype,
                          rrset.covers)
    for rd in rrset:
        sig = bytearray(rd.signature)
        sig[len(sig) // 2] ^= 0x55
        out.add(rd.replace(signature=bytes(sig)), rrset.ttl)
    return out


def _set_ttl(section, rdtype, ttl):
    for rr in section:
        if rr.rdtype == rdtype or (rr.rdtype == dns.rdatatype.RRSIG and
                                   rr.covers == rdtype):
            rr.ttl = ttl


def _backend(name, rdtype):
    """A DO query to proofs.test.'s own NSD (behind the proxy)."""
    n = net()
    q = dns.message.make_query(name, rdtype, want_dnssec=True)
    return dns.query.tcp(q, n.addr(23 + 100), port=53, timeout=3)


def hook_for(names, fn):
    """A proxy hook applying fn(reply) to replies for the given qnames."""
    def hook(q, reply):
        if reply is not None and _qname(q) in names:
            fn(q, reply)
        return reply
    return hook


# ------------------------------------------------- item 1: bogus proofs ---

@case
def bogus_soa_sig_on_nodata_and_nxdomain():
    """The SOA RRSIG of badsoa.test. does not verify: NODATA and NXDOMAIN
    answers that carry it are bogus, not NOERROR/NXDOMAIN with AD."""
    r = resolver()
    m = ask(r, "www.badsoa.test.", "A")
    secure(m, what="positive answer in badsoa.test.")
    bogus(ask(r, "www.badsoa.test.", "MX"), what="NODATA with a bad SOA sig")
    bogus(ask(r, "nope.badsoa.test.", "A"),
          what="NXDOMAIN with a bad SOA sig")
    # also without DO: validation does not depend on the client
    bogus(ask(r, "nope2.badsoa.test.", "A", do=False),
          what="NXDOMAIN with a bad SOA sig, no DO")
    # CD: the data anyway, without AD
    m = ask(r, "www.badsoa.test.", "MX", cd=True)
    insecure(m, what="CD on a bogus NODATA")


@case
def bogus_soa_sig_on_ds_nodata():
    """A DS query for an unsigned delegation: the NODATA comes from the
    parent, badsoa.test., whose SOA RRSIG is broken: bogus.  Below the
    delegation only the NSEC proves the DS absent (the SOA is no part of
    that proof; unbound does the same): the child is insecure."""
    r = resolver()
    bogus(ask(r, "kid.badsoa.test.", "DS"),
          what="DS NODATA with a bad SOA sig")
    r = resolver()
    m = ask(r, "www.kid.badsoa.test.", "A")
    insecure(m, what="an unsigned child whose DS denial has a bad SOA sig")
    eq(answer_of(m, "www.kid.badsoa.test.", "A"), ["192.0.2.25"],
       "the child's data")


@case
def bogus_nsec_sig_servfail():
    """The NSEC of a NODATA / NXDOMAIN answer with a broken signature."""
    n = net()
    r = resolver()

    def breaknsec(q, reply):
        for s in _sigs_of(reply.authority, dns.rdatatype.NSEC):
            reply.authority[reply.authority.index(s)] = _break_sig(s)
    n.zones["proofs.test."].proxy = hook_for(
        ("www.proofs.test.", "nope.proofs.test."), breaknsec)
    bogus(ask(r, "www.proofs.test.", "MX"), what="NODATA, NSEC sig broken")
    bogus(ask(r, "nope.proofs.test.", "A"), what="NXDOMAIN, NSEC sig broken")


@case
def bogus_nsec_sig_in_ds_denial():
    """The parent's NSEC that proves kid.proofs.test. has no DS comes with
    a broken signature: the delegation cannot be proven unsigned, so the
    child's data is bogus, not insecure."""
    n = net()
    r = resolver()

    def breaknsec(q, reply):        # DS denials and referrals alike
        if reply is not None and _qname(q).endswith("kid.proofs.test."):
            for s in _sigs_of(reply.authority, dns.rdatatype.NSEC):
                reply.authority[reply.authority.index(s)] = _break_sig(s)
        return reply
    n.zones["proofs.test."].proxy = breaknsec
    bogus(ask(r, "www.kid.proofs.test."),
          what="unsigned child, its DS denial's NSEC sig broken")
    n.zones["proofs.test."].proxy = None
    r = resolver()
    m = ask(r, "www.kid.proofs.test.")
    insecure(m, what="unsigned child")
    eq(answer_of(m, "www.kid.proofs.test.", "A"), ["192.0.2.26"],
       "the child's data")


@case
def extra_bogus_nsec_in_authority():
    """An answer whose proof holds but whose authority section also has an
    NSEC whose signature does not verify: every RRset must verify."""
    n = net()
    r = resolver()
    apex = _backend("proofs.test.", "NSEC")
    extra = [rr for rr in apex.answer if rr.rdtype == dns.rdatatype.NSEC]
    extra += [_break_sig(s) for s in
              _sigs_of(apex.answer, dns.rdatatype.NSEC)]
    check(len(extra) == 2, "no apex NSEC from the backend: %s" % apex)

    def add(q, reply):
        reply.authority += extra
    n.zones["proofs.test."].proxy = hook_for(("www.proofs.test.",), add)
    bogus(ask(r, "www.proofs.test.", "MX"),
          what="NODATA with an extra NSEC whose sig is broken")


@case
def soa_without_rrsig_servfail():
    """A negative answer from a signed zone whose SOA has no RRSIG."""
    n = net()
    r = resolver()

    def strip(q, reply):
        for s in _sigs_of(reply.authority, dns.rdatatype.SOA):
            reply.authority.remove(s)
    n.zones["proofs.test."].proxy = hook_for(
        ("www.proofs.test.", "nope.proofs.test."), strip)
    bogus(ask(r, "www.proofs.test.", "MX"), codes=(6, 10),
          what="NODATA, SOA without RRSIG")
    bogus(ask(r, "nope.proofs.test.", "A"), codes=(6, 10),
          what="NXDOMAIN, SOA without RRSIG")


@case
def bogus_wildcard_proof_servfail():
    """A wildcard answer whose NSEC (the proof that no closer name
    exists) has a broken signature."""
    n = net()
    r = resolver()

    def breaknsec(q, reply):
        for s in _sigs_of(reply.authority, dns.rdatatype.NSEC):
            reply.authority[reply.authority.index(s)] = _break_sig(s)
    n.zones["proofs.test."].proxy = hook_for(("a.s.proofs.test.",),
                                             breaknsec)
    bogus(ask(r, "a.s.proofs.test."), what="wildcard, NSEC sig broken")


# ------------------------------------ item 2: cached answers and proofs ---

def _nsec_ttl_hook(names, ttl):
    def short(q, reply):
        _set_ttl(reply.authority, dns.rdatatype.NSEC, ttl)
    return hook_for(names, short)


@dv_only
def cached_wildcard_keeps_its_proof():
    """Wildcard answer: A TTL 300, its NSEC TTL 10.  While it is served
    with AD a DO client gets the NSEC; the answer lives no longer than
    its proof (RFC 8198 5.4 spirit: min of the TTLs)."""
    n = net()
    r = resolver()
    n.zones["proofs.test."].proxy = _nsec_ttl_hook(("a.w.proofs.test.",), 10)
    m = ask(r, "a.w.proofs.test.")
    secure(m, what="wildcard answer")
    eq(answer_of(m, "a.w.proofs.test.", "A"), ["192.0.2.77"], "wildcard A")
    with_proof(m, "first wildcard answer")
    check(all(rr.ttl <= 10 for rr in m.answer),
          "answer TTL above its proof's (10): " + T.short(m))
    n.settle()
    since = time.time()
    r.move_clock(20)
    m = ask(r, "a.w.proofs.test.")
    secure(m, what="wildcard answer after the proof's TTL")
    with_proof(m, "wildcard answer after the proof's TTL")
    n.settle()
    check(("a.w.proofs.test.", "A") in
          [(a.lower(), b) for a, b in n.query_log("proofs.test.", since)],
          "the expired proof was not fetched again")


@dv_only
def wildcard_proof_ttl_zero():
    """The NSEC of a wildcard answer with TTL 0: the answer is not
    served from the cache with AD and without the NSEC."""
    n = net()
    r = resolver()
    n.zones["proofs.test."].proxy = _nsec_ttl_hook(("b.n.proofs.test.",), 0)
    m = ask(r, "b.n.proofs.test.")
    secure(m, what="wildcard answer, NSEC TTL 0")
    with_proof(m, "first answer")
    r.move_clock(1)
    for do in (True, False, True):
        m = ask(r, "b.n.proofs.test.", do=do)
        T.expect(m, "NOERROR")
        eq(answer_of(m, "b.n.proofs.test.", "A"), ["192.0.2.78"], "again")
        if do:
            with_proof(m, "wildcard answer again")


@case
def do_client_gets_proof_after_non_do():
    """A non-DO client first (the validated A goes into the cache), then
    DO clients (also with CD): a wildcard answer with AD carries its
    NSEC every time."""
    r = resolver()
    m = ask(r, "c.c.proofs.test.", do=False)
    T.expect(m, "NOERROR")
    eq(answer_of(m, "c.c.proofs.test.", "A"), ["192.0.2.79"], "non-DO")
    m = ask(r, "c.c.proofs.test.")
    secure(m, what="DO after non-DO")
    with_proof(m, "DO after non-DO")
    m = ask(r, "c.c.proofs.test.", cd=True)
    with_proof(m, "DO+CD after non-DO")
    m = ask(r, "c.c.proofs.test.")
    with_proof(m, "DO, third time")


@dv_only
def cached_negative_keeps_its_proof():
    """NXDOMAIN whose NSECs have TTL 10 (SOA minimum 300): the negative
    answer is not served with AD once its proofs have expired, and the
    TTLs it shows never exceed theirs."""
    n = net()
    r = resolver()
    n.zones["proofs.test."].proxy = _nsec_ttl_hook(
        ("gone.proofs.test.", "www.proofs.test."), 10)
    for name, rdtype, rc in (("gone.proofs.test.", "A", "NXDOMAIN"),
                             ("www.proofs.test.", "TXT", "NOERROR")):
        m = ask(r, name, rdtype)
        secure(m, rc, what="negative answer")
        with_proof(m, "negative answer")
        check(all(rr.ttl <= 10 for rr in m.authority),
              "authority TTL above the proof's (10): " + T.short(m))
        m = ask(r, name, rdtype, do=False, ad=True)
        secure(m, rc, what="negative answer, AD client")
        check(all(rr.ttl <= 10 for rr in m.authority),
              "SOA TTL above the proof's (10), no DO: " + T.short(m))
    n.settle()
    since = time.time()
    r.move_clock(20)
    for name, rdtype, rc in (("gone.proofs.test.", "A", "NXDOMAIN"),
                             ("www.proofs.test.", "TXT", "NOERROR")):
        m = ask(r, name, rdtype)
        secure(m, rc, what="negative answer after its proof's TTL")
        with_proof(m, "negative answer after its proof's TTL")
        check(all(rr.ttl <= 10 for rr in m.authority),
              "authority TTL above the proof's (10): " + T.short(m))
    n.settle()
    log = [(a.lower(), b) for a, b in n.query_log("proofs.test.", since)]
    check(("gone.proofs.test.", "A") in log and
          ("www.proofs.test.", "TXT") in log,
          "negative answers with expired proofs not fetched again: %r" % log)


@case
def wildcard_cname_to_another_zone():
    """A wildcard CNAME whose target is in another signed zone: the
    wildcard's proof comes with the CNAME, the target's data from the
    other zone's servers; both are secure, and the proof is kept."""
    r = resolver()
    m = ask(r, "x.cn.proofs.test.")
    secure(m, what="wildcard CNAME to another zone")
    eq(answer_of(m, "x.cn.proofs.test.", "CNAME"), ["www.sec.test."],
       "the CNAME")
    eq(answer_of(m, "www.sec.test.", "A"), ["192.0.2.11"], "the target")
    with_proof(m, "wildcard CNAME to another zone")
    m = ask(r, "y.cn.proofs.test.", do=False, ad=True)
    secure(m, what="wildcard CNAME, no DO")


# ------------------------------------------------ item 7: NSEC3 opt-out ---

@case
def nsec3_optout_never_ad():
    """optout.test. has opt-out set on every NSEC3: a denial that relies
    on a covering NSEC3 (NXDOMAIN, wildcard, wildcard NODATA, DS of an
    unsigned delegation) is insecure at best; data that is signed, and a
    NODATA proven by a matching NSEC3, keep AD."""
    r = resolver()
    secure(ask(r, "www.optout.test."), what="signed data in the zone")
    secure(ask(r, "www.optout.test.", "MX"),
           what="NODATA from a matching NSEC3")
    insecure(ask(r, "nope.optout.test."), "NXDOMAIN",
             what="NXDOMAIN under opt-out")
    m = ask(r, "x.wild.optout.test.")
    insecure(m, what="wildcard answer under opt-out")
    eq(answer_of(m, "x.wild.optout.test.", "A"), ["192.0.2.124"],
       "wildcard A")
    insecure(ask(r, "y.wild.optout.test.", "MX"),
             what="wildcard NODATA under opt-out")
    m = ask(r, "unsig.optout.test.", "DS")
    insecure(m, what="DS of an unsigned delegation in an opt-out span")
    eq(len(m.answer), 0, "DS answer")
    h = dns.dnssec.nsec3_hash("unsig.optout.test.", netsim.NSEC3_SALT,
                              netsim.NSEC3_ITER, 1).lower()
    check(any(rr.rdtype == dns.rdatatype.NSEC3 for rr in m.authority) and
          not any(rr.name.labels[0].decode().lower() == h
                  for rr in m.authority),
          "the DS denial is not an opt-out span: " + T.short(m))
    m = ask(r, "www.unsig.optout.test.")
    insecure(m, what="data below an opt-out delegation")
    eq(answer_of(m, "www.unsig.optout.test.", "A"), ["192.0.2.125"],
       "unsigned child data")
    insecure(ask(r, "nope.unsig.optout.test."), "NXDOMAIN",
             what="NXDOMAIN below an opt-out delegation")


if __name__ == "__main__":
    try:
        T.run()
    finally:
        R.shutdown()
