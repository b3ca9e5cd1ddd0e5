#!/usr/bin/python3
"""Aggressive use of the DNSSEC-validated cache (RFC 8198, issue 12 item 5)
over the loopback internet of netsim.py.

With --dnssec, a validated NSEC or NSEC3 range from a negative answer
answers NXDOMAIN and NODATA for other names inside it without asking
upstream (with the proof and the SOA, AD for a DO client), until the
range's TTL runs out: min(NSEC TTL, SOA TTL, SOA MINIMUM), RFC 8198 5.4.
Not from NSEC3 opt-out spans.  The "no DS" proof of an insecure
delegation is cached the same way, so names below it do not ask the
parent for the DS again.  What the servers received is read from netsim's
capture (query_log); time moves with Server.move_clock.

Zones of this file (netsim hosts 32-35):
  aggr.test.   [32] signed ECDSA, NSEC, SOA MINIMUM 60, proxied: its
                    replies may be rewritten (NSEC TTL raised to 3600)
  optout.test. [33] signed ECDSA, NSEC3 with opt-out (ldns-signzone -p)
"""
import base64
import functools
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dvtest as T  # noqa: E402
from dvtest import case, check, eq  # noqa: E402
import netsim  # noqa: E402
import rtest as R  # noqa: E402
from rtest import net, auth_types  # noqa: E402

import dns.dnssec  # noqa: E402
import dns.rdatatype  # noqa: E402

AGGR_NEG = 60
B32HEX = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
                       "0123456789ABCDEFGHIJKLMNOPQRSTUV")


_run = netsim._run


def _run_optout(argv, cwd, timeout=60):
    """ldns-signzone with -p (NSEC3 opt-out) for optout.test."""
    if argv[0] == "ldns-signzone" and "optout.test." in argv:
        argv = argv[:1] + ["-p"] + argv[1:]
    return _run(argv, cwd, timeout)


def customize(net):
    z = netsim.Zone("aggr.test.", [32], sign="ecdsa", proxied=True,
                    neg_ttl=AGGR_NEG)
    z.records += ["www.aggr.test. 300 IN A 192.0.2.32",
                  "mail.aggr.test. 300 IN A 192.0.2.33",
                  "zzz.aggr.test. 300 IN A 192.0.2.34"]
    net.zones["aggr.test."] = z
    z = netsim.Zone("optout.test.", [33], sign="ecdsa", nsec3=True)
    z.records += ["www.optout.test. 300 IN A 192.0.2.35",
                  "mail.optout.test. 300 IN A 192.0.2.36"]
    net.zones["optout.test."] = z
    netsim._run = _run_optout


R.CUSTOMIZE = customize
resolver = functools.partial(R.resolver, dnssec=True)
ask = functools.partial(R.ask, do=True, fallback=True)


def mark():
    """Wait for the capture to hold everything sent so far; the time
    after which query_log shows only what comes next."""
    net().settle()
    return time.time()


def upstream(zone, since):
    net().settle()
    return [x for x in net().query_log(zone, since)
            if not x[0].startswith("settle-")]


def synthesised(r):
    """nsec-synth of the resolver's stats line (logged at shutdown)."""
    m = re.findall(r"nsec-synth (\d+)", r.log())
    return int(m[-1]) if m else None


def nsec3_spans(m):
    """[(owner hash, next hash)] of the NSEC3 records of m (base32hex)."""
    out = []
    for rr in m.authority:
        if rr.rdtype != dns.rdatatype.NSEC3:
            continue
        h = rr.name.labels[0].decode().upper()
        for rd in rr:
            out.append((h, base64.b32encode(rd.next).decode().translate(
                B32HEX)))
    return out


def n3hash(name):
    return dns.dnssec.nsec3_hash(name, netsim.NSEC3_SALT, netsim.NSEC3_ITER,
                                 1)


def covered(h, spans):
    for a, b in spans:
        if (a < h < b) if a < b else (h > a or h < b):
            return True
    return False


def secure_negative(m, rcode, what):
    R.secure(m, rcode, what)
    check("SOA" in auth_types(m), "%s: no SOA: %s" % (what, T.short(m)))


# --------------------------------------------------------------- NSEC ---

@case
def nsec_nxdomain_from_cached_range():
    """nope1.sec.test. is NXDOMAIN (NSEC final -> ns1 and the apex NSEC
    denying *.sec.test.); nope2 and g.sec.test. fall in the same range:
    NXDOMAIN + AD with the NSEC proof and the SOA, nothing asked of the
    sec.test. server (a DO client and a plain one)."""
    r = resolver()
    m = ask(r, "nope1.sec.test.")
    secure_negative(m, "NXDOMAIN", "nope1")
    since = mark()
    m = ask(r, "nope2.sec.test.")
    secure_negative(m, "NXDOMAIN", "nope2 (synthesised)")
    check("NSEC" in auth_types(m) and "RRSIG" in auth_types(m),
          "synthesised NXDOMAIN without its NSEC proof: " + T.short(m))
    soa = T.find(m.authority, "sec.test.", "SOA")
    check(soa is not None and soa.ttl <= netsim.TTL, "SOA TTL: " +
          T.short(m))
    m = ask(r, "g.sec.test.", "TXT", do=False)
    T.expect(m, "NXDOMAIN")
    check(not T.has_flag(m, "AD"), "AD for a client without DO/AD: " +
          T.short(m))
    check(T.find(m.authority, "sec.test.", "SOA") is not None,
          "no SOA: " + T.short(m))
    eq(upstream("sec.test.", since), [],
       "queries to sec.test.'s server for names in a cached NSEC range")
    r.stop()
    check((synthesised(r) or 0) >= 2, "resolver stats: nsec-synth %s" %
          synthesised(r))


@case
def nsec_nodata_from_cached_bitmap():
    """The NSEC of final.sec.test. (cached from nope1's NXDOMAIN) lists
    A RRSIG NSEC: final.sec.test. MX is NODATA + AD without a query."""
    r = resolver()
    secure_negative(ask(r, "nope1.sec.test."), "NXDOMAIN", "nope1")
    since = mark()
    m = ask(r, "final.sec.test.", "MX")
    secure_negative(m, "NOERROR", "final MX")
    eq(len(m.answer), 0, "NODATA answer section")
    check(T.find(m.authority, "final.sec.test.", "NSEC") is not None,
          "NODATA without the matching NSEC: " + T.short(m))
    eq(upstream("sec.test.", since), [],
       "queries to sec.test.'s server for a type absent from the bitmap")
    # a type the bitmap has is not denied
    m = ask(r, "final.sec.test.", "A")
    T.expect(m, "NOERROR")
    eq(T.rdatas(m.answer, "final.sec.test.", "A"), ["192.0.2.99"],
       "final.sec.test. A")


@case
def nsec_range_expires_with_its_ttl():
    """The range lives min(NSEC TTL, SOA MINIMUM) (RFC 8198 5.4): in
    aggr.test. the SOA MINIMUM is 60 and the proxy raises the NSEC TTLs
    to 3600; 30 s later a name in the range is synthesised with TTL <= 30,
    after 65 s it is asked upstream again."""
    n = net()

    raised = []

    def long_nsec(q, reply):
        if reply is not None:
            for rr in reply.authority:
                if rr.rdtype == dns.rdatatype.NSEC:
                    rr.ttl = 3600
                    raised.append(rr.name)
        return reply

    n.zones["aggr.test."].proxy = long_nsec
    try:
        r = resolver()
        # mail < nope1 < www: NSEC mail.aggr.test. -> www.aggr.test.
        m = ask(r, "nope1.aggr.test.")
        secure_negative(m, "NXDOMAIN", "nope1.aggr.test.")
        check(raised, "the proxy saw no NSEC to raise: " + T.short(m))
        since = mark()
        r.move_clock(30)
        m = ask(r, "nope2.aggr.test.")
        secure_negative(m, "NXDOMAIN", "nope2.aggr.test. (synthesised)")
        eq(upstream("aggr.test.", since), [], "queries for nope2 at 30 s")
        ttls = [rr.ttl for rr in m.authority]
        check(ttls and max(ttls) <= AGGR_NEG - 29,
              "synthesised TTLs above the range's life left: %s" % ttls)
        r.move_clock(35)
        since = mark()
        m = ask(r, "nope3.aggr.test.")
        secure_negative(m, "NXDOMAIN", "nope3.aggr.test.")
        check(("nope3.aggr.test.", "A") in upstream("aggr.test.", since),
              "range used past min(NSEC TTL, SOA MINIMUM): %s" %
              upstream("aggr.test.", since))
    finally:
        n.zones["aggr.test."].proxy = None


@case
def nsec_range_expires_after_move_clock():
    """sec.test.: after the NSEC's TTL (300) a name of the range is asked
    upstream again."""
    r = resolver()
    secure_negative(ask(r, "nope1.sec.test."), "NXDOMAIN", "nope1")
    r.move_clock(netsim.TTL + 5)
    since = mark()
    secure_negative(ask(r, "nope2.sec.test."), "NXDOMAIN", "nope2")
    check(("nope2.sec.test.", "A") in upstream("sec.test.", since),
          "expired range still used: %s" % upstream("sec.test.", since))


@case
def nsec_range_survives_restart():
    """The validated ranges are saved with the cache (SIGTERM) and used
    after a restart."""
    r = resolver()
    secure_negative(ask(r, "nope1.sec.test."), "NXDOMAIN", "nope1")
    rc, killed = r.stop()
    check(rc == 0 and not killed, "stop: exit %s killed %s" % (rc, killed))
    r.start()
    since = mark()
    m = ask(r, "nope2.sec.test.")
    secure_negative(m, "NXDOMAIN", "nope2 after the restart")
    eq(upstream("sec.test.", since), [],
       "queries to sec.test.'s server after the restart")


@case
def no_negcache_turns_it_off():
    """--no-negcache (dnsmasq): no negative caching, so no aggressive use
    of NSEC ranges either; names of a range are asked upstream."""
    r = resolver(extra=["--no-negcache"])
    secure_negative(ask(r, "nope1.sec.test."), "NXDOMAIN", "nope1")
    since = mark()
    secure_negative(ask(r, "nope2.sec.test."), "NXDOMAIN", "nope2")
    check(("nope2.sec.test.", "A") in upstream("sec.test.", since),
          "--no-negcache: nope2 not asked upstream: %s" %
          upstream("sec.test.", since))


# -------------------------------------------------------------- NSEC3 ---

@case
def nsec3_nxdomain_from_cached_ranges():
    """nsec3.test.: nope1's NXDOMAIN brings the closest encloser (apex),
    next closer and wildcard NSEC3s.  A name whose hash falls in the same
    next-closer span is NXDOMAIN + AD without a query; a name whose hash
    falls in a span not cached is asked upstream."""
    r = resolver()
    m = ask(r, "nope1.nsec3.test.")
    secure_negative(m, "NXDOMAIN", "nope1.nsec3.test.")
    spans = nsec3_spans(m)
    check(len(spans) >= 2, "NSEC3 records of the NXDOMAIN: " + T.short(m))
    nc = [s for s in spans if covered(n3hash("nope1.nsec3.test."), [s])]
    inside = outside = None
    for i in range(2, 400):
        name = "n%d.nsec3.test." % i
        h = n3hash(name)
        if inside is None and covered(h, nc):
            inside = name
        if outside is None and not covered(h, spans):
            outside = name
    check(inside is not None and outside is not None,
          "no test names found for the spans %s" % spans)
    since = mark()
    m = ask(r, inside)
    secure_negative(m, "NXDOMAIN", inside + " (synthesised)")
    check("NSEC3" in auth_types(m), "no NSEC3 proof: " + T.short(m))
    eq(upstream("nsec3.test.", since), [],
       "queries to nsec3.test.'s server for %s" % inside)
    since = mark()
    m = ask(r, outside)
    secure_negative(m, "NXDOMAIN", outside)
    check((outside, "A") in upstream("nsec3.test.", since),
          "%s (hash outside the cached spans) not asked upstream: %s" %
          (outside, upstream("nsec3.test.", since)))


@case
def nsec3_nodata_from_cached_match():
    """www.nsec3.test. MX is NODATA (the matching NSEC3 lists A TXT
    RRSIG); its NSEC3 then denies www.nsec3.test. AAAA without a query."""
    r = resolver()
    secure_negative(ask(r, "www.nsec3.test.", "MX"), "NOERROR", "www MX")
    since = mark()
    m = ask(r, "www.nsec3.test.", "AAAA")
    secure_negative(m, "NOERROR", "www AAAA (synthesised)")
    eq(len(m.answer), 0, "NODATA answer section")
    eq(upstream("nsec3.test.", since), [],
       "queries to nsec3.test.'s server for www AAAA")


@case
def nsec3_optout_span_not_used():
    """optout.test. is signed with NSEC3 opt-out (every span): its
    NXDOMAIN is not secure and its spans are never used to answer other
    names (RFC 8198 4 / RFC 5155 6)."""
    r = resolver()
    m = ask(r, "nope1.optout.test.")
    T.expect(m, "NXDOMAIN")
    spans = nsec3_spans(m)
    check(any(rr.rdtype == dns.rdatatype.NSEC3 and
              any(rd.flags & 1 for rd in rr) for rr in m.authority),
          "optout.test. NSEC3 without the opt-out flag: " + T.short(m))
    h1 = dns.dnssec.nsec3_hash("nope1.optout.test.", netsim.NSEC3_SALT,
                               netsim.NSEC3_ITER, 1)
    nc = [sp for sp in spans if covered(h1, [sp])]
    inside = None
    for i in range(2, 400):
        name = "n%d.optout.test." % i
        if covered(dns.dnssec.nsec3_hash(name, netsim.NSEC3_SALT,
                                         netsim.NSEC3_ITER, 1), nc):
            inside = name
            break
    check(inside is not None, "no name in the span %s" % nc)
    since = mark()
    m = ask(r, inside)
    T.expect(m, "NXDOMAIN")
    check((inside, "A") in upstream("optout.test.", since),
          "%s answered from an opt-out span: %s" %
          (inside, upstream("optout.test.", since)))


@case
def small_cache_evicts_ranges_cleanly():
    """--cache-size=30: the ranges compete with everything else for the
    cache and are evicted; every answer stays right (NXDOMAIN + AD for
    the names that do not exist, the data for those that do)."""
    r = resolver(extra=["--cache-size=30"])
    for rnd in range(3):
        for z in ("sec.test.", "nsec3.test.", "aggr.test."):
            for i in range(4):
                m = ask(r, "nx%d-%d.%s" % (rnd, i, z))
                secure_negative(m, "NXDOMAIN", "nx%d-%d.%s" % (rnd, i, z))
            m = ask(r, "www." + z)
            T.expect(m, "NOERROR")
            check(T.has_flag(m, "AD") and len(m.answer) > 0,
                  "www.%s: %s" % (z, T.short(m)))
        m = ask(r, "www.sec.test.", "MX")
        secure_negative(m, "NOERROR", "www.sec.test. MX")
    check(r.alive(), "resolver died")


# ------------------------------------------------------ negative DS ---

@case
def insecure_delegation_ds_denial_cached():
    """The validated "no DS" of insecure.test. (an NSEC in test.) is
    cached: other names below it, also after a restart, ask test.'s
    server no DS; after its TTL the DS is asked again."""
    r = resolver()
    m = ask(r, "www.insecure.test.")
    T.expect(m, "NOERROR")
    check(not T.has_flag(m, "AD"), "AD on insecure data: " + T.short(m))
    since = mark()
    for name in ("short.insecure.test.", "nope.insecure.test.",
                 "a.b.insecure.test."):
        ask(r, name)
    ds = [x for x in upstream("test.", since) if x[1] == "DS"]
    eq(ds, [], "DS queries to test.'s server within the TTL")
    rc, killed = r.stop()
    check(rc == 0 and not killed, "stop: exit %s killed %s" % (rc, killed))
    r.start()
    since = mark()
    m = ask(r, "www.insecure.test.", "TXT")
    T.expect(m, "NOERROR")
    check(not T.has_flag(m, "AD"), "AD on insecure data after restart: " +
          T.short(m))
    ds = [x for x in upstream("test.", since) if x[1] == "DS"]
    eq(ds, [], "DS queries to test.'s server after a restart")
    r.move_clock(netsim.TTL + 5)
    since = mark()
    ask(r, "www.insecure.test.", "AAAA")
    check(("insecure.test.", "DS") in upstream("test.", since),
          "DS not asked again after its TTL: %s" % upstream("test.", since))


if __name__ == "__main__":
    try:
        T.run()
    finally:
        R.shutdown()
