#!/usr/bin/env python3
"""A chain of transfers through dnsvizor: knotd (primary) -> dnsvizor
(--secondary, --allow-transfer and --notify for the next peer, TSIG on that
leg) -> a second knotd (secondary of dnsvizor).  A change at the primary
reaches the third server: NOTIFY knot -> dnsvizor, IXFR into dnsvizor,
NOTIFY dnsvizor -> knot, IXFR from dnsvizor's copy (its IXFR history is
fed by the differences dnsvizor received)."""
import base64
import os

import dns.message
import dns.query
import dns.rdatatype

from dvtest import (Server, case, check, eq, free_port, run, tmpdir,
                    wait_for)
import knotpeer
KEY = "chain.key"
SECRET = base64.b64encode(os.urandom(32)).decode()

ZONE = """$ORIGIN example.com.
$TTL 60
@ IN SOA ns1.example.com. admin.example.com. 1 3600 2 600 60
@ IN NS ns1.example.com.
ns1 IN A 192.0.2.1
www IN A 192.0.2.80
"""

PRIMARY = """
remote:
  - id: dv
    address: 127.0.0.1@%(dvp)d
acl:
  - id: xfr
    address: 127.0.0.1
    action: transfer
template:
  - id: default
    storage: "%(d)s"
    zonefile-sync: -1
    zonefile-load: difference
    journal-content: changes
zone:
  - domain: example.com
    file: "%(d)s/example.com.zone"
    notify: dv
    acl: xfr
"""

def Knot(dv_port, role):
    """knotd as the primary (feeding dnsvizor) or as the third server
    (a TSIG secondary of dnsvizor)."""
    k = knotpeer.Knot(PRIMARY if role == "primary" else
                      knotpeer.SECONDARY_OF_DV,
                      {"dvp": dv_port, "k": KEY, "s": SECRET},
                      files={"example.com.zone": ZONE}
                      if role == "primary" else None)
    k.change = lambda name, addr: knotpeer.Knot.change(k, "example.com",
                                                       name, addr)
    return k


def lookup(port, name, rdtype):
    q = dns.message.make_query(name, rdtype)
    r = dns.query.udp(q, "127.0.0.1", port=port, timeout=1)
    return [rd for rr in r.answer for rd in rr if rr.rdtype == rdtype]


def serial(port):
    rds = lookup(port, "example.com.", dns.rdatatype.SOA)
    return rds[0].serial if rds else None


def a_of(port, name):
    return sorted(str(rd) for rd in lookup(port, name, dns.rdatatype.A))


def incoming(log, kind):
    """Knot log lines of finished incoming transfers of a kind."""
    return [ln for ln in log.splitlines()
            if "%s, incoming" % kind in ln and "finished" in ln]


@case
def chain_knot_dnsvizor_knot():
    dv_port = free_port()
    primary = Knot(dv_port, "primary")
    third = None
    srv = None
    try:
        third = Knot(dv_port, "secondary")
        srv = Server(args=[
            "--port=%d" % dv_port, "--state-dir=" + tmpdir(),
            "--log-level=debug",
            "--secondary=example.com,127.0.0.1#%d" % primary.port,
            "--dns-key=%s:SHA256:%s" % (KEY, SECRET),
            "--allow-transfer=example.com,%s" % KEY,
            "--notify=example.com,127.0.0.1#%d,%s" % (third.port, KEY)],
            listen=False, conf=["listen-address=127.0.0.1"], wait=False)
        srv.port = dv_port
        srv.wait_ready()
        logs = (srv.log, third.log)
        # primary -> dnsvizor (AXFR) -> NOTIFY -> third (AXFR)
        wait_for(lambda: serial(dv_port) == 1, 10, "dnsvizor loaded",
                 logs)
        wait_for(lambda: serial(third.port) == 1, 15,
                 "third server loaded from dnsvizor", logs)
        eq(a_of(third.port, "www.example.com."), ["192.0.2.80"],
           "third server data")
        # two changes, one after the other, each through the chain
        for n, (name, addr) in enumerate((("new.example.com.",
                                           "192.0.2.99"),
                                          ("more.example.com.",
                                           "192.0.2.100")), start=2):
            primary.change(name, addr)
            wait_for(lambda: serial(dv_port) == n, 10,
                     "serial %d at dnsvizor" % n, logs)
            check("transferred example.com. serial %d by IXFR" % n
                  in srv.log(), "dnsvizor not by IXFR: " +
                  srv.log_tail(1500))
            wait_for(lambda: serial(third.port) == n, 15,
                     "serial %d at the third server" % n, logs)
            eq(a_of(third.port, name), [addr], "change at the third")
        # the third server followed incrementally from dnsvizor's copy
        log = third.log()
        check(len(incoming(log, "IXFR")) >= 2,
              "third server not by IXFR: " + log[-2000:])
        # the third server misses two changes that dnsvizor received by
        # two separate IXFRs: back at serial 3 it asks IXFR 3 -> 5, which
        # dnsvizor serves from its accumulated history
        third.stop()
        for n, name in ((4, "four"), (5, "five")):
            primary.change(name + ".example.com.", "192.0.2.%d" % n)
            wait_for(lambda: serial(dv_port) == n, 10,
                     "serial %d at dnsvizor" % n, logs)
        before = len(incoming(third.log(), "IXFR"))
        third.start()
        wait_for(lambda: serial(third.port) == 5, 15,
                 "the third server catching up", logs)
        eq(a_of(third.port, "four.example.com."), ["192.0.2.4"],
           "missed change")
        log = third.log()
        check(len(incoming(log, "IXFR")) > before,
              "catching up not by IXFR: " + log[-2000:])
        check("fallback to AXFR" not in log,
              "IXFR fell back to AXFR: " + log[-2000:])
        eq(a_of(third.port, "www.example.com."), ["192.0.2.80"],
           "unchanged data at the third")
    finally:
        if srv:
            srv.stop()
        if third:
            third.stop()
        primary.stop()


if __name__ == "__main__":
    run()
