// The queue scaler: reads the backlog from the API's /metrics, feeds backlog-per-worker into one mean per period,
// decides with monitoring/decision at each period end, and signals the worker tier's Heat ScalingPolicy (Heat then
// applies the policy's step, its min/max and its own cooldown). CPU is a poor signal for a queue of fractal
// tasks: a worker is at 100% with one task or with a thousand waiting.
import { decide, afterScaling, type Decision, type TierScaling, type TierState } from './decision.js';
import { PeriodSeries } from './periods.js';
import { backlogPerWorker, ThroughputTracker, type QueueSignal } from './metrics.js';
import type { ScalingTarget } from './heat.js';

export interface ScalerRecord {
  at: string;
  action: Decision['action'];
  from: number;
  to: number;
  reason: string;
  backlogPerWorker: number | null;
  throughputPerWorker: number | null;
  signalled: boolean;
  error?: string;
}

export interface QueueScalerOptions {
  scaling: TierScaling;
  readSignal: () => Promise<QueueSignal>;
  target: ScalingTarget;
  sampleS: number;
  log?: (line: string) => void;
}

export class QueueScaler {
  readonly records: ScalerRecord[] = [];
  private readonly series: PeriodSeries;
  private readonly throughput = new ThroughputTracker();
  private state: TierState = { size: 0, cooldownEndMs: 0, scalingInProgress: false };
  private lastBucket = -1;
  private timer?: NodeJS.Timeout;
  private busy = false;
  lastBacklog: number | null = null;
  lastThroughput: number | null = null;

  constructor(private readonly o: QueueScalerOptions) {
    this.series = new PeriodSeries(o.scaling.granularityS, 24);
  }

  /** One sample; at a period boundary, one decision (and a signal when it says so). */
  async step(nowMs = Date.now()): Promise<ScalerRecord | undefined> {
    const size = await this.o.target.currentSize();
    this.state = { ...this.state, size };
    try {
      const sig = await this.o.readSignal();
      const b = backlogPerWorker(sig, size);
      const tp = this.throughput.perWorker(sig, size, nowMs);
      if (b !== undefined) {
        this.series.add(nowMs, b);
        this.lastBacklog = Math.round(b * 100) / 100;
      }
      if (tp !== undefined) this.lastThroughput = Math.round(tp * 1000) / 1000;
    } catch (e) {
      this.o.log?.(`metrics not readable: ${(e as Error).message}`);
    }
    const bucket = Math.floor(nowMs / (this.o.scaling.granularityS * 1000));
    if (bucket === this.lastBucket) return undefined;
    const first = this.lastBucket < 0;
    this.lastBucket = bucket;
    if (first) return undefined;
    const d = decide(this.o.scaling, this.state, this.series.completed(nowMs), nowMs);
    if (d.action === 'none' && !d.alarm) return undefined;
    const rec: ScalerRecord = {
      at: new Date(nowMs).toISOString(),
      action: d.action,
      from: d.from,
      to: d.to,
      reason: d.reason,
      backlogPerWorker: this.lastBacklog,
      throughputPerWorker: this.lastThroughput,
      signalled: false,
    };
    if (d.action !== 'none') {
      try {
        await this.o.target.signal(d.action === 'scale_up' ? 'up' : 'down');
        rec.signalled = true;
        this.state = afterScaling(this.o.scaling, this.state, d, Date.now());
      } catch (e) {
        rec.error = (e as Error).message;
      }
    }
    this.records.push(rec);
    if (this.records.length > 200) this.records.shift();
    this.o.log?.(
      `${rec.at} workers ${rec.action} ${rec.from} -> ${rec.to}: ${rec.reason}${rec.signalled ? ` (signalled ${this.o.target.describe})` : ''}${rec.error ? ` FAILED: ${rec.error}` : ''}`,
    );
    return rec;
  }

  start(): void {
    this.timer = setInterval(() => {
      if (this.busy) return;
      this.busy = true;
      this.step()
        .catch((e: Error) => this.o.log?.(`scaler step failed: ${e.message}`))
        .finally(() => (this.busy = false));
    }, this.o.sampleS * 1000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
