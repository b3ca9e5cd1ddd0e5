#!/bin/sh
# tests/fuzz/run.sh [SECONDS]  (run by `make fuzz`)
#
# Builds every tests/fuzz/fuzz_*.c as a libFuzzer target with ASan + UBSan
# (clang) into build-fuzz/ and runs each target for SECONDS (default 30).
# A target's working corpus is build-fuzz/corpus/fuzz_<t>/ (kept and grown
# across runs); every run first copies the committed seeds of that target,
# tests/fuzz/corpus/<t>/ (made by tests/fuzz/gen_corpus.py, in the target's
# own input format), into it, so the committed files are never written.  A
# target without committed seeds gets a few valid DNS queries as before.
# tests/fuzz/<t>.dict, when present, is passed as -dict=.
# FUZZ_TARGETS="doh dhcp" runs only those targets.
# Exits non-zero if a target fails to build or finds a crash, a sanitizer
# error, a leak or a timeout; the reproducer is left in
# build-fuzz/crash-<target>-*, and the log in build-fuzz/<target>.log.
set -u
SECS=${1:-30}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
OUT=build-fuzz
CC=${FUZZ_CC:-clang}
mkdir -p "$OUT/corpus"

command -v "$CC" >/dev/null 2>&1 || { echo "fuzz: $CC missing (contrib/deps.sh)"; exit 1; }
LDNS_CFLAGS=$(pkg-config --cflags ldns) || exit 1
LDNS_LIBS=$(pkg-config --libs ldns libcrypto jansson) || exit 1  # zones/tsig.c: OpenSSL HMAC; resolver/validate.c: ldns DNSSEC; acme/: jansson
CFLAGS="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -std=c11 -D_GNU_SOURCE -I."

# seed DIR: a handful of valid query messages (UDP wire format, no length
# prefix), with and without EDNS, several types and classes; only for a
# target without committed seeds in tests/fuzz/corpus/.
seed() {
    /usr/bin/python3 - "$1" <<'EOF'
import os, sys
import dns.flags, dns.message, dns.rdataclass, dns.rdatatype
d = sys.argv[1]
qs = [("example.com", "SOA", "IN", 0), ("www.example.com", "A", "IN", 0),
      ("WwW.Example.COM", "AAAA", "IN", False), ("alias.example.com", "A", "IN", 0),
      ("x.wild.example.com", "TXT", "IN", 0), ("q.wcname.example.com", "A", "IN", 0),
      ("www.sub.example.com", "A", "IN", 0), ("sub.example.com", "DS", "IN", 0),
      ("nope.example.com", "MX", "IN", False), ("b.ent.example.com", "A", "IN", 0),
      ("big.example.com", "TXT", "IN", False), ("example.com", "ANY", "IN", 0),
      ("_sip._tcp.example.com", "SRV", "IN", 0), ("loop1.example.com", "A", "IN", 0),
      ("version.bind", "TXT", "CH", False), ("www.example.org", "A", "IN", 0),
      ("example.com", "NS", "IN", 0)]
for i, (n, t, c, edns) in enumerate(qs):
    m = dns.message.make_query(n, dns.rdatatype.from_text(t),
                               rdclass=dns.rdataclass.from_text(c),
                               use_edns=edns, payload=1232,
                               want_dnssec=(i % 3 == 0 and edns is not False))
    with open(os.path.join(d, "seed-%02d" % i), "wb") as f:
        f.write(m.to_wire())
# a few edge cases: EDNS version 1, a compression pointer in the question
m = dns.message.make_query("www.example.com", "A", use_edns=1)
open(os.path.join(d, "seed-edns1"), "wb").write(m.to_wire())
open(os.path.join(d, "seed-ptr"), "wb").write(
    bytes.fromhex("abcd0100000100000000000003777777076578616d706c6503636f6d00"
                  "00010001") + b"\xc0\x0c")
EOF
}

status=0
summary=""
for src in tests/fuzz/fuzz_*.c; do
    [ -f "$src" ] || continue
    name=$(basename "$src" .c)
    short=${name#fuzz_}
    if [ -n "${FUZZ_TARGETS:-}" ]; then
        case " $FUZZ_TARGETS " in *" $short "*|*" $name "*) ;; *) continue ;; esac
    fi
    bin="$OUT/$name"
    log="$OUT/$name.log"
    echo "== $name: build"
    extra=""; [ "$name" = fuzz_doh ] && extra="dnsvizor/doh.c $(pkg-config --libs libnghttp2)"  # the DoH parser (shell file) + libnghttp2
    # shellcheck disable=SC2086
    if ! $CC $CFLAGS $LDNS_CFLAGS "$src" zones/*.c resolver/*.c dhcp/*.c acme/*.c $LDNS_LIBS $extra -o "$bin" > "$OUT/$name.build.log" 2>&1; then
        cat "$OUT/$name.build.log"
        echo "FAIL fuzz $name: build failed"
        summary="$summary\n$name: BUILD FAILED"
        status=1
        continue
    fi
    corpus="$OUT/corpus/$name"
    seeds="tests/fuzz/corpus/$short"
    mkdir -p "$corpus"
    if [ -n "$(ls -A "$seeds" 2>/dev/null)" ]; then
        cp "$seeds"/* "$corpus"/ || { echo "FAIL fuzz $name: could not copy seeds"; summary="$summary\n$name: NO SEEDS"; status=1; continue; }
    elif [ -z "$(ls -A "$corpus" 2>/dev/null)" ]; then
        seed "$corpus" || { echo "FAIL fuzz $name: could not write seeds"; summary="$summary\n$name: NO SEEDS"; status=1; continue; }
    fi
    dict=""
    [ -f "tests/fuzz/$short.dict" ] && dict="-dict=tests/fuzz/$short.dict"
    echo "== $name: run ${SECS}s ($(ls "$corpus" | wc -l) corpus files${dict:+, $dict})"
    # shellcheck disable=SC2086
    timeout $((SECS + 120)) "$bin" -max_total_time="$SECS" -timeout=10 \
        -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 $dict \
        -artifact_prefix="$OUT/crash-$name-" "$corpus" > "$log" 2>&1
    rc=$?
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
    start=$(grep 'INITED' "$log" | grep -o 'cov: [0-9]* ft: [0-9]*' | tail -1)
    cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1)
    [ -n "$start" ] && cov="${cov:-cov ?} (at start: $start)"
    if [ "$rc" != 0 ]; then
        echo "FAIL fuzz $name: exit $rc"
        grep -E 'ERROR|runtime error|SUMMARY|Test unit written|^    #[0-9]' "$log" | head -30
        summary="$summary\n$name: FAILED (exit $rc, see $log)"
        status=1
    else
        echo "PASS fuzz $name: ${runs:-?} runs, ${cov:-cov ?}, no crash"
        summary="$summary\n$name: ok, ${runs:-?} runs in ${SECS}s, ${cov:-cov ?}"
    fi
done
[ -n "$summary" ] || { echo "fuzz: no targets in tests/fuzz/"; exit 1; }
printf "fuzz summary:%b\n" "$summary"
exit $status
