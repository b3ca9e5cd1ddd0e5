"""Zone state files for the durability tests: zone text, journal records
(dnsvizor/persist.c format: "DVJ1", length, CRC-32C, payload) and state
directories built from them."""
import os
import struct

from dvtest import rdatas, tmpdir, wire_name, write


def zone_text(serial, extra=""):
    return ("$TTL 300\n$ORIGIN example.com.\n"
            "@ IN SOA ns1 hostmaster %d 7200 3600 1209600 300\n"
            "  IN NS ns1\nns1 IN A 192.0.2.1\n%s" % (serial, extra))


def crc32c(data):
    c = 0xffffffff
    for b in data:
        c ^= b
        for _ in range(8):
            c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
    return c ^ 0xffffffff


def soa_rdata(serial):
    return (wire_name("ns1.example.com.") +
            wire_name("hostmaster.example.com.") +
            struct.pack("!IIIII", serial, 7200, 3600, 1209600, 300))


def rr(owner, rtype, ttl, rdata):
    return wire_name(owner) + struct.pack("!HHIH", rtype, 1, ttl,
                                          len(rdata)) + rdata


def record(frm, to, adds):
    """A journal record: serial frm -> to, adding (name, ipv4) A RRs."""
    origin = "example.com."
    body = wire_name(origin) + struct.pack("!IIII", frm, to, 1,
                                           1 + len(adds))
    body += rr(origin, 6, 300, soa_rdata(frm))
    body += rr(origin, 6, 300, soa_rdata(to))
    for name, ip in adds:
        body += rr(name, 1, 300, bytes(int(x) for x in ip.split(".")))
    return b"DVJ1" + struct.pack("!II", len(body), crc32c(body)) + body


def state_with(serial, records, tail=b""):
    """A state dir holding a snapshot at serial plus journal records."""
    sd = tmpdir()
    zd = os.path.join(sd, "zones")
    os.makedirs(zd)
    write(os.path.join(zd, "example.com.snap"),
          zone_text(serial, "snap IN A 192.0.2.50\n"))
    with open(os.path.join(zd, "example.com.jnl"), "wb") as f:
        f.write(b"".join(records) + tail)
    return sd


def a_of(s, name):
    r = s.query(name, "A")
    return sorted(rdatas(r.answer, name, "A"))


def serial_of(s):
    r = s.query("example.com.", "SOA")
    return rdatas(r.answer, "example.com.", "SOA")[0].split()[2]


