"""TSIG-signed RFC 2136 updates against the real binary with real nsupdate
(-y, and -k with a BIND key file) and dnspython: every prerequisite kind
passing and failing with the right rcode, every update kind, per-key rules
(--allow-update=ZONE,KEY and ZONE,KEY,TYPE), robur's x._update.ZONE key
convention, and the refusals: unsigned, not-allowed type, other zone,
wrong secret (NOTAUTH/BADSIG), unknown key (NOTAUTH/BADKEY), stale time
(NOTAUTH/BADTIME).  No address rule is configured, so only keys can
update.  Each refused update must leave the zone (and its SOA serial)
unchanged; each successful one bumps the serial by exactly one and is
visible over UDP and TCP; replies to signed updates are signed."""
import base64
import hmac
import os
import struct
import subprocess
import sys
import time
from unittest import mock

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dns.message  # noqa: E402
import dns.name  # noqa: E402
import dns.rcode  # noqa: E402
import dns.tsig  # noqa: E402
import dns.tsigkeyring  # noqa: E402
import dns.update  # noqa: E402

from dvtest import (Shared, Server, TestFailure, case, check, eq,  # noqa
                    rdatas, run, run_tool, tmpdir, write)

ZONE = ("$TTL 300\n$ORIGIN example.com.\n"
        "@ IN SOA ns1 hostmaster 10 7200 3600 1209600 300\n"
        "  IN NS ns1\n  IN NS ns2\n"
        "ns1 IN A 192.0.2.1\nns2 IN A 192.0.2.2\n"
        "www IN A 192.0.2.10\nwww IN TXT \"hello\"\n"
        "multi IN A 192.0.2.20\nmulti IN A 192.0.2.21\n")
OTHER = ("$TTL 300\n$ORIGIN example.org.\n"
         "@ IN SOA ns1 hostmaster 50 7200 3600 1209600 300\n"
         "  IN NS ns1\nns1 IN A 192.0.2.1\n")


def b64(text):
    return base64.b64encode(text).decode()


# name -> (BIND algorithm, dnsvizor algorithm, secret)
KEYS = {
    "upd.key.": ("hmac-sha256", "SHA256",
                 b64(b"update key secret for tests 0001")),
    "txt.key.": ("hmac-sha512", "SHA512",
                 b64(b"txt-only key secret, sixty-four bytes long" +
                     b"." * 22)),
    "acme._update.example.com.": ("hmac-sha1", "SHA1",
                                  b64(b"robur style key")),
}
KEY1, KEY2, ROBUR = "upd.key.", "txt.key.", "acme._update.example.com."
DPALG = {"hmac-sha256": dns.tsig.HMAC_SHA256,
         "hmac-sha512": dns.tsig.HMAC_SHA512,
         "hmac-sha1": dns.tsig.HMAC_SHA1}


def _start():
    args = ["--state-dir=" + tmpdir()]
    args += ["--dns-key=%s:%s:%s" % (n.rstrip("."), k[1], k[2])
             for n, k in KEYS.items()]
    args += ["--allow-update=example.com,upd.key",
             "--allow-update=example.com,txt.key,TXT"]
    return Server(zones={"example.com": ZONE, "example.org": OTHER},
                  args=args)


_shared = Shared(_start)


def srv():
    return _shared.get()


def ykey(name, secret=None):
    alg, _, sec = KEYS[name]
    return "%s:%s:%s" % (alg, name.rstrip("."), secret or sec)


def nsupdate(s, lines, key=None, zone="example.com", keyfile=None,
             tcp=False):
    """Run nsupdate with the commands; returns (exit code, output)."""
    argv = ["nsupdate", "-t", "3", "-u", "3"] + (["-v"] if tcp else [])
    if key:
        argv += ["-y", key]
    if keyfile:
        argv += ["-k", keyfile]
    script = "server 127.0.0.1 %d\nzone %s\n%s\nsend\n" % (
        s.port, zone, "\n".join(lines))
    p = subprocess.run(argv, input=script.encode(), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=20)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def look(s, name, rtype="A", tcp=False):
    r = s.query(name, rtype, tcp=tcp)
    return sorted(rdatas(r.answer, name, rtype))


def serial(s, zone="example.com."):
    r = s.query(zone, "SOA")
    return int(rdatas(r.answer, zone, "SOA")[0].split()[2])


def snapshot(s, names):
    """What dig sees for the names (A, TXT, AAAA) and both SOAs: one dig
    run with many queries; sorted answer lines."""
    argv = ["dig", "@127.0.0.1", "-p", str(s.port), "+time=2", "+tries=1",
            "+noall", "+answer", "example.com", "SOA", "example.org", "SOA"]
    for n in names:
        for t in ("A", "TXT", "AAAA"):
            argv += [n, t]
    rc, out = run_tool(argv)
    check(rc == 0, "dig failed: %s" % out)
    lines = sorted(ln for ln in out.splitlines()
                   if ln and not ln.startswith(";"))
    check(sum(ln.split()[3:4] == ["SOA"] for ln in lines) == 2,
          "no SOAs: %s" % out)
    return lines


def applied(s, lines, key, what, keyfile=None, tcp=False):
    """nsupdate must succeed and bump the serial of the zone by one."""
    before = serial(s)
    rc, out = nsupdate(s, lines, key, keyfile=keyfile, tcp=tcp)
    check(rc == 0, "%s: nsupdate failed: %s" % (what, out))
    check("TSIG" not in out and "expected a TSIG" not in out,
          "%s: nsupdate complained about TSIG: %s" % (what, out))
    eq(serial(s), before + 1, "%s: serial bumped by one" % what)


def refused(s, lines, key, want, what, names, zone="example.com"):
    """nsupdate must fail with want in its output; nothing may change."""
    before = snapshot(s, names)
    rc, out = nsupdate(s, lines, key, zone=zone)
    check(rc != 0 and want in out,
          "%s: want %s, got rc %d: %s" % (what, want, rc, out))
    check("expected a TSIG" not in out,
          "%s: reply to a signed update was unsigned: %s" % (what, out))
    eq(snapshot(s, names), before, "%s: zone unchanged" % what)
    return out


def both(s, name, rtype, want, what):
    eq(look(s, name, rtype), want, what + " (UDP)")
    eq(look(s, name, rtype, tcp=True), want, what + " (TCP)")


@case
def prerequisites_pass_and_fail_signed():
    s = srv()
    k = ykey(KEY1)
    add = "update add p.example.com 300 A 192.0.2.5"
    names = ["p.example.com."]
    for pre, rc in (("prereq yxdomain nope.example.com", "NXDOMAIN"),
                    ("prereq nxdomain www.example.com", "YXDOMAIN"),
                    ("prereq yxrrset www.example.com MX", "NXRRSET"),
                    ("prereq yxrrset www.example.com A 192.0.2.99",
                     "NXRRSET"),
                    # value-dependent: the RRset must match exactly
                    ("prereq yxrrset multi.example.com A 192.0.2.20",
                     "NXRRSET"),
                    ("prereq nxrrset www.example.com A", "YXRRSET")):
        refused(s, [pre, add], k, rc, pre, names)
    n = 0
    for pre in ("prereq yxdomain www.example.com",
                "prereq nxdomain p%d.example.com",
                "prereq yxrrset www.example.com TXT",
                "prereq yxrrset multi.example.com A 192.0.2.20\n"
                "prereq yxrrset multi.example.com A 192.0.2.21",
                "prereq nxrrset www.example.com MX"):
        n += 1
        name = "p%d.example.com" % n
        applied(s, [pre % n if "%d" in pre else pre,
                    "update add %s 300 A 192.0.2.%d" % (name, n)], k, pre)
        both(s, name + ".", "A", ["192.0.2.%d" % n], pre)


@case
def every_update_kind_signed():
    s = srv()
    k = ykey(KEY1)
    applied(s, ["update add u.example.com 300 A 192.0.2.30",
                "update add u.example.com 300 A 192.0.2.31",
                "update add u.example.com 300 TXT \"one\"",
                "update add u.example.com 300 AAAA 2001:db8::30"], k, "add")
    both(s, "u.example.com.", "A", ["192.0.2.30", "192.0.2.31"], "added A")
    both(s, "u.example.com.", "TXT", ['"one"'], "added TXT")
    applied(s, ["update delete u.example.com A 192.0.2.30"], k, "delete RR")
    both(s, "u.example.com.", "A", ["192.0.2.31"], "one A left")
    applied(s, ["update delete u.example.com A"], k, "delete RRset")
    both(s, "u.example.com.", "A", [], "A RRset gone")
    both(s, "u.example.com.", "TXT", ['"one"'], "TXT kept")
    applied(s, ["update delete u.example.com"], k, "delete name")
    for tcp in (False, True):
        r = s.query("u.example.com.", "AAAA", tcp=tcp)
        eq(dns.rcode.to_text(r.rcode()), "NXDOMAIN", "name gone (tcp=%s)"
           % tcp)
    # a key file in BIND format (nsupdate -k) works too
    alg, _, sec = KEYS[KEY1]
    kf = write(os.path.join(tmpdir(), "upd.key"),
               'key "upd.key" {\n\talgorithm %s;\n\tsecret "%s";\n};\n'
               % (alg, sec))
    applied(s, ["update add kf.example.com 300 A 192.0.2.40"], None,
            "nsupdate -k", keyfile=kf)
    both(s, "kf.example.com.", "A", ["192.0.2.40"], "added with -k")
    # over TCP (nsupdate -v), and with the key name in another case
    applied(s, ["update add tcp.example.com 300 A 192.0.2.41"], k,
            "nsupdate -v (TCP)", tcp=True)
    both(s, "tcp.example.com.", "A", ["192.0.2.41"], "added over TCP")
    applied(s, ["update add case.example.com 300 A 192.0.2.42"],
            "hmac-sha256:UPD.Key:" + KEYS[KEY1][2], "key name case")
    both(s, "case.example.com.", "A", ["192.0.2.42"], "key name case")


@case
def key_rules_types_and_robur_convention():
    s = srv()
    names = ["t.example.com.", "r.example.com.", "x.example.org."]
    applied(s, ["update add t.example.com 300 TXT \"txt ok\""], ykey(KEY2),
            "KEY2 TXT")
    both(s, "t.example.com.", "TXT", ['"txt ok"'], "KEY2 TXT")
    refused(s, ["update add t.example.com 300 A 192.0.2.50"], ykey(KEY2),
            "REFUSED", "KEY2 A", names)
    # one forbidden RR refuses the whole update
    refused(s, ["update add t.example.com 300 TXT \"more\"",
                "update delete t.example.com A"], ykey(KEY2),
            "REFUSED", "KEY2 TXT + A delete", names)
    refused(s, ["update delete t.example.com"], ykey(KEY2),
            "REFUSED", "KEY2 delete name (ANY)", names)
    applied(s, ["update delete t.example.com TXT"], ykey(KEY2),
            "KEY2 delete TXT")
    both(s, "t.example.com.", "TXT", [], "KEY2 deleted TXT")
    # robur's key name: acme._update.example.com may update example.com
    applied(s, ["update add r.example.com 300 A 192.0.2.60",
                "update add _acme-challenge.r.example.com 300 TXT \"tok\""],
            ykey(ROBUR), "robur key")
    both(s, "r.example.com.", "A", ["192.0.2.60"], "robur key add")
    refused(s, ["update add x.example.org 300 A 192.0.2.61"], ykey(ROBUR),
            "REFUSED", "robur key, other zone", names, zone="example.org")
    refused(s, ["update add x.example.org 300 A 192.0.2.61"], ykey(KEY1),
            "REFUSED", "KEY1, other zone", names, zone="example.org")
    # an RR outside the zone named in the zone section
    refused(s, ["update add x.example.org 300 A 192.0.2.61"], ykey(KEY1),
            "NOTZONE", "owner outside the zone", names)
    # an update that names a zone we do not serve
    refused(s, ["update add x.example.net 300 A 192.0.2.61"], ykey(KEY1),
            "NOTAUTH", "unknown zone", names, zone="example.net")


@case
def unsigned_and_bad_tsig_refused():
    s = srv()
    names = ["bad.example.com."]
    add = ["update add bad.example.com 300 A 192.0.2.66"]
    refused(s, add, None, "REFUSED", "unsigned", names)
    wrong = b64(b"this is not the secret at all!!!")
    out = refused(s, add, ykey(KEY1, wrong), "NOTAUTH", "wrong secret",
                  names)
    check("NOTAUTH(BADSIG)" in out, "wrong secret: no BADSIG in %s" % out)
    out = refused(s, add, "hmac-sha256:nokey.key:" + KEYS[KEY1][2],
                  "NOTAUTH", "unknown key", names)
    check("NOTAUTH(BADKEY)" in out, "unknown key: no BADKEY in %s" % out)
    # right name, wrong algorithm: also not the key we know
    refused(s, add, "hmac-sha384:upd.key:" + KEYS[KEY1][2],
            "NOTAUTH(BADKEY)", "wrong algorithm", names)


def dp_update(name, keyname, secret=None):
    alg, _, sec = KEYS[keyname]
    ring = dns.tsigkeyring.from_text({keyname: secret or sec})
    u = dns.update.UpdateMessage("example.com.")
    u.add(name, 300, "A", "192.0.2.77")
    u.use_tsig(ring, keyname=keyname, algorithm=DPALG[alg])
    return u, ring


def _skip_name(m, p):
    while True:
        n = m[p]
        if n >= 0xC0:
            return p + 2
        p += 1 + n
        if n == 0:
            return p


def _skip_rr(m, p):
    p = _skip_name(m, p)
    return p + 10 + struct.unpack("!H", m[p + 8:p + 10])[0]


def verify_reply_mac(raw, keyname, secret, request_mac):
    """Check the MAC of a signed reply by hand (RFC 8945 4.3.1 and 4.3.3),
    also for errors where dnspython stops before the MAC.  Returns the
    TSIG error."""
    qd, an, ns, ar = struct.unpack("!HHHH", raw[4:12])
    p = 12
    for _ in range(qd):
        p = _skip_name(raw, p) + 4
    for _ in range(an + ns + ar - 1):
        p = _skip_rr(raw, p)
    start = p
    p = _skip_name(raw, p) + 10
    alg_end = _skip_name(raw, p)
    alg = raw[p:alg_end]
    t = alg_end
    fixed = raw[t:t + 8]                  # time signed (48) + fudge
    mlen = struct.unpack("!H", raw[t + 8:t + 10])[0]
    mac = raw[t + 10:t + 10 + mlen]
    q = t + 10 + mlen + 2                 # past the original id
    err, olen = struct.unpack("!HH", raw[q:q + 4])
    rest = raw[q:q + 4 + olen]            # error, other len, other data
    check(mlen > 0, "reply not signed (MAC size 0)")
    name = dns.name.from_text(keyname).canonicalize().to_wire()
    data = (struct.pack("!H", len(request_mac)) + request_mac + raw[:10] +
            struct.pack("!H", ar - 1) + raw[12:start] + name +
            struct.pack("!HI", 255, 0) + alg.lower() + fixed + rest)
    hname = {"hmac-sha256": "sha256", "hmac-sha512": "sha512",
             "hmac-sha1": "sha1"}[KEYS[keyname][0]]
    want = hmac.new(base64.b64decode(secret), data, hname).digest()
    check(hmac.compare_digest(want, mac), "reply MAC does not verify")
    return err


def tsig_tail(resp):
    """(rcode, TSIG error, MAC size, other len) from raw reply bytes."""
    for olen in (0, 6):
        end = len(resp) - olen
        if struct.unpack("!H", resp[end - 2:end])[0] == olen:
            err = struct.unpack("!H", resp[end - 4:end - 2])[0]
            # MAC size sits before the MAC, original id, error, olen
            return resp[3] & 0xF, err, olen
    raise AssertionError("no TSIG at the end of the reply")


@case
def dnspython_signed_replies_and_stale_time():
    s = srv()
    names = ["dp.example.com.", "stale.example.com."]
    # a good update: the reply is signed and verifies (UDP and TCP)
    for tcp, name in ((False, "dp.example.com."), (True, "dp2.example.com.")):
        before = serial(s)
        u, ring = dp_update(name, KEY1)
        r = s.send_msg(u, tcp=tcp)
        eq(dns.rcode.to_text(r.rcode()), "NOERROR", "dnspython update")
        check(r.had_tsig, "reply to a signed update is not signed")
        eq(serial(s), before + 1, "serial bumped by one")
        both(s, name, "A", ["192.0.2.77"], "dnspython add")
    # a refused signed update (KEY2, type A) gets a signed REFUSED
    before = snapshot(s, names)
    u, ring = dp_update("dp.example.com.", KEY2)
    r = s.send_msg(u)
    eq(dns.rcode.to_text(r.rcode()), "REFUSED", "KEY2 A")
    check(r.had_tsig, "REFUSED reply to a signed update is not signed")
    # stale time: the client's clock is 1000 s behind, or 400 s ahead
    # (fudge 300); the BADTIME reply is signed with the key (RFC 8945
    # 5.2.3) and carries the server's time in other data
    for skew in (-1000, 400):
        u, ring = dp_update("stale.example.com.", KEY1)
        real = time.time()
        with mock.patch("time.time", return_value=real + skew):
            wire = u.to_wire()
        raw = s.raw_udp(wire, timeout=2.0)
        check(raw is not None, "no reply to the stale update")
        rc, err, olen = tsig_tail(raw)
        eq(rc, dns.rcode.NOTAUTH, "stale time rcode (%+d s)" % skew)
        eq(err, dns.rcode.BADTIME, "stale time TSIG error (%+d s)" % skew)
        eq(olen, 6, "BADTIME carries the server time")
        check(abs(int.from_bytes(raw[-6:], "big") - real) < 30,
              "server time in BADTIME")
        eq(verify_reply_mac(raw, KEY1, KEYS[KEY1][2], u.mac),
           dns.rcode.BADTIME, "signed BADTIME reply")
        try:   # the hand check does reject a wrong key
            verify_reply_mac(raw, KEY1, KEYS[KEY2][2], u.mac)
            check(False, "MAC check accepted the wrong secret")
        except TestFailure as e:
            check("does not verify" in str(e), str(e))
        try:
            dns.message.from_wire(raw, keyring=ring, request_mac=u.mac)
            check(False, "dnspython accepted a BADTIME reply")
        except dns.tsig.PeerBadTime:
            pass
    # wrong secret via dnspython: NOTAUTH, BADSIG, unsigned (MAC size 0)
    u, ring = dp_update("stale.example.com.", KEY1,
                        b64(b"nope nope nope"))
    raw = s.raw_udp(u.to_wire(), timeout=2.0)
    check(raw is not None, "no reply to the badsig update")
    rc, err, olen = tsig_tail(raw)
    eq((rc, err), (dns.rcode.NOTAUTH, dns.rcode.BADSIG), "wrong secret")
    eq(struct.unpack("!H", raw[-8 - olen:-6 - olen])[0], 0,
       "BADSIG reply carries no MAC")
    eq(snapshot(s, names), before, "refused updates changed nothing")
    # within the fudge (250 s behind) it is accepted
    before_ok = serial(s)
    u, ring = dp_update("skew.example.com.", KEY1)
    with mock.patch("time.time", return_value=time.time() - 250):
        wire = u.to_wire()
    raw = s.raw_udp(wire, timeout=2.0)
    check(raw is not None, "no reply to the skewed update")
    eq(verify_reply_mac(raw, KEY1, KEYS[KEY1][2], u.mac), 0,
       "skewed update TSIG error")
    eq(raw[3] & 0xF, 0, "skew within the fudge: NOERROR")
    eq(serial(s), before_ok + 1, "skewed update bumped the serial")
    both(s, "skew.example.com.", "A", ["192.0.2.77"], "skewed update")


run()
