#!/usr/bin/env python3
"""The resolver in the shell: queries the zones do not cover go to the
resolver (recursion is the default), --no-recursion keeps the
authoritative-only behaviour, the resolver options parse, the cache file
is written on SIGTERM and a bad one is ignored at start.

Nothing here reaches beyond loopback: every server that recurses is given
a loopback upstream (--allow-loopback-upstream --no-resolv), either a
closed port (answers come back SERVFAIL quickly: ICMP port unreachable)
or an NSD instance of this test.
"""
import os
import re
import signal
import subprocess
import time

import dns.flags
import dns.message
import dns.query

from dvtest import (BINARY, Server, case, check, eq, expect, free_port,
                    has_flag, rcode, run, short, tmpdir, wait_for, write)

ZONE = """$ORIGIN t.test.
$TTL 300
@       SOA ns1 hostmaster 1 7200 3600 1209600 300
@       NS  ns1
ns1     A   192.0.2.1
www     A   192.0.2.10
out     CNAME www.elsewhere.test.
"""


def closed_port():
    """A loopback UDP/TCP port nobody listens on (the kernel answers with
    port unreachable / RST)."""
    return free_port()


def rd_query(s, name, qtype="A", tcp=False, timeout=4.0):
    q = dns.message.make_query(name, qtype, use_edns=False)
    q.flags |= dns.flags.RD
    return s.send_msg(q, tcp=tcp, timeout=timeout)


def dead_upstream_server(extra=(), args=()):
    state = tmpdir()
    conf = ["no-resolv", "allow-loopback-upstream",
            "server=127.0.0.1#%d" % closed_port(), "state-dir=" + state]
    s = Server(conf=conf + list(extra), zones={"t.test": ZONE},
               args=list(args))
    s.state = state
    return s


@case
def passed_query_servfail_with_ra():
    """A name outside our data goes to the resolver; its upstream is dead,
    so the answer is SERVFAIL, with RA (we offer recursion), without AA."""
    s = dead_upstream_server()
    for tcp in (False, True):
        r = rd_query(s, "www.elsewhere.test", tcp=tcp)
        expect(r, "SERVFAIL", aa=False)
        check(has_flag(r, "RA"), "RA not set: " + short(r))
        eq(len(r.answer), 0, "answer records")
        eq(r.question[0].name.to_text(), "www.elsewhere.test.",
           "question echoed")
    # our own data still answers authoritatively
    r = rd_query(s, "www.t.test")
    expect(r, "NOERROR", aa=True)
    eq(len(r.answer), 1, "answer for www.t.test")


@case
def local_data_answers_carry_ra():
    """Answers from our own data (a zone, --host-record) keep AA and,
    when we offer recursion, carry RA as a client expects of its resolver
    (dnsmasq sets both); with --no-recursion there is no RA."""
    s = dead_upstream_server(extra=["host-record=h.lan,192.0.2.7"])
    for name in ("www.t.test", "h.lan"):
        for tcp in (False, True):
            r = rd_query(s, name, tcp=tcp)
            expect(r, "NOERROR", aa=True)
            check(has_flag(r, "RA"), "%s: no RA with recursion on (%s)"
                  % (name, short(r)))
    # NXDOMAIN from our zone too
    r = rd_query(s, "nothere.t.test")
    expect(r, "NXDOMAIN", aa=True)
    check(has_flag(r, "RA"), "NXDOMAIN without RA: " + short(r))
    s2 = Server(conf=["no-recursion", "host-record=h.lan,192.0.2.7"],
                zones={"t.test": ZONE})
    for name in ("www.t.test", "h.lan"):
        r = rd_query(s2, name)
        expect(r, "NOERROR", aa=True)
        check(not has_flag(r, "RA"), "%s: RA with --no-recursion" % name)


@case
def cname_leaving_our_data_not_passed():
    """A CNAME chain that leaves our data is answered from our data only
    (the CNAME), not handed to the resolver."""
    s = dead_upstream_server()
    r = rd_query(s, "out.t.test")
    expect(r, "NOERROR", aa=True)
    eq(len(r.answer), 1, "only the CNAME (%s)" % short(r))
    eq(r.answer[0].rdtype, 5, "CNAME type")


@case
def no_recursion_refuses():
    s = Server(conf=["no-recursion"], zones={"t.test": ZONE})
    for tcp in (False, True):
        r = rd_query(s, "www.elsewhere.test", tcp=tcp)
        expect(r, "REFUSED")
        check(not has_flag(r, "RA"), "RA set with --no-recursion")
    expect(rd_query(s, "www.t.test"), "NOERROR", aa=True)


@case
def many_passed_queries_in_one_batch():
    """A burst of passed queries (one recvmmsg batch and more) is answered
    in full, and the server stays healthy."""
    import socket
    s = dead_upstream_server()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(4.0)
    want = set()
    for i in range(150):
        q = dns.message.make_query("n%d.elsewhere.test" % i, "A")
        q.id = i
        want.add(i)
        sock.sendto(q.to_wire(), ("127.0.0.1", s.port))
    got = set()
    deadline = time.monotonic() + 8
    while got != want and time.monotonic() < deadline:
        try:
            m = dns.message.from_wire(sock.recv(4096))
        except socket.timeout:
            break
        eq(rcode(m), "SERVFAIL", "rcode of n%d" % m.id)
        got.add(m.id)
    sock.close()
    # the loopback socket buffer is large; allow a few lost datagrams
    check(len(got) >= 140, "only %d of 150 answered" % len(got))
    expect(rd_query(s, "www.t.test"), "NOERROR", aa=True)


def dv_test(*args):
    p = subprocess.run([BINARY, "--test", "--no-hosts"] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=10)
    return p.returncode, p.stdout.decode("utf-8", "replace")


@case
def resolver_options_parse():
    d = tmpdir()
    ta = write(os.path.join(d, "ta.keys"),
               ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409"
               "BBC683457104237C7F8EC8D\n")
    hints = write(os.path.join(d, "hints"),
                  ". 3600 NS a.root.test.\na.root.test. 3600 A 127.0.0.9\n")
    resolv = write(os.path.join(d, "resolv.conf"),
                   "# test\nnameserver 127.0.0.53\nnameserver ::1\n")
    rc, out = dv_test(
        "--server=127.0.0.1#5353", "--server=/lan/192.0.2.1",
        "--server=/a.test/b.test/::1#53", "--server=/local.test/",
        "--local=/other.test/", "--resolv-file=" + resolv, "--strict-order",
        "--all-servers", "--root-hints=" + hints, "--cache-size=500",
        "--neg-ttl=60", "--max-cache-ttl=3600", "--min-cache-ttl=10",
        "--no-negcache", "--use-stale-cache", "--use-stale-cache=600",
        "--qname-minimisation", "--no-qname-minimisation",
        "--outgoing-address=127.0.0.1", "--allow-loopback-upstream",
        "--ipv4-only",
        "--trust-anchor=.,20326,8,2,E06D44B80B8F1D39A95C0B0D7C65D08458E8804"
        "09BBC683457104237C7F8EC8D",
        "--trust-anchor-file=" + ta, "--dnssec-no-timecheck", "--dnssec",
        "--negative-trust-anchor=corp.test",
        "--no-resolv", "--no-recursion")
    eq(rc, 0, "exit code of --test (%s)" % out)
    check("configuration OK" in out, out)
    for bad, why in (("--server=bad.example", "bad server address"),
                     ("--server=127.0.0.1#99999", "bad server address"),
                     ("--server=/a..b/1.2.3.4", "bad domain"),
                     ("--server=/nodomainend", "missing '/'"),
                     ("--trust-anchor=.,1,8,2,XYZ", "expected DOMAIN"),
                     ("--outgoing-address=nope", "bad IP address"),
                     ("--cache-size=-1", "bad value"),
                     ("--dnssec=yes", "takes no value")):
        rc, out = dv_test(bad)
        check(rc != 0, "%s accepted: %s" % (bad, out))
        check(why in out and bad.split("=")[0][2:] in out,
              "%s: unclear error: %s" % (bad, out))


@case
def resolv_file_loopback_ignored():
    """A loopback nameserver in the resolv file is skipped (with a log
    line) unless --allow-loopback-upstream; --no-resolv does not read the
    file at all."""
    d = tmpdir()
    rf = write(os.path.join(d, "resolv.conf"), "nameserver 127.0.0.53\n")
    s = Server(conf=["resolv-file=" + rf, "state-dir=" + d,
                     "server=/elsewhere.test/127.0.0.1#%d" % closed_port()],
               zones={"t.test": ZONE})
    expect(rd_query(s, "www.t.test"), "NOERROR", aa=True)
    check("nameserver 127.0.0.53 is on loopback: ignored" in s.log(),
          "no warning: " + s.log_tail(400))
    s2 = Server(conf=["resolv-file=" + rf, "state-dir=" + d, "no-resolv",
                      "server=/elsewhere.test/127.0.0.1#%d" % closed_port()],
                zones={"t.test": ZONE})
    expect(rd_query(s2, "www.t.test"), "NOERROR", aa=True)
    check("127.0.0.53" not in s2.log(), "resolv file read with "
          "--no-resolv: " + s2.log_tail(400))


def mode_lines(s, n=1):
    """The resolver's mode lines of the log, once there are n of them."""
    wait_for(lambda: len(re.findall(r"resolver: .*(?:forwarding to|full "
                                    r"recursion)", s.log())) >= n,
             what="%d resolver mode line(s): %s" % (n, s.log_tail(400)),
             timeout=5)
    return [ln for ln in s.log().splitlines() if "resolver:" in ln]


@case
def resolver_mode_in_the_log():
    """The log says at start and on SIGHUP which mode the resolver is in
    and why: forwarding to which servers from where, or full recursion
    because the resolv-file is missing or names no usable server; root
    hints given while every name is forwarded are said to be unused."""
    d = tmpdir()
    hints = write(os.path.join(d, "hints"),
                  ". 3600 NS a.root.test.\na.root.test. 3600 A 127.0.0.9\n")
    missing = os.path.join(d, "nonexistent.conf")
    s = Server(conf=["resolv-file=" + missing, "root-hints=" + hints,
                     "state-dir=" + d])
    lines = mode_lines(s)
    want = ("resolver: resolv-file %s missing -> full recursion from root "
            "hints %s" % (missing, hints))
    check(any(want in ln for ln in lines), "no %r: %s" % (want, lines))
    s.reload()
    lines = mode_lines(s, 2)
    check(sum(want in ln for ln in lines) == 2, "not said again on "
          "SIGHUP: %s" % lines)
    # a resolv-file without a usable server
    empty = write(os.path.join(d, "empty.conf"), "search example\n")
    s2 = Server(conf=["resolv-file=" + empty, "state-dir=" + d])
    want = ("resolver: resolv-file %s names no usable server -> full "
            "recursion from the built-in root hints" % empty)
    lines = mode_lines(s2)
    check(any(want in ln for ln in lines), "no %r: %s" % (want, lines))
    # forwarding to the resolv-file servers: which ones, from where, and
    # the root hints unused
    rf = write(os.path.join(d, "resolv.conf"),
               "nameserver 192.0.2.1\nnameserver 192.0.2.2\n")
    s3 = Server(conf=["resolv-file=" + rf, "root-hints=" + hints,
                      "state-dir=" + d])
    lines = mode_lines(s3)
    want = ("resolver: forwarding to 192.0.2.1, 192.0.2.2 (from resolv-file "
            "%s)" % rf)
    check(any(want in ln for ln in lines), "no %r: %s" % (want, lines))
    want = ("root-hints %s unused: every name is forwarded (resolv-file %s); "
            "give --no-resolv for full recursion from these hints"
            % (hints, rf))
    check(any(want in ln and "warn" in ln for ln in lines),
          "no warning %r: %s" % (want, lines))
    # --server
    s4 = Server(conf=["no-resolv", "server=192.0.2.7", "state-dir=" + d])
    lines = mode_lines(s4)
    want = "resolver: forwarding to 192.0.2.7 (from --server)"
    check(any(want in ln for ln in lines), "no %r: %s" % (want, lines))


@case
def cache_file_on_sigterm():
    """SIGTERM writes <state-dir>/cache.bin (atomically: no temp file is
    left); a garbage cache file is ignored at start."""
    s = dead_upstream_server()
    rd_query(s, "www.elsewhere.test")
    s.stop()
    path = os.path.join(s.state, "cache.bin")
    check(os.path.exists(path), "no cache.bin after SIGTERM: " +
          s.log_tail(400))
    left = [f for f in os.listdir(s.state) if ".tmp" in f]
    eq(left, [], "temporary files left")
    check("cache written to" in s.log(), "no log line: " + s.log_tail(400))
    with open(path, "wb") as f:
        f.write(os.urandom(3000))
    s2 = Server(conf=["no-resolv", "allow-loopback-upstream",
                      "server=127.0.0.1#%d" % closed_port(),
                      "state-dir=" + s.state], zones={"t.test": ZONE})
    expect(rd_query(s2, "www.t.test"), "NOERROR", aa=True)
    expect(rd_query(s2, "www.elsewhere.test"), "SERVFAIL")


@case
def reload_keeps_resolving():
    s = dead_upstream_server()
    expect(rd_query(s, "a.elsewhere.test"), "SERVFAIL")
    s.reload()
    time.sleep(0.5)
    check(s.alive(), "died on SIGHUP: " + s.log_tail(400))
    r = rd_query(s, "b.elsewhere.test")
    expect(r, "SERVFAIL")
    check(has_flag(r, "RA"), "RA after reload")


@case
def tcp_client_closes_early():
    """A TCP client that sends a passed query and closes at once does not
    upset the server."""
    s = dead_upstream_server()
    for _ in range(20):
        c = s.tcp_connect()
        q = dns.message.make_query("gone.elsewhere.test", "A").to_wire()
        c.sendall(len(q).to_bytes(2, "big") + q)
        c.close()
    time.sleep(0.3)
    check(s.alive(), "server died")
    expect(rd_query(s, "www.t.test", tcp=True), "NOERROR", aa=True)


# ------------------------------------------------- forwarding to NSD ---

UP_ZONE = """$ORIGIN up.test.
$TTL 300
@       SOA ns1 hostmaster 1 7200 3600 1209600 60
@       NS  ns1
ns1     A   127.0.0.1
www     A   192.0.2.80
alias   CNAME www
"""

OTHER_ZONE = """$ORIGIN other.test.
$TTL 300
@       SOA ns1 hostmaster 1 7200 3600 1209600 60
@       NS  ns1
ns1     A   127.0.0.1
www     A   198.51.100.7
"""

_nsds = []


class Nsd:
    """An NSD instance of this test on 127.0.0.1 (or ip) serving some
    zones."""

    def __init__(self, zones, ip="127.0.0.1", port=None):
        self.dir = tmpdir()
        self.ip = ip
        self.port = port or free_port()
        conf = os.path.join(self.dir, "nsd.conf")
        text = ("server:\n  ip-address: " + ip + "@%d\n  port: %d\n"
                "  username: \"\"\n  chroot: \"\"\n  zonesdir: \"%s\"\n"
                "  pidfile: \"%s/nsd.pid\"\n  database: \"\"\n"
                "  xfrdfile: \"%s/xfrd.state\"\n"
                "  zonelistfile: \"%s/zone.list\"\n  xfrdir: \"%s\"\n"
                "  server-count: 1\n  verbosity: 1\n  rrl-ratelimit: 0\n"
                "remote-control:\n  control-enable: no\n" %
                ((self.port, self.port) + (self.dir,) * 5))
        for origin, ztext in zones.items():
            fn = write(os.path.join(self.dir, origin + ".zone"), ztext)
            text += "zone:\n  name: %s\n  zonefile: \"%s\"\n" % (origin, fn)
        write(conf, text)
        self.log = open(os.path.join(self.dir, "nsd.log"), "w")
        self.proc = subprocess.Popen(["nsd", "-d", "-c", conf],
                                     stdout=self.log,
                                     stderr=subprocess.STDOUT,
                                     start_new_session=True)
        _nsds.append(self)
        origin = list(zones)[0]
        deadline = time.monotonic() + 10
        while True:
            try:
                q = dns.message.make_query(origin, "SOA")
                dns.query.udp(q, ip, port=self.port, timeout=0.5)
                return
            except Exception:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise RuntimeError("nsd did not start")
                time.sleep(0.1)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def forwarder(upstream_port, extra=(), zones=None):
    state = tmpdir()
    conf = ["no-resolv", "allow-loopback-upstream",
            "server=127.0.0.1#%d" % upstream_port, "state-dir=" + state]
    return Server(conf=conf + list(extra), zones=zones or {})


def addrs(r):
    return sorted(rd.to_text() for rs in r.answer for rd in rs
                  if rs.rdtype == 1)


@case
def forward_through_nsd():
    """Names in up.test resolve through dnsvizor (RA set, AA clear), over
    UDP and TCP; a CNAME chain comes back whole; NXDOMAIN with the SOA."""
    nsd = Nsd({"up.test": UP_ZONE})
    try:
        s = forwarder(nsd.port)
        for tcp in (False, True):
            r = rd_query(s, "www.up.test", tcp=tcp)
            expect(r, "NOERROR", aa=False)
            check(has_flag(r, "RA"), "RA not set: " + short(r))
            eq(addrs(r), ["192.0.2.80"], "www.up.test A")
        r = rd_query(s, "alias.up.test")
        expect(r, "NOERROR", aa=False)
        eq(addrs(r), ["192.0.2.80"], "alias.up.test through the CNAME")
        eq(len(r.answer), 2, "CNAME + A (%s)" % short(r))
        r = rd_query(s, "nope.up.test")
        expect(r, "NXDOMAIN", aa=False)
        check(any(rs.rdtype == 6 for rs in r.authority),
              "no SOA with the NXDOMAIN: " + short(r))
    finally:
        nsd.stop()


@case
def cache_answers_after_upstream_stops():
    """Positive and negative answers are cached: with NSD stopped, the
    same questions still answer within their TTL, with the TTL counting
    down."""
    nsd = Nsd({"up.test": UP_ZONE})
    try:
        s = forwarder(nsd.port)
        r1 = rd_query(s, "www.up.test")
        eq(addrs(r1), ["192.0.2.80"], "first answer")
        expect(rd_query(s, "gone.up.test"), "NXDOMAIN")
    finally:
        nsd.stop()
    time.sleep(1.1)
    r2 = rd_query(s, "www.up.test")
    expect(r2, "NOERROR")
    eq(addrs(r2), ["192.0.2.80"], "cached answer")
    check(r2.answer[0].ttl < r1.answer[0].ttl,
          "TTL did not count down: %d then %d" % (r1.answer[0].ttl,
                                                  r2.answer[0].ttl))
    r = rd_query(s, "gone.up.test")
    expect(r, "NXDOMAIN")
    # and a name never asked is not answered from nowhere
    expect(rd_query(s, "new.up.test", timeout=8), "SERVFAIL")


@case
def per_domain_forwarding():
    """--server=/other.test/IP#PORT sends other.test to its own server;
    everything else goes to the default one."""
    up = Nsd({"up.test": UP_ZONE})
    other = Nsd({"other.test": OTHER_ZONE})
    try:
        s = forwarder(up.port, ["server=/other.test/127.0.0.1#%d" %
                                other.port])
        eq(addrs(rd_query(s, "www.other.test")), ["198.51.100.7"],
           "www.other.test via its own server")
        eq(addrs(rd_query(s, "www.up.test")), ["192.0.2.80"],
           "www.up.test via the default server")
    finally:
        up.stop()
        other.stop()


@case
def local_zone_wins_over_forwarding():
    nsd = Nsd({"up.test": UP_ZONE})
    try:
        local = UP_ZONE.replace("192.0.2.80", "192.0.2.99")
        s = forwarder(nsd.port, zones={"up.test": local})
        r = rd_query(s, "www.up.test")
        expect(r, "NOERROR", aa=True)
        eq(addrs(r), ["192.0.2.99"], "our zone's answer")
    finally:
        nsd.stop()


@case
def local_only_domain():
    """--server=/local.test/ answers names there from local data only:
    NXDOMAIN, and nothing is sent upstream."""
    import socket
    sniff = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sniff.bind(("127.0.0.1", 0))
    sniff.settimeout(0.5)
    try:
        s = forwarder(sniff.getsockname()[1], ["server=/local.test/"])
        r = rd_query(s, "x.local.test")
        expect(r, "NXDOMAIN")
        try:
            data = sniff.recv(4096)
            raise AssertionError("a query went upstream: %r" % data[:40])
        except socket.timeout:
            pass
    finally:
        sniff.close()


@case
def cache_survives_restart():
    """SIGTERM writes the cache to the state directory; a new process
    with the same state directory answers from it while NSD is down."""
    nsd = Nsd({"up.test": UP_ZONE})
    try:
        s = forwarder(nsd.port)
        eq(addrs(rd_query(s, "www.up.test")), ["192.0.2.80"], "first")
        s.stop()
    finally:
        nsd.stop()
    state = [a.split("=", 1)[1] for a in open(s.conf).read().split()
             if a.startswith("state-dir=")][0]
    s2 = Server(conf=["no-resolv", "allow-loopback-upstream",
                      "server=127.0.0.1#%d" % nsd.port,
                      "state-dir=" + state])
    r = rd_query(s2, "www.up.test")
    expect(r, "NOERROR")
    eq(addrs(r), ["192.0.2.80"], "answer from the saved cache")
    check(0 < r.answer[0].ttl <= 300, "TTL %d" % r.answer[0].ttl)


@case
def pending_answers_reach_clients():
    """With an upstream that never answers, queries wait in the resolver:
    each upstream query leaves from its own socket (source ports differ),
    the UDP and TCP clients get their SERVFAIL when the engine gives up,
    and a TCP client that closed meanwhile is simply forgotten."""
    import socket
    hole = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    hole.bind(("127.0.0.1", 0))
    hole.settimeout(3)
    try:
        s = forwarder(hole.getsockname()[1])
        gone = s.tcp_connect()
        q = dns.message.make_query("gone.hole.test", "A").to_wire()
        gone.sendall(len(q).to_bytes(2, "big") + q)
        gone.close()
        c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        c.settimeout(30)
        for i in range(3):
            m = dns.message.make_query("q%d.hole.test" % i, "A")
            m.id = 100 + i
            c.sendto(m.to_wire(), ("127.0.0.1", s.port))
        ports = set()
        deadline = time.monotonic() + 3
        while len(ports) < 4 and time.monotonic() < deadline:
            try:
                ports.add(hole.recvfrom(4096)[1][1])
            except socket.timeout:
                break
        check(len(ports) >= 4, "upstream source ports not distinct: %r"
              % sorted(ports))
        got = set()
        while len(got) < 3:
            m = dns.message.from_wire(c.recv(4096))
            eq(rcode(m), "SERVFAIL", "rcode after the upstream timed out")
            got.add(m.id)
        c.close()
        r = rd_query(s, "slow.hole.test", tcp=True, timeout=30)
        expect(r, "SERVFAIL")
        check(s.alive(), "server died")
    finally:
        hole.close()


def loopback_53():
    """A 127/8 address whose port 53 is free (resolv.conf has no ports)."""
    import socket
    for i in range(50):
        ip = "127.86.%d.%d" % ((os.getpid() + i) % 250 + 1, i % 250 + 1)
        ok = True
        for t in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
            x = socket.socket(socket.AF_INET, t)
            try:
                x.bind((ip, 53))
            except OSError:
                ok = False
            finally:
                x.close()
        if ok:
            return ip
    raise RuntimeError("no free 127/8 address for port 53")


@case
def resolv_file_servers():
    """Without --no-resolv the nameserver lines of --resolv-file are the
    upstream servers."""
    ip = loopback_53()
    nsd = Nsd({"up.test": UP_ZONE}, ip=ip, port=53)
    try:
        d = tmpdir()
        rf = write(os.path.join(d, "resolv.conf"),
                   "search example\nnameserver %s\n" % ip)
        s = Server(conf=["resolv-file=" + rf, "allow-loopback-upstream",
                         "state-dir=" + d])
        r = rd_query(s, "www.up.test")
        expect(r, "NOERROR", aa=False)
        eq(addrs(r), ["192.0.2.80"], "answer via the resolv-file server")
    finally:
        nsd.stop()


@case
def spoofed_replies_ignored():
    """Replies from another port, with another id, or that are not
    replies at all are ignored; the genuine reply that follows them is
    used."""
    import socket
    import threading
    import dns.rrset
    up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    up.bind(("127.0.0.1", 0))
    up.settimeout(0.2)
    other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    other.bind(("127.0.0.1", 0))
    stop = []

    def answer(q, ip, id_xor=0):
        r = dns.message.make_response(q)
        r.id ^= id_xor
        r.answer.append(dns.rrset.from_text(q.question[0].name, 60, "IN",
                                            "A", ip))
        return r.to_wire()

    def serve():
        while not stop:
            try:
                data, peer = up.recvfrom(4096)
            except socket.timeout:
                continue
            q = dns.message.from_wire(data)
            other.sendto(answer(q, "6.6.6.6"), peer)        # wrong port
            up.sendto(answer(q, "6.6.6.7", 0x5a5a), peer)   # wrong id
            up.sendto(data, peer)                           # not a reply
            up.sendto(b"\x00", peer)                        # runt
            time.sleep(0.05)
            up.sendto(answer(q, "192.0.2.55"), peer)

    th = threading.Thread(target=serve, daemon=True)
    th.start()
    try:
        s = forwarder(up.getsockname()[1])
        r = rd_query(s, "www.spoof.test", timeout=8)
        expect(r, "NOERROR")
        eq(addrs(r), ["192.0.2.55"], "the genuine answer")
    finally:
        stop.append(1)
        th.join(2)
        up.close()
        other.close()


@case
def large_answer_over_tcp_upstream():
    """An upstream answer too big for UDP comes back truncated; the
    resolver asks again over TCP and a TCP client gets all of it."""
    big = UP_ZONE + "".join('big TXT "%02d%s"\n' % (i, "b" * 58)
                            for i in range(40))
    nsd = Nsd({"up.test": big})
    try:
        s = forwarder(nsd.port)
        r = rd_query(s, "big.up.test", "TXT", tcp=True, timeout=8)
        expect(r, "NOERROR")
        eq(sum(len(rs) for rs in r.answer), 40, "TXT records")
        r = rd_query(s, "big.up.test", "TXT", timeout=8)
        check(has_flag(r, "TC") or sum(len(x) for x in r.answer) == 40,
              "UDP answer neither whole nor truncated: " + short(r))
    finally:
        nsd.stop()


@case
def reload_keeps_cache():
    """SIGHUP builds a new engine but keeps the cache: with NSD stopped
    the answer still comes."""
    nsd = Nsd({"up.test": UP_ZONE})
    try:
        s = forwarder(nsd.port)
        eq(addrs(rd_query(s, "www.up.test")), ["192.0.2.80"], "first")
    finally:
        nsd.stop()
    s.reload()
    time.sleep(0.5)
    check(s.alive(), "died on SIGHUP")
    r = rd_query(s, "www.up.test")
    expect(r, "NOERROR")
    eq(addrs(r), ["192.0.2.80"], "cached answer after SIGHUP")


@case
def outgoing_address_used():
    """--outgoing-address: upstream queries leave from that address, each
    from a port the kernel picked."""
    import socket
    up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    up.bind(("127.0.0.1", 0))
    up.settimeout(3)
    try:
        s = forwarder(up.getsockname()[1],
                      ["outgoing-address=127.0.0.2"])
        c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        q = dns.message.make_query("www.out.test", "A")
        c.sendto(q.to_wire(), ("127.0.0.1", s.port))
        c.close()
        data, peer = up.recvfrom(4096)
        eq(peer[0], "127.0.0.2", "source address of the upstream query")
        check(peer[1] not in (0, 53, s.port), "source port %d" % peer[1])
    finally:
        up.close()


@case
def dns_upstream_tcp():
    """robur's --dns-upstream=tcp:IP:PORT forwards over TCP (the upstream
    here only speaks TCP); bad forms are refused clearly."""
    import socket
    import threading
    import dns.rrset
    lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lst.bind(("127.0.0.1", 0))
    lst.listen(8)
    lst.settimeout(0.2)
    stop = []

    def serve():
        while not stop:
            try:
                c, _ = lst.accept()
            except socket.timeout:
                continue
            try:
                c.settimeout(2)
                n = int.from_bytes(c.recv(2), "big")
                data = b""
                while len(data) < n:
                    data += c.recv(n - len(data))
                q = dns.message.from_wire(data)
                r = dns.message.make_response(q)
                r.answer.append(dns.rrset.from_text(q.question[0].name, 60,
                                                    "IN", "A", "192.0.2.77"))
                w = r.to_wire()
                c.sendall(len(w).to_bytes(2, "big") + w)
            except Exception:
                pass
            finally:
                c.close()

    th = threading.Thread(target=serve, daemon=True)
    th.start()
    try:
        d = tmpdir()
        s = Server(conf=["allow-loopback-upstream", "state-dir=" + d,
                         "dns-upstream=tcp:127.0.0.1:%d" %
                         lst.getsockname()[1]])
        r = rd_query(s, "www.tcp.test", timeout=8)
        expect(r, "NOERROR")
        eq(addrs(r), ["192.0.2.77"], "answer over the TCP upstream")
    finally:
        stop.append(1)
        th.join(2)
        lst.close()
    for bad, why in (("--dns-upstream=tls:192.0.2.1!dns..test",
                      "bad certificate name"),
                     ("--dns-upstream=udp:1.2.3", "bad upstream address"),
                     ("--dns-upstream=http:1.2.3.4", "expected udp:")):
        rc, out = dv_test(bad)
        check(rc != 0 and why in out, "%s: %s" % (bad, out))


LOGZONE = """$ORIGIN log.test.
$TTL 300
@       SOA ns1 hostmaster 1 7200 3600 1209600 300
@       NS  ns1
ns1     A   192.0.2.1
*       A   192.0.2.44
*       AAAA 2001:db8::44
"""


@case
def log_queries_resolver_answers():
    """--log-queries logs what the resolver answers from the one parse of
    each query, in dnsmasq's forms: a pending answer over UDP and over TCP
    (query line at once, "forwarded", then "reply" when it comes), a
    cache hit ("cached" at once), an authoritative answer ("config"), and
    messages with no readable question (answered FORMERR, or dropped when
    not even the header is there) as malformed."""
    up = Server(zones={"log.test": LOGZONE})
    fw = Server(conf=["no-resolv", "allow-loopback-upstream",
                      "server=127.0.0.1#%d" % up.port, "log-queries"],
                zones={"t.test": ZONE})
    try:
        r = rd_query(fw, "Pend-UDP.log.test")
        expect(r, "NOERROR")
        r = rd_query(fw, "pend-udp.log.test")          # a cache hit
        expect(r, "NOERROR")
        r = rd_query(fw, "pend-tcp.log.test", "AAAA", tcp=True)
        expect(r, "NOERROR")
        r = rd_query(fw, "www.t.test")
        expect(r, "NOERROR", aa=True)
        fw.raw_udp(b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00")
        fw.raw_udp(b"\x12\x34\x01", timeout=0.3)      # not even a header
        up_at = "127.0.0.1#%d" % up.port
        want = ["query[A] Pend-UDP.log.test from 127.0.0.1\n",
                "forwarded pend-udp.log.test to %s\n" % up_at,
                "reply Pend-UDP.log.test is 192.0.2.44",
                "query[A] pend-udp.log.test from 127.0.0.1\n",
                "cached pend-udp.log.test is 192.0.2.44",
                "query[AAAA] pend-tcp.log.test from 127.0.0.1\n",
                "forwarded pend-tcp.log.test to %s\n" % up_at,
                "reply pend-tcp.log.test is 2001:db8::44",
                "query[A] www.t.test from 127.0.0.1\n",
                "config www.t.test is ",
                "query[?] (malformed) from 127.0.0.1/udp: FORMERR",
                "query[?] (malformed) from 127.0.0.1/udp: dropped"]
        wait_for(lambda: all(w in fw.log() for w in want), 5,
                 "all six query log lines", logs=[fw.log])
        for w in want:
            eq(fw.log().count(w), 1, "log lines %r" % w)
    finally:
        fw.stop()
        up.stop()


def _stop_nsds():
    for n in _nsds:
        try:
            n.stop()
        except Exception:
            pass


if __name__ == "__main__":
    import atexit
    atexit.register(_stop_nsds)
    run()
