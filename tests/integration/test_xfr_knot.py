#!/usr/bin/env python3
"""Outgoing transfers and NOTIFY: knotd as a secondary of dnsvizor (AXFR,
then UPDATE -> NOTIFY -> IXFR), a 100k-record AXFR with kdig compared as
sets with the zone file, refusals, IXFR over UDP for the current serial."""
import subprocess

import dns.message
import dns.query
import dns.rcode
import dns.rrset
import dns.rdatatype
import dns.tsigkeyring
import dns.update
import dns.zone

from dvtest import (Server, case, check, eq, free_port, rcode, run,
                    tmpdir, wait_for)
import knotpeer
KEY = "xfr-key"
SECRET = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ="
ZONE = """$ORIGIN example.com.
$TTL 300
@ IN SOA ns1 admin 10 3600 600 86400 60
@ IN NS ns1
ns1 IN A 192.0.2.1
www IN A 192.0.2.80
sub IN NS ns.sub
ns.sub IN A 192.0.2.53
"""


def dv_args(knot_port=None):
    a = ["--dns-key=%s:sha256:%s" % (KEY, SECRET),
         "--allow-transfer=example.com,%s" % KEY,
         "--allow-update=example.com,%s" % KEY,
         "--state-dir=" + tmpdir()]
    if knot_port:
        a.append("--notify=example.com,127.0.0.1#%d,%s" % (knot_port, KEY))
    return a


def Knot(dv_port):
    """knotd as a secondary of dnsvizor at dv_port (TSIG everywhere)."""
    return knotpeer.Knot(knotpeer.SECONDARY_OF_DV, {"dvp": dv_port, "k": KEY,
                                     "s": SECRET})


def soa_serial(port, name="example.com."):
    q = dns.message.make_query(name, "SOA")
    r = dns.query.udp(q, "127.0.0.1", port=port, timeout=1)
    for rr in r.answer:
        if rr.rdtype == dns.rdatatype.SOA:
            return rr[0].serial
    return None


def a_of(port, name):
    q = dns.message.make_query(name, "A")
    r = dns.query.udp(q, "127.0.0.1", port=port, timeout=1)
    return sorted(str(rd) for rr in r.answer for rd in rr
                  if rr.rdtype == dns.rdatatype.A)


@case
def knot_follows_by_axfr_notify_ixfr():
    dv_port = free_port()
    knot = Knot(dv_port)
    srv = None
    try:
        srv = Server(zones={"example.com": ZONE}, port=dv_port,
                     args=dv_args(knot.port))
        got = wait_for(lambda: soa_serial(knot.port) == 10, 15,
                       "knot has the zone by AXFR: " + knot.log()[-1500:])
        check(got, "serial")
        eq(a_of(knot.port, "www.example.com."), ["192.0.2.80"], "www")
        # UPDATE at dnsvizor -> NOTIFY -> IXFR
        kr = dns.tsigkeyring.from_text({KEY: ("hmac-sha256", SECRET)})
        u = dns.update.UpdateMessage("example.com.", keyring=kr,
                                     keyname=KEY,
                                     keyalgorithm="hmac-sha256")
        u.add("new.example.com.", 300, "A", "192.0.2.99")
        r = dns.query.tcp(u, "127.0.0.1", port=dv_port, timeout=3)
        eq(rcode(r), "NOERROR", "update")
        wait_for(lambda: a_of(knot.port, "new.example.com.") ==
                 ["192.0.2.99"], 10, "knot serves the update: " +
                 knot.log()[-1500:])
        wait_for(knot.took_ixfr, 5, "knot took the change by IXFR (no "
                 "AXFR fallback)", logs=(knot.log,))
    finally:
        if srv:
            srv.stop()
        knot.stop()


def big_zone(n):
    lines = [ZONE]
    for i in range(n):
        lines.append("h%d IN A 10.%d.%d.%d" % (i, (i >> 16) & 255,
                                               (i >> 8) & 255, i & 255))
    return "\n".join(lines) + "\n"


def rrset_lines(z):
    out = set()
    for name, ttl, rd in z.iterate_rdatas():
        out.add("%s %d %s %s" % (name.to_text().lower(), ttl,
                                 dns.rdatatype.to_text(rd.rdtype),
                                 rd.to_text().lower()))
    return out


@case
def axfr_100k_matches_zone_file():
    text = big_zone(100000)
    srv = Server(zones={"example.com": text}, args=dv_args(), wait=False)
    srv.wait_ready(timeout=60)   # 100k names: slow on a loaded machine
    out = subprocess.run(
        ["kdig", "-p", str(srv.port), "@127.0.0.1", "-y",
         "hmac-sha256:%s:%s" % (KEY, SECRET), "example.com.", "AXFR",
         "+nocomments", "+nostats"], capture_output=True, timeout=40)
    check(out.returncode == 0, "kdig: %r" % out.stderr[-300:])
    # kdig prints each message's TSIG record too: not zone data.
    lines = [ln for ln in out.stdout.decode().splitlines()
             if ln and not ln.startswith(";") and ln.split()[3:4] != ["TSIG"]]
    eq(len(lines), 100000 + 6 + 1, "RR count (6 base RRs, SOA twice)")
    # the 100k generated names compared as text (parsing them with
    # dnspython took most of this case's time on a loaded machine), the
    # base records through dnspython
    big = [ln.split(None, 4) for ln in lines[:-1]
           if ln.lower().startswith("h")]
    got_big = set("%s %s %s %s" % (f[0].lower(), f[1], f[3], f[4].strip())
                  for f in big)
    want_big = set("h%d.example.com. 300 A 10.%d.%d.%d" % (
        i, (i >> 16) & 255, (i >> 8) & 255, i & 255) for i in range(100000))
    check(got_big == want_big, "AXFR differs from the file (%d names "
          "differ)" % len(got_big ^ want_big))
    got = dns.zone.from_text("\n".join(ln for ln in lines[:-1]
                                       if not ln.lower().startswith("h"))
                             + "\n", origin="example.com.",
                             relativize=False)
    want = dns.zone.from_text(ZONE, origin="example.com.", relativize=False)
    check(rrset_lines(got) == rrset_lines(want), "AXFR base records differ")
    srv.stop()


@case
def refusals_and_udp_ixfr():
    srv = Server(zones={"example.com": ZONE}, args=dv_args())
    out = subprocess.run(["dig", "-p", str(srv.port), "@127.0.0.1",
                          "example.com.", "AXFR"], capture_output=True,
                         timeout=15).stdout.decode()
    check("Transfer failed" in out, "unsigned AXFR not refused: " + out)
    q = dns.message.make_query("example.com.", "AXFR")
    r = dns.query.udp(q, "127.0.0.1", port=srv.port, timeout=2)
    check(rcode(r) != "NOERROR", "AXFR over UDP answered")
    # IXFR over UDP for our current serial: one SOA (signed request)
    kr = dns.tsigkeyring.from_text({KEY: ("hmac-sha256", SECRET)})
    q = dns.message.make_query("example.com.", "IXFR")
    q.authority.append(dns.rrset.from_text("example.com.", 0, "IN", "SOA",
                                           ". . 10 0 0 0 0"))
    q.use_tsig(kr, keyname=KEY, algorithm="hmac-sha256")
    r = dns.query.udp(q, "127.0.0.1", port=srv.port, timeout=2)
    eq(rcode(r), "NOERROR", "IXFR rcode")
    eq(len(r.answer), 1, "one RRset")
    eq(r.answer[0].rdtype, dns.rdatatype.SOA, "SOA only")
    srv.stop()


if __name__ == "__main__":
    run()
