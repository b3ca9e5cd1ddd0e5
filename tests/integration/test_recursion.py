#!/usr/bin/python3
"""Recursion and DNSSEC validation over the loopback internet of netsim.py.

dnsvizor runs with --no-resolv --root-hints=<fake root> and
--allow-loopback-upstream (and --dnssec --trust-anchor-file=<fake root DS>
for the validating cases); clients query it with RD=1.  The servers' side
is observed through netsim's capture (query_log), so QNAME minimisation and
cache hits (no upstream traffic) are checked where they happen.

DV_RESOLVER=unbound runs the same cases against unbound (1.17, same
options) as a reference for the expectations; the default is dnsvizor.
Cases that wait for resolver features live in data_net/recursion_pending.py
(a staging copy of every case, not run by tests/run.sh); each moves here
once it passes against the real binary.

Cases about dnsvizor-only features (local zone precedence) are not
defined in that mode.
"""
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dvtest as T  # noqa: E402
from dvtest import case, check, eq  # noqa: E402
import netsim  # noqa: E402
import rtest  # noqa: E402

import dns.edns  # noqa: E402
import dns.exception  # noqa: E402
import dns.flags  # noqa: E402
import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402

from rtest import (MODE, net, resolver, ask, dv_only, ede_codes,  # noqa
                   flags, answer_of)

# ----------------------------------------------------------- resolution ---

@case
def resolve_insecure_a():
    r = resolver()
    m = ask(r, "www.insecure.test.")
    T.expect(m, "NOERROR", aa=False)
    check(T.has_flag(m, "RA"), "RA not set: " + T.short(m))
    check(T.has_flag(m, "RD"), "RD not copied: " + T.short(m))
    eq(answer_of(m, "www.insecure.test.", "A"), ["192.0.2.13"], "answer")
    m = ask(r, "www.insecure.test.", "TXT", tcp=True)
    T.expect(m, "NOERROR", aa=False)
    eq(answer_of(m, "www.insecure.test.", "TXT"), ['"insecure.test."'],
       "TXT over TCP")


@case
def resolve_nxdomain_with_soa():
    r = resolver()
    m = ask(r, "nope.insecure.test.")
    T.expect(m, "NXDOMAIN", aa=False)
    check(T.find(m.authority, "insecure.test.", "SOA") is not None,
          "no SOA of insecure.test. in authority: " + T.short(m))
    m = ask(r, "www.insecure.test.", "MX")     # NODATA
    T.expect(m, "NOERROR", aa=False)
    eq(len(m.answer), 0, "NODATA answer count")
    check(T.find(m.authority, "insecure.test.", "SOA") is not None,
          "no SOA in NODATA: " + T.short(m))


@case
def resolve_cname_chain_across_zones():
    r = resolver()
    m = ask(r, "www.a.example.")
    T.expect(m, "NOERROR")
    eq(answer_of(m, "www.a.example.", "CNAME"), ["www.b.test."], "first CNAME")
    eq(answer_of(m, "www.b.test.", "CNAME"), ["final.sec.test."],
       "second CNAME")
    eq(answer_of(m, "final.sec.test.", "A"), ["192.0.2.99"], "final A")


@case
def resolve_second_level_zones():
    r = resolver()
    for z, ip in (("sec.test.", "192.0.2.11"), ("nsec3.test.", "192.0.2.12"),
                  ("bogus.test.", "192.0.2.14"),
                  ("expired.test.", "192.0.2.15")):
        m = ask(r, "www." + z)
        T.expect(m, "NOERROR")
        eq(answer_of(m, "www." + z, "A"), [ip], "www.%s without --dnssec" % z)
        check(not T.has_flag(m, "AD"), "AD without --dnssec: " + T.short(m))


@case
def lame_delegation_servfail():
    r = resolver()
    # a stub retries every 3 s; SERVFAIL must come within 40 s (unbound
    # 1.17 takes about 30 s here: one dead address, one REFUSED server)
    t0 = time.monotonic()
    m = None
    while m is None and time.monotonic() - t0 < 40:
        try:
            m = ask(r, "www.lame.test.", timeout=3)
        except dns.exception.Timeout:
            pass
    check(m is not None, "no answer for a lame delegation within 40s")
    T.expect(m, "SERVFAIL")
    # and the resolver still works
    m = ask(r, "www.insecure.test.")
    T.expect(m, "NOERROR")


# ---------------------------------------------------------------- cache ---

@case
def cache_hit_ttl_decreases_no_upstream():
    n = net()
    r = resolver()
    m1 = ask(r, "www.sec.test.")
    T.expect(m1, "NOERROR")
    ttl1 = T.find(m1.answer, "www.sec.test.", "A").ttl
    n.settle()
    since = time.time()
    time.sleep(2.1)
    m2 = ask(r, "www.sec.test.")
    T.expect(m2, "NOERROR")
    ttl2 = T.find(m2.answer, "www.sec.test.", "A").ttl
    check(ttl1 - 3 <= ttl2 <= ttl1 - 1,
          "TTL did not decrease by about 2: %d then %d" % (ttl1, ttl2))
    n.settle()
    log = [x for x in n.query_log(since=since)
           if not x[0].startswith("settle-")]
    eq(log, [], "upstream queries for a cache hit")


@dv_only
def moved_clock_ages_and_expires_cache():
    """The test clock (DV_TEST_CLOCK_FILE, Server.move_clock): moving the
    resolver's clock 200 s ages a cached answer by 200 s without upstream
    traffic; moving it past the TTL fetches the name again."""
    n = net()
    r = resolver()
    m1 = ask(r, "www.sec.test.")
    ttl1 = T.find(m1.answer, "www.sec.test.", "A").ttl
    n.settle()
    since = time.time()
    r.move_clock(200)
    m2 = ask(r, "www.sec.test.")
    ttl2 = T.find(m2.answer, "www.sec.test.", "A").ttl
    check(ttl1 - 202 <= ttl2 <= ttl1 - 199,
          "TTL after a 200 s clock move: %d then %d" % (ttl1, ttl2))
    n.settle()
    eq([x for x in n.query_log("sec.test.", since)], [],
       "upstream queries for the aged cache hit")
    r.move_clock(netsim.TTL)
    m3 = ask(r, "www.sec.test.")
    T.expect(m3, "NOERROR")
    check(T.find(m3.answer, "www.sec.test.", "A").ttl > ttl2,
          "expired entry served again: " + T.short(m3))
    n.settle()
    check(("www.sec.test.", "A") in n.query_log("sec.test.", since),
          "expired entry not fetched again")


@case
def cache_hit_after_upstream_stopped():
    n = net()
    r = resolver()
    m = ask(r, "www.insecure.test.", "TXT")
    T.expect(m, "NOERROR")
    n.stop_server("insecure.test.")
    try:
        time.sleep(1.1)
        m = ask(r, "www.insecure.test.", "TXT")
        T.expect(m, "NOERROR")
        eq(answer_of(m, "www.insecure.test.", "TXT"), ['"insecure.test."'],
           "cached answer with the upstream stopped")
        check(T.find(m.answer, "www.insecure.test.", "TXT").ttl < netsim.TTL,
              "TTL not decreased: " + T.short(m))
    finally:
        n.start_server("insecure.test.")


@dv_only
def cache_size_zero_asks_every_time():
    """--cache-size=0 (dnsmasq: no cache): every query goes upstream."""
    n = net()
    r = resolver(extra=["--cache-size=0"])
    n.settle()
    since = time.time()
    for _ in range(3):
        m = ask(r, "www.insecure.test.")
        T.expect(m, "NOERROR")
        eq(answer_of(m, "www.insecure.test.", "A"), ["192.0.2.13"], "answer")
    n.settle()
    asked = [q for q in n.query_log(zone="insecure.test.", since=since)
             if q == ("www.insecure.test.", "A")]
    eq(len(asked), 3, "queries for www.insecure.test A with no cache")


@case
def negative_cache():
    n = net()
    r = resolver()
    m = ask(r, "nothere.sec.test.")
    T.expect(m, "NXDOMAIN")
    n.settle()
    since = time.time()
    time.sleep(1.1)
    m = ask(r, "nothere.sec.test.")
    T.expect(m, "NXDOMAIN")
    soa = T.find(m.authority, "sec.test.", "SOA")
    check(soa is not None and soa.ttl < netsim.TTL,
          "cached NXDOMAIN: SOA missing or TTL not decreased: " + T.short(m))
    m = ask(r, "www.sec.test.", "MX")
    T.expect(m, "NOERROR")
    n.settle()
    since2 = time.time()
    m = ask(r, "www.sec.test.", "MX")
    eq(len(m.answer), 0, "NODATA from cache")
    n.settle()
    eq([x for x in n.query_log("sec.test.", since=since)
        if x == ("nothere.sec.test.", "A")], [],
       "upstream queries for a cached NXDOMAIN")
    eq([x for x in n.query_log("sec.test.", since=since2)], [],
       "upstream queries for a cached NODATA")


# ----------------------------------------------------- QNAME minimisation ---

@case
def qname_minimisation_at_servers():
    n = net()
    r = resolver()
    n.settle()
    since = time.time()
    m = ask(r, "www.sec.test.")
    T.expect(m, "NOERROR")
    n.settle()
    root = [q for q in n.query_log(".", since) if not
            q[0].startswith("settle-")]
    tld = n.query_log("test.", since)
    check(root, "the root servers saw no query")
    check(tld, "the test. server saw no query")
    check(all(q[0] in (".", "test.") for q in root),
          "the root saw more than test.: %r" % root)
    check(all(q[0] in ("test.", "sec.test.") for q in tld),
          "the test. server saw more than sec.test.: %r" % tld)
    check(any(q[0] == "sec.test." for q in tld),
          "the test. server saw no query for sec.test.: %r" % tld)
    sec = n.query_log("sec.test.", since)
    check(("www.sec.test.", "A") in sec,
          "the sec.test. server did not get the full question: %r" % sec)


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
    if MODE == "dnsvizor":   # DO: the proof travels with the answer
        check(any(rr.rdtype == dns.rdatatype.NSEC for rr in m.authority),
              "no NSEC in the authority of a DO NXDOMAIN: " + T.short(m))
        check(any(rr.rdtype == dns.rdatatype.RRSIG for rr in m.authority),
              "no RRSIG in the authority of a DO NXDOMAIN: " + T.short(m))


@case
def dnssec_secure_nodata_and_wildcard():
    r = resolver(dnssec=True)
    m = ask(r, "www.sec.test.", "MX", do=True)
    T.expect(m, "NOERROR")
    eq(len(m.answer), 0, "NODATA answer")
    check(T.has_flag(m, "AD"), "AD not set on a proven NODATA: " + T.short(m))
    m = ask(r, "host7.wild.sec.test.", do=True)
    T.expect(m, "NOERROR")
    eq(answer_of(m, "host7.wild.sec.test.", "A"), ["192.0.2.98"], "wildcard")
    check(T.has_flag(m, "AD"), "AD not set on a wildcard expansion with "
          "its NSEC proof: " + T.short(m))
    m = ask(r, "alias.sec.test.", do=True)       # CNAME inside the zone
    T.expect(m, "NOERROR")
    check(T.has_flag(m, "AD"), "AD not set on a signed CNAME chain: "
          + T.short(m))
    for name, rdtype in (("sec.test.", "DS"), ("sec.test.", "DNSKEY"),
                         ("test.", "DNSKEY")):
        m = ask(r, name, rdtype, do=True)
        T.expect(m, "NOERROR")
        check(len(m.answer) > 0 and T.has_flag(m, "AD"),
              "%s %s not secure: %s" % (name, rdtype, T.short(m)))


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
def dnssec_ksk_sentinel():
    """RFC 8509: under a secure name (the wildcard *.wild.sec.test.),
    root-key-sentinel-is-ta-<tag> answers when <tag> is a root trust
    anchor's key tag and is SERVFAIL when it is not; not-ta the other way
    round.  Without validation the labels mean nothing."""
    n = net()
    tag = n.root_ds[0]
    other = (tag + 1) % 65536
    r = resolver(dnssec=True)
    for label, want in (("is-ta-%05d" % tag, "NOERROR"),
                        ("not-ta-%05d" % tag, "SERVFAIL"),
                        ("is-ta-%05d" % other, "SERVFAIL"),
                        ("not-ta-%05d" % other, "NOERROR")):
        name = "root-key-sentinel-%s.wild.sec.test." % label
        m = ask(r, name)
        T.expect(m, want)
        if want == "NOERROR":
            eq(answer_of(m, name, "A"), ["192.0.2.98"], name)
        m = ask(r, name)        # the second time, from the cache
        T.expect(m, want)
    r = resolver()
    m = ask(r, "root-key-sentinel-not-ta-%05d.wild.sec.test." % tag)
    T.expect(m, "NOERROR")


@case
def dnssec_insecure_no_ad():
    r = resolver(dnssec=True)
    m = ask(r, "www.insecure.test.", do=True)
    T.expect(m, "NOERROR")
    eq(answer_of(m, "www.insecure.test.", "A"), ["192.0.2.13"], "answer")
    check(not T.has_flag(m, "AD"), "AD set for an insecure zone: "
          + T.short(m))
    m = ask(r, "nope.insecure.test.", do=True)
    T.expect(m, "NXDOMAIN")
    check(not T.has_flag(m, "AD"), "AD set on an insecure NXDOMAIN: "
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
    if MODE == "dnsvizor":
        texts = [o.text or "" for o in m.options
                 if isinstance(o, dns.edns.EDEOption)]
        check(any("www.bogus.test" in t for t in texts),
              "EDE text does not say which name: %r" % texts)
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


@dv_only
def dnssec_no_timecheck_accepts_expired():
    """--dnssec-no-timecheck (dnsmasq): validity windows are not checked."""
    r = resolver(dnssec=True, extra=["--dnssec-no-timecheck"])
    m = ask(r, "www.expired.test.", do=True)
    T.expect(m, "NOERROR")
    check(T.has_flag(m, "AD"), "expired signature with --dnssec-no-timecheck "
          "not accepted: " + T.short(m))


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


@dv_only
def dnssec_negative_trust_anchor():
    r = resolver(dnssec=True, extra=["--negative-trust-anchor=bogus.test"])
    m = ask(r, "www.bogus.test.", do=True)
    T.expect(m, "NOERROR")
    eq(answer_of(m, "www.bogus.test.", "A"), ["192.0.2.14"], "NTA answer")
    check(not T.has_flag(m, "AD"), "AD below a negative trust anchor: "
          + T.short(m))
    m = ask(r, "www.sec.test.", do=True)
    check(T.has_flag(m, "AD"), "AD lost outside the NTA: " + T.short(m))


@dv_only
def dnssec_keys_cached_between_names():
    """The chain of trust is built once: a second name in a zone whose
    keys are known sends no DS or DNSKEY query."""
    n = net()
    r = resolver(dnssec=True)
    m = ask(r, "www.sec.test.", do=True)
    check(T.has_flag(m, "AD"), "first answer not secure: " + T.short(m))
    n.settle()
    t0 = time.time()
    m = ask(r, "final.sec.test.", do=True)
    check(T.has_flag(m, "AD"), "second answer not secure: " + T.short(m))
    n.settle()
    log = n.query_log(since=t0)
    keyq = [q for q in log if q[1] in ("DS", "DNSKEY")
            and "settle-" not in q[0]]
    eq(keyq, [], "key queries for a second name of a known zone")
    check(("final.sec.test.", "A") in log, "final.sec.test not asked: %r"
          % log)


@dv_only
def dnssec_through_a_forwarder():
    """Validation when forwarding: dnsvizor --dnssec --server=<a plain
    recursive dnsvizor>: DS and DNSKEY come through the forwarder (with
    CD=1 so it hands over bogus data for us to judge)."""
    n = net()
    up = resolver()                    # recursive, not validating
    r = T.Server(args=["--no-resolv", "--dnssec", "--allow-loopback-upstream",
                       "--trust-anchor-file=" + n.trust_anchor_path,
                       "--server=127.0.0.1#%d" % up.port,
                       "--state-dir=" + T.tmpdir()])
    try:
        m = ask(r, "www.sec.test.", do=True)
        T.expect(m, "NOERROR")
        check(T.has_flag(m, "AD"), "no AD via forwarder: " + T.short(m))
        m = ask(r, "nope.nsec3.test.", do=True)
        T.expect(m, "NXDOMAIN")
        check(T.has_flag(m, "AD"), "no AD on NXDOMAIN via forwarder: "
              + T.short(m))
        m = ask(r, "www.insecure.test.", do=True)
        T.expect(m, "NOERROR")
        check(not T.has_flag(m, "AD"), "AD for insecure via forwarder")
        m = ask(r, "www.bogus.test.", do=True)
        T.expect(m, "SERVFAIL")
        check(6 in ede_codes(m), "no EDE 6 via forwarder: %r" % ede_codes(m))
    finally:
        r.stop()


@dv_only
def dnssec_downstream_validator_accepts_our_answers():
    """A validating unbound forwarding to dnsvizor --dnssec validates what
    dnsvizor hands out to DO clients: RRSIGs with the data, NSEC/NSEC3
    proofs with negative and wildcard answers."""
    n = net()
    r = resolver(dnssec=True)
    d = T.tmpdir()
    port = T.free_port()
    conf = os.path.join(d, "unbound.conf")
    T.write(conf, "server:\n"
            "  interface: 127.0.0.1@%d\n  port: %d\n"
            "  username: \"\"\n  chroot: \"\"\n  directory: \"%s\"\n"
            "  pidfile: \"%s/unbound.pid\"\n  use-syslog: no\n"
            "  logfile: \"\"\n  num-threads: 1\n  do-ip6: no\n"
            "  do-not-query-localhost: no\n  ede: yes\n"
            "  local-zone: \"test.\" nodefault\n"
            "  module-config: \"validator iterator\"\n"
            "  trust-anchor-file: \"%s\"\n"
            "forward-zone:\n  name: \".\"\n  forward-addr: 127.0.0.1@%d\n"
            "remote-control:\n  control-enable: no\n"
            % (port, port, d, d, n.trust_anchor_path, r.port))
    log = open(os.path.join(d, "log"), "wb")
    p = subprocess.Popen(["unbound", "-d", "-c", conf], stdout=log,
                         stderr=log, start_new_session=True)
    try:
        class U:
            pass
        u = U()
        u.addr = lambda v6=False: "127.0.0.1"
        u.port = port
        deadline = time.monotonic() + 10
        while True:
            try:
                ask(u, "version.server.", "TXT", timeout=0.3)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise T.TestFailure("unbound did not start")
                time.sleep(0.05)
        for name, rdtype, rcode in (("www.sec.test.", "A", "NOERROR"),
                                    ("nope.sec.test.", "A", "NXDOMAIN"),
                                    ("www.sec.test.", "MX", "NOERROR"),
                                    ("a.wild.sec.test.", "A", "NOERROR"),
                                    ("www.nsec3.test.", "A", "NOERROR"),
                                    ("nope.nsec3.test.", "A", "NXDOMAIN"),
                                    ("alias.nsec3.test.", "A", "NOERROR")):
            m = ask(u, name, rdtype, do=True)
            T.expect(m, rcode)
            check(T.has_flag(m, "AD"), "unbound behind dnsvizor did not "
                  "validate %s %s: %s" % (name, rdtype, T.short(m)))
        m = ask(u, "www.insecure.test.", do=True)
        T.expect(m, "NOERROR")
        check(not T.has_flag(m, "AD"), "AD for insecure: " + T.short(m))
    finally:
        p.terminate()
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)
        log.close()



# ------------------------------------------------ upstream query hygiene ---

@dv_only
def out_of_bailiwick_data_not_used():
    """A (hostile) server of insecure.test. adds records for names it is
    not authoritative for, in every section: none of them is cached or
    given to clients; the real data of those names is resolved from their
    own servers.  Also a reply from the right address with a wrong id or
    question is ignored (spoofing, RFC 5452)."""
    import socket
    import threading
    import dns.rrset
    n = net()
    r = resolver()
    addr = n.addr_of("insecure.test.")
    n.stop_server("insecure.test.")
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((addr, 53))
    sock.settimeout(0.2)
    stop = []

    def serve():
        while not stop:
            try:
                data, peer = sock.recvfrom(4096)
            except socket.timeout:
                continue
            try:
                q = dns.message.from_wire(data)
            except Exception:
                continue
            bad = dns.message.make_response(q)     # wrong id first
            bad.id ^= 0x4242
            bad.answer.append(dns.rrset.from_text(q.question[0].name, 300,
                                                  "IN", "A", "6.6.6.1"))
            sock.sendto(bad.to_wire(), peer)
            m = dns.message.make_response(q)
            m.flags |= dns.flags.AA
            qn = q.question[0].name
            if q.question[0].rdtype == dns.rdatatype.A:
                m.answer.append(dns.rrset.from_text(qn, 300, "IN", "A",
                                                    "192.0.2.213"))
            m.answer.append(dns.rrset.from_text("www.sec.test.", 300, "IN",
                                                "A", "6.6.6.6"))
            m.authority.append(dns.rrset.from_text("sec.test.", 300, "IN",
                                                   "NS", "ns.evil.invalid."))
            m.additional.append(dns.rrset.from_text("ns1.sec.test.", 300,
                                                    "IN", "A", "6.6.6.7"))
            m.additional.append(dns.rrset.from_text("final.sec.test.", 300,
                                                    "IN", "A", "6.6.6.8"))
            sock.sendto(m.to_wire(), peer)

    th = threading.Thread(target=serve, daemon=True)
    th.start()
    try:
        m = ask(r, "www.insecure.test.")
        T.expect(m, "NOERROR")
        eq(answer_of(m, "www.insecure.test.", "A"), ["192.0.2.213"],
           "the in-bailiwick answer of the fake server")
        check("6.6.6" not in T.short(m), "foreign data handed out: "
              + T.short(m))
        for name, want in (("www.sec.test.", "192.0.2.11"),
                           ("final.sec.test.", "192.0.2.99")):
            m = ask(r, name)
            T.expect(m, "NOERROR")
            eq(answer_of(m, name, "A"), [want], name + " from its own zone")
    finally:
        stop.append(1)
        th.join(2)
        sock.close()
        n.start_server("insecure.test.")


@case
def upstream_queries_random_ids_ports_edns():
    n = net()
    r = resolver()
    n.settle()
    since = time.time()
    for z in ("sec.test.", "insecure.test.", "nsec3.test.", "b.test.",
              "a.example."):
        ask(r, "www." + z)
    n.settle()
    qs = [d for d in n.query_details(since=since)
          if not d["msg"].question[0].name.to_text().startswith("settle-")]
    check(len(qs) >= 6, "too few upstream queries captured: %d" % len(qs))
    ids = {d["msg"].id for d in qs}
    ports = {d["sport"] for d in qs}
    check(len(ids) >= len(qs) - 1, "query IDs repeat: %d distinct of %d"
          % (len(ids), len(qs)))
    check(len(ports) >= len(qs) // 2,
          "source ports not randomised: %d distinct of %d: %r"
          % (len(ports), len(qs), sorted(ports)))
    check(53 not in ports, "queries sent from port 53")
    for d in qs:
        m = d["msg"]
        check(not (m.flags & dns.flags.RD), "RD=1 in an iterative query: %s"
              % m.question[0])
        check(m.edns == 0 and m.payload == 1232,
              "EDNS not version 0 / 1232: edns=%s payload=%s (%s)"
              % (m.edns, m.payload, m.question[0]))


@case
def startup_sends_nothing():
    n = net()
    n.settle()
    since = time.time()
    # (--dnssec is refused until validation is wired into the iterator)
    r = resolver(dnssec=False)
    time.sleep(1.5)
    n.settle()
    sent = [x for x in n.query_log(since=since)
            if not x[0].startswith("settle-")]
    eq(sent, [], "queries sent at start-up with no client query")
    check(r.alive(), "resolver died")


# ------------------------------------------ expiry, stale, persistence ---

@case
def short_ttl_expires_and_refetches():
    n = net()
    r = resolver()
    m = ask(r, "short.insecure.test.")
    T.expect(m, "NOERROR")
    eq(answer_of(m, "short.insecure.test.", "A"), ["192.0.2.113"], "answer")
    time.sleep(netsim.SHORT_TTL + 1.2)
    n.settle()
    since = time.time()
    m = ask(r, "short.insecure.test.")
    T.expect(m, "NOERROR")
    n.settle()
    check(("short.insecure.test.", "A") in n.query_log("insecure.test.",
                                                       since),
          "expired entry not fetched again")


@dv_only
def prefetch_refreshes_popular_entry_before_expiry():
    """A popular answer hit in the last 10% of its TTL is fetched again
    before it expires (prefetch): the upstream sees the query while the
    cached answer is still fresh, i.e. not caused by a client's miss."""
    n = net()
    r = resolver()
    ask(r, "www.insecure.test.")   # delegations cached: the name below
    n.settle()                     # then costs one quick upstream query
    t0 = time.time()
    start = time.monotonic()
    m = ask(r, "short.insecure.test.")
    T.expect(m, "NOERROR")
    for _ in range(3):                       # popular: hit more than twice
        ask(r, "short.insecure.test.")
    while time.monotonic() - start < 1.6:
        time.sleep(0.02)
    while time.monotonic() - start < 1.9:    # hits in the last 10%
        m = ask(r, "short.insecure.test.")
        T.expect(m, "NOERROR")
        time.sleep(0.03)
    n.settle()
    times = [d["time"] for d in n.query_details("insecure.test.", t0 + 0.5)
             if d["msg"].question and
             d["msg"].question[0].name.to_text().lower() ==
             "short.insecure.test."]
    check(any(t < t0 + 2.0 for t in times),
          "no refresh before expiry (upstream queries at %r, t0 %.2f)"
          % (times, t0))


@case
def serve_stale_when_upstream_stopped():
    n = net()
    r = resolver(extra=["--use-stale-cache"])
    m = ask(r, "short.insecure.test.")
    T.expect(m, "NOERROR")
    n.stop_server("insecure.test.")
    try:
        time.sleep(netsim.SHORT_TTL + 1.2)
        try:
            m = ask(r, "short.insecure.test.", timeout=5)
        except dns.exception.Timeout:
            raise T.TestFailure("no answer within 5s with stale data cached")
        T.expect(m, "NOERROR")
        eq(answer_of(m, "short.insecure.test.", "A"), ["192.0.2.113"],
           "stale answer")
        ttl = T.find(m.answer, "short.insecure.test.", "A").ttl
        check(0 < ttl <= 30, "stale TTL %d not in 1..30 (RFC 8767)" % ttl)
    finally:
        n.start_server("insecure.test.")


@dv_only
def cache_survives_restart():
    n = net()
    r = resolver()
    m = ask(r, "www.insecure.test.", "TXT")
    T.expect(m, "NOERROR")
    rc, killed = r.stop()
    check(rc == 0 and not killed, "stop: exit %s killed %s" % (rc, killed))
    n.stop_server("insecure.test.")
    try:
        n.settle()
        # stopped for over a second: the restored entry must show the time
        # spent down (a restart within the same second keeps TTL 300)
        time.sleep(1.1)
        r.start()
        m = ask(r, "www.insecure.test.", "TXT")
        T.expect(m, "NOERROR")
        eq(answer_of(m, "www.insecure.test.", "TXT"),
           ['"insecure.test."'], "answer from the persisted cache")
        check(T.find(m.answer, "www.insecure.test.", "TXT").ttl
              < netsim.TTL, "TTL not decreased across the restart")
    finally:
        n.start_server("insecure.test.")


# --------------------------------------------------------- local zones ---

LOCAL_SEC = {"sec.test.": (
    "$ORIGIN sec.test.\n$TTL 60\n"
    "@ SOA ns.sec.test. h.sec.test. 1 3600 600 86400 60\n"
    "@ NS ns.sec.test.\nns A 192.0.2.1\nwww A 198.51.100.7\n")}

@dv_only
def local_zone_wins_over_recursion():
    n = net()
    r = resolver(zones=LOCAL_SEC)
    n.settle()
    since = time.time()
    m = ask(r, "www.sec.test.")
    T.expect(m, "NOERROR", aa=True)
    eq(answer_of(m, "www.sec.test.", "A"), ["198.51.100.7"],
       "local data")
    m = ask(r, "nope.sec.test.")
    T.expect(m, "NXDOMAIN", aa=True)
    n.settle()
    eq([x for x in n.query_log(since=since)
        if not x[0].startswith("settle-")], [],
       "upstream queries for names of a local zone")


@dv_only
def recursion_chain_into_local_zone():
    """A CNAME chain from the internet that leads into a local zone ends
    in the local data (RFC 6604: the rcode is the last name's), and the
    local zone's servers on the internet are not asked."""
    n = net()
    r = resolver(zones=LOCAL_SEC)
    m = ask(r, "www.insecure.test.")
    T.expect(m, "NOERROR", aa=False)
    eq(answer_of(m, "www.insecure.test.", "A"), ["192.0.2.13"],
       "recursion beside a local zone")
    n.settle()
    since = time.time()
    m = ask(r, "www.a.example.")
    T.expect(m, "NXDOMAIN")
    eq(answer_of(m, "www.b.test.", "CNAME"), ["final.sec.test."],
       "the chain up to the local zone")
    eq(answer_of(m, "final.sec.test.", "A"), [],
       "final.sec.test. must come from the local zone (NXDOMAIN there)")
    check(T.find(m.authority, "sec.test.", "SOA") is not None and
          "h.sec.test." in T.short(m), "local SOA missing: " + T.short(m))
    n.settle()
    asked = [x for x in n.query_log(zone="sec.test.", since=since)]
    eq(asked, [], "queries to the internet's sec.test. servers")
    # with validation on, the local end of the chain is insecure, not bogus
    r = resolver(zones=LOCAL_SEC, dnssec=True)
    m = ask(r, "www.a.example.", do=True)
    T.expect(m, "NXDOMAIN")
    check(not T.has_flag(m, "AD"), "AD on local data: " + T.short(m))


if __name__ == "__main__":
    try:
        T.run()
    finally:
        rtest.shutdown()
