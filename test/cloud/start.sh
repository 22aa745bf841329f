#!/usr/bin/env bash
# The project's own test cloud: a real OpenStack Keystone 22 + Heat 19 (Zed, Debian bookworm packages) on this
# machine, optionally with Swift, Gnocchi + Aodh, and compute (Nova, Neutron, Glance, Placement: compute/).
#
#   test/cloud/start.sh [--with-swift] [--with-telemetry] [--with-compute]     (root; idempotent; README.md)
#
# - Fast path: when everything asked for already runs (with the same public address) it only prints the
#   environment (~0.05 s), so `npm test` can call it every time.
# - Installs the Debian packages it needs if missing (apt-get update only when the install fails).
# - State outside the checkout: $OS_LOCAL_STATE (default /var/lib/faafo-openstack): generated configs, sqlite
#   databases, keys, logs, pid files. Nothing under /etc is written. Configs are rewritten at every cold start.
# - Keystone: uwsgi + keystone-wsgi-public on :5000. Heat: ONE `heat-all` process (API :8004, CFN API :8000,
#   engine) on oslo.messaging's in-process fake:// transport, so no RabbitMQ is needed.
# - --with-swift: lib/swift.sh (proxy :8080). --with-telemetry: lib/telemetry.sh (Gnocchi :8041, Aodh :8042).
# - --with-compute: compute/host-network.sh first (bridge br-faafo 10.99.0.1/24, the cloud's external network),
#   the public address becomes 10.99.0.1 (servers booted on the cloud must reach Heat and Swift at the URLs the
#   catalog gives), then compute/start.sh once the base is up.
set -euo pipefail

# ---- settings (env knobs: README.md "Knobs") ------------------------------------------------------------------
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATE="${OS_LOCAL_STATE:-/var/lib/faafo-openstack}"
export OS_LOCAL_STATE="$STATE"
export OS_LOCAL_HOST=127.0.0.1                       # every service listens here; clients on this host use it
export OS_LOCAL_KEYSTONE_PORT="${OS_LOCAL_KEYSTONE_PORT:-5000}"
export OS_LOCAL_HEAT_PORT="${OS_LOCAL_HEAT_PORT:-8004}"
export OS_LOCAL_CFN_PORT="${OS_LOCAL_CFN_PORT:-8000}"
export OS_LOCAL_SWIFT_PORT="${OS_LOCAL_SWIFT_PORT:-8080}"
export OS_LOCAL_GNOCCHI_PORT="${OS_LOCAL_GNOCCHI_PORT:-8041}"
export OS_LOCAL_AODH_PORT="${OS_LOCAL_AODH_PORT:-8042}"
export OS_LOCAL_REGION=RegionOne
export OS_LOCAL_PASSWORD=secret                      # test credentials only
H=$OS_LOCAL_HOST
KS_URL="http://$H:$OS_LOCAL_KEYSTONE_PORT"
HEAT_URL="http://$H:$OS_LOCAL_HEAT_PORT"
PY=/usr/bin/python3                                  # Debian's python: a pyenv python3 lacks the OpenStack modules
WAIT_S="${OS_LOCAL_WAIT_S:-120}"
COMPUTE_DIR="$HERE/compute"
COMPUTE_PUBLIC_HOST=10.99.0.1                        # br-faafo's address (compute/host-network.sh)

WITH_SWIFT=0 WITH_TELEMETRY=0 WITH_COMPUTE=0
ARGS=("$@")
for a in "$@"; do
  case "$a" in
    --with-swift) WITH_SWIFT=1 ;;
    --with-telemetry) WITH_TELEMETRY=1 ;;
    --with-compute) WITH_COMPUTE=1 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "start.sh: unknown argument: $a (see --help)" >&2; exit 2 ;;
  esac
done

log() { printf '[start.sh %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
T0=$(date +%s)

# ---- helpers -----------------------------------------------------------------------------------------------------
# alive NAME: its pid file exists and that pid still runs our program (a stale pid may belong to anything now).
alive() {
  local f="$STATE/run/$1.pid" word
  case "$1" in
    keystone|gnocchi-api|aodh-api) word=uwsgi ;;
    heat) word=heat-all ;;
    gnocchi-metricd) word=gnocchi-metricd ;;
    aodh-alarming) word=aodh_alarming ;;
    fwd-*) word=socat ;;
    *) word="$1-server" ;;
  esac
  local cmd
  [ -s "$f" ] && cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$(cat "$f")/cmdline") && [[ "$cmd" == *"$word"* ]]
}
http_ok() {  # http_ok URL: any HTTP answer below 500
  local c
  c=$(curl -s -o /dev/null -m 3 -w '%{http_code}' "$1" 2>/dev/null) || return 1
  [ "$c" != 000 ] && [ "$c" -lt 500 ]
}
wait_http() {  # wait_http NAME URL: until it answers; fails early with the log's tail when NAME died
  local name=$1 url=$2 i
  for ((i = 0; i < WAIT_S * 2; i++)); do
    http_ok "$url" && return 0
    if ! alive "$name"; then
      tail -n 40 "$STATE/log/$name.log" >&2 || true
      die "$name died during start-up (log: $STATE/log/$name.log)"
    fi
    sleep 0.5
  done
  tail -n 40 "$STATE/log/$name.log" >&2 || true
  die "$name did not answer on $url within ${WAIT_S}s (log: $STATE/log/$name.log)"
}
wal() {  # sqlite WAL mode: readers no longer block the writer ("database is locked")
  "$PY" -c 'import sqlite3,sys; sqlite3.connect(sys.argv[1]).execute("PRAGMA journal_mode=WAL")' "$1"
}
port_free() {  # port_free PORT [ADDRESS]: nothing listens there
  ! (exec 3<>"/dev/tcp/${2:-$H}/$1") 2>/dev/null
}
local_address() {  # local_address IP: an interface of this host has it (the bridge may be gone after a reboot)
  # No pipe into `grep -q`: under pipefail its early exit (SIGPIPE for `ip`) would read as "no such address".
  local addrs
  [ "$1" = 127.0.0.1 ] && return 0
  addrs=$(ip -o addr show 2>/dev/null) || return 1
  [[ "$addrs" == *" $1/"* ]]
}
# forward NAME PORT: socat PUBLIC:PORT -> 127.0.0.1:PORT for daemons that bind one address only (heat-all's two
# APIs, the Swift proxy). Started and stopped with them (stop.sh knows the fwd-* pid files).
forward() {
  local name=$1 port=$2
  alive "$name" && return 0
  port_free "$port" "$PUBLIC" || die "port $PUBLIC:$port is in use by another process"
  setsid socat "TCP-LISTEN:$port,bind=$PUBLIC,reuseaddr,fork" "TCP:$H:$port" \
    >>"$STATE/log/$name.log" 2>&1 </dev/null &
  echo $! >"$STATE/run/$name.pid"
}
print_env() {
  cat <<EOF
# Local OpenStack is up (state: $STATE, public address: $PUBLIC). Use either:
#   source $HERE/env.sh [admin]            (demo user by default)
#   export OS_CLIENT_CONFIG_FILE=$HERE/clouds.yaml OS_CLOUD=faafo-local
export OS_AUTH_URL=$KS_URL/v3
export OS_IDENTITY_API_VERSION=3
export OS_REGION_NAME=$OS_LOCAL_REGION
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_USERNAME=demo
export OS_PROJECT_NAME=demo
export OS_PASSWORD=$OS_LOCAL_PASSWORD
export OS_HEAT_URL=$HEAT_URL/v1
EOF
}

# ---- compute: its files must be there before anything changes ------------------------------------------------------
if [ $WITH_COMPUTE = 1 ]; then
  for f in host-network.sh start.sh; do
    [ -f "$COMPUTE_DIR/$f" ] || { echo "start.sh: --with-compute needs $COMPUTE_DIR/$f, which is missing" >&2; exit 1; }
  done
  # The bridge and its address must exist before any service binds to it.
  OS_LOCAL_PUBLIC_HOST="${OS_LOCAL_PUBLIC_HOST:-$COMPUTE_PUBLIC_HOST}" bash "$COMPUTE_DIR/host-network.sh" --bridge-only \
    || die "compute/host-network.sh failed"
fi

# ---- the public address: what the catalog names and what servers on the cloud reach ----------------------------
# Explicit knob first; --with-compute means the bridge; otherwise keep the address a running compute cloud uses
# (a plain start, e.g. from `npm test`, must not take the cloud away from its servers) as long as the address
# still exists; else loopback.
# (No record: a cloud started before the record existed, always on loopback.) Resolved again after taking the
# lock below: another start may have changed it meanwhile.
WANTED_PUBLIC="${OS_LOCAL_PUBLIC_HOST:-}"
resolve_public() {
  RECORDED_PUBLIC=$(cat "$STATE/public-host" 2>/dev/null || echo 127.0.0.1)
  if [ -n "$WANTED_PUBLIC" ]; then PUBLIC=$WANTED_PUBLIC
  elif [ $WITH_COMPUTE = 1 ]; then PUBLIC=$COMPUTE_PUBLIC_HOST
  elif local_address "$RECORDED_PUBLIC"; then PUBLIC=$RECORDED_PUBLIC
  else PUBLIC=127.0.0.1
  fi
  export OS_LOCAL_PUBLIC_HOST="$PUBLIC"
  local_address "$PUBLIC" || die "public address $PUBLIC is not an address of this host"
  PUB_KS_URL="http://$PUBLIC:$OS_LOCAL_KEYSTONE_PORT"
  PUB_CFN_URL="http://$PUBLIC:$OS_LOCAL_CFN_PORT"
}
resolve_public
# uwsgi listens on several addresses itself: one --http-socket per address (lib/telemetry.sh does the same)
uwsgi_sockets() { echo "--http-socket $H:$1"; [ "$PUBLIC" = "$H" ] || echo "--http-socket $PUBLIC:$1"; }

# ---- fast path: already running --------------------------------------------------------------------------------
# uwsgi_public NAME PORT: that uwsgi was started with a socket on the public address (read from its command line:
# deterministic, unlike a request to a busy service).
uwsgi_public() {
  local cmd
  [ "$PUBLIC" = "$H" ] && return 0
  cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$(cat "$STATE/run/$1.pid" 2>/dev/null)/cmdline") \
    && [[ "$cmd" == *"--http-socket $PUBLIC:$2 "* ]]
}
listens_public() {  # everything running listens on the public address too (forwards for one-address daemons)
  [ "$PUBLIC" = "$H" ] && return 0
  uwsgi_public keystone "$OS_LOCAL_KEYSTONE_PORT" && alive fwd-heat && alive fwd-heat-cfn \
    && { [ $WITH_SWIFT = 0 ] || alive fwd-swift-proxy; } \
    && { [ $WITH_TELEMETRY = 0 ] || { uwsgi_public gnocchi-api "$OS_LOCAL_GNOCCHI_PORT" \
         && uwsgi_public aodh-api "$OS_LOCAL_AODH_PORT"; }; }
}
base_running() {
  [ "$RECORDED_PUBLIC" = "$PUBLIC" ] && alive keystone && alive heat \
    && http_ok "$KS_URL/v3" && http_ok "$HEAT_URL/" && listens_public \
    && { [ $WITH_SWIFT = 0 ] || { alive swift-proxy && alive swift-object; }; } \
    && { [ $WITH_TELEMETRY = 0 ] || { alive gnocchi-api && alive gnocchi-metricd \
         && alive aodh-api && alive aodh-alarming; }; }
}

start_base() {
  [ "$(id -u)" = 0 ] || die "run as root (installs packages, writes $STATE)"

  # A new public address (or services running without it): everything that listens on it or wrote it into a
  # config restarts (compute keeps running; compute/start.sh below is told the address again).
  if [ "$RECORDED_PUBLIC" != "$PUBLIC" ] || { alive keystone && ! listens_public; }; then
    log "public address $RECORDED_PUBLIC -> $PUBLIC: restarting the base services"
    FAAFO_CLOUD_LOCKED=1 bash "$HERE/stop.sh" --base
  fi

  # ---- 1. packages ---------------------------------------------------------------------------------------------
  local pkgs=(python3-keystone heat-common python3-openstackclient python3-heatclient
              uwsgi-core uwsgi-plugin-python3 curl)
  [ $WITH_SWIFT = 1 ] && pkgs+=(swift-proxy swift-account swift-container swift-object python3-swiftclient)
  [ $WITH_TELEMETRY = 1 ] && pkgs+=(python3-gnocchi python3-aodh python3-gnocchiclient python3-aodhclient)
  [ "$PUBLIC" != "$H" ] && pkgs+=(socat iproute2)
  local missing=() p
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing: ${missing[*]}"
    # Keep maintainer scripts from starting daemons (there is no init system here).
    local own_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
      chmod +x /usr/sbin/policy-rc.d; own_policy=1
    fi
    # another apt/dpkg run (an unattended upgrade, a parallel job) may hold the lock: wait for it
    inst() { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q \
               --no-install-recommends "${missing[@]}" >"${TMPDIR:-/tmp}/faafo-apt.log" 2>&1; }
    if ! inst; then
      log "apt-get install failed; running apt-get update and retrying"
      apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null
      inst || { tail -n 30 "${TMPDIR:-/tmp}/faafo-apt.log" >&2; die "apt-get install failed"; }
    fi
    [ $own_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
    log "packages installed ($(($(date +%s) - T0))s)"
  fi

  # ---- 2. state dir + configs (rewritten on every cold start) ----------------------------------------------------
  mkdir -p "$STATE"/{etc,run,log,keystone/fernet-keys,keystone/credential-keys,heat-plugins}
  chmod 700 "$STATE"
  # Heat plugins (README.md "Heat plugins"): the Debian fixes always; the two test-only ones unless switched off
  # (OS_LOCAL_NOOP_CONSTRAINTS=0 / OS_LOCAL_ASSUME_SERVICES=0; takes effect at the next cold start).
  rm -f "$STATE"/heat-plugins/*.py
  cp "$HERE/heat-plugins/faafo_debian_fixes.py" "$STATE/heat-plugins/"
  [ "${OS_LOCAL_NOOP_CONSTRAINTS:-1}" = 1 ] && cp "$HERE/heat-plugins/faafo_noop_constraints.py" "$STATE/heat-plugins/"
  [ "${OS_LOCAL_ASSUME_SERVICES:-1}" = 1 ] && cp "$HERE/heat-plugins/faafo_assume_services.py" "$STATE/heat-plugins/"

  cat >"$STATE/etc/keystone.conf" <<EOF
# generated by test/cloud/start.sh - local test Keystone
[DEFAULT]
use_stderr = true
# detailed 401/403 reasons in API errors: fine for a local test Keystone
insecure_debug = true
[database]
connection = sqlite:///$STATE/keystone.sqlite
[token]
provider = fernet
expiration = 43200
[fernet_tokens]
key_repository = $STATE/keystone/fernet-keys
[fernet_receipts]
key_repository = $STATE/keystone/fernet-keys
[credential]
key_repository = $STATE/keystone/credential-keys
# keystone 22 bug: a cached credential has no 'encrypted_blob' -> KeyError/500
# on GET/DELETE /v3/credentials (Heat deletes EC2 credentials on stack delete)
caching = false
[cache]
# In-process cache: ~40x fewer sqlite queries per request. Coherent only
# because Keystone runs as ONE uwsgi worker process (see below).
enabled = true
backend = dogpile.cache.memory
[identity]
# bcrypt cost 4 instead of 12: faster password auth, fine for test users
password_hash_rounds = 4
[oslo_messaging_notifications]
driver = noop
EOF

  # The URLs Heat hands out (wait condition handles, metadata, its own endpoint for signals, Keystone for
  # signal transports) name the public address: servers booted on the cloud call them. Heat's token validation
  # and trustee logins stay on loopback.
  cat >"$STATE/etc/heat.conf" <<EOF
# generated by test/cloud/start.sh - local test Heat (heat-all, fake:// messaging)
[DEFAULT]
use_stderr = true
transport_url = fake://
num_engine_workers = 1
graceful_shutdown_timeout = 5
region_name_for_services = $OS_LOCAL_REGION
auth_encryption_key = faafo-local-test-key-0123456789a
stack_user_domain_name = heat
stack_domain_admin = heat_domain_admin
stack_domain_admin_password = $OS_LOCAL_PASSWORD
deferred_auth_method = trusts
heat_metadata_server_url = $PUB_CFN_URL
heat_waitcondition_server_url = $PUB_CFN_URL/v1/waitcondition
plugin_dirs = $STATE/heat-plugins
environment_dir = /etc/heat/environment.d
template_dir = /etc/heat/templates
[heat_all]
enabled_services = api,api_cfn,engine
[heat_api]
bind_host = $H
bind_port = $OS_LOCAL_HEAT_PORT
workers = 1
[heat_api_cfn]
bind_host = $H
bind_port = $OS_LOCAL_CFN_PORT
workers = 1
[paste_deploy]
api_paste_config = /etc/heat/api-paste.ini
[database]
connection = sqlite:///$STATE/heat.sqlite
[cache]
# In-process cache (heat-all is ONE process): with compute, custom constraints (glance.image, nova.flavor, ...)
# and resource lookups ask Glance/Nova/Neutron for real; cached 60 s per project and value
# ([constraint_validation_cache], [resource_finder_cache] defaults) instead of once per ASG member.
enabled = true
backend = dogpile.cache.memory
# 60 s, not [resource_finder_cache]'s default hour: compute/start.sh replaces the image debian-13 when its recipe
# changes, and an hour-old name -> id answer fails every create with "No images matching"
[resource_finder_cache]
expiration_time = 60
[constraint_validation_cache]
expiration_time = 60
[keystone_authtoken]
www_authenticate_uri = $PUB_KS_URL/v3
auth_url = $KS_URL
auth_type = password
username = heat
password = $OS_LOCAL_PASSWORD
project_name = service
user_domain_name = Default
project_domain_name = Default
[trustee]
auth_type = password
auth_url = $KS_URL
username = heat
password = $OS_LOCAL_PASSWORD
user_domain_name = Default
[clients_keystone]
# handed to servers too (e.g. a signal transport's auth_url): the public address
auth_uri = $PUB_KS_URL
[clients_heat]
url = http://$PUBLIC:$OS_LOCAL_HEAT_PORT/v1/%(tenant_id)s
[ec2authtoken]
auth_uri = $KS_URL/v3
[oslo_messaging_notifications]
driver = noop
EOF

  # ---- 3. Keystone -------------------------------------------------------------------------------------------------
  local kconf="$STATE/etc/keystone.conf"
  km() { keystone-manage --config-file "$kconf" "$@" >>"$STATE/log/keystone-manage.log" 2>&1 \
           || { tail -n 20 "$STATE/log/keystone-manage.log" >&2; die "keystone-manage $1 failed"; }; }
  if ! alive keystone; then
    port_free "$OS_LOCAL_KEYSTONE_PORT" || die "port $OS_LOCAL_KEYSTONE_PORT is in use by another process"
    if [ ! -e "$STATE/keystone.bootstrapped" ]; then
      log "keystone: db_sync + fernet keys + bootstrap"
      km db_sync
      km fernet_setup --keystone-user root --keystone-group root
      km credential_setup --keystone-user root --keystone-group root
      km bootstrap --bootstrap-password "$OS_LOCAL_PASSWORD" \
        --bootstrap-username admin --bootstrap-project-name admin \
        --bootstrap-role-name admin --bootstrap-service-name keystone \
        --bootstrap-region-id "$OS_LOCAL_REGION" \
        --bootstrap-admin-url "$PUB_KS_URL/v3" --bootstrap-public-url "$PUB_KS_URL/v3" \
        --bootstrap-internal-url "$PUB_KS_URL/v3"
      wal "$STATE/keystone.sqlite"
      touch "$STATE/keystone.bootstrapped"
    fi
    log "keystone: starting uwsgi on $KS_URL$([ "$PUBLIC" = "$H" ] || echo " and $PUB_KS_URL")"
    # One process (keeps the in-memory cache coherent) with one thread (keystone's sqlite connections must not
    # cross threads: "database is locked"). "Connection: close": uwsgi's http-socket drops idle keep-alive
    # connections, which breaks clients that reuse them (keystonemiddleware). setsid: immune to a terminal's ^C.
    # shellcheck disable=SC2046  # one --http-socket per address
    OS_KEYSTONE_CONFIG_FILES="$kconf" setsid uwsgi --plugin python3 \
      $(uwsgi_sockets "$OS_LOCAL_KEYSTONE_PORT") --wsgi-file /usr/bin/keystone-wsgi-public \
      --master --processes 1 --threads 1 --listen 128 --die-on-term --no-orphans --need-app \
      --buffer-size 65535 --add-header "Connection: close" \
      >>"$STATE/log/keystone.log" 2>&1 </dev/null &
    echo $! >"$STATE/run/keystone.pid"
  fi
  wait_http keystone "$KS_URL/v3"

  # Users, roles, domain and catalog: again whenever the public address differs from the registered one.
  if [ "$(cat "$STATE/keystone.registered" 2>/dev/null)" != "$PUBLIC" ]; then
    log "keystone: registering heat users/roles/domain/endpoints and demo user (public address $PUBLIC)"
    "$PY" "$HERE/lib/register.py" || die "keystone registration (lib/register.py) failed"
    echo "$PUBLIC" >"$STATE/keystone.registered"
  fi

  # ---- 4. Heat -----------------------------------------------------------------------------------------------------
  if ! alive heat; then
    port_free "$OS_LOCAL_HEAT_PORT" || die "port $OS_LOCAL_HEAT_PORT is in use by another process"
    port_free "$OS_LOCAL_CFN_PORT" || die "port $OS_LOCAL_CFN_PORT is in use by another process"
    log "heat: db_sync"
    heat-manage --config-file "$STATE/etc/heat.conf" db_sync >>"$STATE/log/heat-manage.log" 2>&1 \
      || { tail -n 20 "$STATE/log/heat-manage.log" >&2; die "heat-manage db_sync failed"; }
    # sqlite must never reuse ids for Heat (see lib/sqlite_autoincrement.py)
    "$PY" "$HERE/lib/sqlite_autoincrement.py" "$STATE/heat.sqlite" 2>>"$STATE/log/heat-manage.log" \
      || { tail -n 5 "$STATE/log/heat-manage.log" >&2; die "sqlite_autoincrement.py failed"; }
    wal "$STATE/heat.sqlite"
    log "heat: starting heat-all on $HEAT_URL"
    setsid heat-all --config-file "$STATE/etc/heat.conf" >>"$STATE/log/heat.log" 2>&1 </dev/null &
    echo $! >"$STATE/run/heat.pid"
  fi
  wait_http heat "$HEAT_URL/"
  if [ "$PUBLIC" != "$H" ]; then
    forward fwd-heat "$OS_LOCAL_HEAT_PORT"
    forward fwd-heat-cfn "$OS_LOCAL_CFN_PORT"
  fi

  # ---- 5. optional Swift -------------------------------------------------------------------------------------------
  if [ $WITH_SWIFT = 1 ]; then
    log "swift: starting account/container/object servers and proxy on :$OS_LOCAL_SWIFT_PORT"
    STATE="$STATE" bash "$HERE/lib/swift.sh" || die "swift start failed"
    [ "$PUBLIC" = "$H" ] || forward fwd-swift-proxy "$OS_LOCAL_SWIFT_PORT"
  fi

  # ---- 6. optional Gnocchi + Aodh ----------------------------------------------------------------------------------
  if [ $WITH_TELEMETRY = 1 ]; then
    log "telemetry: gnocchi on :$OS_LOCAL_GNOCCHI_PORT, aodh on :$OS_LOCAL_AODH_PORT"
    STATE="$STATE" bash "$HERE/lib/telemetry.sh" || die "telemetry start failed"
  fi

  # Confirm the forwards answer (socat started last; a bind failure shows here, not at the first server's call).
  if [ "$PUBLIC" != "$H" ]; then
    wait_http fwd-heat "http://$PUBLIC:$OS_LOCAL_HEAT_PORT/"
    [ $WITH_SWIFT = 0 ] || wait_http fwd-swift-proxy "http://$PUBLIC:$OS_LOCAL_SWIFT_PORT/healthcheck"
  fi
  echo "$PUBLIC" >"$STATE/public-host"
  log "base ready in $(($(date +%s) - T0))s"
}

# One start (or stop) at a time: parallel `npm test` runs and a compute start must not interleave their restarts.
# This script runs again under `flock -o` (the lock file sits beside the state dir, which --purge removes):
# -o keeps the lock's file descriptor away from the daemons started here, which would otherwise hold the
# lock for as long as they live.
if ! base_running || [ $WITH_COMPUTE = 1 ]; then
  [ "$(id -u)" = 0 ] || die "run as root (installs packages, writes $STATE)"
  if [ "${FAAFO_CLOUD_LOCKED:-0}" != 1 ]; then
    rc=0; FAAFO_CLOUD_LOCKED=1 flock -o -E 75 -w 900 "$STATE-start.lock" bash "$0" "${ARGS[@]}" || rc=$?
    [ $rc = 75 ] && die "another start/stop of the test cloud held $STATE-start.lock for 15 min"
    exit $rc
  fi
  resolve_public
  base_running || start_base
fi

# ---- 7. compute (after the base: it registers in Keystone and Heat drives it) ------------------------------------
if [ $WITH_COMPUTE = 1 ]; then
  bash "$COMPUTE_DIR/start.sh" || die "compute/start.sh failed"
  touch "$STATE/with-compute"      # stop.sh stops compute only for the cloud that started it
  # The names the samples and the tests' Heat helpers pass, now checked for real (README.md "Heat plugins").
  # Again only when compute (re)started since (its ready file is newer): the check costs ~5 s on a busy machine.
  compute_ready="${OSC_STATE:-/var/lib/faafo-openstack-compute}/ready"
  if [ ! -e "$compute_ready" ] || [ ! "$STATE/fixtures.done" -nt "$compute_ready" ]; then
    "$PY" "$HERE/lib/fixtures.py" || die "test fixtures (lib/fixtures.py) failed"
    touch "$STATE/fixtures.done"
  fi
fi

print_env
