#!/usr/bin/python3
"""lego's rfc2136 DNS provider against a dnsvizor zone (issue 3).

This is how ACME clients use dnsvizor: lego publishes its DNS-01 challenge
(a TXT record at _acme-challenge.NAME) with a TSIG-signed RFC 2136 UPDATE,
the ACME server checks it, lego removes it with another UPDATE.

The ACME server is a local pebble (Debian package) on loopback with a
throw-away certificate made here with openssl.  pebble really validates
the challenge: its -dnsserver is dnsvizor, so an order only becomes valid
if dnsvizor served the TXT record that lego published.  lego runs with
--dns.disable-cp because its own propagation check asks the zone's NS hosts
on port 53, which a test on loopback ports cannot offer; pebble's check
replaces it.  A watcher polls dnsvizor for the TXT record while lego runs
(it must appear), and afterwards it must be gone, the SOA serial must have
moved, and a restart from the same --state-dir must serve the same state.

Every step has a timeout; pebble, lego and dnsvizor are stopped at the end
(even on failure) and the temp dirs removed.
"""
import base64
import os
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dvtest  # noqa: E402
from dvtest import (case, check, eq, rcode, rdatas, run,  # noqa: E402
                    tmpdir, Server, TestFailure)

from pebblepeer import Pebble, stop_procs  # noqa: E402

import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.rdatatype  # noqa: E402

ZONE = "example.com."
DOMAIN = "test.example.com"
CHALLENGE = "_acme-challenge." + DOMAIN + "."
KEYNAME = "lego-key.example.com."
SECRET = base64.b64encode(bytes(range(1, 33))).decode()

ZONE_TEXT = """$ORIGIN example.com.
$TTL 300
@    IN SOA ns1 hostmaster 100 3600 900 604800 60
@    IN NS  ns1
ns1  IN A   127.0.0.1
test IN A   127.0.0.1
"""

LEGO_TIMEOUT = 45      # seconds for one `lego run` (usually 2-12 s: lego
                       # polls pebble's challenge status every 5 s)

# a case runs lego up to twice: more than dvtest's default per-case budget
dvtest.CASE_TIMEOUT = 2 * LEGO_TIMEOUT + 30

def start_pebble(d, dns_port):
    """pebble (tests/integration/pebblepeer.py): its directory URL and the
    certificate lego must trust (LEGO_CA_CERTIFICATES)."""
    p = Pebble(d, dns_port)
    return p.url, p.cert


def txt(server, name=CHALLENGE, timeout=1.0):
    """(rcode, [TXT rdata texts]) of name at the server."""
    q = dns.message.make_query(name, "TXT")
    r = dns.query.udp(q, "127.0.0.1", port=server.port, timeout=timeout)
    return rcode(r), rdatas(r.answer, name, "TXT")


def soa_serial(server):
    q = dns.message.make_query(ZONE, "SOA")
    r = dns.query.udp(q, "127.0.0.1", port=server.port, timeout=2)
    eq(rcode(r), "NOERROR", "SOA query")
    for rr in r.answer:
        if rr.rdtype == dns.rdatatype.SOA:
            return rr[0].serial
    raise TestFailure("no SOA in the answer: %s" % r)


class Watcher(threading.Thread):
    """Polls the challenge TXT record every 20 ms until stopped; keeps the
    distinct values seen."""

    def __init__(self, server):
        super().__init__(daemon=True)
        self.server = server
        self.seen = set()
        self.polls = 0
        self.errors = 0
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set():
            try:
                _, vals = txt(self.server, timeout=0.5)
                self.seen.update(vals)
                self.polls += 1
            except Exception:
                self.errors += 1
            self.halt.wait(0.02)

    def stop(self):
        self.halt.set()
        self.join(5)


def dv_args(state):
    return ["--state-dir=" + state,
            "--dns-key=%s:SHA256:%s" % (KEYNAME, SECRET),
            "--allow-update=%s,%s" % (ZONE, KEYNAME)]


def run_lego(d, url, cert, dns_port, domains, action=("run",)):
    env = dict(os.environ,
               LEGO_CA_CERTIFICATES=cert,
               RFC2136_NAMESERVER="127.0.0.1:%d" % dns_port,
               RFC2136_TSIG_KEY=KEYNAME,
               RFC2136_TSIG_SECRET=SECRET,
               RFC2136_TSIG_ALGORITHM="hmac-sha256.",
               RFC2136_TTL="60",
               RFC2136_PROPAGATION_TIMEOUT="20",
               RFC2136_POLLING_INTERVAL="1",
               RFC2136_SEQUENCE_INTERVAL="1",
               RFC2136_DNS_TIMEOUT="5")
    argv = ["lego", "--server", url, "--accept-tos",
            "--email", "hostmaster@example.com", "--path",
            os.path.join(d, "lego"), "--key-type", "ec256",
            "--dns", "rfc2136", "--dns.disable-cp",
            "--dns.resolvers", "127.0.0.1:%d" % dns_port,
            "--dns-timeout", "5"]
    for dom in domains:
        argv += ["--domains", dom]
    argv += list(action)
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           env=env, timeout=LEGO_TIMEOUT, cwd=d)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace")
        raise TestFailure("lego did not finish within %ds:\n%s"
                          % (LEGO_TIMEOUT, out[-1500:]))
    return p.returncode, p.stdout.decode("utf-8", "replace")


@case
def lego_rfc2136_publishes_and_removes_challenge():
    d = tmpdir()
    state = os.path.join(d, "state")
    os.mkdir(state)
    try:
        s = Server(zones={ZONE: ZONE_TEXT}, args=dv_args(state))
        eq(txt(s), ("NXDOMAIN", []), "challenge before lego")
        serial0 = soa_serial(s)
        url, cert = start_pebble(d, s.port)
        w = Watcher(s)
        w.start()
        try:
            rc, out = run_lego(d, url, cert, s.port, [DOMAIN])
        finally:
            w.stop()
        check(rc == 0, "lego exited %d:\n%s\ndnsvizor %s" % (rc, out[-1500:],
                                                         s.log_tail()))
        crt = os.path.join(d, "lego", "certificates", DOMAIN + ".crt")
        check(os.path.getsize(crt) > 0, "lego wrote no certificate")
        check(w.polls > 10, "watcher made only %d polls (%d errors)"
              % (w.polls, w.errors))
        # lego's TXT value: base64url SHA-256 of the key authorization,
        # 43 characters, served by dnsvizor while lego waited for pebble
        vals = [v.strip('"') for v in w.seen]
        check(len(vals) >= 1 and all(len(v) == 43 for v in vals),
              "challenge TXT never seen while lego ran (seen %r)" % vals)
        # and removed again by lego's cleanup
        eq(txt(s), ("NXDOMAIN", []), "challenge after lego")
        serial1 = soa_serial(s)
        check(serial1 - serial0 >= 2,
              "SOA serial %d -> %d: want at least two changes"
              % (serial0, serial1))
        # the acknowledged updates are durable: a restart from the same
        # state dir serves the same serial and still no challenge record
        s.stop()
        s2 = Server(zones={ZONE: ZONE_TEXT}, args=dv_args(state))
        eq(soa_serial(s2), serial1, "SOA serial after restart")
        eq(txt(s2), ("NXDOMAIN", []), "challenge after restart")
        eq(rdatas(s2.query(DOMAIN + ".", "A").answer, DOMAIN + ".", "A"),
           ["127.0.0.1"], "zone data after restart")
    finally:
        stop_procs()


@case
def lego_rfc2136_two_names_and_renew():
    """Two names in one order (two TXT records published together), then
    `lego renew` for the same names: every challenge is removed again."""
    d = tmpdir()
    state = os.path.join(d, "state")
    os.mkdir(state)
    names = [DOMAIN, "www.example.com"]
    try:
        s = Server(zones={ZONE: ZONE_TEXT}, args=dv_args(state))
        url, cert = start_pebble(d, s.port)
        serial0 = soa_serial(s)
        rc, out = run_lego(d, url, cert, s.port, names)
        check(rc == 0, "lego run exited %d:\n%s\ndnsvizor %s"
              % (rc, out[-1500:], s.log_tail()))
        rc, out = run_lego(d, url, cert, s.port, names,
                           action=("renew", "--days", "100000",
                                   "--no-random-sleep"))
        check(rc == 0, "lego renew exited %d:\n%s" % (rc, out[-1500:]))
        check("Server responded with a certificate" in out,
              "lego renew did not get a new certificate:\n%s" % out[-1500:])
        for n in names:
            eq(txt(s, "_acme-challenge.%s." % n), ("NXDOMAIN", []),
               "challenge of %s after lego" % n)
        check(soa_serial(s) - serial0 >= 4, "SOA serial moved by less "
              "than 4 for two names")
    finally:
        stop_procs()


try:
    run()
finally:
    stop_procs()
