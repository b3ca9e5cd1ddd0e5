#!/usr/bin/python3
"""Benchmark data generator (deterministic, seeded).

  gen.py zone ORIGIN NAMES FILE      a zone: NAMES owners h<i>.ORIGIN with an
                                     A record each, every 10th also AAAA,
                                     every 50th also MX -> mx.ORIGIN
  gen.py records ORIGIN RECORDS FILE a zone of exactly RECORDS RRs in all
                                     (SOA, NS, 2 A at ns1/mx, the rest A)
  gen.py queries ORIGIN NAMES COUNT FILE
                                     a dnsperf query file: COUNT random lines,
                                     ~90% existing names (A, some AAAA/MX),
                                     ~10% nonexistent names (NXDOMAIN)
"""
import random
import sys


def head(f, origin):
    f.write("$ORIGIN %s.\n$TTL 3600\n" % origin)
    f.write("@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n")
    f.write("@ IN NS ns1\nns1 IN A 192.0.2.53\nmx IN A 192.0.2.25\n")


def zone(origin, names, path):
    with open(path, "w") as f:
        head(f, origin)
        w = f.write
        for i in range(names):
            w("h%d IN A 10.%d.%d.%d\n" % (i, (i >> 16) & 255, (i >> 8) & 255,
                                         i & 255))
            if i % 10 == 0:
                w("h%d IN AAAA 2001:db8::%x:%x\n" % (i, i >> 16, i & 0xffff))
            if i % 50 == 0:
                w("h%d IN MX 10 mx\n" % i)


def records(origin, n, path):
    with open(path, "w") as f:
        head(f, origin)
        w = f.write
        for i in range(n - 4):  # SOA, NS, ns1 A, mx A are the other 4
            w("r%d IN A 10.%d.%d.%d\n" % (i, (i >> 16) & 255, (i >> 8) & 255,
                                         i & 255))


def queries(origin, names, count, path):
    rnd = random.Random(20240101)
    with open(path, "w") as f:
        for _ in range(count):
            r = rnd.random()
            i = rnd.randrange(names)
            if r < 0.10:
                f.write("nx%d.%s A\n" % (rnd.randrange(10 ** 9), origin))
            elif r < 0.15:
                f.write("h%d.%s AAAA\n" % (i - i % 10, origin))
            elif r < 0.17:
                f.write("h%d.%s MX\n" % (i - i % 50, origin))
            else:
                f.write("h%d.%s A\n" % (i, origin))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "zone":
        zone(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif cmd == "records":
        records(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif cmd == "queries":
        queries(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    else:
        sys.exit("usage: see gen.py")
