#!/usr/bin/env python3
"""IXFR from zone-file edits (issue 13): after an edit of a primary zone's
file and SIGHUP (or a restart) the difference between the last loaded file
and the new one is applied to the running zone as one change (journalled,
one IXFR step, NOTIFY), serial max(running + 1, file serial), dynamic
changes kept.  Knot as the secondary must see incremental transfers."""
import os
import re
import signal
import subprocess

import dns.message
import dns.query
import dns.rdatatype
import dns.rrset
import dns.tsigkeyring
import dns.update

from dvtest import (Server, case, check, eq, free_port, rcode, run,
                    tmpdir, wait_for, write)
import knotpeer

KEY = "xfr-key"
SECRET = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ="
KR = dns.tsigkeyring.from_text({KEY: ("hmac-sha256", SECRET)})

BASE = """$ORIGIN example.com.
$TTL 300
@ IN SOA ns1 admin %(serial)d 3600 600 86400 60
@ IN NS ns1
ns1 IN A 192.0.2.1
www IN A 192.0.2.80
old IN A 192.0.2.70
mx IN MX 10 mail
mail IN A 192.0.2.25
"""

EDITED = """$ORIGIN example.com.
$TTL 300
@ IN SOA ns1 admin %(serial)d 3600 600 86400 60
@ IN NS ns1
ns1 IN A 192.0.2.1
www IN A 192.0.2.81
mx IN MX 20 mail
mail IN A 192.0.2.25
fresh IN TXT "added by an edit"
"""


def dv_args(sd, knot_port=None):
    a = ["--dns-key=%s:sha256:%s" % (KEY, SECRET),
         "--allow-transfer=example.com,%s" % KEY,
         "--allow-update=example.com,%s" % KEY,
         "--state-dir=" + sd]
    if knot_port:
        a.append("--notify=example.com,127.0.0.1#%d,%s" % (knot_port, KEY))
    return a


def soa_serial(port):
    q = dns.message.make_query("example.com.", "SOA")
    try:
        r = dns.query.udp(q, "127.0.0.1", port=port, timeout=1)
    except Exception:
        return None
    for rr in r.answer:
        if rr.rdtype == dns.rdatatype.SOA:
            return rr[0].serial
    return None


def rdata_of(port, name, rdtype):
    q = dns.message.make_query(name, rdtype)
    r = dns.query.udp(q, "127.0.0.1", port=port, timeout=1)
    return sorted(str(rd) for rr in r.answer for rd in rr
                  if rr.rdtype == dns.rdatatype.from_text(rdtype))


def update_add(port, name, addr):
    u = dns.update.UpdateMessage("example.com.", keyring=KR, keyname=KEY,
                                 keyalgorithm="hmac-sha256")
    u.add(name, 300, "A", addr)
    r = dns.query.tcp(u, "127.0.0.1", port=port, timeout=3)
    eq(rcode(r), "NOERROR", "update")


def edit_and_hup(srv, text, serial, want):
    """Write the zone file, SIGHUP, wait until serial want is served."""
    write(srv.zone_files["example.com"], text % {"serial": serial})
    srv.signal(signal.SIGHUP)
    wait_for(lambda: soa_serial(srv.port) == want, 10,
             "serial %d after the edit (file serial %d)" % (want, serial),
             logs=(srv.log,))


def ixfr(port, serial):
    """IXFR from serial over TCP (TSIG): the answer's RRs as text."""
    q = dns.message.make_query("example.com.", "IXFR")
    q.authority.append(dns.rrset.from_text(
        "example.com.", 0, "IN", "SOA", ". . %d 0 0 0 0" % serial))
    q.use_tsig(KR, keyname=KEY, algorithm="hmac-sha256")
    r = dns.query.tcp(q, "127.0.0.1", port=port, timeout=3,
                      one_rr_per_rrset=True)
    eq(rcode(r), "NOERROR", "IXFR rcode")
    out = []
    for rr in r.answer:
        for rd in rr:
            out.append("%s %s %s" % (rr.name.to_text().lower(),
                                     dns.rdatatype.to_text(rr.rdtype),
                                     rd.to_text()))
    return out


def soa_serials(lines):
    return [int(ln.split()[4]) for ln in lines if ln.split()[1] == "SOA"]


def check_incremental(lines, frm, to, what):
    """An IXFR answer in incremental form from frm to to: SOA to, SOA frm
    (deletions), ..., SOA to (additions), ..., SOA to."""
    s = soa_serials(lines)
    check(len(s) >= 4 and s[0] == to and s[1] == frm and s[-1] == to,
          "%s: not an incremental IXFR %d -> %d (AXFR form?): %s" %
          (what, frm, to, lines))


def axfr_count(knot):
    return len(re.findall(r"AXFR, incoming.*finished", knot.log()))


def kill9(s):
    s.proc.kill()
    s.proc.wait(5)
    s.checked = True     # killed on purpose: no clean-exit check
    try:
        s._log.close()
    except Exception:
        pass


@case
def knot_gets_ixfr_after_file_edit():
    sd = tmpdir()
    dv_port = free_port()
    knot = knotpeer.Knot(knotpeer.SECONDARY_OF_DV,
                         {"dvp": dv_port, "k": KEY, "s": SECRET})
    srv = None
    try:
        srv = Server(zones={"example.com": BASE % {"serial": 10}},
                     port=dv_port, args=dv_args(sd, knot.port))
        wait_for(lambda: soa_serial(knot.port) == 10, 15,
                 "knot has the zone by AXFR: " + knot.log()[-1500:])
        # a dynamic change before the edit: kept by it
        update_add(dv_port, "dyn.example.com.", "192.0.2.99")
        wait_for(lambda: soa_serial(knot.port) == 11, 10,
                 "knot follows the UPDATE: " + knot.log()[-1500:])
        axfrs = axfr_count(knot)
        eq(axfrs, 1, "knot's first transfer is an AXFR (log format)")
        # edit: add, change, delete; serial kept at 10 -> 12 (running + 1)
        edit_and_hup(srv, EDITED, 10, 12)
        wait_for(lambda: soa_serial(knot.port) == 12, 10,
                 "knot follows the edit", logs=(knot.log, srv.log))
        eq(rdata_of(knot.port, "www.example.com.", "A"), ["192.0.2.81"],
           "changed www at knot")
        eq(rdata_of(knot.port, "old.example.com.", "A"), [],
           "deleted old at knot")
        eq(rdata_of(knot.port, "mx.example.com.", "MX"),
           ["20 mail.example.com."], "changed MX at knot")
        eq(rdata_of(knot.port, "fresh.example.com.", "TXT"),
           ['"added by an edit"'], "added TXT at knot")
        eq(rdata_of(knot.port, "dyn.example.com.", "A"), ["192.0.2.99"],
           "the UPDATE made before the edit survives (knot)")
        eq(rdata_of(dv_port, "dyn.example.com.", "A"), ["192.0.2.99"],
           "the UPDATE made before the edit survives (dnsvizor)")
        eq(axfr_count(knot), axfrs, "knot took the edit without AXFR")
        check(knot.took_ixfr(), "knot: IXFR, no fallback: " +
              knot.log()[-1500:])
        check_incremental(ixfr(dv_port, 11), 11, 12, "IXFR=11")
        # a file serial above running + 1 is used as it is
        edit_and_hup(srv, EDITED.replace("192.0.2.81", "192.0.2.82"), 1000,
                     1000)
        wait_for(lambda: soa_serial(knot.port) == 1000, 10,
                 "knot follows the second edit", logs=(knot.log, srv.log))
        eq(rdata_of(knot.port, "www.example.com.", "A"), ["192.0.2.82"],
           "second edit at knot")
        eq(axfr_count(knot), axfrs, "knot took the second edit without AXFR")
        check_incremental(ixfr(dv_port, 11), 11, 1000, "IXFR=11 (2 steps)")
    finally:
        if srv:
            srv.stop()
        knot.stop()


@case
def sighup_without_edit_changes_nothing():
    sd = tmpdir()
    srv = Server(zones={"example.com": BASE % {"serial": 10}},
                 args=dv_args(sd))
    before = srv.log().count("reloaded")
    srv.signal(signal.SIGHUP)
    wait_for(lambda: srv.log().count("reloaded") > before, 10, "reload")
    eq(soa_serial(srv.port), 10, "serial after a SIGHUP without an edit")
    # an edit, then a SIGHUP without another edit: one step only
    edit_and_hup(srv, EDITED, 10, 11)
    before = srv.log().count("reloaded")
    srv.signal(signal.SIGHUP)
    wait_for(lambda: srv.log().count("reloaded") > before, 10, "reload")
    eq(soa_serial(srv.port), 11, "serial after a second SIGHUP")
    srv.stop()


@case
def reload_survives_kill9_and_restart():
    sd = tmpdir()
    srv = Server(zones={"example.com": BASE % {"serial": 10}},
                 args=dv_args(sd))
    edit_and_hup(srv, EDITED, 10, 11)
    check_incremental(ixfr(srv.port, 10), 10, 11, "IXFR=10 before kill -9")
    kill9(srv)
    srv.start()
    eq(soa_serial(srv.port), 11, "serial after kill -9 and restart")
    eq(rdata_of(srv.port, "www.example.com.", "A"), ["192.0.2.81"], "www")
    eq(rdata_of(srv.port, "old.example.com.", "A"), [], "old deleted")
    check_incremental(ixfr(srv.port, 10), 10, 11, "IXFR=10 after restart")
    # an edit while stopped: applied at start as one more step
    srv.stop()
    write(srv.zone_files["example.com"],
          EDITED.replace("192.0.2.81", "192.0.2.83") % {"serial": 10})
    srv.start()
    eq(soa_serial(srv.port), 12, "serial after an edit while stopped")
    eq(rdata_of(srv.port, "www.example.com.", "A"), ["192.0.2.83"], "www")
    check_incremental(ixfr(srv.port, 11), 11, 12, "IXFR=11 after start")
    check_incremental(ixfr(srv.port, 10), 10, 12, "IXFR=10 after start")
    srv.stop()


@case
def edit_while_stopped_without_dynamic_state():
    # the first start keeps a copy of the file; an edit made while the
    # server is down is applied at the next start as one IXFR step
    sd = tmpdir()
    srv = Server(zones={"example.com": BASE % {"serial": 10}},
                 args=dv_args(sd))
    eq(soa_serial(srv.port), 10, "first start")
    srv.stop()
    write(srv.zone_files["example.com"], EDITED % {"serial": 10})
    srv.start()
    eq(soa_serial(srv.port), 11, "serial after the edit")
    eq(rdata_of(srv.port, "www.example.com.", "A"), ["192.0.2.81"], "www")
    check_incremental(ixfr(srv.port, 10), 10, 11, "IXFR=10")
    srv.stop()


@case
def edit_overlapping_an_update_is_applied_for_what_can_be():
    # an UPDATE already deleted old and added www 192.0.2.81; the edit
    # does the same and more: those parts are skipped (logged, as Knot
    # does), the rest applied, the UPDATE's other change kept
    sd = tmpdir()
    srv = Server(zones={"example.com": BASE % {"serial": 10}},
                 args=dv_args(sd))
    u = dns.update.UpdateMessage("example.com.", keyring=KR, keyname=KEY,
                                 keyalgorithm="hmac-sha256")
    u.delete("old.example.com.", "A")
    u.add("www.example.com.", 300, "A", "192.0.2.81")
    u.add("dyn.example.com.", 300, "A", "192.0.2.99")
    eq(rcode(dns.query.tcp(u, "127.0.0.1", port=srv.port, timeout=3)),
       "NOERROR", "update")
    eq(soa_serial(srv.port), 11, "serial after the UPDATE")
    edit_and_hup(srv, EDITED, 10, 12)
    eq(rdata_of(srv.port, "www.example.com.", "A"), ["192.0.2.81"], "www")
    eq(rdata_of(srv.port, "old.example.com.", "A"), [], "old")
    eq(rdata_of(srv.port, "mx.example.com.", "MX"),
       ["20 mail.example.com."], "MX")
    eq(rdata_of(srv.port, "dyn.example.com.", "A"), ["192.0.2.99"], "dyn")
    check("skipped" in srv.log(), "skipped parts logged: " +
          srv.log_tail())
    check_incremental(ixfr(srv.port, 10), 10, 12, "IXFR=10")
    srv.stop()


@case
def edit_not_durable_is_not_applied():
    """RLIMIT_FSIZE: the edit's journal record cannot be written (EFBIG):
    nothing of it is served, the serial stays; once writes work again
    the next SIGHUP applies it."""
    sd = tmpdir()
    srv = Server(zones={"example.com": BASE % {"serial": 10}},
                 args=dv_args(sd))
    update_add(srv.port, "dyn.example.com.", "192.0.2.99")   # journal
    zd = os.path.join(sd, "zones")
    limit = max(os.path.getsize(os.path.join(zd, f))
                for f in os.listdir(zd)) + 2000
    subprocess.run(["prlimit", "--pid", str(srv.pid),
                    "--fsize=%d:unlimited" % limit], check=True)
    big = "".join('big%d IN TXT "%s"\n' % (i, "x" * 250) for i in range(40))
    write(srv.zone_files["example.com"], (EDITED + big) % {"serial": 10})
    before = srv.log().count("reloaded")
    srv.signal(signal.SIGHUP)
    wait_for(lambda: srv.log().count("reloaded") > before, 10, "reload")
    check("not applied" in srv.log(), "error logged: " + srv.log_tail())
    eq(soa_serial(srv.port), 11, "serial kept")
    eq(rdata_of(srv.port, "www.example.com.", "A"), ["192.0.2.80"],
       "www unchanged")
    eq(rdata_of(srv.port, "big0.example.com.", "TXT"), [], "nothing served")
    check(srv.alive(), "died on the file size limit")
    subprocess.run(["prlimit", "--pid", str(srv.pid),
                    "--fsize=unlimited:unlimited"], check=True)
    srv.signal(signal.SIGHUP)
    wait_for(lambda: soa_serial(srv.port) == 12, 10, "applied later",
             logs=(srv.log,))
    eq(len(rdata_of(srv.port, "big39.example.com.", "TXT")), 1, "big39")
    eq(rdata_of(srv.port, "dyn.example.com.", "A"), ["192.0.2.99"], "dyn")
    srv.stop()
    srv.start()
    eq(soa_serial(srv.port), 12, "serial after restart")
    check_incremental(ixfr(srv.port, 11), 11, 12, "IXFR=11")


@case
def secondary_zone_not_affected():
    # a dnsvizor secondary of a dnsvizor primary: the primary's edit
    # reaches it by IXFR; a SIGHUP of the secondary keeps its transferred
    # zone as it is and writes no zone-file copy for it
    sd1, sd2 = tmpdir(), tmpdir()
    p2 = free_port()
    prim = Server(zones={"example.com": BASE % {"serial": 10}},
                  args=dv_args(sd1, p2))
    sec = Server(port=p2, args=[
        "--dns-key=%s:sha256:%s" % (KEY, SECRET), "--state-dir=" + sd2,
        "--secondary=example.com,127.0.0.1#%d,%s" % (prim.port, KEY)])
    wait_for(lambda: soa_serial(sec.port) == 10, 10, "secondary loaded",
             logs=(sec.log,))
    edit_and_hup(prim, EDITED, 10, 11)
    wait_for(lambda: soa_serial(sec.port) == 11, 10, "secondary follows",
             logs=(sec.log, prim.log))
    check("serial 11 by IXFR" in sec.log(), "the secondary took the "
          "edit by IXFR: " + sec.log_tail(1500))
    before = sec.log().count("reloaded")
    sec.signal(signal.SIGHUP)
    wait_for(lambda: sec.log().count("reloaded") > before, 10, "reload")
    eq(soa_serial(sec.port), 11, "secondary serial after its SIGHUP")
    eq(rdata_of(sec.port, "www.example.com.", "A"), ["192.0.2.81"], "www")
    files = os.listdir(os.path.join(sd2, "zones"))
    check(not any(f.endswith(".file") for f in files),
          "zone-file copy for a secondary zone: %s" % files)
    sec.stop()
    prim.stop()


if __name__ == "__main__":
    run()
