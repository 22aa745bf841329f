#!/usr/bin/env bash
# Compute smoke test of the test cloud, as the non-admin `demo`:
#   Heat stack lib/smoke-stack.yaml (tenant net + subnet + router to `public`,
#   security group "TCP 80 only", port, Debian 13 server on m1.small with RAW
#   user data, floating IP, wait condition) -> CREATE_COMPLETE only after the
#   server installed nodejs through the host's apt proxy and serves HTTP;
#   then from this host: GET http://FLOATING_IP/ answers, a TCP connect to
#   8081 (listening in the server, not allowed by the group) times out;
#   then the stack is deleted and none of its servers, ports, floating IPs,
#   routers, networks or security groups is left.
#
#   test/cloud/compute/smoke.sh [--keep]      exit 0 = ALL OK (prints a timeline)
#
# Needs test/cloud/compute/start.sh first. Before the base cloud listens on the
# public address itself, Heat's API is forwarded there for the test (socat).
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATE="${OSC_STATE:-/var/lib/faafo-openstack-compute}"
PUB="${OS_LOCAL_PUBLIC_HOST:-10.99.0.1}"
HEAT_PORT="${OS_LOCAL_HEAT_PORT:-8004}"
KS_PORT="${OS_LOCAL_KEYSTONE_PORT:-5000}"
WAIT_S="${OSC_BOOT_WAIT_S:-1800}"      # TCG boot + apt install: minutes
KEEP=0; [ "${1:-}" = --keep ] && KEEP=1
NAME="faafo-compute-smoke-$$"
T0=$(date +%s)
since() { echo "$(($(date +%s) - T0))"; }
log() { printf '[compute/smoke %s +%4ss] %s\n' "$(date +%T)" "$(since)" "$*" >&2; }
fail() { log "FAIL: $*"; exit 1; }
TIMELINE=()
mark() { TIMELINE+=("$(printf '%5ss  %s' "$(since)" "$1")"); log "$1"; }

# ---- credentials: demo, on whichever address Keystone answers ----------------------
curl -s -o /dev/null -m 3 "http://$PUB:$KS_PORT/v3" && KS_HOST=$PUB || KS_HOST=127.0.0.1
unset OS_CLOUD OS_TOKEN OS_AUTH_TYPE
export OS_AUTH_URL="http://$KS_HOST:$KS_PORT/v3" OS_IDENTITY_API_VERSION=3 OS_REGION_NAME=RegionOne \
  OS_INTERFACE=public OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default \
  OS_USERNAME=demo OS_PROJECT_NAME=demo OS_PASSWORD=secret
OSC() { openstack "$@" 2>/dev/null; }

# ---- Heat reachable from servers at $PUB:$HEAT_PORT ------------------------------------
# the base cloud may be restarting (another run of test/cloud/start.sh): wait for Heat first
for ((i = 0; i < 120; i += 2)); do curl -s -o /dev/null -m 3 "http://127.0.0.1:$HEAT_PORT/" && break; sleep 2; done
curl -s -o /dev/null -m 3 "http://127.0.0.1:$HEAT_PORT/" || fail "Heat does not answer on 127.0.0.1:$HEAT_PORT"
FWD=""
if ! curl -s -o /dev/null -m 3 "http://$PUB:$HEAT_PORT/"; then
  socat TCP-LISTEN:"$HEAT_PORT",bind="$PUB",fork,reuseaddr TCP:127.0.0.1:"$HEAT_PORT" &
  FWD=$!
  log "Heat listens on 127.0.0.1 only: forwarding $PUB:$HEAT_PORT for this test (socat pid $FWD)"
fi
cleanup() {
  [ -n "$FWD" ] && kill "$FWD" 2>/dev/null
  [ "$KEEP" = 0 ] && [ -n "${CREATED:-}" ] && [ -z "${DELETED:-}" ] && OSC stack delete -y --wait "$NAME" >/dev/null
}
trap cleanup EXIT

# ---- create, then watch resources until the stack settles ---------------------------------
OSC stack create -t "$HERE/lib/smoke-stack.yaml" --parameter heat_host="$PUB" "$NAME" >/dev/null \
  || fail "stack create was refused: $(openstack stack create --dry-run -t "$HERE/lib/smoke-stack.yaml" "$NAME" 2>&1 | tail -n 3)"
CREATED=1
mark "stack create $NAME"
FIP=""; HTTP_OK=""; declare -A SEEN=()
for ((i = 0; i < WAIT_S; i += 5)); do
  while read -r res status; do   # first time each resource completes
    [ "$status" = CREATE_COMPLETE ] || continue
    [ -n "${SEEN[$res]:-}" ] && continue
    case $res in
      server) mark "server ACTIVE" ;;
      wait) mark "wait condition signalled (nodejs installed, HTTP up)" ;;
      floating_ip)   # the address may not be readable at once: retry on the next round
        FIP=$(OSC floating ip show "$(OSC stack resource show "$NAME" floating_ip -f value -c physical_resource_id)" -f value -c floating_ip_address)
        [[ $FIP =~ ^[0-9.]+$ ]] || { FIP=""; continue; }
        mark "floating IP $FIP" ;;
    esac
    SEEN[$res]=1
  done < <(OSC stack resource list "$NAME" -f value -c resource_name -c resource_status)
  if [ -n "$FIP" ] && [ -z "$HTTP_OK" ] && curl -sf -m 3 -o /dev/null "http://$FIP/"; then
    HTTP_OK=1; mark "first HTTP answer from http://$FIP/"
  fi
  ST=$(OSC stack show "$NAME" -f value -c stack_status)
  case "$ST" in *_IN_PROGRESS|"") sleep 5 ;; *) break ;; esac
done
if [ "$ST" != CREATE_COMPLETE ]; then
  OSC stack show "$NAME" -f value -c stack_status_reason >&2
  SRV=$(OSC stack resource show "$NAME" server -f value -c physical_resource_id)
  [ -n "$SRV" ] && OSC console log show "$SRV" | tail -n 40 >&2
  fail "stack $ST"
fi
mark "CREATE_COMPLETE"
NODE=$(OSC stack output show "$NAME" node_version -f value -c output_value)
log "server says: node $NODE"
[[ $NODE == *'"v'[0-9]* ]] || fail "wait condition data is not a node version: $NODE"

# ---- from the host: port 80 answers, 8081 (listening, not allowed) is filtered ---------------
[ -n "$FIP" ] || fail "no floating IP"
BODY=$(curl -sf -m 10 "http://$FIP/") || fail "GET http://$FIP/ failed"
[[ $BODY == *"faafo smoke"* ]] || fail "unexpected answer from http://$FIP/: $BODY"
[ -n "$HTTP_OK" ] || mark "first HTTP answer from http://$FIP/"
curl -s -m 8 -o /dev/null "http://$FIP:8081/"; rc=$?
case $rc in
  28) log "http://$FIP:8081/ timed out: the security group filters it (port 80 answers)" ;;
  0) fail "8081 answered: security groups are NOT enforced" ;;
  *) fail "8081: curl rc $rc (expected 28 = timeout, i.e. filtered)" ;;
esac

# ---- delete: nothing of the stack may stay behind ------------------------------------------------
IDS=()
while read -r type id; do [ -n "$id" ] && IDS+=("$type $id"); done < <(OSC stack resource list "$NAME" -f value -c resource_type -c physical_resource_id)
if [ "$KEEP" = 1 ]; then log "ALL OK (kept: openstack stack delete $NAME)"; exit 0; fi
# a second try: a delete racing Heat's own cancel of a create may end DELETE_FAILED once
OSC stack delete -y --wait "$NAME" >/dev/null || OSC stack delete -y --wait "$NAME" >/dev/null || fail "stack delete failed"
DELETED=1
mark "stack deleted"
left=()
for e in "${IDS[@]}"; do
  read -r type id <<<"$e"
  case $type in
    OS::Nova::Server) OSC server show "$id" >/dev/null && left+=("server $id") ;;
    OS::Neutron::Port) OSC port show "$id" >/dev/null && left+=("port $id") ;;
    OS::Neutron::FloatingIP) OSC floating ip show "$id" >/dev/null && left+=("floating IP $id") ;;
    OS::Neutron::Router) OSC router show "$id" >/dev/null && left+=("router $id") ;;
    OS::Neutron::Net) OSC network show "$id" >/dev/null && left+=("network $id") ;;
    OS::Neutron::SecurityGroup) OSC security group show "$id" >/dev/null && left+=("security group $id") ;;
  esac
done
[ ${#left[@]} = 0 ] || fail "left behind after delete: ${left[*]}"
log "nothing left behind"

printf '\ntimeline (seconds after stack create was sent):\n' >&2
printf '  %s\n' "${TIMELINE[@]}" >&2
log "ALL OK"
