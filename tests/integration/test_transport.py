"""UDP/TCP transport, RFC 7766 TCP behaviour, EDNS0 and truncation, and
malformed input, against the real binary."""
import os
import random
import select
import socket
import struct
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dvtest import (Server, Shared, case, check, eq, expect, rdatas, short,
                    dig, kdig, run, has_flag, rcode, header, question, opt_rr,
                    wire_name, tcp_frame, tcp_read_msg, closed_within,
                    TestFailure)  # noqa: E402

import dns.message  # noqa: E402
import dns.rcode  # noqa: E402


def zone_text():
    lines = ["$ORIGIN t.test.", "$TTL 300",
             "@ IN SOA ns.t.test. h.t.test. 1 3600 600 86400 60",
             "@ IN NS ns", "ns IN A 192.0.2.1", "@ IN A 192.0.2.2",
             "www IN A 192.0.2.3"]
    # ~1100 bytes: fits 1232, not 512
    for i in range(20):
        lines.append('medium IN TXT "%02d%s"' % (i, "m" * 38))
    # ~2900 bytes: fits nothing but TCP
    for i in range(40):
        lines.append('big IN TXT "%02d%s"' % (i, "b" * 58))
    return "\n".join(lines) + "\n"


def server(extra=(), args=(), v6=False):
    # authoritative only: names outside the zone are REFUSED
    return Server(conf=["no-recursion"] + list(extra),
                  zones={"t.test": zone_text()}, args=args,
                  v6=v6)


MAIN = Shared(lambda: server())


def raw_query(name, qtype=1, id=0x1111, flags=0, edns=False):
    ar = 1 if edns else 0
    pkt = header(id=id, flags=flags, qd=1, ar=ar) + question(name, qtype, 1)
    if edns:
        pkt += opt_rr()
    return pkt


def assert_alive(s, what):
    check(s.alive(), "server died after %s: %s" % (what, s.log_tail()))
    try:
        r = s.query("www.t.test", "A", timeout=2)
    except Exception as e:
        raise TestFailure("no answer to a normal query after %s: %s"
                          % (what, e))
    eq(rdatas(r.answer, "www.t.test", "A"), ["192.0.2.3"],
       "normal answer after " + what)


# --------------------------------------------------------------- basic ---

@case
def udp_and_tcp():
    s = MAIN.get()
    for tcp in (False, True):
        r = s.query("www.t.test", "A", tcp=tcp)
        expect(r, aa=True)
        eq(rdatas(r.answer, "www.t.test", "A"), ["192.0.2.3"],
           "A over %s" % ("TCP" if tcp else "UDP"))


@case
def tcp_pipelining():
    s = MAIN.get()
    names = ["www.t.test", "t.test", "ns.t.test"]
    ids = [0x0101, 0x0202, 0x0303]
    blob = b"".join(tcp_frame(raw_query(n, id=i)) for n, i in zip(names, ids))
    sock = s.tcp_connect()
    try:
        sock.sendall(blob)       # one write, three queries
        got = {}
        for _ in range(3):
            r = dns.message.from_wire(tcp_read_msg(sock, timeout=3))
            got[r.id] = r
        eq(sorted(got), sorted(ids), "answer IDs")
        eq(rdatas(got[0x0101].answer, "www.t.test", "A"), ["192.0.2.3"], "q1")
        eq(rdatas(got[0x0202].answer, "t.test", "A"), ["192.0.2.2"], "q2")
        eq(rdatas(got[0x0303].answer, "ns.t.test", "A"), ["192.0.2.1"], "q3")
    finally:
        sock.close()


@case
def tcp_many_queries_one_connection():
    s = MAIN.get()
    sock = s.tcp_connect()
    try:
        for i in range(20):
            sock.sendall(tcp_frame(raw_query("www.t.test", id=1000 + i)))
            r = dns.message.from_wire(tcp_read_msg(sock))
            eq(r.id, 1000 + i, "id of answer %d" % i)
            eq(rdatas(r.answer, "www.t.test", "A"), ["192.0.2.3"], "answer")
        # a split message: length prefix and body in separate writes
        pkt = raw_query("t.test", id=7)
        sock.sendall(tcp_frame(pkt)[:1])
        time.sleep(0.1)
        sock.sendall(tcp_frame(pkt)[1:5])
        time.sleep(0.1)
        sock.sendall(tcp_frame(pkt)[5:])
        r = dns.message.from_wire(tcp_read_msg(sock))
        eq(r.id, 7, "id after split writes")
    finally:
        sock.close()


@case
def tcp_idle_timeout():
    s = server(args=["--tcp-idle-timeout=1"])
    a = s.tcp_connect()
    b = None
    try:
        t0 = time.monotonic()
        check(closed_within(a, 4), "idle connection not closed within 4s")
        dt = time.monotonic() - t0
        check(dt < 3.5, "closed only after %.1fs" % dt)
        # after a query, the connection also closes when idle
        b = s.tcp_connect()
        b.sendall(tcp_frame(raw_query("www.t.test", id=5)))
        eq(dns.message.from_wire(tcp_read_msg(b)).id, 5, "answer id")
        t0 = time.monotonic()
        check(closed_within(b, 4), "connection idle after a query not closed")
        dt = time.monotonic() - t0
        check(dt < 3.5, "closed only after %.1fs" % dt)
        assert_alive(s, "idle timeouts")
    finally:
        a.close()
        if b is not None:
            b.close()
        s.stop()


@case
def tcp_connection_cap():
    s = server(args=["--tcp-max-connections=4", "--tcp-idle-timeout=20"])
    socks = []
    try:
        base = s.socket_fds()
        for _ in range(12):
            try:
                socks.append(s.tcp_connect(timeout=1))
            except OSError:
                pass
        time.sleep(1.0)
        n = s.socket_fds() - base
        check(n <= 4, "server holds %d TCP connections with a cap of 4" % n)
        # UDP still answered while TCP is full
        r = s.query("www.t.test", "A")
        eq(rdatas(r.answer, "www.t.test", "A"), ["192.0.2.3"], "UDP while full")
        answered = 0
        for i, c in enumerate(socks):
            try:
                c.sendall(tcp_frame(raw_query("www.t.test", id=i)))
            except OSError:
                pass
        deadline = time.monotonic() + 2
        for i, c in enumerate(socks):
            try:
                left = max(0.05, deadline - time.monotonic())
                r = dns.message.from_wire(tcp_read_msg(c, timeout=left))
                if r.id == i:
                    answered += 1
            except (TestFailure, OSError):
                pass
        check(1 <= answered <= 4, "%d of %d TCP connections answered with a "
              "cap of 4" % (answered, len(socks)))
        n = s.socket_fds() - base
        check(n <= 4, "server holds %d TCP connections with a cap of 4" % n)
        for c in socks:
            c.close()
        socks = []
        # new TCP works once the others are gone (bounded retry)
        deadline = time.monotonic() + 5
        last = None
        while time.monotonic() < deadline:
            try:
                r = s.query("www.t.test", "A", tcp=True, timeout=1)
                eq(rdatas(r.answer, "www.t.test", "A"), ["192.0.2.3"],
                   "TCP after closing")
                break
            except Exception as e:
                last = e
                time.sleep(0.2)
        else:
            raise TestFailure("no TCP answer after closing the connections: %s"
                              % last)
        assert_alive(s, "connection cap")
    finally:
        for c in socks:
            c.close()
        s.stop()


@case
def tcp_slow_client_does_not_stall():
    s = MAIN.get()
    slow = s.tcp_connect()
    slow2 = s.tcp_connect()
    try:
        slow.sendall(b"\x00")                  # half a length prefix
        pkt = raw_query("www.t.test", id=9)
        slow2.sendall(tcp_frame(pkt)[:8])      # prefix + part of the body
        t0 = time.monotonic()
        r = s.query("www.t.test", "A", timeout=1)
        eq(rdatas(r.answer, "www.t.test", "A"), ["192.0.2.3"], "UDP answer")
        r = s.query("www.t.test", "A", tcp=True, timeout=1)
        eq(rdatas(r.answer, "www.t.test", "A"), ["192.0.2.3"], "TCP answer")
        check(time.monotonic() - t0 < 1.5, "answers were slow")
        # the slow ones can still finish their message
        slow2.sendall(tcp_frame(pkt)[8:])
        eq(dns.message.from_wire(tcp_read_msg(slow2)).id, 9, "slow2 answer id")
    finally:
        slow.close()
        slow2.close()


@case
def tcp_non_reading_client_does_not_stall():
    s = MAIN.get()
    hog = s.tcp_connect()
    try:
        hog.setblocking(False)
        blob = b"".join(tcp_frame(raw_query("big.t.test", qtype=16, id=i))
                        for i in range(200))
        sent = 0
        deadline = time.monotonic() + 3
        while sent < 4 * 1024 * 1024 and time.monotonic() < deadline:
            try:
                sent += hog.send(blob)
            except (BlockingIOError, InterruptedError):
                time.sleep(0.02)
            except OSError:
                break      # the server may close a client that never reads
        t0 = time.monotonic()
        r = s.query("www.t.test", "A", timeout=1)
        eq(rdatas(r.answer, "www.t.test", "A"), ["192.0.2.3"], "UDP answer")
        r = s.query("www.t.test", "A", tcp=True, timeout=1)
        eq(rdatas(r.answer, "www.t.test", "A"), ["192.0.2.3"], "TCP answer")
        check(time.monotonic() - t0 < 1.5, "answers were slow")
    finally:
        hog.close()
    assert_alive(s, "a client that never reads")


# ---------------------------------------------------------------- EDNS ---

@case
def edns_opt_echo():
    s = MAIN.get()
    for tcp in (False, True):
        r = s.query("www.t.test", "A", edns=0, payload=1232, tcp=tcp)
        expect(r)
        eq(r.edns, 0, "EDNS version in the answer (OPT echoed)")
        check(r.payload >= 512, "advertised payload %d" % r.payload)
        r = s.query("www.t.test", "A", tcp=tcp)
        eq(r.edns, -1, "OPT in an answer to a query without OPT")
    # also on negative and REFUSED answers
    r = s.query("nope.t.test", "A", edns=0)
    expect(r, "NXDOMAIN")
    eq(r.edns, 0, "OPT on NXDOMAIN")
    r = s.query("www.elsewhere.test", "A", edns=0)
    expect(r, "REFUSED")
    eq(r.edns, 0, "OPT on REFUSED")


@case
def truncation_without_edns():
    s = MAIN.get()
    r = s.query("medium.t.test", "TXT")
    expect(r, tc=True)
    eq(len(r.answer), 0, "answer section of a TC reply")
    eq(str(r.question[0].name), "medium.t.test.", "question in a TC reply")
    r = s.query("medium.t.test", "TXT", edns=0, payload=1232)
    expect(r, tc=False)
    eq(len(rdatas(r.answer, "medium.t.test", "TXT")), 20, "TXT count w/ EDNS")
    r = s.query("big.t.test", "TXT", tcp=True)
    expect(r, tc=False)
    eq(len(rdatas(r.answer, "big.t.test", "TXT")), 40, "TXT count over TCP")


@case
def truncation_edns_max():
    s = MAIN.get()   # default edns-packet-max 1232
    r = s.query("big.t.test", "TXT", edns=0, payload=4096)
    expect(r, tc=True)
    eq(r.edns, 0, "OPT in a TC reply")
    check(r.payload <= 1232, "server advertises %d > 1232" % r.payload)
    s2 = server(args=["--edns-packet-max=4096"])
    try:
        r = s2.query("big.t.test", "TXT", edns=0, payload=4096)
        expect(r, tc=False)
        eq(len(rdatas(r.answer, "big.t.test", "TXT")), 40,
           "full answer with edns-packet-max=4096")
        r = s2.query("big.t.test", "TXT", edns=0, payload=1232)
        expect(r, tc=True)
    finally:
        s2.stop()


@case
def dig_retries_over_tcp():
    s = MAIN.get()
    rc, out, p = dig(s, "+noedns", "big.t.test", "TXT")
    eq(rc, 0, "dig exit code")
    check("Truncated, retrying in TCP mode" in out,
          "dig did not see TC=1: " + out[:400])
    eq(p["status"], "NOERROR", "dig status")
    eq(p["answer"], 40, "answer count after TCP retry")
    rc, out, p = kdig(s, "+bufsize=1232", "big.t.test", "TXT")
    eq(p["status"], "NOERROR", "kdig status")
    eq(p["answer"], 40, "kdig answer count after TCP fallback")


@case
def edns_badvers():
    s = MAIN.get()
    for tcp in (False, True):
        r = s.query("www.t.test", "A", edns=1, tcp=tcp)
        eq(r.rcode(), dns.rcode.BADVERS, "rcode for EDNS version 1 (%s)"
           % short(r))
        check(r.edns >= 0, "BADVERS without OPT")
        eq(r.edns, 0, "version in the BADVERS OPT")
        eq(len(r.answer), 0, "answer with BADVERS")


@case
def edns_two_opts_formerr():
    s = MAIN.get()
    pkt = header(id=0x2222, qd=1, ar=2) + question("www.t.test") + \
        opt_rr() + opt_rr()
    resp = s.raw_udp(pkt, timeout=2)
    check(resp is not None, "no answer to a query with two OPT records")
    id_, flags = struct.unpack("!HH", resp[:4])
    eq(id_, 0x2222, "id")
    eq(flags & 0xF, 1, "rcode (FORMERR)")
    check(flags & 0x8000, "QR not set")
    assert_alive(s, "two OPTs")


# ----------------------------------------------------------- malformed ---

def malformed_packets():
    rnd = random.Random(4242)
    q = raw_query("www.t.test", id=0x3333)
    cases = []
    for n in range(12):
        cases.append(("truncated header %d bytes" % n, q[:n]))
    cases.append(("question cut short", q[:len(q) - 3]))
    cases.append(("name cut short", q[:16]))
    cases.append(("qdcount=0", header(id=0x3333, qd=0)))
    cases.append(("qdcount=0 with data", header(id=0x3333, qd=0) +
                  question("www.t.test")))
    cases.append(("qdcount=2", header(id=0x3333, qd=2) +
                  question("www.t.test") + question("t.test")))
    cases.append(("qdcount=2, one question", header(id=0x3333, qd=2) +
                  question("www.t.test")))
    cases.append(("QR=1", header(id=0x3333, flags=0x8000) +
                  question("www.t.test")))
    cases.append(("QR=1 response-shaped", header(id=0x3333, flags=0x8400, an=1)
                  + question("www.t.test") + b"\xc0\x0c" +
                  struct.pack("!HHIH", 1, 1, 60, 4) + b"\x01\x02\x03\x04"))
    cases.append(("pointer to itself", header(id=0x3333) + b"\xc0\x0c" +
                  struct.pack("!HH", 1, 1)))
    cases.append(("pointer loop of two", header(id=0x3333) +
                  b"\x01a\xc0\x0e\xc0\x0c" + struct.pack("!HH", 1, 1)))
    cases.append(("forward pointer", header(id=0x3333) + b"\xc0\x20" +
                  struct.pack("!HH", 1, 1) + b"\x00" * 40))
    cases.append(("pointer past end", header(id=0x3333) + b"\xc3\xff" +
                  struct.pack("!HH", 1, 1)))
    cases.append(("label length 64 (bad type)", header(id=0x3333) + b"\x40" +
                  b"a" * 64 + b"\x00" + struct.pack("!HH", 1, 1)))
    cases.append(("label length 63 past end", header(id=0x3333) + b"\x3fabc"))
    cases.append(("extended label 0x80", header(id=0x3333) + b"\x80abc\x00" +
                  struct.pack("!HH", 1, 1)))
    long_name = (b"\x3f" + b"a" * 63) * 5 + b"\x00"   # 321 bytes > 255
    cases.append(("name longer than 255", header(id=0x3333) + long_name +
                  struct.pack("!HH", 1, 1)))
    cases.append(("arcount=5 without records", q[:2] + b"\x00\x00\x00\x01" +
                  b"\x00\x00\x00\x00\x00\x05" + q[12:]))
    cases.append(("ancount=1 garbage RR", header(id=0x3333, an=1) +
                  question("www.t.test") + b"\x00\x00\x01\x00\x01\x00\x00" +
                  b"\x00\x3c\xff\xff"))
    cases.append(("OPT with bad rdlen", header(id=0x3333, ar=1) +
                  question("www.t.test") + b"\x00\x00\x29\x04\xd0\x00\x00" +
                  b"\x00\x00\x00\x20"))
    cases.append(("OPT not at root", header(id=0x3333, ar=1) +
                  question("www.t.test") + b"\x01a\x00\x00\x29\x04\xd0\x00" +
                  b"\x00\x00\x00\x00\x00"))
    for i in range(60):
        n = rnd.randint(1, 600)
        cases.append(("random bytes #%d" % i,
                      bytes(rnd.getrandbits(8) for _ in range(n))))
    for i in range(40):
        b = bytearray(q)
        for _ in range(rnd.randint(1, 4)):
            b[rnd.randrange(len(b))] = rnd.getrandbits(8)
        cases.append(("mutated query #%d" % i, bytes(b)))
    return cases


def check_reply(name, pkt, resp):
    """A reply to a malformed packet must be a FORMERR for the same ID (or
    a valid answer if the mutation left a valid query)."""
    if resp is None:
        return
    check(len(resp) >= 12, "%s: reply shorter than a header" % name)
    check(len(pkt) >= 12, "%s: reply to a packet without a header" % name)
    id_, flags = struct.unpack("!HH", resp[:4])
    check(flags & 0x8000, "%s: reply without QR" % name)
    eq(id_, struct.unpack("!H", pkt[:2])[0], "%s: reply id" % name)
    qflags = struct.unpack("!H", pkt[2:4])[0]
    check(not (qflags & 0x8000), "%s: server replied to a response (QR=1)"
          % name)


def udp_batch(s, pkts, wait=0.4):
    """Send each packet from its own socket, then collect replies."""
    socks = []
    try:
        for _name, pkt in pkts:
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            socks.append(u)
            u.sendto(pkt, ("127.0.0.1", s.port))
        replies = [None] * len(pkts)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            rd, _, _ = select.select(socks, [], [],
                                     max(0.01, deadline - time.monotonic()))
            for u in rd:
                replies[socks.index(u)] = u.recv(65535)
        return replies
    finally:
        for u in socks:
            u.close()


@case
def malformed_udp():
    s = MAIN.get()
    strict = {"qdcount=0", "qdcount=2", "pointer to itself",
              "pointer loop of two", "name longer than 255",
              "label length 64 (bad type)", "qdcount=2, one question"}
    cases = malformed_packets()
    for i in range(0, len(cases), 20):
        group = cases[i:i + 20]
        for (name, pkt), resp in zip(group, udp_batch(s, group)):
            check_reply(name, pkt, resp)
            if resp is not None and name in strict:
                eq(struct.unpack("!H", resp[2:4])[0] & 0xF, 1,
                   "%s: rcode (FORMERR or no reply)" % name)
        if not s.alive():
            raise TestFailure("server died after one of %s: %s"
                              % ([n for n, _ in group], s.log_tail()))
    assert_alive(s, "malformed UDP packets")


@case
def malformed_tcp():
    s = MAIN.get()
    cases = malformed_packets()[::2] + [("zero length", b"")]
    for i in range(0, len(cases), 20):
        group = cases[i:i + 20]
        conns = []
        try:
            for _name, pkt in group:
                c = s.tcp_connect()
                conns.append(c)
                c.sendall(tcp_frame(pkt))
            bufs = tcp_collect(conns, 0.5)
            for (name, pkt), buf in zip(group, bufs):
                if len(buf) >= 2:
                    ln = struct.unpack("!H", buf[:2])[0]
                    check(len(buf) >= 2 + ln, "TCP '%s': partial reply" % name)
                    check_reply(name, pkt, buf[2:2 + ln])
        finally:
            for c in conns:
                c.close()
        if not s.alive():
            raise TestFailure("server died after TCP messages %s: %s"
                              % ([n for n, _ in group], s.log_tail()))
    r = s.query("www.t.test", "A", tcp=True)
    eq(rdatas(r.answer, "www.t.test", "A"), ["192.0.2.3"], "TCP answer after")
    assert_alive(s, "malformed TCP messages")


def tcp_collect(conns, wait):
    """Read from every connection until it closed, delivered one whole
    message, or wait seconds passed.  Returns the bytes read per conn."""
    bufs = [b""] * len(conns)
    done = [False] * len(conns)
    deadline = time.monotonic() + wait
    while not all(done) and time.monotonic() < deadline:
        live = [c for c, d in zip(conns, done) if not d]
        rd, _, _ = select.select(live, [], [],
                                 max(0.01, deadline - time.monotonic()))
        for c in rd:
            k = conns.index(c)
            try:
                data = c.recv(65535)
            except OSError:
                data = b""
            if not data:
                done[k] = True
            bufs[k] += data
            if len(bufs[k]) >= 2 and \
                    len(bufs[k]) >= 2 + struct.unpack("!H", bufs[k][:2])[0]:
                done[k] = True
    return bufs


# ---------------------------------------------------------------- IPv6 ---

@case
def ipv6_listener():
    s = server(v6=True)
    try:
        for tcp in (False, True):
            r = s.query("www.t.test", "A", v6=True, tcp=tcp)
            expect(r, aa=True)
            eq(rdatas(r.answer, "www.t.test", "A"), ["192.0.2.3"],
               "answer over ::1 %s" % ("TCP" if tcp else "UDP"))
        rc, out, p = dig(s, "+tcp", "t.test", "SOA", v6=True)
        eq(p["status"], "NOERROR", "dig over ::1")
        rc, out, p = kdig(s, "t.test", "SOA", v6=True)
        eq(p["status"], "NOERROR", "kdig over ::1")
    finally:
        s.stop()


@case
def tcp_pipeline_stress():
    """500 queries in one write (answers for the big RRset fill the
    server's output buffer); every answer arrives, in any order."""
    s = MAIN.get()
    sock = s.tcp_connect(timeout=5)
    try:
        n = 500
        names = ["www.t.test", "big.t.test", "medium.t.test", "nope.t.test"]
        types = [1, 16, 16, 1]
        blob = b"".join(tcp_frame(raw_query(names[i % 4], qtype=types[i % 4],
                                            id=i)) for i in range(n))
        sock.sendall(blob)
        seen = set()
        for _ in range(n):
            r = dns.message.from_wire(tcp_read_msg(sock, timeout=5))
            check(r.id not in seen, "duplicate answer id %d" % r.id)
            seen.add(r.id)
            k = r.id % 4
            want = {0: 1, 1: 40, 2: 20, 3: 0}[k]
            got = sum(len(rr) for rr in r.answer)
            eq(got, want, "answer RRs for id %d (%s)" % (r.id, names[k]))
        eq(len(seen), n, "answers received")
    finally:
        sock.close()


@case
def sighup_under_load():
    """Queries keep being answered correctly while the server reloads."""
    s = server()
    try:
        deadline = time.monotonic() + 3
        sent = bad = hups = 0
        last_hup = 0
        while time.monotonic() < deadline:
            if time.monotonic() - last_hup > 0.3:
                s.reload()
                hups += 1
                last_hup = time.monotonic()
            try:
                r = s.query("www.t.test", "A", timeout=1)
                sent += 1
                if rdatas(r.answer, "www.t.test", "A") != ["192.0.2.3"]:
                    bad += 1
            except Exception:
                bad += 1
        check(hups >= 5, "only %d reloads" % hups)
        eq(bad, 0, "queries lost or wrong during %d reloads (%d queries)"
           % (hups, sent))
        assert_alive(s, "reloads under load")
    finally:
        s.stop()


@case
def udp_burst():
    """Many queries in flight at once (exercises batched UDP I/O)."""
    s = MAIN.get()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        for i in range(200):
            sock.sendto(raw_query("www.t.test", id=i), ("127.0.0.1", s.port))
        got = set()
        sock.settimeout(1.0)
        deadline = time.monotonic() + 3
        while len(got) < 200 and time.monotonic() < deadline:
            try:
                r = dns.message.from_wire(sock.recv(4096))
            except socket.timeout:
                break
            got.add(r.id)
        check(len(got) >= 190, "only %d of 200 burst queries answered"
              % len(got))
    finally:
        sock.close()


if __name__ == "__main__":
    run()
