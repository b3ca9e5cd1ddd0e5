#!/usr/bin/env python3
"""Local policy: --domain-needed, --bogus-priv, --stop-dns-rebind (with
--rebind-localhost-ok and --rebind-domain-ok), and the RFC 6761 names
that are always answered locally.

The upstream is a counting forwarder target of this test on loopback: it
answers from a small table (private and public addresses, a PTR for a
private address) and records every question it is asked, so "not sent
upstream" is checked, not assumed.
"""
import socket
import threading
import time

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset

from dvtest import (Server, case, check, dig, eq, expect, has_flag, rcode,
                    run, short, tmpdir)

UPSTREAM = {
    ("evil.up.example.", "A"): ["192.168.1.1"],
    ("evil6.up.example.", "AAAA"): ["fd00::1"],
    ("mapped.up.example.", "AAAA"): ["::ffff:10.0.0.1"],
    ("lo.up.example.", "A"): ["127.0.0.1"],
    ("pub.up.example.", "A"): ["93.184.216.34"],
    ("pub6.up.example.", "AAAA"): ["2a00:1450::1"],
    ("cgnat.up.example.", "A"): ["100.64.0.1"],
    ("www.lan.example.", "A"): ["10.0.0.5"],
    ("printer.", "A"): ["10.1.1.1"],
    ("printer.", "TXT"): ['"upstream"'],
    ("1.1.168.192.in-addr.arpa.", "PTR"): ["host.up.example."],
    ("2.0.0.10.in-addr.arpa.", "PTR"): ["ten.up.example."],
}
CNAMES = {"alias.up.example.": "evil.up.example."}


class Upstream:
    """A UDP DNS server on 127.0.0.1 answering from UPSTREAM; self.seen
    lists (lowercased name, type) of every query received."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.seen = []
        self.stopping = False
        self.th = threading.Thread(target=self.serve, daemon=True)
        self.th.start()

    def answer(self, q):
        r = dns.message.make_response(q)
        r.flags |= dns.flags.AA
        qn = q.question[0].name
        name = qn.to_text().lower()
        qtype = dns.rdatatype.to_text(q.question[0].rdtype)
        if name in CNAMES:
            target = CNAMES[name]
            r.answer.append(dns.rrset.from_text(qn, 60, "IN", "CNAME",
                                                target))
            name, qn = target, dns.name.from_text(target)
        data = UPSTREAM.get((name, qtype))
        if data:
            r.answer.append(dns.rrset.from_text(qn, 60, "IN", qtype, *data))
        elif not any(k[0] == name for k in UPSTREAM):
            r.set_rcode(dns.rcode.NXDOMAIN)
        return r.to_wire()

    def serve(self):
        while not self.stopping:
            try:
                data, peer = self.sock.recvfrom(4096)
                q = dns.message.from_wire(data)
            except (socket.timeout, OSError):
                continue
            except Exception:
                continue
            self.seen.append((q.question[0].name.to_text().lower(),
                              dns.rdatatype.to_text(q.question[0].rdtype)))
            self.sock.sendto(self.answer(q), peer)

    def asked(self, name):
        return sum(1 for n, _ in self.seen if n == name.lower())

    def stop(self):
        self.stopping = True
        self.th.join(2)
        self.sock.close()


def server(up, extra=(), zones=None):
    conf = ["no-resolv", "allow-loopback-upstream",
            "server=127.0.0.1#%d" % up.port, "state-dir=" + tmpdir()]
    return Server(conf=conf + list(extra), zones=zones or {})


def ask(s, name, qtype="A", edns=True):
    q = dns.message.make_query(name, qtype, use_edns=0 if edns else False)
    q.flags |= dns.flags.RD
    return s.send_msg(q, timeout=4.0)


def values(r, qtype):
    return sorted(rd.to_text() for rs in r.answer for rd in rs
                  if dns.rdatatype.to_text(rs.rdtype) == qtype)


def ede(r):
    return [o.code for o in r.options if o.otype == 15]


def soa_owner(r):
    return [rs.name.to_text() for rs in r.authority if rs.rdtype == 6]


@case
def domain_needed_plain_names_stay_local():
    """With --domain-needed, A/AAAA/ANY for a one-label name never reach
    the upstream (NXDOMAIN, not authoritative); local data for a plain
    name still answers; other types are forwarded as dnsmasq does."""
    up = Upstream()
    try:
        s = server(up, ["domain-needed", "host-record=nas,192.168.7.7"])
        for t in ("A", "AAAA"):
            r = ask(s, "printer", t)
            expect(r, "NXDOMAIN", aa=False)
            check(has_flag(r, "RA"), "RA: " + short(r))
            eq(len(r.answer) + len(r.authority), 0, "records")
        r = ask(s, "nas", "A")
        expect(r, "NOERROR", aa=True)
        eq(values(r, "A"), ["192.168.7.7"], "local data for a plain name")
        eq(up.asked("printer."), 0, "plain-name A/AAAA queries upstream")
        r = ask(s, "printer", "TXT")
        expect(r, "NOERROR")
        eq(values(r, "TXT"), ['"upstream"'], "TXT of a plain name")
        eq(up.seen.count(("printer.", "TXT")), 1, "TXT forwarded")
        r = ask(s, "pub.up.example", "A")
        eq(values(r, "A"), ["93.184.216.34"], "dotted names forwarded")
        # the same server without the option forwards the plain name
        s2 = server(up)
        r = ask(s2, "printer", "A")
        eq(values(r, "A"), ["10.1.1.1"], "forwarded without the option")
        eq(up.seen.count(("printer.", "A")), 1, "upstream saw printer A")
    finally:
        up.stop()


@case
def bogus_priv_private_reverse_local():
    """With --bogus-priv, reverse names in the RFC 6303 zones are answered
    from an empty local zone: NXDOMAIN with the zone's SOA (AA), any type,
    NODATA at the apex, never an upstream query; local PTR data wins.
    Public reverse names are forwarded."""
    up = Upstream()
    try:
        s = server(up, ["bogus-priv",
                        "ptr-record=5.1.168.192.in-addr.arpa,nas.lan"])
        r = ask(s, "1.1.168.192.in-addr.arpa", "PTR")
        expect(r, "NXDOMAIN", aa=True)
        eq(soa_owner(r), ["168.192.in-addr.arpa."], "SOA in authority")
        soa = r.authority[0][0]
        eq(soa.rname.to_text(), "nobody.invalid.", "RFC 6303 SOA rname")
        eq(soa.minimum, 10800, "SOA minimum")
        expect(ask(s, "2.0.0.10.in-addr.arpa", "PTR"), "NXDOMAIN", aa=True)
        expect(ask(s, "1.1.168.192.in-addr.arpa", "TXT"), "NXDOMAIN",
               aa=True)
        r = ask(s, "168.192.in-addr.arpa", "PTR")
        expect(r, "NOERROR", aa=True)
        eq(len(r.answer), 0, "NODATA at the apex")
        eq(soa_owner(r), ["168.192.in-addr.arpa."], "apex SOA")
        r = ask(s, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0"
                   ".0.0.0.d.f.ip6.arpa", "PTR")
        expect(r, "NXDOMAIN", aa=True)
        eq(soa_owner(r), ["d.f.ip6.arpa."], "ULA reverse zone")
        r = ask(s, "printer.home.arpa", "A")
        expect(r, "NXDOMAIN", aa=True)
        eq(soa_owner(r), ["home.arpa."], "home.arpa (RFC 8375)")
        r = ask(s, "5.1.168.192.in-addr.arpa", "PTR")
        eq(values(r, "PTR"), ["nas.lan."], "local PTR data")
        eq([n for n, _ in up.seen if n.endswith("arpa.")], [],
           "private reverse queries upstream")
        # dig, as a user would run it
        rc, out, p = dig(s, "-x", "192.168.1.1")
        eq(p.get("status"), "NXDOMAIN", "dig -x status")
        check("aa" in p.get("flags", []), "dig flags: %s" % p.get("flags"))
        # without the option the upstream's PTR comes back
        s2 = server(up)
        r = ask(s2, "1.1.168.192.in-addr.arpa", "PTR")
        eq(values(r, "PTR"), ["host.up.example."], "forwarded PTR")
        eq(up.asked("1.1.168.192.in-addr.arpa."), 1, "upstream asked once")
    finally:
        up.stop()


@case
def bogus_priv_explicit_server_forwards():
    """--server=/168.192.in-addr.arpa/IP still forwards that zone with
    --bogus-priv (as dnsmasq does); other private zones stay local."""
    up = Upstream()
    try:
        s = server(up, ["bogus-priv", "server=/168.192.in-addr.arpa/"
                        "127.0.0.1#%d" % up.port])
        r = ask(s, "1.1.168.192.in-addr.arpa", "PTR")
        expect(r, "NOERROR", aa=False)
        eq(values(r, "PTR"), ["host.up.example."], "forwarded PTR")
        expect(ask(s, "2.0.0.10.in-addr.arpa", "PTR"), "NXDOMAIN", aa=True)
        eq(up.asked("1.1.168.192.in-addr.arpa."), 1, "forwarded once")
        eq(up.asked("2.0.0.10.in-addr.arpa."), 0, "10/8 stays local")
    finally:
        up.stop()


@case
def special_names_always_local():
    """RFC 6761: localhost names get the loopback address and invalid
    names NXDOMAIN, without any option and without asking upstream."""
    up = Upstream()
    try:
        s = server(up)
        r = ask(s, "localhost", "A")
        expect(r, "NOERROR", aa=True)
        eq(values(r, "A"), ["127.0.0.1"], "localhost A")
        r = ask(s, "www.localhost", "AAAA")
        eq(values(r, "AAAA"), ["::1"], "name below localhost AAAA")
        r = ask(s, "localhost", "MX")
        expect(r, "NOERROR", aa=True)
        eq(len(r.answer), 0, "localhost MX is NODATA")
        expect(ask(s, "foo.invalid", "A"), "NXDOMAIN", aa=True)
        eq(up.seen, [], "queries upstream")
    finally:
        up.stop()


@case
def stop_dns_rebind():
    """--stop-dns-rebind: upstream answers with private addresses become
    an empty NOERROR with EDE 15 (Blocked), as dnsmasq answers, are logged,
    and are not cached; public ones and --rebind-domain-ok names pass;
    our own data with private addresses is never filtered."""
    up = Upstream()
    try:
        s = server(up, ["stop-dns-rebind", "rebind-domain-ok=/lan.example/",
                        "host-record=nas.home.example,192.168.1.10"])
        for name, t in (("evil.up.example", "A"),
                        ("evil6.up.example", "AAAA"),
                        ("mapped.up.example", "AAAA"),
                        ("lo.up.example", "A"),
                        ("alias.up.example", "A")):
            r = ask(s, name, t)
            expect(r, "NOERROR")
            eq(len(r.answer), 0, "answer of %s %s" % (name, t))
            eq(ede(r), [15], "EDE of %s" % name)
        for name, t, want in (("pub.up.example", "A", "93.184.216.34"),
                              ("pub6.up.example", "AAAA", "2a00:1450::1"),
                              ("cgnat.up.example", "A", "100.64.0.1"),
                              ("www.lan.example", "A", "10.0.0.5")):
            r = ask(s, name, t)
            eq(values(r, t), [want], "%s %s passes" % (name, t))
            eq(ede(r), [], "no EDE for %s" % name)
        r = ask(s, "nas.home.example", "A")
        expect(r, "NOERROR", aa=True)
        eq(values(r, "A"), ["192.168.1.10"], "local data unfiltered")
        # a refused answer is not cached: asked upstream again
        n = up.asked("evil.up.example.")
        expect(ask(s, "evil.up.example", "A"), "NOERROR")
        eq(up.asked("evil.up.example.") - n, 1, "asked again")
        time.sleep(0.2)
        check("possible DNS-rebind attack detected: evil.up.example"
              in s.log(), "no warning in the log: " + s.log_tail(400))
        # without the option the private address is answered
        s2 = server(up)
        eq(values(ask(s2, "evil.up.example"), "A"), ["192.168.1.1"],
           "no filter without the option")
    finally:
        up.stop()


@case
def rebind_localhost_ok():
    """--rebind-localhost-ok lets 127/8 through; RFC 1918 stays blocked."""
    up = Upstream()
    try:
        s = server(up, ["stop-dns-rebind", "rebind-localhost-ok"])
        eq(values(ask(s, "lo.up.example"), "A"), ["127.0.0.1"], "127/8")
        r = ask(s, "evil.up.example")
        eq(len(r.answer), 0, "RFC 1918 still blocked")
        eq(ede(r), [15], "EDE")
    finally:
        up.stop()


@case
def policy_options_parse():
    """The options are real now: --test accepts them, and a bad
    --rebind-domain-ok value stops start-up naming the option."""
    from dvtest import BINARY
    import subprocess
    ok = subprocess.run([BINARY, "--test", "--no-hosts", "--no-resolv",
                         "--domain-needed", "--bogus-priv",
                         "--stop-dns-rebind", "--rebind-localhost-ok",
                         "--rebind-domain-ok=/a.example/b.example/",
                         "--rebind-domain-ok=c.example", "-D", "-b"],
                        capture_output=True, text=True, timeout=15)
    eq(ok.returncode, 0, "--test: " + ok.stdout + ok.stderr)
    bad = subprocess.run([BINARY, "--test", "--no-hosts",
                          "--rebind-domain-ok=//"],
                         capture_output=True, text=True, timeout=15)
    check(bad.returncode != 0, "bad value accepted")
    check("rebind-domain-ok" in bad.stdout + bad.stderr,
          "error names the option: " + bad.stdout + bad.stderr)
    out = subprocess.run([BINARY, "--help"], capture_output=True, text=True,
                         timeout=15).stdout
    check("not enforced" not in out, "help still says not enforced")


@case
def bogus_nxdomain():
    """--bogus-nxdomain=ADDR[/PREFIX]: an upstream answer holding such an
    address becomes NXDOMAIN with EDE 15 (Blocked) and is not cached, as
    dnsmasq 2.90 answers; other addresses pass; local data is kept."""
    up = Upstream()
    try:
        s = server(up, ["bogus-nxdomain=93.184.216.0/24",
                        "bogus-nxdomain=fd00::1",
                        "host-record=ad.home.example,93.184.216.99"])
        for name, t in (("pub.up.example", "A"),
                        ("evil6.up.example", "AAAA")):
            r = ask(s, name, t)
            expect(r, "NXDOMAIN")
            eq(len(r.answer), 0, "answer of %s %s" % (name, t))
            eq(ede(r), [15], "EDE of %s" % name)
        n = up.asked("pub.up.example.")
        expect(ask(s, "pub.up.example", "A"), "NXDOMAIN")
        eq(up.asked("pub.up.example.") - n, 1, "not cached: asked again")
        eq(values(ask(s, "pub6.up.example", "AAAA"), "AAAA"),
           ["2a00:1450::1"], "another address passes")
        eq(values(ask(s, "cgnat.up.example"), "A"), ["100.64.0.1"],
           "outside the block passes")
        eq(values(ask(s, "ad.home.example"), "A"), ["93.184.216.99"],
           "local data is not filtered")
    finally:
        up.stop()


@case
def ignore_address():
    """--ignore-address=ADDR[/PREFIX]: a reply to an A query holding the
    address is dropped as if never received (dnsmasq: it waits for
    another reply), so the client never sees it; other names resolve."""
    up = Upstream()
    try:
        s = server(up, ["ignore-address=93.184.216.34"])
        try:
            r = ask(s, "pub.up.example", "A")
            eq(values(r, "A"), [], "ignored address answered: " + short(r))
        except dns.exception.Timeout:
            pass
        eq(values(ask(s, "cgnat.up.example"), "A"), ["100.64.0.1"],
           "other addresses pass")
        eq(values(ask(s, "pub6.up.example", "AAAA"), "AAAA"),
           ["2a00:1450::1"], "AAAA passes")
    finally:
        up.stop()


@case
def filter_a_and_aaaa():
    """--filter-AAAA: AAAA queries that go upstream get NOERROR without
    data and EDE 17 (Filtered), as dnsmasq 2.90; A is unaffected; local
    data (host-record) keeps its AAAA, as in dnsmasq.  --filter-A is the
    same for A."""
    up = Upstream()
    try:
        s = server(up, ["filter-AAAA",
                        "host-record=nas.home.example,192.0.2.5,fd00::5"])
        r = ask(s, "pub6.up.example", "AAAA")
        expect(r, "NOERROR")
        eq(len(r.answer), 0, "AAAA filtered: " + short(r))
        eq(ede(r), [17], "EDE Filtered")
        eq(values(ask(s, "pub.up.example"), "A"), ["93.184.216.34"],
           "A passes")
        eq(values(ask(s, "nas.home.example", "AAAA"), "AAAA"), ["fd00::5"],
           "local AAAA kept")
        s2 = server(up, ["filter-A"])
        r = ask(s2, "pub.up.example", "A")
        expect(r, "NOERROR")
        eq(len(r.answer), 0, "A filtered: " + short(r))
        eq(ede(r), [17], "EDE Filtered")
        eq(values(ask(s2, "pub6.up.example", "AAAA"), "AAAA"),
           ["2a00:1450::1"], "AAAA passes")
    finally:
        up.stop()


@case
def alias_rewrites_upstream_addresses():
    """--alias (dnsmasq's DNS doctoring): OLD,NEW rewrites one address;
    OLD,NEW,MASK keeps the host part under MASK; START-END,NEW,MASK only
    the addresses in the range.  Cached answers stay rewritten; other
    addresses and local data are untouched."""
    up = Upstream()
    try:
        s = server(up, ["alias=93.184.216.34,198.51.100.1",
                        "alias=100.64.0.0,10.9.0.0,255.255.0.0",
                        "alias=192.168.1.1-192.168.1.9,172.16.5.0,"
                        "255.255.255.0",
                        "host-record=h.home.example,93.184.216.34"])
        for name, want in (("pub.up.example", "198.51.100.1"),
                           ("cgnat.up.example", "10.9.0.1"),
                           ("evil.up.example", "172.16.5.1"),
                           ("www.lan.example", "10.0.0.5"),
                           ("pub.up.example", "198.51.100.1"),
                           ("h.home.example", "93.184.216.34")):
            eq(values(ask(s, name), "A"), [want], name)
        eq(up.asked("pub.up.example."), 1, "second answer from the cache")
    finally:
        up.stop()


@case
def filterwin2k():
    """--filterwin2k: SOA and SRV queries, and ANY queries for names with
    an underscore, never go upstream: NOERROR without data, as dnsmasq
    2.90 answers; A, and ANY for other names, are forwarded."""
    up = Upstream()
    try:
        s = server(up, ["filterwin2k"])
        for name, t in (("pub.up.example", "SOA"),
                        ("_ldap._tcp.dc._msdcs.up.example", "SRV"),
                        ("_ldap.up.example", "ANY")):
            r = ask(s, name, t)
            expect(r, "NOERROR")
            eq(len(r.answer), 0, "answer of %s %s" % (name, t))
        eq(up.seen, [], "nothing sent upstream")
        eq(values(ask(s, "pub.up.example"), "A"), ["93.184.216.34"], "A")
        ask(s, "pub.up.example", "ANY")
        eq(up.asked("pub.up.example."), 2, "A and ANY forwarded")
    finally:
        up.stop()


if __name__ == "__main__":
    run()
