#!/usr/bin/env bash
# End-to-end smoke test of the local Keystone + Heat (starts them if needed).
# Uses the openstack CLI for the user-facing steps and curl against the REST
# API for fast polling.  Prints the wall time of every step; exit 0 = all OK.
#   smoke.sh [--keep] [--with-swift]
#     --keep        do not delete the stack at the end
#     --with-swift  also start Swift and check upload + TempURL download
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
S="$HERE/samples"
KEEP=0; SWIFT=0
for a in "$@"; do
  case "$a" in
    --keep) KEEP=1 ;;
    --with-swift) SWIFT=1 ;;
    *) echo "unknown argument: $a" >&2; exit 2 ;;
  esac
done
PY=/usr/bin/python3
STACK="faafo-smoke-$$"
POLL_S="${SMOKE_TIMEOUT_S:-120}"

if [ $SWIFT = 1 ]; then "$HERE/start.sh" --with-swift >/dev/null; else "$HERE/start.sh" >/dev/null; fi
# shellcheck source=env.sh
. "$HERE/env.sh" demo

now_ms() { echo $(($(date +%s%N) / 1000000)); }
secs() { local ms=$(($(now_ms) - $1)); printf '%d.%02ds' $((ms / 1000)) $((ms % 1000 / 10)); }
T_ALL=$(now_ms)
step_t=0
step() { step_t=$(now_ms); printf '%-56s' "$*"; }
ok() { printf 'ok %7s  %s\n' "$(secs "$step_t")" "${*:-}"; }
fail() { echo "FAIL: $*"; echo "--- heat.log tail:"; tail -n 20 "${OS_LOCAL_STATE:-/var/lib/faafo-openstack}/log/heat.log" | cut -c1-300; exit 1; }
json() { "$PY" -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# REST helpers (a token for the demo user; Heat URL with its project id)
TOKRESP=$(curl -sf -i -X POST "$OS_AUTH_URL/auth/tokens" -H 'Content-Type: application/json' -d \
  '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"demo","domain":{"id":"default"},"password":"secret"}}},
    "scope":{"project":{"name":"demo","domain":{"id":"default"}}}}}') || fail "keystone token"
TOK=$(echo "$TOKRESP" | awk 'tolower($1)=="x-subject-token:"{print $2}' | tr -d '\r')
PRJ=$(echo "$TOKRESP" | tail -n 1 | json 'd["token"]["project"]["id"]')
HEAT="$OS_HEAT_URL/$PRJ"
get() { curl -sf -L -H "X-Auth-Token: $TOK" "$HEAT/$1"; }
stack_status() { get "stacks/$STACK/$SID" | json 'd["stack"]["stack_status"]'; }
output() { get "stacks/$STACK/$SID/outputs/$1" | json 'json.dumps(d["output"]["output_value"])'; }
wait_status() {  # wait_status WANTED -> polls every 0.5 s
  local s i
  for ((i = 0; i < POLL_S * 2; i++)); do
    s=$(stack_status) || s=GONE
    [ "$s" = "$1" ] && return 0
    case "$s" in *FAILED) fail "stack is $s: $(get "stacks/$STACK/$SID" | json 'd["stack"]["stack_status_reason"]')";; esac
    sleep 0.5
  done
  fail "timeout waiting for $1 (last: $s)"
}
asg_meta() { get "stacks/$STACK/$SID/resources/$1/metadata" | json 'json.dumps(d["metadata"], sort_keys=True)'; }
wait_scaled() {  # wait_scaled ASG SIZE META_BEFORE_SIGNAL
  # A signal is handled asynchronously, and the current_size output flips
  # before the resize has finished.  Done = the group's metadata changed
  # (new cooldown_end entry) and scaling_in_progress is false again.
  local m i
  for ((i = 0; i < POLL_S * 2; i++)); do
    m=$(asg_meta "$1")
    if [ "$m" != "$3" ] && echo "$m" | grep -q '"scaling_in_progress": false'; then
      [ "$(output "${1%_asg}_current_size")" = "$2" ] || fail "$1 finished scaling but size != $2"
      [ "$(members "$1")" = "$2" ] || fail "nested stack of $1 does not have $2 members"
      return 0
    fi
    sleep 0.5
  done
  fail "$1 did not finish scaling to $2 (metadata: $m)"
}
members() {  # number of member resources in the nested stack of ASG $1
  local nested
  nested=$(get "stacks/$STACK/$SID/resources/$1" | json 'd["resource"]["physical_resource_id"]')
  get "stacks/$nested/resources" | json 'len(d["resources"])'
}

echo "== faafo local Heat smoke test (stack $STACK)"
step "1. token issue (demo, openstack CLI)"
openstack token issue -f value -c id >/dev/null || fail "token issue"; ok

step "2a. template validate, real types (no env)"
openstack orchestration template validate -t "$S/faafo-autoscaling.yaml" >/dev/null || fail validate; ok
step "2b. template validate with env-none.yaml"
openstack orchestration template validate -t "$S/faafo-autoscaling.yaml" -e "$HERE/env-none.yaml" >/dev/null \
  || fail "validate with env"; ok

step "2c. stack preview (--dry-run), real types (no env)"
openstack stack create --dry-run -t "$S/faafo-autoscaling.yaml" "$STACK-preview" >/dev/null \
  || fail "stack preview"; ok

step "3a. stack create (env-none.yaml) accepted"
SID=$(openstack stack create -t "$S/faafo-autoscaling.yaml" -e "$HERE/env-none.yaml" \
  --parameter scaling_cooldown=0 --parameter wait_timeout=300 "$STACK" -f value -c id) || fail "stack create"
ok "id=$SID"
step "3b. wait_handle ready; signal it via its curl_cli"
for ((i = 0; i < POLL_S * 2; i++)); do
  CLI=$(get "stacks/$STACK/$SID/resources/wait_handle" 2>/dev/null \
        | json 'd["resource"]["attributes"]["curl_cli"] if d["resource"]["resource_status"]=="CREATE_COMPLETE" else ""') || CLI=
  [ -n "$CLI" ] && break; sleep 0.5
done
[ -n "$CLI" ] || fail "wait_handle never became CREATE_COMPLETE"
# What the controller's user_data would run (token of a heat-domain stack user).
eval "$CLI -sf -o /dev/null --data-binary '{\"status\": \"SUCCESS\", \"data\": \"controller up\"}'" \
  || fail "wait condition signal"
ok
step "3c. stack CREATE_COMPLETE"
wait_status CREATE_COMPLETE; ok

step "4. outputs readable"
OUTS=$(get "stacks/$STACK/$SID/outputs" | json '",".join(sorted(o["output_key"] for o in d["outputs"]))')
[ "$(output api_current_size)" = 1 ] || fail "api_current_size != 1"
[ "$(output worker_current_size)" = 1 ] || fail "worker_current_size != 1"
PW=$(output db_password); [ ${#PW} = 26 ] || fail "db_password: $PW"
[ "$(output wait_data)" = '"{\"1\": \"controller up\"}"' ] || fail "wait_data: $(output wait_data)"
[ "$(output lb_vip)" = null ] || fail "lb_vip should be null (OS::Heat::None)"
UP_URL=$(output api_scale_up_url | json 'd')
DOWN_URL=$(output api_scale_down_url | json 'd')
case "$UP_URL" in "$HEAT"/stacks/*/resources/api_scale_up/signal) ;; *) fail "signal_url: $UP_URL" ;; esac
ok "$(echo "$OUTS" | tr ',' ' ' | wc -w) outputs"

step "5. scale up: openstack stack resource signal"
M=$(asg_meta api_asg)
openstack stack resource signal "$STACK" api_scale_up || fail "signal"
wait_scaled api_asg 2 "$M"
ok "api_current_size 1 -> 2"
step "6. scale down: POST signal_url (as Aodh trust+ would)"
M=$(asg_meta api_asg)
curl -sf -o /dev/null -X POST -H "X-Auth-Token: $TOK" -H 'Content-Type: application/json' \
  -d '{"current": "alarm", "reason": "smoke"}' "$DOWN_URL" || fail "POST $DOWN_URL"
wait_scaled api_asg 1 "$M"
ok "api_current_size 2 -> 1"
step "6b. scale up: POST alarm_url (EC2-signed, no token)"
M=$(asg_meta api_asg)
curl -sf -o /dev/null -X POST "$(output api_scale_up_alarm_url | json 'd')" || fail "POST alarm_url"
wait_scaled api_asg 2 "$M"
ok "api_current_size 1 -> 2"

step "7. stack update --existing worker_min_size=2"
openstack stack update --existing --parameter worker_min_size=2 "$STACK" >/dev/null || fail update
wait_status UPDATE_COMPLETE
[ "$(output worker_current_size)" = 2 ] || fail "worker_current_size != 2 after update"
ok "worker_current_size 1 -> 2"

if [ $KEEP = 0 ]; then
  step "8. stack delete"
  openstack stack delete -y "$STACK" >/dev/null || fail delete
  for ((i = 0; i < POLL_S * 2; i++)); do
    s=$(get "stacks/$STACK/$SID" | json 'd["stack"]["stack_status"]' 2>/dev/null) || s=GONE
    [ "$s" = DELETE_COMPLETE ] || [ "$s" = GONE ] && break
    [ "$s" = DELETE_FAILED ] && fail "DELETE_FAILED"
    sleep 0.5
  done
  [ "$s" = DELETE_COMPLETE ] || [ "$s" = GONE ] || fail "delete timeout ($s)"
  ok "$s"
fi
if [ $SWIFT = 1 ]; then
  SU="http://127.0.0.1:${OS_LOCAL_SWIFT_PORT:-8080}/v1/AUTH_$PRJ"
  C="faafo-smoke-$$"
  step "9a. swift: upload object (demo token)"
  # A CONTAINER key: the account's key belongs to the tests and stacks that sign TempURLs with it
  # (replacing it would invalidate their URLs).
  curl -sf -o /dev/null -X PUT -H "X-Auth-Token: $TOK" -H "X-Container-Meta-Temp-URL-Key: faafo-smoke-key" \
    "$SU/$C" || fail "PUT container with its Temp-URL-Key"
  curl -sf -o /dev/null -X PUT -H "X-Auth-Token: $TOK" --data-binary "hello from $C" "$SU/$C/hello.txt" \
    || fail "PUT object"
  ok
  step "9b. swift: fetch it by TempURL (no token)"
  EXP=$(($(date +%s) + 300)); P="/v1/AUTH_$PRJ/$C/hello.txt"
  SIG=$("$PY" -c 'import hmac,hashlib,sys; print(hmac.new(b"faafo-smoke-key", ("GET\n%s\n%s" % (sys.argv[1], sys.argv[2])).encode(), hashlib.sha256).hexdigest())' "$EXP" "$P")
  BODY=$(curl -sf "${SU%/v1/*}$P?temp_url_sig=$SIG&temp_url_expires=$EXP") || fail "TempURL GET"
  [ "$BODY" = "hello from $C" ] || fail "TempURL body: $BODY"
  [ "$(curl -s -o /dev/null -w '%{http_code}' "${SU%/v1/*}$P")" = 401 ] || fail "object readable without auth"
  curl -sf -o /dev/null -X DELETE -H "X-Auth-Token: $TOK" "$SU/$C/hello.txt" && \
    curl -sf -o /dev/null -X DELETE -H "X-Auth-Token: $TOK" "$SU/$C" || fail "cleanup"
  ok "content matches; anonymous GET 401"
fi
echo "ALL OK in $(secs "$T_ALL")"
