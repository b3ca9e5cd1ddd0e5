#!/usr/bin/env python3
"""dnsvizor as a secondary of knotd: initial AXFR, change at the primary ->
NOTIFY -> IXFR -> served; restart from the state directory with the primary
stopped; SERVFAIL after EXPIRE; a restart long after the last refresh
answers SERVFAIL at once until the primary is back.  The same with TSIG
(knot key + ACL, dnsvizor --dns-key and KEYNAME in --secondary), and with
a secret that differs: the transfer fails, dnsvizor keeps what it had and
logs the TSIG error."""
import base64
import os
import time

from dvtest import (Server, TestFailure, case, check, eq, free_port, rcode,
                    rdatas, run, tmpdir, wait_for, write)
import knotpeer
import dns.message
import dns.opcode
import dns.rcode

REFRESH, RETRY, EXPIRE = 2, 1, 8
KEYNAME = "xfr.key"
SECRET = base64.b64encode(os.urandom(32)).decode()
OTHER_SECRET = base64.b64encode(os.urandom(32)).decode()

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


KNOT_KEY = """key:
  - id: %(k)s
    algorithm: hmac-sha256
    secret: %(s)s
"""
KNOT_BODY = """remote:
  - id: dv
    address: 127.0.0.1@%(dvp)d
%(keyref)sacl:
  - id: xfr
    address: 127.0.0.1
    action: transfer
%(keyref)stemplate:
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


class Knot(knotpeer.Knot):
    """knotd serving example.com to dnsvizor on dv_port; with secret,
    transfers and NOTIFY are TSIG-signed with KEYNAME (hmac-sha256)."""

    def __init__(self, dv_port, secret=None):
        v = {"dvp": dv_port, "k": KEYNAME, "s": secret,
             "keyref": "    key: %s\n" % KEYNAME if secret else ""}
        knotpeer.Knot.__init__(self, (KNOT_KEY if secret else "") +
                               KNOT_BODY, v,
                               files={"example.com.zone": zone_text(1)})

    def change(self, name, addr):
        knotpeer.Knot.change(self, "example.com", name, addr)


def addr_of(srv, name):
    r = srv.query(name, "A")
    return rdatas(r.answer, name, "A") if rcode(r) == "NOERROR" \
        else None


def start_dv(dv_port, args):
    srv = Server(args=args, listen=False,
                 conf=["listen-address=127.0.0.1"], wait=False)
    srv.port = dv_port
    srv.wait_ready()
    return srv


def sec_args(dv_port, state, knot, key=None):
    a = ["--port=%d" % dv_port, "--state-dir=" + state,
         "--log-level=debug"]
    if key:
        a += ["--dns-key=%s:SHA256:%s" % (KEYNAME, key),
              "--secondary=example.com,127.0.0.1#%d,%s" % (knot.port,
                                                           KEYNAME)]
    else:
        a += ["--secondary=example.com,127.0.0.1#%d" % knot.port]
    return a


def initial_then_ixfr(srv, knot, state):
    """Initial AXFR, then a change at knot reaches dnsvizor by IXFR."""
    try:
        wait_for(lambda: addr_of(srv, "www.example.com."), 10,
                 "initial AXFR")
    except TestFailure as e:
        raise TestFailure("%s: %s" % (e, srv.log_tail(1500)))
    check(os.path.exists(os.path.join(state, "zones", "example.com.snap")),
          "no copy in the state directory")
    check(os.path.exists(os.path.join(state, "zones",
                                      "example.com.refreshed")),
          "no refresh time in the state directory")
    check("by AXFR" in srv.log(), "not by AXFR: " + srv.log_tail(1500))
    knot.change("new.example.com.", "192.0.2.99")
    try:
        got = wait_for(lambda: addr_of(srv, "new.example.com."), 5,
                       "change by NOTIFY + IXFR")
    except TestFailure as e:
        raise TestFailure("%s: %s" % (e, srv.log_tail(1500)))
    eq(got, ["192.0.2.99"], "new name")
    check("transferred example.com. serial 2 by IXFR" in srv.log(),
          "not by IXFR: " + srv.log_tail(1500))
    # the IXFR went to the journal, not into a new snapshot
    jnl = os.path.join(state, "zones", "example.com.jnl")
    check(os.path.exists(jnl) and os.path.getsize(jnl) > 0,
          "IXFR not appended to the journal")


@case
def secondary_of_knot():
    dv_port = free_port()
    knot = Knot(dv_port)
    state = tmpdir()
    args = sec_args(dv_port, state, knot)
    srv = None
    try:
        srv = start_dv(dv_port, args)
        initial_then_ixfr(srv, knot, state)
        # restart with the primary stopped: served from the state dir
        srv.stop()
        knot.stop()
        srv = start_dv(dv_port, args)
        eq(addr_of(srv, "new.example.com."), ["192.0.2.99"],
           "served from the kept copy")
        # past EXPIRE without the primary: SERVFAIL
        wait_for(lambda: rcode(srv.query("www.example.com.", "A")) ==
                 "SERVFAIL", EXPIRE + 5, "SERVFAIL after expire")
        # a restart long after the last refresh: SERVFAIL at once
        srv.stop()
        write(os.path.join(state, "zones", "example.com.refreshed"),
              "%d\n" % (int(time.time()) - 3 * EXPIRE))
        srv = start_dv(dv_port, args)
        eq(rcode(srv.query("www.example.com.", "A")), "SERVFAIL",
           "kept copy past EXPIRE after a restart")
        check("past EXPIRE" in srv.log(), "no log: " + srv.log_tail(1500))
        # the primary is back with the same serial: fresh again
        knot.start()
        try:
            got = wait_for(lambda: addr_of(srv, "new.example.com."), 15,
                           "refresh after the primary is back")
        except TestFailure as e:
            raise TestFailure("%s: %s" % (e, srv.log_tail(2500)))
        eq(got, ["192.0.2.99"], "served again")
    finally:
        if srv:
            srv.stop()
        knot.stop()


@case
def secondary_of_knot_tsig():
    dv_port = free_port()
    knot = Knot(dv_port, SECRET)
    state = tmpdir()
    srv = None
    try:
        # unsigned: knot refuses the transfer, nothing is served
        srv = start_dv(dv_port, sec_args(dv_port, tmpdir(), knot))
        wait_for(lambda: "refresh from" in srv.log(), 10,
                 "an unsigned transfer refused")
        eq(rcode(srv.query("www.example.com.", "A")), "SERVFAIL",
           "unsigned transfer")
        srv.stop()
        # keyed: initial AXFR, then NOTIFY (signed) + IXFR
        srv = start_dv(dv_port, sec_args(dv_port, state, knot, SECRET))
        initial_then_ixfr(srv, knot, state)
        check("failed" not in srv.log(), "a refresh failed: " +
              srv.log_tail(1500))
    finally:
        if srv:
            srv.stop()
        knot.stop()


@case
def secondary_of_knot_wrong_secret():
    dv_port = free_port()
    knot = Knot(dv_port, SECRET)
    state = tmpdir()
    srv = None
    try:
        # never transferred: SERVFAIL, the TSIG error in the log
        srv = start_dv(dv_port, sec_args(dv_port, tmpdir(), knot,
                                         OTHER_SECRET))
        wait_for(lambda: "TSIG" in srv.log(), 10, "TSIG error logged")
        eq(rcode(srv.query("www.example.com.", "A")), "SERVFAIL",
           "wrong secret, nothing transferred")
        srv.stop()
        # transferred with the right secret, restarted with a wrong one:
        # the kept copy is served, the next change does not come in
        srv = start_dv(dv_port, sec_args(dv_port, state, knot, SECRET))
        wait_for(lambda: addr_of(srv, "www.example.com."), 10,
                 "initial AXFR")
        srv.stop()
        srv = start_dv(dv_port, sec_args(dv_port, state, knot,
                                         OTHER_SECRET))
        eq(addr_of(srv, "www.example.com."), ["192.0.2.80"],
           "kept copy served")
        knot.change("new.example.com.", "192.0.2.99")
        wait_for(lambda: srv.log().count("TSIG") >= 2, 10,
                 "TSIG errors logged")
        time.sleep(1)
        eq(rcode(srv.query("new.example.com.", "A")), "NXDOMAIN",
           "change must not arrive with a wrong secret")
        eq(addr_of(srv, "www.example.com."), ["192.0.2.80"],
           "old data still served")
        check("by IXFR" not in srv.log() and "by AXFR" not in srv.log(),
              "transferred with a wrong secret: " + srv.log_tail(1500))
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
