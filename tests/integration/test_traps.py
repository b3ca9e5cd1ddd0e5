#!/usr/bin/env python3
"""Traps that break a LAN quietly (issue 14): the embedded default
configuration (port 5300 on loopback) only without any configuration;
--port=0 turns DNS off and leaves DHCP; a DHCP client's plain host name
answers as well as NAME.DOMAIN; a fatal start-up error prints the error
only.  The network cases run dnsvizor
in its own network namespace (so that it may take port 53) with real
clients (dig, dhclient, ss)."""
import os
import re
import socket
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dvtest  # noqa: E402
from dvtest import BINARY, case, check, eq, run, tmpdir, write  # noqa: E402
from dhcpnet import DOMAIN, Net, NsServer, in_ns  # noqa: E402

dvtest.CASE_TIMEOUT = 120


def dig(net, name, port=53, server="127.0.0.1", rtype="A"):
    return net.run(net.sns, ["dig", "@" + server, "-p", str(port),
                             "+time=2", "+tries=2", "+short", name, rtype],
                   check=False).strip()


def stop(net, srv):
    try:
        if srv is not None and srv.alive():
            rc, killed = srv.stop()
            check(rc == 0 and not killed, "dnsvizor exit %s (killed %s): %s"
                  % (rc, killed, srv.log_tail()))
    finally:
        net.close()


class RawNsServer(NsServer):
    """dnsvizor with exactly these arguments (the harness's Server adds a
    --conf-file and more)."""

    def __init__(self, ns, args):
        self.raw = [BINARY] + list(args)
        NsServer.__init__(self, ns, args)

    def start(self, wait=True):
        self.argv = in_ns(self.ns, self.raw)
        dvtest.Server.start(self, wait)


def ns_server(net, args):
    """dnsvizor in the server namespace with exactly args (and a state
    directory of its own)."""
    srv = RawNsServer(net.sns, ["--state-dir=" + tmpdir()] + list(args))
    net.servers.append(srv)
    return srv


@case
def options_without_port_listen_on_53():
    # every setting on the command line, no --port: dnsmasq's port 53 on
    # every address, not the embedded default's loopback port 5300
    net, s = Net(), None
    try:
        s = ns_server(net, ["--no-hosts", "--no-resolv", "--no-recursion",
                            "--host-record=box.test,192.0.2.7"])
        eq(dig(net, "box.test"), "192.0.2.7", "answer on 127.0.0.1:53")
        eq(dig(net, "box.test", server=net.pool(1)), "192.0.2.7",
           "answer on the LAN address, port 53")
        check("configuration from the command line" in s.log(),
              "no 'configuration from the command line' at start: %s"
              % s.log_tail())
        check("embedded default" not in s.log(), s.log_tail())
    finally:
        stop(net, s)


@case
def conf_file_without_port_listens_on_53():
    net, s = Net(), None
    try:
        conf = write(os.path.join(tmpdir(), "lan.conf"),
                     "no-hosts\nno-resolv\nno-recursion\n"
                     "host-record=box.test,192.0.2.8\n")
        s = ns_server(net, ["--conf-file=" + conf])
        eq(dig(net, "box.test"), "192.0.2.8", "answer on 127.0.0.1:53")
        check("configuration from %s" % conf in s.log(),
              "no 'configuration from %s' at start: %s" % (conf,
                                                            s.log_tail()))
    finally:
        stop(net, s)


@case
def no_configuration_uses_the_embedded_default():
    # only where the state lives: the embedded default (make run)
    net, s = Net(), None
    try:
        s = ns_server(net, [])
        check("embedded default configuration" in s.log(),
              "no 'embedded default configuration' at start: %s"
              % s.log_tail())
        out = net.run(net.sns, ["ss", "-lnu"], check=False)
        check(re.search(r"127\.0\.0\.1:5300\b", out) and
              not re.search(r":53\b", out), "sockets: %s" % out)
    finally:
        stop(net, s)


@case
def port_zero_disables_dns_keeps_dhcp():
    net, s = Net(), None
    try:
        s = net.server(["--port=0", "--dhcp-range=%s,%s,255.255.255.0,10m"
                        % (net.pool(50), net.pool(150))])
        got, d = net.dhclient(hostname="alpha")
        check(got and got.addr, "no lease with --port=0: %s" % s.log_tail())
        # dnsmasq offers itself as DNS server only on port 53
        check(not got.dns, "a DNS server offered with DNS off: %r" % got)
        for flag in ("-lnu", "-lnt"):
            out = net.run(net.sns, ["ss", flag], check=False)
            check(not re.search(r":53\b", out), "DNS socket with --port=0 "
                  "(ss %s): %s" % (flag, out))
        check("DNS disabled" in s.log(), "no 'DNS disabled' in the log: %s"
              % s.log_tail())
    finally:
        stop(net, s)


@case
def plain_dhcp_name_answers():
    net, s = Net(), None
    try:
        s = net.server(["--dhcp-range=%s,%s,255.255.255.0,10m"
                        % (net.pool(50), net.pool(150))])
        got, d = net.dhclient(hostname="laptop")
        check(got and got.addr, "no lease: %s" % s.log_tail())
        eq(got.dns, net.pool(1), "we are the DNS server (port 53)")
        eq(dig(net, "laptop." + DOMAIN, server=net.pool(1)), got.addr,
           "laptop." + DOMAIN)
        eq(dig(net, "laptop", server=net.pool(1)), got.addr,
           "plain laptop")
        eq(dig(net, "laptop.", server=net.pool(1), rtype="AAAA"), "",
           "plain laptop AAAA")
    finally:
        stop(net, s)


def run_bin(args, timeout=15):
    p = subprocess.run([BINARY] + list(args), stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout, cwd=tmpdir())
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"))


def only_the_error(rc, out, err, needle):
    check(rc != 0, "exit code 0: %r" % err)
    check(needle in err, "stderr lacks %r: %r" % (needle, err))
    for bad in ("stats:", "cache written", "resolver stats"):
        check(bad not in out + err, "%r after a fatal error: %r"
              % (bad, out + err))


@case
def fatal_errors_print_only_the_error():
    d = tmpdir()
    # a bad option
    rc, out, err = run_bin(["--port=abc", "--state-dir=" + d])
    only_the_error(rc, out, err, "port")
    # an unbindable port (taken by another socket)
    busy = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    busy.bind(("127.0.0.1", 0))
    port = busy.getsockname()[1]
    try:
        before = sorted(os.listdir(d))
        rc, out, err = run_bin(["--no-hosts", "--listen-address=127.0.0.1",
                                "--port=%d" % port, "--state-dir=" + d])
        only_the_error(rc, out, err, str(port))
        check(not [f for f in os.listdir(d) if "cache" in f and
                   f not in before], "a cache file written after a fatal "
              "start-up error: %s" % os.listdir(d))
    finally:
        busy.close()


@case
def fatal_error_after_the_resolver_started():
    # the DHCP lease journal cannot be read (a directory): start-up fails
    # after the resolver was up; the error only, no statistics, no cache
    net = Net()
    try:
        d = tmpdir()
        os.makedirs(os.path.join(d, "dhcp", "leases.jnl"))
        s = net.server(["--state-dir=" + d, "--server=192.0.2.1",
                        "--dhcp-range=%s,%s,255.255.255.0,10m"
                        % (net.pool(50), net.pool(150))], wait=False)
        rc = s.proc.wait(15)
        log = s.log()
        check(rc != 0, "exit code 0: %s" % log)
        check("leases.jnl" in log, "the error is not said: %s" % log)
        for bad in ("stats:", "cache written"):
            check(bad not in log, "%r after a fatal error: %s" % (bad, log))
        check(not os.path.exists(os.path.join(d, "cache.bin")),
              "cache file written after a fatal start-up error")
    finally:
        net.close()


if __name__ == "__main__":
    run()
