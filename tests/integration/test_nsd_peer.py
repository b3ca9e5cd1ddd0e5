#!/usr/bin/env python3
"""NSD as a transfer peer, TSIG (hmac-sha256) everywhere.

- NSD as a secondary of dnsvizor: initial transfer, then a signed UPDATE
  (nsupdate -y) at dnsvizor -> signed NOTIFY -> NSD transfers (IXFR) and
  serves the new name and serial.
- dnsvizor as a secondary of NSD: initial transfer, then a new zone file at
  NSD (SIGHUP) -> NSD's signed NOTIFY -> dnsvizor transfers (NSD 4.6 has no
  IXFR data for zone-file changes, so AXFR) and serves the new name.
- A secret that differs on one side: the transfer fails, the side that had
  data keeps serving it, nothing crashes.

Each NSD is our own instance (nsd -d, its own config, pidfile, xfrd state
and zone files in a temp dir, rate limiting off, one server process)."""
import base64
import os
import select
import signal
import socket
import struct
import subprocess
import threading
import time

import dns.message
import dns.query
import dns.rcode
import dns.rdatatype

from dvtest import (Server, TestFailure, case, check, eq, free_port, run,
                    tmpdir, wait_for, write)

NSD = "/usr/sbin/nsd"
KEY = "xfr-key"
SECRET = base64.b64encode(os.urandom(32)).decode()
OTHER_SECRET = base64.b64encode(os.urandom(32)).decode()

# short REFRESH/RETRY so a secondary re-checks soon; EXPIRE far away
ZONE = """$ORIGIN example.com.
$TTL 60
@ IN SOA ns1.example.com. admin.example.com. %d 2 1 3600 60
@ IN NS ns1.example.com.
ns1 IN A 192.0.2.1
www IN A 192.0.2.80
%s
"""


def zone_text(serial, extra=""):
    return ZONE % (serial, extra)


class Nsd:
    """Our own nsd.  secondary_of=dnsvizor port: example.com is a secondary
    zone of dnsvizor; else it is a primary zone (zone file zone_text(serial))
    that NOTIFYs notify_port and provides transfers to 127.0.0.1."""

    def __init__(self, secret, secondary_of=None, notify_port=None,
                 serial=1, xfr_port=None):
        self.dir = tmpdir()
        self.port = free_port()
        self.zfile = os.path.join(self.dir, "example.com.zone")
        if secondary_of is None:
            write(self.zfile, zone_text(serial))
            zone = ("  notify: 127.0.0.1@%d %s\n"
                    "  provide-xfr: 127.0.0.1 %s\n" % (notify_port, KEY, KEY))
        else:
            zone = ("  request-xfr: 127.0.0.1@%d %s\n"
                    "  allow-notify: 127.0.0.1 %s\n" % (xfr_port or secondary_of,
                                                          KEY, KEY))
        d = self.dir
        self.conf = write(os.path.join(d, "nsd.conf"), (
            "server:\n"
            "  ip-address: 127.0.0.1@%d\n"
            "  port: %d\n"
            "  username: \"\"\n"
            "  chroot: \"\"\n"
            "  zonesdir: \"%s\"\n"
            "  pidfile: \"%s/nsd.pid\"\n"
            "  database: \"\"\n"
            "  zonefiles-write: 1\n"
            "  xfrdfile: \"%s/xfrd.state\"\n"
            "  zonelistfile: \"%s/zone.list\"\n"
            "  xfrdir: \"%s\"\n"
            "  logfile: \"%s/nsd.log\"\n"
            "  server-count: 1\n"
            "  verbosity: 2\n"
            "  rrl-ratelimit: 0\n"
            "  rrl-whitelist-ratelimit: 0\n"
            "remote-control:\n"
            "  control-enable: no\n"
            "key:\n"
            "  name: %s\n"
            "  algorithm: hmac-sha256\n"
            "  secret: \"%s\"\n"
            "zone:\n"
            "  name: example.com\n"
            "  zonefile: \"%s\"\n" % (self.port, self.port, d, d, d, d, d, d,
                                      KEY, secret, self.zfile)) + zone)
        self.proc = None
        self.start()

    def start(self):
        self.out = open(os.path.join(self.dir, "stderr.log"), "ab")
        self.proc = subprocess.Popen([NSD, "-d", "-c", self.conf],
                                     stdout=self.out, stderr=self.out,
                                     stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        q = dns.message.make_query("example.com.", "SOA")
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                dns.query.udp(q, "127.0.0.1", port=self.port, timeout=0.2)
                return
            except Exception:  # noqa: BLE001 (not up yet)
                time.sleep(0.05)
        self.stop()
        raise TestFailure("nsd did not start: " + self.logtext())

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def hup(self):
        self.proc.send_signal(signal.SIGHUP)

    def logtext(self, n=1500):
        out = ""
        for fn in ("nsd.log", "stderr.log"):
            try:
                with open(os.path.join(self.dir, fn), "rb") as f:
                    out += f.read().decode("utf-8", "replace")
            except OSError:
                pass
        return out[-n:] if n else out

    def stop(self):
        """SIGTERM (SIGKILL after 10 s); returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.out.close()
        return self.proc.returncode


class Recorder:
    """Loopback DNS relay in front of dnsvizor that records the QTYPE of
    every query it relays (UDP datagrams, the first message of each TCP
    connection): shows which kind of transfer NSD asked for."""

    def __init__(self, target_port):
        self.target = target_port
        self.port = free_port()
        self.qtypes = []
        self.stopping = False
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", self.port))
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind(("127.0.0.1", self.port))
        self.tcp.listen(8)
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def note(self, msg):
        # the question's QTYPE, read by hand (the message is TSIG-signed)
        try:
            i = 12
            while msg[i]:
                i += 1 + msg[i]
            qtype = struct.unpack("!H", msg[i + 1:i + 3])[0]
            self.qtypes.append(dns.rdatatype.to_text(qtype))
        except (IndexError, struct.error):
            self.qtypes.append("?")

    def loop(self):
        while not self.stopping:
            r, _, _ = select.select([self.udp, self.tcp], [], [], 0.1)
            if self.udp in r:
                data, peer = self.udp.recvfrom(65535)
                self.note(data)
                up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                up.settimeout(2)
                try:
                    up.sendto(data, ("127.0.0.1", self.target))
                    self.udp.sendto(up.recv(65535), peer)
                except OSError:
                    pass
                finally:
                    up.close()
            if self.tcp in r:
                c, _ = self.tcp.accept()
                threading.Thread(target=self.relay, args=(c,),
                                 daemon=True).start()

    def relay(self, c):
        up = None
        try:
            up = socket.create_connection(("127.0.0.1", self.target), 2)
            first = True
            buf = b""
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and not self.stopping:
                r, _, _ = select.select([c, up], [], [], 0.2)
                for s in r:
                    data = s.recv(65535)
                    if not data:
                        return
                    (up if s is c else c).sendall(data)
                    if s is c and first:
                        buf += data
                        if len(buf) >= 2 and len(buf) >= 2 + \
                                struct.unpack("!H", buf[:2])[0]:
                            self.note(buf[2:2 + struct.unpack("!H",
                                                              buf[:2])[0]])
                            first = False
        except OSError:
            pass
        finally:
            c.close()
            if up:
                up.close()

    def stop(self):
        self.stopping = True
        self.thread.join(5)
        self.udp.close()
        self.tcp.close()


def ask(port, name, rdtype):
    q = dns.message.make_query(name, rdtype)
    return dns.query.udp(q, "127.0.0.1", port=port, timeout=1)


def soa_serial(port):
    r = ask(port, "example.com.", "SOA")
    for rr in r.answer:
        if rr.rdtype == dns.rdatatype.SOA:
            return rr[0].serial
    return None


def a_of(port, name):
    r = ask(port, name, "A")
    return sorted(str(rd) for rr in r.answer for rd in rr
                  if rr.rdtype == dns.rdatatype.A)


def rcode_of(port, name, rdtype="A"):
    return dns.rcode.to_text(ask(port, name, rdtype).rcode())


def primary_args(nsd_port, state):
    return ["--dns-key=%s:SHA256:%s" % (KEY, SECRET),
            "--allow-transfer=example.com,%s" % KEY,
            "--allow-update=example.com,%s" % KEY,
            "--notify=example.com,127.0.0.1#%d,%s" % (nsd_port, KEY),
            "--state-dir=" + state, "--log-level=debug"]


def secondary_args(dv_port, nsd_port, state, secret):
    return ["--port=%d" % dv_port, "--state-dir=" + state,
            "--log-level=debug",
            "--dns-key=%s:SHA256:%s" % (KEY, secret),
            "--secondary=example.com,127.0.0.1#%d,%s" % (nsd_port, KEY)]


def start_secondary(dv_port, args):
    srv = Server(args=args, listen=False, conf=["listen-address=127.0.0.1"],
                 wait=False)
    srv.port = dv_port
    srv.wait_ready()
    return srv


def nsupdate(port, secret, script):
    p = subprocess.run(["nsupdate", "-y", "hmac-sha256:%s:%s" % (KEY, secret)],
                       input=("server 127.0.0.1 %d\nzone example.com.\n%s"
                              "send\n" % (port, script)).encode(),
                       capture_output=True, timeout=15)
    return p.returncode, (p.stdout + p.stderr).decode("utf-8", "replace")


def both_logs(srv, nsd):
    return "\n--- dnsvizor: %s\n--- nsd: %s" % (srv.log_tail(1200),
                                                 nsd.logtext(1200))


@case
def nsd_secondary_of_dnsvizor():
    """AXFR to NSD, then nsupdate -y -> NOTIFY -> IXFR to NSD."""
    dv_port = free_port()
    rec = Recorder(dv_port)     # NSD transfers through it
    nsd = Nsd(SECRET, secondary_of=dv_port, xfr_port=rec.port)
    srv = None
    try:
        srv = Server(zones={"example.com": zone_text(10)}, port=dv_port,
                     args=primary_args(nsd.port, tmpdir()))
        # NSD asks at start-up; dnsvizor also NOTIFYs at start-up
        try:
            wait_for(lambda: soa_serial(nsd.port) == 10, 10,
                     "NSD serves serial 10")
        except TestFailure as e:
            raise TestFailure("%s%s" % (e, both_logs(srv, nsd)))
        eq(a_of(nsd.port, "www.example.com."), ["192.0.2.80"], "www at NSD")
        rc, out = nsupdate(dv_port, SECRET,
                           "update add new.example.com. 60 A 192.0.2.99\n")
        eq(rc, 0, "nsupdate -y: " + out)
        eq(a_of(dv_port, "new.example.com."), ["192.0.2.99"],
           "new name at dnsvizor")
        serial = soa_serial(dv_port)
        check(serial and serial > 10, "serial not raised: %r" % serial)
        # dnsvizor NOTIFYs NSD (NSD logs it), NSD asks by IXFR
        try:
            wait_for(lambda: soa_serial(nsd.port) == serial, 8,
                     "NSD has serial %d (NOTIFY)" % serial)
        except TestFailure as e:
            raise TestFailure("%s%s" % (e, both_logs(srv, nsd)))
        eq(a_of(nsd.port, "new.example.com."), ["192.0.2.99"],
           "new name at NSD")
        log = nsd.logtext(0)
        check("notify for example.com. from 127.0.0.1 serial %d" % serial
              in log, "NSD logged no NOTIFY for serial %d" % serial +
              both_logs(srv, nsd))
        check("AXFR" in rec.qtypes[:-1] or "IXFR" in rec.qtypes[:-1],
              "no transfer before the update: %r" % rec.qtypes)
        check(rec.qtypes and rec.qtypes[-1] == "IXFR",
              "NSD's last request not IXFR: %r" % rec.qtypes)
        check("AXFR" not in rec.qtypes[rec.qtypes.index("IXFR"):]
              if "IXFR" in rec.qtypes else False,
              "AXFR fallback after IXFR: %r" % rec.qtypes)
        check("TSIG verified" in log or "xfr-key" in log,
              "transfer not TSIG-verified" + both_logs(srv, nsd))
        check(srv.alive() and nsd.alive(), "a server died")
    finally:
        if srv:
            srv.stop()
        rec.stop()
        eq(nsd.stop(), 0, "nsd exit status")


@case
def dnsvizor_secondary_of_nsd():
    """AXFR from NSD, then a new zone file at NSD -> NOTIFY -> transfer."""
    dv_port = free_port()
    nsd = Nsd(SECRET, notify_port=dv_port, serial=1)
    state = tmpdir()
    srv = None
    try:
        srv = start_secondary(dv_port, secondary_args(dv_port, nsd.port,
                                                      state, SECRET))
        try:
            wait_for(lambda: a_of(dv_port, "www.example.com."), 10,
                     "initial transfer")
        except TestFailure as e:
            raise TestFailure("%s%s" % (e, both_logs(srv, nsd)))
        eq(soa_serial(dv_port), 1, "serial at dnsvizor")
        check("by AXFR" in srv.log(), "not by AXFR" + both_logs(srv, nsd))
        # new zone file, newer mtime, SIGHUP: NSD reloads and NOTIFYs
        write(nsd.zfile, zone_text(2, "new IN A 192.0.2.99"))
        t = time.time() + 2
        os.utime(nsd.zfile, (t, t))
        nsd.hup()
        try:
            got = wait_for(lambda: a_of(dv_port, "new.example.com."), 8,
                           "change by NOTIFY")
        except TestFailure as e:
            raise TestFailure("%s%s" % (e, both_logs(srv, nsd)))
        eq(got, ["192.0.2.99"], "new name at dnsvizor")
        eq(soa_serial(dv_port), 2, "new serial at dnsvizor")
        log = srv.log()
        check("NOTIFY: checking the primary" in log, "no NOTIFY logged" +
              both_logs(srv, nsd))
        # the transfer of serial 2 follows the NOTIFY
        i = log.find("NOTIFY: checking the primary")
        check("serial 2 by" in log[i:],
              "transfer not after the NOTIFY" + both_logs(srv, nsd))
        check("serial 2 by" in log, "no transfer of serial 2 logged" +
              both_logs(srv, nsd))
        check("failed" not in log and "TSIG" not in log,
              "a refresh failed" + both_logs(srv, nsd))
        check(os.path.exists(os.path.join(state, "zones",
                                          "example.com.snap")),
              "no copy in the state directory")
    finally:
        if srv:
            srv.stop()
        eq(nsd.stop(), 0, "nsd exit status")


@case
def nsd_secondary_wrong_secret():
    """NSD's secret differs from dnsvizor's: nothing served at first; after
    NSD had the zone and restarts with the wrong secret, the old data stays
    and the UPDATE does not reach NSD."""
    dv_port = free_port()
    nsd = Nsd(OTHER_SECRET, secondary_of=dv_port)
    srv = None
    nsd2 = None
    try:
        srv = Server(zones={"example.com": zone_text(10)}, port=dv_port,
                     args=primary_args(nsd.port, tmpdir()))
        wait_for(lambda: "TSIG" in srv.log() or "BADSIG" in srv.log()
                 or "BADKEY" in srv.log(), 5, "TSIG failure at dnsvizor" +
                 both_logs(srv, nsd))
        time.sleep(0.5)
        eq(rcode_of(nsd.port, "www.example.com."), "SERVFAIL",
           "NSD without the zone")
        wait_for(lambda: "bad tsig" in nsd.logtext(0).lower(), 5,
                 "NSD logs the TSIG failure" + both_logs(srv, nsd))
        check(srv.alive() and nsd.alive(), "a server died")
        eq(nsd.stop(), 0, "nsd exit status")
        # same zone, right secret: NSD gets the zone; then the wrong one
        nsd2 = Nsd(SECRET, secondary_of=dv_port)
        wait_for(lambda: soa_serial(nsd2.port) == 10, 10,
                 "NSD serves serial 10" + both_logs(srv, nsd2))
        # zonefiles-write: 1 -> NSD's copy on disk within a few seconds
        wait_for(lambda: os.path.exists(nsd2.zfile) and
                 "192.0.2.80" in open(nsd2.zfile).read(), 5,
                 "NSD wrote its zone file")
        eq(nsd2.stop(), 0, "nsd exit status")
        write(nsd2.conf, open(nsd2.conf).read().replace(SECRET,
                                                        OTHER_SECRET))
        nsd2.start()
        wait_for(lambda: soa_serial(nsd2.port) == 10, 5,
                 "NSD serves its kept copy")
        rc, out = nsupdate(dv_port, SECRET,
                           "update add new.example.com. 60 A 192.0.2.99\n")
        eq(rc, 0, "nsupdate -y: " + out)
        # NOTIFY and NSD's refresh (REFRESH 2, RETRY 1) both fail TSIG
        time.sleep(3)
        eq(soa_serial(nsd2.port), 10, "NSD kept the old serial")
        eq(a_of(nsd2.port, "www.example.com."), ["192.0.2.80"],
           "NSD serves the old data")
        eq(rcode_of(nsd2.port, "new.example.com."), "NXDOMAIN",
           "the change did not reach NSD")
        check("bad tsig" in nsd2.logtext(0).lower(),
              "NSD logged no TSIG failure" + both_logs(srv, nsd2))
        check(srv.alive() and nsd2.alive(), "a server died")
    finally:
        if srv:
            srv.stop()
        nsd.stop()
        if nsd2:
            eq(nsd2.stop(), 0, "nsd exit status")


@case
def dnsvizor_secondary_wrong_secret():
    """dnsvizor's secret differs from NSD's: nothing served at first; with
    a kept copy, the old data stays and NSD's change does not arrive."""
    dv_port = free_port()
    nsd = Nsd(SECRET, notify_port=dv_port, serial=1)
    state = tmpdir()
    srv = None
    try:
        srv = start_secondary(dv_port, secondary_args(dv_port, nsd.port,
                                                      tmpdir(), OTHER_SECRET))
        wait_for(lambda: "TSIG" in srv.log(), 5, "TSIG error logged" +
                 both_logs(srv, nsd))
        eq(rcode_of(dv_port, "www.example.com."), "SERVFAIL",
           "wrong secret, nothing transferred")
        check(srv.alive() and nsd.alive(), "a server died")
        srv.stop()
        # a copy with the right secret, then a restart with the wrong one
        srv = start_secondary(dv_port, secondary_args(dv_port, nsd.port,
                                                      state, SECRET))
        wait_for(lambda: a_of(dv_port, "www.example.com."), 10,
                 "initial transfer" + both_logs(srv, nsd))
        srv.stop()
        srv = start_secondary(dv_port, secondary_args(dv_port, nsd.port,
                                                      state, OTHER_SECRET))
        eq(a_of(dv_port, "www.example.com."), ["192.0.2.80"],
           "kept copy served")
        write(nsd.zfile, zone_text(2, "new IN A 192.0.2.99"))
        t = time.time() + 2
        os.utime(nsd.zfile, (t, t))
        nsd.hup()
        # NSD's signed NOTIFY fails to verify, dnsvizor's refreshes too
        time.sleep(3)
        eq(soa_serial(dv_port), 1, "old serial kept")
        eq(rcode_of(dv_port, "new.example.com."), "NXDOMAIN",
           "the change must not arrive with a wrong secret")
        eq(a_of(dv_port, "www.example.com."), ["192.0.2.80"],
           "old data still served")
        check(srv.log().count("TSIG") >= 1, "no TSIG error logged" +
              both_logs(srv, nsd))
        check("bad tsig" in nsd.logtext(0).lower(),
              "NSD logged no TSIG failure" + both_logs(srv, nsd))
        check("by AXFR" not in srv.log() and "by IXFR" not in srv.log(),
              "transferred with a wrong secret" + both_logs(srv, nsd))
        check(srv.alive() and nsd.alive(), "a server died")
    finally:
        if srv:
            srv.stop()
        eq(nsd.stop(), 0, "nsd exit status")


if __name__ == "__main__":
    run()
