#!/usr/bin/env python3
"""DNS over TLS (RFC 7858) and DNS over HTTPS (RFC 8484) listeners:
--dot-port, --doh-port, --tls-cert, --tls-key, reload on SIGHUP.

A throw-away CA and server certificates for dns.test and 127.0.0.1 are
made with the openssl CLI here.  Clients: kdig (+tls, +https), curl
(HTTP/2 and HTTP/1.1, GET and POST), dnspython's dns.query.tls, and raw
Python ssl sockets for pipelining, idle timeouts, ALPN, resumption and
the certificate serial seen after a reload.
"""
import base64
import warnings
import os
import re
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import time

import dns.message
import dns.query
import dns.rcode

from dvtest import (Server, TestFailure, case, check, closed_within, eq,
                    free_port, kdig, run, tmpdir, write)

NAME = "dns.test"
ZONE = """$TTL 300
example.test. IN SOA ns.example.test. host.example.test. 1 3600 600 86400 60
example.test. IN NS ns.example.test.
ns IN A 192.0.2.1
www 120 IN A 192.0.2.80
www 120 IN AAAA 2001:db8::80
multi 200 IN TXT "a"
multi 100 IN TXT "b"
"""
UP_ZONE = """$TTL 300
up.test. IN SOA ns.up.test. host.up.test. 1 3600 600 86400 60
up.test. IN NS ns.up.test.
ns IN A 192.0.2.2
far 90 IN A 198.51.100.7
"""


def sh(argv):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=30)
    if p.returncode != 0:
        raise TestFailure("%s: %s" % (" ".join(argv),
                                      p.stdout.decode(errors="replace")))
    return p.stdout.decode(errors="replace")


class Pki:
    """A CA and server certificates (serials 1001, 1002) for dns.test and
    127.0.0.1."""

    def __init__(self):
        d = self.dir = tmpdir()
        self.ca = os.path.join(d, "ca.pem")
        self.cakey = os.path.join(d, "ca.key")
        sh(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:P-256", "-nodes", "-keyout", self.cakey,
            "-out", self.ca, "-days", "2", "-subj", "/CN=dnsvizor test CA"])
        self.certs = {s: self.make(s) for s in (1001, 1002)}

    def make(self, serial):
        d = self.dir
        key = os.path.join(d, "srv%d.key" % serial)
        pem = os.path.join(d, "srv%d.pem" % serial)
        csr = os.path.join(d, "srv%d.csr" % serial)
        ext = write(os.path.join(d, "ext.cnf"),
                    "subjectAltName=DNS:%s,IP:127.0.0.1\n"
                    "extendedKeyUsage=serverAuth\n"
                    "basicConstraints=CA:FALSE\n" % NAME)
        sh(["openssl", "req", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", csr,
            "-subj", "/CN=" + NAME])
        sh(["openssl", "x509", "-req", "-in", csr, "-CA", self.ca, "-CAkey",
            self.cakey, "-set_serial", str(serial), "-out", pem, "-days", "2",
            "-extfile", ext])
        return pem, key


_pki = []


def pki():
    if not _pki:
        _pki.append(Pki())
    return _pki[0]


def tls_server(serial=1001, extra=(), conf=(), zones=None):
    """dnsvizor with DoT and DoH on free ports, cert+key copied to its dir
    (so a test can replace them)."""
    p = pki()
    d = tmpdir()
    pem, key = p.certs[serial]
    cert = shutil.copy(pem, os.path.join(d, "cert.pem"))
    keyf = shutil.copy(key, os.path.join(d, "cert.key"))
    dot, doh = free_port(), free_port()
    while doh == dot:
        doh = free_port()
    s = Server(conf=list(conf), zones=zones or {"example.test": ZONE},
               args=["--dot-port=%d" % dot, "--doh-port=%d" % doh,
                     "--tls-cert=" + cert, "--tls-key=" + keyf] + list(extra))
    s.dot, s.doh, s.cert, s.key = dot, doh, cert, keyf
    return s


def ctx(alpn=None):
    c = ssl.create_default_context(cafile=pki().ca)
    if alpn:
        c.set_alpn_protocols(alpn)
    return c


def tls_connect(port, alpn=None, session=None, c=None):
    raw = socket.create_connection(("127.0.0.1", port), timeout=3)
    c = c or ctx(alpn)
    return c.wrap_socket(raw, server_hostname=NAME, session=session)


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        d = s.recv(n - len(buf))
        if not d:
            raise TestFailure("connection closed after %d of %d bytes"
                              % (len(buf), n))
        buf += d
    return buf


def dot_exchange(s, msg):
    s.sendall(struct.pack("!H", len(msg)) + msg)
    ln = struct.unpack("!H", recv_exact(s, 2))[0]
    return recv_exact(s, ln)


def qwire(name, rdtype="A", qid=0):
    q = dns.message.make_query(name, rdtype, use_edns=False)
    q.id = qid
    return q.to_wire()


def udp_wire(s, name, rdtype="A", qid=0):
    return dns.query.udp(dns.message.from_wire(qwire(name, rdtype, qid)),
                         "127.0.0.1", port=s.port, timeout=2).to_wire()


def answers(wire):
    m = dns.message.from_wire(wire)
    return dns.rcode.to_text(m.rcode()), sorted(
        rr.to_text() for rrs in m.answer for rr in rrs)


def curl(*args):
    argv = ["curl", "-s", "--max-time", "5", "--cacert", pki().ca,
            "--resolve", "%s:%s:127.0.0.1" % (NAME, args[0])] + list(args[1:])
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=15)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


def doh_url(s, path="/dns-query"):
    return "https://%s:%d%s" % (NAME, s.doh, path)


def b64(wire):
    return base64.urlsafe_b64encode(wire).decode().rstrip("=")


def serial_of(sock):
    der = sock.getpeercert(binary_form=True)
    out = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout",
                          "-serial"], input=der, stdout=subprocess.PIPE,
                         timeout=10).stdout.decode()
    return int(out.strip().split("=")[1], 16)


# ------------------------------------------------------------- DoT ---

@case
def dot_kdig_same_as_udp():
    s = tls_server()
    for name, t in (("www.example.test", "A"), ("www.example.test", "AAAA"),
                    ("nope.example.test", "A"), ("multi.example.test", "TXT")):
        rc, out, r = kdig(s, "-p", str(s.dot), "+tls-ca=" + pki().ca,
                          "+tls-hostname=" + NAME, name, t)
        check(rc == 0 and "TLS session" in out, "kdig +tls: %s" % out)
        ud = dns.message.from_wire(udp_wire(s, name, t))
        eq(r["status"], dns.rcode.to_text(ud.rcode()), "rcode %s %s" % (name, t))
        eq(r["answer"], sum(len(x) for x in ud.answer), "answers %s" % name)
    rc, out, r = kdig(s, "-p", str(s.dot), "+tls-ca=" + pki().ca,
                      "+tls-hostname=" + NAME, "www.example.test", "A",
                      "+short")
    eq(out.strip(), "192.0.2.80", "kdig +tls +short")
    # a wrong name is refused by the client: the certificate is checked
    rc, out, r = kdig(s, "-p", str(s.dot), "+tls-ca=" + pki().ca,
                      "+tls-hostname=other.test", "www.example.test")
    check(r["status"] is None, "certificate for dns.test accepted as "
          "other.test: %s" % out)


@case
def dot_dnspython_and_wire_equal():
    s = tls_server()
    q = dns.message.from_wire(qwire("www.example.test", "A", 4242))
    r = dns.query.tls(q, "127.0.0.1", port=s.dot, timeout=3,
                      ssl_context=ctx(), server_hostname=NAME)
    eq(r.to_wire(), udp_wire(s, "www.example.test", "A", 4242),
       "DoT answer bytes vs UDP")


@case
def dot_pipelined_one_connection():
    s = tls_server()
    t = tls_connect(s.dot)
    try:
        n = 200
        names = ["www.example.test", "nope.example.test", "ns.example.test"]
        blob = b"".join(struct.pack("!H", len(w)) + w for w in
                        (qwire(names[i % 3], "A", i + 1) for i in range(n)))
        t.sendall(blob)
        got = {}
        for _ in range(n):
            ln = struct.unpack("!H", recv_exact(t, 2))[0]
            m = dns.message.from_wire(recv_exact(t, ln))
            got[m.id] = m
        eq(sorted(got), list(range(1, n + 1)), "answer ids")
        eq(answers(got[1].to_wire())[1][0].split()[-1], "192.0.2.80", "www")
        eq(got[2].rcode(), dns.rcode.NXDOMAIN, "nope")
        check(t.version() in ("TLSv1.2", "TLSv1.3"), t.version())
    finally:
        t.close()


@case
def dot_idle_timeout():
    s = tls_server(extra=["--tcp-idle-timeout=1"])
    t = tls_connect(s.dot)
    try:
        dot_exchange(t, qwire("www.example.test"))
        t0 = time.monotonic()
        check(closed_within(t, 4), "idle DoT connection not closed")
        check(time.monotonic() - t0 > 0.5, "closed before the idle timeout")
    finally:
        t.close()
    # a client that never handshakes is cut by the same timer
    raw = socket.create_connection(("127.0.0.1", s.dot), timeout=3)
    try:
        check(closed_within(raw, 4), "silent TCP client on the DoT port "
              "not closed")
    finally:
        raw.close()
    # three queries with one id in one write: three answers
    t = tls_connect(s.dot)
    try:
        w = qwire("www.example.test", "A", 7)
        t.sendall((struct.pack("!H", len(w)) + w) * 3)
        for _ in range(3):
            ln = struct.unpack("!H", recv_exact(t, 2))[0]
            eq(dns.message.from_wire(recv_exact(t, ln)).id, 7, "id")
    finally:
        t.close()


@case
def dot_connection_cap_evicts_oldest():
    s = tls_server(extra=["--tcp-max-connections=3"])
    socks = []
    try:
        for i in range(4):
            t = tls_connect(s.dot)
            dot_exchange(t, qwire("www.example.test", "A", i + 1))
            socks.append(t)
        check(closed_within(socks[0], 3), "oldest DoT connection kept "
              "beyond --tcp-max-connections")
        eq(dns.message.from_wire(dot_exchange(socks[3], qwire(
            "www.example.test", "A", 99))).id, 99, "newest still answers")
    finally:
        for t in socks:
            t.close()


@case
def tls_versions_alpn_resumption():
    s = tls_server()
    c = ctx(["h2", "http/1.1"])
    t = tls_connect(s.doh, c=c)
    eq(t.selected_alpn_protocol(), "h2", "DoH ALPN with h2 offered")
    t.close()
    t = tls_connect(s.doh, alpn=["http/1.1"])
    eq(t.selected_alpn_protocol(), "http/1.1", "DoH ALPN http/1.1")
    t.close()
    t = tls_connect(s.dot, alpn=["dot"])
    eq(t.selected_alpn_protocol(), "dot", "DoT ALPN dot")
    t.close()
    t = tls_connect(s.dot, alpn=["h2"])
    eq(t.selected_alpn_protocol(), None, "DoT with only h2 offered")
    t.close()
    # TLS 1.1 is refused by the server (the client allows it here)
    c11 = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    c11.load_verify_locations(pki().ca)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        c11.set_ciphers("ALL:@SECLEVEL=0")
        c11.minimum_version = ssl.TLSVersion.TLSv1
        c11.maximum_version = ssl.TLSVersion.TLSv1_1
    try:
        t = tls_connect(s.dot, c=c11)
        t.close()
        raise TestFailure("TLS 1.1 handshake accepted")
    except (ssl.SSLError, OSError):
        pass
    # resumption: the session from the first connection is reused
    c = ctx()
    t = tls_connect(s.dot, c=c)
    dot_exchange(t, qwire("www.example.test"))  # TLS 1.3 tickets arrive
    sess = t.session
    t.close()
    t = tls_connect(s.dot, c=c, session=sess)
    try:
        check(t.session_reused, "TLS session not resumed")
        dot_exchange(t, qwire("www.example.test"))
    finally:
        t.close()


# ------------------------------------------------------------- DoH ---

@case
def doh_curl_h2_h11_get_post():
    s = tls_server()
    q = qwire("www.example.test", "A", 0)
    qf = write(os.path.join(s.dir, "q.bin"), "")
    with open(qf, "wb") as f:
        f.write(q)
    want = udp_wire(s, "www.example.test", "A", 0)
    for ver, vname in (("--http2", "2"), ("--http1.1", "1.1")):
        for how in ("post", "get"):
            if how == "post":
                rc, body, err = curl(s.doh, ver, "-D", "-", "-o",
                                     os.path.join(s.dir, "r.bin"),
                                     "--data-binary", "@" + qf, "-H",
                                     "content-type: application/dns-message",
                                     doh_url(s))
            else:
                rc, body, err = curl(s.doh, ver, "-D", "-", "-o",
                                     os.path.join(s.dir, "r.bin"),
                                     doh_url(s, "/dns-query?dns=" + b64(q)))
            head = body.decode(errors="replace").lower()
            check(rc == 0, "curl %s %s: rc %d %s" % (ver, how, rc, err))
            check(head.startswith("http/%s 200" % vname),
                  "%s %s status: %s" % (ver, how, head[:80]))
            check("content-type: application/dns-message" in head,
                  "content type: %s" % head)
            check(re.search(r"cache-control: max-age=120\b", head),
                  "max-age (min TTL 120): %s" % head)
            with open(os.path.join(s.dir, "r.bin"), "rb") as f:
                eq(f.read(), want, "DoH %s %s answer vs UDP" % (ver, how))
    # negative answer: max-age from the SOA (TTL 300, MINIMUM 60)
    rc, body, err = curl(s.doh, "--http2", "-D", "-", "-o", "/dev/null",
                         doh_url(s, "/dns-query?dns=" +
                                 b64(qwire("nope.example.test"))))
    check(re.search(rb"cache-control: max-age=60\b", body.lower()),
          "negative max-age: %r" % body)
    # several TTLs: the smallest
    rc, body, err = curl(s.doh, "--http2", "-D", "-", "-o", "/dev/null",
                         doh_url(s, "/dns-query?dns=" +
                                 b64(qwire("multi.example.test", "TXT"))))
    check(re.search(rb"cache-control: max-age=100\b", body.lower()),
          "multi-TTL max-age: %r" % body)


@case
def doh_http11_expect_continue():
    """A client that sends 'Expect: 100-continue' (curl does, for big
    bodies) gets the interim 100 before it sends the body, then 200."""
    s = tls_server()
    w = qwire("www.example.test", "A", 9)
    t = tls_connect(s.doh, alpn=["http/1.1"])
    try:
        t.sendall(b"POST /dns-query HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Type: application/dns-message\r\n"
                  b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n"
                  % len(w))
        t.settimeout(2)
        got = t.recv(4096)
        check(got.startswith(b"HTTP/1.1 100 Continue\r\n\r\n"),
              "interim answer: %r" % got)
        t.sendall(w)
        head, body, _ = h11_read_response(t, got[25:])
        check(head.startswith("HTTP/1.1 200"), head)
        eq(dns.message.from_wire(body).id, 9, "answer id")
    finally:
        t.close()


@case
def doh_kdig_https():
    s = tls_server()
    for mode in ("+https", "+https-get"):
        rc, out, r = kdig(s, "-p", str(s.doh), mode, "+tls-ca=" + pki().ca,
                          "+tls-hostname=" + NAME, "www.example.test", "AAAA")
        # (the HTTP session line carries a "status: 200" of its own)
        m = re.search(r"opcode: QUERY; status: (\w+)", out)
        check(rc == 0 and m and m.group(1) == "NOERROR" and
              r["answer"] == 1, "kdig %s: %s" % (mode, out))
        check("HTTP/2" in out, "kdig %s not over HTTP/2: %s" % (mode, out))
        check("2001:db8::80" in out, "kdig %s answer: %s" % (mode, out))


@case
def doh_many_streams_one_connection():
    s = tls_server()
    urls = [doh_url(s, "/dns-query?dns=" + b64(qwire(
        "www.example.test" if i % 2 else "nope.example.test", "A", 0)))
        for i in range(40)]
    args = [s.doh, "--http2", "-w", "%{http_code} %{num_connects}\\n"]
    for u in urls:
        args += ["-o", "/dev/null", u]
    rc, out, err = curl(*args)
    lines = out.decode().split()
    check(rc == 0, "curl: %s" % err)
    eq(lines[0::2], ["200"] * 40, "statuses")
    check(sum(int(x) for x in lines[1::2]) == 1,
          "40 requests took %s connections" % lines[1::2])


@case
def doh_bad_requests():
    s = tls_server()
    q = qwire("www.example.test")
    qf = os.path.join(s.dir, "q.bin")
    with open(qf, "wb") as f:
        f.write(q)
    big = os.path.join(s.dir, "big.bin")
    with open(big, "wb") as f:
        f.write(b"\0" * 70000)
    ct = ["-H", "content-type: application/dns-message"]
    cases = [
        ("no dns param", 400, [doh_url(s, "/dns-query")]),
        ("bad base64url", 400, [doh_url(s, "/dns-query?dns=AA*A")]),
        ("short message", 400, [doh_url(s, "/dns-query?dns=AAAB")]),
        ("other path", 404, [doh_url(s, "/query?dns=" + b64(q))]),
        ("wrong ctype", 415, ["--data-binary", "@" + qf, "-H",
                              "content-type: text/plain", doh_url(s)]),
        ("PUT", 405, ["-X", "PUT", "--data-binary", "@" + qf] + ct +
         [doh_url(s)]),
        ("DELETE", 405, ["-X", "DELETE", doh_url(s)]),
        ("too large", 413, ["--data-binary", "@" + big] + ct + [doh_url(s)]),
    ]
    for ver in ("--http2", "--http1.1"):
        for what, want, a in cases:
            rc, out, err = curl(s.doh, ver, "-o", "/dev/null", "-w",
                                "%{http_code}", *a)
            eq(out.decode(), str(want), "%s %s" % (ver, what))
    # and the server still answers good requests afterwards
    rc, out, err = curl(s.doh, "--http2", "-o", "/dev/null", "-w",
                        "%{http_code}", doh_url(s, "/dns-query?dns=" + b64(q)))
    eq(out.decode(), "200", "after the bad ones")


def h11_read_response(t, buf=b""):
    while b"\r\n\r\n" not in buf:
        d = t.recv(4096)
        if not d:
            raise TestFailure("closed in the headers: %r" % buf)
        buf += d
    head, rest = buf.split(b"\r\n\r\n", 1)
    m = re.search(rb"content-length: *(\d+)", head.lower())
    n = int(m.group(1)) if m else 0
    while len(rest) < n:
        d = t.recv(4096)
        if not d:
            raise TestFailure("closed in the body")
        rest += d
    return head.decode(), rest[:n], rest[n:]


@case
def doh_http11_pipelining_and_close():
    s = tls_server()
    t = tls_connect(s.doh, alpn=["http/1.1"])
    try:
        reqs = b""
        for i, name in enumerate(("www.example.test", "nope.example.test",
                                  "ns.example.test")):
            w = qwire(name, "A", i + 1)
            if i == 1:
                reqs += (b"POST /dns-query HTTP/1.1\r\nHost: dns.test\r\n"
                         b"Content-Type: application/dns-message\r\n"
                         b"Content-Length: %d\r\n\r\n" % len(w)) + w
            else:
                reqs += (b"GET /dns-query?dns=%s HTTP/1.1\r\nHost: x\r\n"
                         b"%s\r\n" % (b64(w).encode(),
                                      b"Connection: close\r\n" if i == 2
                                      else b""))
        t.sendall(reqs)
        left = b""
        for i in range(3):
            head, body, left = h11_read_response(t, left)
            check(head.startswith("HTTP/1.1 200"), head)
            eq(dns.message.from_wire(body).id, i + 1, "response order")
        check(closed_within(t, 3), "not closed after Connection: close")
    finally:
        t.close()


@case
def doh_http2_garbage_and_limits():
    s = tls_server()
    # HTTP/2 preface then garbage: GOAWAY and close, no crash
    t = tls_connect(s.doh, alpn=["h2"])
    try:
        t.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\xff" * 64)
        check(closed_within(t, 3), "h2 garbage: connection kept")
    finally:
        t.close()
    # no ALPN h2, but the HTTP/2 preface: HTTP/2 it is (SETTINGS back)
    t = tls_connect(s.doh, alpn=["http/1.1"])
    try:
        t.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + h2_frame(4, 0, 0))
        t.settimeout(3)
        eq(h2_read_frame(t)[0], 4, "first frame type (SETTINGS)")
    finally:
        t.close()
    # HTTP/1.1 headers without end beyond the limit: 431 and close
    t = tls_connect(s.doh, alpn=["http/1.1"])
    try:
        t.sendall(b"GET /dns-query HTTP/1.1\r\n" +
                  b"X-A: " + b"a" * 9000 + b"\r\n")
        head, _, _ = h11_read_response(t)
        check(head.startswith("HTTP/1.1 431"), head)
    finally:
        t.close()
    rc, out, err = curl(s.doh, "--http2", "-o", "/dev/null", "-w",
                        "%{http_code}", "-H", "X-Big: " + "b" * 9000,
                        doh_url(s, "/dns-query?dns=" +
                                b64(qwire("www.example.test"))))
    check(out.decode() in ("431", "000"), "h2 big header: %r" % out)
    eq(udp_wire(s, "www.example.test")[:2], b"\0\0", "server alive")


@case
def doh_shutdown_with_open_streams():
    """SIGTERM while an HTTP/2 stream waits for its body: clean exit (the
    harness checks the exit code and the sanitizer logs)."""
    s = tls_server()
    t = tls_connect(s.doh, alpn=["h2"])
    try:
        # preface, empty SETTINGS, HEADERS (stream 1: GET https /, no
        # END_STREAM) with HPACK static indexes 2, 7, 4 and :authority x
        t.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" +
                  b"\0\0\0\x04\0\0\0\0\0" +
                  b"\0\0\x06\x01\x04\0\0\0\x01\x82\x87\x84\x41\x01x")
        t.settimeout(3)
        check(len(t.recv(4096)) > 0, "no SETTINGS from the server")
        time.sleep(0.2)
        rc, killed = s.stop()
        check(rc == 0 and not killed, "exit %s killed %s" % (rc, killed))
    finally:
        t.close()


def h2_frame(ftype, flags, sid, payload=b""):
    return (struct.pack("!I", len(payload))[1:] + bytes([ftype, flags]) +
            struct.pack("!I", sid) + payload)


def h2_read_frame(t):
    hd = recv_exact(t, 9)
    ln = struct.unpack("!I", b"\0" + hd[:3])[0]
    return hd[3], hd[4], struct.unpack("!I", hd[5:9])[0] & 0x7fffffff, \
        recv_exact(t, ln)


def hpack_lit(idx, value):
    """Literal header field without indexing, indexed name, no Huffman."""
    v = value.encode()
    return (bytes([idx]) if idx < 15 else bytes([0x0f, idx - 15])) + \
        bytes([len(v)]) + v


@case
def doh_http2_body_budget():
    """17 HTTP/2 POST streams each hold 62000 body bytes before any ends:
    the 1 MiB a connection may hold is passed by the 17th, which gets no
    answer body (413); the 16 others are answered (200 with a message)."""
    s = tls_server()
    t = tls_connect(s.doh, alpn=["h2"])
    body = qwire("www.example.test") + b"\0" * (62000 - len(qwire(
        "www.example.test")))
    hdrs = (b"\x83\x87" + hpack_lit(4, "/dns-query") + hpack_lit(1, "x") +
            hpack_lit(31, "application/dns-message"))
    window = 65535              # the server's connection window for us

    def pump():
        nonlocal window
        ft, fl, sid, pl = h2_read_frame(t)
        if ft == 4 and not fl & 1:              # SETTINGS: acknowledge
            t.sendall(h2_frame(4, 1, 0))
        elif ft == 8 and sid == 0:              # WINDOW_UPDATE
            window += struct.unpack("!I", pl)[0] & 0x7fffffff
        return ft, fl, sid, pl

    try:
        t.settimeout(5)
        t.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + h2_frame(4, 0, 0))
        sids = [2 * k + 1 for k in range(17)]
        for sid in sids:
            t.sendall(h2_frame(1, 4, sid, hdrs))
            off = 0
            while off < len(body):
                n = min(16384, len(body) - off)
                while window < n:
                    pump()
                t.sendall(h2_frame(0, 0, sid, body[off:off + n]))
                window -= n
                off += n
        for sid in sids:
            t.sendall(h2_frame(0, 1, sid))      # END_STREAM
        ended, data = set(), {}
        while len(ended) < len(sids):
            ft, fl, sid, pl = pump()
            if ft == 0:
                data[sid] = data.get(sid, 0) + len(pl)
            if (ft in (0, 1) and fl & 1) or ft == 3:
                ended.add(sid)
            check(ft != 7, "GOAWAY: %r" % pl)
        eq(sorted(k for k in sids if data.get(k)), sids[:16],
           "streams answered with a body")
    finally:
        t.close()


# ------------------------------------------------- resolver pass-through ---

@case
def resolver_passthrough_dot_doh():
    up = Server(zones={"up.test": UP_ZONE})
    s = tls_server(conf=["no-resolv", "allow-loopback-upstream",
                         "server=127.0.0.1#%d" % up.port,
                         "state-dir=" + tmpdir()])
    want = answers(udp_wire(s, "far.up.test", "A", 5))
    eq(want[1][0].split()[-1], "198.51.100.7", "UDP via the upstream")
    for i in range(3):
        t = tls_connect(s.dot)
        try:
            eq(answers(dot_exchange(t, qwire("far.up.test", "A", 5))), want,
               "DoT via the resolver")
        finally:
            t.close()
    # a name not cached yet goes to the upstream while the client waits
    for ver in ("--http2", "--http1.1"):
        name = "nx%s.up.test" % ver.strip("-").replace(".", "")
        rc, out, err = curl(s.doh, ver, "-o", os.path.join(s.dir, "r.bin"),
                            "-w", "%{http_code}",
                            doh_url(s, "/dns-query?dns=" + b64(qwire(name))))
        eq(out.decode(), "200", "%s %s" % (ver, err))
        with open(os.path.join(s.dir, "r.bin"), "rb") as f:
            eq(dns.message.from_wire(f.read()).rcode(), dns.rcode.NXDOMAIN,
               "upstream NXDOMAIN over DoH")


# ---------------------------------------------------- certificates ---

def wait_log(s, pattern, count, timeout=5):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if s.log().count(pattern) >= count:
            return
        time.sleep(0.05)
    raise TestFailure("no %d x %r in the log: %s" % (count, pattern,
                                                     s.log_tail()))


@case
def cert_reload_keeps_open_connections():
    s = tls_server(serial=1001)
    old = tls_connect(s.dot)
    old_doh = tls_connect(s.doh, alpn=["http/1.1"])
    try:
        eq(serial_of(old), 1001, "first certificate")
        dot_exchange(old, qwire("www.example.test"))
        pem, key = pki().certs[1002]
        shutil.copy(pem, s.cert)
        shutil.copy(key, s.key)
        s.reload()
        wait_log(s, "certificate %s loaded" % s.cert, 2)
        new = tls_connect(s.dot)
        try:
            eq(serial_of(new), 1002, "certificate after SIGHUP")
        finally:
            new.close()
        new = tls_connect(s.doh)
        try:
            eq(serial_of(new), 1002, "DoH certificate after SIGHUP")
        finally:
            new.close()
        # the connections opened before still work
        eq(answers(dot_exchange(old, qwire("www.example.test")))[1][0]
           .split()[-1], "192.0.2.80", "old DoT connection after reload")
        old_doh.sendall(b"GET /dns-query?dns=%s HTTP/1.1\r\nHost: x\r\n\r\n"
                        % b64(qwire("www.example.test")).encode())
        head, body, _ = h11_read_response(old_doh)
        check(head.startswith("HTTP/1.1 200"), head)
        # a broken file: the running certificate stays
        write(s.key, "not a key\n")
        s.reload()
        wait_log(s, "keeping the running certificate", 1)
        new = tls_connect(s.dot)
        try:
            eq(serial_of(new), 1002, "certificate after a failed reload")
        finally:
            new.close()
    finally:
        old.close()
        old_doh.close()


@case
def no_certificate_stops_startup():
    port = free_port()
    for extra, want in ((["--dot-port=%d" % free_port()], "--tls-cert"),
                        (["--doh-port=%d" % free_port()], "--tls-cert"),
                        (["--dot-port=%d" % free_port(), "--tls-cert=/nonexistent.pem"],
                         "cannot load certificate"),
                        (["--dot-port=%d" % free_port(), "--tls-cert=" +
                          pki().certs[1001][0], "--tls-key=" +
                          pki().certs[1002][1]], "cannot load key")):
        for test in ([], ["--test"]):
            p = subprocess.run(
                [os.environ.get("DNSVIZOR") or os.path.join(
                    os.path.dirname(__file__), "..", "..", "build",
                    "dnsvizor"), "--no-hosts", "--no-recursion",
                 "--listen-address=127.0.0.1", "--port=%d" % port,
                 "--state-dir=" + tmpdir()] + extra + test,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=10)
            out = p.stdout.decode(errors="replace")
            check(p.returncode != 0, "%s %s: started: %s" % (extra, test, out))
            check(want in out, "%s %s: message %r" % (extra, test, out))


run()
