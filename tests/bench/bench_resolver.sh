#!/bin/sh
# Resolver benchmarks (issue 4): dnsvizor vs unbound (vs dnsmasq) in one run.
# Run at the end of tests/bench/bench.sh (skip with BENCH_SKIP_RESOLVER=1)
# or alone: sh tests/bench/bench_resolver.sh.  Not a test.
#
# 1. Cache-hit throughput.  One NSD (server-count 1, RRL off) on a free
#    loopback port is the upstream; it serves bench.test (gen.py zone,
#    RBENCH_NAMES names) and fill.test (a wildcard, for part 3).  dnsvizor
#    (--server=127.0.0.1#PORT --allow-loopback-upstream --no-resolv),
#    unbound (num-threads 1, forward-zone "." to the NSD, module-config
#    iterator: no validation on either side) and dnsmasq (--server, big
#    --cache-size) each forward to it.  The query file holds every distinct
#    question once (h<i> A, every 10th AAAA, some NXDOMAIN names); each
#    resolver is warmed with one pass over it, then dnsperf (-l
#    BENCH_SECONDS) runs against each in turn, BENCH_ROUNDS rounds.  Printed:
#    queries/s, queries per server CPU-second (utime+stime from /proc before
#    and after), the upstream's CPU during the run (≈0 when all are cache
#    hits), medians and the ratios dnsvizor/unbound and dnsvizor/dnsmasq.
# 2. Cold resolution over a loopback internet: three NSDs on 127.53.X.1-3
#    port 53 (root + bench., test., and RBENCH_COLD_ZONES zones z<k>.test
#    with RBENCH_COLD_NAMES names each).  dnsvizor (--root-hints) and
#    unbound (root-hints, do-ip6 no) start empty and resolve every name once,
#    one query at a time (dnsperf -c 1 -q 1).  tcpdump on lo counts the
#    queries each sends to the three servers (UDP datagrams + TCP SYNs):
#    printed per resolved name, with the time per name.
# 3. Memory per cache entry: RBENCH_FILL (1M) distinct names under the
#    wildcard fill.test go through a fresh resolver; VmRSS after the fill
#    minus VmRSS before, per name.  Then 2000 of the names, spread evenly
#    over the fill order, are asked again while tcpdump counts the queries
#    that go upstream (cache misses): the share kept estimates how many
#    names the cache held at the end (a byte budget may have evicted some)
#    and gives RSS bytes per kept name.  dnsvizor and unbound.  dnsvizor
#    gets --cache-size=3*RBENCH_FILL (a name takes an answer entry and an
#    RRset entry) and no --cache-max-bytes: the default byte budget, 256
#    bytes per entry of --cache-size, holds them all (RBENCH_FILL_MAX_BYTES
#    passes a --cache-max-bytes to show a smaller budget at work); unbound
#    gets 1500m msg-cache-size and rrset-cache-size.  Per name, dnsvizor
#    keeps an answer and an RRset entry, unbound a message and an RRset
#    entry, so bytes per name is bytes per cache entry pair.
#
# tests/integration/netsim.py is the loopback internet of the resolver's
# tests (a few signed and broken zones); part 2 builds its own unsigned one
# with hundreds of delegations, which is what a cold-resolution cost needs.
#
# Environment: DNSVIZOR, BENCH_SECONDS (10), BENCH_CLIENTS (4),
# BENCH_THREADS (1), BENCH_ROUNDS (3), RBENCH_NAMES (10000), RBENCH_FILL
# (1000000, 0 skips part 3), RBENCH_FILL_MAX_BYTES (unset: dnsvizor's
# default budget), RBENCH_COLD_ZONES (500), RBENCH_COLD_NAMES (4),
# RBENCH_SKIP_COLD=1, RBENCH_SKIP_HITS=1, RBENCH_PCAP_DIR (keep part 2's
# captures there: cold-dnsvizor.pcap, cold-unbound.pcap).  Every step is bounded; servers and the temp dir are
# removed on exit.  The machine is shared: compare ratios within one run.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DV=${DNSVIZOR:-$ROOT/build/dnsvizor}
SECS=${BENCH_SECONDS:-10}
CLIENTS=${BENCH_CLIENTS:-4}
THREADS=${BENCH_THREADS:-1}
ROUNDS=${BENCH_ROUNDS:-3}
NAMES=${RBENCH_NAMES:-10000}
FILL=${RBENCH_FILL:-1000000}
CZONES=${RBENCH_COLD_ZONES:-500}
CNAMES=${RBENCH_COLD_NAMES:-4}
GEN="python3 $ROOT/tests/bench/gen.py"
RGEN="python3 $ROOT/tests/bench/resolver_gen.py"
TMO=$((SECS + 30))

for t in dnsperf nsd unbound dnsmasq dig python3 tcpdump; do
    command -v "$t" >/dev/null 2>&1 || { echo "bench_resolver: $t missing (run contrib/deps.sh)" >&2; exit 1; }
done

. "$ROOT/tests/bench/lib.sh"
bench_tmp /tmp/dv-rbench.XXXXXX

# rss_kb SID: VmRSS of a session's processes (KB).
rss_kb() {
    ps -e -o pid=,sid= | awk -v s="$1" '$2 == s { print $1 }' | while read -r p; do
        awk '/^VmRSS/ { print $2 }' "/proc/$p/status" 2>/dev/null
    done | awk '{ t += $1 } END { print t + 0 }'
}

# rcode_count FILE RCODE: count of that rcode in a dnsperf output.
rcode_count() {
    awk -v r="$2" '{ for (i = 1; i <= NF; i++) if ($i == r) { print $(i + 1); exit } }' "$1"
}

HZ=$(getconf CLK_TCK)
echo
echo "== resolver benchmark  $(date -u '+%Y-%m-%d %H:%M:%S UTC')  $(nproc) CPUs"
echo "   $("$DV" --version 2>/dev/null | head -1) / $(unbound -V 2>&1 | head -1) / $(dnsmasq --version 2>&1 | head -1 | cut -c1-40) / $(nsd -v 2>&1 | head -1)"

# ------------------------------------------------------------ upstream NSD
mkdir -p "$T/up" "$T/dv" "$T/ub"
ZONE="$T/bench.test.zone"
QF="$T/hits.txt"
timeout 120 $GEN zone bench.test "$NAMES" "$ZONE" || exit 1
timeout 120 $RGEN hits bench.test "$NAMES" $((NAMES / 20)) "$QF" || exit 1
printf '$ORIGIN fill.test.\n$TTL 3600\n@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ IN NS ns1\nns1 IN A 192.0.2.53\n* IN A 192.0.2.1\n' > "$T/fill.test.zone"
PORT_UP=$(free_port)
# nsd_conf DIR ADDR PORT ZONE FILE [ZONE FILE...]: an NSD config in DIR.
nsd_conf() {
    d=$1; a=$2; p=$3; shift 3
    mkdir -p "$d"
    cat > "$d/nsd.conf" <<EOF
server:
  ip-address: $a@$p
  port: $p
  username: ""
  chroot: ""
  zonesdir: "$d"
  pidfile: "$d/nsd.pid"
  database: ""
  xfrdfile: "$d/xfrd.state"
  zonelistfile: "$d/zone.list"
  xfrdir: "$d"
  server-count: 1
  verbosity: 0
  rrl-ratelimit: 0
  rrl-whitelist-ratelimit: 0
  refuse-any: no
remote-control:
  control-enable: no
EOF
    while [ $# -ge 2 ]; do
        printf 'zone:\n  name: "%s"\n  zonefile: "%s"\n' "$1" "$2" >> "$d/nsd.conf"
        shift 2
    done
}
nsd_conf "$T/up" 127.0.0.1 "$PORT_UP" bench.test "$ZONE" fill.test "$T/fill.test.zone"
start nsd-up nsd -d -c "$T/up/nsd.conf"
SID_UP=$SPID
if ! wait_dns "$PORT_UP" bench.test SOA "$SID_UP" 30; then
    echo "upstream NSD did not start:"; tail -5 "$T/nsd-up.log" | sed 's/^/  | /'; exit 1
fi

# unbound_conf FILE PORT CACHE EXTRA...: unbound config, one thread.
unbound_conf() {
    f=$1; p=$2; c=$3; shift 3
    cat > "$f" <<EOF
server:
  interface: 127.0.0.1
  port: $p
  num-threads: 1
  do-daemonize: no
  chroot: ""
  username: ""
  directory: "$T/ub"
  pidfile: "$T/ub/unbound.$p.pid"
  use-syslog: no
  logfile: ""
  verbosity: 0
  module-config: "iterator"
  msg-cache-size: $c
  rrset-cache-size: $c
  key-cache-size: 1m
  neg-cache-size: 64m
  do-not-query-localhost: no
  access-control: 127.0.0.0/8 allow
  so-reuseport: no
  extended-statistics: no
  statistics-interval: 0
  # unbound answers the RFC 6761 names (test., invalid., ...) itself
  local-zone: "test." nodefault
remote-control:
  control-enable: no
EOF
    for l in "$@"; do printf '%s\n' "$l" >> "$f"; done
}

# dnsvizor's resolver may not be there yet: it is run when it answers.
DV_OK=0
[ -x "$DV" ] || echo "dnsvizor: $DV not built (its side is skipped)"

# ------------------------------------------------------------ part 1
hits() {
echo
echo "-- cache hits: upstream NSD with bench.test ($NAMES names); query file: $(wc -l < "$QF") distinct questions"
echo "   dnsperf -l $SECS -c $CLIENTS -T $THREADS, $ROUNDS rounds taking turns, after one warm-up pass each"
PORT_DV=$(free_port); PORT_UB=$(free_port); PORT_DM=$(free_port)
up=""
if [ -x "$DV" ]; then
    start dnsvizor "$DV" --no-hosts --listen-address=127.0.0.1 --port="$PORT_DV" \
        --state-dir="$T/dv" --no-resolv --server="127.0.0.1#$PORT_UP" \
        --allow-loopback-upstream --cache-size=$((NAMES * 4))
    SID_DV=$SPID
    if wait_dns "$PORT_DV" h1.bench.test A "$SID_DV" 15; then
        DV_OK=1; up="$up dnsvizor:$PORT_DV:$SID_DV"
    else
        echo "dnsvizor: does not resolve through a forwarder yet (skipped):"
        tail -3 "$T/dnsvizor.log" | sed 's/^/  | /'
        stop_pid "$SID_DV"
    fi
fi
unbound_conf "$T/ub/hits.conf" "$PORT_UB" 256m \
    'forward-zone:' '  name: "."' "  forward-addr: 127.0.0.1@$PORT_UP"
start unbound unbound -d -c "$T/ub/hits.conf"
SID_UB=$SPID
if wait_dns "$PORT_UB" h1.bench.test A "$SID_UB" 15; then up="$up unbound:$PORT_UB:$SID_UB"
else echo "unbound did not start:"; tail -5 "$T/unbound.log" | sed 's/^/  | /'; fi
start dnsmasq dnsmasq -k --conf-file=/dev/null --port="$PORT_DM" \
    --listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts \
    --server="127.0.0.1#$PORT_UP" --cache-size=$((NAMES * 4)) \
    --pid-file="$T/dnsmasq.pid" --user=root
SID_DM=$SPID
if wait_dns "$PORT_DM" h1.bench.test A "$SID_DM" 15; then up="$up dnsmasq:$PORT_DM:$SID_DM"
else echo "dnsmasq did not start:"; tail -5 "$T/dnsmasq.log" | sed 's/^/  | /'; fi

# warm: every question once, then a second pass must be all cache hits
for s in $up; do
    IFS=: read -r n p sid <<EOF
$s
EOF
    timeout 120 dnsperf -s 127.0.0.1 -p "$p" -d "$QF" -n 1 -c 1 -q 20 -t 5 > "$T/warm.$n" 2>&1
    u0=$(cpu_ticks "$SID_UP")
    timeout 120 dnsperf -s 127.0.0.1 -p "$p" -d "$QF" -n 1 -c 1 -q 20 -t 5 > "$T/warm2.$n" 2>&1
    u1=$(cpu_ticks "$SID_UP")
    printf '  warm %-9s pass 1: completed %s lost %s; pass 2: NOERROR %s NXDOMAIN %s lost %s, upstream CPU %s ticks\n' "$n" \
        "$(awk '/Queries completed/ { print $3 }' "$T/warm.$n")" "$(awk '/Queries lost/ { print $3 }' "$T/warm.$n")" \
        "$(rcode_count "$T/warm2.$n" NOERROR)" "$(rcode_count "$T/warm2.$n" NXDOMAIN)" \
        "$(awk '/Queries lost/ { print $3 }' "$T/warm2.$n")" $((u1 - u0))
done

: > "$T/results"
run_one() {
    c0=$(cpu_ticks "$3"); u0=$(cpu_ticks "$SID_UP")
    timeout "$TMO" dnsperf -s 127.0.0.1 -p "$2" -d "$QF" -l "$SECS" \
        -c "$CLIENTS" -T "$THREADS" -t 2 > "$T/dnsperf.$1" 2>&1
    rc=$?
    c1=$(cpu_ticks "$3"); u1=$(cpu_ticks "$SID_UP")
    qps=$(awk '/Queries per second/ { print $4 }' "$T/dnsperf.$1")
    done_=$(awk '/Queries completed/ { print $3 }' "$T/dnsperf.$1")
    lost=$(awk '/Queries lost/ { print $3 }' "$T/dnsperf.$1")
    if [ -z "$qps" ] || [ -z "$done_" ]; then
        echo "$1: dnsperf failed (rc $rc):"; sed 's/^/  | /' "$T/dnsperf.$1" | tail -5
        return 1
    fi
    cpu=$(awk -v a="$c0" -v b="$c1" -v hz="$HZ" 'BEGIN { printf "%.2f", (b - a) / hz }')
    qpc=$(awk -v n="$done_" -v c="$cpu" 'BEGIN { if (c > 0) printf "%.0f", n / c; else print 0 }')
    printf '  round %s %-9s %8.0f q/s %8s q/CPU-s  (completed %s, lost %s, server CPU %ss, NOERROR %s NXDOMAIN %s, upstream CPU %s ticks)\n' \
        "$4" "$1" "$qps" "$qpc" "$done_" "$lost" "$cpu" "$(rcode_count "$T/dnsperf.$1" NOERROR)" \
        "$(rcode_count "$T/dnsperf.$1" NXDOMAIN)" $((u1 - u0))
    echo "$1 $qps $qpc" >> "$T/results"
}
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
for s in $up; do stop_pid "${s##*:}"; done
awk '
{ n[$1]++; q[$1, n[$1]] = $2; c[$1, n[$1]] = $3 }
function med(arr, s, k,   i, j, m, v, x) {
    m = 0; for (i = 1; i <= k; i++) v[++m] = arr[s, i]
    for (i = 2; i <= m; i++) { x = v[i]; j = i - 1; while (j > 0 && v[j] > x) { v[j + 1] = v[j]; j-- } v[j + 1] = x }
    return (m % 2) ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
}
END {
    print "median over rounds:"
    split("dnsvizor unbound dnsmasq", names, " ")
    for (i = 1; i <= 3; i++) { s = names[i]; if (s in n) {
        Q[s] = med(q, s, n[s]); C[s] = med(c, s, n[s])
        printf "  %-9s %8.0f q/s %8.0f q/CPU-s\n", s, Q[s], C[s] } }
    if (!("dnsvizor" in Q)) { print "ratios: no dnsvizor result"; exit }
    if ("unbound" in Q && Q["unbound"] > 0 && C["unbound"] > 0)
        printf "ratio dnsvizor/unbound: %.2f (queries/s)  %.2f (queries per CPU-second; goal >= 2)\n",
            Q["dnsvizor"] / Q["unbound"], C["dnsvizor"] / C["unbound"]
    if ("dnsmasq" in Q && Q["dnsmasq"] > 0 && C["dnsmasq"] > 0)
        printf "ratio dnsvizor/dnsmasq: %.2f (queries/s)  %.2f (queries per CPU-second)\n",
            Q["dnsvizor"] / Q["dnsmasq"], C["dnsvizor"] / C["dnsmasq"]
}' "$T/results"
}
if [ "${RBENCH_SKIP_HITS:-0}" = 1 ]; then
    # still find out whether dnsvizor resolves (parts 2 and 3 need it)
    p=$(free_port)
    start dv-probe "$DV" --no-hosts --listen-address=127.0.0.1 --port="$p" \
        --state-dir="$T/dv" --no-resolv --server="127.0.0.1#$PORT_UP" --allow-loopback-upstream
    wait_dns "$p" h1.bench.test A "$SPID" 15 && DV_OK=1
    stop_pid "$SPID"
else
    hits
fi

# ------------------------------------------------------------ part 2
cold() {
    # three addresses 127.53.X.1-3 whose port 53 is free (UDP and TCP)
    NET=$(python3 -c '
import random, socket, sys
for _ in range(40):
    x = random.randint(1, 254); ok = True
    for h in (1, 2, 3):
        a = "127.53.%d.%d" % (x, h)
        try:
            t = socket.socket(); t.bind((a, 53)); u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind((a, 53))
            t.close(); u.close()
        except OSError:
            ok = False; break
    if ok:
        print("127.53.%d" % x); sys.exit(0)
sys.exit(1)') || { echo "cold: no free 127.53.X.1-3 port 53 (skipped)"; return 0; }
    N="$T/net"
    timeout 120 $RGEN internet "$N" "$NET.1" "$NET.2" "$NET.3" "$CZONES" "$CNAMES" || return 1
    nsd_conf "$N/root" "$NET.1" 53 . "$N/root.zone" bench. "$N/bench.zone"
    nsd_conf "$N/tld" "$NET.2" 53 test. "$N/test.zone"
    set --
    while read -r z f; do set -- "$@" "$z" "$f"; done < "$N/zones.list"
    nsd_conf "$N/sld" "$NET.3" 53 "$@"
    start nsd-root nsd -d -c "$N/root/nsd.conf"; s1=$SPID
    start nsd-tld nsd -d -c "$N/tld/nsd.conf"; s2=$SPID
    start nsd-sld nsd -d -c "$N/sld/nsd.conf"; s3=$SPID
    sids="$s1 $s2 $s3"
    wait_dns 53 . SOA "$s1" 30 "$NET.1" && wait_dns 53 test SOA "$s2" 30 "$NET.2" &&
        wait_dns 53 h0.z0.test A "$s3" 30 "$NET.3" ||
        { echo "cold: NSDs did not start"; tail -3 "$T"/nsd-*.log; for s in $sids; do stop_pid "$s"; done; return 1; }
    total=$((CZONES * CNAMES))
    echo
    echo "-- cold resolution: root $NET.1 -> test. $NET.2 -> $CZONES zones z<k>.test at $NET.3, $CNAMES names each;"
    echo "   $total names resolved once each from an empty cache, one at a time (dnsperf -c 1 -q 1)"
    for who in dnsvizor unbound; do
        p=$(free_port)
        if [ "$who" = dnsvizor ]; then
            [ "$DV_OK" = 1 ] || { echo "  dnsvizor: skipped (no resolver)"; continue; }
            extra=""
            "$DV" --help 2>&1 | grep -q -- '--ipv4-only' && extra="--ipv4-only"
            start dv-cold "$DV" --no-hosts --listen-address=127.0.0.1 --port="$p" \
                --state-dir="$T/dv" --no-resolv --root-hints="$N/hints" \
                --allow-loopback-upstream --cache-size=100000 $extra
        else
            unbound_conf "$T/ub/cold.conf" "$p" 64m "server:" "  root-hints: \"$N/hints\"" \
                '  do-ip6: no' '  qname-minimisation: yes'
            start ub-cold unbound -d -c "$T/ub/cold.conf"
        fi
        sid=$SPID
        # up when it answers for its own address (dnsvizor: local data; a
        # refusal or servfail also shows it is listening)
        end=$(( $(date +%s) + 15 ))
        while [ "$(date +%s)" -lt "$end" ] && kill -0 "$sid" 2>/dev/null; do
            ss -lun 2>/dev/null | grep -q "127.0.0.1:$p " && break; sleep 0.2
        done
        timeout 200 tcpdump -i lo -n -U --immediate-mode -w "$T/$who.pcap" \
            "dst net $NET.0/29 and dst port 53 and (udp or tcp[tcpflags] & tcp-syn != 0)" > "$T/tcpdump.log" 2>&1 &
        tdp=$!
        sleep 1
        # one name of the set by hand first (else 1000 names x dnsperf's
        # timeout when it does not resolve); counted with the rest
        if ! dig +time=5 +tries=1 -p "$p" @127.0.0.1 h0.z0.test A 2>/dev/null | grep -q 'status: NOERROR'; then
            echo "  $who: does not resolve h0.z0.test from the root hints (skipped):"
            tail -3 "$T/$(ls -t "$T" | grep -E '^(dv|ub)-cold.log' | head -1)" 2>/dev/null | sed 's/^/  | /'
            kill -INT "$tdp" 2>/dev/null; wait "$tdp" 2>/dev/null
            stop_pid "$sid"; continue
        fi
        c0=$(cpu_ticks "$sid")
        t0=$(date +%s.%N)
        timeout 120 dnsperf -s 127.0.0.1 -p "$p" -d "$N/cold.txt" -n 1 -c 1 -q 1 -t 3 > "$T/cold.$who" 2>&1
        t1=$(date +%s.%N)
        c1=$(cpu_ticks "$sid")
        rt=$(awk '/Run time/ { print $4 }' "$T/cold.$who")
        sleep 1
        kill -INT "$tdp" 2>/dev/null; wait "$tdp" 2>/dev/null
        [ -n "${RBENCH_PCAP_DIR:-}" ] && cp "$T/$who.pcap" "$RBENCH_PCAP_DIR/cold-$who.pcap"
        nq=$(tcpdump -n -r "$T/$who.pcap" 2>/dev/null | wc -l)
        ok=$(rcode_count "$T/cold.$who" NOERROR)
        lat=$(awk '/Average Latency/ { print $4 }' "$T/cold.$who")
        awk -v w="$who" -v n="$total" -v q="$nq" -v ok="${ok:-0}" -v a="$t0" -v b="$t1" \
            -v lat="${lat:-0}" -v rt="${rt:-0}" -v c0="$c0" -v c1="$c1" -v hz="$HZ" 'BEGIN {
            printf "  %-9s %5d/%d NOERROR  %5d upstream queries = %.2f per name;  %.3f ms per name (dnsperf avg latency; run %.2f s)  server CPU %.3f ms per name\n",
                w, ok, n, q, q / n, lat * 1000, rt, (c1 - c0) * 1000 / hz / n }'
        echo "$who $nq" >> "$T/cold.results"
        stop_pid "$sid"
    done
    for s in $sids; do stop_pid "$s"; done
    awk '{ q[$1] = $2 } END { if (q["dnsvizor"] > 0 && q["unbound"] > 0)
        printf "ratio dnsvizor/unbound upstream queries: %.2f\n", q["dnsvizor"] / q["unbound"] }' "$T/cold.results" 2>/dev/null
    return 0
}
[ "${RBENCH_SKIP_COLD:-0}" = 1 ] || cold

# ------------------------------------------------------------ part 3
[ "$FILL" -gt 0 ] || exit 0
echo
FF="$T/fill.txt"
timeout 120 $RGEN fill fill.test "$FILL" "$FF" || exit 1
# a sample spread evenly over the fill order (oldest to newest)
k=$((FILL / 2000)); [ "$k" -ge 1 ] || k=1
awk -v k="$k" 'NR % k == 0' "$FF" > "$T/sample.txt"
NS=$(wc -l < "$T/sample.txt")
echo "-- memory per cache entry: $FILL distinct names (*.fill.test A, wildcard at the upstream)"
echo "   dnsvizor --cache-size=$((FILL * 3))${RBENCH_FILL_MAX_BYTES:+ --cache-max-bytes=$RBENCH_FILL_MAX_BYTES}; unbound msg/rrset-cache-size 1500m"
for who in dnsvizor unbound; do
    p=$(free_port)
    if [ "$who" = dnsvizor ]; then
        [ "$DV_OK" = 1 ] || { echo "  dnsvizor: skipped (no resolver)"; continue; }
        start dv-fill "$DV" --no-hosts --listen-address=127.0.0.1 --port="$p" \
            --state-dir="$T/dv" --no-resolv --server="127.0.0.1#$PORT_UP" \
            --allow-loopback-upstream --cache-size=$((FILL * 3)) \
            ${RBENCH_FILL_MAX_BYTES:+--cache-max-bytes=$RBENCH_FILL_MAX_BYTES}
    else
        unbound_conf "$T/ub/fill.conf" "$p" 1500m \
            'forward-zone:' '  name: "."' "  forward-addr: 127.0.0.1@$PORT_UP"
        start ub-fill unbound -d -c "$T/ub/fill.conf"
    fi
    sid=$SPID
    wait_dns "$p" x.fill.test A "$sid" 15 || { echo "  $who: did not start"; stop_pid "$sid"; continue; }
    r0=$(rss_kb "$sid")
    t0=$(date +%s.%N)
    timeout 600 dnsperf -s 127.0.0.1 -p "$p" -d "$FF" -n 1 -c 2 -q 200 -t 5 > "$T/fill.$who" 2>&1
    t1=$(date +%s.%N)
    r1=$(rss_kb "$sid")
    ok=$(rcode_count "$T/fill.$who" NOERROR)
    awk -v w="$who" -v n="$FILL" -v ok="${ok:-0}" -v a="$r0" -v b="$r1" -v t0="$t0" -v t1="$t1" 'BEGIN {
        printf "  %-9s filled %d/%d NOERROR in %.1f s; VmRSS %d KB -> %d KB: %.0f bytes per name (answer/message + RRset entry)\n",
            w, ok, n, t1 - t0, a, b, (b - a) * 1024 / n }'
    eval "SID_FILL_$who=\$sid PORT_FILL_$who=\$p R0_$who=\$r0 R1_$who=\$r1"
done
# Still cached?  Ask a sample of NS names spread evenly over the fill while
# tcpdump counts the queries the resolver sends to the upstream: each one is
# a name the cache no longer held (an entry-count or byte budget evicted
# it).  The kept share gives the names kept, and the bytes per kept name.
for who in dnsvizor unbound; do
    eval "sid=\${SID_FILL_$who:-} p=\${PORT_FILL_$who:-} r0=\${R0_$who:-0} r1=\${R1_$who:-0}"
    [ -n "$sid" ] || continue
    timeout 100 tcpdump -i lo -n -U --immediate-mode -w "$T/sample.pcap" \
        "udp and dst host 127.0.0.1 and dst port $PORT_UP" > "$T/tcpdump.log" 2>&1 &
    tdp=$!
    sleep 1
    timeout 60 dnsperf -s 127.0.0.1 -p "$p" -d "$T/sample.txt" -n 1 -c 1 -q 10 -t 3 > "$T/sample.$who" 2>&1
    sleep 1
    kill -INT "$tdp" 2>/dev/null; wait "$tdp" 2>/dev/null
    miss=$(tcpdump -n -r "$T/sample.pcap" 2>/dev/null | wc -l)
    ok=$(rcode_count "$T/sample.$who" NOERROR)
    awk -v w="$who" -v ok="${ok:-0}" -v m="$miss" -v ns="$NS" -v n="$FILL" -v a="$r0" -v b="$r1" 'BEGIN {
        kept = n * (ns - m) / ns
        printf "  %-9s sample of %d names (%d NOERROR): %d went upstream => ~%d names kept;", w, ns, ok, m, kept
        if (kept > 0) printf " %.0f bytes per kept name", (b - a) * 1024 / kept
        printf "\n" }'
    stop_pid "$sid"
done
exit 0
