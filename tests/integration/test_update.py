"""RFC 2136 dynamic updates with real nsupdate (unsigned, allowed by an
address rule), checked with queries.  TSIG-signed updates and the per-key
rules are in test_update_tsig.py."""
import os
import subprocess
import sys

import dns.message
import dns.query
import dns.rdatatype

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dvtest import (Server, case, check, dig, eq, kdig,  # noqa: E402
                    rdatas, run, tmpdir)

ZONE = ("$TTL 300\n$ORIGIN example.com.\n"
        "@ IN SOA ns1 hostmaster 10 7200 3600 1209600 300\n"
        "  IN NS ns1\n  IN NS ns2\n"
        "ns1 IN A 192.0.2.1\nns2 IN A 192.0.2.2\n"
        "www IN A 192.0.2.10\nwww IN TXT \"hello\"\n"
        "alias IN CNAME www\n")


def server(*args):
    return Server(zones={"example.com": ZONE},
                  args=["--state-dir=" + tmpdir()] + list(args))


def nsupdate(s, lines, key=None):
    """Run nsupdate with the commands; returns (exit code, output)."""
    argv = ["nsupdate", "-t", "3", "-u", "3"]
    if key:
        argv += ["-y", key]
    script = "server 127.0.0.1 %d\nzone example.com\n%s\nsend\n" % (
        s.port, "\n".join(lines))
    p = subprocess.run(argv, input=script.encode(), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=20)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def a_of(s, name, rtype="A"):
    return sorted(rdatas(s.query(name, rtype).answer, name, rtype))


def serial(s):
    r = s.query("example.com.", "SOA")
    return int(rdatas(r.answer, "example.com.", "SOA")[0].split()[2])


def ok(res, what):
    check(res[0] == 0, "%s: nsupdate failed: %s" % (what, res[1]))


def fails(res, rcode, what):
    check(res[0] != 0 and rcode in res[1],
          "%s: want %s, got rc %d: %s" % (what, rcode, res[0], res[1]))


@case
def add_delete_unsigned_address_rule():
    s = server("--allow-update=example.com,127.0.0.1")
    ok(nsupdate(s, ["update add new.example.com 300 A 192.0.2.77",
                    "update add new.example.com 300 TXT \"t\""]), "add")
    eq(a_of(s, "new.example.com."), ["192.0.2.77"], "added A")
    eq(serial(s), 11, "serial bumped")
    ok(nsupdate(s, ["update delete new.example.com A"]), "delete rrset")
    eq(a_of(s, "new.example.com."), [], "A gone")
    eq(len(a_of(s, "new.example.com.", "TXT")), 1, "TXT kept")
    ok(nsupdate(s, ["update delete new.example.com"]), "delete name")
    eq(s.query("new.example.com.", "TXT").rcode(), 3, "name gone")
    ok(nsupdate(s, ["update delete www.example.com A 192.0.2.10"]),
       "delete rr")
    eq(a_of(s, "www.example.com."), [], "www A gone")
    eq(serial(s), 14, "one bump per changing update")
    # apex: NS and SOA survive a delete of the name
    ok(nsupdate(s, ["update delete example.com"]), "delete apex")
    eq(len(a_of(s, "example.com.", "NS")), 2, "apex NS kept")


@case
def prerequisites_give_the_right_rcode():
    s = server("--allow-update=example.com,127.0.0.0/8")
    add = "update add p.example.com 300 A 192.0.2.5"
    fails(nsupdate(s, ["prereq yxdomain nope.example.com", add]),
          "NXDOMAIN", "yxdomain")
    fails(nsupdate(s, ["prereq nxdomain www.example.com", add]),
          "YXDOMAIN", "nxdomain")
    fails(nsupdate(s, ["prereq yxrrset www.example.com MX", add]),
          "NXRRSET", "yxrrset")
    fails(nsupdate(s, ["prereq nxrrset www.example.com A", add]),
          "YXRRSET", "nxrrset")
    fails(nsupdate(s, ["prereq yxrrset www.example.com A 192.0.2.99",
                       add]), "NXRRSET", "value-dependent")
    eq(a_of(s, "p.example.com."), [], "nothing applied")
    eq(serial(s), 10, "serial unchanged")
    ok(nsupdate(s, ["prereq yxrrset www.example.com A 192.0.2.10",
                    "prereq nxdomain p.example.com", add]), "all hold")
    eq(a_of(s, "p.example.com."), ["192.0.2.5"], "applied")


@case
def cname_rules_and_refusals():
    s = server("--allow-update=example.com,127.0.0.1")
    ok(nsupdate(s, ["update add alias.example.com 300 A 192.0.2.3"]),
       "ignored add")
    eq(a_of(s, "alias.example.com.", "CNAME"), ["www.example.com."],
       "CNAME kept")
    eq(serial(s), 10, "no change, no bump")
    fails(nsupdate(s, ["update add x.example.org 300 A 192.0.2.3"]),
          "NOTZONE", "notzone")
    t = server()
    fails(nsupdate(t, ["update add y.example.com 300 A 192.0.2.3"]),
          "REFUSED", "no rule")
    u = server("--allow-update=example.com,10.0.0.0/8")
    fails(nsupdate(u, ["update add y.example.com 300 A 192.0.2.3"]),
          "REFUSED", "other address")
    eq(a_of(u, "y.example.com."), [], "refused update not applied")


def served(s, name, rtype):
    """(ANCOUNT, raw reply): dnspython merges RRs that are equal in
    canonical form when it parses, so count them on the wire."""
    q = dns.message.make_query(name, rtype)
    r = s.raw_udp(q.to_wire())
    return int.from_bytes(r[6:8], "big"), r


def ixfr_texts(s, since):
    """The RRs of an IXFR from serial since, as 'op owner type rdata'."""
    out, op, soas = [], "", 0
    for m in dns.query.xfr("127.0.0.1", "example.com.", port=s.port,
                           rdtype=dns.rdatatype.IXFR, serial=since,
                           timeout=5, relativize=False):
        for rrset in m.answer:
            for rd in rrset:
                if rrset.rdtype == dns.rdatatype.SOA:
                    soas += 1
                    op = "-" if soas % 2 == 0 else "+"
                    continue
                out.append("%s %s %s %s" % (
                    op, rrset.name, dns.rdatatype.to_text(rrset.rdtype),
                    rd.to_text()))
    return out


@case
def rdata_names_compare_case_insensitively():
    """RFC 4034 6.2 / RFC 2136 1.1.1: MX 10 some.domain and MX 10
    Some.Domain are one RR: one is kept (the first spelling), an update
    adding another spelling changes nothing, prerequisites and deletes
    match any spelling, and the journal/IXFR deletes the stored one."""
    zone = ZONE + ("mx IN MX 10 some.domain.\n"
                   "mx IN MX 10 Some.Domain.\n"
                   "mx IN MX 10 SOME.DOMAIN.\n"
                   "mx IN MX 20 some.domain.\n"
                   "srv IN SRV 1 2 3 Target.example.com.\n"
                   "srv IN SRV 1 2 3 target.example.com.\n"
                   "txt IN TXT \"a\"\ntxt IN TXT \"A\"\n")
    s = Server(zones={"example.com": zone},
               args=["--state-dir=" + tmpdir(),
                     "--allow-update=example.com,127.0.0.1",
                     "--allow-transfer=example.com,127.0.0.1"])
    n, r = served(s, "mx.example.com.", "MX")
    eq(n, 2, "zone file: MX RRs served")
    check(b"\x04some" in r and b"\x04Some" not in r
          and b"\x04SOME" not in r, "first spelling kept: %r" % r)
    n, r = served(s, "srv.example.com.", "SRV")
    eq(n, 1, "SRV RRs served")
    check(b"\x06Target" in r, "first SRV spelling kept: %r" % r)
    eq(served(s, "txt.example.com.", "TXT")[0], 2, "TXT data is no name")
    ok(nsupdate(s, ["update add mx.example.com 300 MX 10 SoMe.DoMaIn."]),
       "add other spelling")
    n, r = served(s, "mx.example.com.", "MX")
    eq(n, 2, "no second copy")
    check(b"\x04SoMe" not in r, "stored spelling stays: %r" % r)
    eq(serial(s), 10, "a no-op update keeps the serial")
    ok(nsupdate(s, ["prereq yxrrset mx.example.com MX 10 SOME.domain.",
                    "prereq yxrrset mx.example.com MX 20 Some.Domain.",
                    "update add p.example.com 300 A 192.0.2.5"]),
       "value-dependent prerequisite, other spelling")
    eq(a_of(s, "p.example.com."), ["192.0.2.5"], "prerequisite held")
    eq(serial(s), 11, "serial after the add")
    ok(nsupdate(s, ["update delete mx.example.com MX 10 SOME.DOMAIN."]),
       "delete by other spelling")
    eq(served(s, "mx.example.com.", "MX")[0], 1, "deleted")
    eq(serial(s), 12, "serial after the delete")
    eq(ixfr_texts(s, 11), ["- mx.example.com. MX 10 some.domain."],
       "IXFR deletes the stored spelling")


SIGB = ("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKiss"
        "LS4vMDEyMzQ1Njc4OTo7PD0+Pw==")


def sig(covered, ttl, tag, owner="@", labels=2):
    return ("%s %d IN RRSIG %s 13 %d %d 20300101000000 20200101000000 %d "
            "example.com. %s" % (owner, ttl, covered, labels, ttl, tag, SIGB))


def sig_ttls(sections):
    """{(owner, covered type): TTL} of the RRSIG RRsets in dnspython
    sections (dnspython keeps one RRset per covered type)."""
    out = {}
    for sec in sections:
        for rrset in sec:
            if rrset.rdtype == dns.rdatatype.RRSIG:
                out[(rrset.name.to_text(),
                     dns.rdatatype.to_text(rrset.covers))] = rrset.ttl
    return out


def axfr_sig_ttls(s):
    return sig_ttls(m.answer for m in dns.query.xfr(
        "127.0.0.1", "example.com.", port=s.port, timeout=5,
        relativize=False))


def kdig_sig_ttls(out):
    """{(owner, covered type): [TTLs]} from dig's or kdig's output."""
    res = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) > 4 and f[2] == "IN" and f[3] == "RRSIG":
            res.setdefault((f[0], f[4]), []).append(int(f[1]))
    return res


@case
def rrsig_ttls_per_covered_type():
    """Issue 13: RRSIGs are kept per covered type with their own TTL (the
    apex RRSIG SOA 3600 beside RRSIG NSEC3PARAM 0 was served, transferred
    and journalled with TTL 0); an update adding an RRSIG changes only the
    RRSIGs of its covered type, and IXFR carries just that RR."""
    zone = ("$ORIGIN example.com.\n"
            "@ 3600 IN SOA ns1 hostmaster 10 7200 3600 1209600 300\n"
            "@ 3600 IN NS ns1\n"
            "@ 0 IN NSEC3PARAM 1 0 0 -\n"
            "ns1 600 IN A 192.0.2.1\n" +
            sig("SOA", 3600, 1) + "\n" + sig("NS", 3600, 1) + "\n" +
            sig("NSEC3PARAM", 0, 1) + "\n" +
            sig("A", 600, 1, owner="ns1", labels=3) + "\n")
    args = ["--state-dir=" + tmpdir(),
            "--allow-update=example.com,127.0.0.1",
            "--allow-transfer=example.com,127.0.0.1"]
    s = Server(zones={"example.com": zone}, args=args)
    apex = {("example.com.", "SOA"): 3600, ("example.com.", "NS"): 3600,
            ("example.com.", "NSEC3PARAM"): 0}
    r = s.query("example.com.", "RRSIG")
    eq(sig_ttls([r.answer]), apex, "qtype RRSIG, DO=0")
    r = s.query("example.com.", "RRSIG", edns=0, want_dnssec=True, tcp=True)
    eq(sig_ttls([r.answer]), apex, "qtype RRSIG, DO=1")
    rc, out, _ = dig(s, "example.com.", "RRSIG", "+norec", "+dnssec")
    eq(kdig_sig_ttls(out), {k: [v] for k, v in apex.items()},
       "dig RRSIG: %s" % out)
    r = s.query("example.com.", "SOA", edns=0, want_dnssec=True)
    eq(sig_ttls([r.answer]), {("example.com.", "SOA"): 3600}, "DO=1 SOA")
    r = s.query("example.com.", "NSEC3PARAM", edns=0,
                want_dnssec=True)
    eq(sig_ttls([r.answer]), {("example.com.", "NSEC3PARAM"): 0},
       "DO=1 NSEC3PARAM")
    full = dict(apex)
    full[("ns1.example.com.", "A")] = 600
    eq(axfr_sig_ttls(s), full, "AXFR (dnspython)")
    rc, out, _ = kdig(s, "example.com.", "AXFR")
    eq(kdig_sig_ttls(out), {("example.com.", "SOA"): [3600],
                            ("example.com.", "NS"): [3600],
                            ("example.com.", "NSEC3PARAM"): [0],
                            ("ns1.example.com.", "A"): [600]},
       "AXFR (kdig): %s" % out)
    # a second RRSIG SOA (another key): only the RRSIG SOA RRset grows
    ok(nsupdate(s, ["update add " + sig("SOA", 3600, 2, "example.com.")]),
       "add RRSIG SOA")
    eq(serial(s), 11, "serial after adding an RRSIG")
    r = s.query("example.com.", "RRSIG")
    eq(sig_ttls([r.answer]), apex, "qtype RRSIG after the update")
    eq(len(find_sigs(r.answer, "SOA")), 2, "two RRSIG SOA")
    eq(ixfr_ttl_texts(s, 10),
       ["+ example.com. 3600 RRSIG SOA 2"], "IXFR: the one added RRSIG")
    # a deletion by rdata goes to its covered type's RRset
    ok(nsupdate(s, ["update delete " +
                    sig("NSEC3PARAM", 0, 1, "example.com.")]),
       "delete RRSIG NSEC3PARAM")
    r = s.query("example.com.", "RRSIG")
    want = dict(apex)
    del want[("example.com.", "NSEC3PARAM")]
    eq(sig_ttls([r.answer]), want, "RRSIG NSEC3PARAM gone")
    eq(ixfr_ttl_texts(s, 11),
       ["- example.com. 0 RRSIG NSEC3PARAM 1"], "IXFR: the deleted RRSIG")
    full.pop(("example.com.", "NSEC3PARAM"))
    eq(axfr_sig_ttls(s), full, "AXFR after the updates")
    # deleting the RRSIG "RRset" (RFC 2136 type RRSIG) takes them all
    ok(nsupdate(s, ["update delete ns1.example.com RRSIG"]),
       "delete every RRSIG of a name")
    eq(sig_ttls([s.query("ns1.example.com.", "RRSIG").answer]), {},
       "no RRSIG left at ns1")
    # a restart replays the journal into the same RRsets
    full.pop(("ns1.example.com.", "A"))
    s.stop()
    s = Server(zones={"example.com": zone}, args=args)
    eq(serial(s), 13, "serial after the restart")
    eq(axfr_sig_ttls(s), full, "AXFR after the restart")
    eq(len(find_sigs(s.query("example.com.", "RRSIG").answer, "SOA")), 2,
       "two RRSIG SOA after the restart")


def find_sigs(section, covered):
    return [rd for rrset in section if rrset.rdtype == dns.rdatatype.RRSIG
            and dns.rdatatype.to_text(rrset.covers) == covered
            for rd in rrset]


def ixfr_ttl_texts(s, since):
    """The RRSIGs of an IXFR from serial since, as 'op owner TTL RRSIG
    covered keytag'."""
    out, op, soas = [], "", 0
    for m in dns.query.xfr("127.0.0.1", "example.com.", port=s.port,
                           rdtype=dns.rdatatype.IXFR, serial=since,
                           timeout=5, relativize=False):
        for rrset in m.answer:
            for rd in rrset:
                if rrset.rdtype == dns.rdatatype.SOA:
                    soas += 1
                    op = "-" if soas % 2 == 0 else "+"
                    continue
                if rrset.rdtype == dns.rdatatype.RRSIG:
                    out.append("%s %s %d RRSIG %s %d" % (
                        op, rrset.name, rrset.ttl,
                        dns.rdatatype.to_text(rd.type_covered),
                        rd.key_tag))
    return sorted(out)


run()
