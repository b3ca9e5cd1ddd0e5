#!/bin/sh
# Signed-zone updates per second (issue 13), dnsvizor vs knotd in the same
# run.  Run at the end of tests/bench/bench.sh (skip with
# BENCH_SKIP_SIGNUPD=1) or alone: sh tests/bench/bench_sign.sh.  Not a test.
#
# For each zone size in SIGN_NAMES (default "10000 100000": gen.py zone,
# names with an A, every 10th an AAAA, every 50th an MX): the zone is
# served by dnsvizor with --dnssec-sign (ECDSA P-256, algorithm 13, CSK,
# NSEC) and by knotd with automatic signing (dnssec-signing: on, a policy
# with algorithm ecdsap256sha256, single-type-signing (a CSK), nsec3: off).
# Both are durable: dnsvizor answers an UPDATE once its journal record is
# fdatasync'ed; knotd keeps its changes in its journal (LMDB,
# journal-db-mode: robust, journal-content: changes, zonefile-sync: -1: the
# zone file is never rewritten) and answers once the journal transaction
# is committed (LMDB in robust mode syncs each commit: strace showed one
# fdatasync per acknowledged update with one client).  tests/bench/updload.c in mode "a" keeps SIGN_CLIENTS UDP
# clients busy for SIGN_SECONDS; each client's updates (unsigned, allowed
# by address) alternately add one A record at a new name and delete it
# again, one change per message, waiting for NOERROR before the next.
# SIGN_ROUNDS rounds, the servers taking turns; for each: updates
# acknowledged per second and per server CPU-second (utime+stime from
# /proc), medians and the ratios dnsvizor/knotd.
#
# Then, for each server: an AXFR (dig +onesoa) must pass ldns-verify-zone
# and hold exactly the A records the clients expect (the last acknowledged
# update of a client that added its RR: present; every other name of the
# run: absent).
#
# SIGN_DIR (default /var/tmp) holds the state of both servers (same file
# system); knotd runs with one UDP, one TCP and one background worker,
# dnsvizor is one thread.  Every step is bounded by timeout; the servers
# and the temp dir are removed on exit.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DV=${DNSVIZOR:-$ROOT/build/dnsvizor}
SECS=${SIGN_SECONDS:-10}
CLIENTS=${SIGN_CLIENTS:-8}
ROUNDS=${SIGN_ROUNDS:-3}
SIZES=${SIGN_NAMES:-10000 100000}
BASE=${SIGN_DIR:-/var/tmp}
GEN="python3 $ROOT/tests/bench/gen.py"

. "$ROOT/tests/bench/lib.sh"
need bench_sign knotd dig cc pkg-config python3 ldns-verify-zone
[ -x "$DV" ] || { echo "bench_sign: $DV not built" >&2; exit 1; }
bench_tmp "$BASE/dv-sign.XXXXXX"
HZ=$(getconf CLK_TCK)

echo
echo "== signed updates: dnsvizor --dnssec-sign vs knotd dnssec-signing  ($(date -u '+%H:%M:%S UTC'), dir $T on $(stat -f -c %T "$T"))"
cc -std=c11 -O2 -Wall -Wextra -o "$T/updload" "$ROOT/tests/bench/updload.c" \
    $(pkg-config --cflags --libs ldns) || { echo "bench_sign: cannot build updload" >&2; exit 1; }

# signed PORT ZONE: 0 once a DO=1 SOA answer carries its RRSIG
signed() {
    dig +time=2 +tries=1 +dnssec +norec -p "$1" @127.0.0.1 "$2" SOA 2>/dev/null |
        grep -q 'RRSIG[[:space:]]*SOA '
}

# verify NAME PORT ZONE TAGS: AXFR, ldns-verify-zone, expected A records
verify() {
    f="$T/axfr.$1"
    timeout 120 dig +time=20 +tries=1 +onesoa -p "$2" @127.0.0.1 "$3" AXFR \
        2>/dev/null | grep -v '^;' | grep -v '^$' > "$f"
    nrr=$(wc -l < "$f")
    if v=$(timeout 300 ldns-verify-zone "$f" 2>&1); then
        vz="ldns-verify-zone ok"
    else
        vz="ldns-verify-zone FAILED: $(echo "$v" | grep -v '^Zone is' | head -3 | tr '\n' ' ')"
    fi
    # every expected RR present, no other A record of the run's names
    bad=$(for tag in $4; do
        awk -v tag="$tag" -v z="$3" '
FNR == NR { if ($1 == "uncertain") { unc += $2; next }
            if ($1 != "-") { want[tolower($1) " " $2] = 1; nw++ }
            next }
$4 == "A" && tolower($1) ~ ("^c[0-9]+-[0-9]+\\." tag "\\.") {
    k = tolower($1) " " $5
    if (k in want) seen++; else extra++ }
END { printf "%s: want %d, have %d of them, %d others, %d uncertain\n", tag, nw, seen, extra, unc
      # an update that timed out may still have been applied
      if ((seen != nw || extra > 0) && unc == 0) exit 1 }' "$T/expect.$tag" "$f" || echo "MISMATCH"
    done)
    printf '  %-9s AXFR %s RRs; %s; %s\n' "$1" "$nrr" "$vz" "$(echo "$bad" | tr '\n' ' ')"
}

for N in $SIZES; do
    Z=s$N.example
    D="$T/n$N"
    mkdir -p "$D/dv" "$D/knot/db"
    timeout 120 $GEN zone "$Z" "$N" "$D/$Z.zone" || exit 1
    PORT_DV=$(free_port); PORT_KNOT=$(free_port)
    while [ "$PORT_KNOT" = "$PORT_DV" ]; do PORT_KNOT=$(free_port); done
    cat > "$D/knot/knot.conf" <<EOF
server:
    rundir: "$D/knot"
    listen: 127.0.0.1@$PORT_KNOT
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: stderr
    any: warning
database:
    storage: "$D/knot/db"
    journal-db-mode: robust
policy:
  - id: p13
    algorithm: ecdsap256sha256
    single-type-signing: on
    nsec3: off
acl:
  - id: local
    address: 127.0.0.1
    action: [update, transfer]
template:
  - id: default
    storage: "$D/knot"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: changes
zone:
  - domain: $Z
    file: "$D/$Z.zone"
    dnssec-signing: on
    dnssec-policy: p13
    acl: local
EOF
    echo "-- $Z: $N names, $(grep -c ' IN ' "$D/$Z.zone") RRs unsigned; $CLIENTS clients x ${SECS}s, $ROUNDS round(s)"
    t0=$(date +%s.%N)
    start "dv$N" "$DV" --no-hosts --no-recursion --listen-address=127.0.0.1 \
        --port="$PORT_DV" --state-dir="$D/dv" --zone="$Z,$D/$Z.zone" \
        --dnssec-sign="$Z" --allow-update="$Z,127.0.0.1" \
        --allow-transfer="$Z,127.0.0.1"
    PID_DV=$SPID
    start "knot$N" knotd -c "$D/knot/knot.conf"
    PID_KNOT=$SPID
    up=""
    for s in "dnsvizor $PORT_DV $PID_DV dv$N" "knotd $PORT_KNOT $PID_KNOT knot$N"; do
        set -- $s
        end=$(( $(date +%s) + 600 ))
        while ! signed "$2" "$Z" && kill -0 "$3" 2>/dev/null &&
            [ "$(date +%s)" -lt "$end" ]; do
            sleep 0.2
        done
        if signed "$2" "$Z"; then
            up="$up $1:$2:$3"
            printf '  %-9s signed and serving after %.1f s (start-up, both starting at once)\n' \
                "$1" "$(echo "$(date +%s.%N) $t0" | awk '{ print $1 - $2 }')"
        else
            echo "  $1: not signed in time:"; tail -5 "$T/$4.log" | sed 's/^/  | /'
        fi
    done
    : > "$T/upd"
    TAGS_dnsvizor=""; TAGS_knotd=""
    r=1
    while [ "$r" -le "$ROUNDS" ]; do
        for s in $up; do
            IFS=: read -r n p pid <<EOF
$s
EOF
            tag="r$r$n$N"
            c0=$(cpu_ticks "$pid")
            out=$(timeout $((SECS + 30)) "$T/updload" 127.0.0.1 "$p" "$Z." - \
                - "$CLIENTS" "$SECS" "$tag" a "$T/expect.$tag" 2>&1)
            c1=$(cpu_ticks "$pid")
            rate=$(echo "$out" | awk '/^acked/ { print $NF }')
            acked=$(echo "$out" | awk '/^acked/ { print $2 }')
            cpu=$(awk -v a="${c0:-0}" -v b="${c1:-0}" -v hz="$HZ" 'BEGIN { printf "%.2f", (b - a) / hz }')
            upc=$(awk -v n="${acked:-0}" -v c="$cpu" 'BEGIN { if (c > 0) printf "%.0f", n / c; else print 0 }')
            printf '  round %s %-9s %s\n      server CPU %ss = %s updates/CPU-s\n' \
                "$r" "$n" "${out:-updload failed}" "$cpu" "$upc"
            [ -n "$rate" ] && echo "$n $rate $upc" >> "$T/upd"
            [ -f "$T/expect.$tag" ] && eval "TAGS_$n=\"\$TAGS_$n $tag\""
        done
        r=$((r + 1))
    done
    u_dv=$(awk '$1 == "dnsvizor" { print $2 }' "$T/upd" | median)
    u_kn=$(awk '$1 == "knotd" { print $2 }' "$T/upd" | median)
    c_dv=$(awk '$1 == "dnsvizor" { print $3 }' "$T/upd" | median)
    c_kn=$(awk '$1 == "knotd" { print $3 }' "$T/upd" | median)
    printf 'median (%s names, %s clients): dnsvizor %s updates/s (%s per CPU-s), knotd %s updates/s (%s per CPU-s)\n' \
        "$N" "$CLIENTS" "${u_dv:-?}" "${c_dv:-?}" "${u_kn:-?}" "${c_kn:-?}"
    if [ -n "$u_dv" ] && [ -n "$u_kn" ]; then
        awk -v a="$u_dv" -v b="$u_kn" -v ca="$c_dv" -v cb="$c_kn" -v n="$N" 'BEGIN {
            if (b > 0) printf "ratio dnsvizor/knotd (signed updates/s, %s names): %.2f", n, a / b
            if (cb > 0) printf "  (per server CPU-second: %.2f)", ca / cb
            print "" }'
    fi
    for s in $up; do
        IFS=: read -r n p pid <<EOF
$s
EOF
        eval "tags=\$TAGS_$n"
        verify "$n" "$p" "$Z" "$tags"
    done
    stop_pid "$PID_DV"; stop_pid "$PID_KNOT"
    rm -rf "$D"
done
exit 0
