#!/bin/sh
# DHCPv4 benchmark (called from bench.sh; not a test): full DORA exchanges
# per second for many distinct clients, dnsvizor (durable: every ACK waits
# for its lease journal fdatasync, group-committed) vs kea-dhcp4 (memfile
# lease file, persist=true) vs dnsmasq (its lease file), one after the
# other on the same network-namespace pair with the same load generator
# (perfdhcp from kea-admin, acting as a relay: giaddr = its address).
# The state/lease files live under /var/tmp (a disk, not tmpfs).
#
# Environment: DNSVIZOR (binary), BENCH_DHCP_RATE (perfdhcp -r, offered
# exchanges/s, default 20000), BENCH_DHCP_CLIENTS (-R distinct clients,
# 5000), BENCH_DHCP_SECONDS (-p, 10), BENCH_DHCP_MAX (-n most exchanges,
# 200000).  Needs root (namespaces).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DV=${DNSVIZOR:-$ROOT/build/dnsvizor}
RATE=${BENCH_DHCP_RATE:-20000}
CLIENTS=${BENCH_DHCP_CLIENTS:-5000}
SECS=${BENCH_DHCP_SECONDS:-10}
MAX=${BENCH_DHCP_MAX:-200000}

for t in perfdhcp kea-dhcp4 dnsmasq ip; do
    command -v "$t" >/dev/null 2>&1 || { echo "bench_dhcp: $t missing (run contrib/deps.sh)" >&2; exit 1; }
done
[ -x "$DV" ] || { echo "bench_dhcp: $DV not built" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "bench_dhcp: needs root (network namespaces)" >&2; exit 1; }

TAG=$$
S=dvbs$TAG; C=dvbc$TAG; VS=dvb${TAG}s; VC=dvb${TAG}c
T=$(mktemp -d /var/tmp/dv-bench-dhcp.XXXXXX)
PID=""
cleanup() {
    [ -n "$PID" ] && { kill "$PID" 2>/dev/null; sleep 0.5; kill -9 "$PID" 2>/dev/null; }
    ip netns del "$S" 2>/dev/null; ip netns del "$C" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$S" && ip netns add "$C" &&
ip link add "$VS" netns "$S" type veth peer name "$VC" netns "$C" &&
ip -n "$S" addr add 10.250.0.1/16 dev "$VS" && ip -n "$S" link set "$VS" up &&
ip -n "$S" link set lo up &&
ip -n "$C" addr add 10.250.0.2/16 dev "$VC" && ip -n "$C" link set "$VC" up &&
ip -n "$C" link set lo up || { echo "bench_dhcp: cannot set up namespaces" >&2; exit 1; }

# run NAME CMD...: start the server in $S, run perfdhcp, print its rate.
run() {
    name=$1; shift
    ip netns exec "$S" "$@" > "$T/$name.log" 2>&1 &
    PID=$!
    sleep 1.5
    if ! kill -0 "$PID" 2>/dev/null; then
        echo "bench_dhcp: $name did not start: $(tail -3 "$T/$name.log")" >&2
        PID=""; echo 0; return
    fi
    timeout $((SECS + 60)) ip netns exec "$C" perfdhcp -4 -l "$VC" \
        -r "$RATE" -R "$CLIENTS" -n "$MAX" -p "$SECS" 10.250.0.1 \
        > "$T/$name.perf" 2>&1
    kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; PID=""
    r=$(sed -n 's/^Rate: \([0-9.]*\) 4-way.*/\1/p' "$T/$name.perf" | head -1)
    drops=$(awk '/Statistics for: REQUEST-ACK/{f=1} f&&/^drops ratio/{print $3; exit}' "$T/$name.perf")
    echo "  $name: ${r:-0} DORA/s (REQUEST-ACK drops ${drops:-?}%)" >&2
    echo "${r:-0}"
}

mkdir -p "$T/dv" "$T/kea"
cat > "$T/kea/kea.json" <<EOF
{ "Dhcp4": {
    "interfaces-config": { "interfaces": [ "$VS" ], "dhcp-socket-type": "udp" },
    "lease-database": { "type": "memfile", "persist": true,
                        "name": "$T/kea/leases.csv", "lfc-interval": 0 },
    "valid-lifetime": 43200,
    "authoritative": true,
    "subnet4": [ { "id": 1, "subnet": "10.250.0.0/16",
                   "pools": [ { "pool": "10.250.1.0 - 10.250.250.255" } ] } ],
    "loggers": [ { "name": "kea-dhcp4", "severity": "WARN",
                   "output_options": [ { "output": "stderr" } ] } ]
} }
EOF

echo "DHCP: DORA exchanges/s, perfdhcp -r $RATE -R $CLIENTS -p $SECS (relay mode), one server at a time"
dv=$(run dnsvizor "$DV" --no-hosts --no-resolv --no-recursion \
    --listen-address=10.250.0.1 --port=5353 --state-dir="$T/dv" \
    --dhcp-range=10.250.1.0,10.250.250.255,12h --dhcp-lease-max=100000 \
    --dhcp-authoritative)
kea=$(KEA_PIDFILE_DIR="$T/kea" KEA_LOCKFILE_DIR="$T/kea" \
    run kea kea-dhcp4 -c "$T/kea/kea.json")
dm=$(run dnsmasq dnsmasq -d -k -p 0 --conf-file=/dev/null \
    --dhcp-range=10.250.1.0,10.250.250.255,12h --dhcp-lease-max=100000 \
    --dhcp-leasefile="$T/dnsmasq.leases" --dhcp-authoritative --no-ping --quiet-dhcp \
    -i "$VS" --pid-file="$T/dnsmasq.pid")
echo "dnsvizor $dv  kea-dhcp4 $kea  dnsmasq $dm (DORA/s)"
awk -v a="$dv" -v b="$kea" -v c="$dm" 'BEGIN {
    printf "ratio dnsvizor/kea-dhcp4 %s  dnsvizor/dnsmasq %s\n",
        (b > 0 ? sprintf("%.2f", a / b) : "n/a"),
        (c > 0 ? sprintf("%.2f", a / c) : "n/a") }'
