// The embedded cross-process `sqlite:PATH` queue: tasks meet across two real processes, prefetch 1 per consumer,
// ack/nack, depth, redelivery of the task of a consumer killed with SIGKILL mid-task (acked once, by the other),
// stop() waiting for the handler in progress, and publish after close rejecting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { openQueue } from '../app/queue/index.js';
import type { Task, TaskHandle } from '../app/types.js';

const repoRoot = path.resolve(import.meta.dirname, '..');
const tsx = pathToFileURL(path.join(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href;

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

async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 60_000) {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Child {
  proc: ChildProcess;
  lines: string[];
  exited: Promise<void>;
}

function consumer(url: string, mode: 'ack' | 'hold'): Child {
  const proc = spawn(process.execPath, ['--import', tsx, path.join(repoRoot, 'test/helpers/sqlite-queue-consumer.ts'), url, mode], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  let buf = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
  });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return { proc, lines, exited };
}

async function stopChild(c: Child) {
  if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGTERM');
  await c.exited;
}

async function tmpQueueUrl() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'faafo-sqlq-'));
  return { url: `sqlite:${path.join(dir, 'q', 'queue.sqlite')}`, dispose: () => rm(dir, { recursive: true, force: true }) };
}

test('two consumer processes share the tasks: each acked exactly once, never two at a time per consumer', { timeout: 180_000 }, async () => {
  const t = await tmpQueueUrl();
  const q = await openQueue(t.url);
  const a = consumer(t.url, 'ack');
  const b = consumer(t.url, 'ack');
  try {
    await until(() => a.lines.includes('READY') && b.lines.includes('READY'), 'both consumers ready');
    const tasks = Array.from({ length: 20 }, (_, i) => task(i + 1));
    for (const x of tasks) await q.publish(x);
    const acks = () => [...a.lines, ...b.lines].filter((l) => l.startsWith('ACK '));
    await until(() => acks().length >= tasks.length, 'all tasks acked');
    await until(async () => (await q.depth()) === 0, 'depth 0');
    const count = new Map<string, number>();
    for (const l of acks()) count.set(l.slice(4), (count.get(l.slice(4)) ?? 0) + 1);
    for (const x of tasks) assert.equal(count.get(x.uuid), 1, `task ${x.uuid} acked once`);
    assert.equal(acks().length, tasks.length);
    assert.ok(![...a.lines, ...b.lines].includes('OVERLAP'), 'prefetch 1: one handler at a time per consumer');
    assert.ok(a.lines.some((l) => l.startsWith('GOT ')) && b.lines.some((l) => l.startsWith('GOT ')), 'both consumers got work');
  } finally {
    await stopChild(a);
    await stopChild(b);
    await q.close();
    await t.dispose();
  }
});

test('a consumer killed with SIGKILL mid-task: the task is redelivered to the other process and acked once', { timeout: 180_000 }, async () => {
  const t = await tmpQueueUrl();
  const q = await openQueue(t.url);
  const a = consumer(t.url, 'hold');
  let b: Child | undefined;
  try {
    await until(() => a.lines.includes('READY'), 'consumer A ready');
    const x = task(7);
    await q.publish(x);
    await until(() => a.lines.includes(`GOT ${x.uuid} false`), 'A took the task');
    assert.equal(await q.depth(), 0, 'a claimed task is not ready');
    b = consumer(t.url, 'ack');
    await until(() => b!.lines.includes('READY'), 'consumer B ready');
    a.proc.kill('SIGKILL');
    await a.exited;
    await until(() => b!.lines.includes(`ACK ${x.uuid}`), 'B acked the task');
    assert.ok(b.lines.includes(`GOT ${x.uuid} true`), `redelivered to B: ${b.lines.join('|')}`);
    assert.equal(b.lines.filter((l) => l === `ACK ${x.uuid}`).length, 1);
    assert.equal(await q.depth(), 0);
  } finally {
    await stopChild(a);
    if (b) await stopChild(b);
    await q.close();
    await t.dispose();
  }
});

test('in one process: prefetch 1, nack redelivers, depth counts ready tasks, stop waits, publish after close rejects', { timeout: 60_000 }, async () => {
  const t = await tmpQueueUrl();
  const q = await openQueue(t.url);
  try {
    const [x, y] = [task(1), task(2)];
    await q.publish(x);
    await q.publish(y);
    assert.equal(await q.depth(), 2);
    const got: TaskHandle[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let finished = false;
    const c = await q.consume(async (h) => {
      got.push(h);
      if (got.length === 1) {
        await gate;
        await h.nack();
        finished = true;
        return;
      }
      await h.ack();
    });
    await until(() => got.length === 1, 'first delivery');
    assert.equal(got[0]!.task.uuid, x.uuid);
    assert.equal(got[0]!.redelivered, false);
    assert.equal(await q.depth(), 1, 'one claimed, one ready');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(got.length, 1, 'prefetch 1: no second task while the first is unsettled');
    release();
    await until(() => got.length >= 3, 'the nacked task comes back');
    const again = got.find((h, i) => i > 0 && h.task.uuid === x.uuid)!;
    assert.equal(again.redelivered, true);
    await until(async () => (await q.depth()) === 0, 'drained');
    assert.ok(finished);

    // stop() waits for the handler in progress; its unsettled task goes back as ready.
    const z = task(3);
    let inside = false;
    let done = false;
    const c2 = await q.consume(async () => {
      inside = true;
      await new Promise((r) => setTimeout(r, 400));
      done = true;
    });
    await c.stop();
    await q.publish(z);
    await until(() => inside, 'handler started');
    await c2.stop();
    assert.equal(done, true, 'stop waited for the handler');
    assert.equal(await q.depth(), 1, 'the unsettled task is ready again');
  } finally {
    await q.close();
  }
  await assert.rejects(q.publish(task(4)), /closed/);
  await t.dispose();
});
