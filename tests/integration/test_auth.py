"""Authoritative answers from zone files and dnsmasq-style local data,
against the real binary, with dnspython, dig and kdig as clients."""
import os
import struct
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dvtest import (DATA, Server, Shared, case, check, eq, expect, find,
                    rdatas, rrsets, short, dig, kdig, run, has_flag, rcode,
                    header, question)  # noqa: E402

import dns.flags  # noqa: E402
import dns.message  # noqa: E402
import dns.opcode  # noqa: E402
import dns.rdataclass  # noqa: E402
import dns.rdatatype  # noqa: E402


def read(name):
    with open(os.path.join(DATA, name)) as f:
        return f.read()


def zone_server(extra=()):
    # authoritative only: names outside the zones are REFUSED
    return Server(conf=["no-recursion"] + list(extra), zones={
        "example.com": read("example.com.zone"),
        "sub.example.com": read("sub.example.com.zone")})


AUTH = Shared(zone_server)
NOIDENT = Shared(lambda: zone_server(["no-ident"]))


def q(name, qtype="A", **kw):
    return AUTH.get().query(name, qtype, **kw)


SOA_EX = ("ns1.example.com. hostmaster.example.com. "
          "2024010101 7200 3600 1209600 300")


def negative(r, rc, soa_owner="example.com.", ttl=300):
    """NXDOMAIN/NODATA: AA, empty answer, the zone's SOA in authority
    with the RFC 2308 negative TTL."""
    expect(r, rc, aa=True)
    eq(rrsets(r.answer), [], "answer section of %s" % rc)
    soa = find(r.authority, soa_owner, "SOA")
    check(soa is not None, "no SOA of %s in authority: %s" % (soa_owner, short(r)))
    eq(soa.ttl, ttl, "negative TTL (SOA TTL in authority)")


# ------------------------------------------------------------ exact ---

@case
def exact_a_aaaa():
    r = q("example.com", "A")
    expect(r, aa=True)
    eq(rdatas(r.answer, "example.com", "A"), ["192.0.2.1"], "apex A")
    eq(find(r.answer, "example.com", "A").ttl, 3600, "A TTL")
    r = q("example.com", "AAAA")
    expect(r, aa=True)
    eq(rdatas(r.answer, "example.com", "AAAA"), ["2001:db8::1"], "apex AAAA")
    r = q("host.example.com", "A")
    expect(r, aa=True)
    eq(find(r.answer, "host.example.com", "A").ttl, 600, "explicit TTL 600")


@case
def exact_soa_ns():
    r = q("example.com", "SOA")
    expect(r, aa=True)
    eq(rdatas(r.answer, "example.com", "SOA"), [SOA_EX], "SOA rdata")
    r = q("example.com", "NS")
    expect(r, aa=True)
    eq(rdatas(r.answer, "example.com", "NS"),
       ["ns1.example.com.", "ns2.example.com."], "apex NS")
    # additional-section addresses for in-zone NS targets
    eq(rdatas(r.additional, "ns1.example.com", "A"), ["192.0.2.53"], "ns1 glue A")
    eq(rdatas(r.additional, "ns1.example.com", "AAAA"), ["2001:db8::53"],
       "ns1 glue AAAA")
    eq(rdatas(r.additional, "ns2.example.com", "A"), ["192.0.2.54"], "ns2 A")


@case
def exact_mx_additional():
    r = q("example.com", "MX")
    expect(r, aa=True)
    eq(rdatas(r.answer, "example.com", "MX"),
       ["10 mail.example.com.", "20 mx.elsewhere.test."], "MX")
    eq(rdatas(r.additional, "mail.example.com", "A"), ["192.0.2.25"],
       "additional A for MX target")
    eq(rdatas(r.additional, "mail.example.com", "AAAA"), ["2001:db8::25"],
       "additional AAAA for MX target")
    check(find(r.additional, "mx.elsewhere.test", "A") is None,
          "additional data for an out-of-zone MX target")


@case
def exact_srv_additional():
    r = q("_sip._tcp.example.com", "SRV")
    expect(r, aa=True)
    eq(rdatas(r.answer, "_sip._tcp.example.com", "SRV"),
       ["10 60 5060 sip.example.com."], "SRV")
    eq(rdatas(r.additional, "sip.example.com", "A"), ["192.0.2.60"],
       "additional A for SRV target")
    eq(rdatas(r.additional, "sip.example.com", "AAAA"), ["2001:db8::60"],
       "additional AAAA for SRV target")


@case
def exact_txt_caa_unknown():
    r = q("example.com", "TXT")
    expect(r, aa=True)
    eq(rdatas(r.answer, "example.com", "TXT"), ['"v=spf1 -all"'], "TXT")
    r = q("example.com", "CAA")
    expect(r, aa=True)
    eq(rdatas(r.answer, "example.com", "CAA"), ['0 issue "letsencrypt.org"'],
       "CAA")
    r = q("unk.example.com", "TYPE65534")
    expect(r, aa=True)
    got = [x.lower() for x in rdatas(r.answer, "unk.example.com", "TYPE65534")]
    eq(got, ["\\# 4 0a000001"], "unknown type rdata")


# ---------------------------------------------------------- negative ---

@case
def nodata():
    negative(q("host.example.com", "AAAA"), "NOERROR")
    negative(q("example.com", "SRV"), "NOERROR")


@case
def nxdomain():
    negative(q("nope.example.com", "A"), "NXDOMAIN")
    negative(q("a.b.c.nope.example.com", "TXT"), "NXDOMAIN")


@case
def negative_ttl_is_soa_ttl_when_smaller():
    # sub.example.com: SOA TTL 60, minimum 600 -> 60
    negative(q("nope.sub.example.com", "A"), "NXDOMAIN",
             soa_owner="sub.example.com.", ttl=60)
    negative(q("www.sub.example.com", "AAAA"), "NOERROR",
             soa_owner="sub.example.com.", ttl=60)


# ------------------------------------------------------------ CNAME ---

@case
def cname_chain_in_zone():
    r = q("www.example.com", "A")
    expect(r, aa=True)
    eq(rdatas(r.answer, "www.example.com", "CNAME"), ["web.example.com."],
       "first CNAME")
    eq(rdatas(r.answer, "web.example.com", "CNAME"), ["host.example.com."],
       "second CNAME")
    eq(rdatas(r.answer, "host.example.com", "A"), ["192.0.2.80"], "target A")
    eq(len(r.answer), 3, "answer RRsets")


@case
def cname_chain_then_nodata():
    r = q("www.example.com", "AAAA")
    expect(r, aa=True)
    eq(len(r.answer), 2, "two CNAMEs in answer (%s)" % short(r))
    check(find(r.authority, "example.com", "SOA") is not None,
          "SOA in authority after a CNAME chain ending in NODATA: " + short(r))


@case
def cname_query_type_cname():
    r = q("www.example.com", "CNAME")
    expect(r, aa=True)
    eq(rrsets(r.answer), [("www.example.com.", "CNAME", 3600,
                           ["web.example.com."])], "CNAME only")


@case
def cname_loops_terminate():
    for name in ("loop1.example.com", "self.example.com", "a.wl.example.com"):
        for tcp in (False, True):
            r = q(name, "A", tcp=tcp)
            check(rcode(r) in ("NOERROR", "SERVFAIL"),
                  "%s: rcode %s" % (name, rcode(r)))
            check(1 <= len(r.answer) <= 20,
                  "%s: %d answer RRsets for a CNAME loop" % (name, len(r.answer)))
            check(not any(rr.rdtype == dns.rdatatype.A for rr in r.answer),
                  "%s: address in a looping chain" % name)
    check(AUTH.get().alive(), "server died on a CNAME loop")


@case
def max_length_qname():
    # a 255-byte qname inside the zone: NXDOMAIN with SOA, question echoed
    labels = []
    room = 255 - len(b"\x07example\x03com\x00")
    while room > 1:
        n = min(63, room - 1)
        labels.append("a" * n)
        room -= n + 1
    name = ".".join(labels) + ".example.com"
    r = q(name, "A")
    negative(r, "NXDOMAIN")
    eq(len(r.question[0].name.to_wire()), 255, "qname length")


@case
def cname_out_of_zone():
    r = q("ext.example.com", "A")
    expect(r, "NOERROR", aa=True)
    eq(rrsets(r.answer), [("ext.example.com.", "CNAME", 3600,
                           ["www.outside.test."])], "CNAME to outside")


# --------------------------------------------------------- wildcard ---

@case
def wildcard_synthesis():
    r = q("foo.wild.example.com", "A")
    expect(r, aa=True)
    eq(rrsets(r.answer), [("foo.wild.example.com.", "A", 3600,
                           ["192.0.2.99"])], "synthesized A, owner = qname")
    r = q("a.b.wild.example.com", "TXT")
    expect(r, aa=True)
    eq(rrsets(r.answer), [("a.b.wild.example.com.", "TXT", 3600, ['"wild"'])],
       "synthesized TXT two labels deep")
    negative(q("foo.wild.example.com", "AAAA"), "NOERROR")


@case
def wildcard_cname():
    r = q("foo.wc.example.com", "A")
    expect(r, aa=True)
    eq(rdatas(r.answer, "foo.wc.example.com", "CNAME"), ["host.example.com."],
       "synthesized CNAME")
    eq(rdatas(r.answer, "host.example.com", "A"), ["192.0.2.80"],
       "CNAME target")


@case
def wildcard_and_ent():
    r = q("q.w2.example.com", "A")
    expect(r, aa=True)
    eq(rdatas(r.answer, "q.w2.example.com", "A"), ["192.0.2.98"], "*.w2 match")
    # y.w2 exists as an empty non-terminal: NODATA, not the wildcard
    negative(q("y.w2.example.com", "A"), "NOERROR")
    # below the ENT, the closest encloser is y.w2: *.w2 does not apply
    negative(q("z.y.w2.example.com", "A"), "NXDOMAIN")
    r = q("x.y.w2.example.com", "A")
    expect(r, aa=True)
    eq(rdatas(r.answer, "x.y.w2.example.com", "A"), ["192.0.2.97"], "x.y.w2")


@case
def empty_non_terminal():
    negative(q("a.ent.example.com", "A"), "NOERROR")
    negative(q("ent.example.com", "TXT"), "NOERROR")
    negative(q("c.a.ent.example.com", "A"), "NXDOMAIN")


# ------------------------------------------------------- delegation ---

def check_referral(r):
    expect(r, "NOERROR", aa=False)
    eq(rrsets(r.answer), [], "answer of a referral")
    eq(rdatas(r.authority, "child.example.com", "NS"),
       ["ns.child.example.com.", "ns.elsewhere.test."], "NS in authority")
    check(find(r.authority, "example.com", "SOA") is None, "SOA in a referral")
    eq(rdatas(r.additional, "ns.child.example.com", "A"), ["192.0.2.200"],
       "glue A")
    eq(rdatas(r.additional, "ns.child.example.com", "AAAA"), ["2001:db8::200"],
       "glue AAAA")


@case
def referral():
    check_referral(q("www.child.example.com", "A"))
    check_referral(q("child.example.com", "A"))
    check_referral(q("deep.www.child.example.com", "MX"))


@case
def referral_for_ns_at_cut():
    check_referral(q("child.example.com", "NS"))


@case
def ds_at_cut_from_parent():
    r = q("child.example.com", "DS")
    expect(r, "NOERROR", aa=True)
    eq(len(rdatas(r.answer, "child.example.com", "DS")), 1, "DS in answer")
    check(find(r.authority, "child.example.com", "NS") is None,
          "DS answered as a referral")


@case
def glue_not_authoritative():
    # ns.child is glue below the cut: a referral, not an AA answer
    r = q("ns.child.example.com", "A")
    expect(r, "NOERROR", aa=False)
    eq(rrsets(r.answer), [], "glue must not be served as an answer")


# ------------------------------------------------------- two zones ---

@case
def deepest_zone_wins():
    r = q("www.sub.example.com", "A")
    expect(r, aa=True)
    eq(rdatas(r.answer, "www.sub.example.com", "A"), ["192.0.2.151"],
       "answer from sub.example.com")
    r = q("sub.example.com", "SOA")
    expect(r, aa=True)
    eq([x.split()[2] for x in rdatas(r.answer, "sub.example.com", "SOA")],
       ["7"], "serial of sub.example.com")
    r = q("sub.example.com", "NS")
    expect(r, aa=True)
    eq(rdatas(r.answer, "sub.example.com", "NS"), ["ns1.sub.example.com."],
       "NS of the child zone as an AA answer")


@case
def ds_for_served_child_from_parent():
    # RFC 4035 3.1.4.1: DS is answered by the parent zone even if the child
    # zone is served too.  example.com has no DS for sub: NODATA with the
    # parent's SOA.
    negative(q("sub.example.com", "DS"), "NOERROR")


# -------------------------------------------------------------- misc ---

@case
def any_minimal():
    r = q("example.com", "ANY")
    expect(r, "NOERROR", aa=True)
    n = len(r.answer)
    check(1 <= n < 7, "ANY returned %d RRsets; RFC 8482 wants fewer than the "
          "7 that exist: %s" % (n, short(r)))
    negative(q("nope.example.com", "ANY"), "NXDOMAIN")


@case
def chaos_version_bind():
    for name in ("version.bind", "id.server"):
        r = q(name, "TXT", qclass="CH")
        expect(r, "NOERROR")
        check(len(r.answer) == 1, "%s: no answer: %s" % (name, short(r)))
        eq(r.answer[0].rdclass, dns.rdataclass.CH, "class of %s answer" % name)
        eq(r.answer[0].rdtype, dns.rdatatype.TXT, "type of %s answer" % name)


@case
def chaos_no_ident_refused():
    s = NOIDENT.get()
    for name in ("version.bind", "id.server"):
        r = s.query(name, "TXT", qclass="CH")
        expect(r, "REFUSED")
        eq(len(r.answer), 0, "answer with --no-ident")


@case
def out_of_zone_refused():
    for name in ("www.notours.test", "com", "example.net"):
        r = q(name, "A")
        expect(r, "REFUSED")
        eq(len(r.answer), 0, "answer for %s" % name)


@case
def opcode_notimp():
    s = AUTH.get()
    m = dns.message.make_query("example.com", "A")
    m.set_opcode(dns.opcode.STATUS)
    r = s.send_msg(m)
    eq(r.id, m.id, "id")
    expect(r, "NOTIMP")
    eq(dns.opcode.from_flags(r.flags), dns.opcode.STATUS, "opcode echoed")
    for op in (3, 7, 15):   # unassigned opcodes, as raw packets
        pkt = header(id=0x5150 + op, flags=op << 11) + question("example.com")
        resp = s.raw_udp(pkt, timeout=2)
        check(resp is not None, "no answer for opcode %d" % op)
        id_, flags = struct.unpack("!HH", resp[:4])
        eq(id_, 0x5150 + op, "id for opcode %d" % op)
        check(flags & 0x8000, "QR not set for opcode %d" % op)
        eq((flags >> 11) & 0xF, op, "opcode echoed")
        eq(flags & 0xF, 4, "rcode for opcode %d (NOTIMP)" % op)


@case
def header_bits():
    """ID, RD and CD copied from the query; RA and AD clear (no recursion,
    no DNSSEC yet); query class ANY/NONE for zone data is not answered
    with zone data from another class."""
    s = AUTH.get()
    for rd, cd in ((True, False), (False, True), (True, True)):
        m = dns.message.make_query("example.com", "SOA", use_edns=False)
        m.flags = (dns.flags.RD if rd else 0) | (dns.flags.CD if cd else 0)
        r = s.send_msg(m)
        eq(r.id, m.id, "id")
        expect(r, aa=True)
        eq(has_flag(r, "RD"), rd, "RD copied")
        eq(has_flag(r, "CD"), cd, "CD copied")
        check(not has_flag(r, "RA"), "RA set by an authoritative-only server")
        check(not has_flag(r, "AD"), "AD set without DNSSEC")
    r = q("example.com", "SOA", qclass="CH")
    check(rcode(r) != "NOERROR" or not r.answer,
          "IN zone data answered for class CH: " + short(r))


@case
def case_preserved_in_question():
    s = AUTH.get()
    qname = "WwW.ExAmPle.CoM"
    pkt = header(id=0x4242, flags=0) + question(qname, 1, 1)
    resp = s.raw_udp(pkt, timeout=2)
    check(resp is not None, "no answer")
    qlen = len(question(qname, 1, 1))
    eq(resp[12:12 + qlen], pkt[12:], "question bytes (case preserved)")
    r = dns.message.from_wire(resp)
    expect(r, aa=True)
    eq(rdatas(r.answer, "host.example.com", "A"), ["192.0.2.80"],
       "case-insensitive lookup through the CNAME chain")


@case
def tcp_answers_same():
    for name, t in (("www.example.com", "A"), ("nope.example.com", "A"),
                    ("www.child.example.com", "A")):
        u = q(name, t)
        tc = q(name, t, tcp=True)
        eq(short(tc), short(u), "TCP vs UDP answer for %s" % name)


@case
def dig_clients():
    s = AUTH.get()
    rc, out, p = dig(s, "example.com", "SOA")
    eq(rc, 0, "dig exit code")
    eq(p["status"], "NOERROR", "dig status")
    check("aa" in p["flags"], "dig: aa not in flags: " + out)
    rc, out, p = dig(s, "+tcp", "www.example.com", "A")
    eq(p["status"], "NOERROR", "dig +tcp status")
    eq(p["answer"], 3, "dig +tcp answer count")
    rc, out, p = dig(s, "nope.example.com", "A")
    eq(p["status"], "NXDOMAIN", "dig NXDOMAIN status")
    rc, out, p = dig(s, "www.child.example.com", "A")
    eq(p["status"], "NOERROR", "dig referral status")
    check("aa" not in p["flags"], "dig: aa set on a referral")
    rc, out, p = dig(s, "version.bind", "CH", "TXT")
    eq(p["status"], "NOERROR", "dig version.bind status")


@case
def kdig_clients():
    s = AUTH.get()
    rc, out, p = kdig(s, "example.com", "SOA")
    eq(rc, 0, "kdig exit code (%s)" % out)
    eq(p["status"], "NOERROR", "kdig status")
    check("aa" in p["flags"], "kdig: aa not in flags: " + out)
    rc, out, p = kdig(s, "+tcp", "foo.wild.example.com", "A")
    eq(p["status"], "NOERROR", "kdig +tcp status")
    check("192.0.2.99" in out, "kdig +tcp: wildcard answer missing: " + out)
    rc, out, p = kdig(s, "nope.example.com", "A")
    eq(p["status"], "NXDOMAIN", "kdig status")
    rc, out, p = kdig(s, "+tcp", "www.notours.test", "A")
    eq(p["status"], "REFUSED", "kdig +tcp out-of-zone status")


# -------------------------------------------------- local (dnsmasq) data ---

def local_server():
    return Server(conf=[
        "domain=lan",
        "expand-hosts",
        "local-ttl=77",
        "addn-hosts=" + os.path.join(DATA, "lan.hosts"),
        "host-record=router.lan,192.168.1.1,fd00::1",
        "address=/blocked.test/",
        "address=/ads.test/#",
        "address=/x.test/192.0.2.7",
        "address=/y.test/192.0.2.8",
        "address=/y.test/2001:db8::8",
        "address=/a.test/b.a.test/192.0.2.9",
        "cname=alias.lan,router.lan",
        "mx-host=maildom.lan,router.lan,5",
        "srv-host=_ldap._tcp.lan,router.lan,389,1,2",
        'txt-record=txt.lan,"hello world","second"',
        "ptr-record=svc.lan,router.lan",
        "caa-record=lan,0,issue,letsencrypt.org",
    ])


LOCAL = Shared(local_server)


def lq(name, qtype="A"):
    return LOCAL.get().query(name, qtype)


@case
def local_host_record():
    r = lq("router.lan", "A")
    expect(r, aa=True)
    eq(rrsets(r.answer), [("router.lan.", "A", 77, ["192.168.1.1"])],
       "host-record A with local-ttl")
    r = lq("router.lan", "AAAA")
    expect(r)
    eq(rdatas(r.answer, "router.lan", "AAAA"), ["fd00::1"], "host-record AAAA")
    r = lq("1.1.168.192.in-addr.arpa", "PTR")
    expect(r)
    eq(rdatas(r.answer, "1.1.168.192.in-addr.arpa", "PTR"), ["router.lan."],
       "generated IPv4 PTR")
    rev6 = "1.0.0.0." + "0.0.0.0." * 6 + "0.0.d.f.ip6.arpa"
    r = lq(rev6, "PTR")
    expect(r)
    eq(rdatas(r.answer, rev6, "PTR"), ["router.lan."], "generated IPv6 PTR")
    r = lq("router.lan", "MX")
    expect(r, "NOERROR")
    eq(len(r.answer), 0, "NODATA for a type the host does not have")


@case
def local_addn_hosts_expand():
    r = lq("printer.lan", "A")
    expect(r)
    eq(rrsets(r.answer), [("printer.lan.", "A", 77, ["192.168.1.10"])],
       "expanded hosts name")
    r = lq("printer.lan", "AAAA")
    expect(r)
    eq(rdatas(r.answer, "printer.lan", "AAAA"), ["fd00::10"], "hosts AAAA")
    r = lq("nas.lan", "A")
    expect(r)
    eq(rdatas(r.answer, "nas.lan", "A"), ["192.168.1.11"], "qualified hosts name")
    r = lq("nas-alias.lan", "A")
    expect(r)
    eq(rdatas(r.answer, "nas-alias.lan", "A"), ["192.168.1.11"], "alias expanded")
    r = lq("10.1.168.192.in-addr.arpa", "PTR")
    expect(r)
    eq(rdatas(r.answer, "10.1.168.192.in-addr.arpa", "PTR"), ["printer.lan."],
       "PTR for a hosts entry")


@case
def local_address_nxdomain():
    for name in ("blocked.test", "www.blocked.test", "a.b.blocked.test",
                 "ads.test", "tracker.ads.test"):
        for t in ("A", "AAAA"):
            r = lq(name, t)
            expect(r, "NXDOMAIN")
            eq(len(r.answer), 0, "answer for %s" % name)


@case
def local_address_ip():
    for name in ("x.test", "a.x.test", "b.a.x.test"):
        r = lq(name, "A")
        expect(r)
        eq([(o, t, d) for o, t, _, d in rrsets(r.answer)],
           [(name + ".", "A", ["192.0.2.7"])], "address A for " + name)
        r = lq(name, "AAAA")
        expect(r, "NOERROR")
        eq(len(r.answer), 0, "AAAA for an IPv4-only address= domain")
    r = lq("notx.test", "A")
    check(rcode(r) != "NOERROR" or not r.answer,
          "notx.test must not match /x.test/: " + short(r))


@case
def local_address_both_families_and_longest_match():
    r = lq("www.y.test", "A")
    eq(rdatas(r.answer, "www.y.test", "A"), ["192.0.2.8"], "y.test A")
    r = lq("www.y.test", "AAAA")
    eq(rdatas(r.answer, "www.y.test", "AAAA"), ["2001:db8::8"], "y.test AAAA")
    # several domains in one --address
    for name in ("a.test", "b.a.test", "c.b.a.test", "z.a.test"):
        r = lq(name, "A")
        eq(rdatas(r.answer, name, "A"), ["192.0.2.9"], "address for " + name)


@case
def local_cname():
    r = lq("alias.lan", "A")
    expect(r)
    eq(rdatas(r.answer, "alias.lan", "CNAME"), ["router.lan."], "cname")
    eq(rdatas(r.answer, "router.lan", "A"), ["192.168.1.1"], "cname target A")


@case
def local_mx_srv_txt_ptr_caa():
    r = lq("maildom.lan", "MX")
    expect(r)
    eq(rdatas(r.answer, "maildom.lan", "MX"), ["5 router.lan."], "mx-host")
    r = lq("_ldap._tcp.lan", "SRV")
    expect(r)
    eq(rdatas(r.answer, "_ldap._tcp.lan", "SRV"), ["1 2 389 router.lan."],
       "srv-host")
    r = lq("txt.lan", "TXT")
    expect(r)
    eq(rdatas(r.answer, "txt.lan", "TXT"), ['"hello world" "second"'],
       "txt-record")
    r = lq("svc.lan", "PTR")
    expect(r)
    eq(rdatas(r.answer, "svc.lan", "PTR"), ["router.lan."], "ptr-record")
    r = lq("lan", "CAA")
    expect(r)
    eq(rdatas(r.answer, "lan", "CAA"), ['0 issue "letsencrypt.org"'],
       "caa-record")


@case
def local_with_dig_and_kdig():
    s = LOCAL.get()
    rc, out, p = dig(s, "router.lan", "A")
    eq(p["status"], "NOERROR", "dig status")
    check("192.168.1.1" in out, "dig: address missing: " + out)
    rc, out, p = kdig(s, "+tcp", "www.blocked.test", "A")
    eq(p["status"], "NXDOMAIN", "kdig status")


if __name__ == "__main__":
    run()
