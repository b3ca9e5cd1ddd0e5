"""knotd as a peer in the integration tests: one runner (configuration
header, start, knotc, log, stop) for every test that needs Knot, with its
journal directory in place (without one Knot cannot keep IXFR history and
silently falls back to AXFR)."""
import os
import re
import signal
import subprocess
import time

from dvtest import TestFailure, check, free_port, tmpdir, write

KNOTD = "/usr/sbin/knotd"
KNOTC = "/usr/sbin/knotc"

HEADER = """server:
    rundir: "%(d)s"
    listen: %(addr)s@%(p)d
    pidfile: "%(d)s/knot.pid"
log:
  - target: "%(d)s/knot.log"
    any: info
database:
    storage: "%(d)s/db"
"""

# Knot as a TSIG secondary of example.com at a dnsvizor on 127.0.0.1
# (values: dvp its port, k the key name, s the secret).
SECONDARY_OF_DV = """key:
  - id: %(k)s
    algorithm: hmac-sha256
    secret: %(s)s
remote:
  - id: dv
    address: 127.0.0.1@%(dvp)d
    key: %(k)s
acl:
  - id: notify_from_dv
    address: 127.0.0.1
    key: %(k)s
    action: notify
template:
  - id: default
    storage: "%(d)s"
zone:
  - domain: example.com
    master: dv
    acl: notify_from_dv
"""


class Knot:
    """knotd with its own directory, port and log.  body is the
    configuration after the server/log/database sections; %(d)s (the
    directory), %(p)d (the port) and the keys of values are substituted.
    files ({name: text}) are written into the directory first (zone
    files).  prefix runs knotd in a namespace (ip netns exec NS)."""

    def __init__(self, body, values=None, files=None, addr="127.0.0.1",
                 port=None, prefix=()):
        self.dir = tmpdir()
        self.port = port or free_port()
        self.prefix = list(prefix)
        os.makedirs(os.path.join(self.dir, "db"), exist_ok=True)
        v = dict(values or {})
        v.update(d=self.dir, p=self.port, addr=addr)
        for name, text in (files or {}).items():
            write(os.path.join(self.dir, name), text)
        self.conf = write(os.path.join(self.dir, "knot.conf"),
                          HEADER % v + body % v)
        self.proc = None
        self.errlog = None
        self.start()

    def start(self):
        self.errlog = open(os.path.join(self.dir, "stderr.log"), "ab")
        self.proc = subprocess.Popen(self.prefix + [KNOTD, "-c", self.conf],
                                     stdout=self.errlog, stderr=self.errlog,
                                     stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.proc.poll() is None:
            if self.knotc("status").returncode == 0:
                return
            time.sleep(0.1)
        text = self.log()[-1500:]
        self.stop()
        raise TestFailure("knotd did not start: " + text)

    def knotc(self, *args):
        return subprocess.run(self.prefix + [KNOTC, "-c", self.conf, "-t",
                                             "5"] + list(args),
                              capture_output=True, timeout=15)

    def change(self, zone, name, addr):
        """Add name A addr to a zone Knot is primary for (serial + 1,
        NOTIFY to its secondaries)."""
        for cmd in (["zone-begin", zone], ["zone-set", zone, name, "60", "A",
                                          addr], ["zone-commit", zone]):
            r = self.knotc(*cmd)
            check(r.returncode == 0,
                  "knotc %s: %r %r" % (cmd[0], r.stdout, r.stderr))

    def log(self):
        try:
            with open(os.path.join(self.dir, "knot.log"), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def took_ixfr(self):
        """Knot applied an incoming IXFR and never fell back to AXFR."""
        text = self.log()
        return bool(re.search(r"IXFR, incoming.*finished", text)) and \
            not re.search(r"fallback to AXFR|IXFR.*failed", text)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.errlog and not self.errlog.closed:
            self.errlog.close()
