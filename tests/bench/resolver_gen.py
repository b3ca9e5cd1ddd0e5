#!/usr/bin/python3
"""Data for tests/bench/bench_resolver.sh (deterministic, seeded).

  resolver_gen.py hits ORIGIN NAMES NXNAMES FILE
      a dnsperf query file of distinct questions, shuffled: h<i>.ORIGIN A
      for every i < NAMES, AAAA for every 10th (the names of gen.py zone),
      and NXNAMES nonexistent names nx<i>.ORIGIN A (negative answers)
  resolver_gen.py fill ORIGIN COUNT FILE
      COUNT distinct questions n<i>.ORIGIN A (for a wildcard zone)
  resolver_gen.py internet DIR ROOTIP TLDIP SLDIP ZONES NAMES
      a loopback internet in DIR: root.zone (. -> test. at TLDIP),
      test.zone (z<k>.test. -> SLDIP, in-bailiwick glue, for k < ZONES),
      z<k>.test.zone with NAMES names h<i> each, hints (root hints for
      the resolvers: . NS a.root.bench. at ROOTIP), zones.list (name file
      pairs for the SLD server) and cold.txt (every name once, shuffled)
"""
import os
import random
import sys

SOA = "@ IN SOA ns hostmaster 1 7200 3600 1209600 300\n"


def hits(origin, names, nx, path):
    q = ["h%d.%s A" % (i, origin) for i in range(names)]
    q += ["h%d.%s AAAA" % (i, origin) for i in range(0, names, 10)]
    q += ["nx%d.%s A" % (i, origin) for i in range(nx)]
    random.Random(4).shuffle(q)
    with open(path, "w") as f:
        f.write("\n".join(q) + "\n")


def fill(origin, count, path):
    with open(path, "w") as f:
        w = f.write
        for i in range(count):
            w("n%d.%s A\n" % (i, origin))


def internet(d, rootip, tldip, sldip, zones, names):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "root.zone"), "w") as f:
        f.write("$ORIGIN .\n$TTL 86400\n")
        f.write(". IN SOA a.root.bench. hostmaster.root.bench. 1 1800 900 "
                "604800 86400\n")
        f.write(". IN NS a.root.bench.\n")
        f.write("bench. IN NS a.root.bench.\n")  # (delegation to itself)
        f.write("a.root.bench. IN A %s\n" % rootip)
        f.write("test. 172800 IN NS ns.test.\n")
        f.write("ns.test. 172800 IN A %s\n" % tldip)
    with open(os.path.join(d, "bench.zone"), "w") as f:
        f.write("$ORIGIN bench.\n$TTL 86400\n" + SOA)
        f.write("@ IN NS a.root\nns IN A %s\na.root IN A %s\n"
                % (rootip, rootip))
    with open(os.path.join(d, "test.zone"), "w") as f:
        f.write("$ORIGIN test.\n$TTL 86400\n" + SOA)
        f.write("@ IN NS ns\nns IN A %s\n" % tldip)
        for k in range(zones):
            f.write("z%d IN NS ns.z%d\nns.z%d IN A %s\n" % (k, k, k, sldip))
    lst = []
    for k in range(zones):
        o = "z%d.test" % k
        p = os.path.join(d, o + ".zone")
        lst.append("%s %s" % (o, p))
        with open(p, "w") as f:
            f.write("$ORIGIN %s.\n$TTL 3600\n" % o + SOA)
            f.write("@ IN NS ns\nns IN A %s\n" % sldip)
            for i in range(names):
                f.write("h%d IN A 10.%d.%d.%d\n" % (i, k >> 8, k & 255, i & 255))
    with open(os.path.join(d, "zones.list"), "w") as f:
        f.write("\n".join(lst) + "\n")
    with open(os.path.join(d, "hints"), "w") as f:
        f.write(".                3600000  IN NS a.root.bench.\n")
        f.write("a.root.bench.    3600000  IN A  %s\n" % rootip)
    q = ["h%d.z%d.test A" % (i, k) for k in range(zones) for i in range(names)]
    random.Random(5).shuffle(q)
    with open(os.path.join(d, "cold.txt"), "w") as f:
        f.write("\n".join(q) + "\n")


def main(a):
    if len(a) == 5 and a[0] == "hits":
        hits(a[1], int(a[2]), int(a[3]), a[4])
    elif len(a) == 4 and a[0] == "fill":
        fill(a[1], int(a[2]), a[3])
    elif len(a) == 7 and a[0] == "internet":
        internet(a[1], a[2], a[3], a[4], int(a[5]), int(a[6]))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
