"""Configuration handling, --test, signals (SIGHUP reload, SIGTERM), pid
file, --conf-dir, privilege drop, --help, --log-queries."""
import os
import re
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dvtest import (BINARY, DATA, Server, case, check, eq, expect, rdatas,
                    short, run, tmpdir, write, free_port, rcode,
                    TestFailure)  # noqa: E402


def run_bin(args, timeout=15):
    p = subprocess.run([BINARY] + list(args), stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout)
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"))


ZONE = """$ORIGIN example.com.
$TTL 300
@ IN SOA ns1 hostmaster 1 3600 600 86400 60
@ IN NS ns1
ns1 IN A 192.0.2.53
www IN A 192.0.2.80
"""


def conf_test(lines, extra=()):
    """Write lines to a config file; run --test; return (rc, out, path)."""
    d = tmpdir()
    path = write(os.path.join(d, "test.conf"), "\n".join(lines) + "\n")
    rc, out, err = run_bin(["--conf-file=" + path, "--test"] + list(extra))
    return rc, out + err, path


def expect_error(rc, out, *needles):
    check(rc != 0, "exit code 0 for a bad configuration: %r" % out)
    check("configuration OK" not in out, "'configuration OK' for a bad "
          "configuration: %r" % out)
    for n in needles:
        check(n in out, "message lacks %r: %r" % (n, out.strip()[:400]))
    # one line naming the problem (not a screenful)
    check(len(out.strip().splitlines()) <= 5, "error output is long: %r"
          % out[:400])


# ---------------------------------------------------------------- --test ---

ROOT_DS = "E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D"


@case
def unusable_trust_anchor_is_an_error():
    """A DS trust anchor whose digest does not fit its digest type (SHA-1
    with a 32-byte digest) can never match a key; it used to turn the
    tree insecure without a word.  Now --test and start-up stop with the
    option (or file and line) named (issue 12 item 3)."""
    rc, out, err = run_bin(["--no-hosts", "--test",
                            "--trust-anchor=.,20326,8,1," + ROOT_DS])
    expect_error(rc, out + err, "trust-anchor:", "digest type 1")
    d = tmpdir()
    f = os.path.join(d, "root.anchor")
    write(f, "; the root\n. IN DS 20326 8 1 %s\n" % ROOT_DS)
    rc, out, err = run_bin(["--no-hosts", "--test", "--dnssec",
                            "--trust-anchor-file=" + f])
    expect_error(rc, out + err, "trust-anchor-file " + f, "line 2",
                 "digest type 1")
    # the real start-up stops too
    rc, out, err = run_bin(["--no-hosts", "--dnssec", "--no-resolv",
                            "--allow-loopback-upstream",
                            "--server=127.0.0.1#%d" % free_port(),
                            "--listen-address=127.0.0.1",
                            "--port=%d" % free_port(),
                            "--state-dir=" + tmpdir(),
                            "--trust-anchor-file=" + f])
    check(rc != 0, "started with an unusable trust anchor: %r" % (out + err))
    check("digest type 1" in out + err, "no reason: %r" % (out + err))
    # a good anchor is still fine
    write(f, ". IN DS 20326 8 2 %s\n" % ROOT_DS)
    rc, out, err = run_bin(["--no-hosts", "--test", "--dnssec",
                            "--trust-anchor-file=" + f,
                            "--trust-anchor=.,20326,8,2," + ROOT_DS])
    eq(rc, 0, "good anchors (%r)" % (out + err))


@case
def test_good_config():
    d = tmpdir()
    zf = write(os.path.join(d, "example.com.zone"), ZONE)
    rc, out, _ = conf_test([
        "# a comment",
        "",
        "port=5353",
        "listen-address=127.0.0.1",
        "no-hosts",
        "keep-in-foreground",
        "domain=lan",
        "expand-hosts",
        "local-ttl=60",
        "host-record=router.lan,192.168.1.1",
        "address=/blocked.test/",
        "log-queries",
        "zone=example.com," + zf,
        "addn-hosts=" + os.path.join(DATA, "lan.hosts"),
    ], extra=["-k"])
    eq(rc, 0, "exit code of --test on a good config (%r)" % out)
    check("configuration OK" in out, "no 'configuration OK': %r" % out)


@case
def test_embedded_default():
    rc, out, err = run_bin(["--test"])
    eq(rc, 0, "exit code of --test without a config (%r)" % (out + err))
    check("configuration OK" in out + err, "no 'configuration OK': %r"
          % (out + err))


@case
def help_and_man_say_what_dnsvizor_is():
    """--help and the man page describe the resolver, the authoritative
    side (with signing), DHCP and ACME, not an authoritative-only
    server."""
    rc, out, err = run_bin(["--help"])
    eq(rc, 0, "--help exit code")
    head = out.split("\n\n")[0]
    for w in ("resolver", "authoritative", "DHCP", "ACME", "signing"):
        check(w in head, "--help head lacks %r: %r" % (w, head))
    rc, man, err = run_bin(["--man"])
    name = man.split(".SH SYNOPSIS")[0]
    desc = man.split(".SH DESCRIPTION")[1].split(".SH OPTIONS")[0]
    for w in ("resolver", "DHCP", "ACME"):
        check(w in name, "man NAME lacks %r: %r" % (w, name))
    for w in ("resolver", "authoritative", "DHCP", "ACME", "signing"):
        check(w in desc, "man DESCRIPTION lacks %r" % w)


@case
def unknown_option():
    rc, out, path = conf_test(["no-hosts", "port=5353", "frobnicate=1"])
    expect_error(rc, out, "%s:3: frobnicate:" % path)


@case
def unknown_option_command_line():
    rc, out, err = run_bin(["--frobnicate", "--test"])
    check(rc != 0, "exit code 0 for an unknown command line option")
    check("frobnicate" in out + err, "message does not name the option: %r"
          % (out + err))


@case
def misspelled_option_suggests_nearest():
    """A misspelled option names the nearest known one, in a file and on
    the command line (issue 14); a name far from every option gets no
    guess."""
    rc, out, path = conf_test(["no-hosts", "interfce=lo"])
    expect_error(rc, out, "%s:2: interfce: unknown option 'interfce'; "
                 "did you mean 'interface'?" % path)
    rc, out, err = run_bin(["--test", "--no-hosts", "--cahce-size=10"])
    expect_error(rc, out + err, "command line: cahce-size: unknown option "
                 "'cahce-size'; did you mean 'cache-size'?")
    rc, out, path = conf_test(["no-hosts", "frobnicate=1"])
    expect_error(rc, out, "%s:2: frobnicate: unknown option" % path)
    check("did you mean" not in out, "a wild guess: %r" % out)


@case
def duplicate_single_option_warns():
    """port given twice in the files: a warning naming both lines (the
    last one applies, as in dnsmasq); the configuration stays valid.
    Repeatable options (listen-address) and the command line overriding
    a file are not warned about."""
    d = tmpdir()
    inc = write(os.path.join(d, "inc.conf"), "port=5355\n")
    rc, out, path = conf_test(["no-hosts", "port=5353",
                               "listen-address=127.0.0.1",
                               "listen-address=::1", "conf-file=" + inc])
    eq(rc, 0, "duplicate port is not an error (%r)" % out)
    want = "%s:1: port: given again (first at %s:2); the last one " \
           "applies" % (inc, path)
    check(want in out, "no warning %r in %r" % (want, out))
    check("listen-address" not in out, "repeatable option warned: %r" % out)
    rc, out, path = conf_test(["no-hosts", "port=5353"], extra=["--port=53"])
    eq(rc, 0, out)
    check("given again" not in out, "command line override warned: %r"
          % out)
    rc, out, err = run_bin(["--test", "--no-hosts", "--port=5353",
                            "--port=5354"])
    check(rc == 0 and "command line: port: given again (first at command "
          "line)" in out + err, "two --port: %r" % (out + err))


@case
def unsupported_dnsmasq_option():
    # real dnsmasq options that dnsvizor does not implement (TFTP)
    rc, out, path = conf_test(["no-hosts", "enable-tftp",
                               "tftp-root=/srv/tftp"])
    expect_error(rc, out, "%s:2: enable-tftp:" % path)
    rc, out, path = conf_test(["tftp-root=/srv/tftp"])
    expect_error(rc, out, "%s:1: tftp-root:" % path)


@case
def bad_port():
    for bad in ("abc", "70000", "-1", ""):
        rc, out, path = conf_test(["no-hosts", "port=" + bad])
        expect_error(rc, out, "%s:2: port:" % path)


@case
def missing_conf_file():
    rc, out, err = run_bin(["--conf-file=/nonexistent/dv.conf", "--test"])
    check(rc != 0, "exit code 0 for a missing config file")
    check("/nonexistent/dv.conf" in out + err, "message does not name the file:"
          " %r" % (out + err))


def zone_error(text, lines):
    """--test with a broken zone file: non-zero, message 'file:line'."""
    d = tmpdir()
    zf = write(os.path.join(d, "bad.zone"), text)
    rc, out, err = run_bin(["--no-hosts", "--zone=example.com," + zf,
                            "--port=5353", "--listen-address=127.0.0.1",
                            "--test"])
    out += err
    check(rc != 0, "exit code 0 for a broken zone: %r" % out)
    check("configuration OK" not in out, "'configuration OK' for a broken "
          "zone: %r" % out)
    if lines:
        check(any("%s:%d" % (zf, ln) in out for ln in lines),
              "message lacks %s:%s: %r" % (zf, "|".join(map(str, lines)), out))
    else:
        check(zf in out, "message does not name the zone file: %r" % out)
    return out


@case
def zone_error_cname_and_other():
    zone_error(ZONE + "www IN CNAME ns1\n", [7, 6])


@case
def zone_warning_outside_zone():
    """Out-of-zone data is ignored with a warning (BIND, Knot): --test
    passes and names file:line."""
    d = tmpdir()
    zf = write(os.path.join(d, "z.zone"),
               ZONE + "www.example.net. IN A 192.0.2.1\n")
    rc, out, err = run_bin(["--no-hosts", "--zone=example.com," + zf,
                            "--port=5353", "--listen-address=127.0.0.1",
                            "--test"])
    out += err
    eq(rc, 0, "exit code: %r" % out)
    check("%s:7: ignoring out-of-zone data (www.example.net.)" % zf in out,
          "warning: %r" % out)


@case
def zone_error_missing_soa():
    zone_error("$ORIGIN example.com.\n$TTL 300\n@ IN NS ns1\n"
               "ns1 IN A 192.0.2.1\n", [])


@case
def zone_error_missing_ns():
    zone_error("$ORIGIN example.com.\n$TTL 300\n"
               "@ IN SOA ns1 hostmaster 1 3600 600 86400 60\n"
               "ns1 IN A 192.0.2.1\n", [])


@case
def zone_error_syntax():
    zone_error(ZONE + "bad IN A 300.1.2.3\n", [7])
    zone_error(ZONE.replace("www IN A 192.0.2.80", "www IN BOGUSTYPE x"), [6])


@case
def zone_error_missing_file():
    d = tmpdir()
    rc, out, err = run_bin(["--no-hosts", "--zone=example.com,%s/none.zone" % d,
                            "--test"])
    check(rc != 0, "exit code 0 for a missing zone file")
    check("none.zone" in out + err, "message lacks the file name: %r"
          % (out + err))


@case
def missing_input_files_name_the_option_line():
    """A file named by an option that cannot be read is reported with the
    config file and line of that option (issue 14): zone files, hosts
    files (addn-hosts), trust anchors, TSIG key files, TLS certificates,
    root hints; on the command line, "command line"."""
    d = tmpdir()
    gone = os.path.join(d, "gone")
    for line, extra in (("zone=example.com,%s.zone" % gone, []),
                        ("addn-hosts=%s.hosts" % gone, []),
                        ("trust-anchor-file=%s.anchor" % gone, ["dnssec"]),
                        ("dns-key-file=%s.key" % gone, []),
                        ("tls-cert=%s.pem" % gone, ["dot-port=8853"]),
                        ("root-hints=%s.hints" % gone, [])):
        rc, out, path = conf_test(["no-hosts", "port=5353"] + extra +
                                  [line])
        opt = line.split("=")[0]
        want = "%s:%d: %s" % (path, 3 + len(extra), opt)
        check(want in out and gone in out, "%s: no %r with the file: %r"
              % (opt, want, out))
        rc, out, err = run_bin(["--test", "--no-hosts", "--" + line] +
                               ["--" + e for e in extra])
        check("command line: " + opt in out + err and gone in out + err,
              "%s on the command line: %r" % (opt, out + err))


@case
def dhcp_range_overlap_and_off_subnet_warn():
    """Overlapping DHCP ranges and a range on no interface's subnet are
    warnings (issue 14) naming the lines; --test still passes."""
    rc, out, path = conf_test([
        "no-hosts", "port=5353",
        "dhcp-range=127.0.0.100,127.0.0.200,255.0.0.0,12h",
        "dhcp-range=127.0.0.150,127.0.0.250,255.0.0.0,12h",
        "dhcp-range=127.0.1.1,127.0.1.9,255.0.0.0,12h"])
    eq(rc, 0, "overlap is not an error (%r)" % out)
    want = ("%s:4: dhcp-range: 127.0.0.150-127.0.0.250 overlaps "
            "127.0.0.100-127.0.0.200 (%s:3)" % (path, path))
    check(want in out, "no %r in %r" % (want, out))
    check(out.count("overlaps") == 1, "disjoint ranges warned: %r" % out)
    check("no interface" not in out, "lo's subnet warned: %r" % out)
    rc, out, path = conf_test([
        "no-hosts", "port=5353",
        "dhcp-range=198.51.100.10,198.51.100.20,12h"])
    eq(rc, 0, out)
    want = ("%s:3: dhcp-range: 198.51.100.10-198.51.100.20 is on no "
            "interface's subnet" % path)
    check(want in out, "no %r in %r" % (want, out))


@case
def zone_include():
    d = tmpdir()
    write(os.path.join(d, "inc.zone"), "included IN A 192.0.2.44\n")
    s = Server(zones={"example.com": ZONE + "$INCLUDE %s/inc.zone\n" % d})
    r = s.query("included.example.com")
    expect(r, aa=True)
    eq(rdatas(r.answer, "included.example.com", "A"), ["192.0.2.44"],
       "$INCLUDE data")
    s.stop()


# ------------------------------------------------------------- signals ---

def wait_for(fn, timeout, step=0.1):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            v = fn()
            if v:
                return v
        except Exception as e:
            last = e
        time.sleep(step)
    return last if last is not None else False


def serial(s):
    r = s.query("example.com", "SOA")
    return int(rdatas(r.answer, "example.com", "SOA")[0].split()[2])


@case
def sighup_reload():
    s = Server(zones={"example.com": ZONE})
    try:
        zf = s.zone_files["example.com"]
        eq(serial(s), 1, "initial serial")
        expect(s.query("new.example.com"), "NXDOMAIN")
        write(zf, ZONE.replace(" 1 3600", " 2 3600") +
              "new IN A 192.0.2.123\n")
        s.reload()
        ok = wait_for(lambda: serial(s) == 2 and rdatas(
            s.query("new.example.com").answer, "new.example.com", "A")
            == ["192.0.2.123"], 5)
        check(ok is True, "new zone data not served after SIGHUP (%s): %s"
              % (ok, s.log_tail()))
        # break the zone: old data stays, error logged
        before = s.log()
        write(zf, ZONE.replace(" 1 3600", " 3 3600") + "broken IN A nope\n")
        s.reload()
        logged = wait_for(lambda: len(s.log()) > len(before) and
                          zf in s.log()[len(before):], 5)
        check(logged is True, "no error naming %s logged after a failed "
              "reload: %s" % (zf, s.log_tail()))
        check(s.alive(), "server died on a failed reload: " + s.log_tail())
        eq(serial(s), 2, "serial after a failed reload (old data kept)")
        eq(rdatas(s.query("new.example.com").answer, "new.example.com", "A"),
           ["192.0.2.123"], "old data after a failed reload")
        # fix it again: reload works after a failure
        write(zf, ZONE.replace(" 1 3600", " 4 3600"))
        s.reload()
        ok = wait_for(lambda: serial(s) == 4, 5)
        check(ok is True, "reload after a failed reload did not work")
        expect(s.query("new.example.com"), "NXDOMAIN")
    finally:
        s.stop()


@case
def sighup_reloads_config():
    d = tmpdir()
    extra = write(os.path.join(d, "extra.conf"), "txt-record=t.lan,one\n")
    s = Server(conf=["conf-file=" + extra])
    try:
        eq(rdatas(s.query("t.lan", "TXT").answer, "t.lan", "TXT"), ['"one"'],
           "txt before reload")
        write(extra, "txt-record=t.lan,two\nhost-record=h.lan,192.0.2.9\n")
        s.reload()
        ok = wait_for(lambda: rdatas(s.query("t.lan", "TXT").answer, "t.lan",
                                     "TXT") == ['"two"'], 5)
        check(ok is True, "config not reloaded on SIGHUP: %s" % s.log_tail())
        eq(rdatas(s.query("h.lan").answer, "h.lan", "A"), ["192.0.2.9"],
           "new host-record after reload")
        # the reloaded files' warnings are logged too
        write(extra, "local-ttl=5\nlocal-ttl=6\n")
        s.reload()
        ok = wait_for(lambda: "%s:2: local-ttl: given again" % extra
                      in s.log_tail(), 5)
        check(ok is True, "no duplicate warning on reload: %s"
              % s.log_tail())
    finally:
        s.stop()


@case
def interface_lo():
    """--interface=lo: addresses looked up over netlink (127.0.0.1, ::1)."""
    s = Server(zones={"example.com": ZONE}, listen=False, v6=True,
               args=["--interface=lo", "--port={port}"])
    try:
        for v6 in (False, True):
            r = s.query("www.example.com", v6=v6)
            expect(r, aa=True)
            eq(rdatas(r.answer, "www.example.com", "A"), ["192.0.2.80"],
               "answer on lo (%s)" % ("::1" if v6 else "127.0.0.1"))
    finally:
        s.stop()


@case
def interface_unknown_fails():
    rc, out, err = run_bin(["--no-hosts", "--interface=nosuchif0",
                            "--port=%d" % free_port()], timeout=10)
    check(rc != 0, "exit code 0 with an unknown interface")
    check("nosuchif0" in out + err, "message does not name the interface: %r"
          % (out + err))


@case
def etc_hosts_read_without_no_hosts():
    first = None
    with open("/etc/hosts") as f:
        for ln in f:
            w = ln.split("#")[0].split()
            if len(w) >= 2 and ":" not in w[0] and "." in w[0]:
                first = (w[0], w[1])
                break
    check(first is not None, "no IPv4 entry in /etc/hosts to test with")
    s = Server(no_hosts=False)
    try:
        r = s.query(first[1])
        expect(r)
        check(first[0] in rdatas(r.answer, first[1], "A"),
              "/etc/hosts entry %s %s not served: %s"
              % (first[0], first[1], short(r)))
    finally:
        s.stop()
    s = Server()
    try:
        r = s.query(first[1])
        check(first[0] not in rdatas(r.answer, first[1], "A"),
              "/etc/hosts served despite --no-hosts: " + short(r))
    finally:
        s.stop()


@case
def sighup_rereads_hosts_file():
    d = tmpdir()
    hf = write(os.path.join(d, "hosts"), "192.0.2.31 alpha.lan\n")
    s = Server(conf=["addn-hosts=" + hf])
    try:
        eq(rdatas(s.query("alpha.lan").answer, "alpha.lan", "A"),
           ["192.0.2.31"], "hosts entry")
        write(hf, "192.0.2.32 alpha.lan\n192.0.2.33 beta.lan\n")
        s.reload()
        ok = wait_for(lambda: rdatas(s.query("beta.lan").answer, "beta.lan",
                                     "A") == ["192.0.2.33"], 5)
        check(ok is True, "hosts file not re-read on SIGHUP")
        eq(rdatas(s.query("alpha.lan").answer, "alpha.lan", "A"),
           ["192.0.2.32"], "changed hosts entry after SIGHUP")
    finally:
        s.stop()


@case
def sigterm_pid_file():
    d = tmpdir()
    pidf = os.path.join(d, "dnsvizor.pid")
    s = Server(zones={"example.com": ZONE}, args=["--pid-file=" + pidf, "-k"])
    try:
        check(os.path.exists(pidf), "pid file not written")
        with open(pidf) as f:
            eq(f.read().strip(), str(s.pid), "pid file content")
    finally:
        rc, killed = s.stop()
    check(not killed, "did not exit within 5s of SIGTERM")
    eq(rc, 0, "exit code after SIGTERM")
    check(not os.path.exists(pidf), "pid file left behind after SIGTERM")


@case
def sigint_exits_cleanly():
    s = Server(zones={"example.com": ZONE})
    s.signal(signal.SIGINT)
    try:
        s.proc.wait(5)
    except subprocess.TimeoutExpired:
        raise TestFailure("did not exit within 5s of SIGINT")
    eq(s.proc.returncode, 0, "exit code after SIGINT")


# --------------------------------------------------------------- misc ---

@case
def help_lists_options():
    rc, out, err = run_bin(["--help"])
    eq(rc, 0, "exit code of --help")
    text = out + err
    for opt in ("--port", "--listen-address", "--interface", "--conf-file",
                "--conf-dir", "--no-hosts", "--addn-hosts", "--expand-hosts",
                "--domain", "--local-ttl", "--host-record", "--address",
                "--cname", "--mx-host", "--srv-host", "--txt-record",
                "--ptr-record", "--caa-record", "--log-queries", "--user",
                "--group", "--pid-file", "--keep-in-foreground", "--zone",
                "--state-dir", "--test"):
        check(opt in text, "--help does not list %s" % opt)


@case
def conf_dir():
    d = tmpdir()
    cd = os.path.join(d, "conf.d")
    os.mkdir(cd)
    write(os.path.join(cd, "a.conf"), "host-record=a.lan,192.0.2.11\n")
    write(os.path.join(cd, "b.conf"), "txt-record=b.lan,hello\n")
    s = Server(args=["--conf-dir=" + cd])
    try:
        eq(rdatas(s.query("a.lan").answer, "a.lan", "A"), ["192.0.2.11"],
           "record from conf-dir file a.conf")
        eq(rdatas(s.query("b.lan", "TXT").answer, "b.lan", "TXT"),
           ['"hello"'], "record from conf-dir file b.conf")
    finally:
        s.stop()


@case
def conf_dir_skips_backup_files():
    # dnsmasq ignores files ending in ~, starting with . or .#
    d = tmpdir()
    cd = os.path.join(d, "conf.d")
    os.mkdir(cd)
    write(os.path.join(cd, "a.conf"), "host-record=a.lan,192.0.2.11\n")
    write(os.path.join(cd, "a.conf~"), "frobnicate\n")
    write(os.path.join(cd, ".hidden"), "frobnicate\n")
    rc, out, err = run_bin(["--conf-dir=" + cd, "--no-hosts", "--test"])
    eq(rc, 0, "--test with backup files in conf-dir (%r)" % (out + err))


@case
def conf_dir_error_names_file():
    d = tmpdir()
    cd = os.path.join(d, "conf.d")
    os.mkdir(cd)
    write(os.path.join(cd, "z.conf"), "no-hosts\nfrobnicate=2\n")
    rc, out, err = run_bin(["--conf-dir=" + cd, "--test"])
    expect_error(rc, out + err, "z.conf:2: frobnicate:")


@case
def user_group_drop():
    base = tmpdir()              # a state dir uid 65534 can reach
    os.chmod(base, 0o755)
    s = Server(zones={"example.com": ZONE},
               args=["--user=65534", "--group=65534",
                     "--state-dir=" + os.path.join(base, "state")])
    try:
        with open("/proc/%d/status" % s.pid) as f:
            st = f.read()
        uid = [ln for ln in st.splitlines() if ln.startswith("Uid:")][0]
        gid = [ln for ln in st.splitlines() if ln.startswith("Gid:")][0]
        eq(uid.split()[1:], ["65534"] * 4, "Uid line")
        eq(gid.split()[1:], ["65534"] * 4, "Gid line")
        grp = [ln for ln in st.splitlines() if ln.startswith("Groups:")][0]
        check(grp.split()[1:] in ([], ["65534"]),
              "supplementary groups kept: %s" % grp)
        r = s.query("www.example.com")
        expect(r, aa=True)
        eq(rdatas(r.answer, "www.example.com", "A"), ["192.0.2.80"],
           "answer after dropping privileges")
        r = s.query("www.example.com", tcp=True)
        expect(r, aa=True)
    finally:
        s.stop()


@case
def log_queries():
    s = Server(zones={"example.com": ZONE}, args=["--log-queries"])
    try:
        s.query("logme-1234.example.com")
        ok = wait_for(lambda: "logme-1234.example.com" in s.log(), 3)
        check(ok is True, "query not logged: %s" % s.log_tail())
    finally:
        s.stop()


@case
def port_in_use_fails():
    import socket
    port = free_port()
    blocker = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    blocker.bind(("127.0.0.1", port))
    try:
        p = subprocess.Popen([BINARY, "--no-hosts", "--no-recursion", "--port=%d" % port,
                              "--listen-address=127.0.0.1"],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
        try:
            out, _ = p.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)
            raise TestFailure("kept running although its port is taken")
        check(p.returncode != 0, "exit code 0 although the port is taken")
        check(str(port) in out.decode("utf-8", "replace") or
              "127.0.0.1" in out.decode("utf-8", "replace"),
              "message does not name the address: %r" % out)
    finally:
        blocker.close()


@case
def test_reports_every_error():
    """Three different errors in one file: --test names all three, each
    with file:line and the option, in one run."""
    rc, out, path = conf_test(["no-hosts", "port=abc", "bogus-option=1",
                               "listen-address=127.0.0.1",
                               "listen-address=1.2.3.400",
                               "cache-size=-5"])
    check(rc != 0, "bad config accepted: " + out)
    for line, opt in ((2, "port"), (3, "bogus-option"),
                      (5, "listen-address"), (6, "cache-size")):
        want = "%s:%d: %s:" % (path, line, opt)
        check(want in out, "missing %r in: %s" % (want, out))
    check("configuration OK" not in out, "OK printed: " + out)
    # the command line is checked in the same run
    rc, out, err = run_bin(["--test", "--no-hosts", "--port=x",
                            "--no-such-option", "--listen-address=::1"])
    out += err
    check(rc != 0 and "command line: port:" in out and
          "command line: no-such-option:" in out, "command line: " + out)


@case
def test_checks_users_and_interfaces():
    base = ["--test", "--no-hosts", "--listen-address=127.0.0.1"]
    rc, out, err = run_bin(base + ["--user=no-such-user-dv",
                                   "--group=no-such-group-dv"])
    check(rc != 0 and "unknown user 'no-such-user-dv'" in err and
          "unknown group 'no-such-group-dv'" in err,
          "unknown user/group: %d %s" % (rc, err))
    rc, out, err = run_bin(base + ["--user=nobody", "--group=nogroup"])
    eq(rc, 0, "existing user and group: " + err)
    # dnsmasq: an empty user= means "do not change user"
    rc, out, path = conf_test(["no-hosts", "listen-address=127.0.0.1",
                               "user="])
    eq(rc, 0, "empty user=: " + out)
    check("configuration OK" in out, out)
    # an interface of another machine: a warning, not an error
    rc, out, err = run_bin(["--test", "--no-hosts",
                            "--interface=dvnosuch0"])
    eq(rc, 0, "missing interface under --test: " + err)
    check("dvnosuch0" in err and "warning" in err, "no warning: " + err)
    check("configuration OK" in out, out)


# ----------------------------------------------------------- --dump-config ---

# One value for every option of the table that keeps a setting, as a config
# line; the dump must show it as the same line unless a different expected
# text is given (a list of lines, or [] for "nothing": the default).  An
# option the binary lists that has no entry here fails the test: a new
# option needs a sample, and --list-options says MISSING for one without a
# printer.
DUMP_KEY = "dumpkey.:hmac-sha256:" + "c2VjcmV0c2VjcmV0c2VjcmV0MTI="
DUMP_SAMPLES = {
    "port": "5399",
    "listen-address": "127.0.0.1",
    "interface": "lo",
    "except-interface": "dvnosuch0",
    "edns-packet-max": "1400",
    "tcp-max-connections": "64",
    "tcp-idle-timeout": "30",
    "dot-port": "8853",
    "doh-port": "8443",
    "tls-cert": "/etc/dv/cert.pem",
    "tls-key": "/etc/dv/key.pem",
    "acme-cert": "www.example.com,*.example.com",
    # acme-staging comes later in the file and wins
    "acme-directory": ("https://ca.example/dir", []),
    "acme-staging": (None, ["acme-directory=https://acme-staging-v02.api."
                            "letsencrypt.org/directory"]),
    "acme-email": "ops@example.com",
    "acme-agree-tos": None,
    "acme-eab": "kid1:aGVsbG8",
    "acme-ca-file": "/etc/dv/ca.pem",
    "acme-key-type": "rsa3072",
    "acme-renew-now": None,
    "dns-server": "192.0.2.9#5353",
    "user": "nobody",
    "group": "nogroup",
    "pid-file": "/run/dv.pid",
    "state-dir": "/var/lib/dv-test",
    "keep-in-foreground": (None, []),
    "no-daemon": (None, []),
    "log-queries": "extra",
    "log-facility": "local3",
    "log-level": "debug",
    "no-hosts": None,
    "addn-hosts": "/etc/dv/extra.hosts",
    "expand-hosts": None,
    "domain": "lan",
    "local-ttl": "60",
    "host-record": "router.lan,192.168.1.1,fd00::1,300",
    "address": "/ads.example./#/0.0.0.0",
    "cname": "alias.lan,router.lan",
    "mx-host": "lan,mail.lan,10",
    "srv-host": "_ldap._tcp.lan,ldap.lan,389,1,2",
    "txt-record": 'txt.lan,"v=spf1 -all"',
    "ptr-record": "9.1.168.192.in-addr.arpa,nine.lan",
    "caa-record": "lan,0,issue,letsencrypt.org",
    "zone": "example.com.,/etc/dv/example.com.zone",
    "allow-update": "example.com.,dumpkey.,A,AAAA,TYPE65280",
    "allow-transfer": "example.com.,192.0.2.0/24",
    "dnssec-sign": "example.com.,ed25519,nsec3",
    "dnssec-policy": "example.com.,kskzsk,zsk-lifetime=604800,"
                     "ksk-lifetime=31536000,propagation=600,ds-ttl=3600",
    "dnssec-parent": "example.com.,192.0.2.9#5355",
    "serial-policy": "unixtime",
    "secondary": "example.net.,192.0.2.1#5353,dumpkey.",
    "notify": "example.com.,192.0.2.2#5354,dumpkey.",
    "journal-recover": "example.com",
    "notify-ns": "example.com",
    "dns-key": DUMP_KEY,
    "dns-key-file": "KEYFILE",
    "no-ident": None,
    "no-recursion": None,
    "server": "/corp.example/10.0.0.1#5353",
    "local": ("/home.example/", ["server=/home.example/"]),
    "dns-upstream": "tls:192.0.2.53:853!dns.example",
    "no-resolv": None,
    "resolv-file": "/etc/dv/resolv.conf",
    "strict-order": None,
    "all-servers": None,
    "root-hints": "/etc/dv/root.hints",
    "cache-size": "5000",
    "cache-max-bytes": "67108864",
    "neg-ttl": "30",
    "max-cache-ttl": "3600",
    "min-cache-ttl": "10",
    "no-negcache": None,
    "use-stale-cache": "600",
    # default on; no-qname-minimisation comes later and wins
    "qname-minimisation": (None, []),
    "no-qname-minimisation": None,
    "outgoing-address": "192.0.2.7",
    "allow-loopback-upstream": None,
    "ipv4-only": None,
    "ipv6-only": None,
    "dnssec": None,
    "trust-anchor": ". ,20326,8,2,E06D44B80B8F1D39A95C0B0D7C65D08458E8"
                    "80409BBC683457104237C7F8EC8D",
    "negative-trust-anchor": "broken.example",
    "trust-anchor-file": "/etc/dv/anchors",
    "dnssec-no-timecheck": None,
    "domain-needed": None,
    "bogus-priv": None,
    "stop-dns-rebind": None,
    "rebind-localhost-ok": None,
    "rebind-domain-ok": ("/rbl.example/dnsbl.example/",
                         ["rebind-domain-ok=rbl.example",
                          "rebind-domain-ok=dnsbl.example"]),
    "bogus-nxdomain": ("64.94.110.11", ["bogus-nxdomain=64.94.110.11/32"]),
    "ignore-address": ("192.0.2.0/24", ["ignore-address=192.0.2.0/24"]),
    "filter-A": None,
    "filter-AAAA": None,
    "filterwin2k": None,
    "max-tcp-connections": ("64", ["tcp-max-connections=64"]),
    "dnssec-check-unsigned": (None, []),
    "alias": "192.168.0.10-192.168.0.40,10.0.0.0,255.255.255.0",
    "dhcp-range": "192.168.1.100,192.168.1.200,255.255.255.0,12h",
    "dhcp-host": "52:54:00:12:34:56,192.168.1.50,printer,1h",
    "dhcp-option": "option:router,192.168.1.1",
    "dhcp-option-force": "option:dns-server,192.168.1.1",
    "dhcp-authoritative": None,
    "dhcp-rapid-commit": None,
    "dhcp-ignore-names": None,
    "dhcp-lease-max": "500",
    "dhcp-leasefile": "/var/lib/dv/leases",
    "log-dhcp": None,
    "no-dhcp-interface": "eth9",
    "tcp-max-per-address": "8",
    "ident": None,
    "bind-interfaces": (None, []),
    "no-poll": (None, []),
    "log-async": (None, []),
    "rrl-rate": "20",
    "rrl-slip": "3",
    "rrl-ipv4-prefix": "22",
    "rrl-ipv6-prefix": "48",
    "rrl-exempt": "10.0.0.0/8",
    "nsid": "dv-test-1",
    "dns-forward-max": "300",
    "jostle-timeout": "250",
    "recursions-per-client": "50",
    "outstanding-per-server": "60",
    "outstanding-per-zone": "70",
    "no-upstream-cookies": None,
}
# the trust anchor's domain is "." (the space is not part of it)
DUMP_SAMPLES["trust-anchor"] = DUMP_SAMPLES["trust-anchor"].replace(" ", "")


def list_options():
    rc, out, err = run_bin(["--list-options"])
    eq(rc, 0, "exit code of --list-options (%r)" % err)
    opts = []
    for line in out.splitlines():
        f = line.split()
        check(len(f) == 3, "bad --list-options line %r" % line)
        opts.append(tuple(f))
    check(len(opts) > 100, "--list-options lists %d options" % len(opts))
    return opts


def dump(args):
    rc, out, err = run_bin(list(args) + ["--dump-config"])
    eq(rc, 0, "exit code of --dump-config %r (%r)" % (args, err))
    check(out.startswith("# dnsvizor "), "dump lacks its header: %r"
          % out[:200])
    return out


def sample_lines(name, kind, d):
    """The config line for option name and the lines its dump shows."""
    s = DUMP_SAMPLES[name]
    val, want = (s if isinstance(s, tuple) else (s, None))
    if val == "KEYFILE":
        val = write(os.path.join(d, "keys.conf"), DUMP_KEY.replace(
            "dumpkey.", "filekey.") + "\n")
    line = name if val is None else "%s=%s" % (name, val)
    check((val is None) == (kind == "none") or kind == "optional",
          "sample of %s does not fit its argument kind %s" % (name, kind))
    return line, ([line] if want is None else want)


@case
def dump_config_round_trip_every_option():
    d = tmpdir()
    opts = list_options()
    bad = [n for n, k, c in opts if c == "MISSING"]
    check(not bad, "options without a --dump-config printer: %s" % bad)
    lines, wants = [], []
    for name, kind, cls in opts:
        if cls == "unsupported" or cls == "action":
            continue
        check(name in DUMP_SAMPLES, "no --dump-config sample for option "
              "%s (%s): add one to DUMP_SAMPLES" % (name, cls))
        line, want = sample_lines(name, kind, d)
        lines.append(line)
        wants.append((name, want))
    conf = write(os.path.join(d, "all.conf"), "\n".join(lines) + "\n")
    first = dump(["--conf-file=" + conf])
    got = set(first.splitlines())
    for name, want in wants:
        for w in want:
            check(w in got, "dump lacks %r (option %s):\n%s"
                  % (w, name, first))
    # nothing but the header, and only options of the table
    names = {n for n, k, c in opts}
    for line in first.splitlines()[1:]:
        check(line.split("=", 1)[0] in names, "dump line %r" % line)
    back = write(os.path.join(d, "dump.conf"), first)
    second = dump(["--conf-file=" + back])
    eq(second, first, "dump of the dump")
    # the dump is a valid configuration as it stands
    rc, out, err = run_bin(["--conf-file=" + back, "--dump-config",
                            "--list-options"])
    eq(rc, 0, "--list-options wins: " + err)


@case
def dump_config_merges_default_files_command_line():
    d = tmpdir()
    # the embedded default alone
    out = dump([])
    for w in ("port=5300", "listen-address=127.0.0.1",
              "listen-address=::1"):
        check(w in out.splitlines(), "default dump lacks %r: %r" % (w, out))
    # where the state lives is no configuration: still the default
    out = dump(["--state-dir=" + d])
    check("port=5300" in out.splitlines(), out)
    # any option is a configuration: no embedded default at all (dnsmasq's
    # port 53 on every address), as with a file
    out = dump(["-q"])
    check(not any(l.startswith(("port=", "listen-address"))
                  for l in out.splitlines()), out)
    out = dump(["--port=5353", "--listen-address=127.0.0.2", "-q"])
    lines = out.splitlines()
    check("port=5353" in lines and "port=5300" not in lines, out)
    check("listen-address=127.0.0.2" in lines and
          "listen-address=::1" not in lines, out)
    check("log-queries" in lines, out)
    # a file, then the command line: single values from the command line,
    # repeatable ones from both, and no embedded default
    conf = write(os.path.join(d, "m.conf"), "port=5400\nno-hosts\n"
                 "host-record=a.lan,192.0.2.1\n")
    out = dump(["--conf-file=" + conf, "--port=5401",
                "--host-record=b.lan,192.0.2.2"])
    lines = out.splitlines()
    check("port=5401" in lines and "port=5400" not in lines, out)
    check("host-record=a.lan,192.0.2.1" in lines and
          "host-record=b.lan,192.0.2.2" in lines, out)
    check(not any(l.startswith("listen-address") for l in lines), out)
    # the round trip of a merged configuration
    back = write(os.path.join(d, "back.conf"), out)
    eq(dump(["--conf-file=" + back]), out, "dump of the merged dump")
    # a bad configuration is reported, not dumped
    rc, o, e = run_bin(["--port=abc", "--dump-config"])
    check(rc != 0 and "command line: port:" in e and "port=" not in o,
          "bad config under --dump-config: %d %r %r" % (rc, o, e))


@case
def every_dnsmasq_option_is_known():
    """Every long option of dnsmasq 2.90 (its --help) is in the option
    table: implemented, or stopping with "not supported yet", never
    "unknown option"."""
    p = subprocess.run(["dnsmasq", "--help"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=10)
    theirs = set(re.findall(r"--([a-zA-Z0-9-]+)",
                            p.stdout.decode("utf-8", "replace")))
    check(len(theirs) > 150, "dnsmasq --help listed %d options"
          % len(theirs))
    rc, out, err = run_bin(["--list-options"])
    ours = set(line.split()[0] for line in out.splitlines() if line)
    eq(sorted(theirs - ours), [], "dnsmasq options unknown to dnsvizor")
    rc, out, path = conf_test(["no-hosts", "port-limit=3"])
    expect_error(rc, out, "%s:2: port-limit: not supported yet" % path)


@case
def empty_values_dnsmasq_accepts():
    """dnsmasq accepts user=, group=, interface= (loopback only),
    except-interface=, resolv-file= (no resolv file), local-ttl= (0);
    so does dnsvizor, and --dump-config prints them back.
    listen-address= is an error in dnsmasq 2.90 too."""
    lines = ["no-hosts", "user=", "group=", "interface=",
             "except-interface=", "resolv-file=", "local-ttl=5",
             "local-ttl="]
    rc, out, path = conf_test(lines)
    eq(rc, 0, "exit code: " + out)
    check("configuration OK" in out, out)
    d = tmpdir()
    path = write(os.path.join(d, "e.conf"), "\n".join(lines) + "\n")
    rc, out, err = run_bin(["--conf-file=" + path, "--dump-config"])
    eq(rc, 0, "dump exit code: " + err)
    dumped = [l for l in out.splitlines() if not l.startswith("#")]
    check("interface=lo" in dumped, "interface= is loopback: %r" % dumped)
    check("resolv-file=" in dumped, "resolv-file= kept: %r" % dumped)
    check(not any(l.startswith("local-ttl") for l in dumped),
          "local-ttl= is the default 0: %r" % dumped)
    rc, out, path = conf_test(["listen-address="])
    expect_error(rc, out, "%s:1: listen-address:" % path)


@case
def missing_hosts_and_resolv_files_warn():
    """A missing --addn-hosts or --resolv-file file is a warning naming
    the option's file:line (dnsmasq starts too), not an error."""
    rc, out, path = conf_test(["no-hosts",
                               "addn-hosts=/nonexistent/dv-hosts",
                               "resolv-file=/nonexistent/dv-resolv"])
    eq(rc, 0, "exit code: " + out)
    check("configuration OK" in out, out)
    check("%s:2: addn-hosts: cannot read /nonexistent/dv-hosts" % path
          in out, "addn-hosts warning: " + out)
    check("%s:3: resolv-file /nonexistent/dv-resolv" % path in out,
          "resolv-file warning: " + out)
    # and the server starts and answers its other data
    s = Server(conf=["addn-hosts=/nonexistent/dv-hosts",
                     "host-record=h.lan,192.0.2.7"])
    r = s.query("h.lan", "A")
    expect(r, "NOERROR")


@case
def quoted_target_with_spaces():
    """dnsmasq.conf.example's DNS-SD line: a quoted PTR target whose first
    label holds spaces is accepted and answered (the label escaped, as
    dnsmasq answers it, case kept); --dump-config gives it back."""
    line = ('ptr-record=_http._tcp.dns-sd-services,'
            '"New Employee Page._http._tcp.dns-sd-services"')
    rc, out, path = conf_test(["no-hosts", line])
    eq(rc, 0, "exit code: " + out)
    s = Server(conf=["no-hosts", line])
    r = s.query("_http._tcp.dns-sd-services", "PTR")
    expect(r, "NOERROR")
    eq(rdatas(r.answer, "_http._tcp.dns-sd-services.", "PTR"),
       ["New\\032Employee\\032Page._http._tcp.dns-sd-services."],
       "PTR target")
    d = tmpdir()
    path = write(os.path.join(d, "q.conf"), line + "\n")
    rc, out, err = run_bin(["--conf-file=" + path, "--dump-config"])
    check(line in out.splitlines(), "dumped: %r" % out)


@case
def dnssec_check_unsigned_forms():
    """--dnssec-check-unsigned (dnsmasq's default: what the validator
    always does) is accepted; =no, which would trust unsigned answers
    unchecked, stops with "not supported yet"."""
    rc, out, path = conf_test(["no-hosts", "dnssec",
                               "dnssec-check-unsigned"])
    eq(rc, 0, "exit code: " + out)
    rc, out, path = conf_test(["no-hosts", "dnssec-check-unsigned=no"])
    expect_error(rc, out, "%s:2: dnssec-check-unsigned: =no is not "
                 "supported yet" % path)


if __name__ == "__main__":
    run()
