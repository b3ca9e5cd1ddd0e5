#!/bin/sh
# The protocol libraries must not reference socket, file, clock or random
# functions (DESIGN.md: protocol cores are sans-IO).  Run on libzones.a,
# libresolver.a, libdhcp.a and libacme.a (the Makefile's LIBS).
# Nor may they hold writable static state (DESIGN.md: a context pointer
# is passed everywhere): no .data or .bss bytes in any member (read-only
# tables in .rodata and .data.rel.ro are fine).  Not checked when SAN=1:
# the sanitizers put their own metadata there.
bad='^(socket|bind|connect|listen|accept|accept4|recv|recvfrom|recvmsg|recvmmsg|send|sendto|sendmsg|sendmmsg|read|write|open|openat|close|fopen|fdopen|freopen|fmemopen|fread|fwrite|fgets|fclose|opendir|readdir|stat|fstat|lstat|unlink|rename|fsync|fdatasync|time|gettimeofday|clock_gettime|clock|getrandom|rand|random|srand|srandom|arc4random|RAND_bytes|getaddrinfo|gethostbyname|getpwnam|event_.*|evconnlisten.*|bufferevent_.*|system|popen|exec.*)$'
fail=0
for lib in "$@"; do
    syms=$(nm -u "$lib" 2>/dev/null | awk '{print $NF}' | sed 's/@.*//' | sort -u | grep -E "$bad")
    if [ -n "$syms" ]; then
        echo "sans-IO violation: $lib references:" $syms
        fail=1
    fi
done
[ "${SAN:-0}" = 1 ] && exit $fail
for lib in "$@"; do
    st=$(size -A "$lib" 2>/dev/null | awk '
        / \(ex / { m = $1 }
        ($1 == ".data" || $1 == ".bss" || $1 ~ /^\.(data|bss)\./) &&
        $1 !~ /^\.data\.rel\.ro/ && $2 > 0 { print m, $1, $2 }')
    if [ -n "$st" ]; then
        echo "static state in $lib (member, section, bytes):"
        echo "$st"
        fail=1
    fi
done
exit $fail
