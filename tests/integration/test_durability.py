"""Zone durability: journal replay, torn tails, snapshots, SIGHUP rules,
and acknowledged UPDATEs surviving kill -9 (dnsvizor/persist.c)."""
import os
import random
import struct
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dvtest import (Server, case, check, eq, rdatas, run, tmpdir,  # noqa: E402
                    write, wire_name)
from zonestate import (a_of, record, serial_of, state_with,  # noqa: E402
                       zone_text)

import dns.rcode  # noqa: E402
import dns.update  # noqa: E402
import dns.exception  # noqa: E402


def server(sd, serial=5, extra=()):
    return Server(zones={"example.com": zone_text(serial, "file IN A "
                                                  "192.0.2.60\n")},
                  args=["--state-dir=" + sd] + list(extra))


@case
def replay_applies_chain_and_cuts_torn_tail():
    recs = [record(9, 10, [("old.example.com.", "192.0.2.9")]),  # stale
            record(10, 11, [("a.example.com.", "192.0.2.11")]),
            record(11, 12, [("b.example.com.", "192.0.2.12")])]
    good = sum(len(r) for r in recs)
    torn = record(12, 13, [("c.example.com.", "192.0.2.13")])[:-5]
    sd = state_with(10, recs, torn)
    s = server(sd)
    eq(serial_of(s), "12", "serial after replay")
    eq(a_of(s, "snap.example.com."), ["192.0.2.50"], "snapshot data")
    eq(a_of(s, "a.example.com."), ["192.0.2.11"], "record 1")
    eq(a_of(s, "b.example.com."), ["192.0.2.12"], "record 2")
    eq(a_of(s, "c.example.com."), [], "torn record ignored")
    eq(a_of(s, "old.example.com."), [], "stale record skipped")
    eq(a_of(s, "file.example.com."), [], "file not served")
    jnl = os.path.join(sd, "zones", "example.com.jnl")
    eq(os.path.getsize(jnl), good, "journal cut at the torn tail")
    s.stop()
    # garbage instead of a half record, and a flipped CRC byte
    bad = bytearray(record(12, 13, [("d.example.com.", "192.0.2.14")]))
    bad[9] ^= 0xff
    with open(jnl, "ab") as f:
        f.write(bytes(bad) + b"\x00garbage" * 3)
    s = server(sd)
    eq(serial_of(s), "12", "serial after second start")
    eq(a_of(s, "d.example.com."), [], "bad CRC ignored")
    eq(os.path.getsize(jnl), good, "journal cut again")


@case
def newer_zone_file_wins_at_start():
    sd = state_with(10, [record(10, 11, [("a.example.com.", "192.0.2.11")])])
    s = server(sd, serial=20)
    eq(serial_of(s), "20", "file serial")
    eq(a_of(s, "file.example.com."), ["192.0.2.60"], "file data")
    eq(a_of(s, "a.example.com."), [], "dynamic data dropped")
    check(not os.path.exists(os.path.join(sd, "zones", "example.com.snap")),
          "snapshot removed")


@case
def sighup_applies_file_edits_keeping_dynamic_state():
    # IXFR from zone-file edits: the difference between the last loaded
    # file and the edited one is applied to the running (dynamic) zone
    sd = state_with(10, [record(10, 11, [("a.example.com.", "192.0.2.11")])])
    s = server(sd, serial=5)
    eq(serial_of(s), "11", "dynamic serial")
    fn = s.zone_files["example.com"]
    # an edit without a serial increase: one more step, running + 1
    write(fn, zone_text(6, "edit IN A 192.0.2.70\n"))
    s.reload()
    deadline = time.monotonic() + 5
    while serial_of(s) != "12" and time.monotonic() < deadline:
        time.sleep(0.1)
    eq(serial_of(s), "12", "edit applied after SIGHUP")
    eq(a_of(s, "a.example.com."), ["192.0.2.11"], "dynamic data kept")
    eq(a_of(s, "edit.example.com."), ["192.0.2.70"], "edit served")
    eq(a_of(s, "file.example.com."), [], "deleted by the edit")
    # a file serial above the running one is used as it is
    write(fn, zone_text(30, "edit IN A 192.0.2.71\n"))
    s.reload()
    deadline = time.monotonic() + 5
    while serial_of(s) != "30" and time.monotonic() < deadline:
        time.sleep(0.1)
    eq(serial_of(s), "30", "file serial used")
    eq(a_of(s, "edit.example.com."), ["192.0.2.71"], "second edit")
    eq(a_of(s, "a.example.com."), ["192.0.2.11"], "dynamic data still kept")
    check(os.path.exists(os.path.join(sd, "zones", "example.com.snap")),
          "dynamic state kept")
    s.stop()
    # edited while stopped (edit gone, file back): applied at start
    s = server(sd, serial=30)
    eq(serial_of(s), "31", "edit made while stopped")
    eq(a_of(s, "edit.example.com."), [], "edit removed")
    eq(a_of(s, "file.example.com."), ["192.0.2.60"], "file record back")
    eq(a_of(s, "a.example.com."), ["192.0.2.11"], "dynamic data kept")


def kill9(s):
    s.proc.kill()
    s.proc.wait(5)
    s.checked = True     # killed on purpose: no clean-exit check
    try:
        s._log.close()
    except Exception:
        pass


def send_update(s, i):
    """One UPDATE adding n<i>.example.com A; True if NOERROR came back."""
    u = dns.update.UpdateMessage("example.com.")
    ip = "10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255)
    u.add("n%d.example.com." % i, 300, "A", ip)
    try:
        r = s.send_msg(u, tcp=(i % 3 == 0), timeout=0.5)
    except (dns.exception.Timeout, OSError, EOFError, ConnectionError):
        return False
    except dns.exception.DNSException:
        return False
    return r.rcode() == dns.rcode.NOERROR


def upd_server(sd):
    return Server(zones={"example.com": zone_text(1)},
                  args=["--state-dir=" + sd,
                        "--allow-update=example.com,127.0.0.1"])


@case
def acknowledged_updates_survive_kill9():
    sd = tmpdir()
    rnd = random.Random(int(time.time()))
    n = 300
    kills = sorted(rnd.sample(range(20, n - 10), 4))
    acked = []
    s = upd_server(sd)
    t0 = time.monotonic()
    for i in range(n):
        if i in kills:
            kill9(s)
            s = upd_server(sd)
        if send_update(s, i):
            acked.append(i)
        check(time.monotonic() - t0 < 45, "update loop too slow")
    check(len(acked) > n // 2, "only %d of %d acknowledged: %s"
          % (len(acked), n, s.log_tail(300)))
    kill9(s)
    s = upd_server(sd)
    missing = [i for i in acked
               if not a_of(s, "n%d.example.com." % i)]
    eq(missing, [], "acknowledged updates missing after kill -9")
    check(int(serial_of(s)) >= 1 + len(acked), "serial counts the updates")


def big_txt(i, kib):
    """A TXT rdata of about kib KiB (255-octet strings), unique per i."""
    n = kib * 1024 // 256
    return " ".join('"%s"' % (("%06d" % i) * 43)[:255] for _ in range(n))


def add_big(s, i, kib=60):
    u = dns.update.UpdateMessage("example.com.")
    u.add("big%d.example.com." % i, 300, "TXT", big_txt(i, kib))
    r = s.send_msg(u, tcp=True, timeout=5)
    eq(dns.rcode.to_text(r.rcode()), "NOERROR", "big update %d" % i)


@case
def journal_compaction_scales_with_the_snapshot():
    """The zone journal is compacted into a snapshot past 4 MiB, and not
    before it is larger than the snapshot itself (a big zone, e.g. a
    signed one, is not rewritten every 4 MiB of changes); kill -9 after
    either loses nothing."""
    # small zone: ~4.7 MiB of updates compact it
    sd = tmpdir()
    s = upd_server(sd)
    for i in range(80):
        add_big(s, i)
    check("journal compacted" in s.log(), "small zone compacted: " +
          s.log_tail())
    jnl = os.path.join(sd, "zones", "example.com.jnl")
    check(os.path.getsize(jnl) < 4 * 1024 * 1024, "journal restarted")
    kill9(s)
    s = upd_server(sd)
    for i in (0, 41, 79):
        r = s.query("big%d.example.com." % i, "TXT", tcp=True)
        eq(len(r.answer), 1, "big%d after kill -9" % i)
    s.stop()
    # a zone whose snapshot is ~8 MiB: 80 such updates do not compact it
    sd = tmpdir()
    extra = "".join("file%d IN TXT %s\n" % (i, big_txt(1000 + i, 60))
                    for i in range(130))
    s = Server(zones={"example.com": zone_text(1, extra)},
               args=["--state-dir=" + sd,
                     "--allow-update=example.com,127.0.0.1"])
    for i in range(80):
        add_big(s, i)
    check("journal compacted" not in s.log(),
          "a journal smaller than the snapshot is not compacted: " +
          s.log_tail())
    jnl = os.path.join(sd, "zones", "example.com.jnl")
    check(os.path.getsize(jnl) > 4 * 1024 * 1024, "journal past 4 MiB")
    kill9(s)
    s = Server(zones={"example.com": zone_text(1, extra)},
               args=["--state-dir=" + sd,
                     "--allow-update=example.com,127.0.0.1"])
    for i in (0, 79):
        r = s.query("big%d.example.com." % i, "TXT", tcp=True)
        eq(len(r.answer), 1, "big%d after kill -9" % i)
    r = s.query("file129.example.com.", "TXT", tcp=True)
    eq(len(r.answer), 1, "file data after kill -9")
    s.stop()


run()
