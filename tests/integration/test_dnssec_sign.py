"""Online signing of our own zones (--dnssec-sign, issue 13).

The served zone (AXFR with kdig) must validate with ldns-verify-zone,
Knot's kzonecheck -d on and BIND's dnssec-verify after
start, after nsupdate changes, after restarts (SIGTERM and kill -9: the key
and the signatures persist), for NSEC and NSEC3 and algorithms 13 and 15;
a validating unbound and a validating dnsvizor (trust anchor = our DS /
DNSKEY, dnsvizor as the stub/forwarder target) answer with AD for a
positive, an NXDOMAIN and a NODATA query, also after an update, and
again through a loopback delegation from a signed parent (a second
dnsvizor, --dnssec-sign=., on port 53 of its own 127/8 address, with the
child's DS from --print-ds; the resolvers iterate from root hints with
the parent's DS as their only anchor; a wrong DS there gives SERVFAIL);
signatures are renewed on a moved clock; --print-ds equals ldns-key2ds
of the served DNSKEY; an update is one IXFR step with its signatures."""
import os
import re
import subprocess
import sys
import time

import dns.flags
import dns.message
import dns.query
import dns.rcode

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dvtest import (BINARY, Server, case, check, eq, free_port,  # noqa: E402
                    run, run_tool, tmpdir, wait_for, write)

ZONE = ("$TTL 3600\n$ORIGIN example.com.\n"
        "@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n"
        "@ NS ns1\n@ MX 10 mail\n"
        "ns1 A 192.0.2.1\nmail A 192.0.2.2\n"
        "www A 192.0.2.3\nwww AAAA 2001:db8::3\n"
        "a.b.c TXT \"deep\"\n"          # empty non-terminals b.c, c
        # canonical form and order inside RRSIG input (RFC 4034 6.2, 6.3):
        # rdata names lowercased, RRs sorted as octet strings
        "@ MX 20 MAIL2.Example.COM.\nmail2 A 192.0.2.20\n"
        "multi TXT \"bbb\"\nmulti TXT \"a\"\nmulti TXT \"ccccc\"\n"
        "Mixed.Case A 192.0.2.30\n"
        "*.wild TXT \"wild\"\n"
        "sub NS ns.sub\nns.sub A 192.0.2.53\n"        # unsigned delegation
        "sec NS ns.sec\nns.sec A 192.0.2.54\n"     # signed delegation
        "sec DS 12345 13 2 " + "00" * 32 + "\n")


def server(sign="example.com", state=None, extra=()):
    return Server(zones={"example.com.": ZONE},
                  args=["--state-dir=" + (state or tmpdir()),
                        "--dnssec-sign=" + sign,
                        "--allow-update=example.com.,127.0.0.1",
                        "--allow-transfer=example.com.,127.0.0.1"] +
                  list(extra))


def axfr(s):
    return axfr_of(s, "example.com.")


def axfr_of(s, origin):
    rc, out = run_tool(["kdig", "@" + s.addr(), "-p", str(s.port), origin,
                        "AXFR", "+nocomments", "+nostats", "+time=3",
                        "+retry=0"])
    check(rc == 0 and "SOA" in out, "AXFR failed: %s" % out[-500:])
    return out


def verify(s, what, offset=None, fresh=None):
    """ldns-verify-zone on the served zone (at now + offset seconds; no
    signature may expire within fresh, an ISO 8601 period)."""
    text = axfr(s)
    fn = write(os.path.join(tmpdir(), "axfr.zone"), text)
    argv = ["ldns-verify-zone"]
    if offset:
        argv += ["-t", "+%d" % offset]
    if fresh:
        argv += ["-e", fresh]
    rc, out = run_tool(argv + [fn])
    check(rc == 0 and "Zone is verified" in out,
          "%s: ldns-verify-zone: %s\n%s" % (what, out.strip()[-800:],
                                            text[:3000]))
    kzonecheck(fn, what, offset)
    if not offset:      # dnssec-verify has no clock option
        rc, out = run_tool(["dnssec-verify", "-z", "-o", "example.com.",
                            fn])
        check(rc == 0, "%s: dnssec-verify: %s" % (what, out[-800:]))
    return text


def kzonecheck(fn, what, offset=None, origin="example.com."):
    """Knot's kzonecheck with its DNSSEC checks (-d on: signatures valid
    at now + offset, the NSEC/NSEC3 chain, NSEC3PARAM, DNSKEY) as a second
    opinion beside ldns-verify-zone."""
    argv = ["kzonecheck", "-v", "-d", "on", "-o", origin]
    if offset:
        argv += ["-t", "+%ds" % offset]
    rc, out = run_tool(argv + [fn])
    check(rc == 0 and "No semantic error found" in out,
          "%s: kzonecheck -d on: %s" % (what, out.strip()[-800:]))


def serial(s):
    r = s.query("example.com.", "SOA")
    return r.answer[0][0].serial


def nsupdate(s, lines, zone="example.com."):
    script = "server %s %d\nzone %s\n%s\nsend\n" % (
        s.addr(), s.port, zone, "\n".join(lines))
    p = subprocess.run(["nsupdate", "-t", "3", "-u", "3"],
                       input=script.encode(), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=20)
    out = p.stdout.decode("utf-8", "replace")
    check(p.returncode == 0, "nsupdate failed: %s" % out)


def records(text, rtype):
    return [ln for ln in text.splitlines()
            if len(ln.split()) > 3 and ln.split()[3] == rtype]


def dnskey(text):
    keys = records(text, "DNSKEY")
    check(len(keys) == 1, "one DNSKEY expected: %s" % keys)
    return keys[0]


UPDATE = ["update add new.x.example.com. 300 A 192.0.2.99",
          "update delete www.example.com. AAAA",
          "update delete a.b.c.example.com.",
          # a new delegation with glue: the glue gets no RRSIG, no NSEC
          "update add kid.example.com. 300 NS ns.kid.example.com.",
          "update add ns.kid.example.com. 300 A 192.0.2.60",
          "update add alias.example.com. 300 CNAME www.example.com.",
          # the TTL of a signed RRset changes: re-signed with it
          "update add ns1.example.com. 600 A 192.0.2.1"]


def variant(sign, nsec3):
    s = server(sign)
    text = verify(s, sign + " after start")
    eq(len(records(text, "NSEC3") + records(text, "NSEC3PARAM")) > 0, nsec3,
       "NSEC3 records present (%s)" % sign)
    eq(len(records(text, "NSEC")) > 0, not nsec3, "NSEC records (%s)" % sign)
    if nsec3:
        check(any(ln.split()[4:] == ["1", "0", "0", "-"]
                  for ln in records(text, "NSEC3PARAM")),
              "NSEC3PARAM 1 0 0 - (RFC 9276): %s" %
              records(text, "NSEC3PARAM"))
    key = dnskey(text)
    alg = "15" if "ed25519" in sign or ",15" in sign else "13"
    check(key.split()[6] == alg and key.split()[4] == "257",
          "a CSK of algorithm %s: %s" % (alg, key))
    nsupdate(s, UPDATE)
    text = verify(s, sign + " after update")
    check("new.x.example.com." in text and "2001:db8::3" not in text and
          "deep" not in text, "update applied: %s" % text[:2000])
    glue = [ln for ln in records(text, "RRSIG") + records(text, "NSEC")
            if ln.split()[0] in ("ns.kid.example.com.", "ns.sub.example.com.")
            or (ln.split()[0] == "kid.example.com." and
                ln.split()[4] == "NS")]
    eq(glue, [], "signatures or NSEC on glue / the NS at a cut")
    s.proc.kill()
    s.proc.wait()
    s.start()
    after = verify(s, sign + " after kill -9")
    check(sorted(after.splitlines()) == sorted(text.splitlines()),
          "%s: the zone after kill -9 differs" % sign)
    return s


@case
def nsec_alg13_start_update_restart():
    """Default: ECDSA P-256, NSEC; verifies after start, update, SIGTERM
    restart (nothing re-signed: same serial, same key) and kill -9."""
    st = tmpdir()
    s = server(state=st)
    text = verify(s, "after start")
    key = dnskey(text)
    files = os.listdir(os.path.join(st, "dnssec"))
    check(len(files) == 1 and files[0].startswith("example.com+013+") and
          files[0].endswith(".key"), "key file: %s" % files)
    mode = os.stat(os.path.join(st, "dnssec", files[0])).st_mode & 0o777
    eq(oct(mode), oct(0o600), "key file mode")
    check("DS for the parent: example.com. IN DS" in s.log(),
          "the DS is logged when the key is made: %s" % s.log_tail())
    nsupdate(s, UPDATE)
    verify(s, "after update")
    ser = serial(s)
    s.stop()
    s.start()
    text = verify(s, "after restart")
    eq(serial(s), ser, "serial after a restart (nothing to re-sign)")
    eq(dnskey(text), key, "DNSKEY after a restart")
    nsupdate(s, ["update add kill9.example.com. 300 TXT \"durable\""])
    ser = serial(s)
    s.proc.kill()
    s.proc.wait()
    s.start()
    text = verify(s, "after kill -9")
    eq(serial(s), ser, "serial after kill -9")
    check("durable" in text, "the update survived kill -9")
    eq(dnskey(text), key, "DNSKEY after kill -9")
    eq(os.listdir(os.path.join(st, "dnssec")), files, "still one key")


@case
def nsec3_alg13():
    variant("example.com,nsec3", True)


@case
def nsec_alg15():
    variant("example.com,ed25519", False)


@case
def nsec3_alg15():
    variant("example.com,15,nsec3", True)


@case
def update_is_one_ixfr_step_with_its_signatures():
    """The change, its RRSIGs, the NSEC changes and the SOA's new RRSIG
    come as one IXFR step (one journal record)."""
    s = server()
    before = serial(s)
    nsupdate(s, ["update add new.example.com. 300 A 192.0.2.77"])
    eq(serial(s), before + 1, "one serial step per update")
    rc, out = run_tool(["kdig", "@127.0.0.1", "-p", str(s.port),
                        "example.com.", "IXFR=%d" % before, "+nocomments",
                        "+nostats", "+time=3", "+retry=0"])
    soas = records(out, "SOA")
    eq(len(soas), 4, "one difference sequence: %s" % out)
    sigs = [ln.split()[4] for ln in records(out, "RRSIG")]
    for t in ("A", "NSEC", "SOA"):
        check(t in sigs, "RRSIG %s in the step: %s" % (t, out))
    check(any("new.example.com." in ln for ln in records(out, "NSEC")),
          "the new NSEC in the step: %s" % out)


KEY, SECRET = "xfr-key", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ="


def ixfr_text(s, frm):
    rc, out = run_tool(["kdig", "@127.0.0.1", "-p", str(s.port),
                        "example.com.", "IXFR=%d" % frm, "+nocomments",
                        "+nostats", "+time=3", "+retry=0"])
    check(rc == 0, "IXFR=%d failed: %s" % (frm, out[-500:]))
    return out


@case
def file_edit_is_one_ixfr_step_with_its_signatures():
    """A zone-file edit of a signed zone and SIGHUP: the edit, its RRSIGs,
    the NSEC changes and the SOA's new RRSIG are one journal record, one
    IXFR step (no unsigned version in the history); the zone verifies,
    and Knot as the secondary takes the step by IXFR and serves a zone
    that verifies too."""
    file_edit("example.com", "NSEC")


@case
def file_edit_nsec3_is_one_ixfr_step():
    file_edit("example.com,nsec3", "NSEC3")


def file_edit(sign, chain):
    import knotpeer
    dv_port = free_port()
    body = knotpeer.SECONDARY_OF_DV.replace(
        "acl:\n", "acl:\n  - id: xfr_out\n    address: 127.0.0.1\n"
        "    action: transfer\n", 1).replace(
        "acl: notify_from_dv", "acl: [notify_from_dv, xfr_out]")
    knot = knotpeer.Knot(body, {"dvp": dv_port, "k": KEY, "s": SECRET})
    s = None
    try:
        s = Server(zones={"example.com.": ZONE}, port=dv_port,
                   args=["--state-dir=" + tmpdir(),
                         "--dnssec-sign=" + sign,
                         "--dns-key=%s:sha256:%s" % (KEY, SECRET),
                         "--allow-transfer=example.com.,%s" % KEY,
                         "--allow-transfer=example.com.,127.0.0.1",
                         "--notify=example.com,127.0.0.1#%d,%s" % (
                             knot.port, KEY)])
        before = serial(s)
        wait_for(lambda: knot_serial(knot) == before, timeout=15,
                 what="knot has the signed zone: " + knot.log()[-1500:])
        axfrs = len(re.findall(r"AXFR, incoming.*finished", knot.log()))
        write(s.zone_files["example.com."],
              ZONE.replace("www AAAA 2001:db8::3\n", "") +
              "edited A 192.0.2.100\n")
        s.reload()
        wait_for(lambda: "192.0.2.100" in axfr(s), timeout=10,
                 what="the edit served")
        time.sleep(1)        # a second step would have come by now
        eq(serial(s), before + 1, "one serial step for the edit")
        out = ixfr_text(s, before)
        eq(len(records(out, "SOA")), 4, "one difference sequence: %s" % out)
        sigs = [ln.split()[4] for ln in records(out, "RRSIG")]
        check("A" in sigs and chain in sigs and "SOA" in sigs,
              "RRSIG A, %s and SOA in the step: %s" % (chain, out))
        check(len(records(out, chain)) >= 2,
              "the %s chain's change in the step: %s" % (chain, out))
        text = verify(s, "after the edit")
        check("2001:db8::3" not in text, "the deletion is served")
        wait_for(lambda: knot_serial(knot) == before + 1, timeout=10,
                 what="knot follows the edit: " + knot.log()[-1500:])
        check(knot.took_ixfr(), "knot: IXFR, no fallback: " +
              knot.log()[-1500:])
        eq(len(re.findall(r"AXFR, incoming.*finished", knot.log())), axfrs,
           "knot took the edit without AXFR")
        rc, kt = run_tool(["kdig", "@127.0.0.1", "-p", str(knot.port),
                           "example.com.", "AXFR", "+nocomments",
                           "+nostats", "+time=3", "+retry=0"])
        fn = write(os.path.join(tmpdir(), "knot.zone"), kt)
        rc, vout = run_tool(["ldns-verify-zone", fn])
        check(rc == 0, "knot's copy: ldns-verify-zone: %s" % vout[-800:])
        kzonecheck(fn, "knot's copy")
        eq(owners_lower(kt), owners_lower(text),
           "knot's copy equals the served zone (Knot lowercases owners)")
        # an edit made while stopped: one step at start-up too
        s.stop()
        write(s.zone_files["example.com."],
              ZONE.replace("www AAAA 2001:db8::3\n", "") +
              "edited A 192.0.2.101\n")
        s.start()
        text = verify(s, "after an edit while stopped")
        check("192.0.2.101" in text and "192.0.2.100" not in text,
              "the edit made while stopped is served")
        eq(serial(s), before + 2, "one serial step for it")
        eq(len(records(ixfr_text(s, before + 1), "SOA")), 4,
           "one difference sequence after a restart")
    finally:
        if s:
            s.stop()
        knot.stop()


def owners_lower(text):
    return sorted(ln[:len(ln.split()[0])].lower() + ln[len(ln.split()[0]):]
                  for ln in text.splitlines() if ln.strip())


def knot_serial(knot):
    try:
        r = dns.query.udp(dns.message.make_query("example.com.", "SOA"),
                          "127.0.0.1", port=knot.port, timeout=1)
    except Exception:
        return None
    return r.answer[0][0].serial if r.answer else None


@case
def reload_of_edited_zone_file_is_signed():
    """The operator raises the file's serial and sends SIGHUP: the edit
    is applied with the file's serial (as without signing), signed in the
    same change (serial 100, not 100 and then 101)."""
    s = server()
    nsupdate(s, ["update add dyn.example.com. 300 A 192.0.2.5"])
    write(s.zone_files["example.com."],
          ZONE.replace(" 1 7200", " 100 7200") + "edited A 192.0.2.100\n")
    s.reload()
    wait_for(lambda: serial(s) == 100, timeout=10,
             what="the edited file, signed (serial 100)")
    text = verify(s, "after SIGHUP")
    time.sleep(0.5)
    eq(serial(s), 100, "no second step for the signatures")
    check("192.0.2.100" in text, "the edit is served")


@case
def signer_records_not_updatable():
    """RRSIG/NSEC in an UPDATE of a signed zone: REFUSED (as Knot)."""
    s = server()
    script = ("server 127.0.0.1 %d\nzone example.com.\n"
              "update delete www.example.com. NSEC\nsend\n" % s.port)
    p = subprocess.run(["nsupdate", "-t", "3", "-u", "3"],
                       input=script.encode(), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=20)
    check(p.returncode != 0 and b"REFUSED" in p.stdout,
          "nsupdate of NSEC: %r" % p.stdout)
    verify(s, "after the refused update")


@case
def print_ds_equals_ldns_key2ds():
    st = tmpdir()
    s = server(state=st)
    text = axfr(s)
    kf = write(os.path.join(tmpdir(), "k.key"), dnskey(text) + "\n")
    rc, want = run_tool(["ldns-key2ds", "-n", "-2", kf])
    eq(rc, 0, "ldns-key2ds")
    p = subprocess.run([BINARY, "--zone=example.com.," +
                        s.zone_files["example.com."],
                        "--dnssec-sign=example.com", "--state-dir=" + st,
                        "--print-ds=example.com"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=10)
    got = p.stdout.decode()
    eq(p.returncode, 0, "--print-ds exit code (%s)" % got)
    eq(got.split()[-4:], want.split()[-4:], "DS rdata")
    check(got.split()[0] == "example.com." and "DS" in got.split(),
          "owner and type: %r" % got)


@case
def test_rejects_sign_of_non_primary():
    d = tmpdir()
    zf = write(os.path.join(d, "z.zone"), ZONE)
    p = subprocess.run([BINARY, "--test", "--zone=example.com.," + zf,
                        "--dnssec-sign=example.org", "--state-dir=" + d],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=10)
    out = p.stdout.decode()
    check(p.returncode != 0 and "dnssec-sign" in out and
          "example.org" in out, "--test: %d %r" % (p.returncode, out))
    p = subprocess.run([BINARY, "--test", "--zone=example.com.," + zf,
                        "--dnssec-sign=example.com,rsasha1"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=10)
    out = p.stdout.decode()
    check(p.returncode != 0 and "rsasha1" in out, "bad algorithm: %r" % out)


@case
def refresh_on_moved_clock():
    """+10 days: signatures (14 days, refreshed with 7 left) are renewed;
    the zone verifies at the moved time."""
    s = server()
    verify(s, "at start", fresh="P12D")
    before = serial(s)
    s.move_clock(10 * 86400)
    wait_for(lambda: serial(s) > before, timeout=10,
             what="a re-signing change (serial bump)")
    verify(s, "10 days later", offset=10 * 86400, fresh="P6D")
    # nothing more to do right away: the refresh is not per query
    ser = serial(s)
    for _ in range(20):
        s.query("www.example.com.", "A", want_dnssec=True)
    time.sleep(0.5)
    eq(serial(s), ser, "no re-signing without need")
    s.move_clock(8 * 86400)
    wait_for(lambda: serial(s) > ser, timeout=10,
             what="the next refresh")
    verify(s, "18 days later", offset=18 * 86400, fresh="P6D")


LAN_ZONE = """$ORIGIN lan.test.
$TTL 300
@ IN SOA ns admin 7 3600 600 86400 60
@ IN NS ns
ns IN A 192.0.2.1
"""


@case
def dhcp_lease_names_are_signed():
    """A lease name (dhclient in a namespace) goes into a signed --zone
    with its signatures: the zone verifies, the name has an RRSIG."""
    import dhcpnet
    net, s = dhcpnet.Net(), None
    dom = dhcpnet.DOMAIN
    try:
        s = net.server(["--dhcp-range=%s,%s,255.255.255.0,10m" % (
            net.pool(50), net.pool(150)), "--dnssec-sign=" + dom,
            "--allow-transfer=%s,0.0.0.0/0" % dom], zones={dom: LAN_ZONE})
        got, _ = net.dhclient(hostname="delta")
        check(got and got.addr, "no lease")

        def zone():
            return net.run(net.sns, [
                "kdig", "@" + net.pool(1), dom + ".", "AXFR", "+nocomments",
                "+nostats", "+time=3", "+retry=0"], check=False)
        wait_for(lambda: "delta.%s." % dom in zone(), timeout=10,
                 what="the lease name in the zone")
        text = zone()
        check(any(ln.startswith("delta.") and ln.split()[3] == "RRSIG"
                  for ln in text.splitlines()), "no RRSIG for delta: %s"
              % text)
        fn = write(os.path.join(tmpdir(), "lan.zone"), text)
        rc, out = run_tool(["ldns-verify-zone", fn])
        check(rc == 0, "ldns-verify-zone: %s" % out)
    finally:
        try:
            if s is not None and s.alive():
                s.stop()
        finally:
            net.close()


# ---- validating resolvers ----

VALIDATE = [
    ("www.example.com.", "A", "NOERROR"),
    ("www.example.com.", "MX", "NOERROR"),          # NODATA
    ("nope.example.com.", "A", "NXDOMAIN"),
]
AFTER = [
    ("added.example.com.", "A", "NOERROR"),
    ("mail.example.com.", "A", "NXDOMAIN"),         # deleted
    ("added.example.com.", "TXT", "NOERROR"),       # NODATA
]
AFTER_UPDATE = ["update add added.example.com. 300 A 192.0.2.44",
                "update delete mail.example.com."]


def ask(port, qname, qtype):
    q = dns.message.make_query(qname, qtype, want_dnssec=True)
    for _ in range(20):
        try:
            return dns.query.udp(q, "127.0.0.1", port=port, timeout=2)
        except Exception:
            time.sleep(0.2)
    return None


def check_ad(port, queries, who):
    for qname, qtype, rc in queries:
        r = ask(port, qname, qtype)
        got = "no reply" if r is None else "%s%s" % (
            dns.rcode.to_text(r.rcode()),
            " AD" if r.flags & dns.flags.AD else "")
        eq(got, rc + " AD", "%s: %s/%s" % (who, qname, qtype))


def check_nsec3_proofs(s):
    """An NSEC3-signed zone answers NODATA with its NSEC3 proof."""
    r = s.query("www.example.com.", "MX", edns=0, want_dnssec=True)
    check(any(rr.rdtype == 50 for rr in r.authority),
          "NODATA carries the NSEC3 proof")


def unbound_validates(sign):
    s = server(sign)
    if "nsec3" in sign:
        check_nsec3_proofs(s)
    d = tmpdir()
    ta = write(os.path.join(d, "ta.key"), dnskey(axfr(s)) + "\n")
    uport = free_port()
    conf = write(os.path.join(d, "unbound.conf"),
                 "server:\n  interface: 127.0.0.1\n  port: %d\n"
                 "  do-not-query-localhost: no\n  chroot: \"\"\n"
                 "  username: \"\"\n  pidfile: \"\"\n"
                 "  directory: \"%s\"\n  trust-anchor-file: \"%s\"\n"
                 "  module-config: \"validator iterator\"\n"
                 "  use-syslog: no\n  val-log-level: 2\n"
                 "  logfile: \"%s/unbound.log\"\n  cache-max-ttl: 0\n"
                 "  cache-max-negative-ttl: 0\n  aggressive-nsec: no\n"
                 "stub-zone:\n  name: example.com\n"
                 "  stub-addr: 127.0.0.1@%d\n" % (uport, d, ta, d, s.port))
    ub = subprocess.Popen(["unbound", "-d", "-c", conf],
                          start_new_session=True,
                          stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
    try:
        try:
            check_ad(uport, VALIDATE, "unbound")
            nsupdate(s, AFTER_UPDATE)
            check_ad(uport, AFTER, "unbound after an update")
        except Exception:
            log = open(os.path.join(d, "unbound.log"),
                       errors="replace").read()
            print("\n".join(log.splitlines()[-15:]))
            raise
    finally:
        ub.terminate()
        ub.wait(5)


@case
def unbound_validates_nsec():
    unbound_validates("example.com")


@case
def unbound_validates_nsec_ed25519():
    unbound_validates("example.com,ed25519")


@case
def unbound_validates_nsec3_ed25519():
    unbound_validates("example.com,ed25519,nsec3")


def dnsvizor_validates(sign):
    """A second dnsvizor, validating, with our DS as trust anchor and the
    signing dnsvizor as its forwarder for example.com."""
    st = tmpdir()
    s = server(sign, state=st)
    if "nsec3" in sign:
        check_nsec3_proofs(s)
    p = subprocess.run([BINARY, "--zone=example.com.," +
                        s.zone_files["example.com."],
                        "--dnssec-sign=" + sign, "--state-dir=" + st,
                        "--print-ds=example.com"], stdout=subprocess.PIPE,
                       timeout=10)
    f = p.stdout.decode().split()
    anchor = "example.com,%s,%s,%s,%s" % tuple(f[3:7])
    v = Server(args=["--dnssec", "--trust-anchor=" + anchor,
                     "--server=/example.com/127.0.0.1#%d" % s.port,
                     "--allow-loopback-upstream", "--no-negcache",
                     "--max-cache-ttl=0"])
    check_ad(v.port, VALIDATE, "dnsvizor")
    nsupdate(s, AFTER_UPDATE)
    check_ad(v.port, AFTER, "dnsvizor after an update")


@case
def dnsvizor_validates_nsec():
    dnsvizor_validates("example.com")


@case
def dnsvizor_validates_nsec_ed25519():
    dnsvizor_validates("example.com,ed25519")


@case
def dnsvizor_validates_nsec3_ed25519():
    dnsvizor_validates("example.com,ed25519,nsec3")


# ---- a loopback delegation with the DS in the parent ----
#
# The parent is a signed root zone (a second dnsvizor) delegating
# example.com. with glue and the child's DS; parent and child listen on
# port 53 of addresses of their own in 127/8 (as netsim's servers: glue
# has no port), so the resolvers find the child only by following the
# parent's referral, and their only trust anchor is the parent's DS.


class Auth53(Server):
    """A dnsvizor on port 53 of its own loopback address ip."""

    def __init__(self, ip, **kw):
        self.ip = ip
        kw["args"] = ["--listen-address=" + ip, "--port=53"] + kw["args"]
        Server.__init__(self, port=53, listen=False, wait=False, **kw)
        deadline = time.monotonic() + 10
        while not ask_at(ip, 53, "version.bind.", "TXT", "CH", 0.2):
            check(self.alive() and time.monotonic() < deadline,
                  "dnsvizor on %s#53 did not start: %s" % (
                      ip, self.log_tail()))

    def addr(self, v6=False):
        return self.ip


def ask_at(ip, port, qname, qtype, qclass="IN", timeout=2.0):
    try:
        return dns.query.udp(dns.message.make_query(qname, qtype, qclass),
                             ip, port=port, timeout=timeout)
    except Exception:
        return None


def free_block():
    """A 127.X.Y.0/24 whose .1 and .2 are free on port 53 (X above
    netsim's 100..200)."""
    import random
    import socket
    for _ in range(50):
        base = "127.%d.%d." % (random.randint(201, 254),
                               random.randint(1, 254))
        try:
            for h in (1, 2):
                for typ in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                    with socket.socket(socket.AF_INET, typ) as so:
                        so.bind((base + str(h), 53))
            return base
        except OSError:
            continue
    check(False, "no free 127.X.Y.0/24 on port 53")


ROOT = ("$TTL 300\n$ORIGIN .\n"
        "@ IN SOA ns.root-servers.test. hostmaster.test. 1 7200 3600 "
        "1209600 300\n@ NS ns.root-servers.test.\n"
        "ns.root-servers.test. A {pip}\n"
        "example.com. NS ns1.example.com.\n"
        "ns1.example.com. A {cip}\n"
        "{ds}\n")


class Delegation:
    """The child (example.com., signed with sign) on ip .2, the signed
    parent (.) on .1 with the child's DS (its digest changed when
    broken), the root hints and the parent's DS as trust anchor."""

    def __init__(self, sign, broken=False):
        base = free_block()
        self.pip, self.cip = base + "1", base + "2"
        st = tmpdir()
        self.child = Auth53(self.cip, zones={"example.com.": ZONE.replace(
            "ns1 A 192.0.2.1", "ns1 A " + self.cip)},
            args=["--state-dir=" + st, "--dnssec-sign=" + sign,
                  "--allow-update=example.com.,127.0.0.0/8",
                  "--allow-transfer=example.com.,127.0.0.0/8"])
        ds = print_ds(self.child.zone_files["example.com."], "example.com",
                      sign, st)
        if broken:
            f = ds.split()
            f[-1] = ("0" if f[-1][0] != "0" else "1") + f[-1][1:]
            ds = " ".join(f)
        self.ds = ds
        pst = tmpdir()
        self.parent = Auth53(self.pip, zones={".": ROOT.format(
            pip=self.pip, cip=self.cip, ds=ds)},
            args=["--state-dir=" + pst, "--dnssec-sign=.",
                  "--allow-transfer=.,127.0.0.0/8"])
        pds = print_ds(self.parent.zone_files["."], ".", ".", pst)
        f = pds.split()
        self.anchor = ".,%s,%s,%s,%s" % tuple(f[3:7])
        self.anchor_line = pds
        self.hints = write(os.path.join(tmpdir(), "root.hints"),
                           ". 3600000 IN NS ns.root-servers.test.\n"
                           "ns.root-servers.test. 3600000 IN A %s\n"
                           % self.pip)

    def unbound(self):
        d = tmpdir()
        ta = write(os.path.join(d, "ta.key"), self.anchor_line + "\n")
        port = free_port()
        conf = write(os.path.join(d, "unbound.conf"),
                     "server:\n  interface: 127.0.0.1\n  port: %d\n"
                     "  do-not-query-localhost: no\n  chroot: \"\"\n"
                     "  username: \"\"\n  pidfile: \"\"\n  do-ip6: no\n"
                     "  directory: \"%s\"\n  trust-anchor-file: \"%s\"\n"
                     "  root-hints: \"%s\"\n"
                     "  module-config: \"validator iterator\"\n"
                     "  use-syslog: no\n  val-log-level: 2\n"
                     "  logfile: \"%s/unbound.log\"\n  cache-max-ttl: 0\n"
                     "  cache-max-negative-ttl: 0\n  aggressive-nsec: no\n"
                     % (port, d, ta, self.hints, d))
        proc = subprocess.Popen(["unbound", "-d", "-c", conf],
                                start_new_session=True,
                                stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        return port, proc, os.path.join(d, "unbound.log")

    def dnsvizor(self):
        return Server(args=["--no-resolv", "--root-hints=" + self.hints,
                            "--allow-loopback-upstream", "--dnssec",
                            "--trust-anchor=" + self.anchor,
                            "--no-negcache", "--max-cache-ttl=0"])


def print_ds(zf, zone, sign, st):
    p = subprocess.run([BINARY, "--zone=%s,%s" % (zone, zf),
                        "--dnssec-sign=" + sign, "--state-dir=" + st,
                        "--print-ds=" + zone], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=10)
    out = [ln for ln in p.stdout.decode().splitlines() if " DS " in ln]
    check(p.returncode == 0 and len(out) == 1, "--print-ds=%s: %s" % (
        zone, p.stdout.decode()))
    return out[0].strip()


def stop(proc):
    proc.terminate()
    proc.wait(5)


def follows_the_delegation(sign):
    """unbound and a validating dnsvizor (root hints: the parent; anchor:
    the parent's DS) answer AD for a positive, a NODATA and an NXDOMAIN
    answer in the child, also after an update to the child; both asked
    the parent for the DS; with a wrong DS in the parent, SERVFAIL."""
    d = Delegation(sign)
    if "nsec3" in sign:
        check_nsec3_proofs(d.child)
    eq(ask_at(d.pip, 53, "example.com.", "DS").answer[0][0].to_text(),
       " ".join(d.ds.split()[3:]), "the parent serves the child's DS")
    uport, ub, ulog = d.unbound()
    v = d.dnsvizor()
    try:
        try:
            check_ad(uport, VALIDATE, "unbound")
            check_ad(v.port, VALIDATE, "dnsvizor")
            nsupdate(d.child, AFTER_UPDATE)
            check_ad(uport, AFTER, "unbound after an update")
            check_ad(v.port, AFTER, "dnsvizor after an update")
        except Exception:
            print("\n".join(open(ulog, errors="replace").read()
                            .splitlines()[-15:]))
            print(v.log_tail(1500))
            raise
    finally:
        stop(ub)
    # a wrong DS in the parent: bogus, SERVFAIL (the chain goes through
    # the parent's DS, not around it)
    v.stop()
    d.child.stop()
    d.parent.stop()
    d = Delegation(sign, broken=True)
    uport, ub, ulog = d.unbound()
    v = d.dnsvizor()
    try:
        for port, who in ((uport, "unbound"), (v.port, "dnsvizor")):
            r = ask(port, "www.example.com.", "A")
            eq("no reply" if r is None else dns.rcode.to_text(r.rcode()),
               "SERVFAIL", "%s with a wrong DS in the parent" % who)
            r = ask(port, ".", "SOA")
            eq("no reply" if r is None else "%s%s" % (
                dns.rcode.to_text(r.rcode()),
                " AD" if r.flags & dns.flags.AD else ""), "NOERROR AD",
               "%s: the parent itself still validates" % who)
    finally:
        stop(ub)


@case
def delegation_validates_nsec():
    follows_the_delegation("example.com")


@case
def delegation_validates_nsec3():
    follows_the_delegation("example.com,nsec3")


if __name__ == "__main__":
    run()
