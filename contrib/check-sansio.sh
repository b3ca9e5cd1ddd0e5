#!/bin/sh
# The protocol libraries must not reference socket, file, clock or random
# functions (DESIGN.md: protocol cores are sans-IO).  Run on libzones.a,
# libresolver.a, libdhcp.a and libacme.a (the Makefile's LIBS).
bad='^(socket|bind|connect|listen|accept|accept4|recv|recvfrom|recvmsg|recvmmsg|send|sendto|sendmsg|sendmmsg|read|write|open|openat|close|fopen|fdopen|freopen|fmemopen|fread|fwrite|fgets|fclose|opendir|readdir|stat|fstat|lstat|unlink|rename|fsync|fdatasync|time|gettimeofday|clock_gettime|clock|getrandom|rand|random|srand|srandom|arc4random|RAND_bytes|getaddrinfo|gethostbyname|getpwnam|event_.*|evconnlisten.*|bufferevent_.*|system|popen|exec.*)$'
fail=0
for lib in "$@"; do
    syms=$(nm -u "$lib" 2>/dev/null | awk '{print $NF}' | sed 's/@.*//' | sort -u | grep -E "$bad")
    if [ -n "$syms" ]; then
        echo "sans-IO violation: $lib references:" $syms
        fail=1
    fi
done
exit $fail
