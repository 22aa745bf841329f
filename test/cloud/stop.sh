#!/usr/bin/env bash
# Stop exactly the daemons test/cloud/start.sh started, by their pid files (never by name: other clouds or tests
# may run the same programs).
#   stop.sh              compute (compute/stop.sh, if this cloud started it), then Aodh, Gnocchi, Swift, Heat, Keystone
#   stop.sh --purge      the same, then delete the state dir (databases, logs, keys) and Gnocchi's database
#                        faafo_gnocchi on the database server; compute/stop.sh gets --purge too
#   stop.sh --telemetry  only Gnocchi + Aodh (e.g. before stopping the database server)
#   stop.sh --base       everything but compute (start.sh uses it when the public address changes)
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATE="${OS_LOCAL_STATE:-/var/lib/faafo-openstack}"
MODE="${1:-}"
case "$MODE" in ""|--purge|--telemetry|--base) ;; *) echo "stop.sh: unknown argument: $MODE" >&2; exit 2 ;; esac

# The same lock as start.sh (unless start.sh, holding it, runs this); -o: see start.sh.
if [ "${FAAFO_CLOUD_LOCKED:-0}" != 1 ]; then
  FAAFO_CLOUD_LOCKED=1 exec flock -o -w 900 "$STATE-start.lock" bash "$0" "$@"
fi

stop_one() {  # stop_one NAME EXPECTED_CMDLINE_WORD
  local f="$STATE/run/$1.pid" pid i
  [ -s "$f" ] || return 0
  pid=$(cat "$f")
  # Only signal the pid if it still is the program we started (pid reuse).
  local cmd
  cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || cmd=""
  if kill -0 "$pid" 2>/dev/null && [[ "$cmd" == *"$2"* ]]; then
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "[stop.sh] $1 ($pid) ignored SIGTERM; sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null
    fi
    echo "[stop.sh] stopped $1 ($pid)" >&2
  fi
  rm -f "$f"
}

# Compute first: its services use Keystone and are driven by Heat. Only when THIS cloud started it
# (start.sh --with-compute leaves $STATE/with-compute): a second instance (other OS_LOCAL_STATE and ports)
# must never stop, let alone purge, the compute of the first.
if { [ -z "$MODE" ] || [ "$MODE" = --purge ]; } && [ -e "$STATE/with-compute" ] && [ -f "$HERE/compute/stop.sh" ]; then
  bash "$HERE/compute/stop.sh" $MODE || echo "[stop.sh] compute/stop.sh failed; stopping the base anyway" >&2
fi

stop_one aodh-alarming aodh_alarming
stop_one aodh-api uwsgi
stop_one gnocchi-metricd gnocchi-metricd
stop_one gnocchi-api uwsgi
[ "$MODE" = --telemetry ] && exit 0
# the public address's forwards (start.sh --with-compute) go with the daemons they lead to
for s in fwd-swift-proxy fwd-heat-cfn fwd-heat; do stop_one "$s" socat; done
for s in swift-proxy swift-account swift-container swift-object; do stop_one "$s" "$s-server"; done
stop_one heat heat-all
stop_one keystone uwsgi

if [ "$MODE" = --purge ]; then
  case "$STATE" in /|"") echo "refusing to purge '$STATE'" >&2; exit 1 ;; esac
  # Gnocchi's indexer database (faafo_gnocchi) lives on the PostgreSQL/MariaDB server
  if [ -e "$STATE/etc/gnocchi.conf" ]; then
    /usr/bin/python3 "$HERE/lib/telemetry_setup.py" dropdb "$STATE/etc/gnocchi.conf" \
      || echo "[stop.sh] could not drop Gnocchi's database (server down?)" >&2
  fi
  rm -rf "$STATE"
  echo "[stop.sh] removed $STATE" >&2
fi
exit 0
