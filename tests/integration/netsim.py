#!/usr/bin/python3
"""A small DNS internet on loopback, for the resolver's integration tests.

Library module (not a test: tests/run.sh only runs test_*.py).  Usage:

    net = NetSim()
    net.start()                 # keys, signing, NSD processes, capture
    ... dnsvizor --root-hints=net.root_hints_path
                 --trust-anchor-file=net.trust_anchor_path
                 --allow-loopback-upstream --no-resolv ...
    net.addr_of("sec.test.")    # address of the server(s) of a zone
    net.query_log("test.")      # [(qname, qtype)] the test. server received
    net.stop_server("sec.test.") / net.start_server("sec.test.")
    net.stop()                  # every process stopped by PID, tmp removed

Every server is an NSD of its own (own config, pid file, zone list and log
in a temp dir, server-count 1, rrl off, username "") listening on port 53
of its own address in a random block 127.X.Y.0/24 (X in 100..200), so root
hints carry plain addresses as on the real internet.  Binding 127.X.Y.Z
needs no interface change on Linux (all of 127/8 is local) but port 53
needs root.

Zones (host part of the address in brackets):

  .              [1, 2]  signed ECDSAP256SHA256 (KSK + ZSK), NSEC
  test.          [3]     signed ECDSA, NSEC; DS in the root
  example.       [4]     signed ECDSA, NSEC; DS in the root
  arpa.          [5]     unsigned, insecure delegation from the root
  sec.test.      [10]    signed ECDSA, NSEC; DS in test.
  nsec3.test.    [11]    signed RSASHA256, NSEC3 (iterations NSEC3_ITER,
                         salt NSEC3_SALT); DS in test.
  insecure.test. [12]    unsigned, no DS in test.
  bogus.test.    [13]    signed, DS in test., RRSIG of www.bogus.test. A
                         corrupted in the served file
  expired.test.  [14]    signed with inception and expiration in 2020,
                         except the DNSKEY RRset's RRSIGs (valid now)
  lame.test.     [15,16] delegated to .15 (nothing listens) and .16 (an
                         NSD that is not authoritative: REFUSED)
  a.example.     [20]    unsigned (insecure), www CNAME www.b.test.
  b.test.        [21]    unsigned (insecure), www CNAME final.sec.test.

Names of interest (all TTL 300 unless said): www.<zone> A 192.0.2.N for
every served second-level zone, short.<zone> A 192.0.2.(100+N) with TTL 2,
www.sec.test. also AAAA, final.sec.test.
A 192.0.2.99, the chain www.a.example. -> www.b.test. -> final.sec.test.,
negative TTL (SOA minimum) 300 everywhere, 3600 in the root.

Scripted servers: a zone made with proxied=True is served by a Python
proxy on its address, in front of an NSD of its own on host+100 (asked
over TCP, so the capture does not see that leg).  The proxy passes each
reply through the zone's `proxy` hook when one is set (it may be set or
changed while the net runs): hook(query, reply) returns the reply to
send (a dns.message.Message, or wire bytes), or None to drop the query;
a hook with a third parameter also gets the host part of the address
asked (one zone, several servers, each scripted its own way).
Zone(child_ns=[(nsname, host)]) gives a zone its own apex NS RRset,
different from the parent's delegation (ns<i>.<zone> at its hosts).
NetSim(customize=fn) calls fn(net) after the standard zones are defined,
so a test file can add zones (net.zones[name] = Zone(...), records, a
corrupted signature, proxied=True) before anything is signed.

Queries received by the servers are captured with tcpdump on lo (UDP port
53 to the block) into a pcap that query_log() parses, so QNAME minimisation
and "no upstream traffic" can be checked from the servers' side.
"""
import base64
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

import dns.message
import dns.name
import dns.rdatatype
import dns.query

NSEC3_ITER = 3
NSEC3_SALT = "c0ffee"
TTL = 300
SHORT_TTL = 2               # short.<zone> A, for expiry / stale / prefetch
START_TIMEOUT = 10
STOP_TIMEOUT = 5


class NetSimError(Exception):
    pass


def _run(argv, cwd, timeout=60):
    p = subprocess.run(argv, cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout)
    if p.returncode != 0:
        raise NetSimError("%s failed (%d): %s" % (
            " ".join(argv), p.returncode,
            p.stderr.decode("utf-8", "replace")[-500:]))
    return p.stdout.decode()


def _fqdn(z):
    return z if z.endswith(".") else z + "."


def _fname(z):
    return "root" if z == "." else z.rstrip(".")


class Zone:
    def __init__(self, name, hosts, sign=None, nsec3=False, expired=False,
                 corrupt=None, proxied=False, neg_ttl=None, optout=False,
                 child_ns=None):
        self.name = name            # "sec.test."
        self.hosts = hosts          # host parts of the server addresses
        self.sign = sign            # None, "ecdsa" or "rsa"
        self.nsec3 = nsec3
        # NSEC3 opt-out flag on every record (ldns-signzone -p); note that
        # ldns keeps unsigned delegations in the chain all the same
        self.optout = optout
        self.expired = expired
        self.corrupt = corrupt      # (owner, covered type) RRSIG to break
        self.proxied = proxied      # served through a Python proxy
        self.proxy = None           # hook(query, reply) -> reply / None
        self.neg_ttl = neg_ttl      # SOA MINIMUM (default TTL)
        # [(nsname, host)]: the zone's own (child-side) NS RRset and
        # in-zone addresses, when they differ from the parent's
        # delegation (which always names ns<i>.<zone> at self.hosts)
        self.child_ns = child_ns
        self.records = []           # zone-file lines after SOA/NS
        self.ds = []                # DS lines of this zone (for the parent)
        self.ds_edit = None         # fn(DS lines) -> the DS lines the
                                    # parent publishes (fake algorithms)
        self.ksk = self.zsk = None  # key base names
        self.ksks = []              # every KSK signing (see resign)
        self.file = None            # the file NSD serves


class NetSim:
    def __init__(self, base=None, nsec3_iterations=NSEC3_ITER,
                 customize=None, sig_days=30):
        self.dir = tempfile.mkdtemp(prefix="dv-netsim.")
        self.sig_days = sig_days    # signatures valid from now - 1 day
        self.nsec3_iterations = nsec3_iterations
        self.base = base or self._pick_block()
        self.zones = {}
        self.procs = {}             # host -> Popen of NSD
        self.server_zones = {}      # host -> [zone names]
        self.capture = None
        self.pcap = os.path.join(self.dir, "lo.pcap")
        self.root_hints_path = os.path.join(self.dir, "root.hints")
        self.trust_anchor_path = os.path.join(self.dir, "root.ds")
        self.trust_anchor_dnskey_path = os.path.join(self.dir, "root.dnskey")
        self.root_ds = None         # (keytag, alg, digesttype, digest)
        self.proxies = {}           # host -> _Proxy
        self._define()
        if customize:
            customize(self)

    # ------------------------------------------------------- addresses ---
    @staticmethod
    def _pick_block():
        """A random 127.X.Y block where port 53 of .1 .. .30 is free."""
        for _ in range(40):
            base = "127.%d.%d." % (random.randint(100, 200),
                                   random.randint(0, 255))
            ok = True
            for h in list(range(1, 51)) + list(range(101, 151)):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                try:
                    s.bind((base + str(h), 53))
                except OSError:
                    ok = False
                finally:
                    s.close()
                if not ok:
                    break
            if ok:
                return base
        raise NetSimError("no free 127.X.Y block on port 53")

    def addr(self, host):
        return self.base + str(host)

    def addr_of(self, zone):
        """The first server address of a zone."""
        return self.addrs_of(zone)[0]

    def addrs_of(self, zone):
        return [self.addr(h) for h in self.zones[_fqdn(zone)].hosts]

    # ---------------------------------------------------------- content ---
    def _define(self):
        Z = self.zones
        Z["."] = Zone(".", [1, 2], sign="ecdsa")
        Z["test."] = Zone("test.", [3], sign="ecdsa")
        Z["example."] = Zone("example.", [4], sign="ecdsa")
        Z["arpa."] = Zone("arpa.", [5])
        Z["sec.test."] = Zone("sec.test.", [10], sign="ecdsa")
        Z["nsec3.test."] = Zone("nsec3.test.", [11], sign="rsa", nsec3=True)
        Z["insecure.test."] = Zone("insecure.test.", [12])
        Z["bogus.test."] = Zone("bogus.test.", [13], sign="ecdsa",
                                corrupt=("www.bogus.test.", "A"))
        Z["expired.test."] = Zone("expired.test.", [14], sign="ecdsa",
                                  expired=True)
        Z["a.example."] = Zone("a.example.", [20])
        Z["b.test."] = Zone("b.test.", [21])
        # lame.test. is only a delegation in test.; .16 serves a decoy zone
        self.lame_hosts = [15, 16]
        Z["decoy.invalid."] = Zone("decoy.invalid.", [16])

        n = 10
        for z in ("sec.test.", "nsec3.test.", "insecure.test.", "bogus.test.",
                  "expired.test.", "a.example.", "b.test."):
            n += 1
            Z[z].records.append("www.%s %d IN A 192.0.2.%d" % (z, TTL, n))
            Z[z].records.append("www.%s %d IN TXT \"%s\"" % (z, TTL, z))
            Z[z].records.append("short.%s %d IN A 192.0.2.%d"
                                % (z, SHORT_TTL, 100 + n))
        Z["sec.test."].records += [
            "www.sec.test. %d IN AAAA 2001:db8::10" % TTL,
            "final.sec.test. %d IN A 192.0.2.99" % TTL,
            "alias.sec.test. %d IN CNAME www.sec.test." % TTL,
            "*.wild.sec.test. %d IN A 192.0.2.98" % TTL,
        ]
        Z["nsec3.test."].records += [
            "alias.nsec3.test. %d IN CNAME www.nsec3.test." % TTL,
        ]
        # the cross-zone chain: a.example. -> b.test. -> sec.test.
        Z["a.example."].records = [
            r for r in Z["a.example."].records if not r.startswith("www.")]
        Z["a.example."].records.append(
            "www.a.example. %d IN CNAME www.b.test." % TTL)
        Z["b.test."].records = [
            r for r in Z["b.test."].records if not r.startswith("www.")]
        Z["b.test."].records.append(
            "www.b.test. %d IN CNAME final.sec.test." % TTL)
        # root server names live in test. (glue in the root)
        Z["test."].records += [
            "a.root-servers.test. 3600000 IN A %s" % self.addr(1),
            "b.root-servers.test. 3600000 IN A %s" % self.addr(2),
        ]
        Z["decoy.invalid."].records.append(
            "www.decoy.invalid. %d IN A 192.0.2.250" % TTL)

    def _nsname(self, zone, i):
        return "ns%d.%s" % (i + 1, zone if zone != "." else "root-servers.test.")

    def _zone_text(self, z):
        if z.name == ".":
            nsnames = ["a.root-servers.test.", "b.root-servers.test."]
            neg = 3600
        else:
            nsnames = ["ns%d.%s" % (i + 1, z.name) for i in range(len(z.hosts))]
            neg = TTL
        if z.neg_ttl is not None:
            neg = z.neg_ttl
        lines = ["$ORIGIN %s" % z.name, "$TTL %d" % TTL,
                 "%s %d IN SOA %s hostmaster.%s 2026010101 3600 600 86400 %d"
                 % (z.name, 86400 if z.name == "." else TTL, nsnames[0],
                    "" if z.name == "." else z.name, neg)]
        if z.name == ".":
            lines[-1] = lines[-1].replace("hostmaster. ", "hostmaster.root. ")
        for ns in nsnames:
            lines.append("%s %d IN NS %s" % (z.name, 86400 if z.name == "."
                                              else TTL, ns))
        if z.name != ".":
            for i, h in enumerate(z.hosts):
                lines.append("%s %d IN A %s" % (nsnames[i], TTL, self.addr(h)))
        if z.child_ns is not None:
            lines = [l for l in lines if " IN NS " not in l and
                     not any(l.startswith(n + " ") for n in nsnames[1:])]
            lines = [l for l in lines if not l.startswith(nsnames[0] + " ")
                     or " SOA " in l]
            for ns, h in z.child_ns:
                lines.append("%s %d IN NS %s" % (z.name, TTL, ns))
                if ns.endswith("." + z.name):
                    lines.append("%s %d IN A %s" % (ns, TTL, self.addr(h)))
        lines += z.records
        # delegations to direct children (and glue)
        for c in self.zones.values():
            if c.name == z.name or c.name == "decoy.invalid.":
                continue
            parent = c.name.split(".", 1)[1] or "."
            if parent != z.name:
                continue
            for i, h in enumerate(c.hosts):
                ns = "ns%d.%s" % (i + 1, c.name)
                lines.append("%s %d IN NS %s" % (c.name, 86400 if z.name == "."
                                                  else TTL, ns))
                lines.append("%s %d IN A %s" % (ns, TTL, self.addr(h)))
            lines += c.ds
        if z.name == "test.":
            for i, h in enumerate(self.lame_hosts):
                ns = "ns%d.lame.test." % (i + 1)
                lines.append("lame.test. %d IN NS %s" % (TTL, ns))
                lines.append("%s %d IN A %s" % (ns, TTL, self.addr(h)))
        if z.name == ".":
            # glue for the root servers' names, below the test. cut
            lines.append("a.root-servers.test. 3600000 IN A %s" % self.addr(1))
            lines.append("b.root-servers.test. 3600000 IN A %s" % self.addr(2))
        return "\n".join(lines) + "\n"

    # ---------------------------------------------------------- signing ---
    def _keygen(self, z):
        kd = os.path.join(self.dir, "keys")
        os.makedirs(kd, exist_ok=True)
        if z.sign == "rsa":
            alg = ["-a", "RSASHA256", "-b", "2048"]
        else:
            alg = ["-a", "ECDSAP256SHA256"]
        ksk = _run(["ldns-keygen", "-r", "/dev/urandom"] + alg + ["-k", z.name],
                   kd).strip()
        zsk = _run(["ldns-keygen", "-r", "/dev/urandom"] + alg + [z.name],
                   kd).strip()
        z.ksk, z.zsk = os.path.join(kd, ksk), os.path.join(kd, zsk)
        z.ksks = [z.ksk]
        ds = _run(["ldns-key2ds", "-n", "-2", z.ksk + ".key"], kd)
        z.ds = [l.strip() for l in ds.splitlines() if l.strip()
                and not l.startswith(";")]
        if z.ds_edit:
            z.ds = z.ds_edit(z.ds)

    def _sign(self, z, unsigned, expired=None):
        if expired is None:
            expired = z.expired
        out = unsigned + (".expired" if expired else ".signed")
        argv = ["ldns-signzone", "-f", out]
        if expired:
            argv += ["-i", "20200101000000", "-e", "20200201000000"]
        else:
            now = time.time()
            argv += ["-i", str(int(now - 86400)), "-e",
                     str(int(now + self.sig_days * 86400))]
        if z.nsec3:
            argv += ["-n", "-t", str(self.nsec3_iterations), "-s",
                     NSEC3_SALT]
            if z.optout:
                argv += ["-p"]
        argv += ["-o", z.name, unsigned, z.zsk] + (z.ksks or [z.ksk])
        _run(argv, self.dir)
        if z.corrupt:
            self._corrupt(out, *z.corrupt)
        if z.expired and expired:
            # the DNSKEY RRset keeps a valid signature, so the failure is
            # the data's expired RRSIGs and nothing else
            valid = self._sign(z, unsigned, expired=False)
            with open(valid) as f:
                keysigs = [l for l in f.read().split("\n")
                           if self._is_rrsig_of(l, "DNSKEY")]
            with open(out) as f:
                lines = [l for l in f.read().split("\n")
                         if not self._is_rrsig_of(l, "DNSKEY")]
            with open(valid, "w") as f:
                f.write("\n".join(lines + keysigs) + "\n")
            return valid
        return out

    @staticmethod
    def _is_rrsig_of(line, covered):
        p = line.split()
        return len(p) > 4 and p[3] == "RRSIG" and p[4] == covered

    @staticmethod
    def _corrupt(path, owner, covered):
        """Flip one byte of the signature of the RRSIG(covered) at owner."""
        with open(path) as f:
            lines = f.read().split("\n")
        done = False
        for i, l in enumerate(lines):
            p = l.split()
            if (len(p) > 12 and p[0].lower() == owner and p[3] == "RRSIG"
                    and p[4] == covered):
                sig = bytearray(base64.b64decode("".join(p[12:])))
                sig[len(sig) // 2] ^= 0x55
                p = p[:12] + [base64.b64encode(bytes(sig)).decode()]
                lines[i] = "\t".join(p)
                done = True
        if not done:
            raise NetSimError("no RRSIG %s at %s in %s" % (covered, owner, path))
        with open(path, "w") as f:
            f.write("\n".join(lines))

    def _build(self):
        # children before parents, so DS records exist when a parent signs
        order = sorted(self.zones.values(),
                       key=lambda z: -len(dns.name.from_text(z.name)))
        for z in order:
            if z.sign:
                self._keygen(z)
        for z in order:
            path = os.path.join(self.dir, _fname(z.name) + ".zone")
            with open(path, "w") as f:
                f.write(self._zone_text(z))
            z.file = self._sign(z, path) if z.sign else path
        root = self.zones["."]
        with open(self.trust_anchor_path, "w") as f:
            f.write("\n".join(root.ds) + "\n")
        p = root.ds[0].split()
        self.root_ds = (int(p[4]), int(p[5]), int(p[6]), p[7])
        with open(root.ksk + ".key") as f:
            dnskey = [l for l in f.read().splitlines()
                      if l.strip() and not l.startswith(";")]
        with open(self.trust_anchor_dnskey_path, "w") as f:
            f.write("\n".join(dnskey) + "\n")
        with open(self.root_hints_path, "w") as f:
            f.write(".\t3600000\tIN\tNS\ta.root-servers.test.\n"
                    ".\t3600000\tIN\tNS\tb.root-servers.test.\n"
                    "a.root-servers.test.\t3600000\tIN\tA\t%s\n"
                    "b.root-servers.test.\t3600000\tIN\tA\t%s\n"
                    % (self.addr(1), self.addr(2)))
        for z in self.zones.values():
            for h in z.hosts:
                self.server_zones.setdefault(h, []).append(z.name)

    # -------------------------------------------- key rollover (RFC 5011) ---
    def add_ksk(self, zone):
        """A new KSK for a signed zone (signs from the next resign());
        returns its key base name (.key holds the DNSKEY line)."""
        z = self.zones[_fqdn(zone)]
        alg = (["-a", "RSASHA256", "-b", "2048"] if z.sign == "rsa"
               else ["-a", "ECDSAP256SHA256"])
        kd = os.path.join(self.dir, "keys")
        k = _run(["ldns-keygen", "-r", "/dev/urandom"] + alg + ["-k", z.name],
                 kd).strip()
        z.ksks.append(os.path.join(kd, k))
        return z.ksks[-1]

    def revoke_ksk(self, zone, key):
        """Set the REVOKE bit of a KSK (it still signs, as RFC 5011 wants:
        the revoked key signs the DNSKEY RRset that carries it)."""
        _run(["ldns-revoke", key + ".key"], self.dir)

    def remove_ksk(self, zone, key):
        """Stop publishing (and signing with) a KSK."""
        self.zones[_fqdn(zone)].ksks.remove(key)

    @staticmethod
    def key_dnskey(key):
        """The DNSKEY line of a key base name."""
        with open(key + ".key") as f:
            return [l.split(";")[0].strip() for l in f.read().splitlines()
                    if l.strip() and not l.startswith(";")][0]

    def resign(self, zone):
        """Sign the zone again with its current key set and restart its
        servers (the parent's DS records are not changed)."""
        z = self.zones[_fqdn(zone)]
        path = os.path.join(self.dir, _fname(z.name) + ".zone")
        with open(path, "w") as f:
            f.write(self._zone_text(z))
        z.file = self._sign(z, path)
        for h in z.hosts:
            self._stop_host(h)
        for h in z.hosts:
            self._start_host(h)
        for h in z.hosts:
            self._wait_host(h)

    def trust_anchor_option(self):
        """The root DS as dnsmasq's --trust-anchor value."""
        return ".,%d,%d,%d,%s" % self.root_ds

    # ---------------------------------------------------------- servers ---
    def _proxied(self, host):
        return any(self.zones[zn].proxied
                   for zn in self.server_zones.get(host, []))

    def _nsd_conf(self, host):
        d = os.path.join(self.dir, "nsd%d" % host)
        os.makedirs(d, exist_ok=True)
        conf = os.path.join(d, "nsd.conf")
        with open(conf, "w") as f:
            f.write("server:\n"
                    "  ip-address: %s\n"
                    "  port: 53\n"
                    "  username: \"\"\n"
                    "  chroot: \"\"\n"
                    "  zonesdir: \"%s\"\n"
                    "  pidfile: \"%s/nsd.pid\"\n"
                    "  database: \"\"\n"
                    "  xfrdfile: \"%s/xfrd.state\"\n"
                    "  zonelistfile: \"%s/zone.list\"\n"
                    "  xfrdir: \"%s\"\n"
                    "  server-count: 1\n"
                    "  verbosity: 1\n"
                    "  do-ip6: no\n"
                    "  refuse-any: no\n"
                    "  rrl-ratelimit: 0\n"
                    "  rrl-whitelist-ratelimit: 0\n"
                    "remote-control:\n"
                    "  control-enable: no\n"
                    % (self.addr(host + 100 if self._proxied(host) else host),
                       d, d, d, d, d))
            for zn in self.server_zones[host]:
                f.write("zone:\n  name: \"%s\"\n  zonefile: \"%s\"\n"
                        % (zn, self.zones[zn].file))
        return d, conf

    def _start_host(self, host):
        if host in self.procs and self.procs[host].poll() is None:
            return
        d, conf = self._nsd_conf(host)
        log = open(os.path.join(d, "nsd.log"), "ab")
        self.procs[host] = subprocess.Popen(
            ["nsd", "-d", "-c", conf], stdin=subprocess.DEVNULL, stdout=log,
            stderr=log, start_new_session=True)
        log.close()
        if self._proxied(host) and host not in self.proxies:
            self.proxies[host] = _Proxy(self, host)

    def _wait_host(self, host):
        zn = self.server_zones[host][0]
        q = dns.message.make_query(zn, "SOA")
        q.flags = 0
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            p = self.procs[host]
            if p.poll() is not None:
                raise NetSimError("nsd on %s exited %s: %s" % (
                    self.addr(host), p.returncode, self._nsd_log(host)))
            try:
                r = dns.query.udp(q, self.addr(host), port=53, timeout=0.3)
                if r.answer:
                    return
            except Exception:
                pass
            time.sleep(0.05)
        raise NetSimError("nsd on %s did not answer: %s" % (
            self.addr(host), self._nsd_log(host)))

    def _nsd_log(self, host):
        try:
            with open(os.path.join(self.dir, "nsd%d" % host, "nsd.log")) as f:
                return f.read()[-600:]
        except OSError:
            return ""

    def _stop_host(self, host):
        px = self.proxies.pop(host, None)
        if px is not None:
            px.stop()
        p = self.procs.get(host)
        if p is None or p.poll() is not None:
            return
        try:
            p.send_signal(signal.SIGTERM)
            p.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)

    def stop_server(self, zone):
        """Stop every server of a zone (they may serve other zones too)."""
        for h in self.zones[_fqdn(zone)].hosts:
            self._stop_host(h)

    def start_server(self, zone):
        hs = self.zones[_fqdn(zone)].hosts
        for h in hs:
            self._start_host(h)
        for h in hs:
            self._wait_host(h)

    # ---------------------------------------------------------- capture ---
    def _start_capture(self):
        if shutil.which("tcpdump") is None:
            raise NetSimError("tcpdump is not installed (contrib/deps.sh)")
        errp = os.path.join(self.dir, "tcpdump.err")
        err = open(errp, "wb")
        self.capture = subprocess.Popen(
            ["tcpdump", "-i", "lo", "-n", "-U", "--immediate-mode",
             "-s", "2048", "-Z", "root", "-w", self.pcap, "udp and dst port 53 and dst net %s0/24"
             % self.base], stdin=subprocess.DEVNULL, stdout=err, stderr=err,
            start_new_session=True)
        err.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            with open(errp, "rb") as f:
                if b"listening on" in f.read():
                    return
            if self.capture.poll() is not None:
                break
            time.sleep(0.05)
        with open(errp, "rb") as f:
            raise NetSimError("tcpdump did not start: %r" % f.read()[-300:])

    def queries(self):
        """Every UDP query captured so far to the block, in order:
        [(time, dst address, dns.message.Message)]."""
        return [(d["time"], d["dst"], d["msg"]) for d in self.query_details()]

    def query_details(self, zone=None, since=0.0):
        """Like queries(), as dicts with time, src, sport, dst, msg (the
        parsed dns.message.Message), for checks of source ports, IDs,
        flags and EDNS of the resolver's queries; optionally only those
        to a zone's servers and after `since` (time.time())."""
        addrs = None if zone is None else set(self.addrs_of(zone))
        return [d for d in self._parse_pcap()
                if d["time"] >= since and (addrs is None or d["dst"] in addrs)]

    def _parse_pcap(self):
        out = []
        try:
            with open(self.pcap, "rb") as f:
                data = f.read()
        except OSError:
            return out
        if len(data) < 24:
            return out
        magic = struct.unpack("<I", data[:4])[0]
        e = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
        linktype = struct.unpack(e + "I", data[20:24])[0]
        off = 24
        while off + 16 <= len(data):
            sec, usec, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
            pkt = data[off + 16:off + 16 + incl]
            off += 16 + incl
            if len(pkt) < incl:
                break
            if linktype == 1:           # Ethernet (Linux lo)
                if len(pkt) < 14 or pkt[12:14] != b"\x08\x00":
                    continue
                ip = pkt[14:]
            elif linktype == 113:       # Linux cooked
                ip = pkt[16:]
            elif linktype == 276:
                ip = pkt[20:]
            else:
                ip = pkt
            if len(ip) < 28 or ip[0] >> 4 != 4 or ip[9] != 17:
                continue
            ihl = (ip[0] & 15) * 4
            src = socket.inet_ntoa(ip[12:16])
            dst = socket.inet_ntoa(ip[16:20])
            sport = struct.unpack("!H", ip[ihl:ihl + 2])[0]
            payload = ip[ihl + 8:]
            try:
                m = dns.message.from_wire(payload)
            except Exception:
                continue
            if m.flags & 0x8000:        # a response
                continue
            out.append({"time": sec + usec / 1e6, "src": src,
                        "sport": sport, "dst": dst, "msg": m})
        return out

    def query_log(self, zone=None, since=0.0):
        """[(qname lowercase text, qtype text)] received by the servers of
        a zone (every server when zone is None), captured after `since`
        (a time.time() value)."""
        addrs = None if zone is None else set(self.addrs_of(zone))
        out = []
        for t, dst, m in self.queries():
            if t < since or (addrs is not None and dst not in addrs):
                continue
            if not m.question:
                continue
            q = m.question[0]
            out.append((q.name.to_text().lower(),
                        dns.rdatatype.to_text(q.rdtype)))
        return out

    def count_queries(self, zone=None, since=0.0):
        return len(self.query_log(zone, since))

    def settle(self, timeout=3.0):
        """Wait until tcpdump has written everything sent so far: send a
        marker query to the root server and wait to see it in the pcap."""
        marker = "settle-%d.netsim.invalid." % random.randint(0, 1 << 30)
        m = dns.message.make_query(marker, "TXT")
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.sendto(m.to_wire(), (self.addr(1), 53))
        finally:
            s.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(m.question and m.question[0].name.to_text() == marker
                   for _, _, m in self.queries()[-50:]):
                return
            time.sleep(0.05)
        raise NetSimError("capture did not see the settle marker")

    # ------------------------------------------------------- lifecycle ---
    def start(self, capture=True):
        try:
            self._build()
            if capture:
                self._start_capture()
            for h in self.server_zones:
                self._start_host(h)
            for h in self.server_zones:
                self._wait_host(h)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self, keep=False):
        for h in list(self.procs):
            self._stop_host(h)
        if self.capture is not None and self.capture.poll() is None:
            self.capture.send_signal(signal.SIGTERM)
            try:
                self.capture.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.capture.kill()
                self.capture.wait(5)
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *a):
        self.stop()


def _call_hook(hook, q, reply, host):
    """hook(query, reply), or hook(query, reply, host) when it takes a
    third argument: the host part of the address the query came to, for
    scripting one server of a zone served by several."""
    import inspect
    try:
        n = len(inspect.signature(hook).parameters)
    except (TypeError, ValueError):
        n = 2
    return hook(q, reply, host) if n >= 3 else hook(q, reply)


class _Proxy:
    """The scripted server of a proxied host (see the module doc): UDP and
    TCP on port 53 of the host's address, each query asked of the NSD
    behind it over TCP, the reply passed through the zones' hook."""

    def __init__(self, net, host):
        import threading
        self.net, self.host = net, host
        self.addr, self.backend = net.addr(host), net.addr(host + 100)
        self.stopping = False
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.udp.bind((self.addr, 53))
        self.udp.settimeout(0.2)
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind((self.addr, 53))
        self.tcp.listen(16)
        self.tcp.settimeout(0.2)
        self.threads = [threading.Thread(target=f, daemon=True)
                        for f in (self._udp_loop, self._tcp_loop)]
        for t in self.threads:
            t.start()

    def _hook(self):
        for zn in self.net.server_zones.get(self.host, []):
            if self.net.zones[zn].proxy is not None:
                return self.net.zones[zn].proxy
        return None

    def answer(self, wire):
        """The bytes to send for one query (None: drop it)."""
        try:
            q = dns.message.from_wire(wire)
        except Exception:
            return None
        try:
            reply = dns.query.tcp(q, self.backend, port=53, timeout=3)
        except Exception:
            reply = None
        hook = self._hook()
        if hook is not None:
            reply = _call_hook(hook, q, reply, self.host)
        if reply is None:
            return None
        if isinstance(reply, (bytes, bytearray)):
            return bytes(reply)
        return reply.to_wire(max_size=65535)

    def _udp_loop(self):
        while not self.stopping:
            try:
                data, peer = self.udp.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                out = self.answer(data)
                if out is not None:
                    self.udp.sendto(out, peer)
            except Exception:
                pass

    def _tcp_loop(self):
        while not self.stopping:
            try:
                c, _ = self.tcp.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            c.settimeout(2)
            try:
                while True:
                    hdr = c.recv(2)
                    if len(hdr) < 2:
                        break
                    n = struct.unpack("!H", hdr)[0]
                    data = b""
                    while len(data) < n:
                        chunk = c.recv(n - len(data))
                        if not chunk:
                            break
                        data += chunk
                    out = self.answer(data)
                    if out is None:
                        break
                    c.sendall(struct.pack("!H", len(out)) + out)
            except Exception:
                pass
            finally:
                c.close()

    def stop(self):
        self.stopping = True
        for t in self.threads:
            t.join(2)
        self.udp.close()
        self.tcp.close()


# ------------------------------------------------------------ self-test ---

def _selftest():
    """Build the net and walk it by hand with dnspython (iterative
    queries, no resolver): referrals, DS in the parents, signatures
    validated with dnspython when its crypto is there."""
    import dns.flags
    net = NetSim()
    ok = True

    def q(addr, name, t, do=True):
        m = dns.message.make_query(name, t, want_dnssec=do)
        m.flags = 0
        return dns.query.udp(m, addr, port=53, timeout=2)

    def say(cond, what):
        nonlocal ok
        print("%s %s" % ("ok  " if cond else "BAD ", what))
        ok = ok and cond

    try:
        t0 = time.time()
        net.start()
        print("block %s0/24, dir %s" % (net.base, net.dir))
        print(open(net.root_hints_path).read())
        print(open(net.trust_anchor_path).read())
        r = q(net.addr(1), "www.sec.test.", "A")
        say(any(rr.name.to_text() == "test." and rr.rdtype == 2
                for rr in r.authority), "root refers to test.")
        say(any(rr.rdtype == 43 for rr in r.authority), "root has DS test.")
        r = q(net.addr(2), ".", "DNSKEY")
        say(len(r.answer) == 2, "root DNSKEY + RRSIG from second root")
        try:
            import dns.dnssec
            dss = [dns.dnssec.make_ds(".", k, "SHA256").to_text()
                   for k in r.find_rrset(r.answer, dns.name.root, 1,
                                         dns.rdatatype.DNSKEY)]
            say(" ".join(open(net.trust_anchor_path).read().split()[4:])
                in dss, "trust anchor matches a root DNSKEY")
        except ImportError:
            pass
        r = q(net.addr_of("test."), "sec.test.", "NS")
        say(any(rr.rdtype == 43 for rr in r.authority), "DS sec.test. in test.")
        r = q(net.addr_of("test."), "insecure.test.", "NS")
        say(not any(rr.rdtype == 43 for rr in r.authority),
            "no DS for insecure.test.")
        r = q(net.addr_of("sec.test."), "www.sec.test.", "A")
        say(r.flags & dns.flags.AA and len(r.answer) == 2, "www.sec.test. A")
        r = q(net.addr_of("nsec3.test."), "nope.nsec3.test.", "A")
        say(any(rr.rdtype == 50 for rr in r.authority), "NSEC3 in NXDOMAIN")
        r = q(net.addr_of("expired.test."), "www.expired.test.", "A")
        say(" 20200201000000 " in r.answer[-1].to_text(), "expired RRSIG")
        r = q(net.addr_of("expired.test."), "expired.test.", "DNSKEY")
        say(len(r.answer) == 2 and " 2020" not in r.answer[-1].to_text(),
            "expired.test. DNSKEY RRSIG still valid")
        r = q(net.addr_of("a.example."), "www.a.example.", "A")
        say("www.b.test." in r.to_text(), "CNAME a.example -> b.test")
        r = q(net.addr_of("b.test."), "www.b.test.", "A")
        say("final.sec.test." in r.to_text(), "CNAME b.test -> sec.test")
        r = q(net.addr(16), "www.lame.test.", "A")
        say(r.rcode() == 5, "lame server REFUSED")
        # signatures, checked with dnspython when it can
        try:
            import dns.dnssec
            for zn, name in (("sec.test.", "www.sec.test."),
                             ("nsec3.test.", "www.nsec3.test."),
                             ("bogus.test.", "www.bogus.test."),
                             ("test.", "sec.test.")):
                a = net.addr_of(zn)
                kr = q(a, zn, "DNSKEY")
                keys = {dns.name.from_text(zn): kr.answer[0]}
                t = "DS" if zn == "test." else "A"
                r = q(a, name, t)
                good = True
                try:
                    dns.dnssec.validate(r.answer[0], r.answer[1], keys)
                except Exception:
                    good = False
                say(good == (zn != "bogus.test."),
                    "signature of %s %s %s" % (name, t,
                                               "valid" if good else "invalid"))
        except ImportError:
            print("(dnspython dnssec unavailable, signatures not checked)")
        net.settle()
        log = net.query_log("test.", since=t0)
        say(("sec.test.", "NS") in log, "capture saw the NS query at test.")
        net.stop_server("sec.test.")
        try:
            q(net.addr_of("sec.test."), "www.sec.test.", "A")
            say(False, "stopped server still answers")
        except Exception:
            say(True, "stop_server")
        net.start_server("sec.test.")
        say(q(net.addr_of("sec.test."), "www.sec.test.", "A").answer != [],
            "start_server")
    finally:
        net.stop()
    say(not os.path.exists(net.dir), "cleaned up")
    print("netsim self-test:", "OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(_selftest())
