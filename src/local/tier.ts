// One tier of a local run (the API processes or the workers) under the local autoscaler: it feeds the tier's
// metric into one mean per period, and at the end of each period asks monitoring/decision for a verdict, then
// carries it out (start processes, or stop the oldest first), exactly as Heat would with the same settings.
import { decide, afterScaling, membersToRemove, type Decision, type TierScaling, type TierState } from '../../monitoring/decision.js';
import { PeriodSeries } from '../../monitoring/periods.js';
import type { ServiceProcess } from './procs.js';

export interface DecisionRecord {
  at: string;
  tier: string;
  action: Decision['action'];
  from: number;
  to: number;
  reason: string;
  metric: string;
  value: number | null;
  /** Members started or stopped. */
  members: string[];
}

export interface TierHooks {
  start(): Promise<ServiceProcess>;
  /** Resolves when a new member is ready to take work (API: healthy behind the balancer). */
  ready(p: ServiceProcess): Promise<void>;
  stop(p: ServiceProcess): Promise<void>;
  onDecision(r: DecisionRecord): void;
}

export class LocalTier {
  readonly members: ServiceProcess[] = [];
  state: TierState;
  readonly series: PeriodSeries;
  lastValue: number | null = null;
  /** The last period-end verdict, including "none" (why nothing changed). */
  lastDecision: { at: string; action: Decision['action']; reason: string } | null = null;
  private lastEvaluatedBucket = -1;
  private stopping = new Set<number>();
  private closed = false;

  constructor(
    readonly name: 'api' | 'workers',
    readonly scaling: TierScaling,
    readonly metric: 'cpu' | 'queue',
    private readonly hooks: TierHooks,
  ) {
    this.state = { size: 0, cooldownEndMs: 0, scalingInProgress: false };
    this.series = new PeriodSeries(scaling.granularityS, 24);
  }

  get size(): number {
    return this.members.length;
  }

  /** Starts the tier at its minimum size; fails (with the member's name) if one exits before it is ready. */
  async startMin(): Promise<void> {
    const started = await Promise.all(Array.from({ length: this.scaling.minSize }, () => this.addMember(false)));
    await Promise.all(
      started.map((p) =>
        Promise.race([
          this.hooks.ready(p),
          p.exited.then((code) => {
            throw new Error(`${p.name} exited (code ${code}) before it was ready`);
          }),
        ]),
      ),
    );
    this.state = { ...this.state, size: this.members.length };
  }

  private quickCrashes = 0;

  private async addMember(replaceOnExit = true): Promise<ServiceProcess> {
    const p = await this.hooks.start();
    this.members.push(p);
    // A member that dies on its own is replaced, so the tier keeps its size (Heat would leave a failed server);
    // one that keeps dying right after start is left out, so a broken setup does not spin.
    void p.exited.then(() => {
      const i = this.members.indexOf(p);
      if (i < 0 || this.stopping.has(p.pid) || this.closed) return;
      this.members.splice(i, 1);
      this.quickCrashes = Date.now() - p.createdMs < 15_000 ? this.quickCrashes + 1 : 0;
      if (!replaceOnExit || this.quickCrashes >= 3) {
        this.hooks.onDecision(this.record('none', this.size + 1, this.size, `member ${p.name} exited and is not replaced (see .faafo/local/logs/${p.name}.log)`, [p.name]));
        return;
      }
      this.hooks.onDecision(this.record('none', this.size + 1, this.size + 1, `member ${p.name} exited; replacing it`, [p.name]));
      void this.addMember()
        .then((n) => this.hooks.ready(n))
        .catch(() => {});
    });
    return p;
  }

  private record(action: Decision['action'], from: number, to: number, reason: string, members: string[]): DecisionRecord {
    return { at: new Date().toISOString(), tier: this.name, action, from, to, reason, metric: this.metric, value: this.lastValue, members };
  }

  /** One metric sample; at a period boundary, one decision. */
  observe(nowMs: number, value: number | undefined): void {
    if (value !== undefined && Number.isFinite(value)) {
      this.series.add(nowMs, value);
      this.lastValue = Math.round(value * 100) / 100;
    }
    const g = this.scaling.granularityS * 1000;
    const bucket = Math.floor(nowMs / g);
    if (bucket === this.lastEvaluatedBucket) return;
    const first = this.lastEvaluatedBucket < 0;
    this.lastEvaluatedBucket = bucket;
    if (first) return;
    this.state = { ...this.state, size: this.members.length };
    const d = decide(this.scaling, this.state, this.series.completed(nowMs), nowMs);
    this.lastDecision = { at: new Date(nowMs).toISOString(), action: d.action, reason: d.reason };
    if (d.action === 'none') {
      // Alarms that fired but were held back (cooldown, at max/min) are worth showing; quiet periods are not.
      if (d.alarm && !/at (max|min) size/.test(d.reason)) this.hooks.onDecision(this.record('none', d.from, d.to, d.reason, []));
      return;
    }
    void this.apply(d);
  }

  private async apply(d: Decision): Promise<void> {
    this.state = { ...this.state, scalingInProgress: true };
    let names: string[] = [];
    try {
      if (d.action === 'scale_up') {
        const added = await Promise.all(Array.from({ length: d.to - d.from }, () => this.addMember()));
        names = added.map((p) => p.name);
        this.hooks.onDecision(this.record(d.action, d.from, d.to, d.reason, names));
        // Ready, or gone (then the exit handler has recorded it): either way the scaling is over.
        await Promise.all(added.map((p) => Promise.race([this.hooks.ready(p).catch(() => {}), p.exited])));
      } else {
        const victims = membersToRemove(
          this.members.map((p) => ({ id: String(p.pid), createdMs: p.createdMs, name: p.name, p })),
          d.from - d.to,
        ).map((m) => m.p);
        names = victims.map((p) => p.name);
        for (const v of victims) {
          this.stopping.add(v.pid);
          this.members.splice(this.members.indexOf(v), 1);
        }
        this.hooks.onDecision(this.record(d.action, d.from, d.to, d.reason + '; oldest first', names));
        await Promise.all(victims.map((v) => this.hooks.stop(v)));
      }
    } finally {
      this.state = afterScaling(this.scaling, { ...this.state, scalingInProgress: false }, d, Date.now());
      this.state = { ...this.state, size: this.members.length };
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = this.members.splice(0);
    for (const p of all) this.stopping.add(p.pid);
    await Promise.all(all.map((p) => this.hooks.stop(p)));
  }
}
