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
import signal
import subprocess
import time

import dns.flags
import dns.message

from dvtest import (BINARY, Server, case, check, eq, expect, free_port,
                    has_flag, rcode, run, short, tmpdir, write)

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
        "--ipv4-only", "--dnssec",
        "--trust-anchor=.,20326,8,2,E06D44B80B8F1D39A95C0B0D7C65D08458E8804"
        "09BBC683457104237C7F8EC8D",
        "--trust-anchor-file=" + ta, "--dnssec-no-timecheck",
        "--no-resolv", "--no-recursion")
    eq(rc, 0, "exit code of --test (%s)" % out)
    check("configuration OK" in out, out)
    for bad, why in (("--server=bad.example", "bad server address"),
                     ("--server=127.0.0.1#99999", "bad server address"),
                     ("--server=/a..b/1.2.3.4", "bad domain"),
                     ("--server=/nodomainend", "missing '/'"),
                     ("--trust-anchor=.,1,8,2,XYZ", "expected DOMAIN"),
                     ("--outgoing-address=nope", "bad IP address"),
                     ("--cache-size=-1", "bad value")):
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


if __name__ == "__main__":
    run()
