#!/bin/sh
# Install every Debian package that building, running and testing dnsvizor
# needs. Idempotent: checks first, does nothing when all is present.
# Keeps Debian from starting the peer daemons it installs (NSD, Knot,
# unbound).
set -e
PKGS="build-essential pkg-config clang llvm libclang-rt-14-dev
libldns-dev ldnsutils libevent-dev libnl-3-dev libnl-route-3-dev libssl-dev
libjansson-dev
dnsutils knot-dnsutils knot-dnssecutils bind9-utils nsd knot dnsperf python3-dnspython iproute2 procps time
lego pebble openssl unbound dnsmasq-base tcpdump libnghttp2-dev curl
isc-dhcp-client udhcpc dhcpcd-base isc-dhcp-relay kea-dhcp4-server kea-admin
systemd"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
    echo "deps.sh: missing packages:$missing (run as root to install)" >&2
    exit 1
fi

# Block service start-up during install (invoke-rc.d honours policy-rc.d).
made_policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    made_policy=1
fi
# (an if: under set -e a false test as the trap's last command would make
# the script exit 1 when policy-rc.d was already there)
cleanup() { if [ -n "$made_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi; }
trap cleanup EXIT INT TERM

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || true
apt-get install -y -qq --no-install-recommends $missing
# Make sure the packaged daemons are not enabled as system services.
for s in nsd knot unbound kea-dhcp4-server isc-dhcp-relay; do
    if command -v systemctl >/dev/null 2>&1; then
        systemctl disable --now "$s" >/dev/null 2>&1 || true
    fi
done
exit 0
