"""Debian's dnsmasq.conf.example, one option line at a time: how many lines
dnsmasq 2.90 and dnsvizor both accept (--test), and the DNS lines that
dnsmasq accepts and dnsvizor rejects (issue 14).  The floor below is the
count when this test was written; raise it as options land, never lower
it."""
import os
import re
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dvtest import BINARY, case, check, run, tmpdir, write  # noqa: E402

EXAMPLE = "/usr/share/doc/dnsmasq-base/examples/dnsmasq.conf.example"
BOTH_ACCEPT_FLOOR = 83
# an option line: '#' then the option name at once ('# text' is prose)
OPTION_LINE = re.compile(r"^#([a-z][a-z0-9-]*) *(=.*)?$")
# options of the DHCP/TFTP/netboot side (a separate issue); the rest is
# DNS or general and must end up accepted
DHCP = re.compile(r"^(dhcp-|pxe-|tftp|enable-tftp|enable-ra|read-ethers|"
                  r"log-dhcp|no-dhcp-interface|bootp-|leasefile-ro|"
                  r"no-ping)")


def accepts(argv):
    p = subprocess.run(argv, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=30)
    return p.returncode == 0, p.stdout.decode("utf-8", "replace")


def option_lines():
    with open(EXAMPLE) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            m = OPTION_LINE.match(line)
            if m:
                yield n, line[1:], m.group(1)


@case
def dnsmasq_example_lines():
    if not os.path.exists(EXAMPLE) or not shutil.which("dnsmasq"):
        print("SKIP dnsmasq_example_lines: dnsmasq-base not installed")
        return
    d = tmpdir()
    conf = os.path.join(d, "one.conf")
    total = both = 0
    dns_missing = []
    for n, text, name in option_lines():
        total += 1
        write(conf, text + "\n")
        ok_m, _ = accepts(["dnsmasq", "--test", "-C", conf])
        ok_v, out = accepts([BINARY, "--test", "--conf-file=" + conf])
        both += ok_m and ok_v
        if ok_m and not ok_v and not DHCP.match(name):
            why = out.strip().splitlines()
            dns_missing.append("  line %d: %s -> %s"
                               % (n, text, why[-1] if why else "?"))
    print("dnsmasq.conf.example: %d option lines, both accept %d "
          "(floor %d)" % (total, both, BOTH_ACCEPT_FLOOR))
    print("DNS lines dnsmasq accepts and dnsvizor rejects: %d"
          % len(dns_missing))
    for m in dns_missing:
        print(m)
    check(both >= BOTH_ACCEPT_FLOOR, "both-accept count %d fell below the "
          "floor %d" % (both, BOTH_ACCEPT_FLOOR))


if __name__ == "__main__":
    run()
