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
def serial_exactly_half_away_is_not_used():
    # the edit is applied (IXFR from zone-file edits) but not with a
    # serial secondaries cannot compare: running + 1 instead, logged
    s = Server(zones={"example.com": HEAD + "www IN A 192.0.2.10\n"})
    eq(serial(s), 10, "start serial")
    write(s.zone_files["example.com"],
          HEAD.replace(" 10 ", " %d " % (10 + 2 ** 31)) +
          "www IN A 192.0.2.11\n")
    s.reload()
    poll_until(lambda: "2^31" in s.log(), 5)
    eq(serial(s), 11, "the undefined file serial is not used")
    check("2^31" in s.log(), "logged: " + s.log_tail())
    # one less is 2^31 - 1 ahead, newer: the file wins
    write(s.zone_files["example.com"],
          HEAD.replace(" 10 ", " %d " % (9 + 2 ** 31))
          + "www IN A 192.0.2.11\n")
    s.reload()
    poll_until(lambda: serial(s) == 9 + 2 ** 31, 5)
    eq(serial(s), 9 + 2 ** 31, "newer file serial wins")
    s.stop()


if __name__ == "__main__":
    run()
