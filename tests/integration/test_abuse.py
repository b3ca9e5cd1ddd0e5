"""Abuse resistance (issue 10), shell side: per-address TCP connection
limits against connect churn, UDP queries from reflection ports dropped,
and CHAOS identity answered only over loopback (in network namespaces
with a veth pair: 198.18.0.0/15 and fd00::/8 addresses, nothing routed
elsewhere, removed in a finally block)."""
import os
import random
import re
import socket
import ssl
import struct
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dvtest import (Server, case, check, eq, rdatas, run, header, question,
                    tcp_frame, tcp_read_msg, tmpdir, free_port,
                    TestFailure)  # noqa: E402
from dhcpnet import NsServer, del_netns, in_ns, sh  # noqa: E402

import dns.message  # noqa: E402

ZONE = "\n".join([
    "$ORIGIN t.test.", "$TTL 300",
    "@ IN SOA ns.t.test. h.t.test. 1 3600 600 86400 60",
    "@ IN NS ns", "ns IN A 192.0.2.1", "www IN A 192.0.2.3", ""])


def server(args=(), v6=False):
    return Server(conf=["no-recursion"], zones={"t.test": ZONE}, args=args,
                  v6=v6)


def raw_query(name, id, qtype=1, qclass=1):
    return header(id=id, qd=1) + question(name, qtype, qclass)


# ------------------------------------------------------------ TCP churn ---

def tcp_from(src, port, timeout=2.0):
    """A TCP connection to 127.0.0.1#port from the address src."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    return s


def tcp_ask(sock, id, what):
    try:
        sock.sendall(tcp_frame(raw_query("www.t.test", id)))
        r = dns.message.from_wire(tcp_read_msg(sock, timeout=3))
    except (OSError, TestFailure) as e:
        raise TestFailure("no answer on %s: %s" % (what, e))
    eq(r.id, id, "answer id on %s" % what)
    eq(rdatas(r.answer, "www.t.test", "A"), ["192.0.2.3"], what)


def established_from(port, src):
    """TCP connections to 127.0.0.1#port from src that the server side
    still holds (ESTABLISHED in /proc/net/tcp, queued or accepted)."""
    want_l = "0100007F:%04X" % port
    a = socket.inet_aton(src)
    want_r = "%02X%02X%02X%02X:" % (a[3], a[2], a[1], a[0])
    n = 0
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            p = line.split()
            if p[1] == want_l and p[2].startswith(want_r) and p[3] == "01":
                n += 1
    return n


def churn(port, src, n, seconds):
    """n connects from src (kept open on our side), within seconds."""
    socks = []
    deadline = time.monotonic() + seconds
    for _ in range(n):
        if time.monotonic() > deadline:
            break
        try:
            socks.append(tcp_from(src, port, timeout=1))
        except OSError:
            pass
    return socks


def wait_count(port, src, most, timeout=5):
    deadline = time.monotonic() + timeout
    while True:
        n = established_from(port, src)
        if n <= most or time.monotonic() > deadline:
            return n
        time.sleep(0.1)


def churn_case(args, per_addr_most, keepers):
    """keepers: {src: number of idle connections held}; 127.0.0.2 churns
    300 connects; every keeper connection must survive and answer."""
    s = server(args=["--tcp-idle-timeout=30"] + args)
    held, flood = [], []
    try:
        for src, k in keepers.items():
            for i in range(k):
                c = tcp_from(src, s.port)
                if i == 0:
                    tcp_ask(c, 100 + len(held), "%s before the flood" % src)
                held.append((src, c))
        t0 = time.monotonic()
        flood = churn(s.port, "127.0.0.2", 300, 20)
        check(len(flood) >= 250, "only %d of 300 connects from 127.0.0.2 "
              "within 20 s" % len(flood))
        n = wait_count(s.port, "127.0.0.2", per_addr_most)
        for i, (src, c) in enumerate(held):
            tcp_ask(c, 500 + i, "idle connection %d from %s after %d "
                    "connects from 127.0.0.2 in %.1fs" % (
                        i, src, len(flood), time.monotonic() - t0))
        check(n <= per_addr_most, "127.0.0.2 still holds %d connections "
              "(at most %d expected)" % (n, per_addr_most))
        # the churner itself is still served on a new connection
        c = tcp_from("127.0.0.2", s.port)
        flood.append(c)
        tcp_ask(c, 999, "new connection from the churner")
        check(s.alive(), "server died: %s" % s.log_tail())
    finally:
        for _, c in held:
            c.close()
        for c in flood:
            c.close()
        s.stop()
    return s


@case
def tcp_churn_evicts_own_connections():
    # per-address limit 4: the churner keeps at most 4; 127.0.0.3's idle
    # connection (cap 16 would be passed 18 times over) survives
    s = churn_case(["--tcp-max-connections=16", "--tcp-max-per-address=4"],
                   4, {"127.0.0.3": 1})
    m = re.search(r"evicted-per-address (\d+)", s.log())
    check(m and int(m.group(1)) >= 250, "evicted-per-address counter: %s"
          % (m.group(0) if m else s.log_tail()))


@case
def tcp_churn_default_per_address():
    # default: a quarter of --tcp-max-connections (16 -> 4)
    churn_case(["--tcp-max-connections=16"], 4, {"127.0.0.3": 1})


@case
def tcp_churn_full_cap_busiest_loses():
    # no per-address limit below the cap: with every slot taken the
    # busiest address (the churner) loses its own oldest, never a client
    # under its fair share (127.0.0.3 with 3, 127.0.0.4 with 1)
    churn_case(["--tcp-max-connections=12", "--tcp-max-per-address=12"],
               8, {"127.0.0.3": 3, "127.0.0.4": 1})


def make_cert():
    d = tmpdir()
    key, cert = os.path.join(d, "key.pem"), os.path.join(d, "cert.pem")
    sh(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
        "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert,
        "-days", "2", "-subj", "/CN=dns.test"])
    return key, cert


@case
def dot_connection_survives_tcp_churn():
    # DoT, DoH and TCP share the cap: plain TCP churn from 127.0.0.2 must
    # not close an idle DoT connection from 127.0.0.3
    key, cert = make_cert()
    dot = free_port()
    s = server(args=["--tcp-idle-timeout=30", "--tcp-max-connections=8",
                     "--dot-port=%d" % dot, "--tls-cert=" + cert,
                     "--tls-key=" + key])
    flood = []
    t = None
    try:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        raw.settimeout(3)
        raw.bind(("127.0.0.3", 0))
        raw.connect(("127.0.0.1", dot))
        t = ctx.wrap_socket(raw)
        tcp_ask(t, 1, "DoT before the flood")
        flood = churn(s.port, "127.0.0.2", 200, 20)
        n = wait_count(s.port, "127.0.0.2", 2)
        tcp_ask(t, 2, "idle DoT connection after %d TCP connects"
                % len(flood))
        check(n <= 2, "127.0.0.2 holds %d connections (default per "
              "address: 8 / 4 = 2)" % n)
    finally:
        if t is not None:
            t.close()
        for c in flood:
            c.close()
        s.stop()


# ----------------------------------------------------------- reflection ---

BAD_PORTS = (7, 13, 19, 37)
GOOD_PORTS = (1, 6, 8, 20, 36, 38, 53, 1024)


def udp_from(src, sport, dst, port, id, fam=socket.AF_INET, wait=0.7):
    """Send a query from src#sport; the reply id or None."""
    s = socket.socket(fam, socket.SOCK_DGRAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((src, sport))
        s.settimeout(wait)
        s.sendto(raw_query("www.t.test", id), (dst, port))
        try:
            d = s.recv(4096)
        except socket.timeout:
            return None
        return dns.message.from_wire(d).id
    finally:
        s.close()


def udp_port0(src, port, id):
    """A UDP query with source port 0 (a raw socket: port 0 cannot be
    bound); the IPv4 UDP checksum 0 means none."""
    q = raw_query("www.t.test", id)
    pkt = struct.pack("!HHHH", 0, port, 8 + len(q), 0) + q
    r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
    try:
        r.bind((src, 0))
        r.sendto(pkt, ("127.0.0.1", 0))
    finally:
        r.close()


def sniff_udp_to_port0(port, seconds):
    """UDP datagrams from 127.0.0.1#port to port 0 seen on loopback."""
    r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
    r.settimeout(0.1)
    seen = 0
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            try:
                d = r.recv(65535)
            except socket.timeout:
                continue
            ihl = (d[0] & 15) * 4
            sp, dp = struct.unpack("!HH", d[ihl:ihl + 4])
            if sp == port and dp == 0:
                seen += 1
    finally:
        r.close()
    return seen


@case
def udp_reflection_ports_dropped():
    s = server(v6=True)
    try:
        src = "127.0.0.%d" % random.randrange(20, 250)
        for i, p in enumerate(BAD_PORTS):
            got = udp_from(src, p, "127.0.0.1", s.port, 7000 + i)
            eq(got, None, "reply to a query from source port %d" % p)
        got = udp_from("::1", 19, "::1", s.port, 7100, socket.AF_INET6)
        eq(got, None, "reply to a query from [::1]#19")
        for i, p in enumerate(GOOD_PORTS):
            got = udp_from(src, p, "127.0.0.1", s.port, 7200 + i)
            eq(got, 7200 + i, "reply to a query from source port %d" % p)
        eq(udp_from(src, 0, "127.0.0.1", s.port, 7300), 7300,
           "reply to a query from an ephemeral port")
        udp_port0(src, s.port, 7400)
        eq(sniff_udp_to_port0(s.port, 0.5), 0, "replies sent to port 0")
        # TCP is not affected by the source port rule
        c = tcp_from(src, s.port)
        tcp_ask(c, 7500, "TCP from an ordinary port")
        c.close()
        # each of the 6 dropped datagrams counted (port 0 included)
        s.stop()
        m = re.search(r"bad-source-port (\d+)", s.log())
        check(m is not None, "no bad-source-port counter: %s"
              % s.log_tail())
        eq(int(m.group(1)), len(BAD_PORTS) + 2, "bad-source-port counter")
    finally:
        s.stop()


# -------------------------------------------------------------- identity ---

class Veth:
    """A server namespace and a client namespace joined by one veth pair:
    198.18.X.1/30 + fd00:X::1/64 on the server end, .2 / ::2 on the
    client end.  Nothing else is routed."""

    def __init__(self):
        tag = "%x%04x" % (os.getpid() & 0xfff, random.randrange(0x10000))
        self.nss, self.servers = [], []
        x = random.randrange(0, 64) * 4
        y = random.randrange(1, 0xffff)
        self.v4 = "198.18.%d.%d" % (random.randrange(0, 256), x + 1)
        self.cv4 = self.v4[:self.v4.rfind(".") + 1] + str(x + 2)
        self.v6 = "fd00:%x::1" % y
        self.cv6 = "fd00:%x::2" % y
        self.sns = self.ns("dvids" + tag)
        self.cns = self.ns("dvidc" + tag)
        sif, cif = "vid%ss" % tag, "vid%sc" % tag
        sh(["ip", "link", "add", sif, "netns", self.sns, "type", "veth",
            "peer", "name", cif, "netns", self.cns])
        for ns, ifn, a4, a6 in ((self.sns, sif, self.v4, self.v6),
                                (self.cns, cif, self.cv4, self.cv6)):
            sh(in_ns(ns, ["ip", "addr", "add", a4 + "/30", "dev", ifn]))
            sh(in_ns(ns, ["ip", "-6", "addr", "add", a6 + "/64", "dev", ifn,
                          "nodad"]))
            sh(in_ns(ns, ["ip", "link", "set", ifn, "up"]))

    def ns(self, name):
        sh(["ip", "netns", "add", name])
        self.nss.append(name)
        sh(in_ns(name, ["ip", "link", "set", "lo", "up"]))
        return name

    def tls_args(self):
        """DoT on 853 and DoH on 443 with a throw-away certificate."""
        d = tmpdir()
        key, cert = os.path.join(d, "key.pem"), os.path.join(d, "cert.pem")
        sh(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out",
            cert, "-days", "2", "-subj", "/CN=dns.test"])
        return ["--dot-port=853", "--doh-port=443", "--tls-cert=" + cert,
                "--tls-key=" + key]

    def server(self, args):
        srv = NsServer(self.sns, ["--port=53", "--no-recursion"] + args,
                       conf=[], zones={"t.test": ZONE})
        self.servers.append(srv)
        return srv

    def dig(self, ns, at, name, tcp):
        out = sh(in_ns(ns, ["dig", "@" + at, "-p", "53", "+time=2",
                            "+tries=1", "+norec"] + (["+tcp"] if tcp else [])
                       + [name, "CH", "TXT"]), check=False)
        return self.status(out, at, name)

    def kdig(self, ns, at, name, proto):
        """proto "tls" (DoT, port 853) or "https" (DoH, port 443)."""
        port = "853" if proto == "tls" else "443"
        out = sh(in_ns(ns, ["kdig", "@" + at, "-p", port, "+" + proto,
                            "+time=2", "+retry=0", "+norec", name, "CH",
                            "TXT"]), check=False)
        return self.status(out, at, name)

    @staticmethod
    def status(out, at, name):
        m = re.search(r"opcode: \w+[;,] status: (\w+)", out)
        if not m:
            raise TestFailure("dig @%s %s: %s" % (at, name, out[-300:]))
        if m.group(1) != "NOERROR":
            return m.group(1)
        t = re.search(r'\sTXT\s+"([^"]*)"', out)
        return "TXT " + (t.group(1) if t else "?")

    def close(self):
        for srv in self.servers:
            srv.stop()
        for ns in reversed(self.nss):
            del_netns(ns)
        self.nss = []


NAMES = ("version.bind", "version.server", "id.server", "hostname.bind")


def ident_check(net, listen, mode):
    """mode None (default), "ident" or "no-ident"."""
    args = ["--listen-address=" + a for a in listen] + net.tls_args()
    if mode:
        args.append("--" + mode)
    net.server(args)
    where = [("loopback", net.sns, "127.0.0.1"), ("loopback", net.sns, "::1"),
             ("veth", net.cns, net.v4), ("veth", net.cns, net.v6)]
    for kind, ns, at in where:
        for i, name in enumerate(NAMES):
            # udp, tcp, DoT, DoH: each name over two of them per address
            proto = ("udp", "tcp", "tls", "https")[(i + (":" in at) * 2 +
                                                    (kind == "veth")) % 4]
            if proto in ("udp", "tcp"):
                got = net.dig(ns, at, name, proto == "tcp")
            else:
                got = net.kdig(ns, at, name, proto)
            if mode == "no-ident" or (mode is None and kind == "veth"):
                want = "REFUSED"
            else:
                want = "TXT " if name.startswith("id") or \
                    name.startswith("host") else "TXT dnsvizor"
            check(got.startswith(want), "%s %s from the %s side (@%s, %s, "
                  "listen %s): %s, want %s" % (
                      mode or "default", name, kind, at, proto,
                      ",".join(listen), got, want))
    net.servers[-1].stop()


@case
def ident_loopback_only():
    net = Veth()
    try:
        for listen in (["127.0.0.1", "::1", net.v4, net.v6],
                       ["0.0.0.0", "::"]):
            for mode in (None, "ident", "no-ident"):
                ident_check(net, listen, mode)
    finally:
        net.close()


run()
