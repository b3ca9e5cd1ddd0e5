#!/bin/sh
# No loops of calls between shell files (DESIGN.md, "The house"): from the
# object files of dnsvizor/, draw an arrow A -> B when A.o calls a function
# that B.o defines; fail when two files reach each other.
# Usage: contrib/check-loops.sh OBJDIR   (e.g. build/obj/dnsvizor)
dir=${1:-build/obj/dnsvizor}
ls "$dir"/*.o >/dev/null 2>&1 || { echo "check-loops: no objects in $dir"; exit 1; }
for o in "$dir"/*.o; do
    f=$(basename "$o" .o)
    nm "$o" | awk -v f="$f" '$1 == "U" { print "U", f, $2 }
        NF == 3 && $2 ~ /^[TDBR]$/ { print "D", f, $3 }'
done | awk '
$1 == "D" { def[$3] = $2; files[$2] = 1; next }
$1 == "U" { use[++n] = $2 " " $3; files[$2] = 1 }
END {
    for (i = 1; i <= n; i++) {
        split(use[i], p, " ")
        if ((p[2] in def) && def[p[2]] != p[1]) {
            r[p[1], def[p[2]]] = 1
            if (!((p[1], def[p[2]]) in why)) why[p[1], def[p[2]]] = p[2]
        }
    }
    for (k in files) for (i in files) if ((i, k) in r)
        for (j in files) if ((k, j) in r) r[i, j] = 1
    bad = 0
    for (a in files) for (b in files)
        if (a < b && ((a, b) in r) && ((b, a) in r)) {
            printf "call loop: %s <-> %s", a, b
            if ((a, b) in why) printf " (%s.c calls %s)", a, why[a, b]
            if ((b, a) in why) printf " (%s.c calls %s)", b, why[b, a]
            printf "\n"; bad = 1
        }
    exit bad
}'
