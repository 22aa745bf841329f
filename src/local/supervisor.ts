// `faafo-stack local up`: the generated topology as processes on this machine. N `faafo api` behind a round-robin
// balancer health-checked on /healthz, M `faafo worker`, a shared queue and database, and the local autoscaler
// applying monitoring/decision to each tier (CPU of the tier's processes, or the queue backlog for workers).
// A control server (control.ts) shows the live page, /api/state and /api/history (the run's samples, kept here so
// a page opened mid-run draws the whole run); the state file lets `local status|down` and `load` find it.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { TierScaling } from '../../monitoring/decision.js';
import { readQueueSignal, backlogPerWorker } from '../../monitoring/metrics.js';
import { Balancer } from './balancer.js';
import { CpuMeter, type CpuMeasure } from './cpu.js';
import { controlHandler } from './control.js';
import { RunHistory, thresholdsOf } from './history.js';
import { listenOn } from './ports.js';
import { freePort, spawnService, stopService, type ServiceProcess } from './procs.js';
import { writeState, removeState, stateDirOf, stateFileOf, type LocalState, type TierView } from './state.js';
import { LocalTier, type DecisionRecord } from './tier.js';

export interface LocalOptions {
  cwd: string;
  /** Balancer port (the app URL); 0 = any free port. */
  port: number;
  /** Control page port; 0 = any free port. */
  controlPort: number;
  databaseUrl: string;
  queueUrl: string;
  imageUrl: string;
  /** Render threads per worker. */
  threads: number;
  api: TierScaling;
  workers: TierScaling;
  workerMetric: 'cpu' | 'queue';
  /**
   * CPU figure the CPU-driven tiers use: 'used' (what Gnocchi's cpu metric measures on a cloud), or 'demand'
   * (used + time spent waiting for a core: right on a shared machine where processes compete for few cores).
   */
  cpuMeasure?: CpuMeasure;
  /** Seconds between metric samples (several per period). */
  sampleS: number;
  /** Seconds a stopped worker may take to finish its task before SIGKILL. */
  stopGraceS: number;
  log?: (line: string) => void;
}

export interface LocalRun {
  appUrl: string;
  controlUrl: string;
  state(): LocalState;
  stop(): Promise<void>;
}

function redact(url: string): string {
  return url.replace(/^([a-z0-9+.-]+:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}

/** Local mode runs several processes: they can only meet on a queue that lives outside them. */
export async function checkSharedQueue(queueUrl: string): Promise<void> {
  if (queueUrl.startsWith('memory:')) {
    throw new Error(
      'local mode runs the API and workers as separate processes, and the memory: queue lives inside one process; give --queue-url amqp://user:pass@host:5672/vhost (RabbitMQ), or use `faafo serve` for one process',
    );
  }
  if (queueUrl.startsWith('sqlite:')) return; // the embedded queue: a file every process of this machine opens
  const u = new URL(queueUrl);
  const port = Number(u.port || (u.protocol === 'amqps:' ? 5671 : 5672));
  await new Promise<void>((resolve, reject) => {
    const s = net.connect({ host: u.hostname, port, timeout: 3000 });
    s.once('connect', () => (s.destroy(), resolve()));
    s.once('timeout', () => (s.destroy(), reject(new Error(`queue ${redact(queueUrl)} does not answer (timeout)`))));
    s.once('error', (e: NodeJS.ErrnoException) =>
      reject(new Error(`queue ${redact(queueUrl)} is not reachable (${e.code ?? e.message}); start RabbitMQ or give --queue-url`)),
    );
  });
}

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export async function startLocal(o: LocalOptions): Promise<LocalRun> {
  await checkSharedQueue(o.queueUrl);
  const log = o.log ?? (() => {});
  const dir = stateDirOf(o.cwd);
  const logDir = path.join(dir, 'logs');
  const stateFile = stateFileOf(o.cwd);
  const balancer = new Balancer();
  const lbPort = await balancer.listen(o.port);
  const appUrl = `http://127.0.0.1:${lbPort}`;
  const startedAt = new Date().toISOString();
  const decisions: DecisionRecord[] = [];
  const cpu = new CpuMeter(o.cpuMeasure ?? 'demand');
  const cpuOf = new Map<number, number | null>();
  let seq = 0;
  const env = {
    FAAFO_DATABASE_URL: o.databaseUrl,
    FAAFO_QUEUE_URL: o.queueUrl,
    FAAFO_IMAGE_URL: o.imageUrl,
    FAAFO_ENDPOINT_URL: appUrl,
    FAAFO_THREADS: String(o.threads),
    // Results come only from this run's workers (issue 15): a secret made up per run, passed in the environment
    // (never on a command line, never printed or written to the state file).
    FAAFO_RESULT_SECRET: randomBytes(32).toString('base64url'),
  };
  const onDecision = (r: DecisionRecord) => {
    decisions.push(r);
    if (decisions.length > 200) decisions.shift();
    log(`${r.at} ${r.tier} ${r.action} ${r.from} -> ${r.to}: ${r.reason}${r.members.length ? ` [${r.members.join(', ')}]` : ''}`);
  };
  const apiTier = new LocalTier('api', o.api, 'cpu', {
    start: async () => {
      const name = `api-${++seq}`;
      const port = await freePort();
      const p = await spawnService({ tier: 'api', name, env: { ...env, FAAFO_GENERATED_BY: name }, logDir, cwd: o.cwd, port });
      balancer.add(name, port);
      return p;
    },
    ready: (p) => waitFor(async () => (await balancer.checkAll(), balancer.isHealthy(p.name)), 180_000, `${p.name} /healthz`),
    stop: async (p) => {
      balancer.remove(p.name);
      await stopService(p, 15);
      cpu.forget(p.pid);
    },
    onDecision,
  });
  const workerTier = new LocalTier('workers', o.workers, o.workerMetric, {
    start: async () => {
      const name = `worker-${++seq}`;
      return spawnService({ tier: 'workers', name, env: { ...env, FAAFO_GENERATED_BY: name }, logDir, cwd: o.cwd });
    },
    ready: async () => {},
    stop: async (p) => {
      await stopService(p, o.stopGraceS);
      cpu.forget(p.pid);
    },
    onDecision,
  });
  const tiers = [apiTier, workerTier];
  const metricName = (t: LocalTier) =>
    t.metric === 'cpu' ? (cpu.measure === 'demand' ? 'cpu_demand_percent' : 'cpu_percent') : 'backlog_per_worker';
  const history = new RunHistory({ api: thresholdsOf(o.api, metricName(apiTier)), workers: thresholdsOf(o.workers, metricName(workerTier)) });
  const meanCpu = (t: LocalTier): number | null => {
    const known = t.members.map((m) => cpuOf.get(m.pid)).filter((v): v is number => typeof v === 'number');
    return known.length ? Math.round((known.reduce((a, b) => a + b, 0) / known.length) * 10) / 10 : null;
  };

  const view = (t: LocalTier): TierView => ({
    name: t.name,
    size: t.size,
    min: t.scaling.minSize,
    max: t.scaling.maxSize,
    metric: metricName(t),
    value: t.lastValue,
    lastDecision: t.lastDecision,
    cooldownEndsAt: t.state.cooldownEndMs ? new Date(t.state.cooldownEndMs).toISOString() : null,
    scalingInProgress: t.state.scalingInProgress,
    members: t.members.map((m: ServiceProcess) => ({
      name: m.name,
      pid: m.pid,
      port: m.port,
      createdAt: new Date(m.createdMs).toISOString(),
      cpu: cpuOf.get(m.pid) ?? null,
      healthy: m.tier === 'api' ? balancer.isHealthy(m.name) : undefined,
    })),
  });
  let controlUrl = '';
  const state = (): LocalState => ({
    pid: process.pid,
    startedAt,
    appUrl,
    controlUrl,
    databaseUrl: redact(o.databaseUrl),
    queueUrl: redact(o.queueUrl),
    imageUrl: o.imageUrl,
    tiers: tiers.map(view),
    decisions,
  });

  const control = http.createServer(controlHandler({ appUrl, state, history }));
  try {
    await listenOn(control, o.controlPort, '--control-port');
  } catch (e) {
    await balancer.close();
    throw e;
  }
  controlUrl = `http://127.0.0.1:${(control.address() as AddressInfo).port}`;

  let stopped = false;
  const loop: { timer?: NodeJS.Timeout } = {};
  // If this process goes away without stop() (crash, test runner killed), its children must not live on.
  const killAll = () => {
    for (const t of tiers) for (const m of t.members) m.child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', killAll);
    if (loop.timer) clearInterval(loop.timer);
    // Workers first (they finish their task and upload through the balancer), then the API.
    await workerTier.close();
    await apiTier.close();
    await balancer.close();
    control.closeAllConnections();
    await new Promise<void>((r) => control.close(() => r()));
    await removeState(stateFile);
  };

  try {
    await apiTier.startMin();
    await workerTier.startMin();
  } catch (e) {
    await stop();
    throw e;
  }
  await writeState(stateFile, state());
  log(`app ${appUrl}  page ${controlUrl}`);

  // The autoscaler loop: sample each tier's metric, decide at period ends, publish the state.
  let busy = false;
  loop.timer = setInterval(() => {
    if (busy || stopped) return;
    busy = true;
    void (async () => {
      const now = Date.now();
      // One read of the app's /metrics per tick: the worker tier's backlog signal and the page's history.
      const signal = await readQueueSignal(appUrl).catch(() => undefined);
      for (const t of tiers) {
        const values = t.members.map((m) => {
          const v = cpu.sample(m.pid, now);
          cpuOf.set(m.pid, v === undefined ? null : Math.round(v * 10) / 10);
          // Starting up (loading its code: seconds of CPU, more on a busy machine) is not load: a member's first
          // period does not count toward its tier's mean, or every `local up` would scale before any request.
          return now - m.createdMs < t.scaling.granularityS * 1000 ? undefined : v;
        });
        let value: number | undefined;
        if (t.metric === 'cpu') {
          const known = values.filter((v): v is number => v !== undefined);
          value = known.length ? known.reduce((a, b) => a + b, 0) / known.length : undefined;
        } else {
          value = signal ? backlogPerWorker(signal, t.size) : undefined;
        }
        t.observe(now, value);
      }
      history.add({
        t: now,
        apiSize: apiTier.size,
        workerSize: workerTier.size,
        backlog: signal ? (signal.pending ?? signal.depth) : null,
        rendered: signal?.done ?? null,
        apiCpu: meanCpu(apiTier),
        workerCpu: meanCpu(workerTier),
        workerMetric: workerTier.lastValue,
      });
      await writeState(stateFile, state()).catch(() => {});
    })().finally(() => (busy = false));
  }, o.sampleS * 1000);

  return { appUrl, controlUrl, state, stop };
}
