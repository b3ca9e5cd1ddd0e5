"""DHCPv4 server with real clients (dhclient, udhcpc, dhcpcd) and crafted
packets in network namespaces joined by veth pairs (dhcpnet.py): leases,
options, names in DNS, renew, release, decline, reboot, static hosts,
relays, durability across kill -9, hostile packets, starvation."""
import os
import random
import signal
import stat
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dvtest import (BINARY, case, check, eq, poll_until, run,  # noqa: E402
                    tmpdir)
from dhcpnet import (DOMAIN, Net, NsServer, bootp, client_mac, dora,  # noqa: E402
                     parse_reply, random_mac, send_packets, with_net)


def ip_in_pool(net, ip, lo=50, hi=150):
    check(ip is not None, "no address")
    pre, _, last = ip.rpartition(".")
    return pre == net.prefix and lo <= int(last) <= hi


def rng(net, lo=50, hi=150, extra=""):
    return "--dhcp-range=%s,%s,%s12h" % (net.pool(lo), net.pool(hi), extra)


def journal(s):
    return os.path.join(s.argv[[i for i, a in enumerate(s.argv)
                                if a.startswith("--state-dir=")][0]]
                        .split("=", 1)[1], "dhcp", "leases.jnl")


@case
@with_net
def dhclient_lease_options_and_names(net):
    s = net.server([rng(net)])
    lease, _ = net.dhclient(hostname="alpha")
    check(lease is not None, "dhclient got no lease: " + s.log_tail())
    check(ip_in_pool(net, lease.addr), "address %s not in range" % lease.addr)
    eq(lease.mask, "255.255.255.0", "netmask")
    eq(lease.router, net.pool(1), "router (default: our address)")
    eq(lease.dns, net.pool(1), "DNS server (default: our address)")
    eq(lease.domain, DOMAIN, "domain name")
    eq(lease.env.get("new_dhcp_lease_time"), "43200", "lease time")
    eq(net.addr_of(), lease.addr, "address configured by the script")
    eq(net.dig("alpha." + DOMAIN), lease.addr, "A of the lease name")
    eq(net.dig("-x", lease.addr), "alpha.%s." % DOMAIN, "PTR")
    log = s.log()
    for w in ("DHCPDISCOVER(%s)" % net.sif, "DHCPOFFER(%s) %s" %
              (net.sif, lease.addr), "DHCPACK(%s) %s" % (net.sif, lease.addr)):
        check(w in log, "--log-dhcp line %r missing: %s" % (w, log[-800:]))


@case
@with_net
def configured_options_win(net):
    s = net.server([rng(net), "--dhcp-option=option:router,%s" %
                    net.pool(254), "--dhcp-option=6,%s,%s" %
                    (net.pool(253), net.pool(252)),
                    "--dhcp-option-force=option:domain-name,other.test"])
    lease, _ = net.dhclient()
    check(lease is not None, "no lease: " + s.log_tail())
    eq(lease.router, net.pool(254), "router")
    eq(lease.dns, "%s %s" % (net.pool(253), net.pool(252)), "DNS servers")
    eq(lease.domain, "other.test", "domain-name")


@case
@with_net
def udhcpc_lease_and_renew(net):
    s = net.server([rng(net)])
    p, d = net.udhcpc_start(hostname="beta")
    first = net.wait_lease(d)
    check(first is not None, "udhcpc got no lease: " + s.log_tail())
    check(ip_in_pool(net, first.addr), "address %s" % first.addr)
    eq(first.router, net.pool(1), "router")
    eq(first.dns, net.pool(1), "dns")
    eq(poll_until(lambda: net.dig("beta." + DOMAIN)), first.addr, "A")
    n_req = s.log().count("DHCPREQUEST(")
    p.send_signal(signal.SIGUSR1)           # renew
    second = net.wait_lease(d, 2)
    check(second is not None, "no renew: " + s.log_tail())
    eq(second.addr, first.addr, "renewed address")
    check(s.log().count("DHCPREQUEST(") > n_req, "no REQUEST on renew")
    p.send_signal(signal.SIGUSR2)           # release
    check(poll_until(lambda: net.dig("beta." + DOMAIN) == ""),
          "name still there after udhcpc released")


@case
@with_net
def dhcpcd_lease(net):
    s = net.server([rng(net)])
    lease, _ = net.dhcpcd(hostname="gamma")
    check(lease is not None, "dhcpcd got no lease: " + s.log_tail())
    check(ip_in_pool(net, lease.addr), "address %s" % lease.addr)
    eq(net.dig("gamma." + DOMAIN), lease.addr, "A")


@case
@with_net
def dhclient_renew_and_release(net):
    lf = os.path.join(tmpdir(), "leases.txt")
    s = net.server([rng(net), "--dhcp-leasefile=" + lf])
    lease, d = net.dhclient(hostname="delta")
    check(lease is not None, "no lease: " + s.log_tail())
    again, _ = net.dhclient(hostname="delta", d=d)
    check(again is not None, "second dhclient -1 got nothing")
    eq(again.addr, lease.addr, "same address on the second run")
    mac = client_mac(net)
    text = poll_until(lambda: open(lf).read() if os.path.exists(lf) and
                    lease.addr in open(lf).read() else "")
    check(mac in text and " delta " in text,
          "lease file lacks the lease: %r" % text)
    rel = net.dhclient_release(d)
    check(poll_until(lambda: net.dig("delta." + DOMAIN) == ""),
          "name still resolves after release: %s %s" % (rel[-300:],
                                                         s.log_tail()))
    check(poll_until(lambda: lease.addr not in open(lf).read(), 4),
          "released lease still in the lease file")
    check("DHCPRELEASE(%s) %s" % (net.sif, lease.addr) in s.log(),
          "release not logged")


@case
@with_net
def decline_quarantines_address(net):
    s = net.server([rng(net, 50, 52)])
    a = random_mac()
    got = dora(net, [a], "decline")
    bad = got.get(a)
    check(bad and ip_in_pool(net, bad, 50, 52), "no ACK before DECLINE: %s"
          % got)
    time.sleep(0.3)
    others = dora(net, [random_mac() for _ in range(2)])
    check(all(ip_in_pool(net, v, 50, 52) for v in others.values()),
          "other clients got no lease: %s %s" % (others, s.log_tail()))
    check(bad not in others.values(),
          "declined address %s given again: %s" % (bad, others))
    check("DHCPDECLINE(" in s.log(), "decline not logged")


@case
@with_net
def reboot_and_restart_keep_address(net):
    s = net.server([rng(net)])
    lease, d = net.dhclient(hostname="epsilon")
    check(lease is not None, "no lease")
    s.stop()
    s.start()
    again, _ = net.dhclient(hostname="epsilon", d=d)
    check(again is not None, "no lease after restart: " + s.log_tail())
    eq(again.addr, lease.addr, "INIT-REBOOT address after restart")
    eq(again.env.get("reason"), "REBOOT", "dhclient state")
    eq(net.dig("epsilon." + DOMAIN), lease.addr, "A after restart")


@case
@with_net
def static_host(net):
    mac = client_mac(net)
    s = net.server([rng(net), "--dhcp-host=%s,%s,fixed" % (mac, net.pool(7))])
    lease, _ = net.dhclient(hostname="whatever")
    check(lease is not None, "no lease: " + s.log_tail())
    eq(lease.addr, net.pool(7), "static address")
    eq(net.dig("fixed." + DOMAIN), net.pool(7), "static name")


@case
@with_net
def relayed_request(net):
    # the client namespace plays the relay: 10.P.2 on the server's link,
    # 172.R.1 on the relayed link (giaddr); the server routes back.
    sub = "172.%d.%d" % (random.randrange(16, 31), random.randrange(1, 250))
    net.run(net.cns, ["ip", "addr", "add", net.pool(2) + "/24", "dev",
                      net.cif])
    net.run(net.cns, ["ip", "addr", "add", sub + ".1/24", "dev", net.cif])
    net.run(net.sns, ["ip", "route", "add", sub + ".0/24", "via",
                      net.pool(2)])
    s = net.server([rng(net), "--dhcp-range=%s.50,%s.60,1h" % (sub, sub)])
    mac = bytes.fromhex(random_mac().replace(":", ""))
    o82 = bytes([1, 4]) + b"port" + bytes([2, 3]) + b"rid"
    time.sleep(0.3)
    rep = send_packets(net, net.cns, [bootp(1, mac, xid=77, giaddr=sub + ".1",
                                            opts=[(82, o82)])],
                       dst=net.pool(1), sport=67, src=sub + ".1")
    check(rep, "no reply to the relay: " + s.log_tail())
    ip, port, data = rep[0]
    eq((ip, port), (net.pool(1), 67), "reply source")
    mt, yi, opts = parse_reply(data)
    eq(mt, 2, "OFFER")
    check(yi.startswith(sub + ".") and 50 <= int(yi.split(".")[3]) <= 60,
          "relayed client got %s, not from the relay's subnet" % yi)
    eq(opts.get(82), o82, "option 82 echoed")
    eq(data[24:28], bytes(map(int, (sub + ".1").split("."))), "giaddr kept")


@case
@with_net
def kill9_keeps_acknowledged_leases(net):
    # the lease export goes to a device node of the test's own (a null
    # device): it must stay a device (the atomic writer once renamed a
    # file over /dev/null itself)
    null = os.path.join(tmpdir(), "null")
    os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    s = net.server([rng(net), "--dhcp-leasefile=" + null])
    macs = [random_mac() for _ in range(25)]
    acked = dora(net, macs)
    check(all(ip_in_pool(net, v) for v in acked.values()) and
          len(acked) == 25, "not every client got an ACK: %s" % acked)
    lease, d = net.dhclient(hostname="zeta")
    check(lease is not None, "dhclient got no lease")
    s.proc.kill()                           # SIGKILL right after the ACKs
    s.proc.wait()
    s.start()
    for m, ip in acked.items():
        r = dora(net, [m], "reboot:" + ip)
        eq(r.get(m), ip, "INIT-REBOOT of %s after kill -9" % m)
    again, _ = net.dhclient(hostname="zeta", d=d)
    check(again is not None, "dhclient: nothing after kill -9")
    eq(again.addr, lease.addr, "dhclient address after kill -9")
    eq(net.dig("zeta." + DOMAIN), lease.addr, "name after kill -9")
    # a newcomer does not get any of the addresses
    fresh = dora(net, [random_mac() for _ in range(3)])
    check(not set(fresh.values()) & (set(acked.values()) | {lease.addr}),
          "an acknowledged address was given away: %s" % fresh)
    check(stat.S_ISCHR(os.stat(null).st_mode),
          "--dhcp-leasefile on a device replaced the device node")


def hostile_packets():
    mac = b"\x02\x11\x22\x33\x44\x55"
    good = bootp(1, mac)
    pk = [os.urandom(n) for n in (1, 50, 239, 240, 300, 600, 1400)]
    pk.append(good[:240])                         # cookie, no options
    pk.append(good[:-1] + bytes([55, 200, 1]))    # length past the end
    pk.append(good[:-1] + bytes([52, 1, 3, 255])) # overload both, empty
    over = bytearray(bootp(1, mac, opts=[(52, b"\x03")]))
    over[108:108 + 4] = bytes([52, 1, 3, 255])    # sname overloads again
    over[44:48] = bytes([52, 1, 3, 255])          # file too
    pk.append(bytes(over))
    pk.append(good.replace(b"\x35\x01\x01", b"\x35\x00"))
    pk.append(bytes([2]) + good[1:])              # BOOTREPLY
    pk.append(good[:2] + bytes([200]) + good[3:])  # hlen 200
    pk.append(good + b"\x00" * 3000)
    for _ in range(40):
        b = bytearray(good)
        for _ in range(6):
            b[random.randrange(len(b))] = random.randrange(256)
        pk.append(bytes(b))
    return pk


@case
@with_net
def hostile_packets_dropped(net):
    s = net.server([rng(net)])
    send_packets(net, net.cns, hostile_packets(), wait=0.5, ifn=net.cif)
    check(s.alive(), "server died: " + s.log_tail())
    lease, _ = net.dhclient(hostname="eta")
    check(lease is not None, "no lease after hostile packets: " + s.log_tail())
    eq(net.dig("eta." + DOMAIN), lease.addr, "A still served")


@case
@with_net
def starvation_static_host_still_served(net):
    mac = client_mac(net)
    s = net.server([rng(net), "--dhcp-lease-max=20",
                    "--dhcp-host=%s,%s,vip" % (mac, net.pool(9))])
    flood = dora(net, [random_mac() for _ in range(80)], wait=0.3)
    given = [v for v in flood.values() if v not in ("-", "NAK")]
    check(1 <= len(given) <= 20, "lease-max 20 not enforced: %d leases"
          % len(given))
    lease, _ = net.dhclient(hostname="vip")
    check(lease is not None, "static host starved: " + s.log_tail())
    eq(lease.addr, net.pool(9), "static address under starvation")


@case
@with_net
def no_dhcp_interface_and_runtime_interface(net):
    sub = "172.%d.%d" % (random.randrange(16, 31), random.randrange(1, 250))
    s = net.server([rng(net), "--dhcp-range=%s.50,%s.60,1h" % (sub, sub),
                    "--no-dhcp-interface=" + net.sif])
    got = dora(net, [random_mac()], wait=1.0)
    eq(list(got.values()), ["-"], "answer on a --no-dhcp-interface link")
    # a link and address that appear after start are served (libnl cache)
    c2 = net.ns("dvd" + net.tag)
    sif2, cif2 = net.link(net.sns, c2, sub + ".1/24", None)
    time.sleep(0.5)
    lease, _ = net.dhclient(hostname="late", ns=c2, ifn=cif2)
    check(lease is not None, "no lease on a link added at run time: "
          + s.log_tail())
    check(lease.addr.startswith(sub + "."), "address %s" % lease.addr)
    check("DHCPACK(%s)" % sif2 in s.log(), "ACK not logged on " + sif2)


@case
@with_net
def except_interface_serves_neither(net):
    """--except-interface (dnsmasq): no DHCP and no DNS on that link; DNS
    listens on the addresses of the other interfaces (here: loopback and
    a second link)."""
    sub = "172.%d.%d" % (random.randrange(16, 31), random.randrange(1, 250))
    c2 = net.ns("dve" + net.tag)
    sif2, cif2 = net.link(net.sns, c2, sub + ".1/24", None)
    args = ["--port=53", "--domain=" + DOMAIN,
            "--state-dir=" + tmpdir(), "--log-dhcp", rng(net),
            "--dhcp-range=%s.50,%s.60,1h" % (sub, sub),
            "--except-interface=" + net.sif,
            "--host-record=seen." + DOMAIN + ",192.0.2.7"]
    s = NsServer(net.sns, args)
    net.servers.append(s)
    got = dora(net, [random_mac()], wait=1.0)
    eq(list(got.values()), ["-"], "DHCP answer on an --except-interface link")
    name = "seen." + DOMAIN
    eq(net.run(net.sns, ["dig", "@" + net.pool(1), "+time=1", "+tries=1",
                         "+short", name], check=False).strip().count(
                             "192.0.2.7"), 0,
       "DNS answered on the excepted interface's address")
    for addr in ("127.0.0.1", sub + ".1"):
        out = net.run(net.sns, ["dig", "@" + addr, "+time=2", "+tries=2",
                                "+short", name], check=False)
        check("192.0.2.7" in out, "no DNS answer on %s: %s" % (addr, out))
    lease, _ = net.dhclient(hostname="other", ns=c2, ifn=cif2)
    check(lease is not None and lease.addr.startswith(sub + "."),
          "no lease on the other link: " + s.log_tail())


@case
@with_net
def sighup_keeps_leases(net):
    s = net.server([rng(net)])
    acked = dora(net, [random_mac() for _ in range(5)])
    check(all(ip_in_pool(net, v) for v in acked.values()), "no ACKs")
    s.reload()
    time.sleep(0.5)
    check(s.alive(), "died on SIGHUP")
    for m, ip in acked.items():
        eq(dora(net, [m], "reboot:" + ip).get(m), ip, "lease after SIGHUP")
    fresh = dora(net, [random_mac() for _ in range(3)])
    check(not set(fresh.values()) & set(acked.values()),
          "a leased address was given away after SIGHUP: %s" % fresh)


@case
@with_net
def no_range_no_port_67(net):
    s = net.server([])
    out = net.run(net.sns, ["ss", "-uln"])
    check(":53 " in out, "DNS socket missing: " + out)
    check(":67 " not in out, "port 67 open without --dhcp-range: " + out)
    check(s.alive(), "server died")


@case
def bad_dhcp_options_rejected():
    for arg, word in (("--dhcp-range=10.0.0.50,banana", "dhcp-range"),
                      ("--dhcp-host=zz:zz,10.0.0.1", "dhcp-host"),
                      ("--dhcp-option=999,1.2.3.4", "dhcp-option"),
                      ("--dhcp-lease-max=0", "dhcp-lease-max")):
        p = subprocess.run([BINARY, "--test", arg], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=10)
        out = p.stdout.decode()
        check(p.returncode != 0 and word in out,
              "%s accepted or unclear error: %r" % (arg, out))
    p = subprocess.run([BINARY, "--test", "--dhcp-range=10.0.0.50,10.0.0.99,"
                        "1h", "--dhcp-option=option:router,10.0.0.1",
                        "--dhcp-host=02:00:00:00:00:01,10.0.0.5,pc"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=10)
    eq(p.returncode, 0, "valid DHCP options: " + p.stdout.decode())


if __name__ == "__main__":
    run()
