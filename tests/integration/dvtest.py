"""Shared harness for dnsvizor integration tests.

Each test file imports this module, defines test functions decorated with
@case, and calls run() at the end.  run() prints "PASS name" or
"FAIL name: reason" for every case and exits 1 if any case failed.

Environment: DNSVIZOR = path of the binary, DV_ROOT = repository root.
Everything runs on loopback; every server started here is stopped (SIGTERM,
then SIGKILL) at the end of the run, even when a case fails.
"""
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback

import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype

ROOT = os.environ.get("DV_ROOT") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
BINARY = os.path.abspath(os.environ.get("DNSVIZOR") or
                         os.path.join(ROOT, "build", "dnsvizor"))
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")

CASE_TIMEOUT = 60          # seconds per case, enforced with SIGALRM
START_TIMEOUT = 10         # seconds for a server to start answering
STOP_TIMEOUT = 5           # seconds between SIGTERM and SIGKILL


class TestFailure(Exception):
    pass


class CaseTimeout(Exception):
    pass


def check(cond, msg):
    """Fail the current case with msg unless cond holds."""
    if not cond:
        raise TestFailure(msg)


def eq(got, want, what):
    if got != want:
        raise TestFailure("%s: got %r, want %r" % (what, got, want))


# ---------------------------------------------------------------- ports ---

def _port_pool():
    """Ports below the kernel's ephemeral range: the kernel never hands
    these out on its own (outgoing sockets, bind to port 0), so a port
    found free here is not taken a moment later by another test's
    resolver query or client socket."""
    lo = 32768
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            lo = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return 10000, max(10001, lo - 1)


def free_port(v6=False):
    """A port that is free for both UDP and TCP on 127.0.0.1 (and ::1 when
    v6), picked at random below the ephemeral range.  Bounded number of
    attempts."""
    import random
    first, last = _port_pool()
    for _ in range(200):
        port = random.randint(first, last)
        socks = []
        try:
            for fam, addr, typ in ((socket.AF_INET, "127.0.0.1", socket.SOCK_STREAM),
                                   (socket.AF_INET, "127.0.0.1", socket.SOCK_DGRAM),
                                   (socket.AF_INET6, "::1", socket.SOCK_DGRAM),
                                   (socket.AF_INET6, "::1", socket.SOCK_STREAM)):
                if fam == socket.AF_INET6 and not v6:
                    continue
                s = socket.socket(fam, typ)
                socks.append(s)
                s.bind((addr, port))
            return port
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise TestFailure("no free port found")


# --------------------------------------------------------------- server ---

_servers = []   # every Server started, stopped at the end of run()
_current = [""]  # name of the running case (recorded by each Server)
SAN_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
               "runtime error:", "AddressSanitizer:DEADLYSIGNAL")
_tmpdirs = []


def wait_for(fn, timeout, what, logs=()):
    """fn() until it returns something true (exceptions count as "not
    yet"); TestFailure after timeout seconds, with the last result and the
    tails of the logs (callables returning text)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = fn()
            if last:
                return last
        except Exception as e:  # noqa: BLE001 (not up yet)
            last = e
        time.sleep(0.2)
    raise TestFailure("%s not within %ss (last: %r)%s" % (
        what, timeout, last, "".join("\n--- " + f()[-1500:] for f in logs)))


def poll_until(fn, timeout=5.0, step=0.1):
    """fn() until it returns something true or timeout seconds pass;
    returns its last value (the caller asserts on it)."""
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(step)


def tmpdir():
    d = tempfile.mkdtemp(prefix="dvtest.")
    _tmpdirs.append(d)
    return d


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


UPSTREAM_OPTS = ("server=", "local=", "root-hints=", "resolv-file=",
                 "dns-upstream=", "S=")


def hermetic_args(opts):
    """Keep a test server off the real network: tests may only send to
    loopback.  Without an explicit upstream (--server, --root-hints, ...)
    recursion is turned off (it would ask the real root servers), and
    /etc/resolv.conf is never read unless a test names a resolv file."""
    names = [o.lstrip("-") for o in opts]
    extra = []
    if not any(n.startswith(UPSTREAM_OPTS) for n in names) and \
            "no-recursion" not in names:
        extra.append("--no-recursion")
    if "no-resolv" not in names and \
            not any(n.startswith("resolv-file=") for n in names):
        extra.append("--no-resolv")
    return extra


class Server:
    """One dnsvizor process.

    conf:   list of config-file lines (without "--"), written to a temp file
            and passed with --conf-file.
    zones:  dict origin -> zone file text; each is written into the temp
            dir and added as "zone=ORIGIN,FILE" to the config file.
    args:   extra command-line arguments ("{port}" is replaced by the port).
    v6:     also listen on ::1.
    listen: pass --listen-address=127.0.0.1 --port=N (else only args).
    no_hosts: pass --no-hosts (do not read /etc/hosts).
    """

    def __init__(self, conf=(), zones=None, args=(), v6=False, wait=True,
                 listen=True, no_hosts=True, port=None):
        self.dir = tmpdir()
        self.port = port or free_port(v6=v6)
        self.v6 = v6
        self.zone_files = {}
        lines = list(conf)
        for origin, text in (zones or {}).items():
            fn = os.path.join(self.dir, origin.strip(".") + ".zone")
            write(fn, text)
            self.zone_files[origin] = fn
            lines.append("zone=%s,%s" % (origin, fn))
        self.conf = write(os.path.join(self.dir, "dnsvizor.conf"),
                          "\n".join(lines) + "\n")
        self.argv = [BINARY, "--conf-file=" + self.conf]
        if no_hosts:
            self.argv.append("--no-hosts")
        if listen:
            self.argv += ["--listen-address=127.0.0.1", "--port=%d" % self.port]
            if v6:
                self.argv.append("--listen-address=::1")
        self.argv += [a.replace("{port}", str(self.port)) for a in args]
        self.argv += hermetic_args(list(conf) + list(args))
        # never the machine's /var/lib/dnsvizor: a test's state is its own
        if not any(o.lstrip("-").startswith("state-dir")
                   for o in list(conf) + list(args)):
            self.argv.append("--state-dir=" + os.path.join(self.dir,
                                                           "state"))
        self.logpath = os.path.join(self.dir, "stderr.log")
        # the test clock (DV_TEST_CLOCK_FILE, see move_clock)
        self.clock_path = write(os.path.join(self.dir, "clock"), "0\n")
        self.clock = 0.0
        self.proc = None
        self.case = _current[0]
        self.checked = False
        self.term_result = None
        self.start(wait)

    @property
    def pid(self):
        return self.proc.pid

    def start(self, wait=True):
        self._log = open(self.logpath, "wb")
        env = dict(os.environ, DV_TEST_CLOCK_FILE=self.clock_path)
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=self._log,
                                     cwd=self.dir, env=env)
        _servers.append(self)
        if wait:
            self.wait_ready()

    def wait_ready(self, timeout=START_TIMEOUT):
        """Wait until the server answers any query over UDP (bounded)."""
        deadline = time.monotonic() + timeout
        q = dns.message.make_query("version.bind.", "TXT", "CH")
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise TestFailure("dnsvizor exited with %s during start-up: %s"
                                  % (self.proc.returncode, self.log_tail()))
            try:
                dns.query.udp(q, "127.0.0.1", port=self.port, timeout=0.2)
                return
            except Exception:
                time.sleep(0.05)
        raise TestFailure("dnsvizor did not answer within %ss: %s"
                          % (timeout, self.log_tail()))

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log(self):
        try:
            with open(self.logpath, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def log_tail(self, n=600):
        t = self.log().strip()
        return ("log: ..." + t[-n:]) if t else "(empty log)"

    def signal(self, sig):
        self.proc.send_signal(sig)

    def move_clock(self, seconds):
        """Move the server's clock forward by seconds (negative: back),
        without waiting: the offset goes into DV_TEST_CLOCK_FILE and
        SIGUSR2 makes the server read it; returns once its log says so."""
        self.clock += seconds
        before = self.log().count("test clock:")
        write(self.clock_path, "%.3f\n" % self.clock)
        self.signal(signal.SIGUSR2)
        wait_for(lambda: self.log().count("test clock:") > before,
                 what="the server to move its clock", timeout=5)

    def stop(self, timeout=STOP_TIMEOUT):
        """SIGTERM, then SIGKILL after timeout.  Returns (exit code, killed).
        The outcome of the first SIGTERM is kept in self.term_result."""
        if self.proc is None:
            return None, False
        killed = False
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                killed = True
                self.proc.kill()
                self.proc.wait(5)
            if self.term_result is None:
                self.term_result = (self.proc.returncode, killed)
        try:
            self._log.close()
        except Exception:
            pass
        return self.proc.returncode, killed

    # ---- querying ----
    def query(self, qname, qtype="A", qclass="IN", tcp=False, v6=False,
              edns=-1, payload=None, want_dnssec=False, timeout=2.0, id=None):
        return query(self.addr(v6), self.port, qname, qtype, qclass, tcp=tcp,
                     edns=edns, payload=payload, want_dnssec=want_dnssec,
                     timeout=timeout, id=id)

    def addr(self, v6=False):
        return "::1" if v6 else "127.0.0.1"

    def send_msg(self, msg, tcp=False, timeout=2.0, v6=False):
        if tcp:
            return dns.query.tcp(msg, self.addr(v6), port=self.port,
                                 timeout=timeout)
        return dns.query.udp(msg, self.addr(v6), port=self.port,
                             timeout=timeout, ignore_unexpected=True)

    def raw_udp(self, data, timeout=1.0, v6=False):
        """Send raw bytes over UDP; return the reply bytes or None."""
        fam = socket.AF_INET6 if v6 else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_DGRAM)
        try:
            s.settimeout(timeout)
            s.sendto(data, (self.addr(v6), self.port))
            try:
                return s.recv(65535)
            except socket.timeout:
                return None
        finally:
            s.close()

    def tcp_connect(self, timeout=2.0, v6=False):
        fam = socket.AF_INET6 if v6 else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect((self.addr(v6), self.port))
        return s

    def reload(self):
        self.proc.send_signal(signal.SIGHUP)

    def socket_fds(self):
        """Number of socket fds the server process holds."""
        n = 0
        d = "/proc/%d/fd" % self.pid
        for fd in os.listdir(d):
            try:
                if os.readlink(os.path.join(d, fd)).startswith("socket:"):
                    n += 1
            except OSError:
                pass
        return n


def query(addr, port, qname, qtype="A", qclass="IN", tcp=False, edns=-1,
          payload=None, want_dnssec=False, timeout=2.0, id=None):
    q = dns.message.make_query(qname, qtype, qclass, use_edns=False)
    if edns >= 0:
        # set explicitly: make_query(use_edns=1) is taken as "True" (0)
        q.use_edns(edns, ednsflags=dns.flags.DO if want_dnssec else 0,
                   payload=payload or 1232)
    q.flags &= ~dns.flags.RD
    if id is not None:
        q.id = id
    if tcp:
        return dns.query.tcp(q, addr, port=port, timeout=timeout)
    return dns.query.udp(q, addr, port=port, timeout=timeout)


# ------------------------------------------------------- message helpers ---

def rcode(r):
    return dns.rcode.to_text(r.rcode())


def has_flag(r, f):
    return bool(r.flags & getattr(dns.flags, f))


def rrsets(section):
    """[(owner text lowercase, type text, ttl, sorted rdata texts)]"""
    out = []
    for rr in section:
        out.append((rr.name.to_text().lower(), dns.rdatatype.to_text(rr.rdtype),
                    rr.ttl, sorted(r.to_text() for r in rr)))
    return out


def find(section, name, rdtype):
    """The RRset of name/type in a section, or None."""
    n = dns.name.from_text(name)
    t = dns.rdatatype.from_text(rdtype)
    for rr in section:
        if rr.name == n and rr.rdtype == t:
            return rr
    return None


def rdatas(section, name, rdtype):
    rr = find(section, name, rdtype)
    return sorted(r.to_text() for r in rr) if rr is not None else []


def describe(r):
    return "%s flags=%s\n%s" % (rcode(r), dns.flags.to_text(r.flags),
                                r.to_text())


def expect(r, rc="NOERROR", aa=None, tc=None):
    eq(rcode(r), rc, "rcode (%s)" % short(r))
    if aa is not None:
        eq(has_flag(r, "AA"), aa, "AA flag (%s)" % short(r))
    if tc is not None:
        eq(has_flag(r, "TC"), tc, "TC flag (%s)" % short(r))
    check(has_flag(r, "QR"), "QR not set in the response")


def short(r):
    return "%s %s ans=%s auth=%s add=%s" % (
        rcode(r), dns.flags.to_text(r.flags), rrsets(r.answer),
        rrsets(r.authority), rrsets(r.additional))


# ------------------------------------------------------ real dns clients ---

def run_tool(argv, timeout=15):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def dig(server, *args, v6=False):
    """Run dig against the server; returns (exit code, output, parsed) where
    parsed has status, flags (set), and section counts."""
    argv = ["dig", "@" + server.addr(v6), "-p", str(server.port),
            "+time=2", "+tries=1"] + list(args)
    rc, out = run_tool(argv)
    return rc, out, parse_dig(out)


def parse_dig(out):
    res = {"status": None, "flags": set(), "answer": None}
    m = re.search(r"status: (\w+)", out)
    if m:
        res["status"] = m.group(1)
    m = re.search(r";; flags: ([a-z ]*);", out)
    if m:
        res["flags"] = set(m.group(1).split())
    m = re.search(r"ANSWER: (\d+)", out)
    if m:
        res["answer"] = int(m.group(1))
    return res


def kdig(server, *args, v6=False):
    argv = ["kdig", "@" + server.addr(v6), "-p", str(server.port),
            "+time=2", "+retry=0"] + list(args)
    rc, out = run_tool(argv)
    return rc, out, parse_kdig(out)


def parse_kdig(out):
    res = {"status": None, "flags": set(), "answer": None}
    m = re.search(r"status: (\w+)", out)
    if m:
        res["status"] = m.group(1)
    m = re.search(r";; Flags: ([a-z ]*);", out)
    if m:
        res["flags"] = set(m.group(1).split())
    m = re.search(r"ANSWER: (\d+)", out)
    if m:
        res["answer"] = int(m.group(1))
    return res


# ---------------------------------------------------------- raw packets ---

def wire_name(name):
    out = b""
    for label in name.strip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\x00"


def header(id=0x1234, flags=0, qd=1, an=0, ns=0, ar=0):
    return struct.pack("!HHHHHH", id, flags, qd, an, ns, ar)


def question(name, qtype=1, qclass=1):
    return wire_name(name) + struct.pack("!HH", qtype, qclass)


def opt_rr(payload=1232, version=0, flags=0, ext_rcode=0):
    return b"\x00" + struct.pack("!HHBBHH", 41, payload, ext_rcode, version,
                                 flags, 0)


def tcp_frame(msg):
    return struct.pack("!H", len(msg)) + msg


def recv_exact(sock, n, deadline):
    buf = b""
    while len(buf) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TestFailure("timeout reading from TCP (%d of %d bytes)"
                              % (len(buf), n))
        sock.settimeout(left)
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise TestFailure("connection closed after %d of %d bytes"
                              % (len(buf), n))
        buf += chunk
    return buf


def tcp_read_msg(sock, timeout=2.0):
    deadline = time.monotonic() + timeout
    ln = struct.unpack("!H", recv_exact(sock, 2, deadline))[0]
    return recv_exact(sock, ln, deadline)


def closed_within(sock, timeout):
    """True if the peer closes (EOF or reset) within timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data = sock.recv(4096)
            if not data:
                return True
        except socket.timeout:
            return False
        except (ConnectionResetError, BrokenPipeError):
            return True
    return False


# --------------------------------------------------------------- runner ---

_cases = []


def case(fn):
    _cases.append(fn)
    return fn


def _alarm(signum, frame):
    raise CaseTimeout("case took longer than %ds" % CASE_TIMEOUT)


def server_health():
    """Stop every server still running; each must exit 0 within the
    SIGTERM timeout, and no log may hold a sanitizer report.  Returns a
    list of problems."""
    problems = []
    for s in _servers:
        if s.checked:
            continue
        s.checked = True
        s.stop()
        who = "server of %s (pid %s)" % (s.case, s.proc.pid if s.proc else "?")
        if s.term_result is not None:
            rc, killed = s.term_result
            if killed:
                problems.append("%s did not exit within %ds of SIGTERM"
                                % (who, STOP_TIMEOUT))
            elif rc != 0:
                problems.append("%s exited %s after SIGTERM: %s"
                                % (who, rc, s.log_tail(300)))
        elif s.proc is not None and (s.proc.returncode or 0) < 0:
            problems.append("%s died of signal %d on its own: %s"
                            % (who, -s.proc.returncode, s.log_tail(300)))
        log = s.log()
        for m in SAN_MARKERS:
            i = log.find(m)
            if i >= 0:
                problems.append("%s: sanitizer report: %s"
                                % (who, log[i:i + 800]))
                break
    return problems


def cleanup():
    for s in _servers:
        try:
            s.stop()
        except Exception:
            try:
                s.proc.kill()
            except Exception:
                pass
    del _servers[:]
    for d in _tmpdirs:
        subprocess.run(["rm", "-rf", d])
    del _tmpdirs[:]


def run():
    """Run every @case; print PASS/FAIL lines; exit 1 on any failure."""
    failed = 0
    only = sys.argv[1:]
    signal.signal(signal.SIGALRM, _alarm)
    try:
        if not os.access(BINARY, os.X_OK):
            for fn in _cases:
                print("FAIL %s: binary %s not found" % (fn.__name__, BINARY))
            sys.exit(1)
        for fn in _cases:
            if only and fn.__name__ not in only:
                continue
            t0 = time.monotonic()
            _current[0] = fn.__name__
            signal.alarm(CASE_TIMEOUT)
            try:
                fn()
                signal.alarm(0)
                print("PASS %s (%.1fs)" % (fn.__name__, time.monotonic() - t0))
            except Exception as e:
                signal.alarm(0)
                failed += 1
                msg = str(e) or e.__class__.__name__
                if not isinstance(e, (TestFailure, CaseTimeout)):
                    tb = traceback.extract_tb(e.__traceback__)
                    where = tb[-1] if tb else None
                    msg = "%s: %s%s" % (e.__class__.__name__, e,
                                        " (line %d)" % where.lineno if where else "")
                lines = msg.splitlines() or [""]
                print("FAIL %s: %s" % (fn.__name__, lines[0]))
                for ln in lines[1:40]:
                    print("  " + ln)
            sys.stdout.flush()
        # every server this file started shuts down cleanly, no ASan/UBSan
        signal.alarm(CASE_TIMEOUT)
        problems = server_health()
        signal.alarm(0)
        name = "clean_shutdown_no_sanitizer_reports"
        if problems:
            failed += 1
            print("FAIL %s: %s" % (name, problems[0].splitlines()[0]))
            for p in problems:
                for ln in p.splitlines()[:20]:
                    print("  " + ln)
        else:
            print("PASS %s (%d servers)" % (name, len(_servers)))
    finally:
        signal.alarm(0)
        cleanup()
    sys.exit(1 if failed else 0)


class Shared:
    """Lazily started server shared by several cases of one file.  If the
    server died (or failed to start) it is started again for the next case."""

    def __init__(self, factory):
        self.factory = factory
        self.server = None

    def get(self):
        if self.server is None or not self.server.alive():
            self.server = self.factory()
        return self.server
