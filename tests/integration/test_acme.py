#!/usr/bin/python3
"""dnsvizor as an ACME DNS-01 client (issue 6) against a local pebble.

pebble (Debian package) runs on loopback with a throw-away HTTPS
certificate made here (dnsvizor trusts it through --acme-ca-file) and
-dnsserver pointing at dnsvizor, so a challenge only validates when
dnsvizor really served the TXT record it published in its own zone.
PEBBLE_VA_ALWAYS_VALID is unset.  Issued chains are verified with openssl
against pebble's root from its management port (/roots/0).

Cases: a certificate for a name in our zone (files, modes, chain, the TXT
seen while ordering and removed afterwards), a wildcard plus apex,
renewal on restart (--acme-renew-now: a new serial), a name outside our
zones (a clear error, retried, no crash), kill -9 in the middle of an
order (the restart finishes it), no --acme-agree-tos (a clear message),
a zone another server is primary for (--dns-server: a TSIG-signed
UPDATE, the TXT checked at the primary and the zone's name servers; a
wrong key is reported as NOTAUTH), waiting until our secondaries serve
the new serial (also one that starts late), and the robur TLSA flow (a
CSR in TLSA 3 255 0 added by a TSIG-signed nsupdate comes back as TLSA
3 0 0 with the issued certificate and 2 0 0 with its CA).
"""
import base64
import os
import re
import socket
import random
import signal
import ssl
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dvtest  # noqa: E402
from dvtest import (case, check, eq, free_port, rcode, run,  # noqa: E402
                    tmpdir, write, Server, TestFailure)

from pebblepeer import Pebble, openssl, stop_procs  # noqa: E402

import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.rdatatype  # noqa: E402

ZONE = "acme.test."
ZONE_TEXT = """$ORIGIN acme.test.
$TTL 300
@    IN SOA ns1 hostmaster 100 3600 900 604800 60
@    IN NS  ns1
ns1  IN A   127.0.0.1
www  IN A   127.0.0.1
"""
KEYNAME = "x._update.acme.test."
SECRET = base64.b64encode(bytes(range(7, 39))).decode()

ISSUE_TIMEOUT = 40     # seconds from start to an installed certificate

RETRY_MIN = 60         # the engine's first retry after a failed order
dvtest.CASE_TIMEOUT = 2 * ISSUE_TIMEOUT + RETRY_MIN + 20

def acme_args(state, peb, *certs, tos=True, extra=()):
    a = ["--state-dir=" + state, "--acme-directory=" + peb.url,
         "--acme-ca-file=" + peb.cert, "--acme-email=hostmaster@acme.test",
         "--dns-key=%s:SHA256:%s" % (KEYNAME, SECRET)]
    if tos:
        a.append("--acme-agree-tos")
    a += ["--acme-cert=" + c for c in certs]
    return a + list(extra)


def setup():
    """(dir, state dir, dnsvizor port, pebble)."""
    d = tmpdir()
    state = os.path.join(d, "state")
    os.mkdir(state)
    port = free_port()
    return d, state, port, Pebble(d, port)


def txt(port, name, timeout=0.5):
    q = dns.message.make_query(name, "TXT")
    r = dns.query.udp(q, "127.0.0.1", port=port, timeout=timeout)
    vals = []
    for rr in r.answer:
        if rr.rdtype == dns.rdatatype.TXT:
            vals += [b"".join(x.strings).decode() for x in rr]
    return rcode(r), vals


class Watcher(threading.Thread):
    """Polls a TXT name every 20 ms; keeps the values seen."""

    def __init__(self, port, name):
        super().__init__(daemon=True)
        self.port, self.name = port, name
        self.seen = set()
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set():
            try:
                self.seen.update(txt(self.port, self.name)[1])
            except Exception:
                pass
            self.halt.wait(0.02)

    def stop(self):
        self.halt.set()
        self.join(5)


def wait_file(path, server, timeout=ISSUE_TIMEOUT, newer=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        check(server.alive(), "dnsvizor died: %s" % server.log_tail(1500))
        try:
            st = os.stat(path)
            if newer is None or st.st_mtime_ns != newer:
                time.sleep(0.2)   # written atomically; settle the log
                return
        except FileNotFoundError:
            pass
        time.sleep(0.2)
    raise TestFailure("%s not written within %ds: %s"
                      % (path, timeout, server.log_tail(1500)))


def verify_chain(peb, crt):
    """openssl verify of the leaf against pebble's root with the rest of
    the file as untrusted intermediates."""
    pem = open(crt).read()
    parts = ["-----BEGIN CERTIFICATE-----" + p for p in
             pem.split("-----BEGIN CERTIFICATE-----")[1:]]
    check(len(parts) >= 2, "chain has %d certificates" % len(parts))
    d = os.path.dirname(crt)
    leaf = write(os.path.join(d, "leaf.tmp"), parts[0])
    inter = write(os.path.join(d, "inter.tmp"), "".join(parts[1:]))
    rc, out = openssl("verify", "-CAfile", peb.root, "-untrusted", inter,
                      leaf)
    os.unlink(leaf)
    os.unlink(inter)
    check(rc == 0 and "OK" in out, "chain does not verify: %s" % out)


def cert_text(crt):
    rc, out = openssl("x509", "-in", crt, "-noout", "-text")
    check(rc == 0, "openssl x509: %s" % out[-300:])
    return out


def serial(crt):
    rc, out = openssl("x509", "-in", crt, "-noout", "-serial")
    check(rc == 0, out)
    return out.strip()


def mode(path):
    return os.stat(path).st_mode & 0o777


@case
def certificate_for_a_name_in_our_zone():
    d, state, port, peb = setup()
    w = Watcher(port, "_acme-challenge.www.acme.test.")
    w.start()
    try:
        s = Server(zones={ZONE: ZONE_TEXT}, port=port,
                   args=acme_args(state, peb, "www.acme.test"))
        crt = os.path.join(state, "certs", "www.acme.test.crt")
        key = os.path.join(state, "certs", "www.acme.test.key")
        wait_file(crt, s)
    finally:
        w.stop()
    verify_chain(peb, crt)
    text = cert_text(crt)
    check("DNS:www.acme.test" in text, "no SAN www.acme.test: %s"
          % text[:600])
    eq(mode(key), 0o600, "certificate key mode")
    eq(mode(os.path.join(state, "acme", "account.key")), 0o600,
       "account key mode")
    check(os.path.getsize(os.path.join(state, "acme", "account.url")) > 0,
          "no account URL stored")
    # the key file holds the certificate's key
    rc1, p1 = openssl("x509", "-in", crt, "-noout", "-pubkey")
    rc2, p2 = openssl("pkey", "-in", key, "-pubout")
    check(rc1 == 0 and rc2 == 0 and p1 == p2, "key does not match")
    # published through the zone (pebble validates within milliseconds,
    # so the 20 ms watcher may miss it: the log line is the record)
    pub = re.findall(r"acme: _acme-challenge\.www\.acme\.test\S* TXT "
                     r"(\S+) published", s.log())
    check(len(pub) >= 1 and all(len(v) == 43 for v in pub),
          "no 43-character challenge TXT published (log %r, watcher saw "
          "%r)" % (pub, sorted(w.seen)))
    check(all(v in s.log().split("TXT %s removed" % v)[0] for v in pub) and
          all(("TXT %s removed" % v) in s.log() for v in pub),
          "published TXT not removed: " + s.log_tail(1500))
    # removed after the order
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and txt(port, "_acme-challenge.www."
                                                    "acme.test.")[1]:
        time.sleep(0.2)
    eq(txt(port, "_acme-challenge.www.acme.test."), ("NXDOMAIN", []),
       "challenge after the order")
    check("installed" in s.log(), "no install line: %s" % s.log_tail())


@case
def wildcard_and_apex():
    d, state, port, peb = setup()
    s = Server(zones={ZONE: ZONE_TEXT}, port=port,
               args=acme_args(state, peb, "*.acme.test,acme.test"))
    crt = os.path.join(state, "certs", "_.acme.test.crt")
    wait_file(crt, s)
    verify_chain(peb, crt)
    text = cert_text(crt)
    check("DNS:*.acme.test" in text and "DNS:acme.test" in text,
          "SANs: %s" % text[:800])
    eq(mode(os.path.join(state, "certs", "_.acme.test.key")), 0o600,
       "key mode")


@case
def sighup_during_an_order():
    """A reload while the order runs restarts the engine from its saved
    state: the certificate still arrives, nothing crashes."""
    d, state, port, peb = setup()
    s = Server(zones={ZONE: ZONE_TEXT}, port=port,
               args=acme_args(state, peb, "www.acme.test"))
    deadline = time.monotonic() + ISSUE_TIMEOUT
    while time.monotonic() < deadline and "my-order/" not in s.log():
        time.sleep(0.01)
    s.signal(signal.SIGHUP)
    crt = os.path.join(state, "certs", "www.acme.test.crt")
    wait_file(crt, s, timeout=ISSUE_TIMEOUT + RETRY_MIN)
    verify_chain(peb, crt)
    check("reloaded" in s.log(), "no reload: %s" % s.log_tail())


@case
def renewal_on_restart_gets_a_new_certificate():
    d, state, port, peb = setup()
    args = acme_args(state, peb, "www.acme.test")
    s = Server(zones={ZONE: ZONE_TEXT}, port=port, args=args)
    crt = os.path.join(state, "certs", "www.acme.test.crt")
    wait_file(crt, s)
    first = serial(crt)
    mtime = os.stat(crt).st_mtime_ns
    s.stop()
    # without --acme-renew-now a restart keeps the fresh certificate
    s2 = Server(zones={ZONE: ZONE_TEXT}, port=port, args=args)
    time.sleep(3)
    eq(serial(crt), first, "certificate after a plain restart")
    s2.stop()
    s3 = Server(zones={ZONE: ZONE_TEXT}, port=port,
                args=args + ["--acme-renew-now"])
    wait_file(crt, s3, newer=mtime)
    check(serial(crt) != first, "renewal kept serial %s" % first)
    verify_chain(peb, crt)
    # the account was reused: no second key
    check("new account key" not in s3.log(), "account key regenerated")


@case
def name_outside_our_zones_fails_clearly():
    d, state, port, peb = setup()
    s = Server(zones={ZONE: ZONE_TEXT}, port=port,
               args=acme_args(state, peb, "www.elsewhere.test"))
    deadline = time.monotonic() + ISSUE_TIMEOUT
    while time.monotonic() < deadline and "retrying" not in s.log():
        check(s.alive(), "died: %s" % s.log_tail())
        time.sleep(0.2)
    log = s.log()
    check("not in a zone this server is primary for" in log,
          "no clear reason: %s" % s.log_tail(1500))
    check("retrying in" in log, "no retry: %s" % s.log_tail(1500))
    check(not os.path.exists(os.path.join(state, "certs",
                                          "www.elsewhere.test.crt")),
          "a certificate appeared")
    time.sleep(1)
    check(s.alive(), "dnsvizor died")
    r = s.query("www.acme.test.", "A")
    eq(rcode(r), "NOERROR", "still answering")


@case
def untrusted_ca_certificate_is_refused():
    """--acme-ca-file without the CA's HTTPS issuer: the TLS handshake
    fails verification, nothing is sent, the failure is logged."""
    d, state, port, peb = setup()
    args = acme_args(state, peb, "www.acme.test")
    args = [a for a in args if not a.startswith("--acme-ca-file=")]
    args.append("--acme-ca-file=" + peb.root)   # not pebble's HTTPS cert
    s = Server(zones={ZONE: ZONE_TEXT}, port=port, args=args)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and "retrying" not in s.log():
        time.sleep(0.2)
    log = s.log()
    check("not trusted" in log, "no verification failure: %s"
          % s.log_tail(1500))
    check("no response from the CA" in log or "retrying" in log,
          "no failure reported: %s" % s.log_tail(1500))
    check(not os.path.exists(os.path.join(state, "acme", "account.url")),
          "an account was created over an unverified connection")


@case
def kill_during_order_then_restart_finishes():
    d, state, port, peb = setup()
    args = acme_args(state, peb, "www.acme.test")
    s = Server(zones={ZONE: ZONE_TEXT}, port=port, args=args)
    # kill as soon as the order in flight is saved
    sj = os.path.join(state, "acme", "state.json")

    def saved():
        try:
            return "my-order/" in open(sj).read()
        except OSError:
            return False
    deadline = time.monotonic() + ISSUE_TIMEOUT
    while time.monotonic() < deadline and not saved():
        time.sleep(0.005)
    s.proc.kill()
    s.proc.wait(5)
    s.checked = True
    check(saved(), "the order in flight was not saved: %s" % s.log_tail())
    crt = os.path.join(state, "certs", "www.acme.test.crt")
    check(not os.path.exists(crt), "killed too late: already issued")
    s2 = Server(zones={ZONE: ZONE_TEXT}, port=port, args=args)
    # the restart resumes that order; if pebble already tried the
    # challenge against the killed process, the authorization is invalid
    # and the engine starts a new order after its first retry delay
    wait_file(crt, s2, timeout=ISSUE_TIMEOUT + RETRY_MIN)
    verify_chain(peb, crt)


@case
def without_agree_tos_a_clear_message():
    d, state, port, peb = setup()
    s = Server(zones={ZONE: ZONE_TEXT}, port=port,
               args=acme_args(state, peb, "www.acme.test", tos=False))
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and "retrying" not in s.log():
        time.sleep(0.2)
    log = s.log()
    check("--acme-agree-tos" in log, "no hint: %s" % s.log_tail(1500))
    check("retrying" in log, "no failure reported: %s" % s.log_tail(1500))
    check(not os.path.exists(os.path.join(state, "certs",
                                          "www.acme.test.crt")),
          "a certificate without agreeing to the terms")


def tlsa(port, name):
    q = dns.message.make_query(name, "TLSA")
    r = dns.query.tcp(q, "127.0.0.1", port=port, timeout=2)  # > 1232
    out = []
    for rr in r.answer:
        if rr.rdtype == dns.rdatatype.TLSA:
            out += [(x.usage, x.selector, x.mtype, x.cert) for x in rr]
    return out


@case
def robur_tlsa_csr_becomes_certificate():
    d, state, port, peb = setup()
    s = Server(zones={ZONE: ZONE_TEXT}, port=port,
               args=acme_args(state, peb) + ["--allow-update=%s,%s"
                                             % (ZONE, KEYNAME)])
    key = os.path.join(d, "host.key")
    csr = os.path.join(d, "host.csr")
    rc, out = openssl("req", "-new", "-newkey", "ec", "-pkeyopt",
                      "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                      key, "-subj", "/CN=www.acme.test", "-addext",
                      "subjectAltName=DNS:www.acme.test", "-outform", "DER",
                      "-out", csr)
    check(rc == 0, out)
    name = "_letsencrypt._tcp.www.acme.test."
    hexcsr = open(csr, "rb").read().hex()
    script = ("server 127.0.0.1 %d\nzone %s\nupdate add %s 300 TLSA "
              "3 255 0 %s\nsend\n" % (port, ZONE, name, hexcsr))
    p = subprocess.run(["nsupdate", "-y", "hmac-sha256:%s:%s"
                        % (KEYNAME.rstrip("."), SECRET)],
                       input=script.encode(), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=20)
    check(p.returncode == 0, "nsupdate: %s" % p.stdout.decode())
    deadline = time.monotonic() + ISSUE_TIMEOUT
    got = []
    while time.monotonic() < deadline:
        check(s.alive(), "died: %s" % s.log_tail())
        got = tlsa(port, name)
        if any(t[:3] == (3, 0, 0) for t in got):
            break
        time.sleep(0.3)
    leaf = [t[3] for t in got if t[:3] == (3, 0, 0)]
    cas = [t[3] for t in got if t[:3] == (2, 0, 0)]
    check(len(leaf) == 1, "TLSA 3 0 0 not published: %r\n%s"
          % ([t[:3] for t in got], s.log_tail(1500)))
    check(len(cas) >= 1, "no TLSA 2 0 0")
    eq(len([t for t in got if t[:3] == (3, 255, 0)]), 1, "CSR kept")
    leafpem = ssl.DER_cert_to_PEM_cert(leaf[0])
    interpem = "".join(ssl.DER_cert_to_PEM_cert(c) for c in cas)
    lf = write(os.path.join(d, "tlsa-leaf.pem"), leafpem)
    inf = write(os.path.join(d, "tlsa-inter.pem"), interpem)
    rc, out = openssl("verify", "-CAfile", peb.root, "-untrusted", inf, lf)
    check(rc == 0 and "OK" in out, "TLSA certificate: %s" % out)
    rc1, p1 = openssl("x509", "-in", lf, "-noout", "-pubkey")
    rc2, p2 = openssl("pkey", "-in", key, "-pubout")
    check(rc1 == 0 and rc2 == 0 and p1 == p2,
          "TLSA certificate is not for the CSR's key")
    # stable: no second order for a CSR that has its certificate
    time.sleep(3)
    eq([t[3] for t in tlsa(port, name) if t[:3] == (3, 0, 0)], leaf,
       "TLSA 3 0 0 a few seconds later")
    check(s.log().count("TLSA CSR at www.acme.test: ") == 1,
          "ordered more than once: %s" % s.log_tail(1500))
    # the CSR removed: the order is dropped
    script = ("server 127.0.0.1 %d\nzone %s\nupdate delete %s TLSA 3 255 0 "
              "%s\nsend\n" % (port, ZONE, name, hexcsr))
    p = subprocess.run(["nsupdate", "-y", "hmac-sha256:%s:%s"
                        % (KEYNAME.rstrip("."), SECRET)],
                       input=script.encode(), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=20)
    check(p.returncode == 0, "nsupdate delete: %s" % p.stdout.decode())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and "CSR at www.acme.test gone" \
            not in s.log():
        time.sleep(0.2)
    check("CSR at www.acme.test gone" in s.log(), s.log_tail())


OTHER_TEXT = """$ORIGIN other.test.
$TTL 300
@    IN SOA ns1 hostmaster 7 3600 900 604800 60
@    IN NS  ns1
ns1  IN A   %s
www  IN A   127.0.0.1
"""


def free_loopback_53():
    """A 127.x.y.z address whose port 53 is free (UDP and TCP)."""
    for _ in range(50):
        addr = "127.%d.%d.%d" % (random.randrange(60, 250),
                                 random.randrange(1, 250),
                                 random.randrange(2, 250))
        try:
            for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                t = socket.socket(socket.AF_INET, kind)
                t.bind((addr, 53))
                t.close()
            return addr
        except OSError:
            continue
    raise TestFailure("no free 127.x.y.z:53")


@case
def external_primary_by_tsig_signed_update():
    """A name in a zone another server is primary for: --dns-server gets
    a TSIG-signed RFC 2136 UPDATE (pebble asks that server)."""
    d = tmpdir()
    state = os.path.join(d, "state")
    os.mkdir(state)
    port2 = free_port()
    ns_addr = free_loopback_53()
    peb = Pebble(d, port2)
    s2 = Server(zones={"other.test.": OTHER_TEXT % ns_addr}, port=port2,
                args=["--state-dir=" + os.path.join(d, "s2"),
                      "--dns-key=%s:SHA256:%s" % (KEYNAME, SECRET),
                      "--allow-update=other.test.,%s" % KEYNAME,
                      "--allow-transfer=other.test.,127.0.0.0/8",
                      "--notify=other.test.,%s#53" % ns_addr])
    # the zone's name server (its NS, glue at the primary): a secondary
    # on port 53 that the ACME client must see serving the TXT too
    ns = Server(listen=False, port=53, wait=False,
                args=["--listen-address=" + ns_addr, "--port=53",
                      "--state-dir=" + os.path.join(d, "ns"),
                      "--secondary=other.test.,127.0.0.1#%d" % port2])
    deadline = time.monotonic() + 10
    while " started, listening on " not in ns.log():
        check(time.monotonic() < deadline and ns.alive(),
              "the zone's name server did not start: " + ns.log_tail())
        time.sleep(0.05)
    w = Watcher(port2, "_acme-challenge.www.other.test.")
    w.start()
    try:
        s = Server(zones={ZONE: ZONE_TEXT},
                   args=acme_args(state, peb, "www.other.test",
                                  extra=["--dns-server=127.0.0.1#%d"
                                         % port2]))
        crt = os.path.join(state, "certs", "www.other.test.crt")
        wait_file(crt, s)
    finally:
        w.stop()
    verify_chain(peb, crt)
    check(len(w.seen) >= 1, "TXT never served by the external primary")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and \
            txt(port2, "_acme-challenge.www.other.test.")[1]:
        time.sleep(0.2)
    eq(txt(port2, "_acme-challenge.www.other.test."), ("NXDOMAIN", []),
       "challenge at the external primary afterwards")
    check("at the --dns-server" in s.log(), s.log_tail())
    check(re.search(r"TXT served by the primary and 1 name server",
                    s.log()), "did not wait for the zone's name server: "
          + s.log_tail())
    check(s2.alive(), "the external primary died: " + s2.log_tail())
    ns.stop()


@case
def waits_for_the_secondary_before_answering_the_challenge():
    """pebble asks only our secondary: the challenge validates because
    dnsvizor waits until the secondary serves the new serial."""
    d = tmpdir()
    state = os.path.join(d, "state")
    os.mkdir(state)
    port1, port3 = free_port(), free_port()
    peb = Pebble(d, port3)
    s = Server(zones={ZONE: ZONE_TEXT}, port=port1,
               args=acme_args(state, peb, "www.acme.test",
                              extra=["--notify=%s,127.0.0.1#%d"
                                     % (ZONE, port3),
                                     "--allow-transfer=%s,127.0.0.1"
                                     % ZONE]))
    s3 = Server(port=port3, args=[
        "--state-dir=" + os.path.join(d, "s3"),
        "--secondary=%s,127.0.0.1#%d" % (ZONE, port1)])
    crt = os.path.join(state, "certs", "www.acme.test.crt")
    wait_file(crt, s)
    verify_chain(peb, crt)
    check("waiting for 1 secondary" in s.log(), s.log_tail())
    check(s3.alive(), "secondary died: %s" % s3.log_tail())


@case
def a_secondary_that_starts_late_is_waited_for():
    """The secondary is down when the wait starts: dnsvizor keeps asking
    it every second and answers the challenge only once it serves the
    new serial (pebble asks only that secondary)."""
    d = tmpdir()
    state = os.path.join(d, "state")
    os.mkdir(state)
    port1, port3 = free_port(), free_port()
    peb = Pebble(d, port3)
    s = Server(zones={ZONE: ZONE_TEXT}, port=port1,
               args=acme_args(state, peb, "www.acme.test",
                              extra=["--notify=%s,127.0.0.1#%d"
                                     % (ZONE, port3),
                                     "--allow-transfer=%s,127.0.0.1"
                                     % ZONE]))
    deadline = time.monotonic() + ISSUE_TIMEOUT
    while "waiting for 1 secondary" not in s.log():
        check(time.monotonic() < deadline and s.alive(),
              "no wait for the secondary: " + s.log_tail())
        time.sleep(0.05)
    time.sleep(2.5)     # a few rounds without an answer
    check("did not serve serial" not in s.log(), s.log_tail())
    s3 = Server(port=port3, args=[
        "--state-dir=" + os.path.join(d, "s3"),
        "--secondary=%s,127.0.0.1#%d" % (ZONE, port1)])
    crt = os.path.join(state, "certs", "www.acme.test.crt")
    wait_file(crt, s)
    verify_chain(peb, crt)
    check(s3.alive(), "secondary died: %s" % s3.log_tail())


@case
def external_primary_with_another_key_fails_clearly():
    """The --dns-server knows the key name with another secret: its
    NOTAUTH answer (unsigned, TSIG error BADSIG) is reported at once as
    the reason, not taken for silence."""
    d = tmpdir()
    state = os.path.join(d, "state")
    os.mkdir(state)
    port2 = free_port()
    peb = Pebble(d, port2)
    other = base64.b64encode(bytes(range(40, 72))).decode()
    s2 = Server(zones={"other.test.": OTHER_TEXT % "127.0.0.1"},
                port=port2,
                args=["--state-dir=" + os.path.join(d, "s2"),
                      "--dns-key=%s:SHA256:%s" % (KEYNAME, other),
                      "--allow-update=other.test.,%s" % KEYNAME])
    s = Server(zones={ZONE: ZONE_TEXT},
               args=acme_args(state, peb, "www.other.test",
                              extra=["--dns-server=127.0.0.1#%d"
                                     % port2]))
    deadline = time.monotonic() + ISSUE_TIMEOUT
    while time.monotonic() < deadline and \
            "--dns-server update failed" not in s.log():
        check(s.alive(), "died: %s" % s.log_tail())
        time.sleep(0.1)
    check(re.search(r"--dns-server update failed: _acme-challenge\.www\."
                    r"other\.test\.?: UPDATE answered NOTAUTH \(9\)",
                    s.log()), "no clear reason: " + s.log_tail(1500))
    check("UPDATE answer has a bad TSIG" in s.log(), s.log_tail(1500))
    check("no answer from the --dns-server" not in s.log(), s.log_tail())
    eq(txt(port2, "_acme-challenge.www.other.test."), ("NXDOMAIN", []),
       "challenge at the external primary")
    check(not os.path.exists(os.path.join(state, "certs",
                                          "www.other.test.crt")),
          "a certificate appeared")
    check(s2.alive(), "the external primary died: " + s2.log_tail())


@case
def dot_serves_the_acme_certificate():
    """The first --acme-cert feeds DNS over TLS: started before the
    certificate exists, the DoT listener serves it once it is issued (no
    restart), and kdig verifies the chain against pebble's root and the
    name www.acme.test."""
    d, state, port, peb = setup()
    dot = free_port()
    args = acme_args(state, peb, "www.acme.test",
                     extra=["--dot-port=%d" % dot])
    s2 = Server(zones={ZONE: ZONE_TEXT}, port=port, args=args)
    crt = os.path.join(state, "certs", "www.acme.test.crt")
    wait_file(crt, s2)

    def kdig(hostname):
        return subprocess.run(
            ["kdig", "@127.0.0.1", "-p", str(dot), "+tls",
             "+tls-ca=" + peb.root, "+tls-hostname=" + hostname,
             "+time=3", "+retry=0", "www.acme.test", "A"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            timeout=20).stdout.decode("utf-8", "replace")
    out = kdig("www.acme.test")
    check("status: NOERROR" in out and "127.0.0.1" in out,
          "kdig +tls: %s\n%s" % (out[-800:], s2.log_tail()))
    out = kdig("wrong.acme.test")
    check("status: NOERROR" not in out, "a wrong host name verified")


try:
    run()
finally:
    stop_procs()
