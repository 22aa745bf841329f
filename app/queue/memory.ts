// The embedded in-process queue (`memory:` / `memory:NAME`): one shared queue per name for the whole process, so
// that `faafo serve`'s API and its workers meet. It mimics the AMQP semantics the worker relies on: prefetch 1 per
// consumer, ack/nack, unacked tasks of a stopped consumer go back to the queue (marked redelivered).
import type { Consumer, Task, TaskHandle, TaskQueue } from '../types.js';

interface Message {
  body: string; // JSON, as on the wire: consumers get their own copy
  redelivered: boolean;
}

type Handler = (h: TaskHandle) => Promise<void>;

interface Slot {
  handler: Handler;
  busy: Message | undefined; // the one unacked message (prefetch 1)
  running: Promise<void> | undefined; // the handler call in progress
  stopped: boolean;
}

/** One named queue, shared by every `openQueue('memory:NAME')` of the process. */
class MemoryBroker {
  private ready: Message[] = [];
  private slots: Slot[] = [];
  private next = 0; // round-robin start

  publish(task: Task): void {
    this.ready.push({ body: JSON.stringify(task), redelivered: false });
    this.dispatch();
  }

  depth(): number {
    return this.ready.length;
  }

  addConsumer(handler: Handler): Slot {
    const slot: Slot = { handler, busy: undefined, running: undefined, stopped: false };
    this.slots.push(slot);
    queueMicrotask(() => this.dispatch());
    return slot;
  }

  async removeConsumer(slot: Slot): Promise<void> {
    slot.stopped = true;
    // Let the handler in progress finish; then whatever it left unacked goes back, as when an AMQP channel closes.
    while (slot.running) await slot.running.catch(() => undefined);
    if (slot.busy) this.requeue(slot);
    this.slots = this.slots.filter((s) => s !== slot);
    this.dispatch();
  }

  private requeue(slot: Slot): void {
    const m = slot.busy;
    if (!m) return;
    slot.busy = undefined;
    this.ready.unshift({ body: m.body, redelivered: true });
  }

  private dispatch(): void {
    while (this.ready.length > 0) {
      const idle = this.pickIdle();
      if (!idle) return;
      const msg = this.ready.shift() as Message;
      this.deliver(idle, msg);
    }
  }

  private pickIdle(): Slot | undefined {
    const n = this.slots.length;
    for (let i = 0; i < n; i++) {
      const s = this.slots[(this.next + i) % n];
      if (!s.stopped && !s.busy) {
        this.next = (this.next + i + 1) % n;
        return s;
      }
    }
    return undefined;
  }

  private deliver(slot: Slot, msg: Message): void {
    slot.busy = msg;
    let settled = false;
    const settle = (requeue: boolean) => {
      if (settled || slot.busy !== msg) return;
      settled = true;
      if (requeue) this.requeue(slot);
      else slot.busy = undefined;
      queueMicrotask(() => this.dispatch());
    };
    const handle: TaskHandle = {
      task: JSON.parse(msg.body) as Task,
      redelivered: msg.redelivered,
      ack: async () => settle(false),
      nack: async () => settle(true),
    };
    const run = (async () => {
      try {
        await slot.handler(handle);
      } catch {
        settle(true); // a handler that throws without settling gives the task back
      }
    })();
    slot.running = run;
    void run.finally(() => {
      if (slot.running === run) slot.running = undefined;
    });
  }
}

const brokers = new Map<string, MemoryBroker>();

/** The process-wide broker for a name ('' for plain `memory:`). */
function brokerFor(name: string): MemoryBroker {
  let b = brokers.get(name);
  if (!b) {
    b = new MemoryBroker();
    brokers.set(name, b);
  }
  return b;
}

/** `memory:` or `memory:NAME` (also `memory://NAME`). */
export function parseMemoryUrl(url: string): string {
  if (!url.startsWith('memory:')) throw new Error(`not a memory queue URL: ${url}`);
  return url.slice('memory:'.length).replace(/^\/\//, '');
}

export class MemoryQueue implements TaskQueue {
  private readonly broker: MemoryBroker;
  private readonly consumers = new Set<Consumer>();
  private closed = false;

  constructor(name = '') {
    this.broker = brokerFor(name);
  }

  async publish(task: Task): Promise<void> {
    if (this.closed) throw new Error('queue is closed');
    this.broker.publish(task);
  }

  async consume(handler: (h: TaskHandle) => Promise<void>): Promise<Consumer> {
    if (this.closed) throw new Error('queue is closed');
    const slot = this.broker.addConsumer(handler);
    let stopping: Promise<void> | undefined;
    const consumer: Consumer = {
      stop: () => {
        stopping ??= this.broker.removeConsumer(slot).finally(() => this.consumers.delete(consumer));
        return stopping;
      },
    };
    this.consumers.add(consumer);
    return consumer;
  }

  async depth(): Promise<number> {
    return this.broker.depth();
  }

  async ping(): Promise<void> {
    if (this.closed) throw new Error('queue is closed');
  }

  /** Stops this instance's consumers; the named queue and its waiting tasks live on for the process. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.consumers].map((c) => c.stop()));
  }
}

export function openMemoryQueue(url: string): MemoryQueue {
  return new MemoryQueue(parseMemoryUrl(url));
}

/** Test hook: forget every named queue of the process. */
export function resetMemoryQueues(): void {
  brokers.clear();
}
