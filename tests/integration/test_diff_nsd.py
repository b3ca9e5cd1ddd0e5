#!/usr/bin/python3
"""Differential test: the same zone files served by NSD and by dnsvizor.

Both servers load tests/integration/data_diff/*.zone (example.com, its served
child zone kid.example.com, and the unrelated example.net).  Every query in
QUERIES is sent to both (own sockets, so the raw question case can be
checked) and the answers are compared:

  - rcode (incl. extended rcode) and opcode
  - header flags QR AA TC RD RA (AD/CD are ignored)
  - the question section, case-sensitively (RFC 1035 4.1.1: copied)
  - EDNS presence, version, DO bit and advertised payload size
  - answer, authority and additional sections as sets of RRs
    (owner lowercased, TTL, class, type, canonical rdata), except when
    both replies are truncated (TC): then the header alone

NSD runs with minimal-responses: no, so it adds the additional-section
addresses for NS/MX/SRV targets that the issue asks of dnsvizor.  That mode
also puts the zone's apex NS RRset in the authority section of positive
answers (and its addresses in additional); that is optional data (RFC 1034
4.3.2 step 6 / RFC 2181 9: "may be useful", neither required nor
forbidden), so for positive authoritative answers it is removed from both
responses before comparing (see normalise()).  Nothing else is filtered.

Then the same three zones are signed at test time with ldns-signzone
(kid.example.com's DS added to example.com, whose sub.example.com
delegation has a DS already, unsigned delegations insec.example.com and
deleg.optent.example.com, and example.com's KSK as CDS/CDNSKEY) and both
servers are asked SIGNED_QUERIES with DO=1 over UDP and TCP, and the apex
DNSSEC records with DO=1 and DO=0, compared the same way (RRSIGs
included); then a validating unbound with example.com's DNSKEY as trust
anchor and dnsvizor as its stub must see the VALIDATE answers as secure
(AD).  That is done four times (SIGN_MODES): NSEC; NSEC3 without salt or
extra iterations; the same with Opt-Out; and example.com signed by knotd
with NSEC3 Opt-Out, which leaves the unsigned delegations out of the
chain.  Arguments: none (everything), "signed" (the signed passes) or
the names of signed passes ("nsec", "nsec3", "optout", "knot-optout").

Prints PASS/FAIL per query, with a readable diff on FAIL.
"""
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.rdataclass
import dns.rdatatype
import dns.rcode

ROOT = os.environ.get("DV_ROOT") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
DNSVIZOR = os.environ.get("DNSVIZOR") or os.path.join(ROOT, "build", "dnsvizor")
DATA = os.path.join(ROOT, "tests", "integration", "data_diff")
ZONES = [("example.com", "example.com.zone"),
         ("kid.example.com", "kid.example.com.zone"),
         ("example.net", "example.net.zone")]
APEXES = {dns.name.from_text(z) for z, _ in ZONES}

# under the DNAME long.example.com, whose target is 205 octets: the
# synthesised name would be 256 (RFC 6672 2.2: YXDOMAIN)
LONGQ = "b" * 50 + ".long.example.com"

# (qname, qtype, options).  options: tcp, edns (default True), do, rd
# (default True), payload, cls, cmp ("full" or "any").
QUERIES = [
    # apex data and additional-section processing for NS and MX
    ("example.com", "SOA", {}),
    ("example.com", "NS", {}),
    ("example.com", "NS", {"tcp": True, "edns": False}),
    ("example.com", "MX", {}),
    ("example.com", "TXT", {}),
    ("example.com", "A", {"rd": False}),
    ("example.com", "AAAA", {}),                       # NODATA
    ("example.com", "DS", {}),                         # NODATA at top apex
    # exact matches, case variations, EDNS and transport variations
    ("www.example.com", "A", {}),
    ("www.example.com", "A", {"edns": False}),
    ("www.example.com", "A", {"tcp": True}),
    ("WWW.EXAMPLE.COM", "A", {}),
    ("wWw.ExAmPlE.cOm", "AAAA", {"tcp": True}),
    ("www.example.com", "TXT", {"do": True}),
    ("www.example.com", "MX", {}),                     # NODATA
    ("www.example.com", "TYPE65280", {}),              # unknown type, NODATA
    ("mixed.example.com", "A", {}),
    ("MIXED.example.COM", "A", {"edns": False}),
    ("short.example.com", "A", {}),
    ("ns1.example.com", "AAAA", {"edns": False}),
    ("mail.example.com", "A", {}),
    ("multi.example.com", "MX", {}),
    ("multi.example.com", "MX", {"tcp": True, "edns": False}),
    ("_sip._tcp.example.com", "SRV", {}),
    ("sip.example.com", "AAAA", {}),                   # NODATA
    # NXDOMAIN
    ("nope.example.com", "A", {}),
    ("nope.example.com", "A", {"tcp": True, "edns": False}),
    ("deep.nope.example.com", "MX", {}),
    ("NoPe.Example.Com", "TXT", {"do": True}),
    # CNAME chains
    ("alias1.example.com", "A", {}),
    ("alias3.example.com", "AAAA", {}),
    ("alias1.example.com", "CNAME", {}),
    ("alias2.example.com", "TXT", {"tcp": True}),
    ("ALIAS3.example.com", "MX", {}),                  # chain ends in NODATA
    ("tonet.example.com", "A", {}),                    # into example.net
    ("toNet.example.com", "AAAA", {"edns": False}),
    ("outside.example.com", "A", {}),                  # out of every zone
    ("dangling.example.com", "A", {}),                 # RFC 6604: NXDOMAIN
    ("back.example.net", "A", {}),                     # example.net -> .com
    # wildcards (RFC 4592)
    ("foo.wild.example.com", "A", {}),
    ("foo.wild.example.com", "TXT", {"tcp": True}),
    ("foo.wild.example.com", "AAAA", {}),              # wildcard NODATA
    ("a.b.wild.example.com", "A", {}),                 # deeper match
    ("FOO.Wild.example.com", "A", {"edns": False}),
    ("*.wild.example.com", "A", {}),                   # the literal owner
    ("y.wild.example.com", "A", {}),                   # ENT: NODATA
    ("z.y.wild.example.com", "A", {}),                 # blocked: NXDOMAIN
    ("x.y.wild.example.com", "A", {}),
    ("wild.example.com", "A", {}),                     # ENT parent of *
    ("abc.wc.example.com", "A", {}),                   # wildcard CNAME
    ("abc.wc.example.com", "CNAME", {}),
    ("x.abc.wc.example.com", "AAAA", {"tcp": True}),
    # DNAME (RFC 6672): DNAME + synthesised CNAME, then the chain
    ("x.dn.example.com", "A", {}),
    ("X.Dn.example.com", "TXT", {"tcp": True}),
    ("x.dn.example.com", "CNAME", {}),
    ("x.dn.example.com", "DNAME", {}),
    ("nope.dn.example.com", "A", {}),                  # synthesised, NXDOMAIN
    ("a.b.dn.example.com", "AAAA", {}),
    ("dn.example.com", "DNAME", {}),                   # the owner itself
    ("dn.example.com", "A", {}),                       # the owner: NODATA
    ("host.dnet.example.com", "AAAA", {}),             # into example.net
    ("www.dout.example.com", "A", {"edns": False}),    # out of every zone
    ("x.long.example.com", "A", {}),
    (LONGQ, "A", {}),                                  # > 255: YXDOMAIN
    ("a.l1.example.com", "A", {}),                     # DNAME loop
    ("a.self.example.com", "A", {}),                   # target below owner
    # empty non-terminals
    ("c.ent.example.com", "A", {}),
    ("b.c.ent.example.com", "TXT", {"edns": False}),
    ("ent.example.com", "A", {}),
    ("a.b.c.ent.example.com", "A", {}),
    ("zz.c.ent.example.com", "A", {}),                 # NXDOMAIN below ENT
    # delegation: referral with glue, DS at the parent side
    ("sub.example.com", "A", {}),
    ("sub.example.com", "NS", {}),
    ("sub.example.com", "DS", {}),
    ("SUB.example.com", "DS", {"tcp": True}),
    ("www.sub.example.com", "A", {}),
    ("ns1.sub.example.com", "A", {}),
    ("deep.www.sub.example.com", "AAAA", {"tcp": True, "edns": False}),
    ("sub.example.com", "MX", {"edns": False}),
    # delegated child zone that is served too: deepest zone wins; but DS
    # belongs to the parent side (RFC 4035 3.1.4.1)
    ("kid.example.com", "NS", {}),
    ("kid.example.com", "SOA", {}),
    ("kid.example.com", "A", {}),
    ("host.kid.example.com", "A", {}),
    ("host.KID.example.com", "TXT", {"tcp": True}),
    ("nope.kid.example.com", "A", {}),
    ("kid.example.com", "DS", {}),
    # the separate zone
    ("example.net", "SOA", {}),
    ("example.net", "NS", {"tcp": True}),
    ("host.example.net", "AAAA", {}),
    ("mx2.example.net", "A", {"edns": False}),
    ("nope.example.net", "MX", {}),
    # not ours: REFUSED
    ("www.example.org", "A", {}),
    ("example.org", "SOA", {"tcp": True, "edns": False}),
    # ANY: RFC 8482 lets each server choose what to return
    ("example.com", "ANY", {"cmp": "any"}),
    ("www.example.com", "ANY", {"cmp": "any", "tcp": True}),
]

# DO=1 questions for the signed pass (issue 13; a few DO=0); each is
# asked over UDP and over TCP.
SIGNED_QUERIES = [
    ("example.com", "SOA", {}),
    ("example.com", "NS", {}),
    ("example.com", "MX", {}),                         # additional + sigs
    ("example.com", "DNSKEY", {}),
    ("www.example.com", "A", {}),
    ("WWW.EXAMPLE.COM", "A", {}),
    ("multi.example.com", "MX", {}),
    ("_sip._tcp.example.com", "SRV", {}),
    ("alias1.example.com", "A", {}),                   # signed CNAME chain
    ("tonet.example.com", "A", {}),                    # into example.net
    ("host.kid.example.com", "A", {}),
    ("kid.example.com", "SOA", {}),
    ("example.net", "SOA", {}),
    ("host.example.net", "AAAA", {}),
    # NODATA at a name that exists: SOA, the name's NSEC, RRSIGs
    ("example.com", "AAAA", {}),
    ("example.com", "DS", {}),
    ("www.example.com", "MX", {}),
    ("sip.example.com", "AAAA", {}),
    ("ALIAS3.example.com", "MX", {}),                  # chain to NODATA
    # referrals: signed delegation (sub: DS + RRSIG), unsigned one (insec:
    # the NSEC at the cut proves no DS), DS questions answered by the parent
    ("sub.example.com", "A", {}),
    ("www.sub.example.com", "A", {}),
    ("sub.example.com", "DS", {}),
    ("www.insec.example.com", "AAAA", {}),
    ("insec.example.com", "NS", {}),
    ("insec.example.com", "DS", {}),                   # NODATA + NSEC
    ("kid.example.com", "DS", {}),
    # NXDOMAIN: the NSEC covering the name and the one covering the
    # wildcard; wildcard answers: the NSEC proving no closer match (and
    # for NODATA the wildcard's NSEC); empty non-terminals: covering NSEC
    ("nope.example.com", "A", {}),
    ("NoPe.Example.Com", "TXT", {}),
    ("deep.nope.example.com", "MX", {}),
    ("zz.c.ent.example.com", "A", {}),
    ("z.y.wild.example.com", "A", {}),
    ("dangling.example.com", "A", {}),
    ("nope.example.net", "MX", {}),
    ("nope.kid.example.com", "A", {}),
    ("aaaa.example.com", "A", {}),                     # before most names
    ("zzzz.example.com", "A", {}),                     # after the last
    ("foo.wild.example.com", "A", {}),
    ("a.b.wild.example.com", "A", {}),
    ("foo.wild.example.com", "AAAA", {}),              # wildcard NODATA
    ("abc.wc.example.com", "A", {}),                   # wildcard CNAME
    ("x.abc.wc.example.com", "AAAA", {}),
    ("*.wild.example.com", "A", {}),
    ("y.wild.example.com", "A", {}),                   # ENT NODATA
    ("ent.example.com", "A", {}),
    ("c.ent.example.com", "A", {}),
    ("wild.example.com", "A", {}),
    # DNAME: signed DNAME, unsigned synthesised CNAME (RFC 6672 5.3.3)
    ("x.dn.example.com", "A", {}),
    ("nope.dn.example.com", "A", {}),
    ("host.dnet.example.com", "AAAA", {}),
    ("dn.example.com", "DNAME", {}),
    ("dn.example.com", "A", {}),
    (LONGQ, "A", {}),
    # RRSIGs per covered type, each with its own TTL (issue 13): the apex
    # has SOA 3600, CAA 0 and NSEC 300; ns2 has A 1800 and NSEC 300
    ("example.com", "RRSIG", {}),
    ("example.com", "RRSIG", {"do": False}),
    ("ns2.example.com", "RRSIG", {}),
    ("www.example.com", "RRSIG", {"do": False}),
    ("example.com", "CAA", {}),
    ("ns2.example.com", "A", {}),
    ("nope.kid.example.com", "RRSIG", {}),             # NXDOMAIN
    # an unsigned delegation below an empty non-terminal (in the opt-out
    # NSEC3 zone neither has an NSEC3: RFC 5155 7.2.7 proofs)
    ("www.deleg.optent.example.com", "A", {}),
    ("deleg.optent.example.com", "NS", {}),
    ("deleg.optent.example.com", "DS", {}),
    ("optent.example.com", "A", {}),
    ("optent.example.com", "DS", {}),
    ("x.optent.example.com", "A", {}),
    ("insec.example.com", "A", {}),
    ("www.example.com", "DS", {}),
    ("wild.example.com", "DS", {}),
    ("foo.wild.example.com", "DS", {}),                # wildcard, DS
    ("www.insec.example.com", "DS", {}),               # below the cut
    ("www.example.com", "NSEC3", {}),
    ("nope.example.com", "NSEC3", {}),
]

# The apex's DNSSEC records (DNSKEY, NSEC3PARAM, CDS, CDNSKEY: RFC 7344),
# asked in the signed passes with DO=1 and with DO=0.
APEX_QUERIES = [(q, t, o) for q, t in (
    ("example.com", "DNSKEY"), ("example.com", "NSEC3PARAM"),
    ("example.com", "CDS"), ("example.com", "CDNSKEY"),
    ("kid.example.com", "DNSKEY"), ("kid.example.com", "NSEC3PARAM"))
    for o in ({"do": True}, {"do": False}, {"do": True, "tcp": True})]

# ldns-signzone options per signed pass: NSEC; NSEC3 with RFC 9276's
# parameters (SHA-1, no extra iterations, no salt); the same with the
# Opt-Out flag on every NSEC3 (unsigned delegations get none).
SIGN_MODES = [("nsec", []), ("nsec3", ["-n", "-t", "0"]),
              ("optout", ["-n", "-t", "0", "-p"]),
              ("knot-optout", ["-n", "-t", "0", "-p"])]

# knotd signing example.com with NSEC3 Opt-Out: unlike ldns-signzone -p
# it leaves the unsigned delegations (and the empty non-terminals above
# only them) out of the chain, so the proofs of RFC 5155 7.2.4 / 7.2.7
# from the closest provable encloser are needed.
KNOT_OPTOUT = """acl:
  - id: xfr
    address: 127.0.0.1
    action: transfer
policy:
  - id: optout
    algorithm: ecdsap256sha256
    nsec3: on
    nsec3-opt-out: on
    nsec3-iterations: 0
    nsec3-salt-length: 0
template:
  - id: default
    storage: "%(d)s"
zone:
  - domain: example.com
    file: "%(d)s/example.com.zone"
    dnssec-signing: on
    dnssec-policy: optout
    acl: xfr
"""

FLAG_MASK = (dns.flags.QR | dns.flags.AA | dns.flags.TC | dns.flags.RD |
             dns.flags.RA)


def free_port():
    """A port free for both UDP and TCP on 127.0.0.1 (dvtest's: below
    the ephemeral range, so no outgoing socket takes it meanwhile)."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import dvtest
    return dvtest.free_port()


def exchange(wire, port, tcp, timeout=3.0):
    """Send one query; return the raw reply bytes or None on timeout."""
    if tcp:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(("127.0.0.1", port))
            s.sendall(struct.pack("!H", len(wire)) + wire)
            buf = b""
            while len(buf) < 2 or len(buf) < 2 + struct.unpack("!H", buf[:2])[0]:
                chunk = s.recv(65536)
                if not chunk:
                    return None
                buf += chunk
            n = struct.unpack("!H", buf[:2])[0]
            return buf[2:2 + n]
        except (socket.timeout, OSError):
            return None
        finally:
            s.close()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(wire, ("127.0.0.1", port))
        while True:
            data, _ = s.recvfrom(65536)
            if len(data) >= 2 and data[:2] == wire[:2]:
                return data
    except (socket.timeout, OSError):
        return None
    finally:
        s.close()


def make_query(qname, qtype, opts):
    q = dns.message.make_query(
        dns.name.from_text(qname), dns.rdatatype.from_text(qtype),
        rdclass=dns.rdataclass.from_text(opts.get("cls", "IN")),
        use_edns=0 if opts.get("edns", True) else False,
        payload=opts.get("payload", 1232),
        want_dnssec=bool(opts.get("do", False)))
    if not opts.get("rd", True):
        q.flags &= ~dns.flags.RD
    return q


def rr_set(section):
    out = set()
    for rrset in section:
        for rd in rrset:
            out.add((rrset.name.to_text().lower(), rrset.ttl,
                     dns.rdataclass.to_text(rrset.rdclass),
                     dns.rdatatype.to_text(rrset.rdtype),
                     rd.to_digestable(), rd.to_text().lower()))
    return out


def rdata_targets(rrset_tuples, types):
    """Target names (lowercased text) of NS/MX/SRV RRs in a set of RRs."""
    out = set()
    for owner, ttl, cls, typ, _, txt in rrset_tuples:
        if typ in types:
            out.add(txt.split()[-1])
    return out


def normalise(msg, sections):
    """Drop the optional apex NS of positive answers, with its RRSIGs and
    the addresses (and their RRSIGs) only it brought (see module doc)."""
    ans, auth, add = sections
    if msg.rcode() != dns.rcode.NOERROR or not ans or \
            not msg.flags & dns.flags.AA:
        return sections
    apex_txt = {a.to_text().lower() for a in APEXES}
    drop = {t for t in auth if covered(t) == "NS" and t[0] in apex_txt}
    if not drop:
        return sections
    kept_targets = rdata_targets(ans, ("NS", "MX", "SRV"))
    ns_targets = rdata_targets(drop, ("NS",)) - kept_targets
    add = {t for t in add
           if not (covered(t) in ("A", "AAAA") and t[0] in ns_targets)}
    return ans, auth - drop, add


def covered(t):
    """The type of an RR tuple, or for an RRSIG the type it covers (so the
    apex NS's signatures go with it)."""
    return t[5].split()[0].upper() if t[3] == "RRSIG" else t[3]


def describe(msg):
    if msg is None:
        return {"error": "no reply (timeout)"}
    edns = None
    if msg.edns >= 0:
        edns = (msg.edns, bool(msg.ednsflags & dns.flags.DO), msg.payload)
    q = msg.question[0] if msg.question else None
    return {
        "rcode": dns.rcode.to_text(msg.rcode()),
        "opcode": msg.opcode(),
        "flags": dns.flags.to_text(msg.flags & FLAG_MASK),
        "question": (None if q is None else
                     (b".".join(q.name.labels).decode("latin-1"),
                      dns.rdatatype.to_text(q.rdtype),
                      dns.rdataclass.to_text(q.rdclass))),
        # EDNS options (e.g. NSD's RFC 8914 EDE on REFUSED) are optional
        # and not compared; version, DO and payload are.
        "edns": edns,
    }


def parse(raw):
    if raw is None:
        return None, None
    try:
        return dns.message.from_wire(raw), None
    except Exception as e:  # a reply dnspython cannot parse is a failure
        return None, "unparsable reply: %r (%s)" % (raw[:64], e)


def compare(name, opts, nsd_msg, dv_msg):
    """Return a list of difference lines (empty: same)."""
    diffs = []
    a, b = describe(nsd_msg), describe(dv_msg)
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            diffs.append("  %-9s nsd=%r dnsvizor=%r" % (k, a.get(k), b.get(k)))
    if nsd_msg is None or dv_msg is None:
        return diffs
    if opts.get("cmp") == "any":
        # RFC 8482 4.1/4.2: a server may answer ANY with one RRset (NSD:
        # SOA), a synthesized HINFO or all RRsets: only require a non-empty
        # answer owned by the query name.
        if not dv_msg.answer:
            diffs.append("  answer    dnsvizor answered ANY with no RRs")
        for rrset in dv_msg.answer:
            if rrset.name != dv_msg.question[0].name:
                diffs.append("  answer    ANY answer owner %s" % rrset.name)
        return diffs
    if nsd_msg.flags & dns.flags.TC and dv_msg.flags & dns.flags.TC:
        # both truncated (equal header compared above): what a TC reply
        # holds besides is not used (RFC 2181 9); NSD keeps the RRsets
        # that fit, dnsvizor sends none (RFC 4035 3.1.1 rules)
        return diffs
    sa = normalise(nsd_msg, [rr_set(s) for s in
                             (nsd_msg.answer, nsd_msg.authority,
                              nsd_msg.additional)])
    sb = normalise(dv_msg, [rr_set(s) for s in
                            (dv_msg.answer, dv_msg.authority,
                             dv_msg.additional)])
    for title, x, y in zip(("answer", "authority", "additional"), sa, sb):
        if x == y:
            continue
        for t in sorted(x - y):
            diffs.append("  %-10s only NSD:      %s %d %s %s %s" %
                         (title, t[0], t[1], t[2], t[3], t[5]))
        for t in sorted(y - x):
            diffs.append("  %-10s only dnsvizor: %s %d %s %s %s" %
                         (title, t[0], t[1], t[2], t[3], t[5]))
    return diffs


def wait_answer(port, proc, what, secs=15.0):
    q = make_query("example.com", "SOA", {}).to_wire()
    end = time.time() + secs
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError("%s exited with %s" % (what, proc.returncode))
        if exchange(q, port, False, timeout=0.3) is not None:
            return
        time.sleep(0.1)
    raise RuntimeError("%s did not answer within %.0fs" % (what, secs))


def sign_zones(tmp, mode="nsec", flags=()):
    """Copy the zones to tmp and sign them (ldns-keygen, ldns-signzone
    with flags): kid.example.com first, its DS into example.com, and
    example.com's KSK as CDS/CDNSKEY.  Returns the directory and the zone
    list (origin, file name)."""
    out = os.path.join(tmp, "signed-" + mode)
    os.mkdir(out)
    zones = []
    for zname, zfile in sorted(ZONES, key=lambda z: -len(z[0])):
        path = os.path.join(out, zfile)
        shutil.copy(os.path.join(DATA, zfile), path)
        if zname == "example.com":
            # kid's DS, and an unsigned delegation "insec" (no DS)
            with open(path, "a") as f, \
                    open(os.path.join(out, "kid.ds")) as ds:
                f.write(ds.read().strip() + "\n")
                f.write("insec NS ns1.sub.example.com.\n")
                # an apex RRset whose RRSIG has TTL 0 beside the SOA's
                # 3600 (issue 13: RRSIG TTLs collapsed per owner)
                f.write("@ 0 CAA 0 issue \"ca.example.net\"\n")
                f.write("deleg.optent NS ns1.sub.example.com.\n")
        keys = []
        for ksk in (True, False):
            args = ["ldns-keygen", "-a", "ECDSAP256SHA256"]
            args += ["-k"] if ksk else []
            keys.append(subprocess.check_output(
                args + [zname], cwd=out, text=True).strip())
        if zname == "kid.example.com":
            shutil.copy(os.path.join(out, keys[0] + ".ds"),
                        os.path.join(out, "kid.ds"))
        if zname == "example.com":
            add_cds(path, os.path.join(out, keys[0]))
        subprocess.check_call(["ldns-signzone"] + list(flags) +
                              ["-f", path + ".signed", path] + keys,
                              cwd=out)
        zones.append((zname, zfile + ".signed"))
    return out, zones


def knot_sign(out, zones):
    """Replace the ldns-signed example.com in zones by the same unsigned
    zone signed by knotd (KNOT_OPTOUT; the CDS/CDNSKEY of ldns's key left
    out: Knot publishes its own), fetched by AXFR."""
    import dns.query
    import dns.zone
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import knotpeer
    with open(os.path.join(out, "example.com.zone")) as f:
        text = "".join(l for l in f if not {"CDS", "CDNSKEY"} &
                       set(l.split()))
    knot = knotpeer.Knot(KNOT_OPTOUT, files={"example.com.zone": text})
    try:
        z = None
        for _ in range(100):
            try:
                z = dns.zone.from_xfr(dns.query.xfr(
                    "127.0.0.1", "example.com", port=knot.port,
                    timeout=2))
                if z.get_rdataset("@", "NSEC3PARAM"):
                    break
            except Exception:
                pass
            time.sleep(0.1)
        if z is None or not z.get_rdataset("@", "NSEC3PARAM"):
            raise RuntimeError("knotd did not sign example.com: " +
                               knot.log()[-800:])
    finally:
        knot.stop()
        shutil.rmtree(knot.dir, ignore_errors=True)
    z.to_file(os.path.join(out, "example.com.knot"), relativize=False)
    return [(n, "example.com.knot" if n == "example.com" else f)
            for n, f in zones]


def add_cds(path, key):
    """Append the KSK key's DS and DNSKEY as CDS and CDNSKEY (RFC 7344)."""
    recs = []
    for ext, old, new in ((".ds", "DS", "CDS"), (".key", "DNSKEY",
                                                  "CDNSKEY")):
        with open(key + ext) as f:
            for line in f:
                fields = line.split()
                if old in fields:
                    fields[fields.index(old)] = new
                    recs.append(" ".join(fields))
    with open(path, "a") as f:
        f.write("\n".join(recs) + "\n")


def nsec3_owner(name, zone):
    """The NSEC3 owner name of name with no salt and no extra iterations
    (RFC 5155 5): a query for it is answered as NXDOMAIN (7.2.8)."""
    import base64
    import hashlib
    h = hashlib.sha1(dns.name.from_text(name).canonicalize().to_wire())
    b32 = base64.b32encode(h.digest()).decode()
    hexmap = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
                           "0123456789ABCDEFGHIJKLMNOPQRSTUV")
    return b32.translate(hexmap).lower() + "." + zone


def start_nsd(tmp, port, data=DATA, zones=ZONES):
    conf = os.path.join(tmp, "nsd.conf")
    with open(conf, "w") as f:
        f.write("server:\n"
                "  ip-address: 127.0.0.1@%d\n"
                "  port: %d\n"
                "  username: \"\"\n"
                "  chroot: \"\"\n"
                "  zonesdir: \"%s\"\n"
                "  pidfile: \"%s/nsd.pid\"\n"
                "  database: \"\"\n"
                "  xfrdfile: \"%s/xfrd.state\"\n"
                "  zonelistfile: \"%s/zone.list\"\n"
                "  xfrdir: \"%s\"\n"
                "  server-count: 1\n"
                "  verbosity: 1\n"
                "  minimal-responses: no\n"
                "  refuse-any: no\n"
                # Debian's NSD has response rate limiting on by default
                # (200 q/s): off, so it never slips a TC=1 reply.
                "  rrl-ratelimit: 0\n"
                "  rrl-whitelist-ratelimit: 0\n"
                "remote-control:\n"
                "  control-enable: no\n" % (port, port, data, tmp, tmp, tmp,
                                             tmp))
        for zname, zfile in zones:
            f.write("zone:\n  name: %s\n  zonefile: \"%s\"\n" %
                    (zname, os.path.join(data, zfile)))
    log = open(os.path.join(tmp, "nsd.log"), "w")
    return subprocess.Popen(["nsd", "-d", "-c", conf], stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)


def start_dnsvizor(tmp, port, data=DATA, zones=ZONES):
    # a state directory per pass: the same zone names hold other data in
    # each pass, which the kept copy of the last loaded file would apply
    # as a zone-file edit (a serial one higher than NSD's)
    state = tempfile.mkdtemp(prefix="state.", dir=tmp)
    args = [DNSVIZOR, "--no-hosts", "--listen-address=127.0.0.1",
            "--port=%d" % port, "--state-dir=%s" % state,
            # authoritative only, like NSD: REFUSED outside the zones
            "--no-recursion"]
    for zname, zfile in zones:
        args.append("--zone=%s,%s" % (zname, os.path.join(data, zfile)))
    log = open(os.path.join(tmp, "dnsvizor.log"), "w")
    return subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def stop(proc):
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def run_pass(tmp, tag, queries, data=DATA, zones=ZONES):
    """Start NSD and dnsvizor on the zones, ask both every query, stop
    them.  Returns the number of failures."""
    nsd = dv = None
    failed = 0
    try:
        nport, dport = free_port(), free_port()
        while dport == nport:
            dport = free_port()
        nsd = start_nsd(tmp, nport, data, zones)
        dv = start_dnsvizor(tmp, dport, data, zones)
        for proc, port, what, logn in ((nsd, nport, "nsd", "nsd.log"),
                                       (dv, dport, "dnsvizor",
                                        "dnsvizor.log")):
            try:
                wait_answer(port, proc, what)
            except RuntimeError as e:
                print("FAIL diff_nsd%s setup: %s" % (tag, e))
                with open(os.path.join(tmp, logn)) as f:
                    for line in f.read().splitlines()[-15:]:
                        print("  | " + line)
                return 1
        for i, (qname, qtype, opts) in enumerate(queries):
            q = make_query(qname, qtype, opts)
            wire = q.to_wire()
            tcp = bool(opts.get("tcp"))
            nraw = exchange(wire, nport, tcp)
            draw = exchange(wire, dport, tcp)
            nmsg, nerr = parse(nraw)
            dmsg, derr = parse(draw)
            label = "%s/%s %s%s%s%s%s" % (
                qname, qtype, "tcp" if tcp else "udp",
                "" if opts.get("edns", True) else " noedns",
                " do" if opts.get("do") else "",
                " nord" if not opts.get("rd", True) else "",
                " payload=%d" % opts["payload"] if "payload" in opts
                else "")
            diffs = []
            if nerr:
                diffs.append("  nsd: " + nerr)
            if derr:
                diffs.append("  dnsvizor: " + derr)
            if nmsg is None and not nerr:
                diffs.append("  nsd: no reply")
            if not diffs:
                diffs = compare(qname, opts, nmsg, dmsg)
            if diffs:
                failed += 1
                print("FAIL diff%s %02d %s" % (tag, i, label))
                for d in diffs:
                    print(d)
            else:
                print("PASS diff%s %02d %s" % (tag, i, label))
        # The server must still be alive after the whole list, stop cleanly
        # on SIGTERM, and (under `make asan`) report no sanitizer error.
        if dv.poll() is not None:
            print("FAIL diff_nsd%s: dnsvizor exited with %s" %
                  (tag, dv.returncode))
            failed += 1
        else:
            stop(dv)
            with open(os.path.join(tmp, "dnsvizor.log"), errors="replace") as f:
                bad = [l for l in f.read().splitlines()
                       if "Sanitizer" in l or "runtime error:" in l]
            if dv.returncode not in (0, -signal.SIGTERM) or bad:
                print("FAIL diff_nsd%s: dnsvizor stop: exit %s" %
                      (tag, dv.returncode))
                for line in bad[:15]:
                    print("  | " + line)
                failed += 1
            else:
                print("PASS diff_nsd%s: dnsvizor stopped cleanly" % tag)
    finally:
        stop(dv)
        stop(nsd)
    return failed


# (qname, qtype, rcode) a validating unbound must see as secure (AD)
VALIDATE = [
    ("www.example.com", "A", "NOERROR"),
    ("www.example.com", "MX", "NOERROR"),              # NODATA
    ("nope.example.com", "A", "NXDOMAIN"),
    ("foo.wild.example.com", "A", "NOERROR"),          # wildcard
    ("foo.wild.example.com", "AAAA", "NOERROR"),       # wildcard NODATA
    ("abc.wc.example.com", "TXT", "NOERROR"),          # wildcard CNAME
    ("ent.example.com", "A", "NOERROR"),               # ENT NODATA
    ("host.kid.example.com", "A", "NOERROR"),          # signed child
    ("nope.kid.example.com", "A", "NXDOMAIN"),
    ("x.dn.example.com", "A", "NOERROR"),              # DNAME, signed
]

VALIDATE_OPTOUT = [
    ("www.example.com", "A", "NOERROR"),
    ("www.example.com", "MX", "NOERROR"),              # matching NSEC3
    ("ent.example.com", "A", "NOERROR"),
    ("example.com", "DNSKEY", "NOERROR"),
    ("host.kid.example.com", "A", "NOERROR"),
]


def validate_pass(tmp, data, zones, tag="", queries=VALIDATE):
    """unbound, with example.com's DNSKEY as trust anchor and dnsvizor as
    the stub for it, must validate the answers (AD set).  Returns the
    number of failures."""
    if shutil.which("unbound") is None:
        print("SKIP validate: unbound is not installed")
        return 0
    failed = 0
    dport, uport = free_port(), free_port()
    while uport == dport:
        uport = free_port()
    keys = subprocess.check_output(
        ["ldns-read-zone", "-E", "DNSKEY", os.path.join(data, dict(zones)[
            "example.com"])], text=True)
    ta = os.path.join(tmp, "ta.key")
    with open(ta, "w") as f:
        f.write(keys)
    conf = os.path.join(tmp, "unbound.conf")
    with open(conf, "w") as f:
        f.write("server:\n  interface: 127.0.0.1\n  port: %d\n"
                "  do-not-query-localhost: no\n  chroot: \"\"\n"
                "  username: \"\"\n  pidfile: \"\"\n"
                "  directory: \"%s\"\n  trust-anchor-file: \"%s\"\n"
                "  module-config: \"validator iterator\"\n"
                "  use-syslog: no\n  val-log-level: 2\n"
                "  logfile: \"%s/unbound.log\"\n"
                "stub-zone:\n  name: example.com\n"
                "  stub-addr: 127.0.0.1@%d\n" % (uport, tmp, ta, tmp,
                                                   dport))
    dv = start_dnsvizor(tmp, dport, data, zones)
    ub = subprocess.Popen(["unbound", "-d", "-c", conf],
                          start_new_session=True,
                          stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
    try:
        wait_answer(dport, dv, "dnsvizor")
        time.sleep(0.5)
        for qname, qtype, rcode in queries:
            q = make_query(qname, qtype, {"do": True})
            raw = None
            for _ in range(20):
                raw = exchange(q.to_wire(), uport, False)
                if raw is not None:
                    break
                time.sleep(0.2)
            m, err = parse(raw)
            got = "no reply" if m is None else "%s%s" % (
                dns.rcode.to_text(m.rcode()),
                " AD" if m.flags & dns.flags.AD else "")
            if got != rcode + " AD":
                failed += 1
                print("FAIL validate%s %s/%s: %s (want %s AD)" %
                      (tag, qname, qtype, got, rcode))
            else:
                print("PASS validate%s %s/%s: %s" % (tag, qname, qtype,
                                                     got))
    finally:
        stop(ub)
        stop(dv)
    if failed:
        with open(os.path.join(tmp, "unbound.log"), errors="replace") as f:
            for line in f.read().splitlines()[-15:]:
                print("  | " + line)
    return failed


def signed_queries():
    """SIGNED_QUERIES with DO=1 (unless they say do=False), each over UDP
    and over TCP."""
def signed_queries(mode="nsec"):
    """SIGNED_QUERIES with DO=1, each over UDP and over TCP; the apex
    DNSSEC records with DO=1 and DO=0; for NSEC3 the owner names of
    NSEC3 records."""
    qs = list(SIGNED_QUERIES)
    if mode != "nsec":
        qs += [(nsec3_owner("example.com", "example.com"), "A", {}),
               ("x." + nsec3_owner("www.example.com", "example.com"), "A",
                {}),
               # three NSEC3s with RRSIGs do not fit in 512 octets
               ("nope.example.com", "A", {"payload": 512}),
               ("foo.wild.example.com", "AAAA", {"payload": 512}),
               ("www.insec.example.com", "A", {"payload": 512}),
               (nsec3_owner("www.example.com", "example.com"), "NSEC3",
                {})]
    out = []
    for qname, qtype, opts in qs:
        for tcp in (False, True):
            o = dict({"do": True}, **opts)
            if tcp:
                o["tcp"] = True
            out.append((qname, qtype, o))
    return out + APEX_QUERIES


def main():
    if not os.access(DNSVIZOR, os.X_OK):
        print("FAIL diff_nsd: %s is not built" % DNSVIZOR)
        return 1
    for tool in ("nsd", "ldns-signzone", "ldns-keygen"):
        if shutil.which(tool) is None:
            print("FAIL diff_nsd: %s is not installed (contrib/deps.sh)" %
                  tool)
            return 1
    # arguments: "signed" (the signed passes only), or the names of the
    # signed passes to run ("nsec", "nsec3", "optout")
    args = sys.argv[1:]
    only = [m for m in SIGN_MODES if m[0] in args]
    tmp = tempfile.mkdtemp(prefix="dv-diffnsd.")
    failed = n = 0
    try:
        if not args:
            failed += run_pass(tmp, "", QUERIES)
            n += len(QUERIES)
        for mode, flags in only or SIGN_MODES:
            if mode == "knot-optout" and not os.access("/usr/sbin/knotd",
                                                       os.X_OK):
                print("SKIP diff knot-optout: knotd is not installed")
                continue
            sdata, szones = sign_zones(tmp, mode, flags)
            if mode == "knot-optout":
                szones = knot_sign(sdata, szones)
            sq = signed_queries(mode)
            tag = " signed" if mode == "nsec" else " " + mode
            failed += run_pass(tmp, tag, sq, sdata, szones)
            n += len(sq)
            # opt-out spans make NXDOMAIN and wildcard proofs insecure
            # (RFC 5155 9.2): there only what a matching NSEC3 proves
            vq = VALIDATE_OPTOUT if "optout" in mode else VALIDATE
            failed += validate_pass(tmp, sdata, szones, tag, vq)
            n += len(vq)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("diff_nsd: %d queries, %d differ" % (n, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
