#!/usr/bin/env bash
# Start whatever the test suite needs that is not already running (idempotent, ~1 s when all are up):
# PostgreSQL, MariaDB, RabbitMQ (the machine doc's commands), and the project's test cloud test/cloud/ (Keystone,
# Heat, Swift, Gnocchi, Aodh; with compute, the Nova/Neutron/Glance/Placement that test/cloud-real/ boots servers
# on; test/cloud/README.md). Needs root for the OpenStack part, as CI and the dev machines have. A cloud already
# running with compute stays as it is (start.sh keeps its public address).
set -u
up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
waitport() { for _ in $(seq 1 60); do up "$1" && return 0; sleep 1; done; echo "ensure-services: port $1 did not open" >&2; return 1; }

if ! up 5432; then pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start; waitport 5432; fi
if ! up 3306; then start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd; waitport 3306; fi
if ! up 5672; then rabbitmq-server -detached; waitport 5672; fi

cloud="$(cd "$(dirname "$0")/.." && pwd)/test/cloud"
if [ "${FAAFO_SKIP_OPENSTACK:-0}" != 1 ]; then
  bash "$cloud/start.sh" --with-swift --with-telemetry --with-compute > "${TMPDIR:-/tmp}/faafo-openstack-start.log" 2>&1 || {
    echo "ensure-services: local OpenStack failed to start; see ${TMPDIR:-/tmp}/faafo-openstack-start.log" >&2
    tail -n 20 "${TMPDIR:-/tmp}/faafo-openstack-start.log" >&2; exit 1; }
fi
if ! command -v chromium >/dev/null 2>&1; then
  (apt-get install -y --no-install-recommends chromium || { apt-get update && apt-get install -y --no-install-recommends chromium; }) > "${TMPDIR:-/tmp}/faafo-apt-chromium.log" 2>&1 ||
    { echo "ensure-services: could not install chromium (see ${TMPDIR:-/tmp}/faafo-apt-chromium.log)" >&2; exit 1; }
fi
exit 0
