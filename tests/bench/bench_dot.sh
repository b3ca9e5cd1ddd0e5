#!/bin/sh
# DNS over TLS / HTTPS benchmark (issue 6): dnsvizor vs unbound, cache hits.
# Run at the end of tests/bench/bench.sh (skip with BENCH_SKIP_DOT=1) or
# alone: sh tests/bench/bench_dot.sh.  Not a test.
#
# One NSD (server-count 1, RRL off) on a free loopback port serves
# bench.test (gen.py zone, DBENCH_NAMES names).  dnsvizor (--server to it,
# --dot-port, --doh-port) and unbound (num-threads 1, forward-zone "." to
# it, module-config iterator, tls-port and https-port with the same
# throw-away certificate) each forward to it.  Both are warmed over UDP
# with one pass of the query file (every question once), so the measured
# runs are cache hits.  Then dnsperf -m dot and -m doh (POST, HTTP/2) run
# against each in turn, BENCH_ROUNDS rounds, -c BENCH_CLIENTS connections.
# Printed: queries/s and queries per server CPU-second (utime+stime from
# /proc before and after), medians and the ratio dnsvizor/unbound.
#
# Environment: DNSVIZOR, BENCH_SECONDS (10), BENCH_CLIENTS (4),
# BENCH_ROUNDS (3), DBENCH_NAMES (10000).  Servers and the temp dir are
# removed on exit; every step is bounded.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DV=${DNSVIZOR:-$ROOT/build/dnsvizor}
SECS=${BENCH_SECONDS:-10}
CLIENTS=${BENCH_CLIENTS:-4}
ROUNDS=${BENCH_ROUNDS:-3}
NAMES=${DBENCH_NAMES:-10000}
TMO=$((SECS + 30))

for t in dnsperf nsd unbound dig openssl python3; do
    command -v "$t" >/dev/null 2>&1 || { echo "bench_dot: $t missing (run contrib/deps.sh)" >&2; exit 1; }
done
[ -x "$DV" ] || { echo "bench_dot: $DV not built" >&2; exit 1; }

. "$ROOT/tests/bench/lib.sh"
bench_tmp /tmp/dv-dbench.XXXXXX

HZ=$(getconf CLK_TCK)
echo
echo "== DoT/DoH benchmark  $(date -u '+%Y-%m-%d %H:%M:%S UTC')  $(nproc) CPUs"
echo "   $("$DV" --version 2>/dev/null | head -1) / $(unbound -V 2>&1 | head -1) / $(dnsperf -h 2>&1 | grep -i version | head -1)"

# ------------------------------------------------------------ set-up
ZONE="$T/bench.test.zone"
QF="$T/hits.txt"
timeout 120 python3 "$ROOT/tests/bench/gen.py" zone bench.test "$NAMES" "$ZONE" || exit 1
timeout 120 python3 "$ROOT/tests/bench/resolver_gen.py" hits bench.test "$NAMES" $((NAMES / 20)) "$QF" || exit 1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" > /dev/null 2>&1 || exit 1

PORT_UP=$(free_port)
mkdir -p "$T/up" "$T/dv" "$T/ub"
cat > "$T/up/nsd.conf" <<EOF
server:
  ip-address: 127.0.0.1@$PORT_UP
  port: $PORT_UP
  username: ""
  chroot: ""
  zonesdir: "$T"
  pidfile: "$T/up/nsd.pid"
  database: ""
  xfrdfile: "$T/up/xfrd.state"
  zonelistfile: "$T/up/zone.list"
  xfrdir: "$T/up"
  server-count: 1
  verbosity: 0
  rrl-ratelimit: 0
  rrl-whitelist-ratelimit: 0
remote-control:
  control-enable: no
zone:
  name: "bench.test"
  zonefile: "$ZONE"
EOF
start nsd nsd -d -c "$T/up/nsd.conf"
SID_UP=$SPID
wait_dns "$PORT_UP" h1.bench.test A "$SID_UP" 30 ||
    { echo "NSD did not start:"; tail -5 "$T/nsd.log"; exit 1; }

P_DV=$(free_port); DOT_DV=$(free_port); DOH_DV=$(free_port)
P_UB=$(free_port); DOT_UB=$(free_port); DOH_UB=$(free_port)
start dnsvizor "$DV" --no-hosts --listen-address=127.0.0.1 --port="$P_DV" \
    --dot-port="$DOT_DV" --doh-port="$DOH_DV" --tls-cert="$T/cert.pem" \
    --tls-key="$T/key.pem" --tcp-max-connections=1024 \
    --state-dir="$T/dv" --no-resolv --server="127.0.0.1#$PORT_UP" \
    --allow-loopback-upstream --cache-size=$((NAMES * 4))
SID_DV=$SPID
cat > "$T/ub/unbound.conf" <<EOF
server:
  interface: 127.0.0.1@$P_UB
  interface: 127.0.0.1@$DOT_UB
  interface: 127.0.0.1@$DOH_UB
  tls-port: $DOT_UB
  https-port: $DOH_UB
  tls-service-key: "$T/key.pem"
  tls-service-pem: "$T/cert.pem"
  num-threads: 1
  do-daemonize: no
  chroot: ""
  username: ""
  directory: "$T/ub"
  pidfile: "$T/ub/unbound.pid"
  use-syslog: no
  logfile: ""
  verbosity: 0
  module-config: "iterator"
  msg-cache-size: 256m
  rrset-cache-size: 256m
  do-not-query-localhost: no
  access-control: 127.0.0.0/8 allow
  incoming-num-tcp: 1024
  so-reuseport: no
  local-zone: "test." nodefault
remote-control:
  control-enable: no
forward-zone:
  name: "."
  forward-addr: 127.0.0.1@$PORT_UP
EOF
start unbound unbound -d -c "$T/ub/unbound.conf"
SID_UB=$SPID
up=""
for s in "dnsvizor $P_DV $SID_DV $DOT_DV $DOH_DV" "unbound $P_UB $SID_UB $DOT_UB $DOH_UB"; do
    set -- $s
    if wait_dns "$2" h1.bench.test A "$3" 20; then
        timeout 120 dnsperf -s 127.0.0.1 -p "$2" -d "$QF" -n 1 -c 1 -q 20 -t 5 > "$T/warm.$1" 2>&1
        up="$up $1:$3:$4:$5"
        echo "  warm $1: completed $(awk '/Queries completed/ { print $3 }' "$T/warm.$1") over UDP"
    else
        echo "$1 did not start:"; tail -5 "$T/$1.log" | sed 's/^/  | /'
    fi
done

# run_one NAME MODE PORT SID ROUND
run_one() {
    extra=""
    [ "$2" = doh ] && extra="-O doh-uri=https://127.0.0.1:$3/dns-query -O doh-method=POST"
    c0=$(cpu_ticks "$4")
    # shellcheck disable=SC2086
    timeout "$TMO" dnsperf -m "$2" -s 127.0.0.1 -p "$3" -d "$QF" -l "$SECS" \
        -c "$CLIENTS" -t 2 $extra > "$T/dnsperf.$1.$2" 2>&1
    rc=$?
    c1=$(cpu_ticks "$4")
    qps=$(awk '/Queries per second/ { print $4 }' "$T/dnsperf.$1.$2")
    done_=$(awk '/Queries completed/ { print $3 }' "$T/dnsperf.$1.$2")
    lost=$(awk '/Queries lost/ { print $3 }' "$T/dnsperf.$1.$2")
    if [ -z "$qps" ] || [ -z "$done_" ] || [ "$done_" = 0 ]; then
        echo "  $1 $2: dnsperf failed (rc $rc):"; tail -4 "$T/dnsperf.$1.$2" | sed 's/^/  | /'
        return 1
    fi
    cpu=$(awk -v a="$c0" -v b="$c1" -v hz="$HZ" 'BEGIN { printf "%.2f", (b - a) / hz }')
    qpc=$(awk -v n="$done_" -v c="$cpu" 'BEGIN { if (c > 0) printf "%.0f", n / c; else print 0 }')
    printf '  round %s %-4s %-9s %8.0f q/s %8s q/CPU-s  (completed %s, lost %s, server CPU %ss)\n' \
        "$5" "$2" "$1" "$qps" "$qpc" "$done_" "$lost" "$cpu"
    echo "$2 $1 $qps $qpc" >> "$T/results"
}

echo "-- dnsperf -m dot / -m doh (POST), -l $SECS -c $CLIENTS, $ROUNDS rounds taking turns; $(wc -l < "$QF") distinct questions, all cache hits"
: > "$T/results"
r=1
while [ "$r" -le "$ROUNDS" ]; do
    for mode in dot doh; do
        for s in $up; do
            IFS=: read -r n sid dot doh <<EOF
$s
EOF
            if [ "$mode" = dot ]; then port=$dot; else port=$doh; fi
            run_one "$n" "$mode" "$port" "$sid" "$r"
        done
    done
    r=$((r + 1))
done

awk '
{ k = $1 " " $2; n[k]++; q[k, n[k]] = $3; c[k, n[k]] = $4 }
function med(arr, s, m,   i, j, v, x) {
    for (i = 1; i <= m; i++) v[i] = arr[s, i]
    for (i = 2; i <= m; i++) { x = v[i]; j = i - 1; while (j > 0 && v[j] > x) { v[j + 1] = v[j]; j-- } v[j + 1] = x }
    return (m % 2) ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
}
END {
    print "median over rounds:"
    split("dot doh", modes, " ")
    for (i = 1; i <= 2; i++) {
        md = modes[i]
        split("dnsvizor unbound", names, " ")
        for (j = 1; j <= 2; j++) { k = md " " names[j]; if (k in n) {
            Q[k] = med(q, k, n[k]); C[k] = med(c, k, n[k])
            printf "  %-4s %-9s %8.0f q/s %8.0f q/CPU-s\n", md, names[j], Q[k], C[k] } }
        a = md " dnsvizor"; b = md " unbound"
        if ((a in Q) && (b in Q) && Q[b] > 0 && C[b] > 0)
            printf "ratio %s dnsvizor/unbound: %.2f (queries/s)  %.2f (queries per CPU-second)\n",
                md, Q[a] / Q[b], C[a] / C[b]
    }
}' "$T/results"
exit 0
