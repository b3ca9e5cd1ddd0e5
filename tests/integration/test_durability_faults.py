"""Zone state under faults (issue 10): a full disk, a corrupt journal,
--journal-recover, and --user over a state directory written by root.

Nothing acknowledged is lost, nothing unacknowledged is served (answers,
NOTIFY, AXFR), damaged state is reported and kept, never silently cut."""
import hashlib
import os
import pwd
import shutil
import socket
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dvtest import (BINARY, Server, case, check, eq, free_port,  # noqa: E402
                    rdatas, run, tmpdir, wait_for, write)
from zonestate import (a_of, record, serial_of, state_with,  # noqa: E402
                       zone_text)

import dns.message  # noqa: E402
import dns.opcode  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdatatype  # noqa: E402
import dns.update  # noqa: E402
import dns.zone  # noqa: E402


class NotifySink:
    """A NOTIFY target on 127.0.0.1: answers every NOTIFY and records the
    SOA serial it carried."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.serials = []
        self.stop = False
        self.t = threading.Thread(target=self.loop, daemon=True)
        self.t.start()

    def loop(self):
        while not self.stop:
            try:
                data, peer = self.sock.recvfrom(4096)
            except (socket.timeout, OSError):
                continue
            try:
                m = dns.message.from_wire(data)
            except Exception:
                continue
            if m.opcode() != dns.opcode.NOTIFY:
                continue
            for rs in m.answer:
                if rs.rdtype == dns.rdatatype.SOA:
                    self.serials.append(rs[0].serial)
            r = dns.message.make_response(m)
            self.sock.sendto(r.to_wire(), peer)

    def close(self):
        self.stop = True
        self.t.join(2)
        self.sock.close()


def big_update(name, n=24):
    """An UPDATE adding a TXT RRset of n 250-byte strings (~6 KB of
    journal: it needs new pages on a full tmpfs)."""
    u = dns.update.UpdateMessage("example.com.")
    txt = " ".join('"%s"' % (chr(97 + i % 26) * 250) for i in range(n))
    u.add(name, 300, "TXT", txt)
    return u


def mount_tmpfs(size_kb):
    d = tmpdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%dk,mode=0700" %
                    size_kb, "tmpfs", d], check=True)
    return d


def umount(d):
    subprocess.run(["umount", "-l", d], check=False)


def fill(d):
    """Fill the file system of d; returns the filler's path."""
    path = os.path.join(d, "filler")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)
    return path


def axfr_names(s):
    z = dns.zone.from_xfr(dns.query.xfr("127.0.0.1", "example.com.",
                                        port=s.port, timeout=3))
    return sorted(n.derelativize(z.origin).to_text() for n in z.nodes)


@case
def disk_full_update_undone_servfail_not_served():
    d = mount_tmpfs(256)
    sink = NotifySink()
    try:
        sd = os.path.join(d, "state")
        args = ["--state-dir=" + sd, "--allow-update=example.com,127.0.0.1",
                "--allow-transfer=example.com,127.0.0.1",
                "--notify=example.com,127.0.0.1#%d" % sink.port]
        s = Server(zones={"example.com": zone_text(1)}, args=args)
        r = s.send_msg(big_update("first.example.com."), tcp=True)
        eq(dns.rcode.to_text(r.rcode()), "NOERROR", "update with space")
        eq(serial_of(s), "2", "serial after the first update")
        wait_for(lambda: 2 in sink.serials, 5, "NOTIFY for serial 2")
        filler = fill(d)
        for i, tcp in enumerate((False, True)):
            # (a UDP request must fit in 4096 bytes; the journal is
            # empty after the first change's snapshot: any append needs
            # a new page)
            r = s.send_msg(big_update("full%d.example.com." % i,
                                      24 if tcp else 12), tcp=tcp,
                           timeout=3)
            eq(dns.rcode.to_text(r.rcode()), "SERVFAIL",
               "update on a full disk (tcp=%s)" % tcp)
        eq(serial_of(s), "2", "serial unchanged after the refused updates")
        r = s.query("full0.example.com.", "TXT")
        eq(dns.rcode.to_text(r.rcode()), "NXDOMAIN", "refused change served")
        check("full0.example.com." not in axfr_names(s) and
              "full1.example.com." not in axfr_names(s),
              "refused change in AXFR")
        time.sleep(1.5)
        check(3 not in sink.serials, "NOTIFY for an undone serial: %s" %
              sink.serials)
        check("change refused" in s.log(), "no error logged: " +
              s.log_tail())
        # error lines are rate limited: 3 per cause per 10 s
        for i in range(8):
            r = s.send_msg(big_update("more%d.example.com." % i, 12),
                           timeout=3)
            eq(dns.rcode.to_text(r.rcode()), "SERVFAIL", "update %d" % i)
        n = s.log().count("change refused")
        check(n <= 3, "%d 'change refused' lines for 10 refusals" % n)
        # restart: nothing acknowledged lost, serial not backwards
        s.stop()
        s = Server(zones={"example.com": zone_text(1)}, args=args)
        eq(serial_of(s), "2", "serial after restart on a full disk")
        check("first.example.com." in axfr_names(s), "acked change lost")
        # space returns: updates work again
        os.unlink(filler)
        r = s.send_msg(big_update("again.example.com."), tcp=True, timeout=3)
        eq(dns.rcode.to_text(r.rcode()), "NOERROR", "update after space "
           "returned: " + s.log_tail())
        eq(serial_of(s), "3", "serial after space returned")
        wait_for(lambda: 3 in sink.serials, 5, "NOTIFY for serial 3")
        s.stop()
        s = Server(zones={"example.com": zone_text(1)}, args=args)
        eq(serial_of(s), "3", "serial after the last restart")
        r = s.query("again.example.com.", "TXT")
        eq(dns.rcode.to_text(r.rcode()), "NOERROR", "last change kept")
        s.stop()
    finally:
        sink.close()
        umount(d)


@case
def file_size_limit_update_undone():
    """RLIMIT_FSIZE: writes fail with EFBIG (SIGXFSZ is ignored)."""
    sd = tmpdir()
    args = ["--state-dir=" + sd, "--allow-update=example.com,127.0.0.1"]
    s = Server(zones={"example.com": zone_text(1)}, args=args)
    r = s.send_msg(big_update("first.example.com.", 4), tcp=True)
    eq(dns.rcode.to_text(r.rcode()), "NOERROR", "first update")
    jnl = os.path.join(sd, "zones", "example.com.jnl")
    snap = os.path.join(sd, "zones", "example.com.snap")
    limit = max(os.path.getsize(snap), os.path.getsize(jnl)) + 2000
    subprocess.run(["prlimit", "--pid", str(s.pid),
                    "--fsize=%d:%d" % (limit, limit)], check=True)
    ok = fail = 0
    for i in range(6):
        r = s.send_msg(big_update("n%d.example.com." % i, 4), tcp=True,
                       timeout=3)
        rc = dns.rcode.to_text(r.rcode())
        check(rc in ("NOERROR", "SERVFAIL"), "rcode " + rc)
        present = s.query("n%d.example.com." % i, "TXT").rcode() == 0
        eq(present, rc == "NOERROR", "n%d served iff acknowledged" % i)
        ok += rc == "NOERROR"
        fail += rc == "SERVFAIL"
    check(fail > 0, "the file size limit never hit")
    check(s.alive(), "died on the file size limit")
    eq(serial_of(s), str(2 + ok), "serial counts only acknowledged changes")
    s.stop()
    s = Server(zones={"example.com": zone_text(1)}, args=args)
    eq(serial_of(s), str(2 + ok), "serial after restart")



def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def other_zone():
    return ("$TTL 300\n$ORIGIN other.test.\n"
            "@ IN SOA ns1 hostmaster 7 7200 3600 1209600 300\n"
            "  IN NS ns1\nns1 IN A 192.0.2.7\nwww IN A 192.0.2.8\n")


def damaged_state():
    """20 records 10 -> 30; one byte of record 5 (serial 15 -> 16)
    flipped.  Returns (state dir, journal path, offset of record 5)."""
    recs = [record(10 + i, 11 + i, [("r%d.example.com." % i,
                                     "192.0.2.%d" % (100 + i))])
            for i in range(20)]
    sd = state_with(10, recs)
    jnl = os.path.join(sd, "zones", "example.com.jnl")
    off = sum(len(r) for r in recs[:5])
    with open(jnl, "r+b") as f:
        f.seek(off + 40)
        b = f.read(1)
        f.seek(off + 40)
        f.write(bytes([b[0] ^ 0x5a]))
    return sd, jnl, off


def two_zone_server(sd, extra=()):
    return Server(zones={"example.com": zone_text(5, "file IN A "
                                                  "192.0.2.60\n"),
                         "other.test": other_zone()},
                  args=["--state-dir=" + sd,
                        "--allow-update=example.com,127.0.0.1"] +
                  list(extra))


@case
def corrupt_journal_kept_zone_servfail_others_serve():
    sd, jnl, off = damaged_state()
    before = sha(jnl)
    size = os.path.getsize(jnl)
    s = two_zone_server(sd)
    r = s.query("example.com.", "SOA")
    eq(dns.rcode.to_text(r.rcode()), "SERVFAIL", "damaged zone")
    r = s.query("r0.example.com.", "A")
    eq(dns.rcode.to_text(r.rcode()), "SERVFAIL", "damaged zone data")
    eq(sorted(rdatas(s.query("www.other.test.", "A").answer,
                     "www.other.test.", "A")), ["192.0.2.8"], "other zone")
    log = s.log()
    line = [ln for ln in log.splitlines() if "corrupt" in ln]
    check(line, "no 'corrupt' line: " + s.log_tail())
    check(jnl in line[0] and ("offset %d" % off) in line[0],
          "line lacks file or offset %d: %s" % (off, line[0]))
    u = dns.update.UpdateMessage("example.com.")
    u.add("new.example.com.", 300, "A", "192.0.2.99")
    r = s.send_msg(u)
    check(r.rcode() != dns.rcode.NOERROR, "update accepted on a zone "
          "with a corrupt journal")
    s.reload()
    time.sleep(0.5)
    r = s.query("example.com.", "SOA")
    eq(dns.rcode.to_text(r.rcode()), "SERVFAIL", "damaged zone after SIGHUP")
    s.stop()
    eq(os.path.getsize(jnl), size, "journal size changed")
    eq(sha(jnl), before, "journal rewritten")
    # a restart without the operator's word: still kept, still SERVFAIL
    s = two_zone_server(sd)
    r = s.query("example.com.", "SOA")
    eq(dns.rcode.to_text(r.rcode()), "SERVFAIL", "after restart")
    s.stop()
    eq(sha(jnl), before, "journal rewritten by the second start")


@case
def journal_recover_replays_prefix_and_raises_serial():
    sd, jnl, off = damaged_state()
    before = sha(jnl)
    s = two_zone_server(sd, ["--journal-recover=example.com"])
    eq(serial_of(s), "31", "serial above every serial in the file")
    for i in range(5):
        eq(a_of(s, "r%d.example.com." % i), ["192.0.2.%d" % (100 + i)],
           "record %d before the damage" % i)
    for i in range(5, 20):
        eq(a_of(s, "r%d.example.com." % i), [], "record %d after the "
           "damage" % i)
    eq(a_of(s, "snap.example.com."), ["192.0.2.50"], "snapshot data")
    kept = [f for f in os.listdir(os.path.join(sd, "zones"))
            if f.startswith("example.com.jnl.damaged-")]
    eq(len(kept), 1, "damaged copies")
    eq(sha(os.path.join(sd, "zones", kept[0])), before, "damaged copy")
    check("recovered" in s.log(), "no recovery line: " + s.log_tail())
    u = dns.update.UpdateMessage("example.com.")
    u.add("new.example.com.", 300, "A", "192.0.2.99")
    eq(s.send_msg(u).rcode(), dns.rcode.NOERROR, "update after recovery")
    s.stop()
    s = two_zone_server(sd)
    eq(serial_of(s), "32", "serial after a restart without the flag")
    eq(a_of(s, "new.example.com."), ["192.0.2.99"], "update kept")
    eq(a_of(s, "r4.example.com."), ["192.0.2.104"], "recovered data kept")



def root_state(base):
    """A root-owned state dir (0700, files 0600) at base/state holding a
    snapshot at serial 10 and a journal record to serial 11."""
    sd0 = state_with(10, [record(10, 11, [("a.example.com.",
                                            "192.0.2.11")])])
    sd = os.path.join(base, "state")
    shutil.move(sd0, sd)
    for root, dirs, files in os.walk(sd):
        os.chmod(root, 0o700)
        for f in files:
            os.chmod(os.path.join(root, f), 0o600)
    return sd


@case
def user_over_root_written_state_dir_serves_dynamic_state():
    base = tmpdir()
    os.chmod(base, 0o755)
    sd = root_state(base)
    nobody = pwd.getpwnam("nobody")
    args = ["--state-dir=" + sd, "--allow-update=example.com,127.0.0.1",
            "--user=nobody"]
    s = Server(zones={"example.com": zone_text(5, "file IN A "
                                               "192.0.2.60\n")}, args=args)
    eq(serial_of(s), "11", "dynamic serial (not the zone file's 5)")
    eq(a_of(s, "a.example.com."), ["192.0.2.11"], "journal data")
    eq(a_of(s, "file.example.com."), [], "old zone file served")
    u = dns.update.UpdateMessage("example.com.")
    u.add("b.example.com.", 300, "A", "192.0.2.12")
    eq(s.send_msg(u).rcode(), dns.rcode.NOERROR, "update as nobody: " +
       s.log_tail())
    for root, dirs, files in os.walk(sd):
        for f in [root] + [os.path.join(root, x) for x in files]:
            eq(os.stat(f).st_uid, nobody.pw_uid, "owner of " + f)
    s.stop()
    s = Server(zones={"example.com": zone_text(5)}, args=args)
    eq(serial_of(s), "12", "serial after restart")
    eq(a_of(s, "b.example.com."), ["192.0.2.12"], "update kept")


@case
def unreadable_state_is_an_error_naming_the_file():
    """Started without root over root's 0700 state: not "no state"."""
    base = tmpdir()
    os.chmod(base, 0o755)
    sd = root_state(base)
    zdir = tmpdir()
    os.chmod(zdir, 0o755)
    zf = write(os.path.join(zdir, "example.com.zone"), zone_text(5))
    os.chmod(zf, 0o644)
    port = free_port()
    p = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup",
                        "--clear-groups", BINARY, "--no-hosts",
                        "--listen-address=127.0.0.1", "--port=%d" % port,
                        "--zone=example.com," + zf, "--state-dir=" + sd,
                        "--no-resolv", "--cache-size=0"],
                       capture_output=True, text=True, timeout=15,
                       cwd=zdir)
    check(p.returncode != 0, "started over state it cannot read: " +
          p.stderr[-500:])
    check("example.com.snap" in p.stderr and "denied" in p.stderr,
          "the error does not name the file: " + p.stderr[-500:])



@case
def corrupt_snapshot_kept_then_recovered_from_zone_file():
    recs = [record(10, 11, [("a.example.com.", "192.0.2.11")]),
            record(11, 12, [("b.example.com.", "192.0.2.12")])]
    sd = state_with(10, recs)
    snap = os.path.join(sd, "zones", "example.com.snap")
    with open(snap, "a") as f:
        f.write("bad.example.com. 300 IN A 300.1.2.3\n")   # damage
    before = sha(snap)
    s = two_zone_server(sd)
    r = s.query("example.com.", "SOA")
    eq(dns.rcode.to_text(r.rcode()), "SERVFAIL", "zone with a bad snapshot")
    eq(sorted(rdatas(s.query("www.other.test.", "A").answer,
                     "www.other.test.", "A")), ["192.0.2.8"], "other zone")
    check(any("corrupt" in ln and snap in ln for ln in s.log().splitlines()),
          "no 'corrupt' line naming the snapshot: " + s.log_tail())
    s.stop()
    eq(sha(snap), before, "snapshot rewritten")
    s = two_zone_server(sd, ["--journal-recover=example.com"])
    eq(serial_of(s), "13", "serial above the snapshot's and the journal's")
    eq(a_of(s, "file.example.com."), ["192.0.2.60"], "zone file served")
    names = os.listdir(os.path.join(sd, "zones"))
    check(any(n.startswith("example.com.snap.damaged-") for n in names) and
          any(n.startswith("example.com.jnl.damaged-") for n in names),
          "damaged files not kept: %s" % names)
    s.stop()
    s = two_zone_server(sd)
    eq(serial_of(s), "13", "serial after a restart without the flag")


run()
