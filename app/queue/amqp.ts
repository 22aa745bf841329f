// RabbitMQ task queue with the original faafo's wire names and flags (spec section 8): direct durable exchange
// `tasks`, durable queue `normal` without x- arguments bound with key `normal`, persistent JSON messages with
// content_type exactly `application/json` and content_encoding `utf-8`. Publishing uses a confirm channel;
// consumers get prefetch 1. The connection reconnects with backoff after a broker restart and consumers
// re-subscribe; nothing here may throw out of an event handler (a broker going away must not crash the process).
import amqp from 'amqplib';
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { redactUrl as redact } from '../settings-contract.js';
import type { Consumer, Task, TaskHandle, TaskQueue } from '../types.js';

export const EXCHANGE = 'tasks';
export const QUEUE = 'normal';
export const ROUTING_KEY = 'normal';
export const EXCHANGE_OPTIONS = { durable: true, autoDelete: false, internal: false } as const;
export const QUEUE_OPTIONS = { durable: true, autoDelete: false, exclusive: false } as const;

/** How long publish/ping wait for a connection or a confirm before giving up (the contract says <= 5 s). */
const CONNECT_TIMEOUT_MS = 4000;
const CONFIRM_TIMEOUT_MS = 4500;
const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 5000;

export interface AmqpQueueOptions {
  /** One-line log output (default: stderr). */
  log?: (line: string) => void;
}

interface ConsumerEntry {
  handler: (h: TaskHandle) => Promise<void>;
  channel: Channel | undefined;
  tag: string | undefined;
  stopped: boolean;
  subscribing: boolean;
  /** subscribe() was asked for again while one was in progress (e.g. a reconnect happened meanwhile). */
  again: boolean;
  running: Set<Promise<void>>;
}

const defaultLog = (line: string) => process.stderr.write(`${line}\n`);

/** Declares exchange, queue and binding with exactly the original's flags (both API and worker do this). */
export async function declareTopology(ch: Channel): Promise<void> {
  await ch.assertExchange(EXCHANGE, 'direct', EXCHANGE_OPTIONS);
  await ch.assertQueue(QUEUE, QUEUE_OPTIONS);
  await ch.bindQueue(QUEUE, EXCHANGE, ROUTING_KEY);
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000} s`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0];

/** Adds a 10 s heartbeat unless the URL sets one, so a vanished broker is noticed even without a TCP reset. */
function withHeartbeat(url: string): string {
  if (/[?&]heartbeat=/.test(url)) return url;
  return url + (url.includes('?') ? '&' : '?') + 'heartbeat=10';
}


export class AmqpQueue implements TaskQueue {
  private conn: ChannelModel | undefined;
  private pub: ConfirmChannel | undefined;
  private connecting: Promise<ChannelModel> | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private backoff = BACKOFF_MIN_MS;
  private closed = false;
  private readonly consumers = new Set<ConsumerEntry>();
  private readonly returned = new Set<string>(); // message ids the broker could not route
  private publishSeq = 0;
  private readonly log: (line: string) => void;
  private lastError = '';

  constructor(
    private readonly url: string,
    opts: AmqpQueueOptions = {},
  ) {
    this.log = opts.log ?? defaultLog;
  }

  /** One connection attempt at a time; publish, ping and the reconnect loop all share it. */
  private connect(): Promise<ChannelModel> {
    if (this.closed) return Promise.reject(new Error('queue is closed'));
    if (this.conn) return Promise.resolve(this.conn);
    this.connecting ??= this.openConnection().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async openConnection(): Promise<ChannelModel> {
    let conn: ChannelModel;
    try {
      const attempt = amqp.connect(withHeartbeat(this.url), { timeout: CONNECT_TIMEOUT_MS });
      // A broker that accepts TCP but never completes the handshake (e.g. shutting down) must not hang us.
      conn = await withTimeout(attempt, CONNECT_TIMEOUT_MS + 1000, 'connecting to the queue').catch((e: unknown) => {
        attempt.then((late) => late.close().catch(() => undefined)).catch(() => undefined);
        throw e;
      });
    } catch (e) {
      this.noteFailure(e);
      throw new Error(`queue unavailable: ${errText(e)}`);
    }
    conn.on('error', (e: Error) => this.noteFailure(e));
    conn.on('close', () => this.onConnectionClosed(conn));
    try {
      const pub = await conn.createConfirmChannel();
      this.watchPublishChannel(conn, pub);
      await declareTopology(pub);
      if (this.closed) {
        await conn.close().catch(() => undefined);
        throw new Error('queue is closed');
      }
      this.conn = conn;
      this.pub = pub;
    } catch (e) {
      this.noteFailure(e);
      await conn.close().catch(() => undefined);
      throw new Error(`queue unavailable: ${errText(e)}`);
    }
    if (this.lastError) this.log(`queue: connected to ${redact(this.url)}`);
    this.lastError = '';
    this.backoff = BACKOFF_MIN_MS;
    for (const c of this.consumers) if (!c.stopped) void this.subscribe(c);
    return conn;
  }

  /** Logs a failure once per distinct message (a broker down for minutes must not flood the log). */
  private noteFailure(e: unknown): void {
    const text = errText(e);
    if (text !== this.lastError) this.log(`queue: ${redact(this.url)}: ${text}`);
    this.lastError = text;
  }

  private watchPublishChannel(conn: ChannelModel, ch: ConfirmChannel): void {
    ch.on('error', (e: Error) => this.noteFailure(e));
    ch.on('return', (msg: ConsumeMessage) => {
      if (msg.properties.messageId) this.returned.add(String(msg.properties.messageId));
    });
    ch.on('close', () => {
      if (this.pub === ch) this.pub = undefined;
      // A channel-level error closed only the channel: open a new one on the same connection.
      if (this.conn === conn && !this.closed) {
        conn
          .createConfirmChannel()
          .then((c) => {
            if (this.conn !== conn || this.closed) return void c.close().catch(() => undefined);
            this.watchPublishChannel(conn, c);
            this.pub = c;
          })
          .catch((e: unknown) => this.noteFailure(e));
      }
    });
  }

  private onConnectionClosed(conn: ChannelModel): void {
    if (this.closed) return;
    if (this.conn === conn) {
      // The live connection went away: its channels are gone too; consumers subscribe again on reconnect.
      this.conn = undefined;
      this.pub = undefined;
      for (const c of this.consumers) {
        c.channel = undefined;
        c.tag = undefined;
      }
      if (!this.lastError) this.log(`queue: connection to ${redact(this.url)} lost; reconnecting`);
      this.lastError ||= 'connection lost';
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer || this.conn) return;
    const delay = this.backoff;
    this.backoff = Math.min(BACKOFF_MAX_MS, this.backoff * 2);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect().catch(() => this.scheduleReconnect());
    }, delay);
    this.reconnectTimer.unref?.();
  }

  private async publishChannel(): Promise<ConfirmChannel> {
    await withTimeout(this.connect(), CONNECT_TIMEOUT_MS + 500, 'connecting to the queue').catch((e: unknown) => {
      this.scheduleReconnect();
      throw e;
    });
    if (this.pub) return this.pub;
    // The publish channel is being replaced after a channel error: wait briefly for it.
    const end = Date.now() + 1000;
    while (!this.pub && Date.now() < end && this.conn) await new Promise((r) => setTimeout(r, 20));
    if (!this.pub) throw new Error('queue unavailable: no publish channel');
    return this.pub;
  }

  async publish(task: Task): Promise<void> {
    const ch = await this.publishChannel();
    const messageId = `${task.uuid}.${process.pid}.${++this.publishSeq}`;
    const body = Buffer.from(JSON.stringify(task), 'utf8');
    const confirmed = new Promise<void>((resolve, reject) => {
      try {
        ch.publish(
          EXCHANGE,
          ROUTING_KEY,
          body,
          {
            contentType: 'application/json',
            contentEncoding: 'utf-8',
            deliveryMode: 2,
            mandatory: true,
            messageId,
          },
          (err: unknown) => {
            if (err) return reject(new Error(`queue did not confirm the task: ${errText(err)}`));
            // basic.return arrives before the confirm, so an unroutable task is known here.
            if (this.returned.delete(messageId)) return reject(new Error('queue could not route the task'));
            resolve();
          },
        );
      } catch (e) {
        reject(new Error(`queue unavailable: ${errText(e)}`));
      }
    });
    await withTimeout(confirmed, CONFIRM_TIMEOUT_MS, 'waiting for the queue to confirm the task');
  }

  async consume(handler: (h: TaskHandle) => Promise<void>): Promise<Consumer> {
    if (this.closed) throw new Error('queue is closed');
    const entry: ConsumerEntry = {
      handler,
      channel: undefined,
      tag: undefined,
      stopped: false,
      subscribing: false,
      again: false,
      running: new Set(),
    };
    this.consumers.add(entry);
    if (this.conn) await this.subscribe(entry);
    else
      await this.connect().catch(() => {
        // Broker not reachable yet: the reconnect loop subscribes this consumer when it comes.
        this.scheduleReconnect();
      });
    return { stop: () => this.stopConsumer(entry) };
  }

  private async subscribe(entry: ConsumerEntry): Promise<void> {
    if (entry.subscribing) {
      entry.again = true;
      return;
    }
    entry.subscribing = true;
    try {
      do {
        entry.again = false;
        await this.subscribeNow(entry);
      } while (entry.again && !entry.channel && !entry.stopped && this.conn);
    } finally {
      entry.subscribing = false;
    }
  }

  private async subscribeNow(entry: ConsumerEntry): Promise<void> {
    // A handler from before a reconnect may still be working (its ack will be moot): prefetch 1 means one task
    // at a time per consumer, so wait for it before taking the next.
    while (entry.running.size > 0) await Promise.allSettled([...entry.running]);
    const conn = this.conn;
    if (!conn || entry.stopped || entry.channel) return;
    let ch: Channel;
    try {
      ch = await conn.createChannel();
    } catch (e) {
      this.noteFailure(e);
      return;
    }
    entry.channel = ch;
    ch.on('error', (e: Error) => this.noteFailure(e));
    ch.on('close', () => {
      if (entry.channel !== ch) return;
      entry.channel = undefined;
      entry.tag = undefined;
      // Closed by a channel error or a broker-side cancel while the connection lives on: subscribe again.
      if (!entry.stopped && this.conn === conn && !this.closed) {
        setTimeout(() => void this.subscribe(entry), BACKOFF_MIN_MS).unref?.();
      }
    });
    try {
      await ch.prefetch(1);
      await declareTopology(ch);
      const ok = await ch.consume(QUEUE, (msg) => this.onMessage(entry, ch, msg));
      entry.tag = ok.consumerTag;
      if (entry.stopped) await ch.close().catch(() => undefined);
    } catch (e) {
      this.noteFailure(e);
      await ch.close().catch(() => undefined);
    }
  }

  private onMessage(entry: ConsumerEntry, ch: Channel, msg: ConsumeMessage | null): void {
    if (!msg) {
      // The broker cancelled the consumer (queue deleted): open a fresh channel, which redeclares the queue.
      void ch.close().catch(() => undefined);
      return;
    }
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      // On a dead channel the broker already gave the task back; nothing left to do.
      if (entry.channel !== ch) return;
      try {
        fn();
      } catch (e) {
        this.noteFailure(e);
      }
    };
    let task: Task;
    try {
      task = JSON.parse(msg.content.toString('utf8')) as Task;
      if (!task || typeof task !== 'object' || Array.isArray(task)) throw new Error('not a JSON object');
    } catch (e) {
      // A poison message would otherwise come back forever: drop it with one line.
      this.log(`queue: dropping a message that is not a JSON task (${errText(e)})`);
      settle(() => ch.ack(msg));
      return;
    }
    const handle: TaskHandle = {
      task,
      redelivered: msg.fields.redelivered,
      ack: async () => settle(() => ch.ack(msg)),
      nack: async () => settle(() => ch.nack(msg, false, true)),
    };
    const run = (async () => {
      try {
        await entry.handler(handle);
      } catch (e) {
        this.log(`queue: task handler failed (${errText(e)}); task goes back to the queue`);
        settle(() => ch.nack(msg, false, true));
      }
    })();
    entry.running.add(run);
    void run.finally(() => entry.running.delete(run));
  }

  private async stopConsumer(entry: ConsumerEntry): Promise<void> {
    entry.stopped = true;
    const ch = entry.channel;
    if (ch && entry.tag) await ch.cancel(entry.tag).catch(() => undefined);
    while (entry.running.size > 0) await Promise.allSettled([...entry.running]);
    // Closing the channel hands anything left unacked back to the broker.
    if (ch) await ch.close().catch(() => undefined);
    entry.channel = undefined;
    this.consumers.delete(entry);
  }

  async depth(): Promise<number> {
    const conn = await withTimeout(this.connect(), CONNECT_TIMEOUT_MS + 500, 'connecting to the queue');
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    try {
      const q = await ch.checkQueue(QUEUE);
      return q.messageCount;
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  async ping(): Promise<void> {
    await withTimeout(this.connect(), CONNECT_TIMEOUT_MS + 500, 'connecting to the queue').catch((e: unknown) => {
      this.scheduleReconnect();
      throw e;
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => this.stopConsumer(c)));
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    await this.connecting?.catch(() => undefined);
    const conn = this.conn;
    this.conn = undefined;
    this.pub = undefined;
    if (conn) await conn.close().catch(() => undefined);
  }
}

export async function openAmqpQueue(url: string, opts: AmqpQueueOptions = {}): Promise<AmqpQueue> {
  const q = new AmqpQueue(url, opts);
  // Connect now when possible so the topology exists before the first publish; a broker that is down at start
  // is not fatal: the queue keeps trying in the background, and publish/ping report it.
  await q.ping().catch(() => undefined);
  return q;
}
