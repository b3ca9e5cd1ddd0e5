"""DNSSEC key lifecycle of --dnssec-sign zones (issue 13, "Key lifecycle").

On a compressed clock (Server.move_clock): a ZSK rollover by
pre-publication (--dnssec-policy=...,kskzsk,zsk-lifetime=...) with the
AXFR verified by ldns-verify-zone at the moved time, the DNSKEY set and
the signing key checked at each stage and a validating unbound (the KSK
as trust anchor, cache off) answering AD throughout; a KSK rollover with
a parent zone served by a second (signed) dnsvizor: CDS/CDNSKEY appear,
the test adds the new DS to the parent (nsupdate), the child sees it
there (--dnssec-parent) and the old KSK goes, while unbound and
dnsvizor's own resolver (forwarding com and example.com to the two
servers, its clock moved with the child's) with the PARENT's key as
their anchor keep answering AD; a kill -9 in the middle
of a ZSK rollover, after which the restarted server carries on."""
import os
import signal
import subprocess
import sys
import time

import dns.dnssec
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdata
import dns.rdatatype

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dvtest import (BINARY, Server, case, check, eq, free_port,  # noqa: E402
                    run, run_tool, tmpdir, wait_for, write)

ZONE = ("$TTL 300\n$ORIGIN example.com.\n"
        "@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n"
        "@ NS ns1\nns1 A 192.0.2.1\nwww A 192.0.2.3\n"
        "a.b.c TXT \"deep\"\n")

PARENT = ("$TTL 300\n$ORIGIN com.\n"
          "@ IN SOA ns hostmaster 1 7200 3600 1209600 300\n"
          "@ NS ns\nns A 127.0.0.1\n"
          "example NS ns1.example\nns1.example A 127.0.0.1\n")

PROP = 600          # --dnssec-policy propagation (the DNSKEY TTL is 300)


def child(state, policy, extra=()):
    return Server(zones={"example.com.": ZONE},
                  args=["--state-dir=" + state,
                        "--dnssec-sign=example.com",
                        "--dnssec-policy=example.com," + policy,
                        "--allow-update=example.com.,127.0.0.1",
                        "--allow-transfer=example.com.,127.0.0.1"] +
                  list(extra))


def axfr(s, origin="example.com."):
    rc, out = run_tool(["kdig", "@127.0.0.1", "-p", str(s.port), origin,
                        "AXFR", "+nocomments", "+nostats", "+time=3",
                        "+retry=0"])
    check(rc == 0 and "SOA" in out, "AXFR failed: %s" % out[-500:])
    return out


def records(text, rtype):
    return [ln for ln in text.splitlines()
            if len(ln.split()) > 3 and ln.split()[3] == rtype]


def verify(s, what, offset):
    """ldns-verify-zone on the served zone at now + offset seconds."""
    text = axfr(s)
    fn = write(os.path.join(tmpdir(), "axfr.zone"), text)
    argv = ["ldns-verify-zone"]
    if offset > 0:
        argv += ["-t", "+%d" % offset]
    rc, out = run_tool(argv + [fn])
    check(rc == 0 and "Zone is verified" in out,
          "%s: ldns-verify-zone: %s\n%s" % (what, out.strip()[-800:],
                                            text[:3000]))
    return text


def serial(s):
    return s.query("example.com.", "SOA").answer[0][0].serial


def one_step(s, before, what):
    """The zone moved on by exactly one change since serial before: one
    serial, one IXFR difference sequence (one journal record)."""
    eq(serial(s), before + 1, "%s: one serial step" % what)
    rc, out = run_tool(["kdig", "@127.0.0.1", "-p", str(s.port),
                        "example.com.", "IXFR=%d" % before, "+nocomments",
                        "+nostats", "+time=3", "+retry=0"])
    eq(len(records(out, "SOA")), 4, "%s: one IXFR step: %s" % (what, out))
    return before + 1


def keys(s, rtype="DNSKEY"):
    """{key tag: flags} of the served DNSKEY (or CDNSKEY) RRset."""
    r = s.query("example.com.", rtype, edns=0, want_dnssec=True)
    out = {}
    for rrset in r.answer:
        if rrset.rdtype == dns.rdatatype.from_text(rtype):
            for rd in rrset:
                out[dns.dnssec.key_id(rd)] = rd.flags
    return out


def signers(s, qname, qtype):
    """The key tags of the RRSIGs over qname/qtype."""
    r = s.query(qname, qtype, edns=0, want_dnssec=True)
    return sorted(rd.key_tag for rrset in r.answer
                  if rrset.rdtype == dns.rdatatype.RRSIG for rd in rrset)


def tags(d, flags):
    return sorted(t for t, f in d.items() if f == flags)


def ask(port, qname, qtype):
    q = dns.message.make_query(qname, qtype, want_dnssec=True)
    for _ in range(20):
        try:
            return dns.query.udp(q, "127.0.0.1", port=port, timeout=2)
        except Exception:
            time.sleep(0.2)
    return None


VALIDATE = [
    ("www.example.com.", "A", "NOERROR"),
    ("www.example.com.", "MX", "NOERROR"),          # NODATA
    ("nope.example.com.", "A", "NXDOMAIN"),
    ("example.com.", "DNSKEY", "NOERROR"),
]


class Unbound:
    """A validating unbound, cache off, with anchor (a DNSKEY or DS line)
    and stubs {zone: port}."""

    def __init__(self, anchor, stubs):
        self.d = tmpdir()
        ta = write(os.path.join(self.d, "ta.key"), anchor + "\n")
        self.port = free_port()
        conf = ("server:\n  interface: 127.0.0.1\n  port: %d\n"
                "  do-not-query-localhost: no\n  chroot: \"\"\n"
                "  username: \"\"\n  pidfile: \"\"\n"
                "  directory: \"%s\"\n  trust-anchor-file: \"%s\"\n"
                "  module-config: \"validator iterator\"\n"
                "  use-syslog: no\n  val-log-level: 2\n"
                "  logfile: \"%s/unbound.log\"\n  cache-max-ttl: 0\n"
                "  cache-max-negative-ttl: 0\n  aggressive-nsec: no\n"
                "  harden-referral-path: no\n  target-fetch-policy: "
                "\"0 0 0 0 0\"\n" % (self.port, self.d, ta, self.d))
        # the test moves dnsvizor's clock past the TTLs: flush() makes
        # unbound's caches (its key cache is not capped by
        # cache-max-ttl) follow, as the real time would
        self.cport = free_port()
        conf += ("remote-control:\n  control-enable: yes\n"
                 "  control-interface: 127.0.0.1\n  control-port: %d\n"
                 "  control-use-cert: no\n" % self.cport)
        for zone, port in stubs.items():
            conf += ("stub-zone:\n  name: %s\n  stub-addr: 127.0.0.1@%d\n"
                     % (zone, port))
        fn = self.conf = write(os.path.join(self.d, "unbound.conf"), conf)
        self.proc = subprocess.Popen(["unbound", "-d", "-c", fn],
                                     start_new_session=True,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)

    def flush(self):
        rc, out = run_tool(["unbound-control", "-c", self.conf,
                            "flush_zone", "."])
        check(rc == 0, "unbound-control flush_zone: %s" % out)

    def check_ad(self, who):
        """AD for every query, first with what unbound keeps from the
        stage before (its key cache: the point of the rollover timings),
        then with its caches flushed (the TTLs have passed)."""
        self._check_ad(who + " (cached keys)")
        if who != "at start":
            self.flush()
            self._check_ad(who)

    def _check_ad(self, who):
        for qname, qtype, rc in VALIDATE:
            r = ask(self.port, qname, qtype)
            got = "no reply" if r is None else "%s%s" % (
                dns.rcode.to_text(r.rcode()),
                " AD" if r.flags & dns.flags.AD else "")
            if got != rc + " AD":
                log = open(os.path.join(self.d, "unbound.log"),
                           errors="replace").read()
                print("\n".join(log.splitlines()[-15:]))
            eq(got, rc + " AD", "%s: %s/%s" % (who, qname, qtype))

    def close(self):
        self.proc.terminate()
        self.proc.wait(5)


class DvResolver:
    """dnsvizor's own validating resolver beside unbound: anchor (a
    DNSKEY line) as its --trust-anchor DS, forwarding rules {zone: port}.
    Its caches keep the real TTLs: move() moves its clock with the
    child's, so that what it cached from a stage before expires as it
    would in real time; check_ad() also asks a fresh one (empty caches)."""

    def __init__(self, anchor, stubs):
        f = anchor.split()
        key = dns.rdata.from_text("IN", "DNSKEY", " ".join(f[4:]))
        ds = dns.dnssec.make_ds(f[0], key, "SHA256")
        self.args = ["--dnssec", "--allow-loopback-upstream",
                     "--no-resolv", "--trust-anchor=%s,%d,%d,%d,%s" % (
                         f[0].rstrip(".") or ".", ds.key_tag,
                         ds.algorithm, ds.digest_type, ds.digest.hex())]
        self.args += ["--server=/%s/127.0.0.1#%d" % (zone, port)
                      for zone, port in stubs.items()]
        self.s = Server(args=self.args)

    def move(self, seconds):
        self.s.move_clock(seconds)

    def check_ad(self, who):
        self._check_ad(self.s, "dnsvizor " + who + " (cached)")
        fresh = Server(args=self.args)
        try:
            self._check_ad(fresh, "dnsvizor " + who + " (fresh)")
        finally:
            fresh.stop()

    def _check_ad(self, s, who):
        for qname, qtype, rc in VALIDATE:
            r = ask(s.port, qname, qtype)
            got = "no reply" if r is None else "%s%s" % (
                dns.rcode.to_text(r.rcode()),
                " AD" if r.flags & dns.flags.AD else "")
            if got != rc + " AD":
                print(s.log_tail(2000))
            eq(got, rc + " AD", "%s: %s/%s" % (who, qname, qtype))


def ksk_line(text):
    ks = [ln for ln in records(text, "DNSKEY") if ln.split()[4] == "257"]
    check(len(ks) == 1, "one KSK expected: %s" % ks)
    return ks[0]


@case
def zsk_rollover_prepublication():
    """kskzsk, zsk-lifetime=3h: the new ZSK is published, signs from
    DNSKEY TTL + propagation on (everything re-signed), the old DNSKEY
    goes max TTL + propagation later; the zone verifies and unbound
    (anchor: the KSK) answers AD at every stage."""
    s = child(tmpdir(), "kskzsk,zsk-lifetime=3h,propagation=%d" % PROP)
    text = verify(s, "at start", 0)
    k = keys(s)
    eq(len(tags(k, 257)), 1, "one KSK: %s" % k)
    eq(len(tags(k, 256)), 1, "one ZSK: %s" % k)
    ksk, zsk = tags(k, 257)[0], tags(k, 256)[0]
    eq(signers(s, "example.com.", "DNSKEY"), [ksk], "DNSKEY signed by KSK")
    eq(signers(s, "www.example.com.", "A"), [zsk], "data signed by ZSK")
    ub = Unbound(ksk_line(text), {"example.com": s.port})
    ser = serial(s)
    try:
        ub.check_ad("at start")
        # the lifetime is over: the new ZSK is published, not signing
        s.move_clock(3 * 3600)
        wait_for(lambda: len(keys(s)) == 3, timeout=10,
                 what="the new ZSK published")
        ser = one_step(s, ser, "new ZSK published")
        t = 3 * 3600
        verify(s, "new ZSK published", t)
        new = [x for x in tags(keys(s), 256) if x != zsk]
        eq(len(new), 1, "a second ZSK: %s" % keys(s))
        new = new[0]
        eq(signers(s, "www.example.com.", "A"), [zsk], "old ZSK signs")
        eq(signers(s, "example.com.", "DNSKEY"), [ksk], "KSK signs keys")
        ub.check_ad("new ZSK published")
        # DNSKEY TTL + propagation later: the new ZSK signs everything
        s.move_clock(300 + PROP)
        t += 300 + PROP
        wait_for(lambda: signers(s, "www.example.com.", "A") == [new],
                 timeout=10, what="the new ZSK signing")
        ser = one_step(s, ser, "new ZSK signing")
        text = verify(s, "new ZSK signing", t)
        check(all(ln.split()[10] == str(new)
                  for ln in records(text, "RRSIG")
                  if ln.split()[4] != "DNSKEY"),
              "every RRSIG by the new ZSK: %s" % records(text, "RRSIG"))
        eq(sorted(keys(s)), sorted([ksk, zsk, new]), "old ZSK still there")
        ub.check_ad("new ZSK signing")
        # max TTL + propagation later: the old ZSK goes
        s.move_clock(300 + PROP)
        t += 300 + PROP
        wait_for(lambda: len(keys(s)) == 2, timeout=10,
                 what="the old ZSK removed")
        one_step(s, ser, "old ZSK removed")
        eq(sorted(keys(s)), sorted([ksk, new]), "KSK and new ZSK")
        verify(s, "old ZSK removed", t)
        ub.check_ad("old ZSK removed")
        log = s.log()
        for step in ("key %u (zsk): published" % new,
                     "key %u (zsk): published, signs the zone" % new,
                     "key %u (zsk): published" % zsk,
                     "key %u: removed" % zsk):
            check(step in log, "logged: %s" % step)
    finally:
        ub.close()


@case
def kill9_in_the_middle_of_a_zsk_rollover():
    """kill -9 while the new ZSK is pre-published: the restarted server
    has the same three keys and carries on (switch, removal)."""
    st = tmpdir()
    s = child(st, "kskzsk,zsk-lifetime=0,propagation=%d" % PROP)
    ksk = tags(keys(s), 257)[0]
    zsk = tags(keys(s), 256)[0]
    request(s, st, "zsk")
    wait_for(lambda: len(keys(s)) == 3, timeout=10,
             what="the requested ZSK published")
    new = [x for x in tags(keys(s), 256) if x != zsk][0]
    s.proc.kill()
    s.proc.wait()
    s.start()
    eq(sorted(keys(s)), sorted([ksk, zsk, new]), "keys after kill -9")
    eq(signers(s, "www.example.com.", "A"), [zsk], "old ZSK still signs")
    s.move_clock(300 + PROP)
    wait_for(lambda: signers(s, "www.example.com.", "A") == [new],
             timeout=10, what="the switch after the restart (%s)" % new,
             logs=[s.log, lambda: str(signers(s, "www.example.com.", "A"))])
    s.stop()
    s.start()                       # a clean restart in the next stage
    s.move_clock(300 + PROP)
    wait_for(lambda: len(keys(s)) == 2, timeout=10,
             what="the old ZSK removed after restarts")
    verify(s, "after the rollover", 2 * (300 + PROP))


def parent_update(p, lines):
    script = "server 127.0.0.1 %d\nzone com.\n%s\nsend\n" % (
        p.port, "\n".join(lines))
    r = subprocess.run(["nsupdate", "-t", "3", "-u", "3"],
                       input=script.encode(), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=20)
    check(r.returncode == 0, "nsupdate: %s" % r.stdout.decode())


def oneshot(s, st, opt):
    """dnsvizor OPT with s's zone and state directory (--print-ds,
    --dnssec-rollover); its exit code and output."""
    return run_tool([BINARY, "--state-dir=" + st,
                     "--dnssec-sign=example.com",
                     "--zone=example.com," + s.zone_files["example.com."],
                     opt])


def request(s, st, what):
    rc, out = oneshot(s, st, "--dnssec-rollover=example.com," + what)
    check(rc == 0 and "requested" in out, "--dnssec-rollover: %s" % out)
    s.signal(signal.SIGHUP)


def ds_lines(s, st):
    rc, out = oneshot(s, st, "--print-ds=example.com")
    check(rc == 0, "--print-ds: %s" % out)
    return [ln.strip() for ln in out.splitlines() if " DS " in ln]


@case
def ksk_rollover_with_parent():
    """kskzsk: a requested KSK rollover; the new KSK is published and
    signs the DNSKEY set, CDS/CDNSKEY appear DNSKEY TTL + propagation
    later, the child polls the parent (a signed dnsvizor) for the new DS
    and, once the test added it there, removes CDS/CDNSKEY and the old
    KSK after the DS TTL + propagation; unbound and dnsvizor's resolver
    anchored at the parent's key answer AD throughout."""
    st = tmpdir()
    pport = free_port()
    s = child(st, "kskzsk,propagation=%d,ds-ttl=300" % PROP,
              ["--dnssec-parent=example.com,127.0.0.1#%d" % pport])
    ds1 = ds_lines(s, st)
    eq(len(ds1), 1, "one DS: %s" % ds1)
    p = Server(zones={"com.": PARENT + ds1[0].replace(" IN ", " 300 IN ")
                      + "\n"},
               port=pport,
               args=["--state-dir=" + tmpdir(), "--dnssec-sign=com",
                     "--allow-update=com.,127.0.0.1",
                     "--allow-transfer=com.,127.0.0.1"])
    ptext = axfr(p, "com.")
    anchor = [ln for ln in records(ptext, "DNSKEY")][0]
    ub = Unbound(anchor, {"com": p.port, "example.com": s.port})
    dv = DvResolver(anchor, {"com": p.port, "example.com": s.port})
    try:
        ub.check_ad("at start")
        dv.check_ad("at start")
        k = keys(s)
        old = tags(k, 257)[0]
        request(s, st, "ksk")
        wait_for(lambda: len(tags(keys(s), 257)) == 2, timeout=10,
                 what="the new KSK published")
        new = [x for x in tags(keys(s), 257) if x != old][0]
        eq(signers(s, "example.com.", "DNSKEY"), sorted([old, new]),
           "both KSKs sign the DNSKEY set")
        eq(keys(s, "CDNSKEY"), {}, "no CDNSKEY before it is ready")
        verify(s, "new KSK published", 0)
        ub.check_ad("new KSK published")
        dv.check_ad("new KSK published")
        # ready: CDS and CDNSKEY for the new key; the parent has not got
        # its DS, so the old key stays
        s.move_clock(300 + PROP)
        dv.move(300 + PROP)
        t = 300 + PROP
        wait_for(lambda: list(keys(s, "CDNSKEY")) == [new], timeout=10,
                 what="CDNSKEY of the new KSK")
        r = s.query("example.com.", "CDS", edns=0, want_dnssec=True)
        cds = [rd for rr in r.answer if rr.rdtype == 59 for rd in rr]
        eq([c.key_tag for c in cds], [new], "CDS of the new KSK")
        wait_for(lambda: "0 of 1 parent servers serve the new DS"
                 in s.log(), timeout=10, what="the poll of the parent")
        check("key %d is ready; waiting for the parent's DS: "
              "example.com. IN DS %d 13 2 " % (new, new) in s.log(),
              "the DS to submit logged")
        verify(s, "CDS published", t)
        ub.check_ad("CDS published")
        dv.check_ad("CDS published")
        ds2 = [ln for ln in ds_lines(s, st) if " %d " % new in ln]
        eq(len(ds2), 1, "the new DS from --print-ds: %s" % ds2)
        f = ds2[0].split()
        # served with a TTL above the policy's ds-ttl (300): that wins
        parent_update(p, ["update add example.com. 900 DS %s"
                          % " ".join(f[3:])])
        s.move_clock(300)           # the next poll
        dv.move(300)
        t += 300
        wait_for(lambda: "the parent has the DS of key %d" % new
                 in s.log(), timeout=10, what="the new DS seen")
        wait_for(lambda: keys(s, "CDNSKEY") == {}, timeout=10,
                 what="CDS/CDNSKEY removed after the submission")
        eq(sorted(tags(keys(s), 257)), sorted([old, new]),
           "the old KSK stays for the DS TTL")
        ub.check_ad("new DS at the parent")
        dv.check_ad("new DS at the parent")
        s.move_clock(300 + PROP)
        dv.move(300 + PROP)
        t += 300 + PROP
        time.sleep(0.5)
        eq(sorted(tags(keys(s), 257)), sorted([old, new]),
           "the old KSK stays for the DS TTL the parent serves (900)")
        s.move_clock(600)
        dv.move(600)
        t += 600
        wait_for(lambda: tags(keys(s), 257) == [new], timeout=10,
                 what="the old KSK removed")
        eq(signers(s, "example.com.", "DNSKEY"), [new], "new KSK signs")
        verify(s, "old KSK removed", t)
        ub.check_ad("old KSK removed")
        dv.check_ad("old KSK removed")
    finally:
        ub.close()


@case
def ksk_submitted_by_hand():
    """Without --dnssec-parent the operator says the DS is there
    (--dnssec-rollover=ZONE,ksk-submitted); a CSK policy rolls its CSK
    the same way."""
    st = tmpdir()
    s = child(st, "csk,propagation=%d,ds-ttl=300" % PROP)
    old = tags(keys(s), 257)
    eq(len(keys(s)), 1, "one CSK: %s" % keys(s))
    request(s, st, "ksk-submitted")         # nothing waits: ignored
    wait_for(lambda: "no key is waiting for its DS" in s.log(), timeout=10,
             what="the warning")
    request(s, st, "csk")
    wait_for(lambda: len(keys(s)) == 2, timeout=10, what="the new CSK")
    new = [x for x in keys(s) if x not in old][0]
    s.move_clock(300 + PROP)
    wait_for(lambda: list(keys(s, "CDNSKEY")) == [new], timeout=10,
             what="CDNSKEY of the new CSK")
    verify(s, "CSK ready", 300 + PROP)
    request(s, st, "ksk-submitted")
    wait_for(lambda: keys(s, "CDNSKEY") == {}, timeout=10,
             what="CDNSKEY removed")
    s.move_clock(300 + PROP)
    wait_for(lambda: list(keys(s)) == [new], timeout=10,
             what="the old CSK removed")
    eq(signers(s, "www.example.com.", "A"), [new], "the new CSK signs")
    verify(s, "after the CSK rollover", 2 * (300 + PROP))


@case
def test_policy_options_checked():
    """--dnssec-policy and --dnssec-parent name a --dnssec-sign zone."""
    rc, out = run_tool([BINARY, "--test", "--dnssec-policy=other.,kskzsk"])
    check(rc != 0 and "not a --dnssec-sign zone" in out, out)
    rc, out = run_tool([BINARY, "--test",
                        "--dnssec-policy=example.com,zsk-lifetime=x"])
    check(rc != 0 and "zsk-lifetime" in out, out)


if __name__ == "__main__":
    run()
