#!/usr/bin/python3
"""Falling back to a zone's other servers (issue 12 item 4).

A zone served by three scripted servers (netsim proxied=True, hosts
26-28): in each case one or two of them misbehave (SERVFAIL, REFUSED, a
lame upward referral, a bogus signature, no answer at all) and the name
must still resolve from the good one, validated; when all of them
misbehave the answer is SERVFAIL with an Extended DNS Error after a
bounded number of upstream queries.  A zone whose own (child-side) NS
RRset names a server that does not work while the parent's delegation
works (host 29; the child names host 31, where nothing listens) must
keep resolving through the parent-side NS and glue.

Also here (server quirks of issue 12): a CNAME out of its server's zone
followed by a forged record for the target (cn.test., host 30), a domain
sold to a new server while the old one keeps answering (sale.test. on
host 30 delegates shop.sale.test. to host 26, then 27; move_clock past
the NS TTL), two zones whose glueless name servers live in each other,
and a server that answers the question in lower case (0x20).

Which server a fresh resolver asks first is random (equal scores), so
each fallback case repeats with a fresh resolver until a misbehaving
server was asked first (bounded).

DV_RESOLVER=unbound runs the cases against unbound as a reference.
"""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dvtest as T  # noqa: E402
from dvtest import case, check, eq  # noqa: E402
import netsim  # noqa: E402
_theirs = len(T._cases)
import rtest as R  # noqa: E402
del T._cases[_theirs:]

import dns.flags  # noqa: E402
import dns.message  # noqa: E402
import dns.name  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdataclass  # noqa: E402
import dns.rdatatype  # noqa: E402
import dns.rrset  # noqa: E402

FB = "fb.test."
FB_HOSTS = [26, 27, 28]
SPLIT = "split.test."
SPLIT_HOST = 29             # the parent's delegation: works
DEAD_HOST = 31              # the child's own NS: nothing listens
CN = "cn.test."             # unsigned, CNAMEs out of its bailiwick
CN_HOST = 30
SALE = "sale.test."         # on CN_HOST: its delegation of SHOP changes
SHOP = "shop.sale.test."    # old servers: host 26, new ones: host 27
OLD_HOST, NEW_HOST = 26, 27
_sale = {"phase": "old"}
ATTEMPTS = 8                # fresh resolvers until a bad server goes first
                            # (2 of 3 bad: all good first 1 in 6561)

_lock = threading.Lock()
_behave = {}                # host -> misbehaviour name
_asked = []                 # (host, qname, qtype) in arrival order


def _customize(net):
    z = netsim.Zone(FB, FB_HOSTS, sign="ecdsa", proxied=True)
    z.records += ["www.%s 300 IN A 192.0.2.26" % FB,
                  "www.%s 300 IN TXT \"fb\"" % FB,
                  "other.%s 300 IN A 192.0.2.27" % FB]
    net.zones[FB] = z
    s = netsim.Zone(SPLIT, [SPLIT_HOST], sign="ecdsa",
                    child_ns=[("ns9.%s" % SPLIT, DEAD_HOST)])
    s.records += ["www.%s 300 IN A 192.0.2.29" % SPLIT,
                  "other.%s 300 IN A 192.0.2.30" % SPLIT,
                  "third.%s 300 IN A 192.0.2.31" % SPLIT]
    net.zones[SPLIT] = s
    c = netsim.Zone(CN, [CN_HOST], proxied=True)
    c.records += ["www.%s 300 IN CNAME www.sec.test." % CN,
                  "txt.%s 300 IN CNAME www.sec.test." % CN,
                  "ns-old.%s 3600 IN A %s" % (CN, net.addr(OLD_HOST)),
                  "ns-new.%s 3600 IN A %s" % (CN, net.addr(NEW_HOST))]
    net.zones[CN] = c
    net.zones[SALE] = netsim.Zone(SALE, [CN_HOST])
    shop = netsim.Zone(SHOP, [OLD_HOST, NEW_HOST])
    shop.records += ["%s.%s 300 IN A 192.0.2.%d" % (h, SHOP, 60 + i)
                     for i, h in enumerate(("www", "other", "third"))]
    net.zones[SHOP] = shop


def net():
    """test_recursion's NetSim, with this file's zones added."""
    R.CUSTOMIZE = _customize
    n = R.net()
    n.zones[FB].proxy = _hook
    n.zones[CN].proxy = _poison
    return n


def _under(q, zone):
    return q.question[0].name.is_subdomain(dns.name.from_text(zone))


def _shop_ns(m, host):
    """The delegation of shop.sale.test. as one server: its name is in
    the provider's zone (cn.test., A TTL 3600), as when a domain moves
    between hosting providers."""
    ns = "ns-%s.%s" % ("old" if host == OLD_HOST else "new", CN)
    m.authority = [rs for rs in m.authority
                   if rs.rdtype != dns.rdatatype.NS]
    m.authority.append(dns.rrset.from_text(SHOP, 300, "IN", "NS", ns))
    m.additional = [rs for rs in m.additional
                    if rs.rdtype not in (dns.rdatatype.A,
                                         dns.rdatatype.AAAA)]
    return m


LOOPS = ("l1.%s" % SALE, "l2.%s" % SALE)


def _loop_referral(q, reply):
    """l1.sale.test. is delegated to ns.l2.sale.test. and l2 to
    ns.l1.sale.test., without glue: neither can ever be reached."""
    qn = q.question[0].name
    for i, z in enumerate(LOOPS):
        if qn.is_subdomain(dns.name.from_text(z)):
            m = dns.message.make_response(q)
            m.flags &= ~dns.flags.AA
            m.authority.append(dns.rrset.from_text(
                z, 300, "IN", "NS", "ns." + LOOPS[1 - i]))
            return m
    return reply


def _sale_parent(q, reply):
    """sale.test. delegates shop.sale.test. to the old servers, after
    the sale to the new ones."""
    if reply is not None and (_under(q, LOOPS[0]) or _under(q, LOOPS[1])):
        return _loop_referral(q, reply)
    if reply is None or not _under(q, SHOP):
        return reply
    if any(rs.rdtype == dns.rdatatype.NS for rs in reply.authority):
        _shop_ns(reply, OLD_HOST if _sale["phase"] == "old" else NEW_HOST)
    return reply


def _sale_child(q, reply, host):
    """The old owner's server answers 192.0.2.1 for every name and names
    itself in its NS set; the new one names itself."""
    if reply is None:
        return None
    if host == OLD_HOST and reply.answer:
        reply.answer = [dns.rrset.from_text(
            q.question[0].name, 300, "IN", "A", "192.0.2.1")]
    return _shop_ns(reply, host)


def _poison(q, reply):
    if _under(q, SALE):
        return _sale_parent(q, reply)
    return _cn_poison(q, reply)


def _cn_poison(q, reply):
    """cn.test.'s server adds data of sec.test. (not its zone) after its
    CNAME into sec.test.: a forged A and a forged TXT."""
    if reply is None:
        return None
    t = dns.rdatatype.to_text(q.question[0].rdtype)
    if t in ("A", "TXT") and reply.answer and any(
            rs.rdtype == dns.rdatatype.CNAME for rs in reply.answer):
        reply.answer.append(dns.rrset.from_text(
            "www.sec.test.", 300, "IN", t,
            "6.6.6.6" if t == "A" else '"forged"'))
    return reply


# ------------------------------------------------------ the bad servers ---

def _corrupt_sigs(reply):
    """Every RRSIG in the answer section with its signature bytes flipped
    (the data is untouched: only the signature no longer verifies)."""
    out = []
    for rs in reply.answer:
        if rs.rdtype != dns.rdatatype.RRSIG:
            out.append(rs)
            continue
        bad = dns.rrset.RRset(rs.name, rs.rdclass, rs.rdtype, rs.covers)
        for rd in rs:
            sig = bytes(b ^ 0x55 for b in rd.signature)
            bad.add(rd.replace(signature=sig), rs.ttl)
        out.append(bad)
    reply.answer = out
    return reply


def _upward(q):
    """Not authoritative, a referral to the parent: lame."""
    n = net()
    m = dns.message.make_response(q)
    m.flags &= ~dns.flags.AA
    m.authority.append(dns.rrset.from_text("test.", 300, "IN", "NS",
                                           "ns1.test."))
    m.additional.append(dns.rrset.from_text("ns1.test.", 300, "IN", "A",
                                            n.addr(3)))
    return m


def _hook(q, reply, host):
    if _under(q, SHOP):
        return _sale_child(q, reply, host)
    qn, qt = q.question[0].name, q.question[0].rdtype
    with _lock:
        _asked.append((host, qn.to_text().lower(), qt))
        how = _behave.get(host)
    if how is None or reply is None:
        return reply
    if how == "drop":
        return None
    if how in ("servfail", "refused"):
        m = dns.message.make_response(q)
        m.set_rcode(dns.rcode.SERVFAIL if how == "servfail"
                    else dns.rcode.REFUSED)
        return m
    if how == "lame":
        return _upward(q)
    if how == "nonsec":         # a denial without its NSEC proof
        reply.authority = [rs for rs in reply.authority
                           if rs.rdtype != dns.rdatatype.NSEC and not
                           (rs.rdtype == dns.rdatatype.RRSIG and
                            rs.covers == dns.rdatatype.NSEC)]
        return reply
    if how == "badkeys":        # the DNSKEY RRset's RRSIGs break
        if qt != dns.rdatatype.DNSKEY:
            return reply
        return _corrupt_sigs(reply)
    if how == "bogus":          # keys stay good, the data's RRSIGs break
        if qt == dns.rdatatype.DNSKEY:
            return reply
        return _corrupt_sigs(reply)
    return reply


def behave(**hosts):
    """behave(h26="servfail", ...): the misbehaviour of each host (others
    answer as NSD does); clears the log of asked queries."""
    with _lock:
        _behave.clear()
        for k, v in hosts.items():
            _behave[int(k[1:])] = v
        del _asked[:]


def asked():
    with _lock:
        return list(_asked)


def fb_answer(m, name="www.fb.test.", ip="192.0.2.26"):
    T.expect(m, "NOERROR")
    eq(R.answer_of(m, name, "A"), [ip], "answer for " + name)


def fallback_case(how, bad=(26, 27), dnssec=True, do=True):
    """Resolve www.fb.test. with the hosts in bad misbehaving: the answer
    must come from the good one (validated when dnssec), and at least
    once a bad server must have been asked first."""
    net()
    firsts = []
    for _ in range(ATTEMPTS):
        behave(**{"h%d" % h: how for h in bad})
        r = R.resolver(dnssec=dnssec)
        m = R.ask(r, "www.fb.test.", do=do)
        fb_answer(m)
        if dnssec:
            check(T.has_flag(m, "AD"), "no AD after falling back from a "
                  "%s server: %s" % (how, T.short(m)))
        # the resolver works on: a second name, from the cache or not
        m = R.ask(r, "other.fb.test.", do=do)
        fb_answer(m, "other.fb.test.", "192.0.2.27")
        hosts = [h for h, qn, qt in asked() if qn.endswith("fb.test.")]
        firsts.append(hosts[:1])
        if hosts and hosts[0] in bad:
            return
    raise T.TestFailure("a misbehaving server was never asked first "
                        "(first servers asked: %r)" % firsts)


@case
def fallback_on_servfail():
    fallback_case("servfail")


@case
def fallback_on_refused():
    fallback_case("refused")


@case
def fallback_on_lame_upward_referral():
    fallback_case("lame")


@case
def fallback_on_timeout():
    fallback_case("drop")


@case
def fallback_on_bogus_answer():
    """One server's signatures do not verify: the other servers are
    asked before the answer is called bogus, and the bad copy does not
    poison the good one (answered with AD, and again from the cache)."""
    fallback_case("bogus")


@case
def fallback_on_bogus_then_cache_is_good():
    """After falling back from bogus servers, the good answer is what the
    cache holds: asked again (a cache hit) it keeps AD."""
    net()
    for _ in range(ATTEMPTS):
        behave(h26="bogus", h27="bogus")
        r = R.resolver(dnssec=True)
        for i in range(3):
            m = R.ask(r, "www.fb.test.", do=True)
            fb_answer(m)
            check(T.has_flag(m, "AD"), "no AD (ask %d): %s"
                  % (i + 1, T.short(m)))
        hosts = [h for h, qn, qt in asked() if qn == "www.fb.test."]
        if hosts and hosts[0] in (26, 27):
            return
    raise T.TestFailure("a bogus server was never asked first")


@case
def fallback_on_denial_without_proof():
    """One server strips the NSEC records from its NXDOMAIN: the other
    servers are asked, the NXDOMAIN is proven and has AD."""
    net()
    for _ in range(ATTEMPTS):
        behave(h26="nonsec", h27="nonsec")
        r = R.resolver(dnssec=True)
        m = R.ask(r, "nope.fb.test.", do=True)
        T.expect(m, "NXDOMAIN")
        check(T.has_flag(m, "AD"), "no AD: " + T.short(m))
        hosts = [h for h, qn, qt in asked() if qn == "nope.fb.test."]
        if hosts and hosts[0] in (26, 27):
            return
    raise T.TestFailure("a server without proofs was never asked first")


@case
def fallback_on_bogus_dnskey():
    """One server's DNSKEY RRset does not verify: the keys are fetched
    from the other servers before the zone is called bogus (the key
    table must not keep the bad copy's verdict)."""
    net()
    for _ in range(ATTEMPTS):
        behave(h26="badkeys", h27="badkeys")
        r = R.resolver(dnssec=True)
        m = R.ask(r, "www.fb.test.", do=True)
        fb_answer(m)
        check(T.has_flag(m, "AD"), "no AD: " + T.short(m))
        hosts = [h for h, qn, qt in asked() if qt == dns.rdatatype.DNSKEY]
        if hosts and hosts[0] in (26, 27):
            return
    raise T.TestFailure("a server with bad keys was never asked first")


def _all_fail(how, want_ede, dnssec=True):
    net()
    behave(h26=how, h27=how, h28=how)
    r = R.resolver(dnssec=dnssec)
    m = R.ask(r, "www.fb.test.", do=True, timeout=15)
    T.expect(m, "SERVFAIL")
    codes = R.ede_codes(m)
    check(any(c in want_ede for c in codes),
          "EDE %r, want one of %r: %s" % (codes, want_ede, T.short(m)))
    n = len([1 for h, qn, qt in asked() if h in FB_HOSTS])
    # bounded: each server a few times (tries, TCP, the key fetch)
    check(n <= 3 * 2 * 3, "%d queries to the zone's 3 servers" % n)
    check(set(h for h, qn, qt in asked()) >= set(FB_HOSTS),
          "not every server was tried: %r" % asked())
    return r


@case
def all_servers_servfail_gives_ede():
    _all_fail("servfail", (22, 23))


@case
def all_servers_refuse_gives_ede():
    _all_fail("refused", (22, 23))


@case
def all_servers_bogus_gives_bogus():
    r = _all_fail("bogus", (6,))
    behave()
    m = R.ask(r, "www.fb.test.", "TXT", do=True)
    T.expect(m, "NOERROR")


@case
def all_servers_silent_gives_ede():
    _all_fail("drop", (22, 23), dnssec=False)


@case
def parent_side_glue_when_child_ns_fails():
    """split.test.'s own NS RRset names ns9.split.test. (host 31, nothing
    listens) while test.'s delegation names ns1.split.test. (host 29,
    works).  Once the child's NS set is cached (from the authority
    section of the first answer) the servers it names time out; the
    names must still resolve through the parent-side glue."""
    net()
    for dnssec in (False, True):
        r = R.resolver(dnssec=dnssec)
        for name, ip in (("www.split.test.", "192.0.2.29"),
                         ("other.split.test.", "192.0.2.30"),
                         ("third.split.test.", "192.0.2.31")):
            m = R.ask(r, name, do=dnssec, timeout=8)
            T.expect(m, "NOERROR")
            eq(R.answer_of(m, name, "A"), [ip], "%s (dnssec=%s)"
               % (name, dnssec))
            if dnssec:
                check(T.has_flag(m, "AD"), "no AD: " + T.short(m))


@case
def cname_out_of_bailiwick_resolved_afresh():
    """cn.test.'s server answers www.cn.test. with its CNAME to
    www.sec.test. and a forged A for www.sec.test.: the target must be
    resolved afresh from sec.test.'s own servers (RFC 2181 5.4.1,
    bailiwick), never taken from the first server, with or without
    validation (www.sec.test. is signed: AD then)."""
    n = net()
    for dnssec in (False, True):
        r = R.resolver(dnssec=dnssec)
        n.settle()
        since = time.time()
        m = R.ask(r, "www.cn.test.", do=dnssec)
        T.expect(m, "NOERROR")
        eq(R.answer_of(m, "www.cn.test.", "CNAME"), ["www.sec.test."],
           "the CNAME")
        eq(R.answer_of(m, "www.sec.test.", "A"), ["192.0.2.11"],
           "the target's A (dnssec=%s)" % dnssec)
        n.settle()
        check(("www.sec.test.", "A") in
              [(a.lower(), b) for a, b in n.query_log("sec.test.", since)],
              "www.sec.test. A not asked of sec.test.'s server")
        # and the forged data was not cached either
        m = R.ask(r, "www.sec.test.", do=dnssec)
        eq(R.answer_of(m, "www.sec.test.", "A"), ["192.0.2.11"],
           "www.sec.test. A asked directly")
        m = R.ask(r, "txt.cn.test.", "TXT", do=dnssec)
        eq(R.answer_of(m, "www.sec.test.", "TXT"), ['"sec.test."'],
           "TXT through the CNAME")


@case
def glueless_loop_is_bounded():
    """Two zones whose servers are named only in each other (no glue):
    SERVFAIL with EDE 22 soon, after a bounded number of queries."""
    n = net()
    behave()
    r = R.resolver()
    n.settle()
    since = time.time()
    t0 = time.monotonic()
    m = R.ask(r, "www." + LOOPS[0], timeout=8)
    took = time.monotonic() - t0
    T.expect(m, "SERVFAIL")
    check(22 in R.ede_codes(m), "EDE %r: %s" % (R.ede_codes(m), T.short(m)))
    n.settle()
    sent = n.query_log(SALE, since)
    check(len(sent) <= 20, "%d queries to sale.test.: %r"
          % (len(sent), sent))
    check(took < 5, "took %.1f s" % took)
    m = R.ask(r, "www.fb.test.")
    T.expect(m, "NOERROR")


@case
def domain_sale_new_servers_after_ns_ttl():
    """shop.sale.test. is sold: sale.test. now delegates it to the new
    owner's server; the old server still answers and names itself in its
    NS set.  Once the cached NS RRset's TTL (300 s) has passed, the new
    servers are used; answers from the old server in between must not
    keep its NS set alive (the ghost domain problem, CVE-2012-1033)."""
    net()
    _sale["phase"] = "old"
    try:
        r = R.resolver()
        m = R.ask(r, "www." + SHOP)
        eq(R.answer_of(m, "www." + SHOP, "A"), ["192.0.2.1"], "before")
        _sale["phase"] = "new"
        r.move_clock(200)
        m = R.ask(r, "other." + SHOP)      # the old server, NS in cache
        eq(R.answer_of(m, "other." + SHOP, "A"), ["192.0.2.1"],
           "within the NS TTL")
        r.move_clock(110)                  # 310 s after the first
        m = R.ask(r, "third." + SHOP)
        eq(R.answer_of(m, "third." + SHOP, "A"), ["192.0.2.62"],
           "after the NS TTL: the new owner's server")
        m = R.ask(r, "www." + SHOP)
        eq(R.answer_of(m, "www." + SHOP, "A"), ["192.0.2.60"],
           "www after the NS TTL")
    finally:
        _sale["phase"] = "old"


@case
def zero_x20_lowercase_server():
    """A server that answers with the question in lower case (it does
    not keep the 0x20 case) must not make resolution fail."""
    net()

    def lower(q, reply, host):
        _hook(q, reply, host)
        if reply is None:
            return None
        name = reply.question[0].name.to_text().lower()
        reply.question[0] = dns.rrset.RRset(
            dns.name.from_text(name), reply.question[0].rdclass,
            reply.question[0].rdtype)
        return reply
    n = net()
    behave()
    n.zones[FB].proxy = lower
    try:
        r = R.resolver(dnssec=True)
        for name, ip in (("www.fb.test.", "192.0.2.26"),
                         ("other.fb.test.", "192.0.2.27")):
            m = R.ask(r, name, do=True)
            fb_answer(m, name, ip)
            check(T.has_flag(m, "AD"), "no AD: " + T.short(m))
    finally:
        n.zones[FB].proxy = _hook


if __name__ == "__main__":
    try:
        T.run()
    finally:
        R.shutdown()
