"""TSIG (RFC 8945) against real clients: dig -y and kdig -y get signed
answers they verify, for every algorithm; wrong secret -> NOTAUTH/BADSIG,
unknown key -> NOTAUTH/BADKEY (both unsigned), stale time -> NOTAUTH/BADTIME
(signed, server time in other data); keys from --dns-key and from a BIND
format --dns-key-file; bad key options stop start-up with a clear error."""
import base64
import os
import struct
import time
from unittest import mock

import dns.message
import dns.tsig
import dns.tsigkeyring

from dvtest import (DATA, Server, case, check, dig, eq, kdig, run, run_tool,
                    BINARY, tcp_frame, tcp_read_msg, tmpdir, write)

ZONE = open(os.path.join(DATA, "example.com.zone")).read()
SECRETS = {
    "MD5": base64.b64encode(b"md5 secret for tsig tests").decode(),
    "SHA1": base64.b64encode(b"sha1 secret for tsig tests").decode(),
    "SHA224": base64.b64encode(b"sha224 secret for tsig tests").decode(),
    "SHA256": base64.b64encode(b"sha256 secret for tsig tests!!!!").decode(),
    "SHA384": base64.b64encode(b"sha384 secret for tsig tests").decode(),
    "SHA512": base64.b64encode(b"sha512 secret, 64 bytes " * 2 + b"x" * 16).decode(),
}
DIGALG = {"MD5": "hmac-md5", "SHA1": "hmac-sha1", "SHA224": "hmac-sha224",
          "SHA256": "hmac-sha256", "SHA384": "hmac-sha384",
          "SHA512": "hmac-sha512"}
DPALG = {"MD5": dns.tsig.HMAC_MD5, "SHA256": dns.tsig.HMAC_SHA256}

_srv = []


def server():
    if not _srv:
        args = ["--dns-key=%s.key.example:%s:%s" % (a.lower(), a, s)
                for a, s in SECRETS.items()]
        _srv.append(Server(zones={"example.com.": ZONE}, args=args))
    return _srv[0]


def signed_query(name, alg, secret, qtype="SOA"):
    q = dns.message.make_query("example.com.", qtype, use_edns=False)
    q.use_tsig(dns.tsigkeyring.from_text({name: secret}), keyname=name,
               algorithm=DPALG[alg])
    return q


def tsig_error(resp):
    """(rcode, TSIG error, MAC size, other len) from raw reply bytes."""
    for olen in (0, 6):   # other data: none, or the server time
        end = len(resp) - olen
        if struct.unpack("!H", resp[end - 2:end])[0] == olen:
            err = struct.unpack("!H", resp[end - 4:end - 2])[0]
            return resp[3] & 0xF, err, olen
    raise AssertionError("no TSIG at the end of the reply")


@case
def dig_sha256_signed_answer():
    s = server()
    rc, out, p = dig(s, "-y", "hmac-sha256:sha256.key.example:" +
                     SECRETS["SHA256"], "example.com", "SOA")
    eq(rc, 0, "dig exit (%s)" % out)
    eq(p["status"], "NOERROR", "status")
    check("TSIG PSEUDOSECTION" in out, "no TSIG in the answer: " + out)
    check("verify failure" not in out and "Couldn't verify" not in out,
          "dig could not verify: " + out)
    check("NOERROR" in out.split("TSIG PSEUDOSECTION")[1],
          "TSIG error set: " + out)


@case
def dig_tcp_signed_answer():
    s = server()
    rc, out, p = dig(s, "+tcp", "-y", "hmac-sha1:sha1.key.example:" +
                     SECRETS["SHA1"], "www.example.com", "A")
    eq(rc, 0, "dig exit (%s)" % out)
    eq(p["status"], "NOERROR", "status")
    check("TSIG PSEUDOSECTION" in out and "verify failure" not in out,
          "not verified: " + out)


@case
def kdig_every_algorithm():
    s = server()
    for alg, sec in SECRETS.items():
        rc, out, p = kdig(s, "-y", "%s:%s.key.example:%s" %
                          (DIGALG[alg], alg.lower(), sec), "example.com",
                          "SOA")
        eq(rc, 0, "kdig %s exit (%s)" % (alg, out))
        eq(p["status"], "NOERROR", "kdig %s status" % alg)
        check("TSIG PSEUDOSECTION" in out, "%s: no TSIG: %s" % (alg, out))


@case
def wrong_secret_badsig_unsigned():
    s = server()
    q = signed_query("sha256.key.example.", "SHA256",
                     base64.b64encode(b"not the secret").decode())
    r = s.raw_udp(q.to_wire())
    check(r is not None, "no reply")
    rcode, err, olen = tsig_error(r)
    eq(rcode, 9, "rcode NOTAUTH")
    eq(err, dns.rcode.BADSIG, "TSIG error")
    mac_size = struct.unpack("!H", r[-8:-6])[0]
    eq(mac_size, 0, "MAC size of the BADSIG reply (unsigned)")
    rc, out, p = dig(s, "-y", "hmac-sha256:sha256.key.example:" +
                     base64.b64encode(b"nope").decode(), "example.com", "SOA")
    check(p["status"] == "NOTAUTH" or "BADSIG" in out,
          "dig did not see NOTAUTH/BADSIG: " + out)


@case
def unknown_key_badkey():
    s = server()
    q = signed_query("nokey.example.", "SHA256", SECRETS["SHA256"])
    r = s.raw_udp(q.to_wire())
    check(r is not None, "no reply")
    rcode, err, _ = tsig_error(r)
    eq(rcode, 9, "rcode NOTAUTH")
    eq(err, dns.rcode.BADKEY, "TSIG error")


@case
def stale_time_badtime_signed():
    s = server()
    q = signed_query("sha256.key.example.", "SHA256", SECRETS["SHA256"])
    real = time.time()
    with mock.patch("time.time", return_value=real - 1000):
        wire = q.to_wire()
    r = s.raw_udp(wire)
    check(r is not None, "no reply")
    rcode, err, olen = tsig_error(r)
    eq(rcode, 9, "rcode NOTAUTH")
    eq(err, dns.rcode.BADTIME, "TSIG error")
    eq(olen, 6, "other data = server time")
    srv_time = int.from_bytes(r[-6:], "big")
    check(abs(srv_time - real) < 30, "server time %d" % srv_time)


@case
def unsigned_queries_still_answered():
    s = server()
    r = s.query("example.com.", "SOA")
    eq(r.rcode(), 0, "rcode")
    check(r.tsig is None if hasattr(r, "tsig") else True, "signed?")


@case
def key_file_bind_format():
    d = tmpdir()
    sec = base64.b64encode(b"key file secret 0123456789abcdef").decode()
    sec2 = base64.b64encode(b"second key file secret").decode()
    kf = write(os.path.join(d, "keys.conf"),
               '# generated like tsig-keygen\n'
               'key "file.key.example" {\n'
               '\talgorithm hmac-sha256;\n'
               '\tsecret "%s";\n'
               '};\n'
               '/* a second one */ key other.key { algorithm hmac-sha512;'
               ' secret "%s"; };\n'
               'robur.key.example:SHA1:%s // dnsvizor form\n'
               % (sec, sec2, sec))
    s = Server(zones={"example.com.": ZONE},
               args=["--dns-key-file=" + kf])
    for alg, name, secret in (("hmac-sha256", "file.key.example", sec),
                              ("hmac-sha512", "other.key", sec2),
                              ("hmac-sha1", "robur.key.example", sec)):
        rc, out, p = dig(s, "-y", "%s:%s:%s" % (alg, name, secret),
                         "example.com", "SOA")
        eq(p["status"], "NOERROR", "%s status (%s)" % (name, out))
        check("TSIG PSEUDOSECTION" in out and "verify failure" not in out,
              "%s not verified: %s" % (name, out))


@case
def bad_key_options_stop_startup():
    d = tmpdir()
    bad = write(os.path.join(d, "bad.conf"),
                'key "x" {\n algorithm hmac-sha256;\n secret "%%%%";\n};\n')
    for arg, want in (("--dns-key=k:SHA999:AAAA", "algorithm"),
                      ("--dns-key=k-no-colons", "NAME:ALGORITHM:SECRET"),
                      ("--dns-key-file=" + bad, "bad.conf:4"),
                      ("--dns-key-file=/nonexistent/keys", "nonexistent")):
        rc, out = run_tool([BINARY, "--no-hosts", "--test", arg])
        check(rc != 0, "%s accepted: %s" % (arg, out))
        check(want in out, "%s: error does not mention %r: %s"
              % (arg, want, out))


def raw_signed(s, qname, alg, payload, tcp):
    """A query signed with alg's key (EDNS payload as given); the reply's
    raw bytes, so its exact size counts (dnspython re-renders), after
    dnspython has verified its TSIG."""
    name = "%s.key.example" % alg.lower()
    ring = dns.tsigkeyring.from_text({name: SECRETS[alg]})
    q = dns.message.make_query(qname, "TXT", use_edns=0, payload=payload)
    q.use_tsig(ring, keyname=name, algorithm=DPALG[alg])
    wire = q.to_wire()
    if tcp:
        sock = s.tcp_connect()
        try:
            sock.sendall(tcp_frame(wire))
            r = tcp_read_msg(sock)
        finally:
            sock.close()
    else:
        r = s.raw_udp(wire)
    if r is not None:
        dns.message.from_wire(r, keyring=ring, request_mac=q.mac)
    return r


@case
def signed_answer_fits_edns_size_exactly():
    """The TSIG RR is reserved at its exact size (owner, fixed fields,
    algorithm name, the algorithm's MAC, no other data): an answer that
    fits the requester's EDNS size exactly with its TSIG is sent whole,
    one byte less gets TC."""
    big = "big IN TXT %s\n" % " ".join('"%s"' % (c * 200) for c in "xyz")
    s = Server(zones={"example.com.": ZONE + big},
               args=["--dns-key=%s.key.example:%s:%s" % (a.lower(), a, k)
                     for a, k in SECRETS.items()])
    for alg in ("SHA256", "MD5"):
        full = raw_signed(s, "big.example.com.", alg, 4096, True)
        check(not full[2] & 0x02, "%s: TCP reply has TC" % alg)
        size = len(full)
        check(512 < size < 1232, "%s: answer size %d" % (alg, size))
        r = raw_signed(s, "big.example.com.", alg, size, False)
        check(r is not None, "%s: no UDP reply" % alg)
        eq((len(r), bool(r[2] & 0x02)), (size, False),
           "%s: EDNS size %d = answer + TSIG: (length, TC)" % (alg, size))
        r = raw_signed(s, "big.example.com.", alg, size - 1, False)
        check(r is not None and r[2] & 0x02,
              "%s: EDNS size %d, one byte short: no TC" % (alg, size - 1))


run()
