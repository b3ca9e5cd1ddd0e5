#!/bin/sh
# Runs every unit test binary and integration test, counts PASS/FAIL lines,
# and prints "N passed, N failed" as the last line.  Exit 1 on any failure.
# Usage: tests/run.sh [BUILD_DIR...]   (default: build)
#
# Integration test files run in parallel (TEST_JOBS at once, default 3):
# every test picks free ports and unique namespace names, so files do not
# collide.  Each file's output goes to its own log; the summary is printed
# in a fixed order once all have ended.
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export DV_ROOT="$ROOT"
[ $# = 0 ] && set -- build
JOBS=${TEST_JOBS:-3}
LOG=$(mktemp -d /tmp/dv-test.XXXXXX)
trap 'rm -rf "$LOG"' EXIT
pass=0; fail=0

# one_test NAME BUILD CMD...: run one test file, output to $LOG/NAME.log,
# exit status to $LOG/NAME.rc
one_test() {
    name=$1; build=$2; shift 2
    DNSVIZOR="$ROOT/$build/dnsvizor" "$@" > "$LOG/$name.log" 2>&1
    echo $? > "$LOG/$name.rc"
}

# report NAME: count one finished test file (in the calling shell)
report() {
    name=$1; out="$LOG/$name.log"
    rc=$(cat "$LOG/$name.rc" 2>/dev/null || echo 1)
    p=$(grep -c '^PASS ' "$out"); f=$(grep -c '^FAIL ' "$out")
    grep -E '^(FAIL|  )' "$out" | head -40
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
        f=1; echo "FAIL $name: exited $rc without a FAIL line"; tail -20 "$out"
    fi
    [ "$p" = 0 ] && [ "$f" = 0 ] && { f=1; echo "FAIL $name: ran no test"; }
    echo "$(echo "$name" | tr '~' '/'): $p passed, $f failed"
    pass=$((pass + p)); fail=$((fail + f))
}

names=""
for BUILD in "$@"; do
    if [ ! -x "$ROOT/$BUILD/dnsvizor" ]; then
        echo "FAIL $BUILD: $ROOT/$BUILD/dnsvizor not built"
        fail=$((fail + 1))
        continue
    fi
    for t in "$ROOT/$BUILD"/tests/test_*; do
        [ -x "$t" ] || continue
        n="$BUILD~unit~$(basename "$t")"
        one_test "$n" "$BUILD" "$t"
        report "$n"
    done
    for t in "$ROOT"/tests/integration/test_*.py; do
        [ -f "$t" ] && names="$names $BUILD~integration~$(basename "$t")"
    done
done

# The pool: xargs starts at most JOBS files at once.
export LOG ROOT
for n in $names; do echo "$n"; done |
    xargs -P "$JOBS" -I{} sh -c '
        n={}; build=${n%%~*}; file=${n##*~}
        DNSVIZOR="$ROOT/$build/dnsvizor" timeout 600 /usr/bin/python3 \
            "$ROOT/tests/integration/$file" > "$LOG/$n.log" 2>&1
        echo $? > "$LOG/$n.rc"'
for n in $names; do
    report "$n"
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
