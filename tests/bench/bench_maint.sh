#!/bin/sh
# Zone-maintenance benchmarks (issue 3), dnsvizor vs knotd in the same run.
# Run at the end of tests/bench/bench.sh (skip with BENCH_SKIP_MAINT=1) or
# alone: sh tests/bench/bench_maint.sh.  Not a test.
#
# 1. Signed updates per second acknowledged durably.  tests/bench/updload.c
#    (built here with cc + pkg-config ldns) keeps MAINT_CLIENTS UDP clients
#    busy for MAINT_SECONDS; each sends a TSIG-signed (hmac-sha256) UPDATE
#    adding a TXT record at a new name, waits for NOERROR (and a response
#    TSIG that verifies), and sends the next.  dnsvizor keeps its journal in
#    --state-dir, knotd in its journal database (journal-db-mode robust,
#    journal-content changes, zonefile-sync -1); both directories are under
#    one temp dir on the same file system (MAINT_DIR, default /var/tmp).
#    MAINT_ROUNDS rounds, the servers taking turns; medians and the ratio
#    dnsvizor/knotd.  Both servers answer only after the change is durable.
#    Then (MAINT_EXTRA=0 skips them) one round with one client (each update
#    waits for its own sync) and one round of unsigned updates allowed by
#    address (what TSIG costs).
# 2. Time to serve a TSIG-signed AXFR of a zone of MAINT_AXFR_RECORDS records
#    (gen.py records): wall time of `kdig -y ... AXFR +noall +stats` against
#    each server, MAINT_AXFR_RUNS times (taking turns), median and ratio;
#    the record count of every transfer is checked.
#
# Besides wall-clock rates, the server's CPU time (utime+stime from /proc,
# all threads) is printed: the machine is shared by client and server (and
# whatever else runs), so per-CPU-second figures are the steadier ones.
#
# knotd runs with one UDP, one TCP and one background worker (as in
# bench.sh); dnsvizor is one thread.  Every step is bounded by timeout;
# the servers and the temp dir are removed on exit.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DV=${DNSVIZOR:-$ROOT/build/dnsvizor}
SECS=${MAINT_SECONDS:-10}
CLIENTS=${MAINT_CLIENTS:-16}
ROUNDS=${MAINT_ROUNDS:-3}
NREC=${MAINT_AXFR_RECORDS:-100000}
RUNS=${MAINT_AXFR_RUNS:-3}
BASE=${MAINT_DIR:-/var/tmp}
GEN="python3 $ROOT/tests/bench/gen.py"
UZ=upd.example
AZ=axfr.example
KEY=bench-key.

for t in knotd kdig dig cc pkg-config python3 openssl; do
    command -v "$t" >/dev/null 2>&1 || { echo "bench_maint: $t missing (run contrib/deps.sh)" >&2; exit 1; }
done
[ -x "$DV" ] || { echo "bench_maint: $DV not built" >&2; exit 1; }

. "$ROOT/tests/bench/lib.sh"
bench_tmp "$BASE/dv-maint.XXXXXX"

HZ=$(getconf CLK_TCK)

serial() {
    dig +time=2 +tries=1 +short -p "$1" @127.0.0.1 "$UZ" SOA 2>/dev/null | awk '{ print $3 }'
}

echo
echo "== zone maintenance: dnsvizor vs knotd  ($(date -u '+%H:%M:%S UTC'), dir $T on $(stat -f -c %T "$T"), $(df -P "$T" | awk 'NR == 2 { print $1 }'))"

cc -std=c11 -O2 -Wall -Wextra -o "$T/updload" "$ROOT/tests/bench/updload.c" \
    $(pkg-config --cflags --libs ldns) || { echo "bench_maint: cannot build updload" >&2; exit 1; }

SECRET=$(openssl rand -base64 32)
cat > "$T/$UZ.zone" <<EOF
\$ORIGIN $UZ.
\$TTL 3600
@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300
@ IN NS ns1
ns1 IN A 192.0.2.53
EOF
timeout 120 $GEN records "$AZ" "$NREC" "$T/$AZ.zone" || exit 1

PORT_DV=$(free_port); PORT_KNOT=$(free_port)
while [ "$PORT_KNOT" = "$PORT_DV" ]; do PORT_KNOT=$(free_port); done
mkdir -p "$T/dv" "$T/knot/db"
cat > "$T/knot/knot.conf" <<EOF
server:
    rundir: "$T/knot"
    listen: 127.0.0.1@$PORT_KNOT
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: stderr
    any: warning
database:
    storage: "$T/knot/db"
    journal-db-mode: robust
key:
  - id: $KEY
    algorithm: hmac-sha256
    secret: $SECRET
acl:
  - id: upd
    key: $KEY
    action: update
  - id: xfr
    key: $KEY
    action: transfer
  - id: updaddr
    address: 127.0.0.1
    action: update
template:
  - id: default
    storage: "$T/knot"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: changes
zone:
  - domain: $UZ
    file: "$T/$UZ.zone"
    acl: [upd, updaddr]
  - domain: $AZ
    file: "$T/$AZ.zone"
    acl: xfr
EOF

start dnsvizor "$DV" --no-hosts --no-recursion --listen-address=127.0.0.1 --port="$PORT_DV" \
    --state-dir="$T/dv" --zone="$UZ,$T/$UZ.zone" --zone="$AZ,$T/$AZ.zone" \
    --dns-key="$KEY:SHA256:$SECRET" --allow-update="$UZ,$KEY" --allow-update="$UZ,127.0.0.1" \
    --allow-transfer="$AZ,$KEY"
PID_DV=$SPID
start knotd knotd -c "$T/knot/knot.conf"
PID_KNOT=$SPID
up=""
for s in "dnsvizor $PORT_DV $PID_DV" "knotd $PORT_KNOT $PID_KNOT"; do
    set -- $s
    if wait_dns "$2" "$AZ" SOA "$3" 60; then
        up="$up $1:$2:$3"
    else
        echo "$1: did not start:"; tail -5 "$T/$1.log" | sed 's/^/  | /'
    fi
done
[ -n "$up" ] || exit 1

# ---------------------------------------------------------------- part 1
# upd_rounds LABEL KEYNAME CLIENTS ROUNDS: updload against each server in
# turn, ROUNDS times; medians and the ratio.  KEYNAME "-": unsigned.
upd_rounds() {
    echo "-- $1 UPDATEs acknowledged durably: $3 clients x ${SECS}s, $4 round(s), servers taking turns"
    : > "$T/upd"
    r=1
    while [ "$r" -le "$4" ]; do
        for s in $up; do
            IFS=: read -r n p pid <<EOF
$s
EOF
            tag="r$r$3$2$n"; tag=$(echo "$tag" | tr -c 'a-z0-9\n' 'x')
            s0=$(serial "$p")
            c0=$(cpu_ticks "$pid")
            out=$(timeout $((SECS + 30)) "$T/updload" 127.0.0.1 "$p" "$UZ." "$2" \
                "$SECRET" "$3" "$SECS" "$tag" 2>&1)
            c1=$(cpu_ticks "$pid")
            s1=$(serial "$p")
            rate=$(echo "$out" | awk '/^acked/ { print $NF }')
            acked=$(echo "$out" | awk '/^acked/ { print $2 }')
            cpu=$(awk -v a="${c0:-0}" -v b="${c1:-0}" -v hz="$HZ" 'BEGIN { printf "%.2f", (b - a) / hz }')
            upc=$(awk -v n="${acked:-0}" -v c="$cpu" 'BEGIN { if (c > 0) printf "%.0f", n / c; else print 0 }')
            # sanity: the first update of client 0 is served now
            chk=$(dig +time=2 +tries=1 +short -p "$p" @127.0.0.1 "c0-0.$tag.$UZ" TXT 2>/dev/null)
            printf '  round %s %-9s %s\n      server CPU %ss = %s updates/CPU-s; serial %s -> %s; c0-0 %s\n' \
                "$r" "$n" "${out:-updload failed}" "$cpu" "$upc" "${s0:-?}" "${s1:-?}" "${chk:-MISSING}"
            [ -n "$rate" ] && [ -n "$chk" ] && echo "$n $rate $upc" >> "$T/upd"
        done
        r=$((r + 1))
    done
    u_dv=$(awk '$1 == "dnsvizor" { print $2 }' "$T/upd" | median)
    u_kn=$(awk '$1 == "knotd" { print $2 }' "$T/upd" | median)
    c_dv=$(awk '$1 == "dnsvizor" { print $3 }' "$T/upd" | median)
    c_kn=$(awk '$1 == "knotd" { print $3 }' "$T/upd" | median)
    printf 'median (%s, %s clients): dnsvizor %s updates/s (%s per CPU-s), knotd %s updates/s (%s per CPU-s)\n' \
        "$1" "$3" "${u_dv:-?}" "${c_dv:-?}" "${u_kn:-?}" "${c_kn:-?}"
    if [ -n "$u_dv" ] && [ -n "$u_kn" ]; then
        awk -v a="$u_dv" -v b="$u_kn" -v ca="$c_dv" -v cb="$c_kn" -v l="$1" -v c="$3" 'BEGIN {
            if (b > 0) printf "ratio dnsvizor/knotd (durable %s updates/s, %s clients): %.2f", l, c, a / b
            if (cb > 0) printf "  (per server CPU-second: %.2f)", ca / cb
            print "" }'
    fi
}
upd_rounds signed "$KEY" "$CLIENTS" "$ROUNDS"
if [ "${MAINT_EXTRA:-1}" = 1 ]; then
    # one client: every update waits for its own sync (latency-bound)
    upd_rounds signed "$KEY" 1 1
    # unsigned, allowed by address: the cost of TSIG
    upd_rounds unsigned - "$CLIENTS" 1
fi

# ---------------------------------------------------------------- part 2
echo "-- TSIG-signed AXFR of $AZ ($NREC records): kdig wall time, $RUNS runs, servers taking turns"
: > "$T/axfr"
want=$((NREC + 1))   # the SOA comes twice
i=1
while [ "$i" -le "$RUNS" ]; do
    for s in $up; do
        IFS=: read -r n p pid <<EOF
$s
EOF
        c0=$(cpu_ticks "$pid")
        t0=$(date +%s.%N)
        timeout 120 kdig -y "hmac-sha256:$KEY:$SECRET" @127.0.0.1 -p "$p" \
            +time=10 +retry=0 "$AZ" AXFR +noall +stats > "$T/kdig.out" 2>&1
        rc=$?
        t1=$(date +%s.%N)
        c1=$(cpu_ticks "$pid")
        cpu=$(awk -v a="${c0:-0}" -v b="${c1:-0}" -v hz="$HZ" 'BEGIN { printf "%.2f", (b - a) / hz }')
        secs=$(echo "$t1 $t0" | awk '{ printf "%.3f", $1 - $2 }')
        got=$(sed -n 's/.*messages, \([0-9]*\) records).*/\1/p' "$T/kdig.out" | head -1)
        msgs=$(sed -n 's/.*(\([0-9]*\) messages,.*/\1/p' "$T/kdig.out" | head -1)
        bytes=$(sed -n 's/.*Received \([0-9]*\) B.*/\1/p' "$T/kdig.out" | head -1)
        if [ "$rc" = 0 ] && [ "${got:-0}" = "$want" ] && ! grep -qi 'warning\|error\|failed' "$T/kdig.out"; then
            printf '  run %s %-9s %7s s  server CPU %5s s  (%s records, %s messages, %s bytes)\n' "$i" "$n" "$secs" "$cpu" "$got" "$msgs" "$bytes"
            echo "$n $secs $cpu" >> "$T/axfr"
        else
            printf '  run %s %-9s FAILED (rc %s, %s of %s records):\n' "$i" "$n" "$rc" "${got:-0}" "$want"
            tail -4 "$T/kdig.out" | sed 's/^/  | /'
        fi
    done
    i=$((i + 1))
done
A_DV=$(awk '$1 == "dnsvizor" { print $2 }' "$T/axfr" | median)
A_KNOT=$(awk '$1 == "knotd" { print $2 }' "$T/axfr" | median)
AC_DV=$(awk '$1 == "dnsvizor" { print $3 }' "$T/axfr" | median)
AC_KNOT=$(awk '$1 == "knotd" { print $3 }' "$T/axfr" | median)
printf 'median: dnsvizor %s s (server CPU %s s), knotd %s s (server CPU %s s)\n' "${A_DV:-?}" "${AC_DV:-?}" "${A_KNOT:-?}" "${AC_KNOT:-?}"
if [ -n "$A_DV" ] && [ -n "$A_KNOT" ]; then
    awk -v a="$A_DV" -v b="$A_KNOT" 'BEGIN { if (a > 0) printf "ratio dnsvizor/knotd (AXFR time): %.2f  (knotd/dnsvizor speed: %.2f)\n", a / b, b / a }'
fi
exit 0
