"""A damaged DHCP lease journal (issue 10): damaged records are skipped
one by one, the damaged file is kept aside and reported; after such a
loss, addresses the table does not know are checked with ping before
they are offered and --dhcp-authoritative does not NAK them; a full
state directory (ENOSPC) sends no ACK that is not durable, logs a
bounded number of lines, and leases work again once space returns.

Journals are crafted here following dhcp/journal.c (magic 0xDC, version
1, body length, CRC-32C of the body, then the lease fields)."""
import glob
import os
import re
import struct
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dvtest import (TestFailure, case, check, eq, poll_until,  # noqa: E402
                    run, tmpdir)
from dhcpnet import DOMAIN, Net, dora, random_mac, with_net  # noqa: E402


def _crc_table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
        t.append(c)
    return t


CRC_T = _crc_table()


def crc32c(b):
    c = 0xFFFFFFFF
    for x in b:
        c = CRC_T[(c ^ x) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def ip2int(ip):
    a = [int(x) for x in ip.split(".")]
    return a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3]


def int2ip(v):
    return "%d.%d.%d.%d" % (v >> 24, v >> 16 & 255, v >> 8 & 255, v & 255)


def record(ip, mac, name="", state=1, expire_ms=None):
    """One framed lease record (dhcp_lease_encode)."""
    if expire_ms is None:
        expire_ms = int(time.time() * 1000) + 12 * 3600 * 1000
    hw = bytes.fromhex(mac.replace(":", ""))
    nm = name.encode()
    body = struct.pack("!IBB", ip2int(ip), state, len(hw)) + hw + b"\0" + \
        bytes([len(nm)]) + nm + struct.pack("!II", expire_ms >> 32,
                                            expire_ms & 0xFFFFFFFF)
    return bytes([0xDC, 1, len(body) >> 8, len(body) & 255]) + \
        struct.pack("!I", crc32c(body)) + body


def jpath(s):
    sd = [a for a in s.argv if a.startswith("--state-dir=")][-1]
    return os.path.join(sd.split("=", 1)[1], "dhcp", "leases.jnl")


def restart_with(s, data):
    """Stop s, put data in its lease journal, start it again."""
    s.stop()
    with open(jpath(s), "wb") as f:
        f.write(data)
    s.start()


def leasefile_lines(lf):
    try:
        with open(lf) as f:
            return [ln.split() for ln in f if ln.strip()]
    except OSError:
        return []


def error_lines(log, word=None):
    return [ln for ln in log.splitlines() if ": error: " in ln and
            (word is None or word in ln)]


def kept_files(s):
    return glob.glob(jpath(s) + ".corrupt-*")


@case
@with_net
def flipped_byte_loses_one_lease(net):
    n = 3000
    lf = os.path.join(tmpdir(), "leases.txt")
    s = net.server(["--dhcp-range=%s.0.10,%s.255.250,255.255.0.0,12h" %
                    (net.prefix.rsplit(".", 1)[0],
                     net.prefix.rsplit(".", 1)[0]),
                    "--dhcp-lease-max=10000", "--dhcp-leasefile=" + lf])
    base = ip2int(net.prefix.rsplit(".", 1)[0] + ".1.0")
    recs, offs, off = [], [], 0
    for i in range(n):
        r = record(int2ip(base + i), "02:00:00:%02x:%02x:%02x" %
                   (i >> 16, i >> 8 & 255, i & 255), "h%d" % i)
        recs.append(r)
        offs.append(off)
        off += len(r)
    data = bytearray(b"".join(recs))
    bad = n // 2
    data[offs[bad] + 10] ^= 0x20            # inside the address field
    restart_with(s, bytes(data))
    lines = poll_until(lambda: len(leasefile_lines(lf)) >= n - 1 and
                       leasefile_lines(lf), 10)
    got = {ln[2] for ln in leasefile_lines(lf)}
    eq(len(got), n - 1, "leases after the restart (all but the damaged "
       "one): " + s.log_tail())
    check(int2ip(base + bad) not in got, "the damaged lease came back")
    check(int2ip(base + bad + 1) in got and int2ip(base + n - 1) in got,
          "leases after the damage are missing")
    errs = error_lines(s.log(), "corrupt")
    check(len(errs) == 1, "no single error line with 'corrupt': " +
          s.log_tail())
    e = errs[0]
    check(jpath(s) in e, "file name missing: " + e)
    check(str(offs[bad]) in e, "offset %d missing: %s" % (offs[bad], e))
    check(str(offs[bad + 1] - offs[bad]) in e, "bytes skipped missing: " + e)
    check("about 1 records" in e, "records skipped missing: " + e)
    kept = kept_files(s)
    eq(len(kept), 1, "damaged file kept aside")
    check(kept[0] in e, "kept file not named in the error: " + e)
    with open(kept[0], "rb") as f:
        check(f.read() == bytes(data), "kept file differs from the damaged "
              "journal")
    eq(net.dig("h%d.%s" % (bad + 1, DOMAIN)), int2ip(base + bad + 1),
       "name of a lease after the damage")
    # the live file was rewritten from the recovered table: a restart
    # finds nothing wrong, and the window after the loss survives it
    s.stop()
    s.start()
    check(not error_lines(s.log()), "errors on the second start: " +
          s.log_tail())
    check("checked with ping" in s.log(), "the window after the loss "
          "did not survive the restart: " + s.log_tail())
    lines = poll_until(lambda: len(leasefile_lines(lf)) >= n - 1 and
                       leasefile_lines(lf), 10)
    eq(len(lines), n - 1, "leases after the second restart")
    eq(len(kept_files(s)), 1, "kept file still there, no new one")


@case
@with_net
def garbage_journal_kept_not_emptied(net):
    s = net.server(["--dhcp-range=%s,%s,1h" % (net.pool(50), net.pool(60))])
    junk = bytes((i * 131 + 7) % 251 for i in range(20000))
    restart_with(s, junk)
    errs = error_lines(s.log(), "corrupt")
    check(errs and jpath(s) in errs[0] and "20000" in errs[0],
          "no error line naming the garbage journal: " + s.log_tail())
    kept = kept_files(s)
    eq(len(kept), 1, "garbage kept aside")
    with open(kept[0], "rb") as f:
        check(f.read() == junk, "kept garbage differs")
    mac = random_mac()
    got = dora(net, [mac], wait=3.0)
    check(got.get(mac, "").startswith(net.prefix + "."),
          "server does not hand out leases after a garbage journal: %s %s"
          % (got, s.log_tail()))
    check(s.alive(), "server died")


@case
@with_net
def torn_tail_cut_quietly(net):
    lf = os.path.join(tmpdir(), "leases.txt")
    s = net.server(["--dhcp-range=%s,%s,1h" % (net.pool(50), net.pool(60)),
                    "--dhcp-leasefile=" + lf])
    recs = [record(net.pool(50 + i), random_mac(), "t%d" % i)
            for i in range(5)]
    restart_with(s, b"".join(recs) + recs[0][:11])
    check(poll_until(lambda: len(leasefile_lines(lf)) == 5, 10),
          "not every lease before the torn tail: " + s.log_tail())
    check(not error_lines(s.log()), "a torn tail is not an error: " +
          s.log_tail())
    check("torn tail" in s.log(), "torn tail not mentioned: " +
          s.log_tail())
    eq(kept_files(s), [], "nothing to keep for a torn tail")


def lost_lease_setup(net, extra):
    """Range .50-.52: .50 leased to A (intact), .51 leased to B whose
    record is damaged (lost); the client namespace holds .51 (answers
    ping).  Returns (server, mac of B)."""
    s = net.server(["--dhcp-range=%s,%s,1h" % (net.pool(50), net.pool(52))]
                   + extra)
    a, b = random_mac(), random_mac()
    ra = record(net.pool(50), a, "lost-a")
    rb = bytearray(record(net.pool(51), b, "lost-b"))
    rb[12] ^= 0x01                          # B's lease is lost
    net.run(net.cns, ["ip", "addr", "add", net.pool(51) + "/24", "dev",
                      net.cif])
    restart_with(s, ra + bytes(rb))
    return s, b


@case
@with_net
def ping_check_skips_held_address(net):
    s, _ = lost_lease_setup(net, [])
    macs = [random_mac() for _ in range(3)]
    got = dora(net, macs, wait=4.0, timeout=60)
    check(net.pool(51) not in got.values(),
          "the address a client still holds was offered: %s %s"
          % (got, s.log_tail()))
    check(error_lines(s.log(), "corrupt"), "no corruption reported: " +
          s.log_tail())
    check(net.pool(52) in got.values(), "the free address was not given: "
          "%s %s" % (got, s.log_tail()))
    check("in use" in s.log() and net.pool(51) in s.log(),
          "probe not logged: " + s.log_tail())


@case
@with_net
def authoritative_no_nak_for_lost_lease(net):
    s, b = lost_lease_setup(net, ["--dhcp-authoritative"])
    # newcomers first: they must not take B's address ...
    got = dora(net, [random_mac() for _ in range(3)], wait=4.0, timeout=60)
    check(net.pool(51) not in got.values(), "B's address given away: %s"
          % got)
    # ... so that B, rebooting, gets its own address back (no NAK)
    r = dora(net, [b], "reboot:" + net.pool(51))
    eq(r.get(b), net.pool(51), "INIT-REBOOT of the lost lease: " +
       s.log_tail())


@case
@with_net
def authoritative_quiet_when_full(net):
    s, b = lost_lease_setup(net, ["--dhcp-authoritative",
                                  "--dhcp-lease-max=1"])
    r = dora(net, [b], "reboot:" + net.pool(51))
    eq(r.get(b), "-", "INIT-REBOOT for a lost address with no room: "
       "silence, not NAK: " + s.log_tail())
    check(s.alive(), "server died")


@case
@with_net
def enospc_no_ack_bounded_log_recovers(net):
    sd = tmpdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", sd],
                   check=True)
    try:
        enospc_body(net, sd)
    finally:
        for srv in net.servers:
            srv.stop()
        subprocess.run(["umount", "-l", sd])


def acked_all(pre, res, n):
    return len(res) == n and all(v.startswith(pre + ".")
                                 for v in res.values())


def enospc_body(net, sd):
    p16 = net.prefix.rsplit(".", 1)[0]
    s = net.server(["--dhcp-range=%s.0.10,%s.255.250,255.255.0.0,1h" %
                    (p16, p16), "--dhcp-lease-max=5000", "--state-dir=" + sd])
    # enough leases that a snapshot needs more than one 4 KiB page
    first = [random_mac() for _ in range(150)]
    ok = dora(net, first)
    check(acked_all(p16, ok, 150), "no leases before the disk filled: %s %s"
          % (sorted(set(ok.values()))[:5], s.log_tail()))
    filler = os.path.join(sd, "filler")
    subprocess.run(["dd", "if=/dev/zero", "of=" + filler, "bs=4k"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # tmpfs allocates pages: the journal's last page still takes records
    # (ACKed: they are durable); go on until one is refused
    for _ in range(40):
        more = dora(net, [random_mac() for _ in range(5)], wait=0.4)
        ok.update({m: v for m, v in more.items()
                   if v.startswith(p16 + ".")})
        if not acked_all(p16, more, 5):
            break
    else:
        raise TestFailure("the journal never ran out of space")
    before = len(s.log().splitlines())
    t0 = time.monotonic()
    burst = [random_mac() for _ in range(30)]
    got = dora(net, burst, wait=0.4, timeout=60)
    took = time.monotonic() - t0
    acked = {m: v for m, v in got.items() if v.startswith(p16 + ".")}
    eq(acked, {}, "ACKs sent while the journal could not be written")
    new = s.log().splitlines()[before:]
    if os.environ.get("DV_SHOW_LOG"):
        sys.stderr.write("\n".join(new) + "\n")
    bad = [ln for ln in new if ": error: " in ln or ": warning: " in ln]
    # 3 lines per call site per 10 s: a handful of sites
    limit = 12 * (int(took // 10) + 1)
    check(len(bad) <= limit, "%d error/warning lines for %d requests in "
          "%.0f s (limit %d): %s" % (len(bad), len(burst), took, limit,
                                     "\n".join(bad[:20])))
    check(any("journal" in ln for ln in bad), "the failure was not logged")
    check(not [ln for ln in new if "DHCPACK(" in ln],
          "--log-dhcp claims ACKs that were not sent")
    # one page comes back: too little for a new snapshot, enough for
    # appends, which must follow whole records (no torn one before them)
    subprocess.run(["truncate", "-s", "-4096", filler], check=True)
    some = dora(net, [random_mac() for _ in range(3)], wait=1.0)
    check(acked_all(p16, some, 3), "no leases with a page free again: %s %s"
          % (some, s.log_tail()))
    ok.update(some)
    s.proc.kill()                           # crash before any compaction
    s.proc.wait()
    os.unlink(filler)
    s.start()
    check(not error_lines(s.log()), "errors on restart after ENOSPC: " +
          s.log_tail())
    lost = {}
    for m, ip in list(ok.items())[-25:]:
        r = dora(net, [m], "reboot:" + ip, wait=1.0)
        if r.get(m) != ip:
            lost[m] = (ip, r.get(m))
    eq(lost, {}, "acknowledged leases lost after ENOSPC and kill -9")
    later = dora(net, [random_mac() for _ in range(5)])
    check(acked_all(p16, later, 5), "leases do not work after space "
          "returned: %s %s" % (later, s.log_tail()))


if __name__ == "__main__":
    run()
