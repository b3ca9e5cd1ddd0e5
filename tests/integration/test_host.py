"""Host integration (issue 14): `make install` into a scratch prefix puts
the binary, man page, systemd unit and example configuration in place;
the unit passes `systemd-analyze verify` and its sandbox scores below
SECURITY_MAX in `systemd-analyze security --offline=yes` (0 is the most
confined, 10 an unconfined root service)."""
import os
import re
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dvtest import BINARY, ROOT, case, check, eq, run, tmpdir  # noqa: E402

SECURITY_MAX = 2.5
WANT = ("DynamicUser=yes", "StateDirectory=dnsvizor",
        "ReadWritePaths=/var/lib/dnsvizor", "ProtectSystem=strict",
        "SystemCallFilter=@system-service",
        "CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_NET_RAW",
        "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK "
        "AF_PACKET", "ExecReload=/bin/kill -HUP $MAINPID")


def sh(argv, env=None, timeout=120):
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def install():
    """make install with PREFIX and SYSCONFDIR in a scratch directory (so
    that the unit's ExecStart path exists); the binary under test is
    installed, not rebuilt."""
    prefix = tmpdir()
    rc, out = sh(["make", "-s", "-C", ROOT, "install",
                  "BUILD=" + os.path.dirname(BINARY), "-o", BINARY,
                  "-o", "contrib/dnsvizor.8", "PREFIX=" + prefix,
                  "SYSCONFDIR=" + prefix + "/etc"])
    eq(rc, 0, "make install: " + out)
    return prefix


@case
def make_install_puts_everything_in_place():
    prefix = install()
    for f in ("sbin/dnsvizor", "share/man/man8/dnsvizor.8",
              "lib/systemd/system/dnsvizor.service",
              "etc/dnsvizor/dnsvizor.conf",
              "share/doc/dnsvizor/dnsvizor.conf.example"):
        check(os.path.exists(os.path.join(prefix, f)), "not installed: "
              + f)
    unit = open(os.path.join(prefix, "lib/systemd/system/"
                             "dnsvizor.service")).read()
    check(not re.search(r"@[A-Z]+@", unit), "placeholder left: %r" % unit)
    check("ExecStart=%s/sbin/dnsvizor --conf-file=%s/etc/dnsvizor/"
          "dnsvizor.conf" % (prefix, prefix) in unit, unit)
    # the example configuration is valid as installed
    rc, out = sh([os.path.join(prefix, "sbin/dnsvizor"), "--test",
                  "--conf-file=" + os.path.join(prefix, "etc/dnsvizor/"
                                                "dnsvizor.conf")])
    check(rc == 0 and "configuration OK" in out, "example config: " + out)
    # a second install keeps the operator's configuration
    with open(os.path.join(prefix, "etc/dnsvizor/dnsvizor.conf"), "a") as f:
        f.write("port=5353\n")
    rc, out = sh(["make", "-s", "-C", ROOT, "install",
                  "BUILD=" + os.path.dirname(BINARY), "-o", BINARY,
                  "-o", "contrib/dnsvizor.8", "PREFIX=" + prefix,
                  "SYSCONFDIR=" + prefix + "/etc"])
    eq(rc, 0, out)
    check("port=5353" in open(os.path.join(prefix, "etc/dnsvizor/"
                                           "dnsvizor.conf")).read(),
          "make install overwrote the configuration")


@case
def systemd_unit_verifies_and_is_confined():
    if not shutil.which("systemd-analyze"):
        print("SKIP systemd_unit_verifies_and_is_confined: no "
              "systemd-analyze (contrib/deps.sh installs systemd)")
        return
    prefix = install()
    unit = os.path.join(prefix, "lib/systemd/system/dnsvizor.service")
    text = open(unit).read()
    for w in WANT:
        check(w in text.splitlines(), "unit lacks %r" % w)
    # the Documentation= man page is looked up with man(1)
    env = dict(os.environ, MANPATH=os.path.join(prefix, "share/man") + ":")
    rc, out = sh(["systemd-analyze", "verify", unit], env=env)
    eq(rc, 0, "systemd-analyze verify: " + out)
    check(out.strip() == "", "verify complains: " + out)
    rc, out = sh(["systemd-analyze", "security", "--offline=yes",
                  "--no-pager", unit], env=env)
    m = re.search(r"Overall exposure level for dnsvizor.service: "
                  r"([0-9.]+)", out)
    check(m, "no score in: " + out[-400:])
    score = float(m.group(1))
    print("systemd-analyze security: exposure %.1f (must stay below %.1f)"
          % (score, SECURITY_MAX))
    check(score < SECURITY_MAX, "exposure %.1f: %s" % (score, out))


if __name__ == "__main__":
    run()
