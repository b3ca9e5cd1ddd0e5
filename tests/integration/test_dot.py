#!/usr/bin/env python3
"""DNS over TLS upstreams (RFC 7858): --dns-upstream=tls:IP[:PORT]!NAME.

The upstream is a real unbound on loopback serving DNS over TLS only,
with a certificate for dot.test from a throw-away CA made with the
openssl CLI here; it answers every name under dot.test from local data
(no internet).  dnsvizor trusts the CA only through SSL_CERT_FILE.
"""
import os
import signal
import subprocess
import threading
import time

import dns.flags
import dns.message

from dvtest import (Server, TestFailure, case, check, eq, expect, free_port,
                    rcode, short, tmpdir, write)

ANSWER = "192.0.2.53"
_unbounds = []


def sh(argv):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=30)
    if p.returncode != 0:
        raise TestFailure("%s: %s" % (" ".join(argv),
                                      p.stdout.decode(errors="replace")))


class Pki:
    """A CA and a server certificate for dot.test signed by it."""

    def __init__(self):
        d = self.dir = tmpdir()
        self.ca = os.path.join(d, "ca.pem")
        self.key = os.path.join(d, "srv.key")
        self.pem = os.path.join(d, "srv.pem")
        cakey, csr = os.path.join(d, "ca.key"), os.path.join(d, "srv.csr")
        ext = write(os.path.join(d, "ext.cnf"),
                    "subjectAltName=DNS:dot.test\n"
                    "extendedKeyUsage=serverAuth\n"
                    "basicConstraints=CA:FALSE\n")
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
              "-nodes"]
        sh(["openssl", "req", "-x509"] + ec +
           ["-keyout", cakey, "-out", self.ca, "-days", "2",
            "-subj", "/CN=dnsvizor test CA"])
        sh(["openssl", "req"] + ec +
           ["-keyout", self.key, "-out", csr, "-subj", "/CN=dot.test"])
        sh(["openssl", "x509", "-req", "-in", csr, "-CA", self.ca,
            "-CAkey", cakey, "-CAcreateserial", "-out", self.pem,
            "-days", "2", "-extfile", ext])


_pki = []


def pki():
    if not _pki:
        _pki.append(Pki())
    return _pki[0]


class Unbound:
    """unbound serving DNS over TLS on 127.0.0.1@port (TLS only)."""

    def __init__(self, port=None, extra="", v6=False):
        self.dir = tmpdir()
        self.port = port or free_port(v6=v6)
        self.v6 = v6
        self.log = os.path.join(self.dir, "unbound.log")
        p = pki()
        self.conf = write(os.path.join(self.dir, "unbound.conf"), """
server:
    verbosity: 1
    interface: %(addr)s@%(port)d
    tls-port: %(port)d
    tls-service-key: "%(key)s"
    tls-service-pem: "%(pem)s"
    do-ip6: %(v6)s
    do-udp: yes
    do-daemonize: no
    chroot: ""
    username: ""
    directory: "%(dir)s"
    pidfile: "%(dir)s/unbound.pid"
    logfile: "%(log)s"
    use-syslog: no
    log-queries: yes
    module-config: "iterator"
    access-control: 127.0.0.0/8 allow
    access-control: ::1 allow
    local-zone: "dot.test." redirect
    local-data: "dot.test. 300 IN A %(ans)s"
%(extra)s
remote-control:
    control-enable: no
""" % dict(addr="::1" if v6 else "127.0.0.1", v6="yes" if v6 else "no",
           port=self.port, key=p.key, pem=p.pem, dir=self.dir,
           log=self.log, ans=ANSWER, extra=extra))
        self.proc = None
        self.start()

    def start(self):
        if os.path.exists(self.log):
            os.unlink(self.log)
        self.proc = subprocess.Popen(["unbound", "-d", "-c", self.conf],
                                     stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        _unbounds.append(self)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise TestFailure("unbound exited %s: %s" %
                                  (self.proc.returncode, self.text()))
            if "start of service" in self.text():
                return
            time.sleep(0.05)
        raise TestFailure("unbound did not start: " + self.text())

    def text(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def queries(self, name):
        """How many queries for name unbound logged (log-queries)."""
        return sum(1 for ln in self.text().splitlines()
                   if (" %s. a in" % name).lower() in ln.lower())

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.kill()


def dot_server(ub, name="dot.test", trust=True, extra=(), addr=None):
    """dnsvizor forwarding everything to ub over TLS.  trust: give it the
    test CA through SSL_CERT_FILE (else only the system store)."""
    saved = {k: os.environ.pop(k, None)
             for k in ("SSL_CERT_FILE", "SSL_CERT_DIR")}
    try:
        if trust:
            os.environ["SSL_CERT_FILE"] = pki().ca
        return Server(conf=["allow-loopback-upstream",
                            "state-dir=" + tmpdir(),
                            "dns-upstream=tls:%s:%d!%s" %
                            (addr or "127.0.0.1", ub.port, name)] +
                           list(extra))
    finally:
        os.environ.pop("SSL_CERT_FILE", None)
        for k, v in saved.items():
            if v is not None:
                os.environ[k] = v


def rd_query(s, name, timeout=8.0, tcp=False):
    q = dns.message.make_query(name, "A", use_edns=False)
    q.flags |= dns.flags.RD
    return s.send_msg(q, tcp=tcp, timeout=timeout)


def addrs(r):
    return sorted(rd.address for rr in r.answer for rd in rr
                  if rr.rdtype == 1)


def conns_to(port):
    """Local ports of established TCP connections to 127.0.0.1:port
    (from /proc/net/tcp: the client ends, whoever owns them)."""
    out = set()
    want = "0100007F:%04X" % port
    with open("/proc/net/tcp") as f:
        next(f)
        for ln in f:
            p = ln.split()
            if p[2] == want and p[3] == "01":
                out.add(int(p[1].split(":")[1], 16))
    return out


def wait_log(s, text, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in s.log():
            return
        time.sleep(0.05)
    raise TestFailure("log lacks %r: %s" % (text, s.log_tail()))


@case
def answer_over_tls():
    """tls:127.0.0.1:PORT!dot.test with the CA in SSL_CERT_FILE: the answer
    comes from unbound's local data, over TLS (unbound logs the query,
    and it has no plain-DNS port to be asked on)."""
    ub = Unbound()
    s = dot_server(ub)
    for tcp in (False, True):
        name = "www%d.dot.test" % tcp
        r = rd_query(s, name, tcp=tcp)
        expect(r, "NOERROR")
        eq(addrs(r), [ANSWER], "answer from the DoT upstream")
        check(r.flags & dns.flags.RA, "RA: " + short(r))
        eq(ub.queries(name), 1, "queries unbound saw for " + name)


@case
def answer_over_tls_ipv6():
    """tls:[::1]:PORT!dot.test: the same over IPv6."""
    ub = Unbound(v6=True)
    s = dot_server(ub, addr="[::1]")
    r = rd_query(s, "six.dot.test")
    expect(r, "NOERROR")
    eq(addrs(r), [ANSWER], "answer from the DoT upstream on ::1")
    eq(ub.queries("six.dot.test"), 1, "queries unbound saw")


@case
def wrong_name_servfail():
    """The certificate is for dot.test, we ask for other.test: the
    handshake fails, the answer is SERVFAIL, the failure is logged with
    the verify error, and unbound never sees the query."""
    ub = Unbound()
    s = dot_server(ub, name="other.test")
    r = rd_query(s, "wrong.dot.test")
    expect(r, "SERVFAIL")
    wait_log(s, "certificate verify failed")
    check("hostname mismatch" in s.log(), s.log_tail())
    time.sleep(0.3)
    eq(ub.queries("wrong.dot.test"), 0, "queries that reached unbound")
    check(s.alive(), "dnsvizor died")


@case
def untrusted_ca_servfail():
    """Without SSL_CERT_FILE the test CA is unknown: SERVFAIL, logged,
    and the query never reaches unbound."""
    ub = Unbound()
    s = dot_server(ub, trust=False)
    r = rd_query(s, "untrusted.dot.test")
    expect(r, "SERVFAIL")
    wait_log(s, "certificate verify failed")
    check("local issuer" in s.log() or "self-signed" in s.log() or
          "self signed" in s.log(), s.log_tail())
    eq(ub.queries("untrusted.dot.test"), 0, "queries that reached unbound")


@case
def one_connection_reused():
    """Queries one after another and several at once (pipelined) all go
    over the same TLS connection: one client port throughout."""
    ub = Unbound()
    s = dot_server(ub)
    seen = set()
    for i in range(5):
        r = rd_query(s, "seq%d.dot.test" % i)
        eq(addrs(r), [ANSWER], "sequential answer %d" % i)
        seen |= conns_to(ub.port)
    results = {}

    def ask(i):
        try:
            results[i] = addrs(rd_query(s, "par%d.dot.test" % i))
        except Exception as e:
            results[i] = repr(e)

    ths = [threading.Thread(target=ask, args=(i,)) for i in range(20)]
    for t in ths:
        t.start()
    for t in ths:
        t.join(15)
    for i in range(20):
        eq(results.get(i), [ANSWER], "parallel answer %d" % i)
    seen |= conns_to(ub.port)
    eq(len(seen), 1, "TLS connections to the upstream (client ports %s)"
       % sorted(seen))
    for i in range(20):
        eq(ub.queries("par%d.dot.test" % i), 1, "queries for par%d" % i)


@case
def upstream_killed_then_back():
    """unbound is killed: the next query is SERVFAIL within the deadline
    and dnsvizor lives on; unbound comes back on the same port: answers
    again (a new connection)."""
    ub = Unbound()
    s = dot_server(ub)
    eq(addrs(rd_query(s, "before.dot.test")), [ANSWER], "before the kill")
    ub.kill()
    t0 = time.monotonic()
    r = rd_query(s, "during.dot.test", timeout=14)
    expect(r, "SERVFAIL")
    check(time.monotonic() - t0 < 13, "SERVFAIL took %.1fs" %
          (time.monotonic() - t0))
    check(s.alive(), "dnsvizor died")
    wait_log(s, "connection failed: TCP connection refused")
    ub.start()
    deadline = time.monotonic() + 20
    got = None
    while time.monotonic() < deadline:
        r = rd_query(s, "after.dot.test", timeout=8)
        if rcode(r) == "NOERROR":
            got = addrs(r)
            break
        time.sleep(0.5)
    eq(got, [ANSWER], "answer after unbound is back")


@case
def idle_connection_closed():
    """RFC 7766 6.2.3: a connection with nothing to do is closed after
    about 10 s; the next query opens a new one and is answered."""
    ub = Unbound()
    s = dot_server(ub)
    eq(addrs(rd_query(s, "idle1.dot.test")), [ANSWER], "first answer")
    first = conns_to(ub.port)
    eq(len(first), 1, "connections after the first query")
    deadline = time.monotonic() + 20
    while conns_to(ub.port) and time.monotonic() < deadline:
        time.sleep(0.25)
    eq(conns_to(ub.port), set(), "connections after the idle time")
    eq(addrs(rd_query(s, "idle2.dot.test")), [ANSWER], "answer after idle")
    eq(len(conns_to(ub.port)), 1, "connections after the new query")


@case
def server_closes_idle_connection():
    """unbound closes idle TLS connections after 0.5 s (before we would):
    a later query does not fail on the dead connection but opens a new
    one."""
    ub = Unbound(extra="    tcp-idle-timeout: 500")
    s = dot_server(ub)
    for i in range(3):
        eq(addrs(rd_query(s, "again%d.dot.test" % i)), [ANSWER],
           "answer %d" % i)
        deadline = time.monotonic() + 5
        while conns_to(ub.port) and time.monotonic() < deadline:
            time.sleep(0.1)
        eq(conns_to(ub.port), set(), "connections after unbound's timeout")
        time.sleep(0.2)
    check("connection failed" not in s.log(), s.log_tail())


@case
def options_parse():
    """tls: forms are accepted (port 853 by default, [IPv6]:PORT, IP only);
    bad ones are refused with a clear reason."""
    def dv_test(*args):
        p = subprocess.run([os.environ.get("DNSVIZOR") or
                            os.path.join(os.path.dirname(__file__), "..",
                                         "..", "build", "dnsvizor"),
                            "--test", "--no-hosts"] + list(args),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=10)
        return p.returncode, p.stdout.decode("utf-8", "replace")
    for good in ("tls:192.0.2.1!dns.example", "tls:192.0.2.1:8853!d.example",
                 "tls:[2001:db8::1]:853!dns.example", "tls:2001:db8::1!x.y",
                 "tls:192.0.2.1"):
        rc, out = dv_test("--dns-upstream=" + good)
        eq(rc, 0, "%s: %s" % (good, out))
    for bad, why in (("tls:192.0.2.1!", "bad certificate name"),
                     ("tls:192.0.2.1!a b", "bad certificate name"),
                     ("udp:192.0.2.1!dns.example", "only for tls:"),
                     ("tls:192.0.2.1:99999!x.example", "bad upstream"),
                     ("tls:nohost!x.example", "bad upstream")):
        rc, out = dv_test("--dns-upstream=" + bad)
        check(rc != 0 and why in out, "%s: %s" % (bad, out))
    # checked when the resolver is built: a start that fails at once
    for second, why in (("tls:192.0.2.2!b.example", "different names"),
                        ("udp:192.0.2.2", "mixing")):
        s = Server(conf=["dns-upstream=tls:192.0.2.1!a.example",
                         "dns-upstream=" + second], wait=False)
        try:
            s.proc.wait(10)
        except subprocess.TimeoutExpired:
            raise TestFailure("started with %s: %s" % (second,
                                                       s.log_tail()))
        check(s.proc.returncode != 0 and why in s.log(),
              "%s: %s" % (second, s.log_tail()))


def _stop_unbounds():
    for u in _unbounds:
        try:
            u.stop()
        except Exception:
            pass


if __name__ == "__main__":
    import atexit
    from dvtest import run
    atexit.register(_stop_unbounds)
    run()
