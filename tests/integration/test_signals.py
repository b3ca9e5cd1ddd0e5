#!/usr/bin/env python3
"""Signals a dnsmasq user sends out of habit (issue 14): HUP, USR1, USR2,
ALRM and CHLD never stop dnsvizor; TERM and INT stop it cleanly.  USR1
writes statistics to the log as dnsmasq does (cache size, insertions,
evictions, hits, misses, per forwarding server queries sent and failed,
DHCP pool use per range); USR2 reopens a --log-facility file (log
rotation) and, with DV_TEST_CLOCK_FILE, re-reads the test clock.

The upstream is a second dnsvizor on loopback, authoritative for
sig.test.
"""
import os
import re
import signal
import time

from dvtest import (Server, case, check, eq, expect, free_port, run,
                    tmpdir, wait_for)
from dhcpnet import with_net

ZONE = """$ORIGIN sig.test.
$TTL 300
@       SOA ns1 hostmaster 1 7200 3600 1209600 300
@       NS  ns1
ns1     A   192.0.2.53
*       A   192.0.2.1
"""


def upstream():
    return Server(zones={"sig.test": ZONE})


def forwarder(up, extra=(), dead=None):
    conf = ["no-resolv", "allow-loopback-upstream",
            "server=127.0.0.1#%d" % up.port]
    if dead:
        conf.append("server=/dead.test/127.0.0.1#%d" % dead)
    return Server(conf=conf + list(extra))


def stats_lines(s, before):
    return s.log()[before:]


@case
def habit_signals_do_not_kill():
    """HUP, USR1, USR2, ALRM, CHLD: the process lives and answers after
    each; then INT stops it cleanly (exit 0)."""
    up = upstream()
    fw = forwarder(up)
    for sig in (signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2,
                signal.SIGALRM, signal.SIGCHLD):
        fw.signal(sig)
        time.sleep(0.3)
        check(fw.alive(), "died on %s: %s" % (sig.name, fw.log_tail()))
        expect(fw.query("a.sig.test"), "NOERROR")
    fw.signal(signal.SIGINT)
    fw.proc.wait(10)
    eq(fw.proc.returncode, 0, "exit status after SIGINT")
    check("SIGINT received" in fw.log(), "SIGINT not logged")


@case
def alrm_without_test_clock():
    """Without DV_TEST_CLOCK_FILE (as in production) USR2 and ALRM do not
    kill either (USR2 had no handler there before)."""
    up = upstream()
    fw = forwarder(up)
    fw.stop()
    env_clock = os.environ.pop("DV_TEST_CLOCK_FILE", None)
    try:
        import subprocess
        log = open(os.path.join(fw.dir, "noclock.log"), "wb")
        p = subprocess.Popen(fw.argv, stdin=subprocess.DEVNULL, stdout=log,
                             stderr=log, cwd=fw.dir)
        try:
            fw.proc = p
            fw.wait_ready()
            for sig in (signal.SIGUSR2, signal.SIGALRM, signal.SIGUSR1):
                p.send_signal(sig)
                time.sleep(0.3)
                check(p.poll() is None, "died on %s" % sig.name)
            expect(fw.query("b.sig.test"), "NOERROR")
            p.send_signal(signal.SIGTERM)
            p.wait(10)
            eq(p.returncode, 0, "exit status after SIGTERM")
        finally:
            if p.poll() is None:
                p.kill()
                p.wait(5)
            log.close()
    finally:
        if env_clock is not None:
            os.environ["DV_TEST_CLOCK_FILE"] = env_clock


@case
def usr1_writes_statistics():
    """After misses and hits, USR1 writes dnsmasq-like lines: the cache
    (size, insertions, evictions, hits, misses, all counted) and each
    forwarding server with queries sent and failed (a dead one: failed
    non-zero)."""
    up = upstream()
    dead = free_port()
    fw = forwarder(up, dead=dead)
    for i in range(3):
        expect(fw.query("h%d.sig.test" % i), "NOERROR")   # misses
    for i in range(3):
        expect(fw.query("h%d.sig.test" % i), "NOERROR")   # hits
    try:
        fw.query("x.dead.test", timeout=4)
    except Exception:
        pass
    before = len(fw.log())
    fw.signal(signal.SIGUSR1)
    wait_for(lambda: "server 127.0.0.1#%d" % dead in fw.log()[before:],
             timeout=5, what="the statistics")
    out = fw.log()[before:]
    m = re.search(r"cache size (\d+), (\d+) in use, (\d+) insertions, "
                  r"(\d+) evictions, (\d+) hits, (\d+) misses", out)
    check(m, "no cache line: %s" % out[:600])
    size, used, ins, evi, hits, misses = map(int, m.groups())
    check(size > 0 and used > 0 and ins > 0, "cache counts: %s" % m.group(0))
    check(hits >= 3 and misses >= 3, "hits/misses: %s" % m.group(0))
    m = re.search(r"server 127\.0\.0\.1#%d: queries sent (\d+), failed "
                  r"(\d+)" % up.port, out)
    check(m and int(m.group(1)) >= 3 and int(m.group(2)) == 0,
          "upstream line: %s" % out[:800])
    m = re.search(r"server 127\.0\.0\.1#%d: queries sent (\d+), failed "
                  r"(\d+)" % dead, out)
    check(m and int(m.group(1)) >= 1 and int(m.group(2)) >= 1,
          "dead upstream line: %s" % out[:800])
    check(fw.alive(), "died on USR1")
    expect(fw.query("h0.sig.test"), "NOERROR")


@case
@with_net
def usr1_dhcp_pool_use(net):
    """USR1 says per --dhcp-range how many addresses are leased."""
    s = net.server(["--dhcp-range=%s,%s,12h" % (net.pool(50),
                                                net.pool(59))])
    lease, _ = net.dhclient(hostname="alpha")
    check(lease and lease.addr, "no lease")
    before = len(s.log())
    s.signal(signal.SIGUSR1)
    want = "DHCP range %s -- %s: 1 of 10 addresses leased" % (
        net.pool(50), net.pool(59))
    wait_for(lambda: want in s.log()[before:], timeout=5,
             what="the DHCP pool line")


@case
def usr2_reopens_log_file():
    """Log rotation: with log-facility=FILE, mv the file away and send
    USR2; later lines land in a new file of the old name, and the moved
    file keeps the earlier ones."""
    d = tmpdir()
    path = os.path.join(d, "dnsvizor.log")
    up = upstream()
    fw = forwarder(up, extra=["log-facility=" + path, "log-queries"])
    expect(fw.query("before.sig.test"), "NOERROR")
    wait_for(lambda: "before.sig.test" in open(path).read(), timeout=5,
             what="the query in the log file")
    os.rename(path, path + ".1")
    fw.signal(signal.SIGUSR2)
    wait_for(lambda: os.path.exists(path), timeout=5,
             what="a new log file")
    expect(fw.query("after.sig.test"), "NOERROR")
    wait_for(lambda: "after.sig.test" in open(path).read(), timeout=5,
             what="the new query in the new file")
    old = open(path + ".1").read()
    check("before.sig.test" in old and "after.sig.test" not in old,
          "old file: %s" % old[-400:])
    check(fw.alive(), "died")


@case
def usr2_still_moves_test_clock():
    """USR2 also re-reads DV_TEST_CLOCK_FILE (the harness's move_clock),
    logging to stderr: nothing to reopen."""
    up = upstream()
    fw = forwarder(up)
    fw.move_clock(30)
    check(fw.alive(), "died")
    expect(fw.query("c.sig.test"), "NOERROR")


if __name__ == "__main__":
    run()
