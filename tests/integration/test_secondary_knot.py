#!/usr/bin/env python3
"""dnsvizor as a secondary of knotd: initial AXFR, change at the primary ->
NOTIFY -> IXFR -> served; restart from the state directory with the primary
stopped; SERVFAIL after EXPIRE."""
import os
import signal
import subprocess
import time

from dvtest import (Server, TestFailure, case, check, eq, free_port, rcode,
                    rdatas, run, tmpdir, write)
import dns.message
import dns.opcode
import dns.rcode

KNOTD = "/usr/sbin/knotd"
KNOTC = "/usr/sbin/knotc"
REFRESH, RETRY, EXPIRE = 2, 1, 8

ZONE = """$ORIGIN example.com.
$TTL 60
@ IN SOA ns1.example.com. admin.example.com. %d %d %d %d 60
@ IN NS ns1.example.com.
ns1 IN A 192.0.2.1
www IN A 192.0.2.80
%s
"""


def zone_text(serial, extra=""):
    return ZONE % (serial, REFRESH, RETRY, EXPIRE, extra)


class Knot:
    def __init__(self, dv_port):
        self.dir = tmpdir()
        self.port = free_port()
        os.makedirs(os.path.join(self.dir, "db"))
        self.zfile = write(os.path.join(self.dir, "example.com.zone"),
                           zone_text(1))
        self.conf = write(os.path.join(self.dir, "knot.conf"), """
server:
    rundir: "%(d)s"
    listen: 127.0.0.1@%(p)d
    pidfile: "%(d)s/knot.pid"
log:
  - target: "%(d)s/knot.log"
    any: info
database:
    storage: "%(d)s/db"
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
""" % {"d": self.dir, "p": self.port, "dvp": dv_port})
        self.log = open(os.path.join(self.dir, "stderr.log"), "wb")
        self.proc = subprocess.Popen([KNOTD, "-c", self.conf],
                                     stdout=self.log, stderr=self.log,
                                     stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.knotc("zone-status", "example.com").returncode == 0:
                return
            time.sleep(0.1)
        self.stop()
        raise TestFailure("knotd did not start")

    def knotc(self, *args):
        return subprocess.run([KNOTC, "-c", self.conf, "-t", "5"] +
                              list(args), capture_output=True, timeout=15)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()


def wait_for(fn, timeout, what):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = fn()
            if last:
                return last
        except Exception as e:  # noqa: BLE001 (timeouts while starting)
            last = e
        time.sleep(0.2)
    raise TestFailure("%s not within %ss (last: %r)" % (what, timeout, last))


def addr_of(srv, name):
    r = srv.query(name, "A")
    return rdatas(r.answer, name, "A") if rcode(r) == "NOERROR" \
        else None


@case
def secondary_of_knot():
    dv_port = free_port()
    knot = Knot(dv_port)
    state = tmpdir()
    args = ["--port=%d" % dv_port, "--state-dir=" + state,
            "--secondary=example.com,127.0.0.1#%d" % knot.port,
            "--log-level=debug"]
    srv = None
    try:
        srv = Server(args=args, listen=False,
                     conf=["listen-address=127.0.0.1"], wait=False)
        srv.port = dv_port
        srv.wait_ready()
        # initial AXFR
        wait_for(lambda: addr_of(srv, "www.example.com."), 10,
                 "initial AXFR")
        check(os.path.exists(os.path.join(state, "zones",
                                          "example.com.snap")),
              "no copy in the state directory")
        # change at the primary: NOTIFY -> IXFR
        for cmd in (["zone-begin", "example.com"],
                    ["zone-set", "example.com", "new.example.com.", "60",
                     "A", "192.0.2.99"],
                    ["zone-commit", "example.com"]):
            r = knot.knotc(*cmd)
            check(r.returncode == 0, "knotc %s: %r %r" % (cmd[0], r.stdout, r.stderr))
        try:
            got = wait_for(lambda: addr_of(srv, "new.example.com."), 5,
                           "change by NOTIFY + IXFR")
        except TestFailure as e:
            raise TestFailure("%s: %s" % (e, srv.log_tail(1500)))
        eq(got, ["192.0.2.99"], "new name")
        check("IXFR" in srv.log(), "not by IXFR: " + srv.log_tail(1500))
        # restart with the primary stopped: served from the state dir
        srv.stop()
        knot.stop()
        srv = Server(args=args, listen=False,
                     conf=["listen-address=127.0.0.1"], wait=False)
        srv.port = dv_port
        srv.wait_ready()
        eq(addr_of(srv, "new.example.com."), ["192.0.2.99"],
           "served from the kept copy")
        # past EXPIRE without the primary: SERVFAIL
        wait_for(lambda: rcode(srv.query("www.example.com.", "A")) ==
                 "SERVFAIL", EXPIRE + 5, "SERVFAIL after expire")
    finally:
        if srv:
            srv.stop()
        knot.stop()


@case
def notify_acl():
    srv = Server(args=["--secondary=example.org,127.0.0.2#53"])
    try:
        # never loaded: SERVFAIL
        eq(rcode(srv.query("www.example.org.", "A")), "SERVFAIL",
           "placeholder")
        n = dns.message.make_query("example.org.", "SOA")
        n.set_opcode(dns.opcode.NOTIFY)
        r = srv.send_msg(n)
        eq(rcode(r), "REFUSED", "NOTIFY from a stranger")
        n = dns.message.make_query("other.test.", "SOA")
        n.set_opcode(dns.opcode.NOTIFY)
        r = srv.send_msg(n)
        eq(rcode(r), "NOTAUTH", "NOTIFY for a zone we do not serve")
    finally:
        srv.stop()


if __name__ == "__main__":
    run()
