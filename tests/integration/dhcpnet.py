"""Network namespaces joined by veth pairs for DHCP tests, dnsvizor inside
a namespace, and the real DHCP clients (dhclient, udhcpc, dhcpcd) with
their own files in temp dirs.  Nothing here touches a real interface or
/etc/resolv.conf; everything created is removed by Net.close() (call it
in a finally block).

    net = Net()                      # server ns + client ns, one veth pair
    try:
        s = net.server(["--dhcp-range=%s,%s,12h" % (net.pool(50),
                                                     net.pool(150))])
        c = net.dhclient(hostname="alpha")    # -> Lease (address, options)
        net.dig("alpha." + DOMAIN)            # A answer text (dig +short)
    finally:
        net.close()
"""
import os
import random
import re
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dvtest  # noqa: E402
from dvtest import Server, TestFailure, tmpdir, write  # noqa: E402

DOMAIN = "lan.test"
CLIENT_TIMEOUT = 20


def sh(argv, timeout=15, check=True, input=None):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=timeout, input=input)
    out = p.stdout.decode("utf-8", "replace")
    if check and p.returncode != 0:
        raise TestFailure("%s failed (%d): %s" % (" ".join(argv),
                                                  p.returncode, out[-400:]))
    return out


def in_ns(ns, argv):
    return ["ip", "netns", "exec", ns] + list(argv)


class Lease:
    """What a client script saw: address, netmask, options."""

    def __init__(self, env):
        self.env = env
        self.addr = env.get("ip") or env.get("new_ip_address")
        self.mask = env.get("subnet") or env.get("new_subnet_mask")
        self.router = env.get("router") or env.get("new_routers")
        self.dns = env.get("dns") or env.get("new_domain_name_servers")
        self.domain = env.get("domain") or env.get("new_domain_name")

    def __repr__(self):
        return "Lease(%s)" % self.env


class NsServer(Server):
    """dnsvizor run with `ip netns exec NS` (the pid is dnsvizor's: ip
    execs it).  Ready when the log says it started."""

    def __init__(self, ns, args, **kw):
        self.ns = ns
        Server.__init__(self, args=args, listen=False, **kw)

    def start(self, wait=True):
        if self.argv[0] != "ip":
            self.argv = in_ns(self.ns, self.argv)
        Server.start(self, wait)

    def wait_ready(self, timeout=dvtest.START_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise TestFailure("dnsvizor exited with %s during start-up: "
                                  "%s" % (self.proc.returncode,
                                          self.log_tail()))
            if " started, listening on " in self.log():
                return
            time.sleep(0.05)
        raise TestFailure("dnsvizor did not start within %ss: %s"
                          % (timeout, self.log_tail()))


CLIENT_SCRIPT = r"""#!/bin/sh
# records the environment of each call; configures the address
out="%(dir)s/env.$(date +%%s%%N)"
env > "$out.tmp"; echo "ARG1=$1" >> "$out.tmp"; mv "$out.tmp" "$out"
ifc="${interface:-$IFACE}"
case "${reason:-$1}" in
BOUND|RENEW|REBIND|REBOOT|bound|renew)
    a="${new_ip_address:-$ip}"; m="${new_subnet_mask:-$subnet}"
    [ -n "$a" ] && { ip -4 addr flush dev "$ifc"; ip addr add "$a/$m" dev "$ifc"; } ;;
EXPIRE|FAIL|RELEASE|STOP|deconfig)
    ip -4 addr flush dev "$ifc" ;;
esac
exit 0
"""


def del_netns(ns):
    """Kill what still runs in namespace ns (our clients and servers
    only: the namespace is ours) and delete it."""
    out = sh(["ip", "netns", "pids", ns], check=False)
    for pid in out.split():
        try:
            os.kill(int(pid), signal.SIGKILL)
        except (OSError, ValueError):
            pass
    sh(["ip", "netns", "del", ns], check=False)


def with_net(fn):
    """Decorator: run fn(net) with a fresh Net, closed even on failure."""
    def wrapper():
        net = Net()
        try:
            fn(net)
        finally:
            net.close()
    wrapper.__name__ = fn.__name__
    return wrapper


class Net:
    """A server namespace and a client namespace joined by a veth pair;
    the server end has PREFIX.1/24.  More links with link()."""

    def __init__(self):
        tag = "%x%04x" % (os.getpid() & 0xfff, random.randrange(0x10000))
        self.tag = tag
        self.nss = []
        self.procs = []
        self.servers = []
        self.sns = self.ns("dvs" + tag)
        self.cns = self.ns("dvc" + tag)
        self.prefix = "10.%d.%d" % (random.randrange(64, 250),
                                    random.randrange(1, 250))
        self.sif, self.cif = self.link(self.sns, self.cns,
                                       self.prefix + ".1/24", None)

    def ns(self, name):
        sh(["ip", "netns", "add", name])
        self.nss.append(name)
        sh(in_ns(name, ["ip", "link", "set", "lo", "up"]))
        return name

    def link(self, a, b, addr_a, addr_b):
        n = len(self.nss) * 10 + random.randrange(10)
        ia, ib = "v%s%da" % (self.tag, n), "v%s%db" % (self.tag, n)
        sh(["ip", "link", "add", ia, "netns", a, "type", "veth", "peer",
            "name", ib, "netns", b])
        for ns, ifn, addr in ((a, ia, addr_a), (b, ib, addr_b)):
            if addr:
                sh(in_ns(ns, ["ip", "addr", "add", addr, "dev", ifn]))
            sh(in_ns(ns, ["ip", "link", "set", ifn, "up"]))
        return ia, ib

    def pool(self, n):
        return "%s.%d" % (self.prefix, n)

    def server(self, args, **kw):
        base = ["--listen-address=" + self.pool(1), "--port=53",
                "--domain=" + DOMAIN, "--state-dir=" + tmpdir(),
                "--log-dhcp"]
        srv = NsServer(self.sns, base + list(args), **kw)
        self.servers.append(srv)
        return srv

    def run(self, ns, argv, timeout=CLIENT_TIMEOUT, check=True):
        return sh(in_ns(ns, argv), timeout=timeout, check=check)

    def dig(self, *args):
        # from the server's namespace: works whatever the client did
        return self.run(self.sns, ["dig", "@" + self.pool(1), "+time=2",
                                   "+tries=2", "+short"] + list(args),
                        check=False).strip()

    def addr_of(self, ns=None, ifn=None):
        out = self.run(ns or self.cns, ["ip", "-4", "-o", "addr", "show",
                                        "dev", ifn or self.cif])
        m = re.search(r"inet (\S+)/", out)
        return m.group(1) if m else None

    # ---- clients ----
    def client_dir(self):
        d = tmpdir()
        p = write(os.path.join(d, "script"), CLIENT_SCRIPT % {"dir": d})
        os.chmod(p, 0o755)
        return d

    @staticmethod
    def envs(d):
        """Environments of the script calls, oldest first."""
        out = []
        for fn in sorted(f for f in os.listdir(d) if f.startswith("env.")
                         and not f.endswith(".tmp")):
            env = {}
            with open(os.path.join(d, fn)) as f:
                for ln in f:
                    k, _, v = ln.rstrip("\n").partition("=")
                    env[k] = v.strip("'")
            out.append(env)
        return out

    def last_lease(self, d, skip=0):
        """The newest address the script saw after its first skip calls."""
        for env in reversed(self.envs(d)[skip:]):
            lease = Lease(env)
            if lease.addr:
                return lease
        return None

    def dhclient(self, hostname=None, d=None, args=(), ns=None, ifn=None,
                 timeout=CLIENT_TIMEOUT, keep=False):
        """dhclient -1 (one try, exits once bound or failed); returns
        (Lease or None, dir).  d: reuse a client dir (its lease file)."""
        d = d or self.client_dir()
        seen = len(self.envs(d))
        conf = "timeout %d;\nretry 1;\n" % (timeout - 5)
        if hostname:
            conf += 'send host-name "%s";\n' % hostname
        write(os.path.join(d, "dhclient.conf"), conf)
        argv = ["dhclient", "-4", "-1", "-v",
                "-sf", os.path.join(d, "script"),
                "-cf", os.path.join(d, "dhclient.conf"),
                "-lf", os.path.join(d, "dhclient.leases"),
                "-pf", os.path.join(d, "dhclient.pid")] + list(args) + \
            [ifn or self.cif]
        # the parent exits once bound (or failed); the daemon it leaves
        # is stopped unless keep
        with open(os.path.join(d, "dhclient.log"), "ab") as log:
            subprocess.run(in_ns(ns or self.cns, argv), stdout=log,
                           stderr=log, stdin=subprocess.DEVNULL,
                           timeout=timeout + 5)
        if not keep:
            self.dhclient_kill(d)
        return self.last_lease(d, seen), d

    @staticmethod
    def dhclient_kill(d):
        try:
            with open(os.path.join(d, "dhclient.pid")) as f:
                pid = int(f.read().strip())
            os.kill(pid, signal.SIGKILL)
            os.unlink(os.path.join(d, "dhclient.pid"))
        except (OSError, ValueError):
            pass

    def dhclient_release(self, d, ns=None, ifn=None):
        argv = ["dhclient", "-4", "-r", "-v", "-sf", os.path.join(d, "script"),
                "-cf", os.path.join(d, "dhclient.conf"),
                "-lf", os.path.join(d, "dhclient.leases"),
                "-pf", os.path.join(d, "dhclient.pid"), ifn or self.cif]
        return self.run(ns or self.cns, argv, check=False)

    def udhcpc_start(self, hostname=None, args=()):
        """udhcpc in the foreground (kept running: renew with SIGUSR1,
        release with SIGUSR2); returns (Popen, dir)."""
        d = self.client_dir()
        argv = ["udhcpc", "-f", "-i", self.cif, "-s", os.path.join(d, "script"),
                "-t", "5", "-T", "2", "-A", "2"]
        if hostname:
            argv += ["-x", "hostname:" + hostname]
        log = open(os.path.join(d, "udhcpc.log"), "wb")
        p = subprocess.Popen(in_ns(self.cns, argv + list(args)),
                             stdout=log, stderr=log,
                             stdin=subprocess.DEVNULL)
        log.close()
        self.procs.append(p)
        return p, d

    def wait_lease(self, d, n=1, timeout=CLIENT_TIMEOUT):
        """Wait until the script was called with an address n times."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = [Lease(e) for e in self.envs(d)]
            got = [x for x in got if x.addr]
            if len(got) >= n:
                return got[n - 1]
            time.sleep(0.1)
        return None

    def dhcpcd(self, hostname=None, timeout=CLIENT_TIMEOUT):
        """dhcpcd -1 -4 with its own config, no hooks; returns (Lease or
        None, dir)."""
        d = self.client_dir()
        conf = "nohook resolv.conf\nnoarp\nnoipv6rs\nipv4only\n"
        if hostname:
            conf += "hostname %s\n" % hostname
        write(os.path.join(d, "dhcpcd.conf"), conf)
        argv = ["dhcpcd", "-1", "-4", "-B", "-t", str(timeout - 5),
                "-f", os.path.join(d, "dhcpcd.conf"),
                "-c", os.path.join(d, "script"), "--nobackground",
                self.cif]
        self.run(self.cns, argv, timeout=timeout + 5, check=False)
        return self.last_lease(d), d

    def close(self):
        for srv in self.servers:    # SIGTERM: its exit status is checked
            srv.stop()
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            try:
                p.wait(5)
            except Exception:
                pass
        for ns in reversed(self.nss):
            del_netns(ns)
        self.nss = []


# ---- crafted packets (python socket inside the client namespace) ----

SEND_SCRIPT = r"""
import os, socket, sys, time
data = bytes.fromhex(sys.argv[1]); dst = sys.argv[2]; dport = int(sys.argv[3])
sport = int(sys.argv[4]); src = sys.argv[5]; wait = float(sys.argv[6])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
if len(sys.argv) > 7:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, sys.argv[7].encode())
s.bind((src, sport))
for chunk in data.split(b"\xde\xad\xbe\xef\xfe\xed"):
    if chunk:
        s.sendto(chunk, (dst, dport))
s.settimeout(wait)
end = time.monotonic() + wait
while time.monotonic() < end:
    try:
        d, a = s.recvfrom(4096)
    except socket.timeout:
        break
    print(a[0], a[1], d.hex(), flush=True)
"""

SEP = b"\xde\xad\xbe\xef\xfe\xed"


def send_packets(net, ns, pkts, dst="255.255.255.255", dport=67, sport=68,
                 src="0.0.0.0", wait=2.0, ifn=None):
    """Send UDP payloads from ns; return the replies [(ip, port, bytes)]."""
    argv = [sys.executable, "-c", SEND_SCRIPT, SEP.join(pkts).hex(), dst,
            str(dport), str(sport), src, str(wait)]
    if ifn:
        argv.append(ifn)
    out = net.run(ns, argv, timeout=wait + 20)
    res = []
    for ln in out.splitlines():
        parts = ln.split()
        if len(parts) == 3:
            res.append((parts[0], int(parts[1]), bytes.fromhex(parts[2])))
    return res


def bootp(msgtype, mac, xid=None, ciaddr="0.0.0.0", giaddr="0.0.0.0",
          opts=(), flags=0x8000):
    """A BOOTREQUEST with DHCP options [(code, bytes)] + message type."""
    import socket
    import struct
    xid = random.randrange(1 << 32) if xid is None else xid
    hdr = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 1 if giaddr !=
                      "0.0.0.0" else 0, xid, 0, flags,
                      socket.inet_aton(ciaddr), b"\0" * 4, b"\0" * 4,
                      socket.inet_aton(giaddr), mac.ljust(16, b"\0"),
                      b"", b"")
    body = b"\x63\x82\x53\x63" + bytes([53, 1, msgtype])
    for code, val in opts:
        body += bytes([code, len(val)]) + val
    return hdr + body + b"\xff"


def parse_reply(data):
    """(message type, yiaddr, {code: bytes}) of a BOOTREPLY."""
    import socket
    if len(data) < 240:
        return None, None, {}
    opts = {}
    i = 240
    while i < len(data) and data[i] != 255:
        if data[i] == 0:
            i += 1
            continue
        code, ln = data[i], data[i + 1]
        opts[code] = opts.get(code, b"") + data[i + 2:i + 2 + ln]
        i += 2 + ln
    mt = opts.get(53, b"\0")[0]
    return mt, socket.inet_ntoa(data[16:20]), opts


DORA_SCRIPT = r"""
import os, random, socket, struct, sys, time
ifn = sys.argv[1]; macs = sys.argv[2].split(",") if sys.argv[2] else []
mode = sys.argv[3]; T = float(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifn.encode())
s.bind(("0.0.0.0", 68))
def pkt(mt, mac, xid, opts):
    h = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 0, xid, 0, 0x8000,
        b"\0"*4, b"\0"*4, b"\0"*4, b"\0"*4, mac.ljust(16, b"\0"), b"", b"")
    b = b"\x63\x82\x53\x63" + bytes([53, 1, mt])
    for c, v in opts:
        b += bytes([c, len(v)]) + v
    return h + b + b"\xff"
def wait(xid, want):
    t = T
    end = time.monotonic() + t
    while time.monotonic() < end:
        s.settimeout(max(0.01, end - time.monotonic()))
        try:
            d, a = s.recvfrom(4096)
        except socket.timeout:
            return None
        if len(d) < 240 or struct.unpack("!I", d[4:8])[0] != xid:
            continue
        i = 240; o = {}
        while i < len(d) and d[i] != 255:
            if d[i] == 0:
                i += 1; continue
            o[d[i]] = d[i+2:i+2+d[i+1]]; i += 2 + d[i+1]
        if o.get(53, b"\0")[0] in want:
            return d[16:20], o
    return None
for m in macs:
    mac = bytes.fromhex(m.replace(":", ""))
    xid = random.randrange(1 << 32)
    if mode.startswith("reboot:"):
        ip = socket.inet_aton(mode[7:])
        s.sendto(pkt(3, mac, xid, [(50, ip)]), ("255.255.255.255", 67))
        r = wait(xid, (5, 6))
        print(m, socket.inet_ntoa(r[0]) if r and r[1][53][0] == 5 else "NAK" if r else "-", flush=True)
        continue
    s.sendto(pkt(1, mac, xid, []), ("255.255.255.255", 67))
    r = wait(xid, (2,))
    if not r:
        print(m, "-", flush=True); continue
    yi, o = r
    if mode == "offer":
        print(m, socket.inet_ntoa(yi), flush=True); continue
    s.sendto(pkt(3, mac, xid, [(50, yi), (54, o[54])]), ("255.255.255.255", 67))
    r = wait(xid, (5, 6))
    ok = r and r[1][53][0] == 5
    if ok and mode == "decline":
        s.sendto(pkt(4, mac, xid, [(50, yi), (54, o[54])]), ("255.255.255.255", 67))
    print(m, socket.inet_ntoa(yi) if ok else "NAK", flush=True)
"""


def random_mac():
    return "02:" + ":".join("%02x" % random.randrange(256) for _ in range(5))


def dora(net, macs, mode="ack", ns=None, ifn=None, timeout=60, wait=2.0):
    """Crafted exchanges from the client namespace, one MAC after the
    other.  mode: ack (DISCOVER/OFFER/REQUEST/ACK), offer (DISCOVER
    only), decline (ACK then DECLINE), reboot:IP (INIT-REBOOT REQUEST).
    Returns {mac: ip | "NAK" | "-"}."""
    out = net.run(ns or net.cns, [sys.executable, "-c", DORA_SCRIPT,
                                  ifn or net.cif, ",".join(macs), mode,
                                  str(wait)],
                  timeout=timeout)
    res = {}
    for ln in out.splitlines():
        parts = ln.split()
        if len(parts) == 2:
            res[parts[0]] = parts[1]
    return res


def client_mac(net, ns=None, ifn=None):
    out = net.run(ns or net.cns, ["cat", "/sys/class/net/%s/address"
                                  % (ifn or net.cif)])
    return out.strip()
