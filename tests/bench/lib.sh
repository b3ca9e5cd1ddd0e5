# Shared helpers of the benchmark scripts (sourced, POSIX sh).  Not a
# test.  bench_tmp DIR-TEMPLATE makes the work directory $T and arms the
# clean-up: every process started with `start` (each in its own session)
# is stopped on exit, bounded, and $T removed.

# need SCRIPT TOOL...: every tool on PATH, else exit 1.
need() {
    who=$1; shift
    for t in "$@"; do
        command -v "$t" >/dev/null 2>&1 || { echo "$who: $t missing (run contrib/deps.sh)" >&2; exit 1; }
    done
}

PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    for p in $PIDS; do
        i=0; while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
        kill -9 "$p" 2>/dev/null
    done
    PIDS=""
    [ -n "${T:-}" ] && rm -rf "$T"
}

# bench_tmp TEMPLATE: T=$(mktemp -d TEMPLATE), clean-up on exit.
bench_tmp() {
    T=$(mktemp -d "$1") || exit 1
    trap cleanup EXIT
    trap 'exit 130' INT TERM
}

# stop_pid PID: SIGTERM, wait (bounded), SIGKILL; drop it from PIDS.
stop_pid() {
    kill "$1" 2>/dev/null
    i=0; while kill -0 "$1" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    kill -9 "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    n=""; for p in $PIDS; do [ "$p" = "$1" ] || n="$n $p"; done; PIDS=$n
}

# free_port: a port free for UDP and TCP on 127.0.0.1 (bounded tries).
free_port() {
    python3 -c '
import socket
for _ in range(50):
    t = socket.socket(); t.bind(("127.0.0.1", 0)); p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p)); print(p); break
    except OSError:
        t.close()'
}

# start NAME CMD...: run CMD in its own session (so every process it forks
# can be found by session id), output in $T/NAME.log; sets SPID.
start() {
    name=$1; shift
    setsid "$@" > "$T/$name.log" 2>&1 &
    SPID=$!
    PIDS="$PIDS $SPID"
}

# wait_dns PORT QNAME QTYPE PID SECONDS [ADDR]: until the server answers
# with NOERROR (dig prints "timed out" lines on stdout too), bounded; 1 if
# PID died or time ran out.
wait_dns() {
    end=$(( $(date +%s) + $5 ))
    while [ "$(date +%s)" -lt "$end" ]; do
        kill -0 "$4" 2>/dev/null || return 1
        dig +time=1 +tries=1 -p "$1" @"${6:-127.0.0.1}" "$2" "$3" 2>/dev/null |
            grep -q 'status: NOERROR' && return 0
        sleep 0.1
    done
    return 1
}

# cpu_ticks SID: utime+stime (clock ticks) of every process of a session
# (fields after the ")" that ends comm: utime is field 14, stime 15).
cpu_ticks() {
    ps -e -o pid=,sid= | awk -v s="$1" '$2 == s { print $1 }' | while read -r p; do
        sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }'
    done | awk '{ t += $1 } END { print t + 0 }'
}

# median of the numbers on stdin
median() {
    sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
