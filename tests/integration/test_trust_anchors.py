#!/usr/bin/python3
"""Trust anchors (issue 12 item 3) over the loopback internet of netsim.py.

- Algorithms we do not validate (RFC 8624: RSAMD5 1, DSA 3, DSA-NSEC3-SHA1
  6, ECC-GOST 12, digest GOST 3, unknown numbers) in a DS set or in the
  trust anchors make that zone insecure (RFC 4035 5.2): NOERROR without
  AD, never SERVFAIL, and one warning per zone and algorithm in the log.
- RFC 5011 rollover of a --trust-anchor-file: the managed copy in the
  state directory follows the root's KSKs (add hold-down, revocation).

This file's netsim zones live on hosts 39 and 40; the signatures are valid
for 400 days so the clock can move past the 30-day add hold-down.
"""
import functools
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dvtest as T  # noqa: E402
from dvtest import case, check, eq  # noqa: E402
import netsim  # noqa: E402
import rtest as R  # noqa: E402
from rtest import net, answer_of  # noqa: E402

def _fake_ds(alg=None, digest=None):
    """A DS editor: the zone's DS with another algorithm or digest type
    (a 32-byte digest stays 32 bytes, so GOST 3 still has its length)."""
    def edit(lines):
        out = []
        for l in lines:
            p = l.split()
            if alg is not None:
                p[5] = str(alg)
            if digest is not None:
                p[6] = str(digest)
            out.append(" ".join(p))
        return out
    return edit


def _customize(net):
    Z = net.zones
    # signed ECDSA, but the parent's DS names an algorithm or digest we do
    # not validate: the zone is insecure (RFC 4035 5.2), not bogus
    for name, alg, digest in (("alg200.test.", 200, None),
                              ("dsa.test.", 3, None),
                              ("gost.test.", None, 3),
                              ("md5.test.", 1, None),
                              ("dsansec3.test.", 6, None)):
        Z[name] = netsim.Zone(name, [39], sign="ecdsa")
        Z[name].ds_edit = _fake_ds(alg, digest)
        Z[name].records += [
            "www.%s 300 IN A 192.0.2.39" % name,
            "other.%s 300 IN A 192.0.2.40" % name,
        ]
    # and one whose data is broken: insecure means nothing is checked
    Z["dsa.test."].corrupt = ("www.dsa.test.", "A")


R.CUSTOMIZE = _customize
R.NETSIM_ARGS = {"sig_days": 400}
resolver = functools.partial(R.resolver, dnssec=True)
ask = functools.partial(R.ask, do=True)


def expect_insecure(r, name, addr):
    m = ask(r, name)
    T.expect(m, "NOERROR")
    eq(answer_of(m, name, "A"), [addr], "answer for " + name)
    check(not T.has_flag(m, "AD"), "AD on an insecure answer: " + T.short(m))


def warnings(r, zone):
    return [l for l in r.log().splitlines()
            if "unsupported" in l and " %s " % zone in l]


# ------------------------------------------- unsupported algorithms ---

@case
def unsupported_ds_algorithm_makes_zone_insecure():
    """A DS set with only algorithms or digests we do not validate (an
    unknown algorithm 200, DSA 3 which RFC 8624 says must not be
    validated, the GOST digest 3) makes the child insecure (RFC 4035 5.2):
    NOERROR without AD, even for a broken signature, and a warning logged
    once per zone and algorithm, not per query."""
    r = resolver()
    m = ask(r, "www.sec.test.")
    T.expect(m, "NOERROR")
    check(T.has_flag(m, "AD"), "the tree is not secure: " + T.short(m))
    expect_insecure(r, "www.alg200.test.", "192.0.2.39")
    expect_insecure(r, "other.alg200.test.", "192.0.2.40")
    expect_insecure(r, "www.dsa.test.", "192.0.2.39")
    expect_insecure(r, "www.gost.test.", "192.0.2.39")
    # five zones warn within seconds: none is lost to the rate limit of
    # warnings (each is said once, so a suppressed one would never come)
    expect_insecure(r, "www.md5.test.", "192.0.2.39")
    expect_insecure(r, "www.dsansec3.test.", "192.0.2.39")
    # a sibling zone with a usable DS stays secure, a bogus one bogus
    m = ask(r, "www.bogus.test.")
    T.expect(m, "SERVFAIL")
    # the key table is rebuilt after its entries expire: still one line
    r.move_clock(4000)
    expect_insecure(r, "www.alg200.test.", "192.0.2.39")
    expect_insecure(r, "other.dsa.test.", "192.0.2.40")
    for zone, what in (("alg200.test.", "algorithm 200"),
                       ("dsa.test.", "algorithm 3"),
                       ("gost.test.", "digest type 3"),
                       ("md5.test.", "algorithm 1"),
                       ("dsansec3.test.", "algorithm 6")):
        w = warnings(r, zone)
        eq(len(w), 1, "warnings for %s (%s): %s" % (zone, what, w))
        check(what in w[0], "%s not named: %s" % (what, w[0]))


@case
def unsupported_trust_anchor_makes_tree_insecure():
    """A trust anchor file whose only anchor uses an algorithm we do not
    validate (DSA) leaves the tree insecure as RFC 4035 5.2 says (answers
    without AD, a bogus zone answered too), with one warning, instead of
    SERVFAIL for everything."""
    n = net()
    p = list(n.root_ds)
    p[1] = 3
    path = T.write(os.path.join(T.tmpdir(), "dsa.ds"),
                   ". IN DS %d %d %d %s\n" % tuple(p))
    r = resolver(anchor_file=path)
    expect_insecure(r, "www.sec.test.", "192.0.2.11")
    expect_insecure(r, "www.bogus.test.", "192.0.2.14")
    r.move_clock(4000)
    expect_insecure(r, "www.nsec3.test.", "192.0.2.12")
    w = warnings(r, ".")
    eq(len(w), 1, "warnings for the root anchor: %s" % w)
    check("algorithm 3" in w[0], "algorithm not named: " + w[0])


# ---------------------------------------------- RFC 5011 rollover ---

MANAGED = "trust-anchors.managed"
DAY = 86400


def key_tag(line):
    """Key tag of a DNSKEY presentation line (owner ttl IN DNSKEY ...)."""
    import dns.dnssec
    import dns.rdata
    p = line.split()
    i = p.index("DNSKEY")
    rd = dns.rdata.from_text("IN", "DNSKEY", " ".join(p[i + 1:]))
    return dns.dnssec.key_id(rd)


def managed_states(state_dir):
    """{key tag: state} from the managed anchor file, plus the key tags
    of its plain (trust anchor) DNSKEY lines under "anchors"."""
    try:
        with open(os.path.join(state_dir, MANAGED)) as f:
            text = f.read()
    except OSError:
        return {}
    out = {"anchors": set()}
    for l in text.splitlines():
        if l.startswith(";;5011 "):
            p = l.split()
            out[key_tag(l)] = p[1]
        elif "DNSKEY" in l.split() and not l.startswith(";"):
            out["anchors"].add(key_tag(l))
    return out


def wait_state(r, state_dir, tag, state, what):
    """Bounded wait for the resolver's probe to write the key's state."""
    def ok():
        ask(r, "www.sec.test.")    # the resolver keeps working meanwhile
        return managed_states(state_dir).get(tag) == state
    if not T.poll_until(ok, timeout=10, step=0.2):
        raise T.TestFailure("%s: key %d is not %s: %s; log: %s" % (
            what, tag, state, managed_states(state_dir), r.log_tail(1500)))


@case
def rfc5011_seed_newer_than_managed_wins():
    """An operator who updates the seed file after the managed copy was
    written gets the seed at the next start (the newer one wins)."""
    n = net()
    state = T.tmpdir()
    T.write(os.path.join(state, MANAGED),
            ". 3600 IN DS 1 13 2 %s\n" % ("00" * 32))
    time.sleep(0.05)
    seed = T.write(os.path.join(T.tmpdir(), "root.dnskey"),
                   open(n.trust_anchor_dnskey_path).read())
    os.utime(seed, (time.time() + 5, time.time() + 5))
    r = resolver(anchor_file=seed, state_dir=state)
    m = ask(r, "www.sec.test.")
    T.expect(m, "NOERROR")
    check(T.has_flag(m, "AD"), "the newer seed was not used: " + T.short(m))


@case
def rfc5011_root_ksk_rollover():
    """--trust-anchor-file is the seed of a managed anchor set in the
    state directory (RFC 5011): the root's DS seed becomes its KSK; a new
    KSK seen in the validated root DNSKEY RRset is AddPend, and Valid after
    the 30-day add hold-down (found by the active refresh, RFC 5011 2.3);
    the old KSK published REVOKEd (self-signed) is dropped at once; after a
    restart the managed copy (newer than the seed) wins, so the resolver
    validates with the new key although the seed names only the old one."""
    n = net()
    state = T.tmpdir()
    seed = T.write(os.path.join(T.tmpdir(), "root.ds"),
                   open(n.trust_anchor_path).read())
    r = resolver(anchor_file=seed, state_dir=state,
                 extra=["--log-level=debug"])
    m = ask(r, "www.sec.test.")
    T.expect(m, "NOERROR")
    check(T.has_flag(m, "AD"), "not secure: " + T.short(m))
    root = n.zones["."]
    k1 = key_tag(n.key_dnskey(root.ksk))
    wait_state(r, state, k1, "VALID", "the DS seed as a DNSKEY anchor")
    # a second KSK appears in the root's DNSKEY RRset
    k2base = n.add_ksk(".")
    k2 = key_tag(n.key_dnskey(k2base))
    n.resign(".")
    # past the active refresh interval (RFC 5011 2.3: half the root
    # DNSKEY TTL of 1 day), before that TTL: only a probe sees the key
    r.move_clock(13 * 3600)
    wait_state(r, state, k2, "ADDPEND", "the new KSK")
    check(k2 not in managed_states(state)["anchors"],
          "an AddPend key is a trust anchor already")
    r.move_clock(15 * DAY)         # inside the hold-down: still pending
    wait_state(r, state, k2, "ADDPEND", "the new KSK after 15 days")
    r.move_clock(16 * DAY)         # past the 30-day add hold-down
    wait_state(r, state, k2, "VALID", "the new KSK after 31 days")
    check(k2 in managed_states(state)["anchors"],
          "the Valid key is not a trust anchor: %s" % managed_states(state))
    # the old KSK is revoked (it signs the RRset with its REVOKE bit set)
    n.revoke_ksk(".", root.ksk)
    n.resign(".")
    r.move_clock(13 * 3600)
    k1r = key_tag(n.key_dnskey(root.ksk))
    wait_state(r, state, k1r, "REVOKED", "the revoked KSK")
    check(k1 not in managed_states(state)["anchors"],
          "the revoked key is still a trust anchor: %s"
          % managed_states(state))
    m = ask(r, "www.nsec3.test.")
    T.expect(m, "NOERROR")
    check(T.has_flag(m, "AD"), "not secure after the revocation: "
          + T.short(m))
    # the old KSK is gone; a restart reads the managed copy, not the seed
    n.remove_ksk(".", root.ksk)
    n.resign(".")
    clock = r.clock
    r = resolver(anchor_file=seed, state_dir=state)
    r.move_clock(clock)
    m = ask(r, "www.sec.test.")
    T.expect(m, "NOERROR")
    check(T.has_flag(m, "AD"), "not secure after the restart (the seed "
          "only has the old KSK): " + T.short(m))


if __name__ == "__main__":
    try:
        T.run()
    finally:
        R.shutdown()
