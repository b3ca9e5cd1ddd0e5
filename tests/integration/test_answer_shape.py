#!/usr/bin/python3
"""The shape of the resolver's answers (issue 12 item 6), over netsim.

- a query for type RRSIG is answered with the RRSIGs (NOERROR, no AD:
  RFC 4035 3.2.1 leaves them unvalidated, as unbound does);
- a DNAME chain (RFC 6672) lists each DNAME once, followed by the CNAME
  synthesised from it; chains of two DNAMEs and DNAME + CNAME mixes; AD
  on a signed DNAME answer (the synthesised CNAME is unsigned, the
  DNAME's RRSIG proves it, RFC 6672 5.3.3); the same from the cache;
- a DNAME or CNAME loop returns what was followed, with SERVFAIL;
- an answer whose type is not the question's is a valid CNAME/DNAME path
  (qtype CNAME or DNAME below a DNAME, a server that leaves out the
  synthesised CNAME, CNAME + data of another type): not SERVFAIL;
- negative answers carry the SOA with TTL min(SOA TTL, MINIMUM) (RFC 2308
  5), decremented by age on cache hits (the test clock).

Zones of this file (netsim hosts 36-38):
  dn.test.   [36] signed ECDSA: DNAMEs, a DNAME loop, a CNAME loop
  dnu.test.  [37] unsigned: the same names
  odd.test.  [38] signed ECDSA, proxied (scripted replies), MINIMUM 60
"""
import functools
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dvtest as T  # noqa: E402
from dvtest import case, check, eq  # noqa: E402
import netsim  # noqa: E402
import rtest as R  # noqa: E402
from rtest import net, ede_codes, answer_of  # noqa: E402

import dns.message  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdataclass  # noqa: E402
import dns.rdatatype  # noqa: E402
import dns.rrset  # noqa: E402

TTL = netsim.TTL
ODD_MIN = 60            # SOA MINIMUM of odd.test. (its SOA TTL is 300)


def _shape_records(z):
    """The same names in dn.test. (signed) and dnu.test. (unsigned)."""
    return [
        # one DNAME: www.a.Z -> www.b.Z
        "a.%s %d IN DNAME b.%s" % (z, TTL, z),
        "www.b.%s %d IN A 192.0.2.36" % (z, TTL),
        "www.b.%s %d IN TXT \"b\"" % (z, TTL),
        # two DNAMEs: www.two.Z -> www.a.Z -> www.b.Z
        "two.%s %d IN DNAME a.%s" % (z, TTL, z),
        # DNAME then CNAME across zones: www.mix.Z -> www.m.Z -> www.sec.test.
        "mix.%s %d IN DNAME m.%s" % (z, TTL, z),
        "www.m.%s %d IN CNAME www.sec.test." % (z, TTL),
        # CNAME then DNAME: alias.Z -> www.a.Z -> www.b.Z
        "alias.%s %d IN CNAME www.a.%s" % (z, TTL, z),
        # the same DNAME twice: re.a.Z -> re.b.Z -> www.a.Z -> www.b.Z
        "re.b.%s %d IN CNAME www.a.%s" % (z, TTL, z),
        # a DNAME loop and a CNAME loop
        "l1.%s %d IN DNAME l2.%s" % (z, TTL, z),
        "l2.%s %d IN DNAME l1.%s" % (z, TTL, z),
        "c1.%s %d IN CNAME c2.%s" % (z, TTL, z),
        "c2.%s %d IN CNAME c1.%s" % (z, TTL, z),
    ]


def customize(net):
    net.zones["dn.test."] = netsim.Zone("dn.test.", [36], sign="ecdsa")
    net.zones["dn.test."].records += _shape_records("dn.test.")
    net.zones["dnu.test."] = netsim.Zone("dnu.test.", [37])
    net.zones["dnu.test."].records += _shape_records("dnu.test.")
    z = netsim.Zone("odd.test.", [38], sign="ecdsa", proxied=True,
                    neg_ttl=ODD_MIN)
    z.records += [
        "x.odd.test. %d IN DNAME y.odd.test." % TTL,
        "www.y.odd.test. %d IN A 192.0.2.38" % TTL,
        "alias.odd.test. %d IN CNAME www.odd.test." % TTL,
        "www.odd.test. %d IN A 192.0.2.37" % TTL,
        "www.odd.test. %d IN AAAA 2001:db8::38" % TTL,
        "dangling.odd.test. %d IN CNAME nope2.odd.test." % TTL,
        "out.odd.test. %d IN CNAME www.insecure.test." % TTL,
        "outsec.odd.test. %d IN CNAME www.sec.test." % TTL,
        "outnx.odd.test. %d IN CNAME www.insecure.test." % TTL,
    ]
    net.zones["odd.test."] = z


R.CUSTOMIZE = customize
R.PROXIES_OFF = True        # each case scripts its own servers
resolver = functools.partial(R.resolver, dnssec=True)
ask = functools.partial(R.ask, do=True)


def ask_raw(r, name, rdtype="A", do=True):
    """(message, ANCOUNT of the wire reply): dnspython merges RRs that
    are listed twice, the header count does not."""
    wire = R.query(name, rdtype, do=do).to_wire()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.settimeout(5)
        s.sendto(wire, (r.addr(), r.port))
        for _ in range(10):
            data = s.recv(65535)
            if data[:2] == wire[:2]:
                break
    finally:
        s.close()
    return dns.message.from_wire(data), struct.unpack("!H", data[6:8])[0]


def answer_list(m):
    """[(owner, type)] of the answer section in order, RRSIGs left out."""
    return [(rr.name.to_text().lower(), dns.rdatatype.to_text(rr.rdtype))
            for rr in m.answer if rr.rdtype != dns.rdatatype.RRSIG]


def sigs_over(m, name, covered):
    for rr in m.answer:
        if (rr.rdtype == dns.rdatatype.RRSIG and
                rr.name.to_text().lower() == name and
                rr.covers == dns.rdatatype.from_text(covered)):
            return len(rr)
    return 0


def ad(m):
    return T.has_flag(m, "AD")


# -------------------------------------------------------------- RRSIG ---

@case
def rrsig_query_answered_without_ad():
    """qtype RRSIG (RFC 4035 3.2.1): the RRSIGs at the name, NOERROR,
    never AD (they are not an RRset that can be validated)."""
    for dnssec in (True, False):
        _rrsig_answers(resolver(dnssec=dnssec))


def _rrsig_answers(r):
    for do in (True, False):
        m = ask(r, "www.sec.test.", "RRSIG", do=do, ad=True)
        T.expect(m, "NOERROR")
        check(not ad(m), "AD on an RRSIG answer (do=%s): %s"
              % (do, T.short(m)))
        covered = sorted(dns.rdatatype.to_text(rd.type_covered)
                         for rs in m.answer
                         if rs.rdtype == dns.rdatatype.RRSIG
                         for rd in rs)
        check({"A", "AAAA", "NSEC"} <= set(covered),
              "RRSIGs of www.sec.test. (do=%s): %s" % (do, T.short(m)))
        eq(ede_codes(m), [], "EDE on the RRSIG answer")
    # an unsigned zone has none: NODATA, no AD
    m = ask(r, "www.insecure.test.", "RRSIG")
    T.expect(m, "NOERROR")
    eq(len(m.answer), 0, "RRSIG answer in an unsigned zone")
    check(not ad(m), "AD on an insecure NODATA: " + T.short(m))


# -------------------------------------------------------------- DNAME ---

@case
def dname_listed_once_with_synthesised_cname():
    """www.a.dn.test. (a.dn.test. DNAME b.dn.test.): the DNAME once, its
    synthesised CNAME, the A; AD (the DNAME's RRSIG proves the CNAME);
    the DNAME signed for a DO client, the CNAME not."""
    r = resolver()
    for z, secure in (("dn.test.", True), ("dnu.test.", False)):
        m = ask(r, "www.a." + z)
        T.expect(m, "NOERROR")
        eq(answer_list(m), [("a." + z, "DNAME"), ("www.a." + z, "CNAME"),
                            ("www.b." + z, "A")], "answer of www.a." + z)
        eq(answer_of(m, "www.a." + z, "CNAME"),
           ["www.b." + z], "synthesised CNAME of www.a." + z)
        eq(ad(m), secure, "AD on www.a.%s: %s" % (z, T.short(m)))
        if secure:
            check(sigs_over(m, "a." + z, "DNAME") >= 1,
                  "no RRSIG over the DNAME: " + T.short(m))
            eq(sigs_over(m, "www.a." + z, "CNAME"), 0,
               "RRSIGs over the synthesised CNAME")


@case
def dname_answers_from_cache_keep_shape():
    """The same name for another type and another name under the same
    DNAME, answered after the first (the cache holds the DNAME): still the
    DNAME once + synthesised CNAME, secure, not SERVFAIL, and without
    asking upstream (the CNAME is synthesised from the cached DNAME)."""
    n = net()
    for dnssec in (False, True):
        r = resolver(dnssec=dnssec)
        _dname_from_cache(n, r, dnssec)


def _dname_from_cache(n, r, dnssec):
    for z, secure in (("dnu.test.", False), ("dn.test.", dnssec)):
        T.expect(ask(r, "www.a." + z), "NOERROR")
        T.expect(ask(r, "www.b." + z, "TXT"), "NOERROR")
        n.settle()
        since = time.time()
        for name, qt, final in (("www.a." + z, "TXT", "TXT"),
                                ("www.a." + z, "A", "A"),
                                ("www.a." + z, "CNAME", None)):
            m = ask(r, name, qt, do=(qt != "A"))
            T.expect(m, "NOERROR")
            eq(answer_list(m), [("a." + z, "DNAME"), (name, "CNAME")] +
               ([("www.b." + z, final)] if final else []),
               "answer of %s %s from the cache" % (name, qt))
            if qt != "A":
                eq(ad(m), secure, "AD on %s %s: %s" % (name, qt, T.short(m)))
        n.settle()
        eq(n.query_log(z, since), [], "upstream queries for cached answers")


@case
def dname_used_twice_listed_once():
    """re.a.Z -> (DNAME a.Z) re.b.Z -> (CNAME) www.a.Z -> (the same DNAME)
    www.b.Z: the DNAME is listed once (ANCOUNT counts every RR the reply
    carries), the two CNAMEs synthesised from it both."""
    r = resolver()
    for z, secure in (("dnu.test.", False), ("dn.test.", True)):
        m, ancount = ask_raw(r, "re.a." + z, do=False)
        T.expect(m, "NOERROR")
        eq(answer_list(m), [("a." + z, "DNAME"), ("re.a." + z, "CNAME"),
                            ("re.b." + z, "CNAME"), ("www.a." + z, "CNAME"),
                            ("www.b." + z, "A")], "answer of re.a." + z)
        eq(ancount, sum(len(rs) for rs in m.answer),
           "ANCOUNT against the distinct RRs of " + T.short(m))


@case
def dname_chain_of_two():
    """www.two.Z -> (DNAME two.Z -> a.Z) www.a.Z -> (DNAME a.Z -> b.Z)
    www.b.Z: each DNAME once, each followed by its CNAME."""
    r = resolver()
    for z, secure in (("dn.test.", True), ("dnu.test.", False)):
        m = ask(r, "www.two." + z)
        T.expect(m, "NOERROR")
        eq(answer_list(m), [("two." + z, "DNAME"), ("www.two." + z, "CNAME"),
                            ("a." + z, "DNAME"), ("www.a." + z, "CNAME"),
                            ("www.b." + z, "A")], "answer of www.two." + z)
        eq(ad(m), secure, "AD on www.two.%s: %s" % (z, T.short(m)))


@case
def dname_cname_mixes():
    """DNAME then a CNAME out of the zone (www.mix.Z -> www.m.Z ->
    www.sec.test.) and a CNAME into a DNAME (alias.Z -> www.a.Z ->
    www.b.Z)."""
    r = resolver()
    for z, secure in (("dn.test.", True), ("dnu.test.", False)):
        m = ask(r, "www.mix." + z)
        T.expect(m, "NOERROR")
        eq(answer_list(m), [("mix." + z, "DNAME"), ("www.mix." + z, "CNAME"),
                            ("www.m." + z, "CNAME"), ("www.sec.test.", "A")],
           "answer of www.mix." + z)
        eq(ad(m), secure, "AD on www.mix.%s: %s" % (z, T.short(m)))
        m = ask(r, "alias." + z)
        T.expect(m, "NOERROR")
        eq(answer_list(m), [("alias." + z, "CNAME"), ("a." + z, "DNAME"),
                            ("www.a." + z, "CNAME"), ("www.b." + z, "A")],
           "answer of alias." + z)
        eq(ad(m), secure, "AD on alias.%s: %s" % (z, T.short(m)))


@case
def dname_loop_servfail_with_what_was_followed():
    """l1.Z DNAME l2.Z, l2.Z DNAME l1.Z: www.l1.Z loops; SERVFAIL with
    the chain as far as it went, each DNAME listed once."""
    r = resolver()
    for z in ("dn.test.", "dnu.test."):
        m = ask(r, "www.l1." + z)
        T.expect(m, "SERVFAIL")
        got = answer_list(m)
        check(got[:4] == [("l1." + z, "DNAME"), ("www.l1." + z, "CNAME"),
                          ("l2." + z, "DNAME"), ("www.l2." + z, "CNAME")],
              "the loop as followed for www.l1.%s: %s" % (z, T.short(m)))
        eq(len(got), len(set(got)), "records listed twice in " + T.short(m))
        m2 = ask(r, "www.l1." + z, do=False)     # from the cache
        T.expect(m2, "SERVFAIL")
        eq(answer_list(m2), got, "the loop from the cache")
        check(r.alive(), "resolver died on a DNAME loop")


@case
def cname_loop_servfail_with_what_was_followed():
    """c1.Z CNAME c2.Z, c2.Z CNAME c1.Z: SERVFAIL with both CNAMEs."""
    r = resolver()
    for z in ("dn.test.", "dnu.test."):
        m = ask(r, "c1." + z)
        T.expect(m, "SERVFAIL")
        got = answer_list(m)
        eq(sorted(got), [("c1." + z, "CNAME"), ("c2." + z, "CNAME")],
           "the CNAME loop as followed: " + T.short(m))
        m = ask(r, "c2." + z, do=False)           # from the cache
        T.expect(m, "SERVFAIL")
        eq(answer_list(m), [("c2." + z, "CNAME"), ("c1." + z, "CNAME")],
           "the CNAME loop from the cache: " + T.short(m))
        check(r.alive(), "resolver died on a CNAME loop")


# ------------------------------------------- types that end the chain ---

@case
def qtype_cname_or_dname_below_a_dname():
    """qtype CNAME for a name below a DNAME: the synthesised CNAME is the
    answer (DNAME + CNAME, AD when signed); qtype DNAME: the DNAME is
    followed and the target's NODATA ends it; neither is SERVFAIL."""
    r = resolver()
    for z, secure in (("dn.test.", True), ("dnu.test.", False)):
        m = ask(r, "www.a." + z, "CNAME")
        T.expect(m, "NOERROR")
        eq(answer_list(m), [("a." + z, "DNAME"), ("www.a." + z, "CNAME")],
           "qtype CNAME below the DNAME of " + z)
        eq(ad(m), secure, "AD on qtype CNAME: " + T.short(m))
        m = ask(r, "www.a." + z, "DNAME")
        T.expect(m, "NOERROR")
        eq(answer_list(m), [("a." + z, "DNAME"), ("www.a." + z, "CNAME")],
           "qtype DNAME below the DNAME of " + z)
        check(T.find(m.authority, z, "SOA") is not None,
              "no SOA for the target's NODATA: " + T.short(m))
        eq(ad(m), secure, "AD on qtype DNAME: " + T.short(m))


def _strip(msg, rdtype, section="answer"):
    """Drop every RRset of rdtype (and RRSIGs over it) from a section."""
    t = dns.rdatatype.from_text(rdtype)
    sec = getattr(msg, section)
    sec[:] = [rs for rs in sec if rs.rdtype != t and rs.covers != t]
    return msg


@case
def dname_without_synthesised_cname():
    """A server that sends the DNAME and the target's data but no CNAME
    (RFC 6672 3.4: the resolver synthesises it): the answer lists the
    DNAME, the CNAME made here, the A; secure."""
    n = net()
    r = resolver()
    n.zones["odd.test."].proxy = (
        lambda q, rep: _strip(rep, "CNAME") if rep is not None else None)
    m = ask(r, "www.x.odd.test.")
    T.expect(m, "NOERROR")
    eq(answer_list(m), [("x.odd.test.", "DNAME"), ("www.x.odd.test.", "CNAME"),
                        ("www.y.odd.test.", "A")], "answer")
    check(ad(m), "no AD: " + T.short(m))


def _dname_reply_hook(mode):
    """Replies with a DNAME at x.odd.test. changed: "forge" points the
    server's CNAME elsewhere (www.odd.test.), "corrupt" breaks the DNAME's
    RRSIG, "strip" drops it."""
    def hook(q, rep):
        if rep is None:
            return rep
        out = []
        for rs in rep.answer:
            if mode == "forge" and rs.rdtype == dns.rdatatype.CNAME and \
                    rs.name.to_text().lower().endswith(".x.odd.test."):
                rs = dns.rrset.from_text(rs.name, rs.ttl, "IN", "CNAME",
                                         "www.odd.test.")
            elif rs.rdtype == dns.rdatatype.RRSIG and \
                    rs.covers == dns.rdatatype.DNAME:
                if mode == "strip":
                    continue
                if mode == "corrupt":
                    rd = rs[0]
                    sig = bytearray(rd.signature)
                    sig[len(sig) // 2] ^= 0x55
                    rs = dns.rrset.from_rdata(
                        rs.name, rs.ttl, rd.replace(signature=bytes(sig)))
            out.append(rs)
        rep.answer = out
        return rep
    return hook


@case
def dname_signature_proves_the_cname():
    """The synthesised CNAME is made from the DNAME, whose RRSIG proves
    it (RFC 6672 5.3.3): a server's CNAME that points elsewhere is not
    used (nor cached: another type of the name later follows the DNAME
    too, with validation or without); a DNAME whose RRSIG does not verify
    or is missing makes the answer bogus (SERVFAIL, EDE 6 / 10)."""
    n = net()
    for dnssec in (False, True):
        r = resolver(dnssec=dnssec)
        n.zones["odd.test."].proxy = _dname_reply_hook("forge")
        m = ask(r, "www.x.odd.test.")
        T.expect(m, "NOERROR")
        eq(answer_of(m, "www.x.odd.test.", "CNAME"), ["www.y.odd.test."],
           "CNAME (dnssec=%s)" % dnssec)
        eq(answer_of(m, "www.y.odd.test.", "A"), ["192.0.2.38"], "A")
        eq(ad(m), dnssec, "AD: " + T.short(m))
        m = ask(r, "www.x.odd.test.", "AAAA")
        T.expect(m, "NOERROR")
        eq(answer_list(m), [("x.odd.test.", "DNAME"),
                            ("www.x.odd.test.", "CNAME")],
           "AAAA of www.x.odd.test. (dnssec=%s): %s" % (dnssec, T.short(m)))
    for mode, ede in (("corrupt", 6), ("strip", 10)):
        r = resolver()
        n.zones["odd.test."].proxy = _dname_reply_hook(mode)
        m = ask(r, "www.x.odd.test.")
        T.expect(m, "SERVFAIL")
        eq(ede_codes(m), [ede], "EDE for a DNAME RRSIG that is " + mode)
        m = ask(r, "www.x.odd.test.", cd=True)
        T.expect(m, "NOERROR")
        check(not ad(m), "AD on bogus data with CD: " + T.short(m))


@case
def dname_only_reply_to_a_minimised_query():
    """www.z.x.odd.test.: QNAME minimisation asks z.x.odd.test. first; the
    server sends the DNAME (no CNAME) and NXDOMAIN for the target
    z.y.odd.test.  That NXDOMAIN is about the target, not about
    z.x.odd.test. (RFC 8020 does not apply): the answer is the DNAME,
    the synthesised CNAME and NXDOMAIN for www.z.y.odd.test., validated."""
    n = net()
    r = resolver()
    n.zones["odd.test."].proxy = (
        lambda q, rep: _strip(rep, "CNAME") if rep is not None else None)
    m = ask(r, "www.z.x.odd.test.")
    T.expect(m, "NXDOMAIN")
    eq(answer_list(m), [("x.odd.test.", "DNAME"),
                        ("www.z.x.odd.test.", "CNAME")], "answer")
    eq(answer_of(m, "www.z.x.odd.test.", "CNAME"), ["www.z.y.odd.test."],
       "synthesised CNAME")
    check(ad(m), "no AD: " + T.short(m))


@case
def cname_with_data_of_another_type():
    """alias.odd.test. A, and the server answers the CNAME with the
    target's AAAA instead of its A: the chain goes on to the target's A,
    not SERVFAIL."""
    n = net()
    r = resolver()

    def hook(q, rep):
        if rep is None or q.question[0].name.to_text() != "alias.odd.test.":
            return rep
        aaaa = dns.rrset.from_text("www.odd.test.", TTL, "IN", "AAAA",
                                   "2001:db8::38")
        rep.answer = [rs for rs in rep.answer
                      if rs.name.to_text() == "alias.odd.test."] + [aaaa]
        return rep

    n.zones["odd.test."].proxy = hook
    m = ask(r, "alias.odd.test.")
    T.expect(m, "NOERROR")
    eq(answer_list(m), [("alias.odd.test.", "CNAME"), ("www.odd.test.", "A")],
       "answer")
    check(ad(m), "no AD: " + T.short(m))


@case
def cname_out_of_bailiwick_data_not_used():
    """out.odd.test. CNAME www.insecure.test. and outsec.odd.test. CNAME
    www.sec.test.: the odd.test. server adds an A for the target that is
    not its to give (a forged 192.0.2.66).  The chain goes on to the
    target's own servers: the real A (and AD for the signed one), never
    the forged one, never SERVFAIL.  Nor is an NXDOMAIN (with its SOA)
    the odd.test. server gives for the target (outnx.odd.test.)."""
    n = net()

    def hook(q, rep):
        if rep is None:
            return rep
        qn = q.question[0].name.to_text().lower()
        if qn == "outnx.odd.test.":
            rep.set_rcode(dns.rcode.NXDOMAIN)
            rep.authority = [dns.rrset.from_text(
                "odd.test.", ODD_MIN, "IN", "SOA", "ns1.odd.test. "
                "hostmaster.odd.test. 2026010101 3600 600 86400 60")]
        for src, target in (("out.odd.test.", "www.insecure.test."),
                            ("outsec.odd.test.", "www.sec.test.")):
            if qn == src:
                rep.answer = [rs for rs in rep.answer
                              if rs.name.to_text().lower() == src]
                rep.answer.append(dns.rrset.from_text(
                    target, TTL, "IN", "A", "192.0.2.66"))
        return rep

    for dnssec in (False, True):
        r = resolver(dnssec=dnssec)
        n.zones["odd.test."].proxy = hook
        for src, target, real, secure in (
                ("out.odd.test.", "www.insecure.test.", "192.0.2.13", False),
                ("outsec.odd.test.", "www.sec.test.", "192.0.2.11", True),
                ("outnx.odd.test.", "www.insecure.test.", "192.0.2.13",
                 False)):
            for _ in range(2):       # the second from the cache
                m = ask(r, src)
                T.expect(m, "NOERROR")
                eq(answer_of(m, target, "A"), [real],
                   "A of %s (dnssec=%s)" % (target, dnssec))
                eq(ad(m), secure and dnssec, "AD: " + T.short(m))
            m = ask(r, target)
            eq(answer_of(m, target, "A"), [real], "A of %s asked itself"
               % target)


# ----------------------------------------------------- negative TTLs ---

def _raw_soa_ttl(q, rep):
    """Send the SOA of negative answers with its own TTL (300), not the
    RFC 2308 min(TTL, MINIMUM) NSD puts there."""
    if rep is None:
        return rep
    for rs in rep.authority:
        if rs.rdtype == dns.rdatatype.SOA:
            rs.ttl = TTL
        elif rs.rdtype == dns.rdatatype.RRSIG and \
                rs.covers == dns.rdatatype.SOA:
            rs.ttl = TTL
    return rep


def _soa_ttl(m, zone="odd.test."):
    s = T.find(m.authority, zone, "SOA")
    check(s is not None, "no SOA in authority: " + T.short(m))
    return s.ttl


@case
def negative_soa_ttl_is_min_and_ages():
    """odd.test.: SOA TTL 300, MINIMUM 60, the server sends TTL 300 in its
    negative answers.  NXDOMAIN and NODATA carry the SOA with TTL 60
    (RFC 2308 5), for DO and plain clients; 20 s later (test clock) the
    cached answers carry 40; another type of the NXDOMAIN name (from the
    negative cache) too; past 60 s the name is asked again."""
    n = net()
    for dnssec in (True, False):
        r = resolver(dnssec=dnssec)
        n.zones["odd.test."].proxy = _raw_soa_ttl
        _negative_ttls(r, dnssec)


def _negative_ttls(r, dnssec):
    firsts = {}
    for name, qt, rc in (("nope.odd.test.", "A", "NXDOMAIN"),
                         ("www.odd.test.", "TXT", "NOERROR"),
                         ("alias.odd.test.", "TXT", "NOERROR"),
                         ("dangling.odd.test.", "A", "NXDOMAIN"),
                         ("www.x.odd.test.", "MX", "NOERROR")):
        for do in (True, False):
            m = ask(r, name, qt, do=do)
            T.expect(m, rc)
            t = _soa_ttl(m)
            check(ODD_MIN - 2 <= t <= ODD_MIN,
                  "SOA TTL of %s %s (do=%s): %d, want %d: %s"
                  % (name, qt, do, t, ODD_MIN, T.short(m)))
            if do and dnssec:
                check(ad(m), "no AD on the negative answer: " + T.short(m))
            firsts[(name, qt, do)] = t
    r.move_clock(20)
    for (name, qt, do), t0 in firsts.items():
        m = ask(r, name, qt, do=do)
        t = _soa_ttl(m)
        check(t0 - 22 <= t <= t0 - 19,
              "SOA TTL of %s %s (do=%s) 20 s later: %d then %d"
              % (name, qt, do, t0, t))
    m = ask(r, "nope.odd.test.", "TXT", do=False)
    T.expect(m, "NXDOMAIN")
    t = _soa_ttl(m)
    check(ODD_MIN - 22 <= t <= ODD_MIN - 19,
          "SOA TTL of another type from the negative cache: %d" % t)


if __name__ == "__main__":
    try:
        T.run()
    finally:
        R.shutdown()
