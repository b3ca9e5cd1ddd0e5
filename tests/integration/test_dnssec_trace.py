#!/usr/bin/python3
"""The DNSSEC/upstream trace at --log-level=debug (issue 12 item 8).

At debug level the log has one line per upstream query and per reply
(server, name, type, rcode, flags) and what the validator made of what the
servers gave (secure, insecure, bogus with the reason, indeterminate), so
a failure can be diagnosed from the log alone.  At the default level none
of it is logged.  Runs over the standard netsim internet (no zones of its
own).
"""
import functools
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dvtest as T  # noqa: E402
from dvtest import case, check, eq  # noqa: E402
import rtest as R  # noqa: E402
from rtest import net  # noqa: E402

R.START_ARGS = {"capture": False}
resolver = functools.partial(R.resolver, dnssec=True)
ask = functools.partial(R.ask, do=True)


def trace(r):
    return [l.split("trace: ", 1)[1] for l in r.log().splitlines()
            if "trace: " in l]


def find(lines, pattern, what):
    rx = re.compile(pattern)
    hit = [l for l in lines if rx.search(l)]
    check(hit, "no trace line for %s (/%s/) in:\n%s"
          % (what, pattern, "\n".join(lines[-40:])))
    return hit


@case
def debug_trace_shows_upstream_and_validation():
    """--log-level=debug: each upstream query and reply is a line (server
    address, name, type, rcode, flags), and each RRset and zone the
    validator judged is a line with its state; for a bogus name the line
    names the server it came from and why it is bogus."""
    n = net()
    r = resolver(extra=["--log-level=debug"])
    m = ask(r, "www.sec.test.")
    T.expect(m, "NOERROR")
    check(T.has_flag(m, "AD"), "secure answer without AD: " + T.short(m))
    m = ask(r, "www.bogus.test.")
    T.expect(m, "SERVFAIL")
    m = ask(r, "www.insecure.test.")
    T.expect(m, "NOERROR")
    lines = trace(r)
    sec = re.escape(n.addr_of("sec.test.")) + "#53"
    bog = re.escape(n.addr_of("bogus.test.")) + "#53"
    ins = re.escape(n.addr_of("insecure.test.")) + "#53"
    root = "(%s|%s)#53" % (re.escape(n.addr(1)), re.escape(n.addr(2)))
    # queries and replies: server, name (0x20 case), type, rcode, flags
    find(lines, r"^query %s/udp (?i:www\.sec\.test\.) A$" % sec,
         "the query for www.sec.test.")
    find(lines, r"^reply %s/udp (?i:www\.sec\.test\.) A: NOERROR qr aa\b"
         r".*; an \d+ ns \d+ ar \d+; \d+ ms$" % sec,
         "the reply for www.sec.test.")
    find(lines, r"^query %s/udp \. DNSKEY$" % root, "the root DNSKEY query")
    # the minimised query's referral (no AA) from the test. server
    find(lines, r"^reply %s#53/udp (?i:bogus\.test\.) A: NOERROR qr; an 0 "
         r"ns [1-9]" % re.escape(n.addr_of("test.")),
         "the referral to bogus.test.")
    # validation states, with where the data came from
    find(lines, r"^dnssec \. DNSKEY \(from %s\): secure" % root,
         "the root's keys")
    # (a DS that came with the referral is validated from the cache)
    find(lines, r"^dnssec sec\.test\. DS \(from (%s#53|cache)\): secure"
         % re.escape(n.addr_of("test.")), "sec.test.'s DS")
    find(lines, r"^dnssec sec\.test\. DNSKEY \(from %s\): secure" % sec,
         "sec.test.'s keys")
    find(lines, r"^dnssec www\.sec\.test\. A \(from %s\): secure \(verified\)"
         % sec, "www.sec.test. A secure")
    find(lines, r"^dnssec www\.bogus\.test\. A \(from %s\): bogus \(EDE 6: "
         r"www\.bogus\.test\.: signature does not verify\)" % bog,
         "www.bogus.test. A bogus, with the reason")
    find(lines, r"^dnssec insecure\.test\. DS \(from \S+\): insecure",
         "the insecure delegation")
    find(lines, r"^dnssec www\.insecure\.test\. A \(from %s\): insecure"
         % ins, "www.insecure.test. A insecure")
    # the per-client query line is not all there is: several upstream
    # lines per name
    check(len([l for l in lines if l.startswith("query ")]) >= 6,
          "fewer upstream query lines than expected: %s" % lines)


@case
def debug_trace_shows_timeouts():
    """A server that does not answer is a line too (no reply: timed out,
    or an error such as an ICMP port unreachable), then the query to the
    next server."""
    n = net()
    r = resolver(extra=["--log-level=debug"])
    m = None
    for _ in range(8):          # a stub retries; bounded
        try:
            m = ask(r, "www.lame.test.")
            break
        except Exception:
            pass
    check(m is not None, "no answer for www.lame.test.")
    lines = trace(r)
    dead = re.escape(n.addr(15)) + "#53"
    find(lines, r"^query %s/udp " % dead, "the query to the dead server")
    find(lines, r"^no reply %s/udp .*: (timed out|error)" % dead,
         "the timeout of the dead server")
    find(lines, r"^reply %s#53/udp (?i:www\.lame\.test\.) A: REFUSED"
         % re.escape(n.addr(16)), "the REFUSED reply")


@case
def no_trace_below_debug():
    """At the default log level there is no trace line."""
    r = resolver()
    T.expect(ask(r, "www.sec.test."), "NOERROR")
    T.expect(ask(r, "www.bogus.test."), "SERVFAIL")
    eq(trace(r), [], "trace lines at the default log level")


if __name__ == "__main__":
    try:
        T.run()
    finally:
        R.shutdown()
