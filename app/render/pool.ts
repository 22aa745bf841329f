// A fixed-size pool of render threads shared by every render() of a Renderer. Jobs run first come, first
// served; threads start on first use, are unref'd while idle (an idle pool never keeps the process alive) and
// are replaced if one dies (its job fails with a one-line error).
import type { Worker } from 'node:worker_threads';
import { startThread } from './thread-entry.js';
import type { BandJob } from './band.js';
import type { EncodedBand } from './encode.js';
import type { BandReply, BandRequest } from './thread.js';

interface Pending {
  job: BandJob;
  owner?: object;
  resolve: (rows: EncodedBand) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  current?: Pending & { id: number };
}

export class ThreadPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;
  /** Kernel reported by the last finished band ('wasm' or 'js'). */
  kernel: string | undefined;

  constructor(
    readonly size: number,
    private readonly entry: URL,
  ) {}

  /** Queues a band; `owner` (any object, e.g. one per render) lets drop() withdraw it. */
  run(job: BandJob, owner?: object): Promise<EncodedBand> {
    if (this.closed) return Promise.reject(new Error('renderer is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ job, owner, resolve, reject });
      this.dispatch();
    });
  }

  /** Withdraws the queued (not yet started) bands of `owner`, e.g. after its render failed. */
  drop(owner: object): void {
    const err = new Error('render abandoned');
    for (let i = this.queue.length - 1; i >= 0; i--) {
      if (this.queue[i].owner === owner) this.queue.splice(i, 1)[0].reject(err);
    }
  }

  private spawn(): Slot {
    const worker = startThread(this.entry);
    const slot: Slot = { worker };
    worker.on('message', (m: BandReply) => {
      const cur = slot.current;
      if (!cur || cur.id !== m.id) return;
      slot.current = undefined;
      if ('error' in m) cur.reject(new Error(`render thread: ${m.error}`));
      else {
        this.kernel = m.kernel;
        cur.resolve(m.band);
      }
      this.dispatch();
    });
    const lost = (why: string) => {
      const i = this.slots.indexOf(slot);
      if (i < 0) return;
      this.slots.splice(i, 1);
      slot.current?.reject(new Error(`render thread ${why}`));
      slot.current = undefined;
      if (!this.closed) this.dispatch();
    };
    worker.on('error', (e) => lost(`failed: ${e.message}`));
    worker.on('exit', (code) => lost(`exited with code ${code}`));
    worker.unref();
    this.slots.push(slot);
    return slot;
  }

  private dispatch(): void {
    while (this.queue.length) {
      let slot = this.slots.find((s) => !s.current);
      if (!slot) {
        if (this.slots.length >= this.size) break;
        slot = this.spawn();
      }
      const p = this.queue.shift() as Pending;
      const id = this.nextId++;
      slot.current = { ...p, id };
      slot.worker.ref();
      const req: BandRequest = { id, job: p.job };
      slot.worker.postMessage(req);
    }
    for (const s of this.slots) if (!s.current) s.worker.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    const err = new Error('renderer is closed');
    for (const p of this.queue.splice(0)) p.reject(err);
    const slots = this.slots.splice(0);
    for (const s of slots) {
      s.current?.reject(err);
      s.current = undefined;
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}
