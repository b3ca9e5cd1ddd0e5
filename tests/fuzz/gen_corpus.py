#!/usr/bin/python3
"""Generate the committed seed corpora of the fuzz targets.

    /usr/bin/python3 tests/fuzz/gen_corpus.py [OUTDIR [--no-dict]]
                                       (default OUTDIR: tests/fuzz/corpus)

Writes OUTDIR/<target>/<name> for every tests/fuzz/fuzz_<target>.c, and the
libFuzzer dictionaries tests/fuzz/<target>.dict (unless --no-dict), each in
the input format that target's harness reads (see the comment at the top of
each fuzz_*.c; the layouts are repeated beside each generator below).  The
output is deterministic (fixed keys, fixed clocks, fixed hash seed and
shuffle), so running the script again reproduces the committed files.
Files named regress-* in a corpus directory (reproducers of fixed crashes,
committed by hand) are left alone; every other file there is replaced.
Needs python3-dnspython and python3-cryptography (Ed25519 DNSSEC signing)
only; DHCP, HTTP/1.1, HTTP/2 (HPACK without Huffman) and the ACME input
script are built by hand here.
"""
import base64
import os
import random
import struct
import sys
import time

# dnspython keeps rdatas in hash order: fix the hash seed for stable output
if os.environ.get("PYTHONHASHSEED") != "0":
    os.execve(sys.executable, [sys.executable] + sys.argv,
              dict(os.environ, PYTHONHASHSEED="0"))

# dnspython signs TSIG with int(time.time()); the harnesses use fixed
# clocks, so pin it (this script's only use of the clock).
_NOW = [1700000000]
time.time = lambda: float(_NOW[0])

import dns.dnssec  # noqa: E402
import dns.entropy  # noqa: E402
import dns.edns  # noqa: E402
import dns.flags  # noqa: E402
import dns.message  # noqa: E402
import dns.name  # noqa: E402
import dns.opcode  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdata  # noqa: E402
import dns.rdataclass  # noqa: E402
import dns.rdataset  # noqa: E402
import dns.rdatatype  # noqa: E402
import dns.rrset  # noqa: E402
import dns.tsig  # noqa: E402
import dns.tsigkeyring  # noqa: E402
import dns.update  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ed25519  # noqa: E402

dns.entropy.random_16 = lambda: 0xbeef   # message ids of make_query etc.
random.seed(10)   # dnspython shuffles the RRs of an RRset when rendering

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "corpus")
CORPUS = {}


def put(target, name, data):
    assert isinstance(data, (bytes, bytearray)), (target, name)
    d = CORPUS.setdefault(target, {})
    assert name not in d, (target, name)
    d[name] = bytes(data)


def n(s):
    return dns.name.from_text(s)


def rr(text, origin="."):
    """One rrset from 'owner ttl class type rdata'."""
    p = text.split(None, 4)
    return dns.rrset.from_text(p[0], int(p[1]), p[2], p[3], p[4])


def rrw(rrset):
    """Uncompressed wire of every RR in an rrset (for spliced replies)."""
    out = b""
    for rd in rrset:
        data = rd.to_digestable()
        out += (rrset.name.to_wire() +
                struct.pack("!HHIH", rrset.rdtype, rrset.rdclass, rrset.ttl,
                            len(data)) + data)
    return out


# ---------------------------------------------------------------------------
# DNS queries: fuzz_query (wire codec) and fuzz_answer (zone_db_answer /
# zone_db_handle against example.com with local names, ads.test, sec.test).
# Input: one DNS message, UDP wire format.
# ---------------------------------------------------------------------------
def opt(code, data):
    return dns.edns.GenericOption(code, data)


def query(name, rdtype="A", rdclass="IN", edns=None, payload=1232,
          options=None, do=False, qid=0x1234, flags=dns.flags.RD):
    m = dns.message.make_query(name, rdtype, rdclass, use_edns=edns,
                               payload=payload, options=options,
                               want_dnssec=do)
    m.id = qid
    m.flags = flags
    return m.to_wire()


def gen_queries():
    qs = {}
    names = [("example.com", "SOA"), ("www.example.com", "A"),
             ("WwW.ExAmple.CoM", "AAAA"), ("alias.example.com", "A"),
             ("x.wild.example.com", "TXT"), ("q.wcname.example.com", "A"),
             ("www.sub.example.com", "A"), ("sub.example.com", "DS"),
             ("nope.example.com", "MX"), ("b.ent.example.com", "A"),
             ("big.example.com", "TXT"), ("example.com", "ANY"),
             ("_sip._tcp.example.com", "SRV"), ("loop1.example.com", "A"),
             ("out.example.com", "A"), ("example.com", "NS"),
             ("example.com", "MX"), ("host.lan", "A"), ("alias.lan", "A"),
             ("x.ads.test", "AAAA"), ("blocked.test", "A"),
             ("www.example.org", "A"), ("example.com", "DNSKEY"),
             ("example.com", "NSEC3PARAM"), ("www.example.com", "RRSIG"),
             ("www.example.com", "CAA"), ("example.com", "HTTPS"),
             ("_443._tcp.www.example.com", "TLSA"),
             ("80.2.0.192.in-addr.arpa", "PTR"), ("example.com", "TYPE65535"),
             ("example.com", "NULL"), ("sec.test", "SOA")]
    for i, (nm, t) in enumerate(names):
        qs["q-%02d-%s-%s" % (i, nm.split(".")[0].lower(), t.lower())] = \
            query(nm, t, edns=(0 if i % 2 == 0 else None), do=(i % 3 == 0))
    # EDNS options: COOKIE (10) client only / client+server / bad length,
    # NSID (3), ECS (8) v4 and v6, padding (12), keepalive (11), EDE (15),
    # an unknown option, several at once.
    ck = bytes.fromhex("0102030405060708")
    sc = bytes.fromhex("01000000" "65536f00" "1122334455667788")
    edns_opts = {
        "cookie-client": [opt(10, ck)],
        "cookie-full": [opt(10, ck + sc)],
        "cookie-badlen": [opt(10, ck[:5])],
        "cookie-long": [opt(10, ck + bytes(33))],
        "nsid": [opt(3, b"")],
        "ecs-v4": [opt(8, struct.pack("!HBB", 1, 24, 0) + bytes([192, 0, 2]))],
        "ecs-v6": [opt(8, struct.pack("!HBB", 2, 56, 0) +
                       bytes.fromhex("20010db8000000"))],
        "ecs-bad": [opt(8, struct.pack("!HBB", 1, 40, 0) + bytes(4))],
        "padding": [opt(12, bytes(64))],
        "keepalive": [opt(11, b"")],
        "ede": [opt(15, b"\x00\x06dnssec")],
        "unknown": [opt(65001, b"xyz")],
        "many": [opt(3, b""), opt(10, ck), opt(8, b"\x00\x01\x18\x00\xc0\x00\x02"),
                 opt(12, bytes(5))],
    }
    for k, o in edns_opts.items():
        qs["edns-" + k] = query("www.example.com", "A", edns=0, options=o,
                                do=(k == "many"))
    qs["edns-v1"] = query("www.example.com", "A", edns=1)
    qs["edns-payload-512"] = query("big.example.com", "TXT", edns=0,
                                   payload=512)
    qs["edns-payload-0"] = query("big.example.com", "TXT", edns=0, payload=0)
    qs["edns-payload-65535"] = query("example.com", "ANY", edns=0,
                                     payload=65535, do=True)
    # odd classes and types
    for cls, nm, t in [("CH", "version.bind", "TXT"), ("CH", "id.server", "TXT"),
                       ("CH", "hostname.bind", "TXT"), ("HS", "www.example.com", "A"),
                       ("NONE", "www.example.com", "A"), ("ANY", "www.example.com", "A"),
                       ("CLASS4711", "www.example.com", "A"),
                       ("IN", "example.com", "AXFR"), ("IN", "example.com", "MAILB"),
                       ("IN", "example.com", "OPT"), ("IN", "example.com", "TSIG")]:
        qs["class-%s-%s-%s" % (cls.lower(), nm.split(".")[0], t.lower())] = \
            query(nm, t, cls, edns=0)
    # IXFR with the client's SOA in the authority section
    m = dns.message.make_query("example.com", "IXFR")
    m.id = 0x4242
    m.authority.append(rr("example.com. 0 IN SOA ns1.example.com. "
                          "hostmaster.example.com. 0 7200 3600 1209600 300"))
    qs["ixfr-serial0"] = m.to_wire()
    # NOTIFY for the secondary zone (and one for a primary zone)
    for z in ("sec.test", "example.com"):
        m = dns.message.make_query(z, "SOA")
        m.set_opcode(dns.opcode.NOTIFY)
        m.flags |= dns.flags.AA
        m.answer.append(rr(z + ". 3600 IN SOA ns1." + z + ". h." + z +
                           ". 7 7200 3600 1209600 300"))
        qs["notify-" + z.split(".")[0]] = m.to_wire()
    # other opcodes, header oddities
    base = bytearray(query("www.example.com", "A"))
    for op in (1, 2, 3, 6, 15):
        b = bytearray(base)
        b[2] = (b[2] & 0x87) | (op << 3)
        qs["opcode-%d" % op] = bytes(b)
    b = bytearray(base)
    b[2] |= 0x80
    qs["hdr-qr-set"] = bytes(b)
    b = bytearray(base)
    b[5] = 2
    qs["hdr-qdcount2"] = bytes(b) + bytes(base[12:])
    b = bytearray(base)
    b[5] = 0
    qs["hdr-qdcount0"] = bytes(b[:12])
    qs["hdr-short"] = bytes(base[:11])
    qs["hdr-truncated-question"] = bytes(base[:-3])
    b = bytearray(base)
    b[3] |= 0x10 | 0x20  # AD, CD
    qs["hdr-ad-cd"] = bytes(b)
    # compression pointer in the question, pointer loop, label > 63
    qs["ptr-question"] = bytes.fromhex(
        "abcd01000001000000000000c00c00010001")
    qs["ptr-loop"] = bytes.fromhex("abcd010000010000000000000377777703"
                                   "6f7267c00c00010001")
    qs["label-64"] = (bytes.fromhex("abcd01000001000000000000") + b"\x40" +
                      b"a" * 64 + b"\x00\x00\x01\x00\x01")
    qs["name-255"] = query(".".join(["a" * 61] * 4), "A")
    qs["name-escapes"] = query(r"a\.b\000\255.example.com", "TXT")
    # two OPT records; OPT not at the root; an OPT in the answer section
    w = bytearray(query("www.example.com", "A", edns=0))
    opt_rr = bytes(w[-11:])
    w[11] = 2
    qs["opt-twice"] = bytes(w) + opt_rr
    qs["opt-not-root"] = (bytes(base[:11]) + b"\x01" + bytes(base[12:]) +
                          b"\x01x" + opt_rr[1:])
    # records in the answer/authority sections of a query
    m = dns.message.make_query("www.example.com", "A")
    m.answer.append(rr("www.example.com. 60 IN A 192.0.2.1"))
    m.authority.append(rr("example.com. 60 IN NS ns1.example.com."))
    qs["query-with-records"] = m.to_wire()
    # a TSIG-signed query with a key this server does not know
    m = dns.message.make_query("example.com", "SOA")
    m.use_tsig(dns.tsigkeyring.from_text({"other.key.": "c2VjcmV0"}),
               keyname="other.key.", algorithm=dns.tsig.HMAC_SHA256)
    qs["tsig-unknown-key"] = m.to_wire()
    # a TSIG that is not the last record
    w = bytearray(m.to_wire())
    w[11] += 1
    qs["tsig-not-last"] = bytes(w) + opt_rr
    return qs


# ---------------------------------------------------------------------------
# fuzz_tsig: a message through wire_query_parse + zone_tsig_verify_request
# with the keyring below (server side, now 1700000000), and the same bytes
# as the response to a client request signed with tk.example (id 0x1234,
# header only, time 1700000000).
# ---------------------------------------------------------------------------
TSIG_KEYS = {
    "tk.example.": ("c2VjcmV0IGtleSBmb3IgdGhlIHRzaWcgdGVzdHM=", dns.tsig.HMAC_SHA256),
    "md5.example.": ("bWQ1IHNlY3JldA==", dns.tsig.HMAC_MD5),
    "k.": ("c2hhNTEyIHNlY3JldA==", dns.tsig.HMAC_SHA512),
}


def tsig_key(name):
    sec, alg = TSIG_KEYS[name]
    return dns.tsig.Key(name, base64.b64decode(sec), alg)


def gen_tsig():
    out = {}
    for kn, (sec, alg) in TSIG_KEYS.items():
        key = tsig_key(kn)
        for t, nm in (("SOA", "example.com"), ("AXFR", "example.com"),
                      ("A", "www.example.com")):
            m = dns.message.make_query(nm, t, use_edns=(0 if t == "A" else None))
            m.id = 0x2222
            m.use_tsig(key, fudge=300)
            out["req-%s-%s" % (kn.split(".")[0], t.lower())] = m.to_wire()
    key = tsig_key("tk.example.")
    # an UPDATE and a NOTIFY signed
    u = dns.update.UpdateMessage("example.com")
    u.add("new", 300, "A", "192.0.2.7")
    u.use_tsig(key, fudge=300)
    out["req-update"] = u.to_wire()
    m = dns.message.make_query("example.com", "SOA")
    m.set_opcode(dns.opcode.NOTIFY)
    m.use_tsig(key, fudge=300)
    out["req-notify"] = m.to_wire()
    # time outside the fudge (BADTIME), unknown key (BADKEY), a broken MAC
    # (BADSIG), a truncated MAC (BADTRUNC), unknown algorithm
    _NOW[0] = 1700000000 - 1000
    m = dns.message.make_query("example.com", "SOA")
    m.use_tsig(key, fudge=300)
    out["req-badtime"] = m.to_wire()
    _NOW[0] = 1700000000
    m = dns.message.make_query("example.com", "SOA")
    m.use_tsig(dns.tsig.Key("nokey.example.", b"secret", dns.tsig.HMAC_SHA256))
    out["req-badkey"] = m.to_wire()
    w = bytearray(out["req-tk-soa"])
    w[-20] ^= 0xff
    out["req-badsig"] = bytes(w)
    m = dns.message.make_query("example.com", "SOA")
    m.use_tsig(dns.tsig.Key("tk.example.", base64.b64decode(TSIG_KEYS["tk.example."][0]),
                            "hmac-sha1."))
    out["req-wrong-alg"] = m.to_wire()
    # error-carrying TSIG (a signed BADTIME reply as a request)
    m = dns.message.make_query("example.com", "SOA")
    m.use_tsig(key, fudge=300, tsig_error=dns.rcode.BADTIME,
               other_data=struct.pack("!HI", 0, 1700000000))
    out["req-with-error-other"] = m.to_wire()
    # responses to the client's request (id 0x1234, empty header)
    req = dns.message.Message(id=0x1234)
    req.flags = 0
    req.use_tsig(key, fudge=300)
    rw = req.to_wire()
    assert rw[:12] == bytes.fromhex("123400000000000000000001"), rw[:12].hex()
    req2 = dns.message.from_wire(rw, keyring={n("tk.example."): key})
    mac = req2.mac
    for i, body in enumerate([[], [rr("example.com. 60 IN A 192.0.2.1")]]):
        r = dns.message.Message(id=0x1234)
        r.flags = dns.flags.QR
        for x in body:
            r.answer.append(x)
        r.use_tsig(key, fudge=300)
        r.request_mac = mac
        out["resp-client-ok-%d" % i] = r.to_wire()
    r = dns.message.Message(id=0x1234)
    r.flags = dns.flags.QR
    r.use_tsig(key, fudge=300, tsig_error=dns.rcode.BADSIG)
    r.request_mac = mac
    out["resp-client-badsig"] = r.to_wire()
    r = dns.message.Message(id=0x1234)
    r.flags = dns.flags.QR
    r.set_rcode(dns.rcode.NOTAUTH)
    out["resp-unsigned-notauth"] = r.to_wire()
    return out


# ---------------------------------------------------------------------------
# fuzz_update: an UPDATE (opcode forced) from 127.0.0.1 for example.com:
# SOA ns1 1, NS ns1/ns2, ns1 A, www A x2 + TXT, alias CNAME www, *.wild A,
# a.b.ent TXT, sub NS ns.sub (delegation) + glue.
# ---------------------------------------------------------------------------
def gen_update():
    out = {}

    def U(name, build, zone="example.com"):
        u = dns.update.UpdateMessage(zone)
        u.id = 0x3333
        build(u)
        out["upd-" + name] = u.to_wire()

    U("add-a", lambda u: u.add("new", 300, "A", "192.0.2.7"))
    U("add-many", lambda u: (u.add("new", 300, "A", "192.0.2.7"),
                             u.add("new", 300, "AAAA", "2001:db8::7"),
                             u.add("new", 300, "TXT", '"hello"'),
                             u.add("x.y.z.new", 300, "MX", "10 mail")))
    U("add-existing", lambda u: u.add("www", 3600, "A", "192.0.2.80"))
    U("add-ttl-change", lambda u: u.add("www", 60, "A", "192.0.2.82"))
    U("del-rr", lambda u: u.delete("www", "A", "192.0.2.80"))
    U("del-rrset", lambda u: u.delete("www", "A"))
    U("del-name", lambda u: u.delete("www"))
    U("del-last-rr-leaf", lambda u: u.delete("a.b.ent", "TXT", '"deep"'))
    U("del-apex-ns", lambda u: u.delete("@", "NS"))
    U("del-apex-ns-one", lambda u: u.delete("@", "NS", "ns2"))
    U("del-apex-all", lambda u: u.delete("@"))
    U("del-soa", lambda u: u.delete("@", "SOA"))
    U("soa-bump", lambda u: u.add("@", 3600, "SOA",
                                  "ns1 hostmaster 100 7200 3600 1209600 300"))
    U("soa-older", lambda u: u.replace("@", 3600, "SOA",
                                       "ns1 hostmaster 0 7200 3600 1209600 300"))
    U("cname-conflict", lambda u: u.add("www", 300, "CNAME", "alias"))
    U("cname-replace", lambda u: u.add("alias", 300, "CNAME", "ns1"))
    U("data-at-cname", lambda u: u.add("alias", 300, "A", "192.0.2.9"))
    U("wildcard", lambda u: u.add("*.new", 300, "TXT", '"w"'))
    U("below-cut", lambda u: u.add("x.sub", 300, "A", "192.0.2.9"))
    U("glue", lambda u: u.replace("ns.sub", 300, "A", "192.0.2.101"))
    U("out-of-zone", lambda u: u.add("www.example.org.", 300, "A", "192.0.2.9"))
    U("wrong-zone", lambda u: u.add("www", 300, "A", "192.0.2.9"),
      zone="example.org")
    U("add-dnskey-nsec", lambda u: (u.add("@", 300, "NSEC", "www A NS SOA"),
                                    u.add("@", 300, "RRSIG",
                                          "A 13 2 300 20300101000000 "
                                          "20200101000000 1 example.com. "
                                          "AAAA")))
    U("add-srv-caa", lambda u: (u.add("_sip._udp", 300, "SRV", "0 5 5060 sip"),
                                u.add("@", 300, "CAA", '0 issue "ca.test"')))
    U("add-unknown", lambda u: u.add("new", 300, "TYPE4711", r"\# 3 010203"))
    # prerequisites: yxdomain, nxdomain, yxrrset (value independent and
    # dependent), nxrrset, true and false
    U("pre-yxdomain", lambda u: (u.present("www"), u.add("new", 300, "A",
                                                         "192.0.2.7")))
    U("pre-yxdomain-false", lambda u: (u.present("nope"), u.delete("www")))
    U("pre-nxdomain", lambda u: (u.absent("new"), u.add("new", 300, "A",
                                                        "192.0.2.7")))
    U("pre-nxdomain-false", lambda u: (u.absent("www"), u.delete("www")))
    U("pre-yxrrset", lambda u: (u.present("www", "A"), u.delete("www", "TXT")))
    U("pre-yxrrset-value", lambda u: (u.present("www", "A", "192.0.2.80"),
                                      u.present("www", "A", "192.0.2.81"),
                                      u.delete("www", "A", "192.0.2.81")))
    U("pre-yxrrset-value-false", lambda u: (u.present("www", "A", "192.0.2.80"),
                                            u.delete("www", "A")))
    U("pre-nxrrset", lambda u: (u.absent("www", "AAAA"),
                                u.add("www", 300, "AAAA", "2001:db8::80")))
    U("pre-nxrrset-false", lambda u: (u.absent("www", "A"), u.delete("www")))
    U("pre-only", lambda u: (u.present("www"), u.absent("new"),
                             u.present("ns1", "A")))
    U("pre-out-of-zone", lambda u: (u.present("www.example.org."),
                                    u.add("new", 300, "A", "192.0.2.7")))
    U("empty", lambda u: None)
    # hand-built oddities: zone section with 2 records, wrong class in the
    # update section (not NONE/ANY/IN), a prerequisite with TTL != 0
    w = bytearray(out["upd-add-a"])
    w[5] = 2
    out["upd-zone-count2"] = bytes(w)
    u = dns.update.UpdateMessage("example.com")
    u.add("new", 300, "A", "192.0.2.7")
    w = bytearray(u.to_wire())
    i = w.rfind(b"\x00\x01\x00\x01")  # type A class IN of the add
    w[i + 2:i + 4] = b"\x00\x03"      # class CH
    out["upd-bad-class"] = bytes(w)
    u = dns.update.UpdateMessage("example.com")
    u.present("www")
    w = bytearray(u.to_wire())
    w[-6:-2] = b"\x00\x00\x00\x3c"    # ttl 60 on a prerequisite
    out["upd-pre-ttl"] = bytes(w)
    # signed with a key this zone does not accept (no key configured)
    u = dns.update.UpdateMessage("example.com")
    u.add("new", 300, "A", "192.0.2.7")
    u.use_tsig(tsig_key("tk.example."), fudge=300)
    out["upd-tsig"] = u.to_wire()
    return out


# ---------------------------------------------------------------------------
# fuzz_xfrin: byte 0 = kind (& 3: 0 SOA check, 1 AXFR, 2 IXFR; & 4 TSIG
# key k. hmac-sha256), then messages each prefixed by a 2-byte length; the
# id is forced to the query's.  Current zone example.com serial 5.
# ---------------------------------------------------------------------------
XZ = "example.com."


def soa(serial, ttl=3600):
    return rr("%s %d IN SOA ns1.%s hostmaster.%s %d 7200 3600 1209600 300"
              % (XZ, ttl, XZ, XZ, serial))


def xresp(qtype, *sections, rcode=0, tc=False, qname=XZ):
    m = dns.message.make_response(dns.message.make_query(qname, qtype))
    m.id = 0x1234
    m.flags |= dns.flags.AA
    if tc:
        m.flags |= dns.flags.TC
    m.set_rcode(rcode)
    for x in sections:
        m.answer.append(x)
    return m.to_wire()


def frames(kind, *msgs):
    return bytes([kind]) + b"".join(struct.pack("!H", len(x)) + x for x in msgs)


def gen_xfrin():
    out = {}
    ns1 = rr(XZ + " 3600 IN NS ns1." + XZ)
    a1 = rr("ns1." + XZ + " 3600 IN A 192.0.2.53")
    www = rr("www." + XZ + " 3600 IN A 192.0.2.80")
    www2 = rr("www." + XZ + " 3600 IN A 192.0.2.81")
    mail = rr("mail." + XZ + " 3600 IN MX 10 ns1." + XZ)
    txt = rr("t." + XZ + " 300 IN TXT \"hello\" \"world\"")
    cut = rr("sub." + XZ + " 3600 IN NS ns.sub." + XZ)
    glue = rr("ns.sub." + XZ + " 3600 IN A 192.0.2.100")
    # SOA check (kind 0)
    for s in (6, 5, 4, 0xffffffff):
        out["soa-serial-%d" % s] = frames(0, xresp("SOA", soa(s)))
    out["soa-refused"] = frames(0, xresp("SOA", rcode=dns.rcode.REFUSED))
    out["soa-tc"] = frames(0, xresp("SOA", tc=True))
    out["soa-no-answer"] = frames(0, xresp("SOA"))
    out["soa-wrong-name"] = frames(0, xresp("SOA", rr("example.org. 60 IN SOA "
                                                      "a. b. 9 1 1 1 1")))
    # AXFR (kind 1): one message, several, per-record, TC, errors
    full = [soa(6), ns1, a1, www, www2, mail, txt, cut, glue]
    out["axfr-one"] = frames(1, xresp("AXFR", *full, soa(6)))
    out["axfr-split"] = frames(1, xresp("AXFR", soa(6), ns1, a1),
                               xresp("AXFR", www, www2, mail),
                               xresp("AXFR", txt, cut, glue, soa(6)))
    out["axfr-per-rr"] = frames(1, *[xresp("AXFR", x) for x in full + [soa(6)]])
    out["axfr-no-end"] = frames(1, xresp("AXFR", *full))
    out["axfr-no-ns"] = frames(1, xresp("AXFR", soa(6), www, soa(6)))
    out["axfr-serial-mismatch"] = frames(1, xresp("AXFR", soa(6), ns1, a1, soa(7)))
    out["axfr-out-of-zone"] = frames(1, xresp("AXFR", soa(6), ns1,
                                              rr("www.example.org. 60 IN A 192.0.2.1"),
                                              soa(6)))
    out["axfr-cname-conflict"] = frames(1, xresp("AXFR", soa(6), ns1, a1, www,
                                                 rr("www." + XZ + " 60 IN CNAME ns1." + XZ),
                                                 soa(6)))
    out["axfr-notauth"] = frames(1, xresp("AXFR", rcode=dns.rcode.NOTAUTH))
    out["axfr-empty-msg"] = frames(1, xresp("AXFR", soa(6)), xresp("AXFR"),
                                   xresp("AXFR", ns1, a1, soa(6)))
    out["axfr-then-garbage"] = frames(1, xresp("AXFR", *full, soa(6)), b"\x12\x34junk")
    # IXFR (kind 2): incremental 5->6->7, up to date, AXFR-style fallback,
    # bad sequences
    out["ixfr-incr"] = frames(2, xresp("IXFR", soa(7), soa(5), www, soa(6), www2,
                                       soa(6), soa(7), mail, txt, soa(7)))
    out["ixfr-incr-split"] = frames(2, xresp("IXFR", soa(7), soa(5), www),
                                    xresp("IXFR", soa(6), www2, soa(6)),
                                    xresp("IXFR", soa(7), mail, soa(7)))
    out["ixfr-uptodate"] = frames(2, xresp("IXFR", soa(5)))
    out["ixfr-older"] = frames(2, xresp("IXFR", soa(3)))
    out["ixfr-axfr-style"] = frames(2, xresp("IXFR", *full, soa(6)))
    out["ixfr-del-missing"] = frames(2, xresp("IXFR", soa(6), soa(5),
                                              rr("nope." + XZ + " 60 IN A 192.0.2.9"),
                                              soa(6), soa(6)))
    out["ixfr-wrong-start"] = frames(2, xresp("IXFR", soa(7), soa(4), www, soa(7),
                                              soa(7)))
    out["ixfr-del-soa-ns"] = frames(2, xresp("IXFR", soa(6), soa(5), ns1, a1,
                                             soa(6), soa(6)))
    out["ixfr-tc"] = frames(2, xresp("IXFR", soa(6), tc=True))
    out["ixfr-no-end"] = frames(2, xresp("IXFR", soa(7), soa(5), www, soa(6)))
    # TSIG expected (kind | 4, key k. hmac-sha256, time 1000000): the
    # queries zone_xfrin_query sends (id 0x1234), dumped once from the
    # engine, give the request MACs the answers are signed over; AXFR and
    # IXFR answers are multi-message TSIG sequences.
    xq = {
        0: "123400000001000000000001076578616d706c6503636f6d0000060001016b0000fa00ff"
           "00000000003d0b686d61632d736861323536000000000f4240012c0020d2517deabdc82772"
           "f7a589fcfaaf2c94bbff650c003d27a72a21ecdcf36d11cd123400000000",
        1: "123400000001000000000001076578616d706c6503636f6d0000fc0001016b0000fa00ff"
           "00000000003d0b686d61632d736861323536000000000f4240012c002085a547ac1b6274f1"
           "4040438ff2892b38aab7f8f535a1709eba56f1785ba09b8c123400000000",
        2: "123400000001000000010001076578616d706c6503636f6d0000fb0001c00c0006000100"
           "000e100027036e7331c00c0a686f73746d6173746572c00c0000000500001c2000000e10"
           "001275000000012c016b0000fa00ff00000000003d0b686d61632d736861323536000000"
           "000f4240012c002000ea86ea6bc10d6c26d80c90d390b2148a83aa7c395a7f961e074958"
           "0da85547123400000000"}
    key = dns.tsig.Key("k.", base64.b64decode("c2VjcmV0c2VjcmV0c2VjcmV0"),
                       dns.tsig.HMAC_SHA256)

    def signed(kind, *msgs, error=0):
        _NOW[0] = 1000000
        req = dns.message.from_wire(bytes.fromhex(xq[kind]), keyring={n("k."): key})
        ctx, outm = None, []
        for recs in msgs:
            m = dns.message.make_response(req)
            m.flags |= dns.flags.AA
            if error:
                m.tsig_error = error
            for y in recs:
                m.answer.append(y)
            outm.append(m.to_wire(multi=True, tsig_ctx=ctx))
            ctx = m.tsig_ctx
        _NOW[0] = 1700000000
        return frames(kind | 4, *outm)
    out["tsig-soa"] = signed(0, [soa(6)])
    out["tsig-axfr-one"] = signed(1, full + [soa(6)])
    out["tsig-axfr-multi"] = signed(1, [soa(6), ns1, a1], [www, www2, mail],
                                    [txt, cut, glue, soa(6)])
    out["tsig-ixfr-multi"] = signed(2, [soa(7), soa(5), www], [soa(6), www2, soa(6)],
                                    [soa(7), mail, soa(7)])
    out["tsig-ixfr-uptodate"] = signed(2, [soa(5)])
    out["tsig-axfr-unsigned"] = frames(5, xresp("AXFR", *full, soa(6)))
    m = signed(1, [soa(6), ns1, a1], [www, soa(6)])
    out["tsig-axfr-second-unsigned"] = m[:3 + struct.unpack("!H", m[1:3])[0]] + \
        frames(1, xresp("AXFR", www, soa(6)))[1:]
    return out


# ---------------------------------------------------------------------------
# DNSSEC material (Ed25519, fixed key, signatures valid around 1800000000,
# zone "example.", like the fixture in fuzz_validate.c)
# ---------------------------------------------------------------------------
KSK_PRIV = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
ZSK_PRIV = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(33, 65)))
INCEPT, EXPIRE = 1800000000 - 3600, 1800000000 + 86400


def dnskey_of(priv, ksk):
    return dns.dnssec.make_dnskey(priv.public_key(), dns.dnssec.Algorithm.ED25519,
                                  flags=257 if ksk else 256)


def sign(rrset, priv, signer, key):
    return dns.dnssec.sign(rrset, priv, n(signer), key, inception=INCEPT,
                           expiration=EXPIRE, lifetime=None)


def rrsig_set(rrset, priv, signer, key):
    sig = sign(rrset, priv, signer, key)
    return dns.rrset.from_rdata_list(rrset.name, rrset.ttl, [sig])


def wild_rrsig_set(rrset, labels, priv, signer, key):
    """RRSIG of a wildcard expansion (dnspython 2.3's sign() counts the
    '*' label): the RRSIG labels field is set by hand, the signed data
    made with dnspython's own helper (which rebuilds the '*' owner)."""
    from dns.rdtypes.ANY.RRSIG import RRSIG
    tmpl = RRSIG(rdclass=rrset.rdclass, rdtype=dns.rdatatype.RRSIG,
                 type_covered=rrset.rdtype, algorithm=key.algorithm, labels=labels,
                 original_ttl=rrset.ttl, expiration=EXPIRE, inception=INCEPT,
                 key_tag=dns.dnssec.key_id(key), signer=n(signer), signature=b"")
    data = dns.dnssec._make_rrsig_signature_data(rrset, tmpl)
    sig = tmpl.replace(signature=priv.sign(data))
    return dns.rrset.from_rdata_list(rrset.name, rrset.ttl, [sig])


def rdchunk(rrset):
    """count x { rdlen, rdata } as fuzz_validate/the cache read RRsets."""
    out = b""
    for rd in rrset:
        d = rd.to_digestable()
        out += struct.pack("!H", len(d)) + d
    return out


def chunk(b):
    return struct.pack("!H", len(b)) + b


def nsec3_hash(name, salt=b"\xab\xcd", it=1):
    return dns.dnssec.nsec3_hash(name, salt, it, 1)


def gen_validate():
    out = {}
    ksk, zsk = dnskey_of(KSK_PRIV, True), dnskey_of(ZSK_PRIV, False)
    keys = dns.rrset.from_rdata_list(n("example."), 3600, [ksk, zsk])
    keysig_k = rrsig_set(keys, KSK_PRIV, "example.", ksk)
    ds = dns.rrset.from_rdata_list(n("example."), 3600,
                                   [dns.dnssec.make_ds(n("example."), ksk, "SHA256"),
                                    dns.dnssec.make_ds(n("example."), zsk, "SHA384")])
    name = lambda s: n(s).to_wire()  # noqa: E731
    A = rr("www.example. 300 IN A 192.0.2.1")
    A.add(dns.rdata.from_text("IN", "A", "192.0.2.2"))
    wildA = rr("x.w.example. 300 IN A 192.0.2.3")
    mx = rr("example. 300 IN MX 10 mail.example.")
    txt = rr("t.example. 300 IN TXT \"a\" \"b\"")
    for label, rs, signer_owner in [("a", A, None), ("mx", mx, None),
                                    ("txt", txt, None), ("wild", wildA, "*.w.example.")]:
        if signer_owner:  # a wildcard expansion of *.w.example
            sig = wild_rrsig_set(rs, 2, ZSK_PRIV, "example.", zsk)
        else:
            sig = rrsig_set(rs, ZSK_PRIV, "example.", zsk)
        for now_b in (0, 1):
            body = (struct.pack("!H", rs.rdtype) +
                    bytes([len(rs), 1, 2, now_b]) +
                    chunk(name(rs.name.to_text())) + chunk(name("example.")) +
                    chunk(rdchunk(rs)) + chunk(rdchunk(sig)) + chunk(rdchunk(keys)))
            out["rrset-%s-%d" % (label, now_b)] = b"\x00" + body
    # an RRset signed by the KSK only, a wrong key tag, counts that lie
    sig = rrsig_set(A, KSK_PRIV, "example.", ksk)
    out["rrset-ksk"] = b"\x00" + struct.pack("!H", 1) + bytes([2, 1, 2, 0]) + \
        chunk(name("www.example.")) + chunk(name("example.")) + \
        chunk(rdchunk(A)) + chunk(rdchunk(sig)) + chunk(rdchunk(keys))
    out["rrset-lying-counts"] = b"\x00" + struct.pack("!H", 1) + bytes([9, 3, 0, 0]) + \
        chunk(name("www.example.")) + chunk(name("example.")) + \
        chunk(rdchunk(A)) + chunk(rdchunk(sig)) + chunk(rdchunk(keys))
    out["rrset-expired"] = b"\x00" + struct.pack("!H", 1) + bytes([2, 1, 2, 200]) + \
        chunk(name("www.example.")) + chunk(name("example.")) + \
        chunk(rdchunk(A)) + chunk(rdchunk(sig)) + chunk(rdchunk(keys))
    # DNSKEY RRset against DS (mode 1)
    for label, dsset, sigset in [("ok", ds, keysig_k),
                                 ("zsk-signed", ds, rrsig_set(keys, ZSK_PRIV, "example.", zsk)),
                                 ("no-match-ds", dns.rrset.from_rdata_list(
                                     n("example."), 3600,
                                     [dns.dnssec.make_ds(n("example."), zsk, "SHA256")]),
                                  keysig_k)]:
        for tc in (0, 1):
            out["dnskey-%s-%d" % (label, tc)] = b"\x01" + bytes([len(keys), len(sigset), len(dsset)]) + \
                chunk(name("example.")) + chunk(rdchunk(keys)) + chunk(rdchunk(sigset)) + \
                chunk(rdchunk(dsset)) + bytes([tc])
    # denial (modes 2 and 3): NSEC chains and NSEC3 (salt abcd, 1 iteration)
    def nsec(owner, nxt, types):
        return (name(owner), 47, dns.rdata.from_text("IN", "NSEC", nxt + " " + types)
                .to_digestable())

    def nsec3(owner_plain, nxt_hash, types, flags=0, it=1):
        h = nsec3_hash(owner_plain, it=it)
        rd = dns.rdata.from_text("IN", "NSEC3", "1 %d %d abcd %s %s" %
                                 (flags, it, nxt_hash, types))
        return (name(h.lower() + ".example."), 50, rd.to_digestable())

    def denial(mode, kind, q, qtype, recs, zone="example.", wc="*.example."):
        b = bytes([mode, kind, qtype, len(recs)]) + chunk(name(q)) + \
            chunk(name(zone)) + chunk(name(wc))
        for own, t, rd in recs:
            b += chunk(own) + bytes([1 if t == 50 else 0]) + chunk(rd)
        return b

    nx_chain = [nsec("example.", "a.example.", "SOA NS RRSIG NSEC DNSKEY"),
                nsec("a.example.", "www.example.", "A RRSIG NSEC")]
    out["nsec-nxdomain"] = denial(2, 1, "b.example.", 1, nx_chain)
    out["nsec-nodata"] = denial(2, 2, "a.example.", 28,
                                [nsec("a.example.", "www.example.", "A RRSIG NSEC")])
    out["nsec-nods"] = denial(2, 3, "sub.example.", 43,
                              [nsec("sub.example.", "www.example.", "NS RRSIG NSEC")])
    out["nsec-wildcard-kind4"] = denial(2, 4, "x.w.example.", 1,
                                        [nsec("w.example.", "y.w.example.", "RRSIG NSEC")])
    out["nsec-wildcard-proof"] = denial(3, 0, "x.w.example.", 1,
                                        [nsec("w.example.", "y.w.example.", "RRSIG NSEC")],
                                        wc="*.w.example.")
    out["nsec-kind0"] = denial(2, 0, "b.example.", 1, nx_chain)
    out["nsec-kind5"] = denial(2, 5, "b.example.", 1, nx_chain)
    # NSEC3: names hashed, the "next" fields chosen to cover or match
    hz = nsec3_hash("example.")
    ha = nsec3_hash("a.example.")
    hw = nsec3_hash("*.example.")

    def chain(names):  # the NSEC3 records of a zone holding these names
        hs = sorted((nsec3_hash(x), x) for x in names)
        types = {"example.": "SOA NS RRSIG DNSKEY NSEC3PARAM", "a.example.": "A RRSIG",
                 "*.example.": "TXT RRSIG"}
        return [nsec3(x, hs[(i + 1) % len(hs)][0], types[x]) for i, (h, x) in enumerate(hs)]
    n3 = chain(["example.", "a.example.", "*.example."])       # with a wildcard
    n3_nx = chain(["example.", "a.example."])                   # without
    out["nsec3-nxdomain"] = denial(2, 1, "b.example.", 1, n3_nx)
    out["nsec3-nodata"] = denial(2, 2, "a.example.", 28,
                                 [r for r in n3 if r[0].startswith(bytes([32]) + ha.lower().encode())])
    out["nsec3-nods-optout"] = denial(2, 3, "sub.example.", 43,
                                      [nsec3("example.", hz, "SOA NS", flags=1)])
    out["nsec3-wildcard"] = denial(3, 0, "b.example.", 1, n3, wc="*.example.")
    out["nsec3-iter-200"] = denial(2, 1, "b.example.", 1,
                                   [nsec3("example.", hz, "SOA NS", it=200)])
    out["nsec3-kind4"] = denial(2, 4, "b.example.", 16, n3)
    # fixture mode (4): unedited, and a few edits
    out["fixture"] = b"\x04"
    out["fixture-edit-sig"] = b"\x04" + bytes([1, 40, 0x01])
    out["fixture-edit-ds"] = b"\x04" + bytes([4, 10, 0x80, 2, 3, 0x01])
    return out


# ---------------------------------------------------------------------------
# Signed response messages (cache and resolver seeds)
# ---------------------------------------------------------------------------
def signed_responses():
    ksk, zsk = dnskey_of(KSK_PRIV, True), dnskey_of(ZSK_PRIV, False)
    keys = dns.rrset.from_rdata_list(n("example."), 3600, [ksk, zsk])
    res = {}

    def resp(qname, qtype, ans=(), auth=(), add=(), rcode=0, edns=True,
             do=True, aa=True, ad=False, sig=True):
        q = dns.message.make_query(qname, qtype, use_edns=0 if edns else None,
                                   want_dnssec=do)
        m = dns.message.make_response(q)
        m.id = 0x1234
        if aa:
            m.flags |= dns.flags.AA
        if ad:
            m.flags |= dns.flags.AD
        m.set_rcode(rcode)
        for sec, items in ((m.answer, ans), (m.authority, auth),
                           (m.additional, add)):
            for x in items:
                sec.append(x)
                if sig and x.rdtype not in (dns.rdatatype.RRSIG,):
                    signer = "example." if x.name.is_subdomain(n("example.")) else None
                    if signer:
                        k = KSK_PRIV if x.rdtype == dns.rdatatype.DNSKEY else ZSK_PRIV
                        kk = ksk if x.rdtype == dns.rdatatype.DNSKEY else zsk
                        sec.append(rrsig_set(x, k, signer, kk))
        return m.to_wire(max_size=65535)

    soa_e = rr("example. 300 IN SOA ns.example. h.example. 1 7200 3600 1209600 300")
    A = rr("www.example. 300 IN A 192.0.2.1")
    A.add(dns.rdata.from_text("IN", "A", "192.0.2.2"))
    res["pos-a"] = resp("www.example.", "A", ans=[A])
    res["pos-a-nosig"] = resp("www.example.", "A", ans=[A], sig=False, do=False)
    res["pos-dnskey"] = resp("example.", "DNSKEY", ans=[keys])
    res["pos-ds"] = resp("example.", "DS", ans=[dns.rrset.from_rdata_list(
        n("example."), 3600, [dns.dnssec.make_ds(n("example."), ksk, "SHA256")])],
        aa=False)
    cn = rr("alias.example. 300 IN CNAME www.example.")
    res["cname-chain"] = resp("alias.example.", "A", ans=[cn, A])
    res["cname-only"] = resp("alias.example.", "A", ans=[cn])
    dn = rr("d.example. 300 IN DNAME other.test.")
    res["dname"] = resp("x.d.example.", "A",
                        ans=[dn, rr("x.d.example. 300 IN CNAME x.other.test."),
                             rr("x.other.test. 300 IN A 192.0.2.9")])
    res["nodata-nsec"] = resp("www.example.", "AAAA", auth=[
        soa_e, rr("www.example. 300 IN NSEC zzz.example. A RRSIG NSEC")])
    res["nxdomain-nsec"] = resp("nope.example.", "A", rcode=dns.rcode.NXDOMAIN, auth=[
        soa_e, rr("mail.example. 300 IN NSEC www.example. A RRSIG NSEC"),
        rr("example. 300 IN NSEC mail.example. SOA NS RRSIG NSEC DNSKEY")])
    h = nsec3_hash("example.")
    res["nxdomain-nsec3"] = resp("nope.example.", "A", rcode=dns.rcode.NXDOMAIN, auth=[
        soa_e, rr("%s.example. 300 IN NSEC3 1 0 1 abcd %s SOA NS RRSIG DNSKEY NSEC3PARAM"
                  % (h.lower(), nsec3_hash("www.example.")))])
    res["nxdomain-nosoa"] = resp("nope.example.", "A", rcode=dns.rcode.NXDOMAIN,
                                 sig=False)
    res["wildcard-answer"] = resp("x.w.example.", "TXT", ans=[
        rr("x.w.example. 300 IN TXT \"wild\"")], auth=[
        rr("w.example. 300 IN NSEC y.w.example. RRSIG NSEC")])
    res["referral"] = resp("www.sub.example.", "A", aa=False, auth=[
        rr("sub.example. 3600 IN NS ns.sub.example."),
        rr("sub.example. 3600 IN DS 12345 15 2 " + "ab" * 32)],
        add=[rr("ns.sub.example. 3600 IN A 192.0.2.100")])
    res["servfail"] = resp("www.example.", "A", rcode=dns.rcode.SERVFAIL, sig=False)
    res["refused-noedns"] = resp("www.example.", "A", rcode=dns.rcode.REFUSED,
                                 sig=False, edns=False, do=False)
    big = rr("big.example. 300 IN TXT \"%s\"" % ("x" * 200))
    for i in range(1, 6):
        big.add(dns.rdata.from_text("IN", "TXT", "\"%d%s\"" % (i, "y" * 200)))
    res["big-txt"] = resp("big.example.", "TXT", ans=[big])
    res["ttl-zero"] = resp("www.example.", "A",
                           ans=[rr("www.example. 0 IN A 192.0.2.1")], sig=False)
    res["ttl-huge"] = resp("www.example.", "A",
                           ans=[rr("www.example. 2147483647 IN A 192.0.2.1")], sig=False)
    res["mx-additional"] = resp("example.", "MX", ans=[
        rr("example. 300 IN MX 10 mail.example.")], add=[
        rr("mail.example. 300 IN A 192.0.2.25"),
        rr("mail.example. 300 IN AAAA 2001:db8::25")])
    res["ede-opt"] = resp("www.example.", "A", rcode=dns.rcode.SERVFAIL, sig=False)
    return res


def gen_cache():
    # byte 0 even: mode bits (2 EDNS, 4 CD, 8 DO, 0x70 TTL, 0x80 force QR),
    # then the reply
    out = {}
    modes = [0x00, 0x0a, 0x12, 0x2e, 0x76]
    for i, (k, w) in enumerate(sorted(signed_responses().items())):
        out["reply-%s" % k] = bytes([modes[i % len(modes)]]) + w
    q = query("www.example.", "A", edns=0)
    out["query-forced-qr"] = b"\x80" + q
    out.update(cache_images(out))
    return out


def cache_images(seeds):
    """Serialized cache images (fuzz_cache's odd first byte), made by
    tests/fuzz/cache_seed.c from the reply seeds: built here with cc
    against resolver/ and zones/ (skipped with a warning without cc)."""
    import subprocess
    import tempfile
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = {}
    with tempfile.TemporaryDirectory() as td:
        src = os.path.join(td, "seeds")
        img = os.path.join(td, "img")
        os.makedirs(src)
        os.makedirs(img)
        for k, v in seeds.items():
            with open(os.path.join(src, k), "wb") as f:
                f.write(v)
        exe = os.path.join(td, "cache_seed")
        flags = subprocess.run(["pkg-config", "--cflags", "--libs", "ldns", "libcrypto"],
                               capture_output=True, text=True).stdout.split()
        cmd = (["cc", "-O0", "-std=c11", "-D_GNU_SOURCE", "-I", root,
                os.path.join(root, "tests/fuzz/cache_seed.c")] +
               sorted(os.path.join(root, d, f) for d in ("zones", "resolver")
                      for f in os.listdir(os.path.join(root, d)) if f.endswith(".c")) +
               flags + ["-o", exe])
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            sys.stderr.write("gen_corpus: no cache images (cc failed):\n" + r.stderr[-2000:])
            return out
        subprocess.run([exe, img] + sorted(os.path.join(src, k) for k in seeds), check=True)
        for k in sorted(os.listdir(img)):
            v = open(os.path.join(img, k), "rb").read()
            if len(v) <= 4096:
                out[k] = v
    if "image-reply-pos-a" in out:
        v = out["image-reply-pos-a"]
        out["image-torn"] = v[:len(v) - 7]
        out["image-bad-crc"] = v[:10] + bytes([v[10] ^ 0x55]) + v[11:]
        out["image-twice"] = v + v[1:]
    return out


# ---------------------------------------------------------------------------
# fuzz_resolver: byte 0 (bit0 forward; bit1 qname minimisation; bits 2-4
# qtype: A AAAA CNAME MX NS SOA TXT DS; bit5 DNSSEC; bit6 max TTL 60; bit7
# the res_query flag), then replies: 2-byte length + bytes, delivered in
# turn to the engine's queries.  Even-length chunks are a 12-byte header
# followed by the answer/authority/additional records: the harness puts
# the query's id and question between them.  (An OPT record, 11 bytes,
# fixes the parity.)  The client's query is www.example.com.
# ---------------------------------------------------------------------------
def splice_chunk(flags, rcode, an=(), ns=(), ar=(), opt_rr=False, aa=False):
    body = b"".join(rrw(x) for x in an) + b"".join(rrw(x) for x in ns) + \
        b"".join(rrw(x) for x in ar)
    arc = sum(len(x) for x in ar)
    f = 0x8000 | flags | rcode | (0x0400 if aa else 0)
    if (len(body) % 2 == 1) != bool(opt_rr):
        opt_rr = not opt_rr
    if opt_rr:
        body += b"\x00\x00\x29\x04\xd0\x00\x00\x80\x00\x00\x00"
        arc += 1
    hdr = struct.pack("!HHHHHH", 0, f, 1, sum(len(x) for x in an),
                      sum(len(x) for x in ns), arc)
    c = hdr + body
    assert len(c) % 2 == 0
    return struct.pack("!H", len(c)) + c


def gen_resolver():
    out = {}
    Q = "www.example.com."
    root_ref = splice_chunk(0, 0, ns=[rr("com. 172800 IN NS a.gtld.test.")],
                            ar=[rr("a.gtld.test. 172800 IN A 192.0.2.2")])
    com_ref = splice_chunk(0, 0, ns=[rr("example.com. 172800 IN NS ns1.example.com."),
                                     rr("example.com. 86400 IN DS 12345 15 2 " + "cd" * 32)],
                           ar=[rr("ns1.example.com. 172800 IN A 192.0.2.53"),
                               rr("ns1.example.com. 172800 IN AAAA 2001:db8::53")])

    def ans(t, data, ttl=300, name=Q):
        return splice_chunk(0, 0, aa=True, an=[rr("%s %d IN %s %s" % (name, ttl, t, data))])
    soa_c = rr("example.com. 300 IN SOA ns1.example.com. h.example.com. 1 7200 3600 1209600 300")
    types = ["A", "AAAA", "CNAME", "MX", "NS", "SOA", "TXT", "DS"]
    datas = {"A": "192.0.2.80", "AAAA": "2001:db8::80", "CNAME": "alias.example.net.",
             "MX": "10 mail.example.com.", "NS": "ns1.example.com.",
             "SOA": "ns1.example.com. h.example.com. 1 7200 3600 1209600 300",
             "TXT": "\"hello\"", "DS": "12345 15 2 " + "ef" * 32}
    for ti, t in enumerate(types):
        b0 = ti << 2
        out["iter-%s" % t.lower()] = bytes([b0]) + root_ref + com_ref + ans(t, datas[t])
        out["fwd-%s" % t.lower()] = bytes([b0 | 1]) + ans(t, datas[t])
    out["iter-qmin"] = bytes([0x02]) + root_ref + com_ref + ans("A", "192.0.2.80")
    out["iter-qmin-nodata-ent"] = bytes([0x02]) + root_ref + \
        splice_chunk(0, 0, aa=True, ns=[soa_c]) + ans("A", "192.0.2.80")
    out["iter-nxdomain"] = bytes([0]) + root_ref + com_ref + \
        splice_chunk(0, 3, aa=True, ns=[soa_c])
    out["iter-nodata"] = bytes([0]) + root_ref + com_ref + \
        splice_chunk(0, 0, aa=True, ns=[soa_c])
    out["iter-cname-out"] = bytes([0]) + root_ref + com_ref + \
        splice_chunk(0, 0, aa=True, an=[rr(Q + " 300 IN CNAME www.example.net.")]) + \
        root_ref + splice_chunk(0, 0, aa=True, an=[rr("www.example.net. 300 IN A 192.0.2.9")])
    out["iter-glueless"] = bytes([0]) + root_ref + \
        splice_chunk(0, 0, ns=[rr("example.com. 172800 IN NS ns.example.net.")]) + \
        root_ref + splice_chunk(0, 0, aa=True, an=[rr("ns.example.net. 300 IN A 192.0.2.54")]) + \
        ans("A", "192.0.2.80")
    out["iter-lame"] = bytes([0]) + root_ref + \
        splice_chunk(0, 0, ns=[rr("org. 172800 IN NS a.gtld.test.")]) + \
        splice_chunk(0, 5) + splice_chunk(0, 2)
    out["iter-servfail-retry"] = bytes([0]) + splice_chunk(0, 2) + root_ref + com_ref + \
        ans("A", "192.0.2.80")
    out["iter-tc"] = bytes([0]) + splice_chunk(0x0200, 0) + root_ref + com_ref + \
        ans("A", "192.0.2.80")
    out["iter-dnssec"] = bytes([0x20]) + root_ref + com_ref + \
        splice_chunk(0, 0, aa=True, an=[rr(Q + " 300 IN A 192.0.2.80"),
                                        rr(Q + " 300 IN RRSIG A 15 3 300 20300101000000 "
                                           "20200101000000 12345 example.com. " +
                                           base64.b64encode(bytes(64)).decode())]) + \
        splice_chunk(0, 0, aa=True, an=[rr("example.com. 300 IN DNSKEY 257 3 15 " +
                                           base64.b64encode(bytes(32)).decode())])
    out["iter-dnssec-nods"] = bytes([0x20]) + root_ref + \
        splice_chunk(0, 0, ns=[rr("example.com. 172800 IN NS ns1.example.com."),
                               rr("com. 300 IN NSEC3 1 1 0 - 0123456789ABCDEFGHIJKLMNOPQRSTUV NS")],
                     ar=[rr("ns1.example.com. 172800 IN A 192.0.2.53")]) + \
        ans("A", "192.0.2.80")
    out["fwd-maxttl-cname"] = bytes([0x41]) + splice_chunk(
        0x0100, 0, an=[rr(Q + " 86400 IN CNAME alias.example.com."),
                       rr("alias.example.com. 86400 IN A 192.0.2.1")])
    out["fwd-raw-wrong-id"] = bytes([1]) + chunk(
        dns.message.make_response(dns.message.make_query(Q, "A")).to_wire() + b"\x00")
    # full signed responses (examples. names: resolver sees mismatch)
    for k in ("pos-a", "nxdomain-nsec3", "referral", "big-txt"):
        out["raw-" + k] = bytes([0x21]) + chunk(signed_responses()[k])
    return out


# ---------------------------------------------------------------------------
# fuzz_dhcp: up to 8 requests separated by DE AD.  Request byte 0 bit 0x80:
# the rest is a raw packet; else the rest is an option area behind a valid
# header (bits 0-2 MAC, 0x20 ciaddr 192.168.1.100, 0x40 relayed from
# 10.5.0.1); 0x10 moves the clock by an hour.  Server 192.168.1.1/24,
# ranges 192.168.1.100-110 and 10.5.0.10-12, host 02:00:00:00:00:aa,
# ignored client id 01:02, rapid commit on.
# ---------------------------------------------------------------------------
DISCOVER, OFFER, REQUEST, DECLINE, ACK, NAK, RELEASE, INFORM = range(1, 9)
SRV = bytes([192, 168, 1, 1])


def ip(s):
    return bytes(int(x) for x in s.split("."))


def o(code, data):
    return bytes([code, len(data)]) + data


def dhcp_pkt(mtype, mac=b"\x02\x00\x00\x00\x00\x01", xid=0x11223344,
             ciaddr="0.0.0.0", giaddr="0.0.0.0", opts=b"", flags=0,
             hops=0, sname=b"", file=b"", end=True, op=1, htype=1, hlen=6):
    p = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", op, htype, hlen, hops, xid, 0,
                    flags, ip(ciaddr), b"\0" * 4, b"\0" * 4, ip(giaddr),
                    mac.ljust(16, b"\0"), sname.ljust(64, b"\0"),
                    file.ljust(128, b"\0"))
    p += b"\x63\x82\x53\x63"
    if mtype:
        p += o(53, bytes([mtype]))
    p += opts + (b"\xff" if end else b"")
    assert b"\xde\xad" not in p, "separator inside a packet"
    return p


def crc32c(b):
    c = 0xffffffff
    for x in b:
        c ^= x
        for _ in range(8):
            c = (c >> 1) ^ (0x82f63b78 & -(c & 1))
    return ~c & 0xffffffff


def raw(p):
    return b"\x80" + p


def seq(*reqs):
    return b"\xde\xad".join(reqs)


PRL = o(55, bytes([1, 3, 6, 15, 26, 28, 42, 51, 54, 58, 59, 119, 121, 252]))


def gen_dhcp():
    out = {}
    mac = b"\x02\x00\x00\x00\x00\x01"
    cid = o(61, b"\x01" + mac)
    host = o(12, b"laptop")
    fqdn = o(81, b"\x01\x00\x00" + b"\x06laptop\x03lan\x00")  # S, wire name
    fqdn_ascii = o(81, b"\x00\x00\x00laptop.lan")
    disc = dhcp_pkt(DISCOVER, opts=cid + host + PRL + o(57, b"\x05\xdc"))
    req_sel = dhcp_pkt(REQUEST, opts=cid + o(50, ip("192.168.1.100")) + o(54, SRV) +
                       host + fqdn + PRL)
    req_reboot = dhcp_pkt(REQUEST, opts=cid + o(50, ip("192.168.1.100")) + host)
    req_renew = dhcp_pkt(REQUEST, ciaddr="192.168.1.100", opts=cid + host)
    rel = dhcp_pkt(RELEASE, ciaddr="192.168.1.100", opts=cid + o(54, SRV))
    dec = dhcp_pkt(DECLINE, opts=cid + o(50, ip("192.168.1.100")) + o(54, SRV))
    inf = dhcp_pkt(INFORM, ciaddr="192.168.1.77", opts=PRL + o(60, b"MSFT 5.0"))
    out["dora"] = seq(raw(disc), raw(req_sel))
    out["dora-release"] = seq(raw(disc), raw(req_sel), raw(rel))
    out["dora-decline-again"] = seq(raw(disc), raw(req_sel), raw(dec), raw(disc))
    out["init-reboot"] = seq(raw(req_reboot))
    out["init-reboot-wrong-net"] = seq(raw(dhcp_pkt(REQUEST, opts=o(50, ip("10.9.9.9")))))
    out["renew-rebind"] = seq(raw(disc), raw(req_sel), raw(req_renew),
                              b"\x10" + o(53, bytes([REQUEST])) + o(61, b"\x01" + mac))
    out["inform"] = seq(raw(inf))
    out["discover-rapid-commit"] = seq(raw(dhcp_pkt(DISCOVER, opts=cid + o(80, b"") +
                                                    fqdn_ascii + PRL)))
    out["static-host"] = seq(raw(dhcp_pkt(DISCOVER, mac=b"\x02\x00\x00\x00\x00\xaa",
                                          opts=PRL)),
                             raw(dhcp_pkt(REQUEST, mac=b"\x02\x00\x00\x00\x00\xaa",
                                          opts=o(50, ip("192.168.1.50")) + o(54, SRV))))
    out["ignored-client-id"] = seq(raw(dhcp_pkt(DISCOVER, opts=o(61, b"\x01\x02"))))
    # relayed: giaddr + option 82 (circuit id, remote id, link selection)
    o82 = o(82, o(1, b"eth0/1") + o(2, b"\x00\x11\x22\x33\x44\x55") + o(5, ip("10.5.0.0")))
    out["relay"] = seq(raw(dhcp_pkt(DISCOVER, giaddr="10.5.0.1", hops=1, opts=cid + o82 + PRL)),
                       raw(dhcp_pkt(REQUEST, giaddr="10.5.0.1", hops=1,
                                    opts=cid + o82 + o(50, ip("10.5.0.10")) + o(54, SRV))))
    out["relay-unknown-net"] = seq(raw(dhcp_pkt(DISCOVER, giaddr="172.16.0.1", opts=o82)))
    out["relay-broadcast-flag"] = seq(raw(dhcp_pkt(DISCOVER, giaddr="10.5.0.1",
                                                   flags=0x8000, opts=PRL)))
    # overload (52): options continue in file (1), sname (2), both (3)
    for ov, sname, file in [(1, b"", o(12, b"inflie") + o(50, ip("192.168.1.101")) + b"\xff"),
                            (2, o(12, b"insname") + b"\xff", b""),
                            (3, o(60, b"vc") + b"\xff", o(12, b"both") + PRL + b"\xff")]:
        out["overload-%d" % ov] = seq(raw(dhcp_pkt(DISCOVER, opts=o(52, bytes([ov])),
                                                   sname=sname, file=file)))
    # long options split into several (RFC 3396), pad options, no end
    out["split-option"] = seq(raw(dhcp_pkt(DISCOVER, opts=o(12, b"spl") + o(12, b"it") +
                                           b"\x00\x00\x00" + o(55, b"\x01\x03") +
                                           o(55, b"\x06\x79"))))
    out["no-end-option"] = seq(raw(dhcp_pkt(DISCOVER, opts=cid, end=False)))
    out["option-overflow"] = seq(raw(dhcp_pkt(DISCOVER, opts=b"\x0c\xff" + b"x" * 4,
                                              end=False)))
    out["bad-header"] = seq(raw(dhcp_pkt(DISCOVER, op=2)), raw(dhcp_pkt(DISCOVER, htype=6,
                                                                           hlen=20)),
                            raw(dhcp_pkt(DISCOVER)[:200]))
    out["no-message-type"] = seq(raw(dhcp_pkt(0, opts=cid)))
    out["server-messages"] = seq(*[raw(dhcp_pkt(t)) for t in (OFFER, ACK, NAK, 9, 10, 13)])
    out["request-other-server"] = seq(raw(disc), raw(dhcp_pkt(REQUEST, opts=cid + o(
        50, ip("192.168.1.100")) + o(54, ip("192.168.1.2")))))
    out["fqdn-flags"] = seq(*[raw(dhcp_pkt(DISCOVER, mac=bytes([2, 0, 0, 0, 1, i]),
                                           opts=o(81, bytes([f, 0, 0]) + nm)))
                              for i, (f, nm) in enumerate([
                                  (0x05, b"\x04host\x00"), (0x08, b""),
                                  (0x04, b"\x03a.b\x00"), (0x00, b"my host!.lan"),
                                  (0x04, b"\x3fx" * 2)])])
    out["hostname-odd"] = seq(*[raw(dhcp_pkt(DISCOVER, mac=bytes([2, 0, 0, 0, 2, i]),
                                             opts=o(12, nm)))
                                for i, nm in enumerate([b"UPPER", b"-bad-", b"a" * 70,
                                                        b"dot.ted", b"sp ace", b"\x00nul"])])
    out["pool-exhaust"] = seq(*[raw(dhcp_pkt(DISCOVER, mac=bytes([2, 0, 0, 0, 3, i]),
                                             xid=i + 1, opts=o(80, b"")))
                                for i in range(8)])
    out["param-classless-routes"] = seq(raw(dhcp_pkt(DISCOVER, opts=o(
        55, bytes([121, 249, 119, 3, 6, 42, 100, 101, 114, 160, 252])) + o(77, b"\x04user"))))
    # wrapped option areas (the harness builds the header)
    out["wrap-discover"] = bytes([0x01]) + o(53, bytes([DISCOVER])) + PRL + b"\xff"
    out["wrap-relay-request"] = seq(bytes([0x42]) + o(53, bytes([DISCOVER])) + o82 + b"\xff",
                                    bytes([0x42]) + o(53, bytes([REQUEST])) + o82 +
                                    o(50, ip("10.5.0.10")) + o(54, SRV) + b"\xff")
    out["wrap-renew-ciaddr"] = seq(bytes([0x03]) + o(53, bytes([DISCOVER])) + b"\xff",
                                   bytes([0x03]) + o(53, bytes([REQUEST])) +
                                   o(50, ip("192.168.1.100")) + o(54, SRV) + b"\xff",
                                   bytes([0x23]) + o(53, bytes([REQUEST])) + b"\xff",
                                   bytes([0x33]) + o(53, bytes([REQUEST])) + b"\xff",
                                   bytes([0x23]) + o(53, bytes([RELEASE])) + b"\xff")
    out["wrap-overload"] = bytes([0x05]) + o(53, bytes([DISCOVER])) + o(52, b"\x03") + b"\xff"
    # the whole input also goes to dhcp_restore: lease journal records
    # (dhcp/journal.c: DC 01, body length, CRC-32C, addr, state, hlen,
    # chaddr, idlen, client id, name length, name, expiry ms)
    def lease(addr, state, mac, cid, name, exp):
        body = ip(addr) + bytes([state, len(mac)]) + mac + bytes([len(cid)]) + cid + \
            bytes([len(name)]) + name + struct.pack("!Q", exp)
        return b"\xdc\x01" + struct.pack("!HI", len(body), crc32c(body)) + body
    now = 1700000000000
    recs = [lease("192.168.1.100", 1, mac, b"\x01" + mac, b"laptop", now + 3600000),
            lease("192.168.1.101", 1, b"\x02\x00\x00\x00\x00\x02", b"", b"", now + 60000),
            lease("192.168.1.100", 0, mac, b"\x01" + mac, b"laptop", now),
            lease("192.168.1.102", 2, b"\x02\x00\x00\x00\x00\x03", b"", b"", now + 600000),
            lease("10.5.0.10", 1, b"\x02\x00\x00\x00\x01\x01", b"", b"relayed", now + 1),
            lease("192.168.1.50", 1, b"\x02\x00\x00\x00\x00\xaa", b"", b"printer", 2 ** 63),
            lease("172.16.0.1", 1, b"\x02\x00\x00\x00\x09\x09", b"", b"elsewhere", now + 1)]
    out["journal"] = b"".join(recs)
    out["journal-torn"] = b"".join(recs[:3]) + recs[3][:11]
    bad = bytearray(recs[1])
    bad[-1] ^= 1
    out["journal-bad-crc"] = recs[0] + bytes(bad) + recs[2]
    out["journal-bad-fields"] = lease("192.168.1.100", 7, mac, b"", b"", now) + \
        lease("192.168.1.100", 1, mac * 3, b"", b"", now) + \
        lease("192.168.1.100", 1, mac, b"x" * 70, b"y" * 70, now)
    # the config parsers get the same bytes
    for i, s in enumerate([b"192.168.1.100,192.168.1.110,1h",
                           b"tag:lan,10.0.0.10,10.0.0.20,255.255.255.0,12h",
                           b"02:00:00:00:00:bb,192.168.1.60,box,infinite",
                           b"id:01:02:03,set:x,ignore",
                           b"option:router,192.168.1.1",
                           b"121,10.0.0.0/8,192.168.1.1",
                           b"option:domain-search,a.lan,b.lan",
                           b"force:vendor:MSFT,2,1i"]):
        out["config-%d" % i] = s
    return out


# ---------------------------------------------------------------------------
# fuzz_doh: byte 0 & 3 = 0 HTTP/1.1, 1 HTTP/2 frames (the harness sends the
# preface), 2 a DNS message wrapped in GET+POST, 3 base64url + min TTL;
# 0x10 answer at once, 0x20 fail with 400, else answer after the chunk.
# ---------------------------------------------------------------------------
def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


DQ = query("www.example.com", "A", qid=0)
DQ_EDNS = query("example.com", "AAAA", edns=0, qid=0, do=True)


def h1get(msg=DQ, extra="", path="/dns-query", ver="HTTP/1.1", method="GET"):
    return ("%s %s?dns=%s %s\r\nHost: dns.example\r\nAccept: application/dns-message\r\n"
            "%s\r\n" % (method, path, b64u(msg), ver, extra)).encode()


def h1post(msg=DQ, ctype="application/dns-message", extra="", clen=None):
    return ("POST /dns-query HTTP/1.1\r\nHost: dns.example\r\nContent-Type: %s\r\n"
            "Content-Length: %d\r\n%s\r\n" % (ctype, len(msg) if clen is None else clen,
                                             extra)).encode() + msg


def hpack_int(v, prefix, first=0):
    m = (1 << prefix) - 1
    if v < m:
        return bytes([first | v])
    out = [first | m]
    v -= m
    while v >= 128:
        out.append((v & 127) | 128)
        v >>= 7
    out.append(v)
    return bytes(out)


def hpack(headers):
    """Literal header fields without indexing, new names, no Huffman;
    :method GET/POST and :scheme https from the static table."""
    out = b""
    for k, v in headers:
        if (k, v) == (":method", "GET"):
            out += b"\x82"
        elif (k, v) == (":method", "POST"):
            out += b"\x83"
        elif (k, v) == (":scheme", "https"):
            out += b"\x87"
        else:
            kb, vb = k.encode(), v.encode()
            out += b"\x00" + hpack_int(len(kb), 7) + kb + hpack_int(len(vb), 7) + vb
    return out


def h2frame(ftype, flags, sid, payload):
    return struct.pack("!I", len(payload))[1:] + bytes([ftype, flags]) + \
        struct.pack("!I", sid) + payload


DATA, HEADERS, PRIORITY, RST, SETTINGS, PUSH, PING, GOAWAY, WINUP, CONT = range(10)
EOS, EOH, PADDED, PRIO = 0x1, 0x4, 0x8, 0x20
H2_SETTINGS = h2frame(SETTINGS, 0, 0, struct.pack("!HI", 3, 100) + struct.pack("!HI", 4, 65535))
H2_ACK = h2frame(SETTINGS, 1, 0, b"")


def h2get(sid, msg=DQ, path=None, extra=()):
    hs = [(":method", "GET"), (":scheme", "https"), (":authority", "dns.example"),
          (":path", path or "/dns-query?dns=" + b64u(msg)),
          ("accept", "application/dns-message")] + list(extra)
    return h2frame(HEADERS, EOS | EOH, sid, hpack(hs))


def h2post(sid, msg=DQ, ctype="application/dns-message", split=False, pad=0):
    hs = [(":method", "POST"), (":scheme", "https"), (":authority", "dns.example"),
          (":path", "/dns-query"), ("content-type", ctype),
          ("content-length", str(len(msg)))]
    f = h2frame(HEADERS, EOH, sid, hpack(hs))
    if split:
        f += h2frame(DATA, 0, sid, msg[:5]) + h2frame(DATA, EOS, sid, msg[5:])
    elif pad:
        f += h2frame(DATA, EOS | PADDED, sid, bytes([pad]) + msg + bytes(pad))
    else:
        f += h2frame(DATA, EOS, sid, msg)
    return f


def gen_doh():
    out = {}
    h1 = {
        "get": h1get(),
        "get-edns": h1get(DQ_EDNS),
        "get-padded-b64": ("GET /dns-query?dns=%s== HTTP/1.1\r\nHost: x\r\n\r\n" %
                           b64u(DQ)).encode(),
        "get-other-params": ("GET /dns-query?ct=x&dns=%s&z=1 HTTP/1.1\r\n\r\n" %
                             b64u(DQ)).encode(),
        "get-no-dns": b"GET /dns-query?foo=1 HTTP/1.1\r\nHost: x\r\n\r\n",
        "get-short-dns": b"GET /dns-query?dns=AAAA HTTP/1.1\r\n\r\n",
        "get-bad-b64": b"GET /dns-query?dns=!!!*** HTTP/1.1\r\n\r\n",
        "get-404": h1get(path="/other"),
        "get-root": b"GET / HTTP/1.1\r\n\r\n",
        "get-http10": h1get(ver="HTTP/1.0"),
        "get-http2-version": h1get(ver="HTTP/2.0"),
        "get-close": h1get(extra="Connection: close\r\n"),
        "get-keepalive-pipelined": h1get(extra="Connection: keep-alive\r\n") +
        h1post() + h1get(DQ_EDNS),
        "post": h1post(),
        "post-ctype-params": h1post(ctype="application/dns-message; charset=x"),
        "post-ctype-upper": h1post(ctype="Application/DNS-Message  "),
        "post-415": h1post(ctype="text/plain"),
        "post-no-ctype": b"POST /dns-query HTTP/1.1\r\nContent-Length: 12\r\n\r\n" + DQ[:12],
        "post-no-length": b"POST /dns-query HTTP/1.1\r\nContent-Type: application/dns-message\r\n\r\n",
        "post-413": h1post(clen=70000),
        "post-bad-length": h1post(extra="Content-Length: 5\r\n"),
        "post-length-junk": h1post(clen=0).replace(b"Content-Length: 0", b"Content-Length: 1x"),
        "post-short": h1post(DQ[:8]),
        "post-chunked": h1post(extra="Transfer-Encoding: chunked\r\n"),
        "post-expect": h1post(extra="Expect: 100-continue\r\n"),
        "post-partial-body": h1post()[:-5],
        "put-405": h1get(method="PUT"),
        "head": h1get(method="HEAD"),
        "bad-reqline": b"GET\r\n\r\n",
        "bad-header-fold": b"GET /dns-query?dns=AAAA HTTP/1.1\r\nHost: x\r\n  folded\r\n\r\n",
        "bad-header-nocolon": b"GET /dns-query?dns=AAAA HTTP/1.1\r\nHost\r\n\r\n",
        "header-nul": b"GET /dns-query?dns=AAAA HTTP/1.1\r\nHost: a\x00b\r\n\r\n",
        "lf-only": h1get().replace(b"\r\n", b"\n"),
        "huge-header": b"GET /dns-query HTTP/1.1\r\nX: " + b"a" * 3900 + b"\r\n\r\n",
        "h2-upgrade-preface": b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + H2_SETTINGS + h2get(1),
    }
    for i, (k, v) in enumerate(h1.items()):
        out["h1-" + k] = bytes([(0x00, 0x10, 0x20)[i % 3]]) + v
    h2 = {
        "get": H2_SETTINGS + h2get(1),
        "post": H2_SETTINGS + h2post(1),
        "post-split-data": H2_SETTINGS + h2post(1, split=True),
        "post-padded": H2_SETTINGS + h2post(1, pad=7),
        "post-415": H2_SETTINGS + h2post(1, ctype="text/plain"),
        "many-streams": H2_SETTINGS + H2_ACK + b"".join(
            h2get(2 * i + 1, DQ_EDNS if i % 2 else DQ) for i in range(6)) + h2post(13),
        "continuation": H2_SETTINGS + (lambda hb: h2frame(HEADERS, EOS, 1, hb[:20]) +
                                       h2frame(CONT, EOH, 1, hb[20:]))(
            hpack([(":method", "GET"), (":scheme", "https"), (":authority", "x"),
                   (":path", "/dns-query?dns=" + b64u(DQ))])),
        "priority-window-ping": H2_SETTINGS +
        h2frame(PRIORITY, 0, 1, struct.pack("!IB", 0, 16)) +
        h2frame(WINUP, 0, 0, struct.pack("!I", 65536)) +
        h2frame(PING, 0, 0, b"12345678") + h2get(1) +
        h2frame(WINUP, 0, 1, struct.pack("!I", 1000)),
        "headers-with-priority": H2_SETTINGS + h2frame(
            HEADERS, EOS | EOH | PRIO, 1, struct.pack("!IB", 0, 200) + hpack(
                [(":method", "GET"), (":scheme", "https"), (":authority", "x"),
                 (":path", "/dns-query?dns=" + b64u(DQ))])),
        "rst-stream": H2_SETTINGS + h2post(1)[:-len(DQ) - 9] +
        h2frame(RST, 0, 1, struct.pack("!I", 8)) + h2get(3),
        "goaway": H2_SETTINGS + h2get(1) + h2frame(GOAWAY, 0, 0, struct.pack("!II", 1, 0)),
        "404": H2_SETTINGS + h2get(1, path="/nope"),
        "405-put": H2_SETTINGS + h2frame(HEADERS, EOS | EOH, 1, hpack(
            [(":method", "PUT"), (":scheme", "https"), (":authority", "x"),
             (":path", "/dns-query")])),
        "no-path": H2_SETTINGS + h2frame(HEADERS, EOS | EOH, 1, hpack(
            [(":method", "GET"), (":scheme", "https"), (":authority", "x")])),
        "big-headers": H2_SETTINGS + h2get(1, extra=[("x-big", "v" * 1200)] * 3),
        "even-stream-id": H2_SETTINGS + h2get(2),
        "data-on-idle": H2_SETTINGS + h2frame(DATA, EOS, 5, DQ),
        "push-promise": H2_SETTINGS + h2frame(PUSH, EOH, 1, b"\x00\x00\x00\x02" + hpack(
            [(":method", "GET")])),
        "bad-settings": h2frame(SETTINGS, 0, 0, b"\x00\x04\xff\xff\xff\xff\x00"),
        "no-settings": h2get(1),
        "hpack-indexed-dyn": H2_SETTINGS + h2frame(HEADERS, EOS | EOH, 1, b"\x82\x87\x84"
                                                   b"\x41\x0bdns.example" + b"\xbe") + h2get(3),
    }
    for i, (k, v) in enumerate(h2.items()):
        out["h2-" + k] = bytes([(0x01, 0x11, 0x21)[i % 3]]) + v
    for i, (k, m) in enumerate([("q", DQ), ("q-edns", DQ_EDNS),
                                ("q-cookie", query("www.example.com", "A", edns=0, qid=0,
                                                   options=[opt(10, bytes(8))])),
                                ("resp", signed_responses()["pos-a"]),
                                ("short", DQ[:11]), ("id-nonzero", query("a.b", "TXT"))]):
        out["dns-" + k] = bytes([(0x02, 0x12, 0x22)[i % 3]]) + m
    for k, m in [("b64-query", b64u(DQ).encode()), ("b64-pad", b"AAECAwQ="),
                 ("b64-bad", b"A-_/+="), ("ttl-resp", signed_responses()["mx-additional"]),
                 ("ttl-nxdomain", signed_responses()["nxdomain-nsec"])]:
        out["mode3-" + k] = b"\x03" + m
    return out


# ---------------------------------------------------------------------------
# fuzz_acme: byte 0 % 4 (1: the first half of the rest is saved state,
# 2: a CSR in DER); then per engine action: HTTP -> one byte, & 3 != 0 the
# canned CA answer, else a fuzz answer: flags byte (the byte % 10 indexes
# 0 200 201 204 400 403 404 429 500 503; 0x10 Location, 0x20 Retry-After),
# Replay-Nonce, [Location], [Retry-After], Content-Type (each a length
# byte + text), body length (byte * 8 + (byte & 7)), body.
# WAIT_PUBLISHED -> one byte (% 8 != 0 published, % 16 == 0 failed).
# With canned answers the engine asks, in order (traced from the engine):
#   0 GET dir, 1 POST acct, 2 POST order, 3 POST authz/0, 4 POST authz/1,
#   W, W (wait published), 5 POST chall/0, 6 POST chall/1, 7 POST authz/0,
#   8 POST authz/1, 9 POST fin, 10 POST cert (then the order again).
# ---------------------------------------------------------------------------
ACME_SEQ = ["H", "H", "H", "H", "H", "W", "W", "H", "H", "H", "H", "H", "H"]
CA = "https://ca.test"
ST = {0: 0, 200: 1, 201: 2, 204: 3, 400: 4, 403: 5, 404: 6, 429: 7, 500: 8, 503: 9}


def lstr(s):
    b = s.encode() if isinstance(s, str) else s
    assert len(b) < 256
    return bytes([len(b)]) + b


def acme_resp(status, body, nonce="n0nce", loc=None, ra=None,
              ct="application/json"):
    b = body.encode() if isinstance(body, str) else body
    assert len(b) <= 2047
    bits = (0x10 if loc is not None else 0) | (0x20 if ra is not None else 0)
    # the harness takes the status as flags % 10 (flag bits included)
    f = next(f for f in range(256) if f % 10 == ST[status] and f & 0x30 == bits)
    out = b"\x00" + bytes([f]) + lstr(nonce)
    if loc is not None:
        out += lstr(loc)
    if ra is not None:
        out += lstr(ra)
    return out + lstr(ct) + bytes([len(b) // 8, len(b) % 8]) + b


def acme_script(sel, at, resp, tail=b"\x01" * 24, wait=b"\x01"):
    """Canned answers, with resp (or a list of them) at HTTP step(s) at."""
    if not isinstance(at, (list, tuple)):
        at, resp = [at], [resp]
    repl = dict(zip(at, resp))
    out, h = bytes([sel]), 0
    for k in ACME_SEQ:
        if k == "W":
            out += wait
            continue
        out += repl.get(h, b"\x01")
        h += 1
    return out + tail


# a fixed RSA-2048 key for the CSR seeds (made once with cryptography)
RSA_KEY = (
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvwIBADANBgkqhkiG9w0BAQEFAASCBKkwggSlAgEAAoIBAQCwgPDFyciwyVGE\n"
    "kPEdwmXYbiu29nFYWV6JjH2WdEvL5ljVh7LbIoxpygnp+jsTZ1Nblm+9evH2uUtI\n"
    "oR5IP9nNh/dELGLbWBzQyw0I7JeosLW0R56ACGvMP63+d96masrOgy/Ez0SlIM6H\n"
    "fIbiknR84A1US+WSgd62vvCgNjJ40J6N+54EyOqUJks24s5zVeYswFG2PXoAjf/v\n"
    "RJSgsugWmzRg2tKhg1UOiKSILvWbxb2aaisaEeCRowHxKOlL3YtwprbkgYqrP+Xv\n"
    "53w0ttqK1dIkQF3Pn5NKKMMZpqXpqL+chB6ijVBj01goH8i66qRjdrMY3GvFAUt3\n"
    "P9TUQwH3AgMBAAECggEAAn1nKBsfGiNU445Z4GYYIrP3KOcUFT95fm49bUxpr1Aq\n"
    "C6UU6FN18J4ZgrP1dmIcQmv+Wolr9WOKxNUFBNblvyj+W3dW06pMCcP7hJc10nrf\n"
    "rVHfUgYMYz64uSC+wtE52CzwlRGpcbzjPPUMQBD51LMibQB/FhB/8EsEQPZSwvKE\n"
    "bqKnVCzNG8aOZ96hCxmzzRVECUkrvkXyEPTltuaIxh49qDH31YRpkmTyTVbH6igL\n"
    "k79ZVQmGHcd3h9YhhLRxHeD6yPf2hd/YGU/AjXk1MGA5XvHH+TlOiJgthRFEmRSN\n"
    "b5AtXwKQioPJgefstmO6WjQd/xdL5D6RtsTp9ts2sQKBgQDkwgKH8yNt2N06STM8\n"
    "GmdP7LjuGUhM2xWCJFFWMDwiHW6BN6EoIvUYb5utPf6DjtKxTLFxFR0RCjsBUZxw\n"
    "7NstXmuNoarlLW4LJ1oky4Q53n7X0HtjIC3kE3RtsdF41J273sgMs2p8+KfxaY4S\n"
    "C0gF9LyZGMoGXwL2+MGt/d1QEQKBgQDFheRUAUXgQhfdccKzyh5ha5+EIqVrU8za\n"
    "lWD9bBpgcebX3m0GJ4nrim3zMhNM0vLYTXcT6DKoH9H4yS2rgX6/dBdBpKf9dE2j\n"
    "osuu2dOajt+QFkEOWCQUT9gpTz8vellf60EkS+rgaUdc3Fr95wh0FbXBDkBeDJBF\n"
    "cozmzBo5hwKBgQCUeBK6d6SL+8+Br9av8JcS+ZoA9qnFMAAiqj2cCcxNe/qnpRpU\n"
    "eXPHu1A3vV+9tOmsJxGXSlPGJnSrY3N8m02ZgYmer8nB2p1sYcsQzIHyKST8HxSl\n"
    "/lGqkLHlLB6/JIeHUo1WKPA5Ug12EsMhlO7W5sOtPbiJMAs1jbfunDCScQKBgQCg\n"
    "tsyNPWvpiF16pLFTMEV/5t2n2bjWlxy7TYfZKzha+NJnGmeC9nDV4ZCMrFXf0FQf\n"
    "gwg8flWZTiq+TpKGVZsXlBHIK300UIlLd45a+omd3FozFqhgT38rt7ueAQjcTKSj\n"
    "0vrx2YOGjKKv/+tZY74RFgkIx9u/qmFI4Gec8rzzyQKBgQCOCx8RzVWSLkpO+smD\n"
    "sMPSUaUZGC953qV4LO3miXxn/YeNOhVPTRpzszIZHfhFovAqVeKXy0PS0dQ10/Z1\n"
    "20xXZIJ0OS9S1qRtDLgnOhQuwqF/Omcb2sWx17E35tBzRX+r3+Y7Wav104RS+HAu\n"
    "AVdhPDz9MMX0kVKoejfbo93y8Q==\n"
    "-----END PRIVATE KEY-----\n")


def gen_acme():
    import json
    out = {}
    J = json.dumps
    dir_full = {"newNonce": CA + "/nonce", "newAccount": CA + "/acct",
                "newOrder": CA + "/order", "revokeCert": CA + "/revoke",
                "keyChange": CA + "/key", "renewalInfo": CA + "/ari",
                "meta": {"termsOfService": CA + "/tos", "website": "https://x",
                         "caaIdentities": ["ca.test"], "externalAccountRequired": False}}
    prob = lambda t, d, **k: J(dict({"type": "urn:ietf:params:acme:error:" + t,  # noqa: E731
                                     "detail": d, "status": 400}, **k))
    out["flow-canned"] = acme_script(0, 99, b"")
    out["flow-canned-sel3"] = acme_script(3, 99, b"")
    out["flow-publish-failed"] = acme_script(0, 99, b"", wait=b"\x10")
    out["flow-publish-never"] = acme_script(0, 99, b"", wait=b"\x08")
    # directory variants (step 0)
    out["dir-full"] = acme_script(0, 0, acme_resp(200, J(dir_full)))
    out["dir-eab"] = acme_script(0, 0, acme_resp(200, J(dict(dir_full, meta={
        "externalAccountRequired": True}))))
    out["dir-missing-keys"] = acme_script(0, 0, acme_resp(200, J({"newNonce": CA + "/n"})))
    out["dir-not-json"] = acme_script(0, 0, acme_resp(200, "<html>oops</html>", ct="text/html"))
    out["dir-503-retry"] = acme_script(0, 0, acme_resp(503, prob("serverInternal", "busy"),
                                                       ra="120",
                                                       ct="application/problem+json"))
    out["dir-429-date"] = acme_script(0, 0, acme_resp(429, prob("rateLimited", "slow down"),
                                                      ra="Wed, 21 Jan 2027 07:28:00 GMT",
                                                      ct="application/problem+json"))
    # account (step 1)
    out["acct-ok"] = acme_script(0, 1, acme_resp(201, J({"status": "valid", "contact": [
        "mailto:x@example.com"], "orders": CA + "/acct/1/orders"}), loc=CA + "/acct/1"))
    out["acct-existing-200"] = acme_script(0, 1, acme_resp(200, J({"status": "valid"}),
                                                           loc=CA + "/acct/7"))
    out["acct-no-location"] = acme_script(0, 1, acme_resp(201, J({"status": "valid"})))
    out["acct-deactivated"] = acme_script(0, 1, acme_resp(201, J({"status": "deactivated"}),
                                                          loc=CA + "/acct/1"))
    out["acct-badnonce"] = acme_script(0, 1, acme_resp(400, prob("badNonce", "stale"),
                                                       nonce="fresh",
                                                       ct="application/problem+json"))
    out["acct-badnonce-twice"] = acme_script(0, [1, 2], [
        acme_resp(400, prob("badNonce", "stale"), ct="application/problem+json")] * 2)
    out["acct-tos"] = acme_script(0, 1, acme_resp(403, prob("userActionRequired", "new ToS",
                                                            instance=CA + "/tos2"),
                                                  ct="application/problem+json"))
    out["acct-eab-required"] = acme_script(0, 1, acme_resp(
        400, prob("externalAccountRequired", "eab"), ct="application/problem+json"))
    # order (step 2)
    order = {"status": "pending", "expires": "2027-01-01T00:00:00Z",
             "identifiers": [{"type": "dns", "value": "example.com"},
                             {"type": "dns", "value": "*.example.com"}],
             "authorizations": [CA + "/authz/0", CA + "/authz/1"], "finalize": CA + "/fin"}
    out["order-pending"] = acme_script(0, 2, acme_resp(201, J(order), loc=CA + "/order/1"))
    out["order-ready"] = acme_script(0, 2, acme_resp(201, J(dict(order, status="ready")),
                                                     loc=CA + "/order/1"))
    out["order-no-authz"] = acme_script(0, 2, acme_resp(201, J(dict(order, authorizations=[])),
                                                        loc=CA + "/order/1"))
    out["order-invalid"] = acme_script(0, 2, acme_resp(201, J(dict(order, status="invalid", error={
        "type": "urn:ietf:params:acme:error:rejectedIdentifier", "detail": "no"})),
        loc=CA + "/order/1"))
    out["order-bad-types"] = acme_script(0, 2, acme_resp(201, J(dict(
        order, authorizations="x", finalize=5, status=1)), loc=CA + "/order/1"))
    out["order-accountDoesNotExist"] = acme_script(0, 2, acme_resp(
        400, prob("accountDoesNotExist", "gone"), ct="application/problem+json"))
    out["order-subproblems"] = acme_script(0, 2, acme_resp(400, prob(
        "compound", "several", subproblems=[
            {"type": "urn:ietf:params:acme:error:caa", "detail": "caa forbids",
             "identifier": {"type": "dns", "value": "example.com"}},
            {"type": "urn:ietf:params:acme:error:dns", "detail": "nx"}]),
        ct="application/problem+json"))
    # authorizations (steps 3, 4; again at 7, 8)
    authz = {"status": "pending", "expires": "2027-01-01T00:00:00Z",
             "identifier": {"type": "dns", "value": "example.com"},
             "challenges": [
                 {"type": "http-01", "url": CA + "/chall/h", "token": "tokh", "status": "pending"},
                 {"type": "dns-01", "url": CA + "/chall/0", "token": "tok0", "status": "pending"},
                 {"type": "tls-alpn-01", "url": CA + "/chall/t", "token": "tokt"}]}
    out["authz-pending"] = acme_script(0, 3, acme_resp(200, J(authz)))
    out["authz-wildcard"] = acme_script(0, 4, acme_resp(200, J(dict(
        authz, wildcard=True, challenges=[{"type": "dns-01", "url": CA + "/chall/1",
                                           "token": "tok1"}]))))
    out["authz-valid-already"] = acme_script(0, 3, acme_resp(200, J(dict(authz, status="valid"))))
    out["authz-no-dns01"] = acme_script(0, 3, acme_resp(200, J(dict(authz, challenges=[
        {"type": "http-01", "url": CA + "/chall/h", "token": "tokh"}]))))
    out["authz-bad-token"] = acme_script(0, 3, acme_resp(200, J(dict(authz, challenges=[
        {"type": "dns-01", "url": CA + "/chall/0", "token": "../../x y"}]))))
    out["authz-invalid-error"] = acme_script(0, 7, acme_resp(200, J(dict(
        authz, status="invalid", challenges=[{
            "type": "dns-01", "url": CA + "/chall/0", "token": "tok0", "status": "invalid",
            "error": {"type": "urn:ietf:params:acme:error:incorrectResponse",
                      "detail": "TXT not found"}}]))))
    out["authz-still-pending-retry"] = acme_script(0, [7, 8], [
        acme_resp(200, J(authz), ra="3"), acme_resp(200, J(dict(authz, status="processing")))])
    out["authz-expired"] = acme_script(0, 8, acme_resp(200, J(dict(authz, status="expired"))))
    out["authz-deactivated"] = acme_script(0, 8, acme_resp(200, J(dict(authz,
                                                                       status="deactivated"))))
    out["authz-not-object"] = acme_script(0, 3, acme_resp(200, "[1,2,3]"))
    # challenge responses (5, 6)
    out["chall-processing"] = acme_script(0, 5, acme_resp(200, J({
        "type": "dns-01", "status": "processing", "url": CA + "/chall/0", "token": "tok0"})))
    out["chall-invalid"] = acme_script(0, 6, acme_resp(200, J({
        "type": "dns-01", "status": "invalid", "error": {
            "type": "urn:ietf:params:acme:error:unauthorized", "detail": "bad"}})))
    out["chall-500"] = acme_script(0, 5, acme_resp(500, prob("serverInternal", "oops"),
                                                   ct="application/problem+json"))
    # finalize (9) and certificate (10)
    out["fin-processing"] = acme_script(0, 9, acme_resp(200, J(dict(order, status="processing")),
                                                        ra="2", loc=CA + "/order/1"))
    out["fin-invalid"] = acme_script(0, 9, acme_resp(200, J(dict(order, status="invalid"))))
    out["fin-badcsr"] = acme_script(0, 9, acme_resp(400, prob("badCSR", "bad"),
                                                    ct="application/problem+json"))
    out["fin-valid-no-cert"] = acme_script(0, 9, acme_resp(200, J(dict(order, status="valid"))))
    out["cert-garbage"] = acme_script(0, 10, acme_resp(
        200, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        ct="application/pem-certificate-chain"))
    out["cert-empty"] = acme_script(0, 10, acme_resp(200, "",
                                                     ct="application/pem-certificate-chain"))
    out["cert-404"] = acme_script(0, 10, acme_resp(404, prob("malformed", "no cert"),
                                                   ct="application/problem+json"))
    out["status-204-nobody"] = acme_script(0, 1, acme_resp(204, ""))
    out["status-0-net-error"] = acme_script(0, 2, acme_resp(0, "", nonce=""))
    # saved state (sel 1): the first half of the rest is JSON state
    def state(doc):
        s = J(doc).encode()
        return bytes([1]) + s + b"\x01" * len(s)
    out["state-account"] = state({"version": 1, "account_url": CA + "/acct/1", "orders": []})
    out["state-order-in-flight"] = state({"version": 1, "account_url": CA + "/acct/1",
                                          "orders": [{"id": "web", "due": 1800000000,
                                                      "backoff": 0, "url": CA + "/order/1",
                                                      "key": "-----BEGIN PRIVATE KEY-----\n"
                                                      "MC4CAQAwBQYDK2VwBCIEIA==\n"
                                                      "-----END PRIVATE KEY-----\n",
                                                      "not_before": 1, "not_after": 2}]})
    out["state-backoff"] = state({"version": 1, "orders": [{"id": "web", "due": 1800003600,
                                                            "backoff": 3600}, {"id": "x"}, 7]})
    out["state-bad-version"] = state({"version": 2, "orders": "x"})
    out["state-csr-order"] = state({"version": 1, "orders": [{
        "id": "csr1", "due": 0, "backoff": 99999999,
        "csr": b64u(bytes.fromhex("3082010a0201003000"))}]})
    # CSR order (sel 2): real CSRs (DER) from a fixed RSA key (PKCS#1 v1.5
    # signatures are deterministic, unlike ECDSA here) and a fixed Ed25519
    # key
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID
    rsak = serialization.load_pem_private_key(RSA_KEY.encode(), None)
    ders = {}
    for nm, cn, sans, k in [("two-names", "example.com", ["example.com", "*.example.com"], rsak),
                            ("other-name", "other.test", ["other.test"], rsak),
                            ("no-san", "example.com", None, rsak),
                            ("ed25519", "example.com", ["example.com"], KSK_PRIV)]:
        bld = x509.CertificateSigningRequestBuilder().subject_name(
            x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
        if sans:
            bld = bld.add_extension(x509.SubjectAlternativeName(
                [x509.DNSName(x) for x in sans]), critical=False)
        csr = bld.sign(k, None if k is KSK_PRIV else hashes.SHA256())
        ders[nm] = csr.public_bytes(serialization.Encoding.DER)
    for nm, der in ders.items():
        out["csr-" + nm] = bytes([2]) + der + acme_script(0, 99, b"")[1:][:len(der)].ljust(
            len(der), b"\x01")
    return out


# ---------------------------------------------------------------------------
# libFuzzer dictionaries: tests/fuzz/<target>.dict
# ---------------------------------------------------------------------------
def dict_text(entries):
    out = []
    for k, v in entries:
        b = v.encode() if isinstance(v, str) else v
        esc = "".join(chr(c) if 32 <= c < 127 and chr(c) not in '"\\' else
                      "\\x%02x" % c for c in b)
        out.append('%s="%s"' % (k, esc))
    return "\n".join(out) + "\n"


def dns_dict():
    e = []
    for t in ("A NS CNAME SOA PTR MX TXT AAAA SRV NAPTR DS SSHFP RRSIG NSEC "
              "DNSKEY NSEC3 NSEC3PARAM TLSA SVCB HTTPS CAA DNAME OPT TSIG IXFR "
              "AXFR ANY NULL HINFO URI ZONEMD").split():
        e.append(("type_" + t, struct.pack("!H", dns.rdatatype.from_text(t))))
    for c, v in (("IN", 1), ("CH", 3), ("HS", 4), ("NONE", 254), ("ANY", 255)):
        e.append(("class_" + c, struct.pack("!H", v)))
    e += [("flags_rd", b"\x01\x00"), ("flags_resp", b"\x81\x80"),
          ("flags_aa", b"\x84\x00"), ("flags_nxdomain", b"\x81\x83"),
          ("flags_notify", b"\x24\x00"), ("flags_update", b"\x28\x00"),
          ("flags_tc", b"\x82\x00"), ("flags_ad_cd", b"\x01\x30"),
          ("opt_rr", b"\x00\x00\x29\x04\xd0\x00\x00\x00\x00"),
          ("opt_do", b"\x00\x00\x29\x10\x00\x00\x00\x80\x00"),
          ("opt_v1", b"\x00\x00\x29\x04\xd0\x00\x01\x00\x00"),
          ("edns_nsid", b"\x00\x03\x00\x00"), ("edns_ecs", b"\x00\x08\x00\x07\x00\x01\x18\x00"),
          ("edns_cookie", b"\x00\x0a\x00\x08"), ("edns_cookie_full", b"\x00\x0a\x00\x18"),
          ("edns_keepalive", b"\x00\x0b\x00\x00"), ("edns_padding", b"\x00\x0c\x00\x04"),
          ("edns_ede", b"\x00\x0f\x00\x02"),
          ("ptr_qname", b"\xc0\x0c"), ("ptr_loop", b"\xc0\x00"), ("root", b"\x00"),
          ("name_example_com", n("example.com.").to_wire()),
          ("name_www", n("www.example.com.").to_wire()),
          ("name_example", n("example.").to_wire()),
          ("name_sec_test", n("sec.test.").to_wire()),
          ("name_wild", b"\x01*"), ("label_63", b"\x3f"), ("label_ext", b"\x40"),
          ("ttl_3600", b"\x00\x00\x0e\x10"), ("ttl_max", b"\x7f\xff\xff\xff"),
          ("ttl_neg", b"\xff\xff\xff\xff"),
          ("alg_hmac_sha256", n("hmac-sha256.").to_wire()),
          ("alg_hmac_md5", n("hmac-md5.sig-alg.reg.int.").to_wire()),
          ("alg_hmac_sha512", n("hmac-sha512.").to_wire()),
          ("key_tk", n("tk.example.").to_wire()), ("key_k", n("k.").to_wire()),
          ("tsig_time", struct.pack("!HI", 0, 1700000000)), ("tsig_fudge", b"\x01\x2c"),
          ("serial_5", b"\x00\x00\x00\x05"), ("serial_6", b"\x00\x00\x00\x06")]
    return e


def dhcp_dict():
    e = [("magic", b"\x63\x82\x53\x63"), ("sep", b"\xde\xad"), ("end", b"\xff"),
         ("journal_rec", b"\xdc\x01"),
         ("pad", b"\x00"), ("srv_id", b"\x36\x04\xc0\xa8\x01\x01"),
         ("req_ip", b"\x32\x04\xc0\xa8\x01\x64"), ("req_ip_relay", b"\x32\x04\x0a\x05\x00\x0a"),
         ("ip_srv", b"\xc0\xa8\x01\x01"), ("giaddr", b"\x0a\x05\x00\x01"),
         ("mac_host", b"\x02\x00\x00\x00\x00\xaa"), ("overload3", b"\x34\x01\x03"),
         ("rapid", b"\x50\x00"), ("maxsize", b"\x39\x02\x05\xdc"),
         ("cid", b"\x3d\x07\x01\x02\x00\x00\x00\x00\x01"), ("cid_ignored", b"\x3d\x02\x01\x02"),
         ("fqdn", b"\x51\x03\x01\x00\x00"), ("agent", b"\x52\x08\x01\x02ab\x02\x02cd"),
         ("prl", b"\x37\x04\x01\x03\x06\x79"), ("hostname", b"\x0c\x04host"),
         ("lease", b"\x33\x04\x00\x00\x0e\x10"), ("vendor", b"\x3c\x08MSFT 5.0"),
         ("user_class", b"\x4d"), ("domain_search", b"\x77"), ("classless", b"\x79")]
    for t in range(1, 9):
        e.append(("msgtype_%d" % t, bytes([53, 1, t])))
    for k in ("option:", "option6:", "tag:", "set:", "tag:!", "id:", "ignore", "infinite",
              "force:", "vendor:", "encap:", "vi-encap:", "static", "proxy", "router",
              "dns-server", "domain-search", "classless-static-route", "ntp-server",
              "255.255.255.0", "192.168.1.100", ",", "1h", "45m", "2d", "lease-time"):
        e.append(("kw_" + "".join(c for c in k if c.isalnum()), k))
    return e


def doh_dict():
    e = []
    for k in ("GET ", "POST ", "PUT ", "HEAD ", " HTTP/1.1\r\n", " HTTP/1.0\r\n", "\r\n",
              "\r\n\r\n", "/dns-query", "/dns-query?dns=", "?dns=", "&dns=", "dns=",
              "Host: ", "Content-Type: ", "Content-Length: ", "Transfer-Encoding: chunked",
              "Expect: 100-continue", "Connection: close", "Connection: keep-alive",
              "Accept: ", "application/dns-message", "application/dns-message;",
              "AAABAAABAAAAAAAAA3d3dwdleGFtcGxlA2NvbQAAAQAB", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
              ":method", ":path", ":scheme", ":authority", "content-type", "content-length",
              "accept", "https"):
        e.append(("h_" + "".join(c for c in k if c.isalnum())[:20] or "crlf", k))
    e += [("h2_settings", h2frame(SETTINGS, 0, 0, b"")),
          ("h2_settings_ack", h2frame(SETTINGS, 1, 0, b"")),
          ("h2_headers_hdr", b"\x01\x05\x00\x00\x00\x01"),
          ("h2_headers_noeos", b"\x01\x04\x00\x00\x00\x01"),
          ("h2_data_eos", b"\x00\x01\x00\x00\x00\x01"),
          ("h2_cont", b"\x09\x04\x00\x00\x00\x01"),
          ("h2_rst", h2frame(RST, 0, 1, b"\x00\x00\x00\x08")),
          ("h2_winup", h2frame(WINUP, 0, 0, b"\x00\x01\x00\x00")),
          ("h2_ping", h2frame(PING, 0, 0, bytes(8))),
          ("h2_goaway", h2frame(GOAWAY, 0, 0, bytes(8))),
          ("hpack_get", b"\x82"), ("hpack_post", b"\x83"), ("hpack_https", b"\x87"),
          ("hpack_path_root", b"\x84"), ("hpack_lit", b"\x00"), ("hpack_dyn", b"\xbe"),
          ("hpack_ctype", hpack([("content-type", "application/dns-message")])),
          ("hpack_path", hpack([(":path", "/dns-query")]))]
    return e


def acme_dict():
    e = []
    for k in ("newNonce", "newAccount", "newOrder", "revokeCert", "keyChange", "renewalInfo",
              "meta", "termsOfService", "externalAccountRequired", "status", "valid",
              "pending", "ready", "processing", "invalid", "deactivated", "expired",
              "revoked", "identifiers", "identifier", "authorizations", "finalize",
              "certificate", "challenges", "type", "url", "token", "dns-01", "http-01",
              "tls-alpn-01", "dns", "value", "wildcard", "error", "detail", "subproblems",
              "suggestedWindow", "start", "end", "orders", "version", "account_url", "id",
              "due", "backoff", "not_before", "not_after", "key", "csr", "contact",
              "urn:ietf:params:acme:error:", "badNonce", "rateLimited", "accountDoesNotExist",
              "userActionRequired", "serverInternal", "badCSR", "unauthorized",
              "application/json", "application/problem+json",
              "application/pem-certificate-chain", "https://ca.test/",
              "-----BEGIN CERTIFICATE-----\n", "-----END CERTIFICATE-----\n",
              "Wed, 21 Jan 2027 07:28:00 GMT", "2027-01-01T00:00:00Z"):
        e.append(("j_" + "".join(c for c in k if c.isalnum())[:24], k))
    e += [("jq_" + k, '"%s":' % k) for k in ("status", "url", "type", "token", "challenges")]
    e += [("canned", b"\x01"), ("fuzzed_200", b"\x00\x01"), ("fuzzed_201_loc", b"\x00\x12"),
          ("fuzzed_429_ra", b"\x00\x27")]
    return e


def validate_dict():
    return [("type_a", b"\x00\x01"), ("type_dnskey", b"\x00\x30"), ("type_ds", b"\x00\x2b"),
            ("type_rrsig", b"\x00\x2e"), ("type_nsec", b"\x00\x2f"), ("type_nsec3", b"\x00\x32"),
            ("alg_ed25519", b"\x0f"), ("alg_rsasha256", b"\x08"), ("alg_ecdsa256", b"\x0d"),
            ("dnskey_ksk", b"\x01\x01\x03\x0f"), ("dnskey_zsk", b"\x01\x00\x03\x0f"),
            ("ds_sha256", b"\x0f\x02"), ("nsec3_hdr", b"\x01\x00\x00\x01\x02\xab\xcd\x14"),
            ("nsec3_optout", b"\x01\x01\x00\x01"),
            ("bitmap_a", b"\x00\x01\x40"), ("bitmap_soa_ns", b"\x00\x01\x22"),
            ("name_example", n("example.").to_wire()), ("name_wild", b"\x01*\x07example\x00"),
            ("time_incept", struct.pack("!I", INCEPT)), ("time_expire", struct.pack("!I", EXPIRE)),
            ("len_0", b"\x00\x00")]


def write_dicts(fuzzdir):
    common = dns_dict()
    dicts = {t: common for t in ("answer", "cache", "query", "resolver", "tsig",
                                 "update", "xfrin")}
    dicts.update(dhcp=dhcp_dict(), doh=doh_dict() + common[:30], acme=acme_dict(),
                 validate=validate_dict())
    for t, e in sorted(dicts.items()):
        e = list(e)
        seen = {}
        for i, (k, v) in enumerate(e):  # unique names
            seen[k] = seen.get(k, 0) + 1
            if seen[k] > 1:
                e[i] = ("%s_%d" % (k, seen[k]), v)
        with open(os.path.join(fuzzdir, t + ".dict"), "w") as f:
            f.write("# libFuzzer dictionary for fuzz_%s.c, generated by gen_corpus.py\n" % t)
            f.write(dict_text(e))


def main():
    qs = gen_queries()
    for k, v in qs.items():
        put("fuzz_query", k, v)
        put("fuzz_answer", k, v)
    for k, v in gen_tsig().items():
        put("fuzz_tsig", k, v)
        put("fuzz_query", "tsig-" + k, v)
    for k, v in gen_update().items():
        put("fuzz_update", k, v)
    put("fuzz_answer", "upd-add-a-refused", CORPUS["fuzz_update"]["upd-add-a"])
    for k, v in gen_xfrin().items():
        put("fuzz_xfrin", k, v)
    for k, v in gen_validate().items():
        put("fuzz_validate", k, v)
    for k, v in gen_cache().items():
        put("fuzz_cache", k, v)
    for k, v in gen_resolver().items():
        put("fuzz_resolver", k, v)
    for k, v in gen_dhcp().items():
        put("fuzz_dhcp", k, v)
    for k, v in gen_doh().items():
        put("fuzz_doh", k, v)
    for k, v in gen_acme().items():
        put("fuzz_acme", k, v)
    total = 0
    for t in sorted(CORPUS):
        for k, v in CORPUS[t].items():   # run.sh runs with -max_len=4096
            assert len(v) <= 4096, (t, k, len(v))
        d = os.path.join(OUT, t[len("fuzz_"):])
        os.makedirs(d, exist_ok=True)
        for k in os.listdir(d):   # regress-*: crash reproducers, kept
            if not k.startswith("regress-"):
                os.remove(os.path.join(d, k))
        for k, v in sorted(CORPUS[t].items()):
            with open(os.path.join(d, k), "wb") as f:
                f.write(v)
            total += len(v)
        print("%-14s %3d files %7d bytes" % (t[len("fuzz_"):], len(CORPUS[t]),
                                               sum(map(len, CORPUS[t].values()))))
    print("total %d bytes" % total)
    if len(sys.argv) < 3 or sys.argv[2] != "--no-dict":
        write_dicts(os.path.join(os.path.dirname(os.path.abspath(__file__))))


if __name__ == "__main__":
    main()
