#!/bin/sh
# Runs every unit test binary and integration test, counts PASS/FAIL lines,
# and prints "N passed, N failed" as the last line.  Exit 1 on any failure.
# Usage: tests/run.sh [BUILD_DIR...]   (default: build)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export DV_ROOT="$ROOT"
[ $# = 0 ] && set -- build
LOG=$(mktemp -d /tmp/dv-test.XXXXXX)
pass=0; fail=0; crashed=""
run_one() { # name cmd...
    name=$1; shift
    out="$LOG/$(echo "$name" | tr '/' '_').log"
    "$@" > "$out" 2>&1
    rc=$?
    p=$(grep -c '^PASS ' "$out"); f=$(grep -c '^FAIL ' "$out")
    grep -E '^(FAIL|  )' "$out" | head -40
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
        f=1; echo "FAIL $name: exited $rc without a FAIL line"; tail -20 "$out"
    fi
    [ "$p" = 0 ] && [ "$f" = 0 ] && { f=1; echo "FAIL $name: ran no test"; }
    echo "$name: $p passed, $f failed"
    pass=$((pass + p)); fail=$((fail + f))
}
for BUILD in "$@"; do
    export DNSVIZOR="$ROOT/$BUILD/dnsvizor"
    [ -x "$DNSVIZOR" ] || { echo "FAIL $BUILD: $DNSVIZOR not built"; fail=$((fail + 1)); continue; }
    for t in "$ROOT/$BUILD"/tests/test_*; do
        [ -x "$t" ] || continue
        run_one "$BUILD/unit/$(basename "$t")" "$t"
    done
    for t in "$ROOT"/tests/integration/test_*.py; do
        [ -f "$t" ] || continue
        run_one "$BUILD/integration/$(basename "$t")" timeout 600 /usr/bin/python3 "$t"
    done
done
rm -rf "$LOG"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
