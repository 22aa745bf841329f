#!/usr/bin/env bash
# Compute for the test cloud: Placement, Glance, Nova (libvirt, QEMU TCG),
# Neutron (ML2 linuxbridge: flat external network `public`, VXLAN tenant
# networks, L3 agent for routers/SNAT/floating IPs, DHCP agent, iptables
# security groups), plus what the generated templates expect: flavor m1.small,
# key pair `faafo` for demo, image `debian-13`, quotas for ~8 servers.
#
#   test/cloud/compute/start.sh      (root; idempotent; see README.md here)
#
# Keystone must run (test/cloud/start.sh). Every endpoint here listens on and is
# registered at OS_LOCAL_PUBLIC_HOST (10.99.0.1, br-faafo from host-network.sh):
# the one address the host, Heat and the servers all reach.
# State outside the checkout: $OSC_STATE (/var/lib/faafo-openstack-compute);
# databases faafo_{nova_api,nova_cell0,nova,placement,glance,neutron} on the
# local PostgreSQL; RabbitMQ vhost faafo_compute. Daemons run without systemd,
# started here by hand (pid files in $STATE/run, logs in $STATE/log).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATE="${OSC_STATE:-/var/lib/faafo-openstack-compute}"
PUB="${OS_LOCAL_PUBLIC_HOST:-10.99.0.1}"
PW=secret
PY=/usr/bin/python3            # Debian's OpenStack libraries live in the system python
PGURL="${OSC_PG_URL:-postgresql://postgres@127.0.0.1:5432}"
PGSQLA="postgresql+psycopg2://${PGURL#postgresql://}"
RMQ_VHOST=faafo_compute
TRANSPORT="rabbit://guest:guest@127.0.0.1:5672/$RMQ_VHOST"
HOSTNAME_OS="${OSC_COMPUTE_HOST:-faafo-compute}"   # nova-compute's host == the agents' host (port binding)
WAIT_S="${OSC_WAIT_S:-240}"
export OS_LOCAL_PUBLIC_HOST=$PUB OS_LOCAL_PASSWORD=$PW
export OSC_PLACEMENT_PORT=${OSC_PLACEMENT_PORT:-8778} OSC_GLANCE_PORT=${OSC_GLANCE_PORT:-9292}
export OSC_NOVA_PORT=${OSC_NOVA_PORT:-8774} OSC_NEUTRON_PORT=${OSC_NEUTRON_PORT:-9696}
KS_PORT="${OS_LOCAL_KEYSTONE_PORT:-5000}"

log() { printf '[compute/start %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
T0=$(date +%s)
since() { echo "$(($(date +%s) - T0))s"; }
[ "$(id -u)" = 0 ] || die "run as root"

# The image recipe's hash names the cached image and the Glance image generation
IMAGE_HASH=$(sha256sum "$HERE/lib/build-image.sh" | cut -c1-16)
IMAGE_DIR="$STATE/images/$IMAGE_HASH"

DAEMONS=(virtlogd libvirtd placement glance-api nova-api nova-conductor nova-scheduler nova-compute
         neutron-server neutron-linuxbridge-agent neutron-dhcp-agent neutron-l3-agent)
word_of() { case $1 in placement) echo uwsgi ;; *) echo "$1" ;; esac; }
alive() {  # alive NAME -> its pid file names a live process whose command line matches
  local f="$STATE/run/$1.pid" w; w=$(word_of "$1")
  [ -s "$f" ] && [[ "$(tr '\0' ' ' <"/proc/$(cat "$f")/cmdline" 2>/dev/null)" == *"$w"* ]]
}
http_up() { local c; c=$(curl -s -o /dev/null -m 3 -w '%{http_code}' "$1" 2>/dev/null) || return 1; [ "$c" != 000 ] && [ "$c" -lt 500 ]; }
API_URLS=("http://$PUB:$OSC_PLACEMENT_PORT/" "http://$PUB:$OSC_GLANCE_PORT/" "http://$PUB:$OSC_NOVA_PORT/" "http://$PUB:$OSC_NEUTRON_PORT/")

# ---- fast path: everything runs and the content of this recipe is in place ------------
# (no CLI calls: pid files, one curl per API, the marker written at the end)
READY_SIG="$IMAGE_HASH $PUB $(sha256sum "$0" | cut -c1-16)"
fast_ok() {
  [ "$(cat "$STATE/ready" 2>/dev/null)" = "$READY_SIG" ] || return 1
  local d u
  for d in "${DAEMONS[@]}"; do alive "$d" || return 1; done
  for u in "${API_URLS[@]}"; do http_up "$u" || return 1; done
  http_up "http://$PUB:3142/acng-report.html"
}
if fast_ok; then log "compute already running (fast path, $(since))"; exit 0; fi

# One slow start at a time (test/cloud/start.sh and a hand-run one may overlap); the winner may
# have done everything by the time the lock is ours
mkdir -p "$STATE/run"
exec 9>"$STATE/run/start.lock"
flock 9
if fast_ok; then log "compute already running (started meanwhile, $(since))"; exit 0; fi
rm -f "$STATE/ready"

# Keystone for the daemons on this host: always loopback (the base cloud listens there, and on the
# public address too). Never chosen by a probe: a probe timing out on a busy machine would change the
# configs and so restart every daemon on the next run.
KS_URL="http://127.0.0.1:$KS_PORT"
for ((i = 0; i < 60; i++)); do http_up "$KS_URL/v3" && break; sleep 1; done
http_up "$KS_URL/v3" || die "Keystone does not answer on $KS_URL (start test/cloud/start.sh first)"
export OSC_KEYSTONE_URL=$KS_URL

mkdir -p "$STATE"/{etc,run,log,lock,images,keys,glance/images,glance/staging,glance/tasks,nova/instances,neutron}
# 755, not 700: dnsmasq drops to `nobody` and re-reads $STATE/neutron/dhcp/<net>/host
# on every SIGHUP; unreadable, it answers no DHCP request at all
chmod 755 "$STATE"

start_bg() {  # NAME CMD... -> setsid, log, pid file; skipped while NAME runs
  local name=$1; shift
  if alive "$name"; then return 0; fi
  log "starting $name"
  setsid "$@" >>"$STATE/log/$name.log" 2>&1 </dev/null 9>&- &
  echo $! >"$STATE/run/$name.pid"
}
wait_http() {  # NAME URL
  local i
  for ((i = 0; i < WAIT_S * 2; i++)); do
    http_up "$2" && return 0
    alive "$1" || { tail -n 30 "$STATE/log/$1.log" >&2; die "$1 died (log: $STATE/log/$1.log)"; }
    sleep 0.5
  done
  tail -n 30 "$STATE/log/$1.log" >&2; die "$1 did not answer on $2 in ${WAIT_S}s"
}

# ---- 1. packages (Debian 12 / Zed, matching the base cloud's Keystone and Heat) -------
PKGS=(nova-api nova-conductor nova-scheduler nova-compute-qemu placement-api glance-api
      neutron-server neutron-linuxbridge-agent neutron-dhcp-agent neutron-l3-agent python3-libvirt
      libvirt-daemon-driver-qemu qemu-system-x86 qemu-utils genisoimage mmdebstrap dnsmasq-base
      iptables ebtables ipset conntrack sudo python3-psycopg2 uwsgi-core uwsgi-plugin-python3
      python3-openstackclient python3-openstacksdk apt-cacher-ng socat openssh-client e2fsprogs curl)
missing=()
for p in "${PKGS[@]}"; do [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" == *"ok installed"* ]] || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing: ${missing[*]}"
  # Dependencies may pull point-release updates of installed packages (systemd, libevent from Debian 12's
  # updates): apt does that as it would for any install; name them so that a changed host is no surprise.
  upgrades=$(apt-get -s install --no-install-recommends "${missing[@]}" 2>/dev/null | grep -E '^Inst [^ ]+ \[' | cut -d' ' -f2 | tr '\n' ' ' || true)
  [ -z "$upgrades" ] || log "the install also updates: $upgrades"
  own_policy=0   # keep the packages' daemons from starting: we start ours by hand
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; own_policy=1; fi
  # --force-confold: libvirt-daemon-system owns /etc/libvirt/qemu.conf, which we edit below
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confold \
    -o Dpkg::Options::=--force-confdef install -y -q --no-install-recommends "${missing[@]}" \
    >"$STATE/log/apt.log" 2>&1 || { tail -n 30 "$STATE/log/apt.log" >&2; [ $own_policy = 1 ] && rm -f /usr/sbin/policy-rc.d; die "apt-get install failed"; }
  [ $own_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
  log "packages installed ($(since))"
fi

# ---- 2. host network (bridge, veth, apt proxy); idempotent --------------------------------
"$HERE/host-network.sh" 9>&-   # 9>&-: daemons must not inherit (and hold) start.lock

# ---- 3. image build in the background (minutes; only when the recipe changed) ---------------
IMAGE_PID=""
if [ ! -s "$IMAGE_DIR/disk.qcow2" ]; then
  log "building image $IMAGE_HASH in the background (log: $STATE/log/image-build.log)"
  ( nice -n 10 "$HERE/lib/build-image.sh" "$IMAGE_DIR.tmp" >"$STATE/log/image-build.log" 2>&1 \
      && rm -rf "$IMAGE_DIR" && mv "$IMAGE_DIR.tmp" "$IMAGE_DIR" ) &
  IMAGE_PID=$!
fi

# ---- 4. databases + RabbitMQ vhost ----------------------------------------------------------
DBS=(faafo_nova_api faafo_nova_cell0 faafo_nova faafo_placement faafo_glance faafo_neutron)
for db in "${DBS[@]}"; do
  [ "$(psql "$PGURL/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname='$db'")" = 1 ] \
    || { psql "$PGURL/postgres" -qc "CREATE DATABASE $db" && log "created database $db"; }
done
if ! grep -qx "$RMQ_VHOST" <<<"$(rabbitmqctl -q list_vhosts 2>/dev/null)"; then
  rabbitmqctl -q add_vhost "$RMQ_VHOST" >/dev/null
  rabbitmqctl -q set_permissions -p "$RMQ_VHOST" guest '.*' '.*' '.*' >/dev/null
  log "rabbitmq vhost $RMQ_VHOST created"
fi

# ---- 5. Keystone: users, services, endpoints at $PUB (cheap when nothing changed) -------------
REG_SIG="$KS_URL $PUB $OSC_PLACEMENT_PORT $OSC_GLANCE_PORT $OSC_NOVA_PORT $OSC_NEUTRON_PORT $(sha256sum "$HERE/lib/register.py" | cut -c1-16)"
nova_token_ok() {  # one request: the base cloud may have been purged since (new Keystone database)
  [ "$(curl -s -o /dev/null -m 10 -w '%{http_code}' -H 'Content-Type: application/json' -d \
    '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"nova","domain":{"id":"default"},"password":"'"$PW"'"}}},"scope":{"project":{"name":"service","domain":{"id":"default"}}}}}' \
    "$KS_URL/v3/auth/tokens")" = 201 ]
}
if [ "$(cat "$STATE/keystone.registered" 2>/dev/null)" != "$REG_SIG" ] || ! nova_token_ok; then
  "$PY" "$HERE/lib/register.py" || die "keystone registration failed"
  echo "$REG_SIG" >"$STATE/keystone.registered"
fi

# ---- 6. configs (rewritten every slow start; running daemons are not restarted) -----------------
# ebtables-nft cannot delete the agent's among-src rules by spec: see lib/ebtables
mkdir -p "$STATE/bin" && install -m 755 "$HERE/lib/ebtables" "$STATE/bin/ebtables"
authtoken() {  # USER
  cat <<EOF
[keystone_authtoken]
www_authenticate_uri = $KS_URL/v3
auth_url = $KS_URL
auth_type = password
username = $1
password = $PW
project_name = service
user_domain_name = Default
project_domain_name = Default
service_token_roles_required = false
EOF
}
svcauth() {  # SECTION USER
  cat <<EOF
[$1]
auth_type = password
auth_url = $KS_URL
username = $2
password = $PW
project_name = service
user_domain_name = Default
project_domain_name = Default
region_name = RegionOne
EOF
}

cat >"$STATE/etc/placement.conf" <<EOF
[DEFAULT]
use_stderr = true
[api]
auth_strategy = keystone
[placement_database]
connection = $PGSQLA/faafo_placement
$(authtoken placement)
EOF

cat >"$STATE/etc/glance-api.conf" <<EOF
[DEFAULT]
use_stderr = true
bind_host = $PUB
bind_port = $OSC_GLANCE_PORT
workers = 1
enabled_backends = file:file
show_image_direct_url = false
[glance_store]
default_backend = file
[file]
filesystem_store_datadir = $STATE/glance/images
[os_glance_staging_store]
filesystem_store_datadir = $STATE/glance/staging
[os_glance_tasks_store]
filesystem_store_datadir = $STATE/glance/tasks
[database]
connection = $PGSQLA/faafo_glance
[paste_deploy]
flavor = keystone
config_file = /etc/glance/glance-api-paste.ini
[oslo_concurrency]
lock_path = $STATE/lock
$(authtoken glance)
EOF

cat >"$STATE/etc/nova.conf" <<EOF
[DEFAULT]
use_stderr = true
transport_url = $TRANSPORT
state_path = $STATE/nova
instances_path = $STATE/nova/instances
my_ip = $PUB
host = $HOSTNAME_OS
compute_driver = libvirt.LibvirtDriver
enabled_apis = osapi_compute
osapi_compute_listen = $PUB
osapi_compute_listen_port = $OSC_NOVA_PORT
osapi_compute_workers = 1
# user data through an ISO9660 config drive: no metadata service needed
force_config_drive = True
# the qcow2 image is the _base file as is (no 5 GB raw copy per image)
force_raw_images = False
# 2 host cores, ~8 one-vCPU servers: TCG guests mostly wait; RAM is what really counts
initial_cpu_allocation_ratio = 16.0
cpu_allocation_ratio = 16.0
reserved_host_memory_mb = 2048
# TCG boots are slow: give Neutron's network-vif-plugged event time
vif_plugging_timeout = 300
vif_plugging_is_fatal = True
instance_build_timeout = 0
# stop.sh destroys the VMs; the next start boots the servers that were running
resume_guests_state_on_host_boot = True
heal_instance_info_cache_interval = -1
[api]
auth_strategy = keystone
[wsgi]
api_paste_config = /etc/nova/api-paste.ini
[api_database]
connection = $PGSQLA/faafo_nova_api
[database]
connection = $PGSQLA/faafo_nova
[conductor]
workers = 1
[scheduler]
workers = 1
discover_hosts_in_cells_interval = 30
[filter_scheduler]
enabled_filters = ComputeFilter,ComputeCapabilitiesFilter,ImagePropertiesFilter
[libvirt]
# /dev/kvm here is PVM: stock kernels cannot boot on it -> TCG, no host CPU model
virt_type = qemu
cpu_mode = none
# test servers are thrown away: the guest's fsyncs (dpkg, PostgreSQL) need not reach this host's disk
disk_cachemodes = file=unsafe
connection_uri = qemu:///system
[glance]
api_servers = http://$PUB:$OSC_GLANCE_PORT
[vnc]
enabled = false
[spice]
enabled = false
[serial_console]
enabled = false
[oslo_concurrency]
lock_path = $STATE/lock
[oslo_messaging_notifications]
driver = noop
[workarounds]
# privsep through sudo as root; no rootwrap filters in the way
disable_rootwrap = true
$(authtoken nova)
$(svcauth placement placement)
$(svcauth neutron neutron)
url = http://$PUB:$OSC_NEUTRON_PORT
service_metadata_proxy = false
$(svcauth service_user nova)
send_service_user_token = false
EOF

cat >"$STATE/etc/neutron.conf" <<EOF
[DEFAULT]
use_stderr = true
bind_host = $PUB
bind_port = $OSC_NEUTRON_PORT
core_plugin = ml2
service_plugins = router
allow_overlapping_ips = true
auth_strategy = keystone
transport_url = $TRANSPORT
state_path = $STATE/neutron
api_workers = 1
rpc_workers = 1
rpc_state_report_workers = 1
notify_nova_on_port_status_changes = true
notify_nova_on_port_data_changes = true
dhcp_agents_per_network = 1
host = $HOSTNAME_OS
[database]
connection = $PGSQLA/faafo_neutron
[oslo_concurrency]
lock_path = $STATE/lock
[agent]
# we are root already; the PATH puts lib/ebtables (an among-src delete fix) before the real one
root_helper = env PATH=$STATE/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
report_interval = 10
[experimental]
# Zed marks ML2/linuxbridge experimental: neutron-server exits at start-up without this
linuxbridge = true
[oslo_messaging_notifications]
driver = noop
$(authtoken neutron)
$(svcauth nova nova)
EOF

cat >"$STATE/etc/ml2_conf.ini" <<EOF
[ml2]
type_drivers = flat,vxlan
tenant_network_types = vxlan
mechanism_drivers = linuxbridge
extension_drivers = port_security
[ml2_type_flat]
flat_networks = public
[ml2_type_vxlan]
vni_ranges = 1:1000
[linux_bridge]
# the veth end whose peer sits in br-faafo (host-network.sh); bridge_mappings to
# br-faafo itself leaves servers isolated (Zed sends no bridge_name to Nova)
physical_interface_mappings = public:faafo-veth-p
[vxlan]
# one host: the VXLAN devices never send a frame; no dummy/8021q module for VLANs here
enable_vxlan = true
local_ip = $PUB
l2_population = false
[securitygroup]
enable_security_group = true
firewall_driver = iptables
enable_ipset = true
[agent]
polling_interval = 2
EOF

cat >"$STATE/etc/dhcp_agent.ini" <<EOF
[DEFAULT]
interface_driver = linuxbridge
dhcp_driver = neutron.agent.linux.dhcp.Dnsmasq
enable_isolated_metadata = false
force_metadata = false
EOF

cat >"$STATE/etc/l3_agent.ini" <<EOF
[DEFAULT]
interface_driver = linuxbridge
agent_mode = legacy
# user data comes on the config drive: no metadata proxy (haproxy) per router
enable_metadata_proxy = false
EOF

# Daemons still running with other settings (a new public address, Keystone moved) are restarted;
# their servers' VMs keep running (stop.sh --keep-servers)
CONFIG_SIG=$(cat "$STATE"/etc/*.conf "$STATE"/etc/*.ini | sha256sum | cut -c1-16)
if [ -s "$STATE/run/config.sig" ] && [ "$(cat "$STATE/run/config.sig")" != "$CONFIG_SIG" ]; then
  for d in "${DAEMONS[@]}"; do
    if alive "$d"; then log "configuration changed: restarting the daemons"; "$HERE/stop.sh" --keep-servers 9>&-; break; fi
  done
fi
echo "$CONFIG_SIG" >"$STATE/run/config.sig"

# ---- 7. libvirt without systemd: virtlogd + libvirtd by hand ----------------------------------
printf 'log_outputs="3:file:%s/log/virtlogd-debug.log"\n' "$STATE" >"$STATE/etc/virtlogd.conf"
printf 'log_outputs="3:file:%s/log/libvirtd-debug.log"\n' "$STATE" >"$STATE/etc/libvirtd.conf"
getent group libvirt-qemu >/dev/null || groupadd --system libvirt-qemu
getent passwd libvirt-qemu >/dev/null || useradd --system -g libvirt-qemu libvirt-qemu
grep -qE '^user *= *"root"' /etc/libvirt/qemu.conf 2>/dev/null || printf 'user = "root"\ngroup = "root"\n' >>/etc/libvirt/qemu.conf
grep -qE '^security_driver *= *"none"' /etc/libvirt/qemu.conf || printf 'security_driver = "none"\n' >>/etc/libvirt/qemu.conf
rm -f /etc/libvirt/qemu/networks/autostart/default.xml   # no virbr0/dnsmasq/iptables from libvirt
if ! alive virtlogd; then
  pgrep -x virtlogd >/dev/null && die "a virtlogd not started by this script runs; stop it first"
  virtlogd -d -p "$STATE/run/virtlogd.pid" -f "$STATE/etc/virtlogd.conf" 9>&-
fi
if ! alive libvirtd; then
  pgrep -x libvirtd >/dev/null && die "a libvirtd not started by this script runs; stop it first"
  libvirtd -d -p "$STATE/run/libvirtd.pid" -f "$STATE/etc/libvirtd.conf" 9>&-
fi
for ((i = 0; i < 60; i++)); do virsh -c qemu:///system version >/dev/null 2>&1 && break; sleep 0.5; done
virsh -c qemu:///system version >/dev/null 2>&1 || die "libvirtd does not answer"

# ---- 8. schema (first start of a state dir) -----------------------------------------------------
if [ ! -e "$STATE/db.synced" ]; then
  log "db sync: placement glance nova neutron"
  L="$STATE/log/db-sync.log"
  placement-manage --config-file "$STATE/etc/placement.conf" db sync >>"$L" 2>&1 || die "placement db sync ($L)"
  glance-manage --config-file "$STATE/etc/glance-api.conf" db_sync >>"$L" 2>&1 || die "glance db_sync ($L)"
  NM=(nova-manage --config-file "$STATE/etc/nova.conf")
  "${NM[@]}" api_db sync >>"$L" 2>&1 || die "nova api_db sync ($L)"
  "${NM[@]}" cell_v2 map_cell0 --database_connection "$PGSQLA/faafo_nova_cell0" >>"$L" 2>&1 || die "map_cell0 ($L)"
  grep -q ' cell1 ' <<<"$("${NM[@]}" cell_v2 list_cells 2>/dev/null)" || "${NM[@]}" cell_v2 create_cell --name cell1 >>"$L" 2>&1 || die "create_cell ($L)"
  "${NM[@]}" db sync >>"$L" 2>&1 || die "nova db sync ($L)"
  neutron-db-manage --config-file "$STATE/etc/neutron.conf" --config-file "$STATE/etc/ml2_conf.ini" upgrade heads >>"$L" 2>&1 || die "neutron db upgrade ($L)"
  touch "$STATE/db.synced"
  log "db sync done ($(since))"
fi

# ---- 9. daemons ------------------------------------------------------------------------------------
start_bg placement env OS_PLACEMENT_CONFIG_DIR="$STATE/etc" uwsgi --plugin python3 \
  --http-socket "$PUB:$OSC_PLACEMENT_PORT" --wsgi-file /usr/bin/placement-api \
  --master --processes 1 --threads 1 --die-on-term --no-orphans --need-app --add-header "Connection: close"
start_bg glance-api glance-api --config-file "$STATE/etc/glance-api.conf"
NC=(--config-file "$STATE/etc/nova.conf")
start_bg nova-api nova-api "${NC[@]}"
start_bg nova-conductor nova-conductor "${NC[@]}"
start_bg nova-scheduler nova-scheduler "${NC[@]}"
start_bg nova-compute nova-compute "${NC[@]}"
NQ=(--config-file "$STATE/etc/neutron.conf" --config-file "$STATE/etc/ml2_conf.ini")
start_bg neutron-server neutron-server "${NQ[@]}"
wait_http neutron-server "http://$PUB:$OSC_NEUTRON_PORT/"
# agents only once the server answers: else their first RPC calls time out (60 s each)
start_bg neutron-linuxbridge-agent neutron-linuxbridge-agent "${NQ[@]}"
start_bg neutron-dhcp-agent neutron-dhcp-agent --config-file "$STATE/etc/neutron.conf" --config-file "$STATE/etc/dhcp_agent.ini"
start_bg neutron-l3-agent neutron-l3-agent --config-file "$STATE/etc/neutron.conf" --config-file "$STATE/etc/l3_agent.ini"
wait_http placement "http://$PUB:$OSC_PLACEMENT_PORT/"
wait_http glance-api "http://$PUB:$OSC_GLANCE_PORT/"
wait_http nova-api "http://$PUB:$OSC_NOVA_PORT/"
log "APIs answer ($(since))"

# ---- 10. image (waits for the background build) ------------------------------------------------
if [ -n "$IMAGE_PID" ]; then
  log "waiting for the image build"
  wait "$IMAGE_PID" || { tail -n 20 "$STATE/log/image-build.log" >&2; die "image build failed ($STATE/log/image-build.log)"; }
  log "image built ($(since))"
fi
# older generations of the image are no longer needed on disk (Glance has its own copy)
for d in "$STATE"/images/*/; do [ "$d" = "$IMAGE_DIR/" ] || rm -rf "$d"; done

# ---- 11. cloud content: host mapping, flavor, public network, quotas, key pair, images ------------
for ((i = 0; i < WAIT_S; i += 2)); do   # nova-compute registered its service record
  [ "$(psql "$PGURL/faafo_nova" -tAc "SELECT 1 FROM services WHERE topic='compute' AND host='$HOSTNAME_OS' AND deleted = 0" 2>/dev/null)" = 1 ] && break
  sleep 2
done
nova-manage --config-file "$STATE/etc/nova.conf" cell_v2 discover_hosts >>"$STATE/log/db-sync.log" 2>&1 || true
[ -s "$STATE/keys/faafo" ] || ssh-keygen -q -t ed25519 -N '' -C faafo-test-cloud -f "$STATE/keys/faafo"
OSC_IMAGE_DIR="$IMAGE_DIR" OSC_IMAGE_HASH="$IMAGE_HASH" OSC_KEY_FILE="$STATE/keys/faafo.pub" \
  "$PY" "$HERE/lib/content.py" || die "cloud content failed"

echo "$READY_SIG" >"$STATE/ready"
log "ready in $(since): compute, network, image, placement at $PUB"
