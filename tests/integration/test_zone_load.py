"""Zone loading robustness (issue 13): record types and forms that BIND
and Knot load, out-of-zone data ignored with a warning, a zone that fails
to load served as SERVFAIL without stopping the others, RFC 1982 serials
exactly 2^31 apart."""
import base64
import os
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dvtest import (Server, case, check, eq, expect, poll_until,  # noqa: E402
                    rdatas, run, tmpdir, write)

HEAD = ("$TTL 300\n$ORIGIN example.com.\n"
        "@ IN SOA ns1 hostmaster 10 7200 3600 1209600 300\n"
        "  IN NS ns1\nns1 IN A 192.0.2.1\n")
OTHER = ("$TTL 300\n@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n"
         "  IN NS ns1\nns1 IN A 192.0.2.1\nwww IN A 192.0.2.80\n")


def objs(r):
    """The answer's rdata objects."""
    return [rd for rrset in r.answer for rd in rrset]


def serial(s, zone="example.com."):
    r = s.query(zone, "SOA")
    return r.answer[0][0].serial if r.answer else None


@case
def types_and_forms_load():
    """IPSECKEY's relative gateway gets the origin; base64 split by spaces;
    obsolete types ldns parses; RFC 3597 form for a type ldns cannot."""
    z = HEAD + (
        "gw IN IPSECKEY 10 3 2 gateway AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6"
        "BSGvgqt4AQ==\n"
        "gw2 IN IPSECKEY 10 1 2 192.0.2.1 AQNRU3mG 7TVTO2BkR47usntb102"
        "uFJtugbo6BSGvgqt4AQ==\n"
        "k IN DNSKEY 257 3 8 AQNRU3mG 7TVTO2BkR47usntb102uFJtugbo6BSGvg"
        "qt4AQ==\n"
        "md IN MD mail\nmf IN MF mail\nmb IN MB mail\n"
        "nxt IN NXT a.example.com. A NXT\n"
        "a6 IN A6 \\# 1 00\n"
        "a6b IN A6 0 2001:db8::1\n")
    s = Server(zones={"example.com": z})
    r = s.query("gw.example.com", "IPSECKEY")
    expect(r)
    key = base64.b64decode("AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==")
    got = [(str(x.gateway), x.key)
           for x in objs(r)]
    eq(got, [("gateway.example.com.", key)], "IPSECKEY gateway")
    r = s.query("k.example.com", "DNSKEY")
    got = [x.key for x in objs(r)]
    eq(got, [key], "split base64 key")
    r = s.query("gw2.example.com", "IPSECKEY")
    got = [x.key for x in objs(r)]
    eq(got, [key], "split IPSECKEY key")
    for name, t in (("md", "MD"), ("mf", "MF"), ("mb", "MB"),
                    ("nxt", "NXT"), ("a6", "A6"), ("a6b", "A6")):
        r = s.query(name + ".example.com", t)
        eq(len(r.answer), 1, "%s record" % t)
    r = s.query("nxt.example.com", "NXT")
    eq(r.answer[0][0].to_wire().hex(), "0161076578616d706c6503636f6d00"
       "40000002", "NXT rdata (a.example.com., bits A=1 NXT=30)")
    s.stop()


# Presentation forms BIND's named-checkzone reads and ldns 1.8 does not
# (Knot 3.2's kzonecheck reads none of these types), and the old
# UINFO/UID/GID/UNSPEC, which neither reads, in their classic forms.
BIND_TYPES = (
    "ta IN TA 12345 8 1 49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE\n"
    "sink IN SINK 1 0 0 aGVs bG8=\n"
    "ninfo IN NINFO \"hello world\" two\n"
    "rkey IN RKEY 0 3 8 AQNRU3mG 7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==\n"
    "avc IN AVC \"app-name:WOLFGANG|app-class:OAM\" \"b\\\\c\\034\"\n"
    "doa IN DOA 0 1 2 \"\" aHR0cHM6Ly93d3cuaXNjLm9yZy8=\n"
    "doa2 IN DOA 1234567890 1234567890 1 \"image/gif\" -\n"
    "amt IN AMTRELAY 10 0 1 203.0.113.15\n"
    "amt2 IN AMTRELAY 128 1 3 amtrelays\n"
    "amt3 IN AMTRELAY 0 0 0 .\n"
    "amt4 IN AMTRELAY 10 0 2 2001:db8::15\n"
    "atma IN ATMA +61200000000\n"
    "atma2 IN ATMA 39.246f.000e7c9c0312.0001.0001.000012345678.00\n"
    "res IN RESINFO qnamemin exterr=15,16,17 "
    "\"infourl=https://resolver.example.com/guide\"\n"
    "wal IN WALLET BTC xyz\n"
    "ds IN DSYNC CDS 1 5359 cds-scanner.example.net.\n"
    "ds2 IN DSYNC CSYNC NOTIFY 53 scanner\n")
OLD_TYPES = ("ui IN UINFO \"some text\"\nui IN UID 4294967295\n"
             "ui IN GID 42\nui IN UNSPEC 00ff 10\n")
OLD_WIRE = {"UINFO": (100, "09736f6d652074657874"),
            "UID": (101, "ffffffff"), "GID": (102, "0000002a"),
            "UNSPEC": (103, "00ff10")}


def bind_text(zone_text):
    """named-compilezone's presentation of a zone (sorted RR lines)."""
    d = tmpdir()
    fn = write(os.path.join(d, "in.zone"), zone_text)
    out = os.path.join(d, "out.zone")
    p = subprocess.run(["named-compilezone", "-i", "none", "-o", out,
                        "example.com", fn], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=20)
    eq(p.returncode, 0, "named-compilezone: %s" % p.stdout.decode()[-800:])
    return sorted(" ".join(ln.split()) for ln in open(out).read().splitlines()
                  if ln.strip() and not ln.startswith(";"))


def axfr_generic(port):
    """The served zone by AXFR, every RR in RFC 3597 form."""
    import dns.query
    lines = []
    for m in dns.query.xfr("127.0.0.1", "example.com.", port=port,
                           timeout=5, relativize=False):
        for rrset in m.answer:
            for rd in rrset:
                w = rd.to_wire()
                lines.append("%s %d IN TYPE%d \\# %d %s" % (
                    rrset.name, rrset.ttl, rrset.rdtype, len(w),
                    w.hex() or ""))
    return "\n".join(sorted(set(lines))) + "\n"


@case
def bind_only_types_load_as_bind_reads_them():
    """Each record reads as BIND reads it: named-compilezone of the zone
    file and of the served zone (AXFR, RFC 3597 form) print the same."""
    z = HEAD + BIND_TYPES
    s = Server(zones={"example.com": z},
               args=["--allow-transfer=example.com,127.0.0.1",
                     "--state-dir=" + tmpdir()])
    served = axfr_generic(s.port)
    eq(bind_text(served), bind_text(z), "the zone as BIND prints it")
    for name, t in (("ta", "TYPE32768"), ("sink", "TYPE40"),
                    ("atma", "TYPE34"), ("ds", "TYPE66")):
        r = s.query(name + ".example.com", t)
        eq(len(r.answer), 1, "%s answered" % t)
    # the saved copy of the file loads back equal: no false edit
    s.reload()
    poll_until(lambda: s.log().count("reloaded") >= 1, 5)
    eq(serial(s), 10, "serial after a SIGHUP without an edit")
    check("zone file changed" not in s.log() and
          "loaded whole" not in s.log(), "the copy loads, no false edit: "
          + s.log_tail())
    eq(axfr_generic(s.port), served, "the zone after the SIGHUP")
    s.stop()


@case
def old_types_and_rfc3597_fallback():
    """UINFO (a character-string), UID and GID (32-bit numbers), UNSPEC
    (hex); RFC 3597 form still works for every type."""
    z = HEAD + OLD_TYPES + "g IN TA \\# 5 3039080100\n"
    s = Server(zones={"example.com": z})
    for t, (num, hexwire) in OLD_WIRE.items():
        r = s.query("ui.example.com", "TYPE%d" % num)
        got = [rd.to_wire().hex() for rrset in r.answer for rd in rrset]
        eq(got, [hexwire], "%s rdata" % t)
    r = s.query("g.example.com", "TYPE32768")
    eq([rd.to_wire().hex() for rrset in r.answer for rd in rrset],
       ["3039080100"], "TA in RFC 3597 form")
    bad = HEAD + "x IN UID -1\n"
    s2 = Server(zones={"example.com": bad, "other.test": OTHER})
    expect(s2.query("ns1.example.com", "A"), "SERVFAIL")
    check("UID" in s2.log(), "the bad UID is named: " + s2.log_tail())
    s.stop()
    s2.stop()
    # an unknown mnemonic is an error (BIND: unknown class/type), not a
    # record of type 0 (ldns reads "FOO \# 1 00" so)
    s3 = Server(zones={"example.com": HEAD + "x IN FOO \\# 1 00\n",
                       "other.test": OTHER})
    expect(s3.query("ns1.example.com", "A"), "SERVFAIL")
    check(":6: unknown record type" in s3.log(), "named: " + s3.log_tail())
    s3.stop()


@case
def out_of_zone_data_ignored_with_warning():
    z = HEAD + "www IN A 192.0.2.10\n\nwww.example.org. IN A 192.0.2.99\n"
    s = Server(zones={"example.com": z})
    expect(s.query("www.example.com", "A"))
    fn = s.zone_files["example.com"]
    check("%s:8: ignoring out-of-zone data (www.example.org.)" % fn
          in s.log(), "warning with file:line: " + s.log_tail())
    r = s.query("www.example.org", "A")
    check(not r.answer, "out-of-zone record not served")
    s.stop()


@case
def bad_zone_servfail_others_serve():
    """One zone that does not load: SERVFAIL for it, logged; the other
    zone serves; a fixed file is picked up on SIGHUP; --test fails."""
    bad = HEAD + "x IN A 1.2.3\n"
    s = Server(zones={"example.com": bad, "other.test": OTHER})
    expect(s.query("www.other.test", "A"))
    expect(s.query("ns1.example.com", "A"), "SERVFAIL")
    check("Syntax error" in s.log(), "reason logged: " + s.log_tail())
    p = subprocess.run(s.argv + ["--test"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=20)
    check(p.returncode != 0, "--test exit code %d" % p.returncode)
    check(b"Syntax error" in p.stdout, "--test names it: %r" % p.stdout)
    write(s.zone_files["example.com"], HEAD)
    s.reload()
    poll_until(lambda: serial(s) == 10, 5)
    expect(s.query("ns1.example.com", "A"))
    expect(s.query("www.other.test", "A"))
    s.stop()


@case
def bad_zone_keeps_dynamic_state():
    """A zone with dynamic changes whose file does not load at start-up:
    its snapshot and journal are left alone, and used when SIGHUP loads
    the fixed file (not reset as if the file had won)."""
    state = tmpdir()
    args = ["--state-dir=" + state, "--allow-update=example.com,127.0.0.1"]
    s = Server(zones={"example.com": HEAD}, args=args)
    p = subprocess.run(["nsupdate", "-t", "3"], input=(
        "server 127.0.0.1 %d\nzone example.com\n"
        "update add dyn.example.com. 300 A 192.0.2.77\nsend\n"
        % s.port).encode(), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, timeout=20)
    eq(p.returncode, 0, "nsupdate: %r" % p.stdout)
    eq(serial(s), 11, "serial after the update")
    s.stop()
    write(s.zone_files["example.com"], HEAD + "x IN A 1.2.3\n")
    s.start()
    expect(s.query("ns1.example.com", "A"), "SERVFAIL")
    write(s.zone_files["example.com"], HEAD)
    s.reload()
    poll_until(lambda: serial(s) == 11, 5)
    eq(serial(s), 11, "dynamic serial")
    eq(rdatas(s.query("dyn.example.com", "A").answer, "dyn.example.com.",
              "A"), ["192.0.2.77"], "dynamic record")
    s.stop()


@case
def serial_exactly_half_away_keeps_running_zone():
    # RFC 1982 leaves a serial exactly 2^31 away undefined: the file is
    # not newer, the running zone stays (logged); once the serial is
    # fixed, the same edit is applied
    s = Server(zones={"example.com": HEAD + "www IN A 192.0.2.10\n"})
    eq(serial(s), 10, "start serial")
    write(s.zone_files["example.com"],
          HEAD.replace(" 10 ", " %d " % (10 + 2 ** 31)) +
          "www IN A 192.0.2.11\n")
    s.reload()
    poll_until(lambda: "2^31" in s.log(), 5)
    eq(serial(s), 10, "the running zone is kept")
    r = s.query("www.example.com.", "A")
    eq([rr.to_text() for rs in r.answer for rr in rs], ["192.0.2.10"],
       "the running data is served")
    check("2^31" in s.log(), "logged: " + s.log_tail())
    # one less is 2^31 - 1 ahead, newer: the file wins
    write(s.zone_files["example.com"],
          HEAD.replace(" 10 ", " %d " % (9 + 2 ** 31))
          + "www IN A 192.0.2.11\n")
    s.reload()
    poll_until(lambda: serial(s) == 9 + 2 ** 31, 5)
    eq(serial(s), 9 + 2 ** 31, "newer file serial wins")
    r = s.query("www.example.com.", "A")
    eq([rr.to_text() for rs in r.answer for rr in rs], ["192.0.2.11"],
       "the edit is applied")
    s.stop()


if __name__ == "__main__":
    run()
