#!/usr/bin/env bash
# Host side of the test cloud's networks, set up BEFORE any OpenStack service
# starts (test/cloud/start.sh --with-compute calls it first; idempotent, root):
#
#   br-faafo 10.99.0.1/24   the cloud's external network `public` (flat,
#                           physnet `public`). This host is its gateway, so
#                           router gateways and floating IPs (10.99.0.x) are
#                           reachable from here - and only from here (nothing
#                           routes or masquerades 10.99.0.0/24 elsewhere).
#   faafo-veth-h/-p         veth pair: -h sits in br-faafo, -p is the
#                           "physical NIC" the linuxbridge agent puts into its
#                           brq<net> bridge for `public` (see README: why not
#                           bridge_mappings).
#   tenant networks         VXLAN (the agent makes vxlan-<vni> devices with
#                           local_ip = the bridge address); one host, so no
#                           frame ever needs to leave it. (This kernel has no
#                           dummy and no 8021q module: VLANs are not possible.)
#   apt-cacher-ng           on 10.99.0.1:3142: the ONLY way servers reach
#                           Debian's mirror (this network allows the package
#                           registries, not general NAT to the outside).
#
# --bridge-only: the bridge, veth and netfilter, not the apt proxy (test/cloud/start.sh needs the address before
# any service binds to it, which is before compute/start.sh has installed apt-cacher-ng on a fresh machine).
# Env: OS_LOCAL_PUBLIC_HOST (10.99.0.1), OSC_STATE (/var/lib/faafo-openstack-compute).
set -euo pipefail
BRIDGE_ONLY=0
[ "${1:-}" = --bridge-only ] && BRIDGE_ONLY=1

GW_IP="${OS_LOCAL_PUBLIC_HOST:-10.99.0.1}"
STATE="${OSC_STATE:-/var/lib/faafo-openstack-compute}"
BR=br-faafo
ACNG_PORT=3142

log() { printf '[compute/host-network %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root"

# ---- external network: bridge with the gateway address ------------------------
if ! ip link show "$BR" >/dev/null 2>&1; then
  ip link add "$BR" type bridge
  log "created bridge $BR"
fi
[[ "$(ip -o -4 addr show dev "$BR")" == *" $GW_IP/"* ]] || ip addr add "$GW_IP/24" dev "$BR"
ip link set "$BR" up

# the agent's bridge for `public` gets faafo-veth-p; Nova plugs nothing into br-faafo itself
if ! ip link show faafo-veth-p >/dev/null 2>&1; then
  ip link add faafo-veth-h type veth peer name faafo-veth-p
  log "created veth faafo-veth-h/faafo-veth-p"
fi
ip link set faafo-veth-h master "$BR"
ip link set faafo-veth-h up
ip link set faafo-veth-p up

# ---- netfilter on bridged traffic: security groups are iptables rules on the
# ---- brq bridges, which only see bridged frames with br_netfilter on
modprobe br_netfilter 2>/dev/null || true
[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] || die "br_netfilter is missing: security groups cannot work"
sysctl -qw net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1

if [ $BRIDGE_ONLY = 1 ]; then log "ready: $BR $GW_IP/24, faafo-veth-p (public)"; exit 0; fi

# ---- apt-cacher-ng on the bridge address (own config, no systemd) ---------------
# Own config dir: Debian's default remaps /debian to ftp.debian.org, which this
# network does not allow; without remaps it fetches from the host in the URL
# (deb.debian.org) and caches by that path.
ACNG="$STATE/apt-cacher-ng"
mkdir -p "$STATE/run" "$ACNG/etc" "$ACNG/cache" "$ACNG/log"
cat >"$ACNG/etc/acng.conf" <<EOF
CacheDir: $ACNG/cache
LogDir: $ACNG/log
SupportDir: /usr/lib/apt-cacher-ng
BindAddress: $GW_IP
Port: $ACNG_PORT
PidFile: $STATE/run/apt-cacher-ng.pid
ReportPage: acng-report.html
ExThreshold: 4
# servers start in parallel and ask for the same files: keep connections to the mirror
DlMaxRetries: 5
NetworkTimeout: 60
EOF
acng_up() { curl -s -o /dev/null -m 3 "http://$GW_IP:$ACNG_PORT/acng-report.html"; }
if ! acng_up; then
  command -v apt-cacher-ng >/dev/null || die "apt-cacher-ng is not installed (test/cloud/compute/start.sh installs it)"
  log "starting apt-cacher-ng on $GW_IP:$ACNG_PORT"
  # detaches itself (ForeGround=0) and writes PidFile
  apt-cacher-ng -c "$ACNG/etc" ForeGround=0 >>"$ACNG/log/start.log" 2>&1 || die "apt-cacher-ng failed (log: $ACNG/log/)"
  for ((i = 0; i < 40; i++)); do acng_up && break; sleep 0.25; done
  acng_up || die "apt-cacher-ng does not answer on $GW_IP:$ACNG_PORT (log: $ACNG/log/)"
fi
log "ready: $BR $GW_IP/24, faafo-veth-p (public), apt proxy http://$GW_IP:$ACNG_PORT"
