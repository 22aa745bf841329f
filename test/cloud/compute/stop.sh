#!/usr/bin/env bash
# Stop exactly what test/cloud/compute/start.sh and host-network.sh started
# (pid files in $STATE/run; helpers whose command line names $STATE).
#
#   stop.sh            servers' VMs (libvirt domains under our instances path)
#                      are destroyed - Nova restarts them on the next start
#                      (resume_guests_state_on_host_boot) - then the daemons,
#                      their dnsmasq/privsep helpers, the qdhcp/qrouter
#                      namespaces and apt-cacher-ng. Databases, images, configs,
#                      bridges stay: the next start takes about a minute.
#   stop.sh --purge    also the faafo_* compute databases, the RabbitMQ vhost,
#                      Neutron's iptables chains and ipsets, the bridges/veth/
#                      vxlan devices, and $STATE (image cache included).
#                      Keystone's entries for these services stay (the base
#                      cloud owns Keystone).
set -uo pipefail
STATE="${OSC_STATE:-/var/lib/faafo-openstack-compute}"
PGURL="${OSC_PG_URL:-postgresql://postgres@127.0.0.1:5432}"
PURGE=0 KEEP_SERVERS=0
case "${1:-}" in
  --purge) PURGE=1 ;;
  --keep-servers) KEEP_SERVERS=1 ;;   # start.sh after a config change: daemons only, VMs and apt proxy stay
  "") ;;
  *) echo "stop.sh: unknown argument: $1 (--purge | --keep-servers)" >&2; exit 2 ;;
esac
log() { printf '[compute/stop %s] %s\n' "$(date +%T)" "$*" >&2; }
[ "$(id -u)" = 0 ] || { log "ERROR: run as root"; exit 1; }

# ---- servers: only domains whose disks live in our instances path ------------------------
if [ $KEEP_SERVERS = 0 ] && [ -s "$STATE/run/libvirtd.pid" ] && virsh -c qemu:///system version >/dev/null 2>&1; then
  for d in $(virsh -c qemu:///system list --name 2>/dev/null | grep '^instance-'); do
    if [[ "$(virsh -c qemu:///system domblklist "$d" 2>/dev/null)" == *"$STATE/nova/instances"* ]]; then
      virsh -c qemu:///system destroy "$d" >/dev/null 2>&1 && log "destroyed VM $d"
    fi
  done
fi

# ---- daemons: TERM all at once, then wait (each may take 10 s+ on a busy host) -------------
word_of() { case $1 in placement) echo uwsgi ;; *) echo "$1" ;; esac; }
DAEMONS=(neutron-l3-agent neutron-dhcp-agent neutron-linuxbridge-agent neutron-server nova-compute
         nova-scheduler nova-conductor nova-api glance-api placement)
# libvirtd/virtlogd own the running VMs' monitors and logs: they stay with the servers
[ $KEEP_SERVERS = 1 ] || DAEMONS+=(libvirtd virtlogd apt-cacher-ng)
pids=()
for name in "${DAEMONS[@]}"; do
  f="$STATE/run/$name.pid"
  [ -s "$f" ] || continue
  pid=$(cat "$f")
  if [[ "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" == *"$(word_of "$name")"* ]]; then
    kill -TERM "$pid" 2>/dev/null && pids+=("$pid:$name")
  fi
  rm -f "$f"
done
for ((i = 0; i < 75; i++)); do
  alive=0
  for e in "${pids[@]}"; do kill -0 "${e%%:*}" 2>/dev/null && alive=1; done
  [ $alive = 0 ] && break
  sleep 0.2
done
for e in "${pids[@]}"; do
  if kill -0 "${e%%:*}" 2>/dev/null; then log "${e#*:} (${e%%:*}) ignored SIGTERM: SIGKILL"; kill -KILL "${e%%:*}" 2>/dev/null; fi
  log "stopped ${e#*:}"
done

# helpers the agents/nova-compute leave behind: exactly those naming our state dir
sleep 1
for pid in $(pgrep -f -- "$STATE/" 2>/dev/null); do
  [ "$pid" = $$ ] && continue
  comm=$(cat "/proc/$pid/comm" 2>/dev/null) || continue
  [ $KEEP_SERVERS = 1 ] && [ "$comm" = qemu-system-x86 ] && continue
  case "$comm" in privsep-helper|dnsmasq|sudo|qemu-system-x86|haproxy) kill -TERM "$pid" 2>/dev/null && log "stopped $comm ($pid)" ;; esac
done

# ---- namespaces of our networks and routers (the agents re-create them on start) ---------------
[ $KEEP_SERVERS = 1 ] && { log "daemons stopped (servers kept running)"; exit 0; }
for ns in $(ip netns list 2>/dev/null | awk '/^(qdhcp|qrouter)-/{print $1}'); do
  ip netns delete "$ns" && log "deleted netns $ns"
done

[ $PURGE = 1 ] || { log "stopped (state kept in $STATE; --purge removes it)"; exit 0; }

# ---- purge -----------------------------------------------------------------------------------------
case "$STATE" in /|"") log "refusing to purge '$STATE'"; exit 1 ;; esac
for db in faafo_nova_api faafo_nova_cell0 faafo_nova faafo_placement faafo_glance faafo_neutron; do
  psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" && log "dropped database $db"
done
rabbitmqctl -q delete_vhost faafo_compute >/dev/null 2>&1 && log "deleted rabbitmq vhost faafo_compute"
# Neutron's security-group chains (neutron-*) and ipsets (NIPv4/NIPv6): only its own
for t in filter nat mangle raw; do
  [[ "$(iptables-save -t "$t" 2>/dev/null)" == *neutron-* ]] || continue
  # a dump of ONE table restores only that table; everything not Neutron's is written back as it was
  iptables-save -t "$t" | grep -v -- 'neutron-' | iptables-restore && log "removed neutron chains from table $t"
done
for s in $(ipset list -n 2>/dev/null | grep -E '^NIPv[46]'); do ipset destroy "$s" 2>/dev/null; done
# devices: agent bridges brq<net>, vxlan-<vni>, the veth pair, br-faafo
for dev in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E '^(brq[0-9a-f-]{11}|vxlan-[0-9]+)$'); do
  ip link delete "$dev" 2>/dev/null && log "deleted $dev"
done
ip link show faafo-veth-h >/dev/null 2>&1 && ip link delete faafo-veth-h && log "deleted veth faafo-veth-h/-p"
ip link show br-faafo >/dev/null 2>&1 && ip link delete br-faafo && log "deleted bridge br-faafo"
rm -rf "$STATE" && log "removed $STATE"
