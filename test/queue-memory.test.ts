// The embedded `memory:` queue: shared per name across openQueue calls, prefetch 1 per consumer, ack/nack, and
// redelivery of what a stopped consumer left unacked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { openQueue } from '../app/queue/index.js';
import type { Task, TaskHandle } from '../app/types.js';

const task = (n: number): Task => ({
  uuid: randomUUID(),
  checksum: null,
  url: null,
  duration: null,
  size: null,
  width: n,
  height: n,
  iterations: 10,
  xa: -1.5,
  xb: 1.5,
  ya: -1.5,
  yb: 1.5,
  generated_by: null,
});
const qname = () => `memory:t-${randomUUID()}`;

async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 20000) {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('two openQueue calls with the same name share tasks; other names are separate', async () => {
  const name = qname();
  const a = await openQueue(name);
  const b = await openQueue(name);
  const other = await openQueue(qname());
  const t = task(5);
  await a.publish(t);
  assert.equal(await b.depth(), 1);
  assert.equal(await other.depth(), 0);
  const got: Task[] = [];
  const c = await b.consume(async (h) => {
    got.push(h.task);
    await h.ack();
  });
  await until(() => got.length === 1, 'delivery');
  assert.deepEqual(got[0], t);
  assert.notEqual(got[0], t, 'consumer gets its own copy');
  assert.equal(await a.depth(), 0);
  await c.stop();
  await Promise.all([a.close(), b.close(), other.close()]);
});

test('prefetch 1: a busy consumer gets no second task; the idle one does', async () => {
  const q = await openQueue(qname());
  for (let i = 1; i <= 3; i++) await q.publish(task(i));
  const held: Record<string, TaskHandle[]> = { a: [], b: [] };
  const ca = await q.consume(async (h) => {
    held.a.push(h);
  });
  const cb = await q.consume(async (h) => {
    held.b.push(h);
  });
  await until(() => held.a.length + held.b.length === 2, 'two deliveries');
  assert.equal(held.a.length, 1);
  assert.equal(held.b.length, 1);
  assert.equal(await q.depth(), 1);
  await held.a[0].ack();
  await until(() => held.a.length === 2, 'third task to the consumer that acked');
  assert.equal(held.b.length, 1);
  assert.equal(await q.depth(), 0);
  await held.a[1].ack();
  await held.b[0].ack();
  await ca.stop();
  await cb.stop();
  await q.close();
});

test('nack requeues (redelivered); a stopped consumer gives its unacked task back; a throwing handler too', async () => {
  const q = await openQueue(qname());
  const t = task(7);
  await q.publish(t);
  const seen: { uuid: string; redelivered: boolean }[] = [];
  let mode: 'nack' | 'hold' | 'throw' | 'ack' = 'nack';
  const c1 = await q.consume(async (h) => {
    seen.push({ uuid: h.task.uuid, redelivered: h.redelivered });
    if (mode === 'nack') {
      mode = 'hold';
      await h.nack();
    } else if (mode === 'hold') {
      /* left unacked */
    }
  });
  await until(() => seen.length === 2, 'redelivery after nack');
  assert.deepEqual(seen, [
    { uuid: t.uuid, redelivered: false },
    { uuid: t.uuid, redelivered: true },
  ]);
  assert.equal(await q.depth(), 0);
  await c1.stop(); // unacked task goes back
  assert.equal(await q.depth(), 1);
  mode = 'throw';
  const c2 = await q.consume(async (h) => {
    seen.push({ uuid: h.task.uuid, redelivered: h.redelivered });
    if (mode === 'throw') {
      mode = 'ack';
      throw new Error('boom');
    }
    await h.ack();
  });
  await until(() => seen.length === 4, 'redelivery after throw');
  await until(async () => (await q.depth()) === 0, 'empty');
  assert.ok(seen.slice(2).every((s) => s.redelivered && s.uuid === t.uuid));
  await c2.stop();
  assert.equal(await q.depth(), 0);
  await q.close();
});

test('stop() waits for the handler in progress', async () => {
  const q = await openQueue(qname());
  await q.publish(task(1));
  let release!: () => void;
  let started = false;
  let finished = false;
  const c = await q.consume(async (h) => {
    started = true;
    await new Promise<void>((r) => (release = r));
    await h.ack();
    finished = true;
  });
  await until(() => started, 'start');
  const stopping = c.stop();
  setTimeout(() => release(), 50);
  await stopping;
  assert.equal(finished, true);
  assert.equal(await q.depth(), 0);
  await q.close();
});
