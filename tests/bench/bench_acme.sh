#!/bin/sh
# ACME DNS-01 benchmark (issue 6), run at the end of tests/bench/bench.sh
# (skip with BENCH_SKIP_ACME=1) or alone: sh tests/bench/bench_acme.sh.
# Not a test.
#
# Time from start to an installed certificate against a local pebble
# (PEBBLE_VA_NOSLEEP=1, PEBBLE_VA_ALWAYS_VALID unset, a new account each
# run):
#   dnsvizor  dnsvizor alone: primary for the zone, --acme-cert; from
#             starting the process until STATE/certs/NAME.crt exists;
#   lego      lego (rfc2136 provider, TSIG) against knotd as the primary
#             (knotd already running): from starting `lego run` until its
#             .crt exists.
# pebble asks the server that holds the zone in each case (-dnsserver).
# ACME_ROUNDS rounds (default 3), each with a fresh pebble per tool;
# medians and the ratio lego/dnsvizor (> 1: dnsvizor is faster).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DV=${DNSVIZOR:-$ROOT/build/dnsvizor}
ROUNDS=${ACME_ROUNDS:-3}
ZONE=acme.bench
NAME=www.acme.bench
KEY=x._update.acme.bench
SECRET=$(printf '%s' "dnsvizor-acme-bench-tsig-secret!" | base64)

for t in pebble lego knotd openssl python3; do
    command -v "$t" >/dev/null 2>&1 || { echo "bench_acme: $t missing (run contrib/deps.sh)" >&2; exit 1; }
done
[ -x "$DV" ] || { echo "bench_acme: $DV not built" >&2; exit 1; }

. "$ROOT/tests/bench/lib.sh"
bench_tmp /tmp/dv-bench-acme.XXXXXX

now() { date +%s.%N; }

# wait_file PATH PID SECONDS: until PATH exists (bounded); 0 or 1.
wait_file() {
    end=$(( $(date +%s) + $3 ))
    while [ "$(date +%s)" -lt "$end" ]; do
        [ -s "$1" ] && return 0
        kill -0 "$2" 2>/dev/null || { [ -s "$1" ] && return 0; return 1; }
        sleep 0.01
    done
    return 1
}

cat > "$T/zone" <<EOF
\$ORIGIN $ZONE.
\$TTL 300
@    IN SOA ns1 hostmaster 1 3600 900 604800 60
@    IN NS  ns1
ns1  IN A   127.0.0.1
www  IN A   127.0.0.1
EOF
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -days 2 -subj /CN=localhost -keyout "$T/pk.pem" -out "$T/pc.pem" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1 || exit 1

# pebble DNSPORT: start a pebble asking DNSPORT; sets PEB_PID and PEB_URL.
pebble_start() {
    pp=$(free_port); mp=$(free_port)
    cat > "$T/pebble.json" <<EOF
{"pebble": {"listenAddress": "127.0.0.1:$pp", "managementListenAddress": "127.0.0.1:$mp",
 "certificate": "$T/pc.pem", "privateKey": "$T/pk.pem", "httpPort": $(free_port),
 "tlsPort": $(free_port), "ocspResponderURL": "", "externalAccountBindingRequired": false}}
EOF
    env -u PEBBLE_VA_ALWAYS_VALID PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 \
        PEBBLE_AUTHZREUSE=0 setsid pebble -config "$T/pebble.json" -strict=false \
        -dnsserver "127.0.0.1:$1" > "$T/pebble.log" 2>&1 &
    PEB_PID=$!
    PIDS="$PIDS $PEB_PID"
    PEB_URL="https://127.0.0.1:$pp/dir"
    i=0
    until curl -s --cacert "$T/pc.pem" "$PEB_URL" >/dev/null 2>&1; do
        i=$((i + 1)); [ $i -gt 100 ] && { echo "pebble did not start"; return 1; }
        sleep 0.1
    done
}

run_dnsvizor() { # ROUND
    d="$T/dv$1"; mkdir -p "$d/state"
    port=$(free_port)
    pebble_start "$port" || return 1
    t0=$(now)
    setsid "$DV" --no-hosts --no-recursion --listen-address=127.0.0.1 --port="$port" \
        --state-dir="$d/state" --zone="$ZONE,$T/zone" --acme-directory="$PEB_URL" \
        --acme-ca-file="$T/pc.pem" --acme-agree-tos --acme-email=h@acme.bench \
        --acme-cert="$NAME" > "$d/log" 2>&1 &
    pid=$!; PIDS="$PIDS $pid"
    if wait_file "$d/state/certs/$NAME.crt" "$pid" 60; then
        t1=$(now)
        echo "dnsvizor $(echo "$t1 $t0" | awk '{ print $1 - $2 }')" >> "$T/results"
        printf '  round %s dnsvizor %6.2f s\n' "$1" "$(echo "$t1 $t0" | awk '{ print $1 - $2 }')"
    else
        echo "  round $1 dnsvizor: no certificate"; tail -5 "$d/log" | sed 's/^/  | /'
    fi
    stop_pid "$pid"; stop_pid "$PEB_PID"
}

run_lego() { # ROUND
    d="$T/lego$1"; mkdir -p "$d/knot" "$d/lego"
    port=$(free_port)
    cp "$T/zone" "$d/knot/$ZONE.zone"
    cat > "$d/knot.conf" <<EOF
server:
    rundir: "$d/knot"
    listen: 127.0.0.1@$port
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: stderr
    any: warning
database:
    storage: "$d/knot"
key:
  - id: $KEY
    algorithm: hmac-sha256
    secret: $SECRET
acl:
  - id: upd
    key: $KEY
    action: update
template:
  - id: default
    storage: "$d/knot"
    zonefile-sync: -1
    journal-content: changes
zone:
  - domain: $ZONE
    file: "$d/knot/$ZONE.zone"
    acl: upd
EOF
    setsid knotd -c "$d/knot.conf" > "$d/knot.log" 2>&1 &
    kpid=$!; PIDS="$PIDS $kpid"
    i=0
    until dig +time=1 +tries=1 -p "$port" @127.0.0.1 "$ZONE" SOA 2>/dev/null | grep -q 'status: NOERROR'; do
        i=$((i + 1)); [ $i -gt 100 ] && { echo "knotd did not start"; tail -3 "$d/knot.log"; return 1; }
        sleep 0.1
    done
    pebble_start "$port" || return 1
    t0=$(now)
    LEGO_CA_CERTIFICATES="$T/pc.pem" RFC2136_NAMESERVER="127.0.0.1:$port" \
    RFC2136_TSIG_KEY="$KEY" RFC2136_TSIG_SECRET="$SECRET" \
    RFC2136_TSIG_ALGORITHM="hmac-sha256." RFC2136_TTL=60 \
    RFC2136_PROPAGATION_TIMEOUT=20 RFC2136_POLLING_INTERVAL=1 \
    RFC2136_SEQUENCE_INTERVAL=1 \
        timeout 60 lego --server "$PEB_URL" --accept-tos --email h@acme.bench \
        --path "$d/lego" --key-type ec256 --dns rfc2136 --dns.disable-cp \
        --dns.resolvers "127.0.0.1:$port" --domains "$NAME" run > "$d/lego.log" 2>&1
    rc=$?
    t1=$(now)
    if [ "$rc" = 0 ] && [ -s "$d/lego/certificates/$NAME.crt" ]; then
        echo "lego $(echo "$t1 $t0" | awk '{ print $1 - $2 }')" >> "$T/results"
        printf '  round %s lego     %6.2f s\n' "$1" "$(echo "$t1 $t0" | awk '{ print $1 - $2 }')"
    else
        echo "  round $1 lego: failed (rc $rc)"; tail -5 "$d/lego.log" | sed 's/^/  | /'
    fi
    stop_pid "$kpid"; stop_pid "$PEB_PID"
}

echo
echo "-- ACME DNS-01 against pebble: start to installed certificate, $ROUNDS rounds"
echo "   $("$DV" --version | head -1) / $(lego --version 2>&1 | head -1) / $(knotd -V 2>&1 | head -1)"
: > "$T/results"
r=1
while [ "$r" -le "$ROUNDS" ]; do
    run_dnsvizor "$r"
    run_lego "$r"
    r=$((r + 1))
done
awk '
{ n[$1]++; v[$1, n[$1]] = $2 }
function med(s,   i, j, m, a, x) {
    m = n[s]; for (i = 1; i <= m; i++) a[i] = v[s, i]
    for (i = 2; i <= m; i++) { x = a[i]; j = i - 1; while (j > 0 && a[j] > x) { a[j + 1] = a[j]; j-- } a[j + 1] = x }
    return (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
}
END {
    print "median over rounds:"
    if ("dnsvizor" in n) printf "  dnsvizor alone          %6.2f s\n", D = med("dnsvizor")
    if ("lego" in n)     printf "  lego (rfc2136) + knotd  %6.2f s\n", L = med("lego")
    if (("dnsvizor" in n) && ("lego" in n) && D > 0)
        printf "ratio lego/dnsvizor: %.2f (time to certificate; > 1: dnsvizor faster)\n", L / D
}' "$T/results"
exit 0
