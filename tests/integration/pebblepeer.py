"""pebble (the ACME test CA) as a peer in the integration tests: one
runner for test_acme and test_lego.  pebble really validates (no
PEBBLE_VA_ALWAYS_VALID) and asks the DNS server it is given; its HTTPS
certificate is a throw-away one for 127.0.0.1/localhost (cert), and its
root comes from the management port (root)."""
import json
import os
import signal
import ssl
import subprocess
import time
import urllib.request

from dvtest import TestFailure, check, free_port, write

PEBBLE_START = 10      # seconds for pebble to serve its directory

_procs = []


def stop_procs():
    for p in _procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)
    del _procs[:]


def tail(path, n=800):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")[-n:]
    except OSError:
        return "(no log)"


def openssl(*args, inp=None):
    p = subprocess.run(["openssl"] + list(args), input=inp,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=30)
    return p.returncode, p.stdout.decode("utf-8", "replace")


class Pebble:
    """pebble in directory d asking the DNS server on 127.0.0.1:dns_port;
    url (the directory), cert (its HTTPS certificate), root (PEM)."""

    def __init__(self, d, dns_port):
        self.dir = d
        self.cert = os.path.join(d, "pebble-cert.pem")
        key = os.path.join(d, "pebble-key.pem")
        rc, out = openssl("req", "-x509", "-newkey", "ec", "-pkeyopt",
                          "ec_paramgen_curve:prime256v1", "-nodes", "-days",
                          "2", "-subj", "/CN=localhost", "-keyout", key,
                          "-out", self.cert, "-addext",
                          "subjectAltName=IP:127.0.0.1,DNS:localhost")
        check(rc == 0, "openssl req: %s" % out[-300:])
        port, self.mport = free_port(), free_port()
        conf = write(os.path.join(d, "pebble.json"), json.dumps({"pebble": {
            "listenAddress": "127.0.0.1:%d" % port,
            "managementListenAddress": "127.0.0.1:%d" % self.mport,
            "certificate": self.cert, "privateKey": key,
            "httpPort": free_port(), "tlsPort": free_port(),
            "ocspResponderURL": "",
            "externalAccountBindingRequired": False}}))
        env = dict(os.environ, PEBBLE_VA_NOSLEEP="1",
                   PEBBLE_WFE_NONCEREJECT="0", PEBBLE_AUTHZREUSE="0")
        env.pop("PEBBLE_VA_ALWAYS_VALID", None)
        self.log = os.path.join(d, "pebble.log")
        lf = open(self.log, "wb")
        self.proc = subprocess.Popen(
            ["pebble", "-config", conf, "-strict=false",
             "-dnsserver", "127.0.0.1:%d" % dns_port],
            stdin=subprocess.DEVNULL, stdout=lf, stderr=lf, env=env, cwd=d)
        _procs.append(self.proc)
        self.url = "https://127.0.0.1:%d/dir" % port
        self.ctx = ssl.create_default_context(cafile=self.cert)
        deadline = time.monotonic() + PEBBLE_START
        while time.monotonic() < deadline:
            check(self.proc.poll() is None, "pebble exited: %s"
                  % tail(self.log))
            try:
                with urllib.request.urlopen(self.url, context=self.ctx,
                                            timeout=1) as r:
                    json.load(r)
                break
            except Exception:
                time.sleep(0.1)
        else:
            raise TestFailure("pebble did not start: %s" % tail(self.log))
        self.root = write(os.path.join(d, "root.pem"), self.mgmt("/roots/0"))

    def mgmt(self, path):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE   # pebble's own management cert
        url = "https://127.0.0.1:%d%s" % (self.mport, path)
        with urllib.request.urlopen(url, context=ctx, timeout=5) as r:
            return r.read().decode()
