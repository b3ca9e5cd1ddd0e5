#!/bin/sh
# Arrows point down only: dnsvizor/ -> resolver/ -> zones/, dnsvizor/ -> dhcp/.
# Also: only dnsvizor/ includes libevent and libnl headers.
fail=0
check() { # dir forbidden-pattern
    hits=$(grep -nE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]($2)" "$1"/*.[ch] 2>/dev/null)
    if [ -n "$hits" ]; then echo "arrow violation in $1/:"; echo "$hits"; fail=1; fi
}
check zones    '(\.\./)?(dnsvizor|resolver|dhcp)/|event2/|netlink/'
check resolver '(\.\./)?(dnsvizor|dhcp)/|event2/|netlink/'
check dhcp     '(\.\./)?(dnsvizor|resolver|zones)/|event2/|netlink/'
exit $fail
