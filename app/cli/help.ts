// Help texts for `faafo --help` and `faafo <command> --help`.
import { DEFAULTS } from '../config.js';

const SERVICE_FLAGS = `Service settings (flag, environment variable, default):
  --database-url URL   FAAFO_DATABASE_URL  ${DEFAULTS.databaseUrl}  (or postgresql://..., mysql://...)
  --queue-url URL      FAAFO_QUEUE_URL     ${DEFAULTS.queueUrl}  (in-process; amqp://USER:PASS@HOST:5672/VHOST for RabbitMQ)
  --image-url URL      FAAFO_IMAGE_URL     ${DEFAULTS.imageUrl}
  --port N             PORT                ${DEFAULTS.port}
  --host ADDR          FAAFO_HOST          ${DEFAULTS.host}
  --threads N          FAAFO_THREADS       all cores (render threads per worker)
  --generated-by NAME  FAAFO_GENERATED_BY  this host's name`;

const API_FLAGS = `  --trust-proxy        FAAFO_TRUST_PROXY      off  (use X-Forwarded-Proto/-Host of a load balancer in Location/Link)
  --startup-timeout S  FAAFO_STARTUP_TIMEOUT  120  (seconds to keep retrying a database not reachable yet; 0: none)
  --advertise-url URL  FAAFO_ADVERTISE_URL    none  (where workers reach THIS server, e.g. http://10.0.0.7/: sent as
                                              api_url in every task, so workers report here first)

Who may write and the work budget (all off unless given; secrets are best given in the environment):
  --result-secret S    FAAFO_RESULT_SECRET    results only with X-Faafo-Result-Secret: S (serve makes one up)
  --legacy-workers allow|deny          FAAFO_LEGACY_WORKERS  allow: the original worker (no secret) may upload
  --legacy-worker-cidrs CIDR,...       FAAFO_LEGACY_WORKER_CIDRS  ... only from these networks (socket address)
  --api-key KEY        FAAFO_API_KEY          creates, edits and deletes need Authorization: Bearer KEY
  --anonymous-writes allow|deny        FAAFO_ANONYMOUS_WRITES  allow: anyone may create/edit/delete (tutorial)
  --max-work N         FAAFO_MAX_WORK         width x height x iterations per fractal (413 beyond)
  --writes-per-minute N                FAAFO_WRITES_PER_MINUTE  per client address (429 beyond)
  --max-backlog N      FAAFO_MAX_BACKLOG      fractals waiting to be rendered (503 + Retry-After beyond)
  --internal-port N    FAAFO_INTERNAL_PORT    serve /metrics (and health) there only, not on --port
  --internal-host ADDR FAAFO_INTERNAL_HOST    default: --host`;

export const HELP: Record<string, string> = {
  '': `faafo: the fractal service (faafo-compatible API, workers, client)

Usage: faafo [--endpoint-url URL] <command> [options]

Service commands:
  serve     API + workers + embedded queue and database in one process (the embedded default)
  api       the REST API and gallery only
  worker    a worker only: takes tasks from the queue, renders, stores results through the API

Client commands (talk to --endpoint-url / FAAFO_ENDPOINT_URL, default ${DEFAULTS.endpointUrl}):
  create    request fractals (random parameters like the original client unless given)
  list      list all fractals
  show      show one fractal
  delete    delete one fractal
  get       download a fractal's PNG

Options for every command:
  --endpoint-url URL   the faafo API (env FAAFO_ENDPOINT_URL)
  --api-key KEY        the API's key for create and delete when it requires one (env FAAFO_API_KEY)
  --json               machine-readable output
  -h, --help           help for a command: faafo <command> --help

Exit codes: 0 ok, 1 failure (unreachable API, unknown fractal...), 2 bad usage.
`,
  serve: `Usage: faafo serve [--workers N] [settings]

Runs the API, N workers, the queue and the database in one process. With no settings everything is embedded:
SQLite in .faafo/faafo.sqlite, images in .faafo/images, an in-process queue. Stop with Ctrl-C (SIGINT) or
SIGTERM: workers finish their current fractal first.

  --workers N          FAAFO_WORKERS       ${DEFAULTS.workers}
${SERVICE_FLAGS}
${API_FLAGS}
`,
  api: `Usage: faafo api [settings]

Runs the REST API (/v1/fractal), the gallery (/), /healthz, /readyz and /metrics. For separate workers, use a
shared queue (--queue-url amqp://...) and database (--database-url postgresql://... or mysql://...).

${SERVICE_FLAGS}
${API_FLAGS}
`,
  worker: `Usage: faafo worker --queue-url amqp://... [--endpoint-url URL[,URL...]] [--threads N] [--generated-by NAME]

Takes one task at a time from the queue (exchange tasks, queue normal), renders it and stores the PNG through
the API at --endpoint-url (PUT /v1/fractal/<uuid>/image); acknowledges only once the API has stored it.
SIGTERM/SIGINT: stops taking tasks, finishes the current one, exits 0. Several API URLs separated by commas: the
worker uses one and moves on to the next when it cannot be reached or answers 5xx (API servers without a load
balancer, where any of them may be removed). A task that names the API server that queued it (api_url, from that
server's --advertise-url) goes there first, then to --endpoint-url, then to APIs earlier tasks named; with such
tasks no endpoint is needed: FAAFO_ENDPOINT_URL= (empty) means none. The result secret goes to that API too:
set --api-url-cidrs whenever anything but the stack's own servers can publish to the queue.

${SERVICE_FLAGS}
  --endpoint-url URL[,URL...]  FAAFO_ENDPOINT_URL  ${DEFAULTS.endpointUrl}
  --result-secret S    FAAFO_RESULT_SECRET  sent with each result when the API requires it
  --api-url-cidrs CIDR,...     FAAFO_API_URL_CIDRS  none  (a task's api_url is used only when its host is an IP
                                                    address in these networks, e.g. 10.0.0.0/24; host names never)
`,
  create: `Usage: faafo create [--tasks N] [--width N] [--height N] [--iterations N] [--xa X] [--xb X] [--ya Y] [--yb Y]
                    [--cr R --ci I] [--json]

Requests N fractals. Each parameter not given is drawn per fractal like the original client: tasks 1..10,
width and height 256..1024, iterations 128..512, xa in [-4,-1], xb in [1,4], ya in [-3,-0.5], yb in [0.5,3].
--cr/--ci fix the Julia constant (otherwise the worker picks one at random, as the original did).
Example: faafo create --height 9999 --width 9999 --tasks 5
`,
  list: `Usage: faafo list [--json]

Lists every fractal (walks all pages): UUID, dimensions, file size.
`,
  show: `Usage: faafo show <uuid> [--json]

Shows one fractal's parameters and result (duration, size, checksum, generated_by).
`,
  delete: `Usage: faafo delete <uuid> [--json]

Deletes one fractal and its image.
`,
  get: `Usage: faafo get <uuid> [--output FILE] [--json]

Downloads the fractal's PNG to FILE (default <uuid>.png; - for stdout).
`,
};
