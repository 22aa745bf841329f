// The RabbitMQ queue against the real broker (own vhost per test): the original faafo's exchange/queue flags and
// message properties (checked with a raw amqplib client and rabbitmqctl), confirms, prefetch 1, redelivery,
// poison-message dropping, prompt rejection when the broker is unreachable, and reconnect after the broker
// closes every connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import amqp from 'amqplib';
import { openQueue } from '../app/queue/index.js';
import type { Task, TaskHandle, TaskQueue } from '../app/types.js';
import { freshVhost } from './helpers/services.js';
import { until } from './helpers/poll.js';

const task = (n: number): Task => ({
  uuid: randomUUID(),
  checksum: null,
  url: null,
  duration: null,
  size: null,
  width: n,
  height: n + 1,
  iterations: 100,
  xa: -1.5,
  xb: 1.5,
  ya: -1.25,
  yb: 1.25,
  generated_by: null,
});
const quiet = { log: () => undefined };
const vhostOf = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1));

async function withVhost(fn: (url: string) => Promise<void>) {
  const vh = await freshVhost();
  try {
    await fn(vh.value);
  } finally {
    await vh.dispose();
  }
}

test(
  'declares exchange tasks and queue normal with the exact faafo flags; messages carry the faafo properties',
  { timeout: 120000 },
  async () => {
    await withVhost(async (url) => {
      const q = await openQueue(url, quiet);
      const t = task(16);
      await q.publish(t);

      const vhost = vhostOf(url);
      const ex = execFileSync(
        'rabbitmqctl',
        [
          '-q',
          'list_exchanges',
          '-p',
          vhost,
          'name',
          'type',
          'durable',
          'auto_delete',
          'internal',
          'arguments',
          '--no-table-headers',
        ],
        { encoding: 'utf8' },
      );
      const exLine = ex
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .find((f) => f[0] === 'tasks');
      assert.deepEqual(exLine, ['tasks', 'direct', 'true', 'false', 'false', '[]']);
      const qs = execFileSync(
        'rabbitmqctl',
        [
          '-q',
          'list_queues',
          '-p',
          vhost,
          'name',
          'durable',
          'auto_delete',
          'exclusive',
          'arguments',
          'messages',
          '--no-table-headers',
        ],
        { encoding: 'utf8' },
      );
      const qLine = qs
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .find((f) => f[0] === 'normal');
      assert.deepEqual(qLine, ['normal', 'true', 'false', 'false', '[]', '1']);
      const bs = execFileSync(
        'rabbitmqctl',
        ['-q', 'list_bindings', '-p', vhost, 'source_name', 'destination_name', 'routing_key', '--no-table-headers'],
        { encoding: 'utf8' },
      );
      assert.ok(
        bs.split('\n').some((l) => l.trim().split(/\s+/).join(' ') === 'tasks normal normal'),
        bs,
      );

      // A raw client declaring with the original's flags succeeds (different flags would be a 406).
      const conn = await amqp.connect(url);
      try {
        const ch = await conn.createChannel();
        await ch.assertExchange('tasks', 'direct', { durable: true, autoDelete: false });
        await ch.assertQueue('normal', { durable: true, autoDelete: false, exclusive: false });
        const bad = await conn.createChannel();
        bad.on('error', () => undefined);
        await assert.rejects(bad.assertQueue('normal', { durable: false }), /PRECONDITION_FAILED/);

        const msg = await until(
          async () => (await ch.get('normal', { noAck: true })) || undefined,
          'the task on queue normal',
        );
        assert.equal(msg.properties.contentType, 'application/json');
        assert.equal(msg.properties.contentEncoding, 'utf-8');
        assert.equal(msg.properties.deliveryMode, 2);
        assert.equal(msg.fields.exchange, 'tasks');
        assert.equal(msg.fields.routingKey, 'normal');
        const text = msg.content.toString('utf8');
        assert.deepEqual(JSON.parse(text), t);
        assert.match(text, /"width":16,/);
        assert.match(text, /"height":17,/);
        assert.match(text, /"iterations":100,/);
      } finally {
        await conn.close();
      }
      await q.close();
    });
  },
);

test(
  'a task published before any consumer exists is kept (publisher declares the queue too)',
  { timeout: 120000 },
  async () => {
    await withVhost(async (url) => {
      const api = await openQueue(url, quiet);
      const t = task(9);
      await api.publish(t);
      const worker = await openQueue(url, quiet);
      const got: Task[] = [];
      const c = await worker.consume(async (h) => {
        got.push(h.task);
        await h.ack();
      });
      await until(() => got.length === 1, 'delivery');
      assert.deepEqual(got[0], t);
      await c.stop();
      await until(async () => (await api.depth()) === 0, 'empty queue');
      await Promise.all([api.close(), worker.close()]);
    });
  },
);

test(
  'prefetch 1 per consumer, nack redelivers, a stopped consumer hands its unacked task to another',
  { timeout: 120000 },
  async () => {
    await withVhost(async (url) => {
      const pub = await openQueue(url, quiet);
      const qa = await openQueue(url, quiet);
      const qb = await openQueue(url, quiet);
      const tasks = [task(1), task(2), task(3)];
      for (const t of tasks) await pub.publish(t);
      const held: Record<'a' | 'b', TaskHandle[]> = { a: [], b: [] };
      const ca = await qa.consume(async (h) => {
        held.a.push(h);
      });
      const cb = await qb.consume(async (h) => {
        held.b.push(h);
      });
      await until(() => held.a.length === 1 && held.b.length === 1, 'one task each');
      assert.equal(await pub.depth(), 1, 'the third task waits: nobody is idle');

      // nack: the task comes back, flagged redelivered, to whoever is idle (a itself).
      const nacked = held.a[0].task.uuid;
      await held.a[0].nack();
      await until(() => held.a.length === 2, 'redelivery after nack');
      const again = held.a[1];
      assert.equal(again.task.uuid, nacked);
      assert.equal(again.redelivered, true);
      assert.equal(held.b.length, 1, 'b still holds one task and got nothing more');

      // b stops without acking: its task returns to the queue, a picks it up after acking its own.
      const bUuid = held.b[0].task.uuid;
      await cb.stop();
      await again.ack();
      await until(() => held.a.length >= 3, 'a third delivery to a');
      const seen = new Set<string>();
      for (;;) {
        const h = held.a[held.a.length - 1];
        seen.add(h.task.uuid);
        await h.ack();
        if (seen.size === 2) break;
        const n = held.a.length;
        await until(() => held.a.length > n, 'next delivery');
      }
      assert.ok(seen.has(bUuid), 'the task b held was redelivered to a');
      const all = new Set(held.a.map((h) => h.task.uuid));
      assert.deepEqual([...all].sort(), tasks.map((t) => t.uuid).sort());
      await until(async () => (await pub.depth()) === 0, 'empty queue');
      await ca.stop();
      await Promise.all([pub.close(), qa.close(), qb.close()]);
    });
  },
);

test('a message that is not JSON is acked and dropped, and consumption continues', { timeout: 120000 }, async () => {
  await withVhost(async (url) => {
    const q = await openQueue(url, quiet);
    const conn = await amqp.connect(url);
    const ch = await conn.createConfirmChannel();
    ch.publish('tasks', 'normal', Buffer.from('{not json'), { contentType: 'application/json', deliveryMode: 2 });
    await ch.waitForConfirms();
    const t = task(4);
    await q.publish(t);
    const got: Task[] = [];
    const c = await q.consume(async (h) => {
      got.push(h.task);
      await h.ack();
    });
    await until(() => got.length === 1, 'the good task');
    assert.equal(got[0].uuid, t.uuid);
    await c.stop();
    const check = await ch.checkQueue('normal');
    assert.equal(check.messageCount, 0, 'poison message gone, not requeued');
    await conn.close();
    await q.close();
  });
});

test('publish rejects when the broker cannot route the task (never a silent loss)', { timeout: 120000 }, async () => {
  await withVhost(async (url) => {
    const q = await openQueue(url, quiet);
    await q.publish(task(3)); // connected, topology declared
    const conn = await amqp.connect(url);
    const ch = await conn.createChannel();
    await ch.unbindQueue('normal', 'tasks', 'normal');
    await assert.rejects(q.publish(task(4)), /could not route/);
    await ch.bindQueue('normal', 'tasks', 'normal');
    await q.publish(task(5));
    assert.equal((await ch.checkQueue('normal')).messageCount, 2);
    await conn.close();
    await q.close();
  });
});

test('publish rejects (does not hang) when the broker is unreachable', { timeout: 60000 }, async () => {
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const q = await openQueue(`amqp://guest:guest@127.0.0.1:${port}/x`, quiet);
  await assert.rejects(q.publish(task(5)), /queue unavailable|timed out/);
  await assert.rejects(q.ping());
  await q.close();
});

test(
  'after the broker drops every connection, publisher and consumer reconnect by themselves',
  { timeout: 180000 },
  async () => {
    await withVhost(async (url) => {
      const vhost = vhostOf(url);
      const pub: TaskQueue = await openQueue(url, quiet);
      const sub: TaskQueue = await openQueue(url, quiet);
      const got: string[] = [];
      const c = await sub.consume(async (h) => {
        got.push(h.task.uuid);
        await h.ack();
      });
      const t1 = task(1);
      await pub.publish(t1);
      await until(() => got.includes(t1.uuid), 'first task');

      execFileSync('rabbitmqctl', ['-q', 'close_all_connections', '-p', vhost, 'test: simulated broker restart']);

      // Publishing may fail while the connection is being re-established; it must succeed again by itself.
      const t2 = task(2);
      await until(
        async () => {
          await pub.publish(t2);
          return true;
        },
        'publish after reconnect',
        60000,
        250,
      );
      await until(() => got.includes(t2.uuid), 'consumer re-subscribed and got the second task');
      await c.stop();
      await Promise.all([pub.close(), sub.close()]);
    });
  },
);
