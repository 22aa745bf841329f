#!/usr/bin/env bash
# Swift all-in-one on 127.0.0.1 (called by `start.sh --with-swift`, which
# exports the variables used here; start.sh also forwards the public address's
# :8080 to the proxy when the cloud has compute).  One replica, one device directory,
# account/container/object servers on 6202/6201/6200, proxy on 8080 with
# keystone auth (authtoken + keystoneauth) and tempurl.  Own swift.conf and
# rings under $STATE/swift/etc (swift_dir), so /etc/swift is not used.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
: "${STATE:?}" "${OS_LOCAL_HOST:?}" "${OS_LOCAL_PASSWORD:?}"
H=$OS_LOCAL_HOST
PY=/usr/bin/python3
export OS_LOCAL_SWIFT_PORT="${OS_LOCAL_SWIFT_PORT:-8080}"
SW="$STATE/swift"
KS_URL="http://$H:$OS_LOCAL_KEYSTONE_PORT"
log() { printf '[swift.sh %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
alive() {  # pid file exists and that pid still runs swift-<name>-server
  local cmd
  [ -s "$STATE/run/$1.pid" ] && cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$(cat "$STATE/run/$1.pid")/cmdline") \
    && [[ "$cmd" == *"$1-server"* ]]
}

mkdir -p "$SW"/{etc,node/d1}

cat >"$SW/etc/swift.conf" <<EOF
[swift-hash]
swift_hash_path_suffix = faafo-local-test
swift_hash_path_prefix = faafo-local-test
[storage-policy:0]
name = Policy-0
default = yes
EOF

# Rings: 2^8 partitions, 1 replica, 1 device (only built once).
for t in account:6202 container:6201 object:6200; do
  name=${t%%:*} port=${t##*:}
  if [ ! -e "$SW/etc/$name.ring.gz" ]; then
    swift-ring-builder "$SW/etc/$name.builder" create 8 1 1 >/dev/null
    swift-ring-builder "$SW/etc/$name.builder" add "r1z1-$H:$port/d1" 1 >/dev/null
    swift-ring-builder "$SW/etc/$name.builder" rebalance >/dev/null || true
  fi
  cat >"$SW/etc/$name-server.conf" <<EOF
[DEFAULT]
bind_ip = $H
bind_port = $port
workers = 0
user = root
swift_dir = $SW/etc
devices = $SW/node
mount_check = false
[pipeline:main]
pipeline = $name-server
[app:$name-server]
use = egg:swift#$name
EOF
done

cat >"$SW/etc/proxy-server.conf" <<EOF
[DEFAULT]
bind_ip = $H
bind_port = $OS_LOCAL_SWIFT_PORT
workers = 0
user = root
swift_dir = $SW/etc
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging listing_formats tempurl authtoken keystoneauth copy slo dlo versioned_writes proxy-logging proxy-server
[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:tempurl]
use = egg:swift#tempurl
[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
www_authenticate_uri = $KS_URL/v3
auth_url = $KS_URL
auth_type = password
username = swift
password = $OS_LOCAL_PASSWORD
project_name = service
user_domain_name = Default
project_domain_name = Default
delay_auth_decision = True
[filter:keystoneauth]
use = egg:swift#keystoneauth
operator_roles = admin, member
reseller_admin_role = ResellerAdmin
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
[filter:versioned_writes]
use = egg:swift#versioned_writes
EOF

# Keystone: swift service user + object-store endpoints (idempotent; again
# when the public address the catalog names has changed).
if [ "$(cat "$STATE/swift.registered" 2>/dev/null)" != "${OS_LOCAL_PUBLIC_HOST:-$H}" ]; then
  OS_LOCAL_WITH_SWIFT=1 "$PY" "$HERE/register.py"
  echo "${OS_LOCAL_PUBLIC_HOST:-$H}" >"$STATE/swift.registered"
fi

# -v: log to stdout as well (there is no syslog daemon here).
for s in account container object proxy; do
  alive "swift-$s" && continue
  setsid "swift-$s-server" "$SW/etc/$s-server.conf" -v \
    >>"$STATE/log/swift-$s.log" 2>&1 </dev/null &
  echo $! >"$STATE/run/swift-$s.pid"
done

for ((i = 0; i < 120; i++)); do
  curl -sf -o /dev/null "http://$H:$OS_LOCAL_SWIFT_PORT/healthcheck" && exit 0
  for s in account container object proxy; do
    alive "swift-$s" || { tail -n 30 "$STATE/log/swift-$s.log" >&2; die "swift-$s died"; }
  done
  sleep 0.5
done
tail -n 30 "$STATE/log/swift-proxy.log" >&2
die "swift proxy did not answer on :$OS_LOCAL_SWIFT_PORT"
