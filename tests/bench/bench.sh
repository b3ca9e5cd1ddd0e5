#!/bin/sh
# dnsvizor benchmarks (run by `make bench`; not a test).
#
# 1. Authoritative throughput: one zone of 100k names (A, every 10th AAAA,
#    every 50th MX), a dnsperf query file of random existing names plus ~10%
#    nonexistent ones; dnsvizor, NSD (server-count: 1) and knotd (one UDP
#    worker) each on its own loopback port, dnsperf against each in turn with
#    the same file and settings.  For each: queries/s and queries per server
#    CPU-second (utime+stime of all the server's processes, from /proc, before
#    and after the run), and the ratios dnsvizor/knotd and dnsvizor/NSD.
#    Then DO=1 on a signed zone: the same zone signed at bench time with
#    ldns-signzone (ECDSA P-256 KSK + ZSK, NSEC), served from that one file
#    by a second dnsvizor and a second knotd; dnsperf -D with the same query
#    file; queries/s, queries per CPU-second, the average response size and
#    the ratios dnsvizor/knotd (BENCH_SKIP_SIGNED=1 skips it).
# 2. Loading a 1M-record zone: dnsvizor --test vs `knotc zone-check` vs
#    nsd-checkzone on the same file (wall seconds, max RSS), and dnsvizor's
#    RSS per record when serving it (VmRSS once it answers, minus the VmRSS
#    of a server with no zone, divided by the record count).
#
# Environment: DNSVIZOR (binary, default build/dnsvizor), BENCH_SECONDS
# (dnsperf -l, default 10), BENCH_CLIENTS (dnsperf -c, default 4),
# BENCH_THREADS (dnsperf -T, default 1: the server gets the other core),
# BENCH_NAMES (100000), BENCH_QUERIES (150000), BENCH_BIG (1000000),
# BENCH_ROUNDS (3: each server is measured ROUNDS times, taking turns, and
# the median is reported), BENCH_SKIP_LOAD=1 to skip part 2 (and all that
# follows it), BENCH_SKIP_SIGNED=1 to skip the DO=1 run,
# BENCH_RRL_RATE (1000000: a second dnsvizor, "dv-rrl", runs with
# --rrl-rate at this rate, high enough that nothing is limited, to show
# what response rate limiting costs; 0 skips it).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DV=${DNSVIZOR:-$ROOT/build/dnsvizor}
SECS=${BENCH_SECONDS:-10}
CLIENTS=${BENCH_CLIENTS:-4}
THREADS=${BENCH_THREADS:-1}
NAMES=${BENCH_NAMES:-100000}
NQUERIES=${BENCH_QUERIES:-150000}
BIG=${BENCH_BIG:-1000000}
ROUNDS=${BENCH_ROUNDS:-3}
GEN="python3 $ROOT/tests/bench/gen.py"
ORIGIN=bench.example
BIGORIGIN=big.example
TMO=$((SECS + 30))

for t in dnsperf nsd knotd knotc nsd-checkzone dig python3 /usr/bin/time; do
    command -v "$t" >/dev/null 2>&1 || { echo "bench: $t missing (run contrib/deps.sh)" >&2; exit 1; }
done
[ -x "$DV" ] || { echo "bench: $DV not built" >&2; exit 1; }

. "$ROOT/tests/bench/lib.sh"
bench_tmp /tmp/dv-bench.XXXXXX

HZ=$(getconf CLK_TCK)
echo "== dnsvizor benchmark  $(date -u '+%Y-%m-%d %H:%M:%S UTC')  $(nproc) CPUs"
echo "   $("$DV" --version 2>/dev/null | head -1) / $(nsd -v 2>&1 | head -1) / $(knotd -V 2>&1 | head -1) / $(dnsperf -h 2>&1 | grep -i version | head -1)"

# ---------------------------------------------------------------- part 1
ZONE="$T/$ORIGIN.zone"
QF="$T/queries.txt"
timeout 120 $GEN zone "$ORIGIN" "$NAMES" "$ZONE" || exit 1
timeout 120 $GEN queries "$ORIGIN" "$NAMES" "$NQUERIES" "$QF" || exit 1
echo "zone: $NAMES names, $(grep -c ' IN ' "$ZONE") RRs; query file: $(wc -l < "$QF") lines"

PORT_DV=$(free_port); PORT_NSD=$(free_port); PORT_KNOT=$(free_port)
while [ "$PORT_NSD" = "$PORT_DV" ]; do PORT_NSD=$(free_port); done
while [ "$PORT_KNOT" = "$PORT_DV" ] || [ "$PORT_KNOT" = "$PORT_NSD" ]; do PORT_KNOT=$(free_port); done

mkdir -p "$T/nsd" "$T/knot" "$T/knot/db" "$T/dv"
cat > "$T/nsd/nsd.conf" <<EOF
server:
  ip-address: 127.0.0.1@$PORT_NSD
  port: $PORT_NSD
  username: ""
  chroot: ""
  zonesdir: "$T"
  pidfile: "$T/nsd/nsd.pid"
  database: ""
  xfrdfile: "$T/nsd/xfrd.state"
  zonelistfile: "$T/nsd/zone.list"
  xfrdir: "$T/nsd"
  server-count: 1
  verbosity: 0
  # Debian's NSD is built with response rate limiting (200 q/s per /24 by
  # default): switch it off, it would drop most benchmark queries.
  rrl-ratelimit: 0
  rrl-whitelist-ratelimit: 0
remote-control:
  control-enable: no
zone:
  name: $ORIGIN
  zonefile: "$ZONE"
EOF
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
template:
  - id: default
    storage: "$T/knot"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
EOF
# knotc zone-check (part 2) uses the same settings with the big zone only
cp "$T/knot/knot.conf" "$T/knot/knot-big.conf"
printf 'zone:\n  - domain: %s\n    file: "%s"\n' "$ORIGIN" "$ZONE" >> "$T/knot/knot.conf"
printf 'zone:\n  - domain: %s\n    file: "%s"\n' "$BIGORIGIN" "$T/$BIGORIGIN.zone" >> "$T/knot/knot-big.conf"

# run_one NAME PORT SID ROUND: dnsperf (with $DPERF_OPTS: -D for DO=1)
# against one server; prints a result line and appends "NAME qps qpcpu"
# to $T/results.
DPERF_OPTS=""
run_one() {
    if [ "$4" = 1 ]; then
        # warm-up (not measured): page in the server's data and the file
        timeout 20 dnsperf -s 127.0.0.1 -p "$2" -d "$QF" -l 2 -c "$CLIENTS" \
            -T "$THREADS" -t 2 $DPERF_OPTS > /dev/null 2>&1
    fi
    c0=$(cpu_ticks "$3")
    timeout "$TMO" dnsperf -s 127.0.0.1 -p "$2" -d "$QF" -l "$SECS" \
        -c "$CLIENTS" -T "$THREADS" -t 2 $DPERF_OPTS > "$T/dnsperf.$1" 2>&1
    rc=$?
    c1=$(cpu_ticks "$3")
    qps=$(awk '/Queries per second/ { print $4 }' "$T/dnsperf.$1")
    done_=$(awk '/Queries completed/ { print $3 }' "$T/dnsperf.$1")
    lost=$(awk '/Queries lost/ { print $3 }' "$T/dnsperf.$1")
    if [ -z "$qps" ] || [ -z "$done_" ]; then
        echo "$1: dnsperf failed (rc $rc):"; sed 's/^/  | /' "$T/dnsperf.$1" | tail -5
        return 1
    fi
    cpu=$(awk -v a="$c0" -v b="$c1" -v hz="$HZ" 'BEGIN { printf "%.2f", (b - a) / hz }')
    qpc=$(awk -v n="$done_" -v c="$cpu" 'BEGIN { if (c > 0) printf "%.0f", n / c; else print 0 }')
    noerr=$(awk '/NOERROR/ { for (i = 1; i <= NF; i++) if ($i ~ /^NOERROR/) { print $(i + 1); exit } }' "$T/dnsperf.$1")
    nx=$(awk '/NXDOMAIN/ { for (i = 1; i <= NF; i++) if ($i ~ /^NXDOMAIN/) { print $(i + 1); exit } }' "$T/dnsperf.$1")
    resp=""
    [ -n "$DPERF_OPTS" ] && resp=", response $(awk '/Average packet size/ { sub(",", "", $7); print $7 }' "$T/dnsperf.$1") B"
    printf '  round %s %-9s %8.0f q/s %8s q/CPU-s  (completed %s, lost %s, server CPU %ss, NOERROR %s NXDOMAIN %s%s)\n' \
        "$4" "$1" "$qps" "$qpc" "$done_" "$lost" "$cpu" "${noerr:-?}" "${nx:-?}" "$resp"
    echo "$1 $qps $qpc" >> "$T/results"
}

echo
echo "-- throughput: dnsperf -l $SECS -c $CLIENTS -T $THREADS, $ROUNDS rounds, servers taking turns;"
echo "   $(nproc) CPUs shared by client and server; the idle servers wait in epoll"
: > "$T/results"
start dnsvizor "$DV" --no-hosts --no-recursion --listen-address=127.0.0.1 --port="$PORT_DV" \
    --state-dir="$T/dv" --zone="$ORIGIN,$ZONE"
SID_DV=$SPID
start nsd nsd -d -c "$T/nsd/nsd.conf"
SID_NSD=$SPID
start knotd knotd -c "$T/knot/knot.conf"
SID_KNOT=$SPID
RRL_RATE=${BENCH_RRL_RATE:-1000000}
SID_RRL=""
servers="dnsvizor:$PORT_DV:$SID_DV nsd:$PORT_NSD:$SID_NSD knotd:$PORT_KNOT:$SID_KNOT"
if [ "$RRL_RATE" != 0 ]; then
    PORT_RRL=$(free_port)
    while [ "$PORT_RRL" = "$PORT_DV" ] || [ "$PORT_RRL" = "$PORT_NSD" ] ||
          [ "$PORT_RRL" = "$PORT_KNOT" ]; do PORT_RRL=$(free_port); done
    start dv-rrl "$DV" --no-hosts --no-recursion --listen-address=127.0.0.1 \
        --port="$PORT_RRL" --state-dir="$T/dv-rrl" --zone="$ORIGIN,$ZONE" \
        --rrl-rate="$RRL_RATE"
    SID_RRL=$SPID
    servers="$servers dv-rrl:$PORT_RRL:$SID_RRL"
fi
up=""
for s in $servers; do
    IFS=: read -r n p sid <<EOF
$s
EOF
    set -- "$n" "$p" "$sid"
    if wait_dns "$2" "$ORIGIN" SOA "$3" 60; then
        up="$up $1:$2:$3"
    else
        echo "$1: did not start:"; tail -5 "$T/$1.log" | sed 's/^/  | /'
    fi
done
r=1
while [ "$r" -le "$ROUNDS" ]; do
    for s in $up; do
        IFS=: read -r n p sid <<EOF
$s
EOF
        run_one "$n" "$p" "$sid" "$r"
    done
    r=$((r + 1))
done
for p in $SID_DV $SID_NSD $SID_KNOT $SID_RRL; do stop_pid "$p"; done

# median over the rounds for each server, then the ratios
awk '
{ n[$1]++; q[$1, n[$1]] = $2; c[$1, n[$1]] = $3 }
function med(arr, s, k,   i, j, m, v, x) {  # median of arr[s, 1..k]
    m = 0; for (i = 1; i <= k; i++) v[++m] = arr[s, i]
    # small k: insertion sort
    for (i = 2; i <= m; i++) { x = v[i]; j = i - 1; while (j > 0 && v[j] > x) { v[j + 1] = v[j]; j-- } v[j + 1] = x }
    return (m % 2) ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
}
END {
    print "median over rounds:"
    split("dnsvizor nsd knotd dv-rrl", names, " ")
    for (i = 1; i <= 4; i++) { s = names[i]; if (s in n) {
        Q[s] = med(q, s, n[s]); C[s] = med(c, s, n[s])
        printf "  %-9s %8.0f q/s %8.0f q/CPU-s\n", s, Q[s], C[s] } }
    if (!("dnsvizor" in Q)) { print "ratios: no dnsvizor result"; exit }
    if ("knotd" in Q && Q["knotd"] > 0 && C["knotd"] > 0)
        printf "ratio dnsvizor/knotd: %.2f (queries/s)  %.2f (queries per CPU-second)\n",
            Q["dnsvizor"] / Q["knotd"], C["dnsvizor"] / C["knotd"]
    if ("nsd" in Q && Q["nsd"] > 0 && C["nsd"] > 0)
        printf "ratio dnsvizor/NSD:   %.2f (queries/s)  %.2f (queries per CPU-second)\n",
            Q["dnsvizor"] / Q["nsd"], C["dnsvizor"] / C["nsd"]
    if ("dv-rrl" in Q && Q["dnsvizor"] > 0 && C["dnsvizor"] > 0)
        printf "ratio dnsvizor --rrl-rate/without: %.2f (queries/s)  %.2f (queries per CPU-second)\n",
            Q["dv-rrl"] / Q["dnsvizor"], C["dv-rrl"] / C["dnsvizor"]
}' "$T/results"

# ------------------------------------------------------ part 1b: DO=1
# signed_run: sign $ZONE, serve the signed file from a second dnsvizor and
# a second knotd, dnsperf -D against each in turn, medians and ratios.
signed_run() {
    if ! command -v ldns-signzone >/dev/null 2>&1 ||
       ! command -v ldns-keygen >/dev/null 2>&1; then
        echo "DO=1 run skipped: ldns-signzone/ldns-keygen missing (contrib/deps.sh)"
        return 0
    fi
    mkdir -p "$T/sign" "$T/knot-s/db" "$T/dv-s"
    SZONE="$T/$ORIGIN.signed"
    t0=$(date +%s.%N)
    ksk=$(cd "$T/sign" && ldns-keygen -a ECDSAP256SHA256 -k "$ORIGIN") &&
        zsk=$(cd "$T/sign" && ldns-keygen -a ECDSAP256SHA256 "$ORIGIN") &&
        (cd "$T/sign" && timeout 600 ldns-signzone -f "$SZONE" "$ZONE" \
            "$ksk" "$zsk") || { echo "DO=1 run: signing failed"; return 0; }
    t1=$(date +%s.%N)
    echo
    echo "-- DO=1 on the signed zone (ldns-signzone, ECDSA P-256 KSK+ZSK, NSEC;"
    echo "   $(grep -c 'RRSIG' "$SZONE") RRSIGs, signed in $(echo "$t1 $t0" | awk '{ printf "%.1f", $1 - $2 }') s): dnsperf -D -l $SECS -c $CLIENTS -T $THREADS,"
    echo "   $ROUNDS rounds, dnsvizor and knotd (one UDP worker) serving the same file, taking turns"
    PORT_DS=$(free_port); PORT_KS=$(free_port)
    while [ "$PORT_KS" = "$PORT_DS" ]; do PORT_KS=$(free_port); done
    cat > "$T/knot-s/knot.conf" <<EOF
server:
    rundir: "$T/knot-s"
    listen: 127.0.0.1@$PORT_KS
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: stderr
    any: warning
database:
    storage: "$T/knot-s/db"
template:
  - id: default
    storage: "$T/knot-s"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
zone:
  - domain: $ORIGIN
    file: "$SZONE"
EOF
    start dv-do1 "$DV" --no-hosts --no-recursion --listen-address=127.0.0.1 \
        --port="$PORT_DS" --state-dir="$T/dv-s" --zone="$ORIGIN,$SZONE"
    SID_DS=$SPID
    start knot-do1 knotd -c "$T/knot-s/knot.conf"
    SID_KS=$SPID
    sup=""
    for s in "dv-do1:$PORT_DS:$SID_DS" "knot-do1:$PORT_KS:$SID_KS"; do
        IFS=: read -r n p sid <<EOF
$s
EOF
        if wait_dns "$p" "$ORIGIN" SOA "$sid" 120; then
            # the answers are signed: the SOA comes with its RRSIG
            dig +time=2 +tries=1 +dnssec +norec -p "$p" @127.0.0.1 \
                "$ORIGIN" SOA 2>/dev/null | grep -q 'RRSIG[[:space:]]*SOA ' ||
                echo "$n: no RRSIG SOA in a DO=1 answer"
            sup="$sup $s"
        else
            echo "$n: did not start:"; tail -5 "$T/$n.log" | sed 's/^/  | /'
        fi
    done
    mv "$T/results" "$T/results-do0"
    : > "$T/results"
    DPERF_OPTS=-D
    r=1
    while [ "$r" -le "$ROUNDS" ]; do
        for s in $sup; do
            IFS=: read -r n p sid <<EOF
$s
EOF
            run_one "$n" "$p" "$sid" "$r"
        done
        r=$((r + 1))
    done
    DPERF_OPTS=""
    stop_pid "$SID_DS"; stop_pid "$SID_KS"
    awk '
{ n[$1]++; q[$1, n[$1]] = $2; c[$1, n[$1]] = $3 }
function med(arr, s, k,   i, j, m, v, x) {  # median of arr[s, 1..k]
    m = 0; for (i = 1; i <= k; i++) v[++m] = arr[s, i]
    for (i = 2; i <= m; i++) { x = v[i]; j = i - 1; while (j > 0 && v[j] > x) { v[j + 1] = v[j]; j-- } v[j + 1] = x }
    return (m % 2) ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
}
END {
    print "median over rounds (DO=1, signed zone):"
    split("dv-do1 knot-do1", names, " ")
    for (i = 1; i <= 2; i++) { s = names[i]; if (s in n) {
        Q[s] = med(q, s, n[s]); C[s] = med(c, s, n[s])
        printf "  %-9s %8.0f q/s %8.0f q/CPU-s\n", s, Q[s], C[s] } }
    if (("dv-do1" in Q) && ("knot-do1" in Q) && Q["knot-do1"] > 0 && C["knot-do1"] > 0)
        printf "ratio dnsvizor/knotd DO=1 signed: %.2f (queries/s)  %.2f (queries per CPU-second)\n",
            Q["dv-do1"] / Q["knot-do1"], C["dv-do1"] / C["knot-do1"]
    else
        print "ratio dnsvizor/knotd DO=1 signed: a result is missing"
}' "$T/results"
}
[ "${BENCH_SKIP_SIGNED:-0}" = 1 ] || signed_run

[ "${BENCH_SKIP_LOAD:-0}" = 1 ] && exit 0

# ---------------------------------------------------------------- part 2
echo
BIGZ="$T/$BIGORIGIN.zone"
timeout 300 $GEN records "$BIGORIGIN" "$BIG" "$BIGZ" || exit 1
echo "-- loading a zone of $BIG records ($(du -m "$BIGZ" | cut -f1) MB)"

# timed LABEL CMD...: wall seconds and max RSS via GNU time; bounded.
timed() {
    label=$1; shift
    /usr/bin/time -f "%e %M" -o "$T/time.out" timeout 600 "$@" > "$T/$label.out" 2>&1
    rc=$?
    read -r secs rss < "$T/time.out" 2>/dev/null || { secs=?; rss=?; }
    [ "$rc" = 0 ] || { echo "$label failed (rc $rc):"; tail -3 "$T/$label.out" | sed 's/^/  | /'; }
    printf '%-22s %8s s   max RSS %8s KB\n' "$label" "$secs" "$rss"
    eval "T_$(echo "$label" | tr -c 'a-zA-Z0-9\n' '_')=\$secs"
}
timed dnsvizor--test "$DV" --no-hosts --test --state-dir="$T/dv" --zone="$BIGORIGIN,$BIGZ"
timed knotc_zone-check knotc -c "$T/knot/knot-big.conf" zone-check "$BIGORIGIN"
timed nsd-checkzone nsd-checkzone "$BIGORIGIN" "$BIGZ"

# rss_when_up LABEL ZONEARGS...: start dnsvizor, wait until it answers,
# print load seconds and VmRSS (KB); sets RSS.
rss_when_up() {
    label=$1; shift
    p=$(free_port)
    t0=$(date +%s.%N)
    start "$label" "$DV" --no-hosts --no-recursion --listen-address=127.0.0.1 --port="$p" \
        --state-dir="$T/dv" "$@"
    RSS=""
    if wait_dns "$p" "${QN:-.}" SOA "$SPID" 300; then
        t1=$(date +%s.%N)
        RSS=$(awk '/^VmRSS/ { print $2 }' "/proc/$SPID/status")
        printf '%-22s %8.2f s   VmRSS   %8s KB (start until it answers)\n' "$label" \
            "$(echo "$t1 $t0" | awk '{ print $1 - $2 }')" "$RSS"
    else
        echo "$label: did not answer"; tail -3 "$T/$label.log" | sed 's/^/  | /'
    fi
    stop_pid "$SPID"
}
QN=$BIGORIGIN rss_when_up dnsvizor-1M --zone="$BIGORIGIN,$BIGZ"
RSS_BIG=$RSS
p=$(free_port)
start dnsvizor-empty "$DV" --no-hosts --no-recursion --listen-address=127.0.0.1 --port="$p" --state-dir="$T/dv"
end=$(( $(date +%s) + 30 )); RSS_EMPTY=""
while [ "$(date +%s)" -lt "$end" ]; do
    kill -0 "$SPID" 2>/dev/null || break
    if dig +time=1 +tries=1 -p "$p" @127.0.0.1 . SOA 2>/dev/null | grep -q 'status:'; then
        RSS_EMPTY=$(awk '/^VmRSS/ { print $2 }' "/proc/$SPID/status"); break
    fi
    sleep 0.1
done
stop_pid "$SPID"
printf '%-22s %8s     VmRSS   %8s KB\n' "dnsvizor-empty" "" "${RSS_EMPTY:-?}"
if [ -n "$RSS_BIG" ] && [ -n "$RSS_EMPTY" ]; then
    awk -v b="$RSS_BIG" -v e="$RSS_EMPTY" -v n="$BIG" \
        'BEGIN { printf "dnsvizor RSS per record: %.1f bytes ((%d - %d) KB / %d records)\n", (b - e) * 1024 / n, b, e, n }'
fi
[ "${BENCH_SKIP_MAINT:-0}" = 1 ] || DNSVIZOR="$DV" sh "$ROOT/tests/bench/bench_maint.sh"
[ "${BENCH_SKIP_SIGNUPD:-0}" = 1 ] || DNSVIZOR="$DV" sh "$ROOT/tests/bench/bench_sign.sh"
[ "${BENCH_SKIP_RESOLVER:-0}" = 1 ] || DNSVIZOR="$DV" sh "$ROOT/tests/bench/bench_resolver.sh"
[ "${BENCH_SKIP_DHCP:-0}" = 1 ] || DNSVIZOR="$DV" sh "$ROOT/tests/bench/bench_dhcp.sh"
[ "${BENCH_SKIP_DOT:-0}" = 1 ] || DNSVIZOR="$DV" sh "$ROOT/tests/bench/bench_dot.sh"
[ "${BENCH_SKIP_ACME:-0}" = 1 ] || DNSVIZOR="$DV" sh "$ROOT/tests/bench/bench_acme.sh"
exit 0
