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
import { ENV_NAMES as E, redactUrl as redact, schemeOf } from '../../app/settings-contract.js';
import type { TierScaling } from '../../monitoring/decision.js';
import { readQueueSignal, backlogPerWorker, type QueueSignal } from '../../monitoring/metrics.js';
import { Balancer } from './balancer.js';
import { CpuMeter, type CpuMeasure } from './cpu.js';
import { controlHandler } from './control.js';
import { RunHistory, thresholdsOf } from './history.js';
import { listenOn } from './ports.js';
import { freePort, spawnService, stopService, type ServiceProcess } from './procs.js';
import { writeState, removeState, stateDirOf, stateFileOf, type LocalState, type TierView } from './state.js';
import { LocalTier, type DecisionRecord, type TierHooks } from './tier.js';

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

/** Local mode runs several processes: they can only meet on a queue that lives outside them. */
export async function checkSharedQueue(queueUrl: string): Promise<void> {
  const kind = schemeOf('queue', queueUrl);
  if (kind === 'memory') {
    throw new Error(
      'local mode runs the API and workers as separate processes, and the memory: queue lives inside one process; give --queue-url amqp://user:pass@host:5672/vhost (RabbitMQ), or use `faafo serve` for one process',
    );
  }
  if (kind === 'sqlite') return; // the embedded queue: a file every process of this machine opens
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
  const balancer = new Balancer();
  const appUrl = `http://127.0.0.1:${await balancer.listen(o.port)}`;
  const run = new Supervisor(o, balancer, appUrl);
  await run.openControl();
  await run.startTiers();
  return { appUrl, controlUrl: run.controlUrl, state: () => run.state(), stop: () => run.stop() };
}

/** What the services of a run share: the stores, the app URL and a result secret made up for this run. */
export function serviceEnv(o: LocalOptions, appUrl: string): Record<string, string> {
  return {
    [E.databaseUrl]: o.databaseUrl,
    [E.queueUrl]: o.queueUrl,
    [E.imageUrl]: o.imageUrl,
    [E.endpointUrl]: appUrl,
    [E.threads]: String(o.threads),
    // Results come only from this run's workers (issue 15): a secret made up per run, passed in the environment
    // (never on a command line, never printed or written to the state file).
    [E.resultSecret]: randomBytes(32).toString('base64url'),
  };
}

const mean = (xs: number[]): number | undefined => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined);
const known = (xs: (number | null | undefined)[]): number[] => xs.filter((v): v is number => typeof v === 'number');
const round1 = (v: number): number => Math.round(v * 10) / 10;

/** One run: the balancer, the two tiers and their hooks, the control server, the autoscaler loop and the state. */
class Supervisor {
  readonly startedAt = new Date().toISOString();
  readonly decisions: DecisionRecord[] = [];
  /** Each member's last CPU figure, by pid (null until it has one). */
  readonly cpuOf = new Map<number, number | null>();
  readonly log: (line: string) => void;
  readonly logDir: string;
  readonly stateFile: string;
  readonly cpu: CpuMeter;
  readonly env: Record<string, string>;
  readonly api: LocalTier;
  readonly workers: LocalTier;
  readonly history: RunHistory;
  readonly control: http.Server;
  controlUrl = '';
  private seq = 0;
  private stopped = false;
  private busy = false;
  private timer?: NodeJS.Timeout;

  constructor(
    readonly o: LocalOptions,
    readonly balancer: Balancer,
    readonly appUrl: string,
  ) {
    this.log = o.log ?? (() => {});
    this.logDir = path.join(stateDirOf(o.cwd), 'logs');
    this.stateFile = stateFileOf(o.cwd);
    this.cpu = new CpuMeter(o.cpuMeasure ?? 'demand');
    this.env = serviceEnv(o, appUrl);
    this.api = new LocalTier('api', o.api, 'cpu', this.apiHooks());
    this.workers = new LocalTier('workers', o.workers, o.workerMetric, this.workerHooks());
    this.history = new RunHistory({
      api: thresholdsOf(o.api, this.metricName(this.api)),
      workers: thresholdsOf(o.workers, this.metricName(this.workers)),
    });
    this.control = http.createServer(controlHandler({ appUrl, state: () => this.state(), history: this.history }));
  }

  get tiers(): LocalTier[] {
    return [this.api, this.workers];
  }

  private apiHooks(): TierHooks {
    return {
      start: async () => {
        const name = `api-${++this.seq}`;
        const port = await freePort();
        const env = { ...this.env, [E.generatedBy]: name };
        const p = await spawnService({ tier: 'api', name, env, logDir: this.logDir, cwd: this.o.cwd, port });
        this.balancer.add(name, port);
        return p;
      },
      ready: (p) => {
        const healthy = async () => (await this.balancer.checkAll(), this.balancer.isHealthy(p.name));
        return waitFor(healthy, 180_000, `${p.name} /healthz`);
      },
      stop: async (p) => {
        this.balancer.remove(p.name);
        await stopService(p, 15);
        this.cpu.forget(p.pid);
      },
      onDecision: (r) => this.onDecision(r),
    };
  }

  private workerHooks(): TierHooks {
    return {
      start: async () => {
        const name = `worker-${++this.seq}`;
        const env = { ...this.env, [E.generatedBy]: name };
        return spawnService({ tier: 'workers', name, env, logDir: this.logDir, cwd: this.o.cwd });
      },
      ready: async () => {},
      stop: async (p) => {
        await stopService(p, this.o.stopGraceS);
        this.cpu.forget(p.pid);
      },
      onDecision: (r) => this.onDecision(r),
    };
  }

  private onDecision(r: DecisionRecord): void {
    this.decisions.push(r);
    if (this.decisions.length > 200) this.decisions.shift();
    const members = r.members.length ? ` [${r.members.join(', ')}]` : '';
    this.log(`${r.at} ${r.tier} ${r.action} ${r.from} -> ${r.to}: ${r.reason}${members}`);
  }

  metricName(t: LocalTier): string {
    if (t.metric !== 'cpu') return 'backlog_per_worker';
    return this.cpu.measure === 'demand' ? 'cpu_demand_percent' : 'cpu_percent';
  }

  /** Listens for the live page; a port that cannot be had closes the balancer too. */
  async openControl(): Promise<void> {
    try {
      await listenOn(this.control, this.o.controlPort, '--control-port');
    } catch (e) {
      await this.balancer.close();
      throw e;
    }
    this.controlUrl = `http://127.0.0.1:${(this.control.address() as AddressInfo).port}`;
  }

  /** Both tiers at their minimum, the state file written, the autoscaler loop running; on a failure, all stopped. */
  async startTiers(): Promise<void> {
    // If this process goes away without stop() (crash, test runner killed), its children must not live on.
    process.once('exit', this.killAll);
    try {
      await this.api.startMin();
      await this.workers.startMin();
    } catch (e) {
      await this.stop();
      throw e;
    }
    await writeState(this.stateFile, this.state());
    this.log(`app ${this.appUrl}  page ${this.controlUrl}`);
    this.timer = setInterval(() => {
      if (this.busy || this.stopped) return;
      this.busy = true;
      void this.tick().finally(() => (this.busy = false));
    }, this.o.sampleS * 1000);
  }

  private readonly killAll = () => {
    for (const t of this.tiers) for (const m of t.members) m.child.kill('SIGKILL');
  };

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    process.off('exit', this.killAll);
    if (this.timer) clearInterval(this.timer);
    // Workers first (they finish their task and upload through the balancer), then the API.
    await this.workers.close();
    await this.api.close();
    await this.balancer.close();
    this.control.closeAllConnections();
    await new Promise<void>((r) => this.control.close(() => r()));
    await removeState(this.stateFile);
  }

  /** One autoscaler tick: sample each tier's metric (a decision at period ends), add to the history, publish. */
  private async tick(): Promise<void> {
    const now = Date.now();
    // One read of the app's /metrics per tick: the worker tier's backlog signal and the page's history.
    const signal = await readQueueSignal(this.appUrl).catch(() => undefined);
    for (const t of this.tiers) t.observe(now, this.tierValue(t, now, signal));
    this.history.add({
      t: now,
      apiSize: this.api.size,
      workerSize: this.workers.size,
      backlog: signal ? (signal.pending ?? signal.depth) : null,
      rendered: signal?.done ?? null,
      apiCpu: this.meanCpu(this.api),
      workerCpu: this.meanCpu(this.workers),
      workerMetric: this.workers.lastValue,
    });
    await writeState(this.stateFile, this.state()).catch(() => {});
  }

  /** Samples the CPU of every member of the tier; its metric: their mean CPU, or the backlog per worker. */
  private tierValue(t: LocalTier, now: number, signal: QueueSignal | undefined): number | undefined {
    const values = t.members.map((m) => {
      const v = this.cpu.sample(m.pid, now);
      this.cpuOf.set(m.pid, v === undefined ? null : round1(v));
      // Starting up (loading its code: seconds of CPU, more on a busy machine) is not load: a member's first
      // period does not count toward its tier's mean, or every `local up` would scale before any request.
      return now - m.createdMs < t.scaling.granularityS * 1000 ? undefined : v;
    });
    if (t.metric === 'cpu') return mean(known(values));
    return signal ? backlogPerWorker(signal, t.size) : undefined;
  }

  private meanCpu(t: LocalTier): number | null {
    const m = mean(known(t.members.map((p) => this.cpuOf.get(p.pid))));
    return m === undefined ? null : round1(m);
  }

  state(): LocalState {
    return {
      pid: process.pid,
      startedAt: this.startedAt,
      appUrl: this.appUrl,
      controlUrl: this.controlUrl,
      databaseUrl: redact(this.o.databaseUrl),
      queueUrl: redact(this.o.queueUrl),
      imageUrl: this.o.imageUrl,
      tiers: this.tiers.map((t) => this.view(t)),
      decisions: this.decisions,
    };
  }

  private view(t: LocalTier): TierView {
    return {
      name: t.name,
      size: t.size,
      min: t.scaling.minSize,
      max: t.scaling.maxSize,
      metric: this.metricName(t),
      value: t.lastValue,
      lastDecision: t.lastDecision,
      cooldownEndsAt: t.state.cooldownEndMs ? new Date(t.state.cooldownEndMs).toISOString() : null,
      scalingInProgress: t.state.scalingInProgress,
      members: t.members.map((m: ServiceProcess) => ({
        name: m.name,
        pid: m.pid,
        port: m.port,
        createdAt: new Date(m.createdMs).toISOString(),
        cpu: this.cpuOf.get(m.pid) ?? null,
        healthy: m.tier === 'api' ? this.balancer.isHealthy(m.name) : undefined,
      })),
    };
  }
}
