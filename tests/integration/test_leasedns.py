#!/usr/bin/env python3
"""DHCP lease names in DNS (issue 5): real dhclient in a network namespace
gets a lease with a host name; dnsvizor (in another namespace) answers
NAME.lan.test A and the PTR authoritatively, the synthesized lan.test and
reverse zones answer SOA with serials that grow per change, RELEASE
removes the names, a static name (--host-record, the --zone file) is never
taken over, the names survive a restart, and a Knot secondary of lan.test
gets a new name by NOTIFY + IXFR."""
import os
import re
import signal
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dvtest  # noqa: E402
from dvtest import case, check, eq, run, wait_for  # noqa: E402
from dhcpnet import DOMAIN, Net, in_ns  # noqa: E402
import knotpeer  # noqa: E402

dvtest.CASE_TIMEOUT = 150


def dig_full(net, *args, server=None, port=53, ns=None):
    """dig output (not +short), by default from the server namespace (the
    client has no address before its first lease)."""
    argv = ["dig", "@" + (server or net.pool(1)), "-p", str(port),
            "+time=2", "+tries=2", "+norec"] + list(args)
    return net.run(ns or net.sns, argv, check=False)


class Ans:
    """The parts of a dig answer the cases look at."""

    def __init__(self, text):
        self.text = text
        m = re.search(r"status: (\w+)", text)
        self.rcode = m.group(1) if m else None
        m = re.search(r";; flags: ([a-z ]+);", text)
        self.flags = m.group(1).split() if m else []
        self.rrs = []
        sect = None
        for ln in text.splitlines():
            if ln.startswith(";; ANSWER SECTION"):
                sect = "an"
            elif ln.startswith(";;") or not ln.strip():
                if ln.startswith(";; ") and "SECTION" in ln:
                    sect = None
                continue
            elif sect == "an" and not ln.startswith(";"):
                p = ln.split()
                self.rrs.append((p[0].lower(), int(p[1]), p[3],
                                 " ".join(p[4:])))

    def data(self, rtype):
        return sorted(r[3] for r in self.rrs if r[2] == rtype)

    def ttl(self, rtype):
        return [r[1] for r in self.rrs if r[2] == rtype]


def q(net, name, rtype="A", **kw):
    return Ans(dig_full(net, name, rtype, **kw))


def rev_zone(net):
    a, b, c = net.prefix.split(".")
    return "%s.%s.%s.in-addr.arpa." % (c, b, a)


def ptr_name(addr):
    return ".".join(reversed(addr.split("."))) + ".in-addr.arpa."


def serial(net, zone, **kw):
    a = q(net, zone, "SOA", **kw)
    check("aa" in a.flags, "SOA %s not authoritative: %s" % (zone, a.text))
    soa = a.data("SOA")
    check(len(soa) == 1, "SOA %s: %s" % (zone, a.text))
    return int(soa[0].split()[2])


def lease(net, name, d=None):
    got, d = net.dhclient(hostname=name, d=d)
    check(got and got.addr, "no lease for %s" % name)
    return got.addr, d


def close(net, srv):
    """Stop dnsvizor (SIGTERM: it must exit 0) before the namespaces go
    (Net.close kills what still runs in them)."""
    try:
        if srv is not None and srv.alive():
            rc, killed = srv.stop()
            check(rc == 0 and not killed, "dnsvizor exit %s (killed %s): %s"
                  % (rc, killed, srv.log_tail()))
    finally:
        net.close()


def range_args(net, secs="10m"):
    return ["--dhcp-range=%s,%s,255.255.255.0,%s" % (net.pool(50),
                                                    net.pool(150), secs)]


def check_names(net, name, addr, max_ttl):
    a = q(net, "%s.%s." % (name, DOMAIN))
    eq(a.rcode, "NOERROR", "A rcode")
    check("aa" in a.flags, "A not authoritative: " + a.text)
    eq(a.data("A"), [addr], "A of %s" % name)
    check(all(0 < t <= max_ttl for t in a.ttl("A")),
          "A TTL %s > lease/cap %d" % (a.ttl("A"), max_ttl))
    p = q(net, ptr_name(addr), "PTR")
    check("aa" in p.flags, "PTR not authoritative: " + p.text)
    eq(p.data("PTR"), ["%s.%s." % (name, DOMAIN)], "PTR of " + addr)


@case
def lease_name_a_ptr_soa_release():
    net, s = Net(), None
    try:
        s = net.server(range_args(net, "2m"))
        rz = rev_zone(net)
        f0, r0 = serial(net, DOMAIN + "."), serial(net, rz)
        # synthesized zones: NS at the apex, unixtime-ish serial
        ns = q(net, DOMAIN + ".", "NS")
        check("aa" in ns.flags and ns.data("NS") == ["ns.%s." % DOMAIN],
              "NS: " + ns.text)
        check(f0 > 1600000000, "serial %d is not unixtime" % f0)
        addr, d = lease(net, "alpha")
        check_names(net, "alpha", addr, 120)
        f1, r1 = serial(net, DOMAIN + "."), serial(net, rz)
        check(f1 > f0 and r1 > r0, "serials %d->%d %d->%d" % (f0, f1, r0, r1))
        # an unknown name below the zone is NXDOMAIN with AA and the SOA
        nx = q(net, "nobody.%s." % DOMAIN)
        check(nx.rcode == "NXDOMAIN" and "aa" in nx.flags, nx.text)
        # the same client again (renewal / same lease): nothing changes
        addr2, d = lease(net, "alpha", d=d)
        eq(addr2, addr, "same address")
        eq(serial(net, DOMAIN + "."), f1, "serial after an unchanged lease")
        net.dhclient_release(d)
        wait_for(lambda: q(net, "alpha.%s." % DOMAIN).rcode == "NXDOMAIN",
                 10, "alpha removed after RELEASE")
        p = q(net, ptr_name(addr), "PTR")
        check(p.rcode == "NXDOMAIN" and "aa" in p.flags,
              "PTR after RELEASE: " + p.text)
        check(serial(net, DOMAIN + ".") > f1 and serial(net, rz) > r1,
              "serials did not grow on release")
        # the zone's own server name is not a lease's
        f2 = serial(net, DOMAIN + ".")
        addr3, d = lease(net, "ns", d=d)
        eq(q(net, "ns.%s." % DOMAIN).data("A"), [], "ns.DOMAIN taken")
        check(q(net, ptr_name(addr3), "PTR").data("PTR") == [],
              "PTR for a refused name")
        eq(serial(net, DOMAIN + "."), f2, "serial after a refused name")
        check(s.alive(), "server died")
    finally:
        close(net, s)


ZONE = """$ORIGIN lan.test.
$TTL 300
@ IN SOA ns admin 7 3600 600 86400 60
@ IN NS ns
ns IN A 192.0.2.1
gamma IN A 192.0.2.3
"""


@case
def static_names_are_not_taken():
    net, s = Net(), None
    try:
        s = net.server(range_args(net) + [
            "--host-record=beta.%s,%s" % (DOMAIN, net.pool(7))],
            zones={DOMAIN: ZONE})
        # the --zone is used as is: its SOA, its serial
        eq(serial(net, DOMAIN + "."), 7, "serial of the --zone")
        addr_b, _ = lease(net, "beta")
        eq(q(net, "beta.%s." % DOMAIN).data("A"), [net.pool(7)],
           "beta stays the host-record")
        check(q(net, ptr_name(addr_b), "PTR").data("PTR") !=
              ["beta.%s." % DOMAIN], "beta's lease got a PTR")
        net.run(net.cns, ["ip", "-4", "addr", "flush", "dev", net.cif])
        addr_g, _ = lease(net, "gamma")
        eq(q(net, "gamma.%s." % DOMAIN).data("A"), ["192.0.2.3"],
           "gamma stays the zone file's")
        check(addr_g != "192.0.2.3", "lease address")
        # serial untouched by refused names
        eq(serial(net, DOMAIN + "."), 7, "serial after refused names")
        # a free name in the --zone works, serial bumps by UPDATE rules
        net.run(net.cns, ["ip", "-4", "addr", "flush", "dev", net.cif])
        addr_d, _ = lease(net, "delta")
        check_names(net, "delta", addr_d, 600)
        check(serial(net, DOMAIN + ".") > 7, "serial did not grow")
    finally:
        close(net, s)


@case
def names_survive_restart():
    net, s = Net(), None
    try:
        s = net.server(range_args(net))
        state = [a.split("=", 1)[1] for a in s.argv
                 if a.startswith("--state-dir=")][-1]
        addr, d = lease(net, "omega")
        check_names(net, "omega", addr, 600)
        f1 = serial(net, DOMAIN + ".")
        r1 = serial(net, rev_zone(net))
        s.stop()
        check(os.path.exists(os.path.join(state, "zones", "lan.test.snap")),
              "no snapshot of the synthesized zone in the state dir: %s"
              % os.listdir(state))
        s.start()
        check_names(net, "omega", addr, 600)
        eq(serial(net, DOMAIN + "."), f1, "serial after restart")
        eq(serial(net, rev_zone(net)), r1, "reverse serial after restart")
        # the restored lease still owns its name: RELEASE removes it
        net.dhclient_release(d)
        wait_for(lambda: q(net, "omega.%s." % DOMAIN).rcode == "NXDOMAIN",
                 10, "omega removed after RELEASE (restarted server): " +
                 s.log_tail())
        check(q(net, ptr_name(addr), "PTR").rcode == "NXDOMAIN",
              "PTR after RELEASE")
    finally:
        close(net, s)


@case
def names_without_lease_go_at_restart():
    """A lease gone while dnsvizor was down (here: its lease journal was
    removed) leaves no name behind; the --host-record stays."""
    net, s = Net(), None
    try:
        s = net.server(range_args(net) + [
            "--host-record=static.%s,%s" % (DOMAIN, net.pool(9))])
        state = [a.split("=", 1)[1] for a in s.argv
                 if a.startswith("--state-dir=")][-1]
        addr, d = lease(net, "tau")
        check_names(net, "tau", addr, 600)
        f1 = serial(net, DOMAIN + ".")
        s.stop()
        jdir = os.path.join(state, "dhcp")
        check(os.path.isdir(jdir), "no dhcp state dir: %s" % os.listdir(state))
        for fn in os.listdir(jdir):
            os.unlink(os.path.join(jdir, fn))
        s.start()
        eq(q(net, "tau.%s." % DOMAIN).rcode, "NXDOMAIN", "stale A")
        eq(q(net, ptr_name(addr), "PTR").rcode, "NXDOMAIN", "stale PTR")
        check(serial(net, DOMAIN + ".") > f1, "serial after the removal")
        eq(q(net, "static.%s." % DOMAIN).data("A"), [net.pool(9)],
           "host-record")
    finally:
        close(net, s)


@case
def names_survive_reload():
    net, s = Net(), None
    try:
        s = net.server(range_args(net))
        addr, d = lease(net, "sigma")
        f1 = serial(net, DOMAIN + ".")
        r1 = serial(net, rev_zone(net))
        n = s.log().count("reloaded")
        s.signal(signal.SIGHUP)
        wait_for(lambda: s.log().count("reloaded") > n, 10,
                 "reload: " + s.log_tail())
        check_names(net, "sigma", addr, 600)
        eq(serial(net, DOMAIN + "."), f1, "serial after SIGHUP")
        eq(serial(net, rev_zone(net)), r1, "reverse serial after SIGHUP")
        net.dhclient_release(d)
        wait_for(lambda: q(net, "sigma.%s." % DOMAIN).rcode == "NXDOMAIN",
                 10, "sigma removed after RELEASE (reloaded server): " +
                 s.log_tail())
        check(q(net, ptr_name(addr), "PTR").rcode == "NXDOMAIN",
              "PTR after RELEASE")
        check(serial(net, DOMAIN + ".") > f1, "serial after RELEASE")
    finally:
        close(net, s)


KNOT_BODY = """remote:
  - id: dv
    address: 127.0.0.1@53
acl:
  - id: notify_from_dv
    address: 127.0.0.1
    action: notify
template:
  - id: default
    storage: "%(d)s"
zone:
  - domain: %(z)s
    master: dv
    acl: notify_from_dv
"""


@case
def knot_secondary_gets_names_by_ixfr():
    net, s, knot = Net(), None, None
    try:
        kport = 5353
        s = net.server(range_args(net) + [
            "--listen-address=127.0.0.1",
            "--allow-transfer=%s,127.0.0.1" % DOMAIN,
            "--notify=%s,127.0.0.1#%d" % (DOMAIN, kport)])
        knot = knotpeer.Knot(KNOT_BODY, {"z": DOMAIN}, port=kport,
                             prefix=in_ns(net.sns, []))
        knot_log = knot.log
        f0 = serial(net, DOMAIN + ".")
        wait_for(lambda: q(net, DOMAIN + ".", "SOA", server="127.0.0.1",
                           port=kport, ns=net.sns).data("SOA"), 20,
                 "knot has lan.test: " + knot_log()[-800:])
        addr, _ = lease(net, "kappa")
        check_names(net, "kappa", addr, 600)
        f1 = serial(net, DOMAIN + ".")
        check(f1 > f0, "serial")

        def at_knot():
            a = q(net, "kappa.%s." % DOMAIN, server="127.0.0.1", port=kport,
                  ns=net.sns)
            return a.data("A") == [addr] and "aa" in a.flags

        wait_for(at_knot, 20, "knot serves kappa: " + knot_log()[-800:])
        ks = serial(net, DOMAIN + ".", server="127.0.0.1", port=kport,
                    ns=net.sns)
        eq(ks, f1, "knot's serial")
        log = knot_log()
        check(knot.took_ixfr(),
              "knot did not take the change by IXFR: " + log[-1200:])
        check(re.search(r"notif", log, re.I),
              "knot was not notified: " + log[-800:])
    finally:
        if knot:
            knot.stop()
        close(net, s)


if __name__ == "__main__":
    run()
