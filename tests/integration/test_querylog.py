#!/usr/bin/env python3
"""--log-queries in dnsmasq's line forms (issue 14), compared line for line
with the real dnsmasq 2.90: both forward to the same upstream (a second
dnsvizor on loopback, authoritative for up.test), both have the same
--address, both log to a file (log-facility=FILE), the same dig queries
go to each, and their query log lines must be equal once the timestamp
and the "dnsmasq[pid]: " / "dnsvizor[pid]: info: " prefix are removed
(and, with log-queries=extra, the client's port and the serial numbering:
dnsmasq's serials start at 1, dnsvizor's count every message).
"""
import os
import re
import subprocess
import time

from dvtest import (Server, case, check, eq, free_port, run, tmpdir,
                    wait_for, write)

ZONE = """$ORIGIN up.test.
$TTL 300
@       SOA ns1 hostmaster 1 7200 3600 1209600 300
@       NS  ns1
ns1     A   192.0.2.53
www     A   192.0.2.1
alias   CNAME www
v4only  A   192.0.2.2
mx      MX  10 www
txt     TXT "hello"
two     A   192.0.2.7
"""

# (name, type): forwarded + reply, cached, <CNAME>, NXDOMAIN, NODATA-IPv6,
# NODATA, <MX>, a TXT text, config (--address), a hosts file's name.
QUERIES = [("www.up.test", "A"), ("www.up.test", "A"),
           ("alias.up.test", "A"), ("alias.up.test", "A"),
           ("nx.up.test", "A"), ("v4only.up.test", "AAAA"),
           ("v4only.up.test", "AAAA"), ("x.conf.test", "A"),
           ("nothere.up.test", "MX"), ("mx.up.test", "MX"),
           ("txt.up.test", "TXT"), ("two.up.test", "A"),
           ("two.up.test", "A"), ("ns1.up.test", "SOA"),
           ("hostone", "A"), ("hosttwo.lan", "A")]

FORMS = re.compile(r"^(\d+ \S+ )?(query\[|forwarded |reply |cached |"
                   r"config |/)")


def lines_of(path):
    """The query log lines of a log file, without time and prefix."""
    out = []
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        return out
    for ln in text.splitlines():
        m = re.search(r"(dnsmasq|dnsvizor)\[\d+\]: (info: )?(.*)$", ln)
        if m and FORMS.match(m.group(3)):
            out.append(m.group(3))
    return out


def normalise(lines):
    """extra: "SERIAL IP/PORT " -> "N IP " with N numbered from 1 in order
    of appearance (ports differ per dig run)."""
    seen = {}
    out = []
    for ln in lines:
        if " version.bind " in ln:   # the harness's readiness probes
            continue
        m = re.match(r"^(\d+) (\S+)/\d+ (.*)$", ln)
        if m:
            n = seen.setdefault(m.group(1), len(seen) + 1)
            ln = "%d %s %s" % (n, m.group(2), m.group(3))
        out.append(ln)
    return out


class Dnsmasq:
    def __init__(self, conf):
        self.dir = tmpdir()
        self.port = free_port()
        self.logpath = os.path.join(self.dir, "dnsmasq.log")
        # an empty file of its own: not /etc/dnsmasq.conf (nor /dev/null,
        # which a broken sandbox may have made a regular file)
        empty = write(os.path.join(self.dir, "empty.conf"), "")
        argv = ["dnsmasq", "--conf-file=" + empty, "--no-daemon",
                "--no-hosts",
                "--port=%d" % self.port, "--listen-address=127.0.0.1",
                "--bind-interfaces", "--user=root", "--pid-file=" +
                os.path.join(self.dir, "pid"),
                "--log-facility=" + self.logpath] + ["--" + c for c in conf]
        self.errpath = os.path.join(self.dir, "stderr")
        with open(self.errpath, "wb") as err:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                         stdout=err, stderr=err)
        wait_for(lambda: "started" in open(self.logpath).read()
                 if os.path.exists(self.logpath) else False, timeout=10,
                 what="dnsmasq to start",
                 logs=[lambda: open(self.errpath).read()])

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def dig(port, name, qtype):
    subprocess.run(["dig", "@127.0.0.1", "-p", str(port), "+time=2",
                    "+tries=1", "+short", name, qtype],
                   stdout=subprocess.DEVNULL, timeout=15)


def compare(extra):
    up = Server(zones={"up.test": ZONE})
    hosts = write(os.path.join(tmpdir(), "hosts"),
                  "10.1.1.1 hostone\n10.1.1.2 hosttwo.lan\n")
    common = ["no-resolv", "server=127.0.0.1#%d" % up.port,
              "addn-hosts=" + hosts,
              "address=/conf.test/10.9.9.9",
              "log-queries" + ("=extra" if extra else "")]
    logpath = os.path.join(tmpdir(), "dnsvizor.log")
    dm = Dnsmasq(common)
    dv = Server(conf=common + ["allow-loopback-upstream",
                               "log-facility=" + logpath])
    try:
        for name, qtype in QUERIES:
            dig(dm.port, name, qtype)
            dig(dv.port, name, qtype)
        want = normalise(lines_of(dm.logpath))
        wait_for(lambda: len(lines_of(logpath)) >= len(want), timeout=5,
                 what="dnsvizor's query log lines")
        got = normalise(lines_of(logpath))
        check(len(want) > 2 * len(QUERIES), "dnsmasq logged: %s" % want)
        check(any(w.endswith("%s hostone is 10.1.1.1" % hosts)
                  for w in want), "dnsmasq's hosts line: %s" % want)
        for i, (w, g) in enumerate(zip(want, got)):
            eq(g, w, "line %d (dnsmasq %r)" % (i + 1, want))
        eq(len(got), len(want), "lines (dnsvizor %r)" % got)
        stamp = open(logpath).read().splitlines()[-1]
        check(re.match(r"^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d dnsvizor\[",
                       stamp), "no dnsmasq-style time stamp: %r" % stamp)
    finally:
        dm.stop()


@case
def query_log_lines_as_dnsmasq():
    """log-queries: query[T], forwarded, reply, cached, config, <CNAME>,
    NXDOMAIN, NODATA-IPv6, NODATA, <MX>, TXT text, a hosts file's path,
    as dnsmasq writes them, in the same order."""
    compare(extra=False)


@case
def query_log_extra_as_dnsmasq():
    """log-queries=extra: the same lines with "SERIAL CLIENT/PORT " before
    them, one serial for all the lines of a query."""
    compare(extra=True)


@case
def query_log_hosts_file_after_reload():
    """A hosts file's names are logged with its path, also for names it
    gained before a SIGHUP; --address names stay "config"."""
    hosts = write(os.path.join(tmpdir(), "hosts"), "10.1.1.1 hostone\n")
    s = Server(conf=["addn-hosts=" + hosts, "log-queries",
                     "address=/conf.test/10.9.9.9"])
    s.query("hostone")
    wait_for(lambda: "%s hostone is 10.1.1.1" % hosts in s.log(), 5,
             "the hosts line", logs=[s.log])
    write(hosts, "10.1.1.3 hostthree\n")
    before = s.log().count("reloaded")
    s.reload()
    wait_for(lambda: s.log().count("reloaded") > before, 5, "the reload",
             logs=[s.log])
    s.query("HostThree")
    s.query("a.conf.test")
    wait_for(lambda: "%s HostThree is 10.1.1.3" % hosts in s.log() and
             "config a.conf.test is 10.9.9.9" in s.log(), 5,
             "the lines after the reload", logs=[s.log])


if __name__ == "__main__":
    run()
