#!/usr/bin/env python3
"""The resolver cache's bounds: --cache-max-bytes is parsed (K/M/G) and
limits what a forwarding dnsvizor keeps; the default budget holds what
--cache-size allows for ordinary answers.

The upstream is a second dnsvizor on loopback, authoritative for a zone
with a wildcard (TTL 3600).  A name still cached when asked again after a
pause comes back with a decremented TTL; one that was evicted is fetched
again and comes back with the full 3600.
"""
import socket
import subprocess
import time

import dns.flags
import dns.message

from dvtest import BINARY, Server, case, check, eq, run

FILL = """$ORIGIN fill.test.
$TTL 3600
@       SOA ns1 hostmaster 1 7200 3600 1209600 300
@       NS  ns1
ns1     A   192.0.2.53
*       A   192.0.2.1
"""
NAMES = 12000


def ask_all(port, names, window=64, tries=4):
    """A of every name, pipelined over one UDP socket: name -> TTL of the
    first answer RR (names never answered are missing)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(("127.0.0.1", port))
    s.settimeout(0.5)
    out = {}
    todo = list(range(len(names)))
    try:
        for _ in range(tries):
            pending, nxt = set(), 0
            while nxt < len(todo) or pending:
                while nxt < len(todo) and len(pending) < window:
                    i = todo[nxt]
                    q = dns.message.make_query(names[i] + ".fill.test.", "A",
                                               use_edns=False, id=i)
                    q.flags |= dns.flags.RD
                    s.send(q.to_wire())
                    pending.add(i)
                    nxt += 1
                try:
                    r = dns.message.from_wire(s.recv(4096))
                except socket.timeout:
                    break
                if r.id in pending:
                    pending.discard(r.id)
                    if r.answer:    # a SERVFAIL (a slow upstream) is asked again
                        out[names[r.id]] = r.answer[0].ttl
            todo = [i for i in range(len(names)) if names[i] not in out]
            if not todo:
                break
    finally:
        s.close()
    return out


def upstream():
    return Server(zones={"fill.test": FILL})


def forwarder(up, extra=()):
    conf = ["no-resolv", "allow-loopback-upstream",
            "server=127.0.0.1#%d" % up.port, "cache-size=100000"]
    return Server(conf=conf + list(extra))


def fill_and_resample(fw):
    """Fill with NAMES names, wait, ask a sample spread over the fill
    order again: (names answered on fill, sample size, fresh, cached)."""
    names = ["n%d" % i for i in range(NAMES)]
    got = ask_all(fw.port, names, tries=10)   # a loaded machine drops some
    filled = sum(1 for t in got.values() if t is not None)
    time.sleep(2.2)
    sample = names[::40]
    again = ask_all(fw.port, sample)
    eq(len(again), len(sample), "sample answers")
    fresh = sum(1 for t in again.values() if t == 3600)
    cached = sum(1 for t in again.values() if t is not None and t < 3600)
    return filled, len(sample), fresh, cached


@case
def cache_max_bytes_parses():
    """Sizes with K, M or G (powers of 1024); 0 is the default; below 1M,
    above 1024G, negative or with another suffix: a clear error."""
    for good in ("0", "1M", "2048K", "3G", "1048576", "64m"):
        p = subprocess.run([BINARY, "--test", "--no-resolv",
                            "--cache-max-bytes=" + good],
                           capture_output=True, text=True, timeout=15)
        eq(p.returncode, 0, "--cache-max-bytes=%s: %s" % (good, p.stderr))
    for bad in ("512K", "1025G", "-1", "5X", "1MB", "M", ""):
        p = subprocess.run([BINARY, "--test", "--no-resolv",
                            "--cache-max-bytes=" + bad],
                           capture_output=True, text=True, timeout=15)
        check(p.returncode != 0, "--cache-max-bytes=%s accepted" % bad)
        check("cache-max-bytes" in p.stderr + p.stdout,
              "--cache-max-bytes=%s: unclear error: %s" % (bad, p.stderr))


@case
def small_budget_evicts():
    """--cache-max-bytes=1M holds only part of 12000 forwarded names
    (about 250 bytes each): many are fetched again, the rest come from
    the cache with their TTL decremented."""
    up = upstream()
    fw = forwarder(up, ["cache-max-bytes=1M"])
    filled, n, fresh, cached = fill_and_resample(fw)
    eq(filled, NAMES, "names answered during the fill")
    check(fresh >= n * 0.3, "only %d of %d evicted under a 1M budget"
          % (fresh, n))
    check(cached >= 1, "nothing of the last fill kept (%d fresh of %d)"
          % (fresh, n))
    # a name asked again stays: the budget evicts, it does not refuse
    r = ask_all(fw.port, ["n%d" % (NAMES - 1)])
    check(len(r) == 1, "last name not answered")


@case
def default_budget_holds_cache_size():
    """Without --cache-max-bytes, --cache-size=100000 keeps all 12000
    names: none is fetched again."""
    up = upstream()
    fw = forwarder(up)
    filled, n, fresh, cached = fill_and_resample(fw)
    eq(filled, NAMES, "names answered during the fill")
    eq(fresh, 0, "names evicted under the default budget")
    eq(cached, n, "names answered from the cache")


if __name__ == "__main__":
    run()
