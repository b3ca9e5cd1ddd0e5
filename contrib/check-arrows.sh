#!/bin/sh
# Arrows point down only: dnsvizor/ -> resolver/ -> zones/, dnsvizor/ -> dhcp/,
# dnsvizor/ -> acme/ (which uses OpenSSL and jansson only).
# Also: only dnsvizor/ includes libevent and libnl headers.
fail=0
check() { # dir forbidden-pattern
    hits=$(grep -nE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]($2)" "$1"/*.[ch] 2>/dev/null)
    if [ -n "$hits" ]; then echo "arrow violation in $1/:"; echo "$hits"; fail=1; fi
}
check zones    '(\.\./)?(dnsvizor|resolver|dhcp|acme)/|event2/|netlink/'
check resolver '(\.\./)?(dnsvizor|dhcp|acme)/|event2/|netlink/'
check dhcp     '(\.\./)?(dnsvizor|resolver|zones|acme)/|event2/|netlink/'
check acme     '(\.\./)?(dnsvizor|resolver|dhcp|zones)/|event2/|netlink/|ldns/'
exit $fail
