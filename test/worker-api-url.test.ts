// Workers report to the API server that queued the task (stacks without load balancer: no endpoint list in the
// worker's boot script). Real processes on the embedded cross-process backends (SQLite database, sqlite: queue,
// image folder): `faafo api --advertise-url` puts `api_url` in every task it publishes (one without the setting
// publishes exactly the original message); a `faafo worker` with FAAFO_ENDPOINT_URL empty stores results through
// the task's api_url, keeps a task no API is known for (hands it back, never drops it), and falls back to an API
// an earlier task named when a task's api_url is dead; one with --endpoint-url falls back to that. A bad
// --advertise-url is a one-line error and exit 2. In-process: a task's api_url that is not a plain http(s) URL is
// ignored (the queue is shared) and the result goes to the configured API. With --api-url-cidrs /
// FAAFO_API_URL_CIDRS a task's api_url is used only when its host is an IP address inside the list: an API inside
// stores the result, one outside (or a host name) gets no request and the configured API stores it; a bad CIDR is
// a one-line error and exit 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { toTask } from '../app/api/publish.js';
import { taskApiUrl } from '../app/worker/task.js';
import { apiUrlAllowList, resolveAdvertiseUrl, resolveApiUrlCidrs, resolveSettings } from '../app/config.js';
import { buildApi } from '../app/api/server.js';
import { openRepository } from '../app/db/index.js';
import { openImageStore } from '../app/images/index.js';
import { openQueue } from '../app/queue/index.js';
import { startWorker } from '../app/worker/index.js';
import type { Fractal } from '../app/types.js';
import { CountingRenderer } from './helpers/counting-renderer.js';
import { until } from './helpers/poll.js';
import { freePort } from './helpers/private-services.js';

/** A fractal row not rendered yet (64x48, 32 iterations over [-1, 1]²), with `fields` over those. */
const pendingRow = (fields: Partial<Fractal> = {}): Fractal => ({
  uuid: randomUUID(),
  width: 64,
  height: 48,
  iterations: 32,
  xa: -1,
  xb: 1,
  ya: -1,
  yb: 1,
  cr: null,
  ci: null,
  checksum: null,
  url: null,
  duration: null,
  size: null,
  generated_by: null,
  ...fields,
});
import { cleanEnv, spawnFaafo, startListening, type FaafoProcess } from './helpers/procs.js';

const ORIGINAL_TASK_KEYS = [
  'checksum',
  'ci',
  'cr',
  'duration',
  'generated_by',
  'height',
  'iterations',
  'size',
  'url',
  'uuid',
  'width',
  'xa',
  'xb',
  'ya',
  'yb',
];

async function createFractal(api: string, width: number): Promise<string> {
  const uuid = randomUUID();
  const res = await fetch(`${api}/v1/fractal`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ uuid, width, height: 60, iterations: 64, xa: -1.6, xb: 1.6, ya: -1.2, yb: 1.2 }),
  });
  assert.equal(res.status, 201, await res.text());
  return uuid;
}

async function storedRow(api: string, uuid: string): Promise<Fractal | undefined> {
  const res = await fetch(`${api}/v1/fractal/${uuid}`);
  if (!res.ok) return undefined;
  const row = (await res.json()) as Fractal;
  return row.checksum ? row : undefined;
}

/** The task messages waiting in the sqlite: queue file, by uuid (what a worker would receive). */
function queuedTasks(file: string): Map<string, Record<string, unknown>> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT body FROM tasks ORDER BY id').all() as { body: string }[];
    const tasks = rows.map((r) => JSON.parse(r.body) as Record<string, unknown>);
    return new Map(tasks.map((t) => [String(t.uuid), t]));
  } finally {
    db.close();
  }
}

async function withEmbeddedServices(
  fn: (s: { env: NodeJS.ProcessEnv; dir: string; procs: FaafoProcess[] }) => Promise<void>,
) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faafo-api-url-'));
  const procs: FaafoProcess[] = [];
  try {
    const env = cleanEnv({
      FAAFO_DATABASE_URL: `sqlite:${path.join(dir, 'faafo.sqlite')}`,
      FAAFO_QUEUE_URL: `sqlite:${path.join(dir, 'queue.sqlite')}`,
      FAAFO_IMAGE_URL: `file:${path.join(dir, 'images')}`,
    });
    await fn({ env, dir, procs });
  } finally {
    await Promise.all(
      procs.map((p) => (p.proc.exitCode === null && p.proc.signalCode === null ? p.stop('SIGKILL') : undefined)),
    );
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test(
  'tasks name the API that queued them; a worker with no endpoint stores through it, keeps what it cannot place, and falls back',
  { timeout: 300000 },
  async () => {
    await withEmbeddedServices(async ({ env, dir, procs }) => {
      const portA = await freePort();
      const deadUrl = `http://127.0.0.1:${await freePort()}`; // nothing listens there: an API removed by scale-in
      const urlA = `http://127.0.0.1:${portA}`;
      const apiA = spawnFaafo(['api', '--port', String(portA), '--host', '127.0.0.1', '--advertise-url', `${urlA}/`], {
        env,
        name: 'api-a',
      });
      // The setting from the environment; this one advertises an address where nothing answers.
      const apiDead = spawnFaafo(['api', '--port', '0', '--host', '127.0.0.1'], {
        env: { ...env, FAAFO_ADVERTISE_URL: deadUrl },
        name: 'api-dead',
      });
      const apiPlain = spawnFaafo(['api', '--port', '0', '--host', '127.0.0.1'], { env, name: 'api-plain' });
      procs.push(apiA, apiDead, apiPlain);
      const [listeningA, viaDead, viaPlain] = await Promise.all([apiA, apiDead, apiPlain].map(startListening));
      assert.equal(listeningA, urlA);
      await apiA.waitFor(new RegExp(`^faafo api: tasks name ${urlA} as the API`));

      // What the APIs publish: api_url with the advertise setting (trailing slash dropped), the original message
      // (same keys, no api_url) without it.
      const plain = await createFractal(viaPlain, 70);
      const named = await createFractal(urlA, 71);
      const queue = path.join(dir, 'queue.sqlite');
      const tasks = queuedTasks(queue);
      assert.equal(tasks.get(named)?.api_url, urlA);
      assert.deepEqual(Object.keys(tasks.get(plain) ?? {}).sort(), ORIGINAL_TASK_KEYS);

      // A worker given no endpoint (FAAFO_ENDPOINT_URL= as a stack without load balancer writes it) starts.
      const worker = spawnFaafo(['worker', '--generated-by', 'w-no-endpoint', '--threads', '1'], {
        env: { ...env, FAAFO_ENDPOINT_URL: '' },
        name: 'worker',
      });
      procs.push(worker);
      await worker.waitFor(/^faafo worker w-no-endpoint .*results to the API each task names \(no --endpoint-url\)/);

      // The task from API A is stored through A; the plain one (no api_url) is stored through A too, the API an
      // earlier task named.
      const rowNamed = await until(() => storedRow(urlA, named), 'the api_url task stored', 120000);
      const rowPlain = await until(() => storedRow(urlA, plain), 'the task without api_url stored', 120000);
      assert.equal(rowNamed.generated_by, 'w-no-endpoint');
      assert.equal(rowPlain.generated_by, 'w-no-endpoint');
      // The plain task was first in the queue: the worker knew no API yet, said so and moved it behind the other.
      const noApi = worker.lines.filter((x) => /no API to report to/.test(x));
      assert.ok(noApi.length >= 1, worker.lines.join('\n'));
      for (const l of noApi) {
        assert.match(l, new RegExp(`^task ${plain}: no API to report to .*returning it to the end of the queue`));
      }

      // A task whose api_url is dead: the worker switches to the API it has seen and stores the result there.
      const orphan = await createFractal(viaDead, 72);
      assert.equal(queuedTasks(queue).get(orphan)?.api_url, deadUrl);
      await until(() => storedRow(urlA, orphan), 'the dead-api_url task stored through the seen API', 120000);
      assert.ok(
        worker.lines.some(
          (l) => l.startsWith(`API ${deadUrl}: cannot reach the API`) && l.endsWith(`switching to ${urlA}`),
        ),
        worker.lines.join('\n'),
      );
      assert.ok(!worker.lines.some((l) => /could not store the result|dropping task/.test(l)), worker.lines.join('\n'));
      assert.equal(await worker.stop(), 0);

      // A worker with a configured endpoint and nothing seen: a dead api_url falls back to the configured API.
      const configured = spawnFaafo(
        ['worker', '--endpoint-url', viaPlain, '--generated-by', 'w-configured', '--threads', '1'],
        {
          env,
          name: 'worker-configured',
        },
      );
      procs.push(configured);
      await configured.waitFor(/^faafo worker w-configured .*results to the API each task names, else /);
      const orphan2 = await createFractal(viaDead, 73);
      const row2 = await until(() => storedRow(viaPlain, orphan2), 'stored through the configured API', 120000);
      assert.equal(row2.generated_by, 'w-configured');
      assert.ok(
        configured.lines.some(
          (l) => l.startsWith(`API ${deadUrl}: cannot reach the API`) && l.endsWith(`switching to ${viaPlain}`),
        ),
        configured.lines.join('\n'),
      );
      assert.equal(await configured.stop(), 0);
    });
  },
);

test('a task no API is known for is handed back, not dropped, until one is known', { timeout: 120000 }, async () => {
  await withEmbeddedServices(async ({ env, procs }) => {
    const api = spawnFaafo(['api', '--port', '0', '--host', '127.0.0.1'], { env, name: 'api' });
    procs.push(api);
    const url = await startListening(api);
    const uuid = await createFractal(url, 80);
    const worker = spawnFaafo(['worker', '--generated-by', 'w-lost', '--threads', '1'], {
      env: { ...env, FAAFO_ENDPOINT_URL: '' },
      name: 'worker',
    });
    procs.push(worker);
    // It sees the task at least twice (handed back, delivered again) and says why each time; nothing is dropped.
    await until(
      () => worker.lines.filter((l) => l.startsWith(`task ${uuid}: no API to report to`)).length >= 2,
      'the task handed back and delivered again',
      60000,
    );
    assert.equal(await worker.stop(), 0);
    assert.ok(!worker.lines.some((l) => /dropping task/.test(l)), worker.lines.join('\n'));
    const res = await fetch(`${url}/v1/fractal/${uuid}`);
    assert.equal(((await res.json()) as Fractal).checksum, null, 'not rendered, still waiting');
    // Still in the queue for a worker that knows an API: one with the endpoint stores it.
    const w2 = spawnFaafo(['worker', '--endpoint-url', url, '--generated-by', 'w-found', '--threads', '1'], {
      env,
      name: 'worker-2',
    });
    procs.push(w2);
    const row = await until(() => storedRow(url, uuid), 'the handed-back task stored', 60000);
    assert.equal(row.generated_by, 'w-found');
  });
});

test('a bad --advertise-url (or FAAFO_ADVERTISE_URL) is a one-line error and exit 2', { timeout: 120000 }, async () => {
  await withEmbeddedServices(async ({ env, procs }) => {
    const cases: { args: string[]; env?: NodeJS.ProcessEnv; re: RegExp }[] = [
      {
        args: ['api', '--advertise-url', 'ftp://10.0.0.7/'],
        re: /advertise-url "ftp:\/\/10\.0\.0\.7\/" is not an http/,
      },
      { args: ['serve', '--advertise-url', '10.0.0.7'], re: /advertise-url "10\.0\.0\.7" is not a URL/ },
      {
        args: ['api'],
        env: { FAAFO_ADVERTISE_URL: 'http://user:pw@10.0.0.7/' },
        re: /advertise-url "http:\/\/user:\*\*\*@10\.0\.0\.7\/" must not carry a user or password/,
      },
      { args: ['api', '--advertise-url', 'http://a/,http://b/'], re: /contains whitespace or a comma/ },
    ];
    for (const c of cases) {
      const p = spawnFaafo([...c.args, '--port', '0', '--host', '127.0.0.1'], {
        env: { ...env, ...c.env },
        name: c.args[0],
      });
      procs.push(p);
      assert.equal(await p.exited, 2, p.lines.join('\n'));
      const out = p.lines.filter((l) => l.trim() !== '' && !/^faafo api: note:/.test(l));
      assert.equal(out.length, 1, out.join('\n'));
      assert.match(out[0], /^faafo: /);
      assert.match(out[0], c.re);
      assert.ok(!out[0].includes(':pw@'), 'the password is not echoed');
    }
  });
});

test(
  'a task api_url that is not a plain http(s) URL is ignored (logged) and the result goes to the configured API',
  { timeout: 120000 },
  async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faafo-api-url-bad-'));
    const repo = await openRepository(`sqlite:${dir}/db.sqlite`);
    const queue = await openQueue(`memory:${randomUUID()}`, { log: () => undefined });
    const images = await openImageStore(`file:${dir}/images`);
    const app = buildApi({ repo, queue, images, republish: { enabled: false } });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const renderer = new CountingRenderer(0, 1);
    const lines: string[] = [];
    const worker = await startWorker({
      queue,
      renderer,
      endpointUrl: url,
      generatedBy: 'w-bad-url',
      log: (l) => lines.push(l),
      retryDelayMs: 50,
    });
    try {
      const bad = [
        'file:///etc/passwd',
        'javascript:alert(1)',
        'http://user:secret@evil.example/',
        'http://evil.example/?x=1',
      ];
      const uuids: string[] = [];
      for (const [i, apiUrl] of [...bad, 42].entries()) {
        const row = pendingRow({ width: 50 + i, height: 40, xa: -1.5, xb: 1.5 });
        await repo.insert(row);
        await queue.publish({ ...toTask(row), api_url: apiUrl as string });
        uuids.push(row.uuid);
      }
      for (const uuid of uuids) await until(() => storedRow(url, uuid), `task ${uuid} stored`, 60000);
      const ignored = lines.filter((l) => /: ignoring its api_url/.test(l));
      assert.equal(ignored.length, uuids.length, lines.join('\n'));
      assert.ok(
        ignored.some((l) => l.includes('must not carry a user or password')),
        ignored.join('\n'),
      );
      assert.ok(
        ignored.some((l) => l.includes('api_url is a number')),
        ignored.join('\n'),
      );
      assert.ok(!lines.some((l) => l.includes('secret@')), 'a password in a task is not logged');
      assert.ok(!lines.some((l) => /switching to|cannot reach/.test(l)), 'no attempt on the ignored URLs');
      assert.deepEqual(worker.knownApis().seen, [], 'an ignored api_url is not remembered');
    } finally {
      await worker.stop();
      await renderer.close();
      await app.close();
      await queue.close();
      await images.close();
      await repo.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('the re-publisher sends api_url too (and nothing extra without --advertise-url)', { timeout: 60000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faafo-api-url-repub-'));
  const repo = await openRepository(`sqlite:${dir}/db.sqlite`);
  const images = await openImageStore(`file:${dir}/images`);
  try {
    for (const advertiseUrl of ['http://10.0.0.7', undefined]) {
      const queue = await openQueue(`memory:${randomUUID()}`, { log: () => undefined });
      const app = buildApi({ repo, queue, images, advertiseUrl, republish: { everyMs: 3_600_000, afterMs: 0 } });
      await app.ready();
      try {
        // As if an API node died between inserting the row and publishing its task.
        const uuid = randomUUID();
        await repo.insert(pendingRow({ uuid }));
        await until(async () => (await app.republisher!.runOnce()) >= 1 || undefined, 'the row re-published', 10000);
        const got: Record<string, unknown>[] = [];
        const consumer = await queue.consume(async (h) => {
          got.push(h.task as unknown as Record<string, unknown>);
          await h.ack();
        });
        await until(() => got.find((t) => t.uuid === uuid), 'the re-published task', 10000);
        await consumer.stop();
        const task = got.find((t) => t.uuid === uuid)!;
        if (advertiseUrl) assert.equal(task.api_url, advertiseUrl);
        else assert.deepEqual(Object.keys(task).sort(), ORIGINAL_TASK_KEYS);
      } finally {
        await app.close();
        await queue.close();
      }
    }
  } finally {
    await images.close();
    await repo.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('settings: an empty FAAFO_ENDPOINT_URL means no endpoint, an unset one the default; the advertise URL', () => {
  assert.equal(resolveSettings({}, { FAAFO_ENDPOINT_URL: '' }).endpointUrl, '');
  assert.equal(resolveSettings({ endpointUrl: '' }, { FAAFO_ENDPOINT_URL: 'http://api:80' }).endpointUrl, '');
  assert.equal(resolveSettings({}, {}).endpointUrl, 'http://127.0.0.1:8800');
  assert.equal(resolveAdvertiseUrl(undefined, {}), undefined);
  assert.equal(resolveAdvertiseUrl(undefined, { FAAFO_ADVERTISE_URL: ' http://10.0.0.7/ ' }), 'http://10.0.0.7');
  assert.equal(
    resolveAdvertiseUrl('https://API.example:8443/faafo/', { FAAFO_ADVERTISE_URL: 'http://x' }),
    'https://api.example:8443/faafo',
  );
});

/** The PUT of a fractal's image in an API's --verbose request log (pino JSON lines). */
const imagePut = (lines: string[], uuid: string) =>
  lines.some((l) => l.includes('"method":"PUT"') && l.includes(`/v1/fractal/${uuid}/image`));

test(
  'with --api-url-cidrs a task api_url is used only inside the list; outside ones and host names get no request',
  { timeout: 300000 },
  async () => {
    await withEmbeddedServices(async ({ env, procs }) => {
      // Something listening outside the list (127.0.0.2 is loopback too, so the worker could really reach it):
      // any request here would be the result secret leaving the stack.
      const outsideRequests: string[] = [];
      const outside = http.createServer((req, res) => {
        outsideRequests.push(`${req.method} ${req.url}`);
        res.writeHead(500).end();
      });
      await new Promise<void>((resolve, reject) => {
        outside.once('error', reject);
        outside.listen(0, '127.0.0.2', resolve);
      });
      const outsideUrl = `http://127.0.0.2:${(outside.address() as AddressInfo).port}`;
      try {
        const portA = await freePort();
        const urlA = `http://127.0.0.1:${portA}`;
        const api = (name: string, port: string, advertise: string) =>
          spawnFaafo(['api', '--verbose', '--port', port, '--host', '127.0.0.1', '--advertise-url', advertise], {
            env,
            name,
          });
        const apiA = api('api-a', String(portA), urlA); // inside the list
        const apiB = api('api-b', '0', outsideUrl); // its tasks name the outside server; it is the worker's endpoint
        const apiC = api('api-c', '0', `http://localhost:${portA}`); // a host name for API A: never resolved
        procs.push(apiA, apiB, apiC);
        const [, viaB, viaC] = await Promise.all([apiA, apiB, apiC].map(startListening));
        const inside = await createFractal(urlA, 90);
        const outsideTask = await createFractal(viaB, 91);
        const named = await createFractal(viaC, 92);

        const worker = spawnFaafo(['worker', '--endpoint-url', viaB, '--generated-by', 'w-cidrs', '--threads', '1'], {
          env: { ...env, FAAFO_API_URL_CIDRS: ' 127.0.0.1/32, fd00::/8 ' },
          name: 'worker',
        });
        procs.push(worker);
        await worker.waitFor(/^faafo worker w-cidrs .*\(api_url only inside 127\.0\.0\.1\/32,fd00::\/8\)/);
        for (const uuid of [inside, outsideTask, named]) {
          const row = await until(() => storedRow(urlA, uuid), `task ${uuid} stored`, 120000);
          assert.equal(row.generated_by, 'w-cidrs');
        }
        // Inside: stored through the API the task named; the others through the configured endpoint (B).
        await until(() => imagePut(apiA.lines, inside), 'the inside task uploaded to API A', 10000);
        await until(() => imagePut(apiB.lines, outsideTask), 'the outside task uploaded to the endpoint', 10000);
        await until(() => imagePut(apiB.lines, named), 'the host-name task uploaded to the endpoint', 10000);
        assert.ok(!imagePut(apiB.lines, inside), 'the inside task went to its own API only');
        assert.ok(!imagePut(apiA.lines, named), 'localhost was not resolved to API A');
        assert.deepEqual(outsideRequests, [], 'nothing was sent outside the list');
        const ignored = worker.lines.filter((l) => /: ignoring its api_url/.test(l));
        assert.equal(ignored.length, 2, worker.lines.join('\n'));
        assert.ok(
          ignored.some((l) => l.startsWith(`task ${outsideTask}: `) && l.includes(`"${outsideUrl}" is outside`)),
          ignored.join('\n'),
        );
        assert.ok(
          ignored.some((l) => l.startsWith(`task ${named}: `) && l.includes('has a host name')),
          ignored.join('\n'),
        );
        assert.ok(!worker.lines.some((l) => /switching to|cannot reach/.test(l)), worker.lines.join('\n'));
        assert.equal(await worker.stop(), 0);
      } finally {
        await new Promise((r) => outside.close(r));
      }
    });
  },
);

test('a bad --api-url-cidrs (or FAAFO_API_URL_CIDRS) is a one-line error and exit 2', { timeout: 120000 }, async () => {
  await withEmbeddedServices(async ({ env, procs }) => {
    const cases: { args: string[]; env?: NodeJS.ProcessEnv; re: RegExp }[] = [
      { args: ['--api-url-cidrs', '10.0.0.0/33'], re: /api-url-cidrs: "10\.0\.0\.0\/33" is not a CIDR/ },
      { args: ['--api-url-cidrs', '10.0.0.0/8,api.example'], re: /api-url-cidrs: "api\.example" is not a CIDR/ },
      { args: [], env: { FAAFO_API_URL_CIDRS: 'fd00::/129' }, re: /api-url-cidrs: "fd00::\/129" is not a CIDR/ },
      { args: ['--api-url-cidrs', ' , '], re: /api-url-cidrs "," names no network/ },
    ];
    for (const c of cases) {
      const p = spawnFaafo(['worker', ...c.args], { env: { ...env, ...c.env }, name: 'worker' });
      procs.push(p);
      assert.equal(await p.exited, 2, p.lines.join('\n'));
      const out = p.lines.filter((l) => l.trim() !== '');
      assert.equal(out.length, 1, out.join('\n'));
      assert.match(out[0], /^faafo: /);
      assert.match(out[0], c.re);
    }
  });
});

test('settings: --api-url-cidrs over FAAFO_API_URL_CIDRS; unset or empty means any api_url', () => {
  assert.equal(resolveApiUrlCidrs(undefined, {}), undefined);
  assert.equal(resolveApiUrlCidrs(undefined, { FAAFO_API_URL_CIDRS: '' }), undefined);
  assert.deepEqual(resolveApiUrlCidrs(undefined, { FAAFO_API_URL_CIDRS: '10.0.0.0/24, fd00::/8' }), [
    '10.0.0.0/24',
    'fd00::/8',
  ]);
  assert.deepEqual(resolveApiUrlCidrs('192.168.1.7', { FAAFO_API_URL_CIDRS: '10.0.0.0/24' }), ['192.168.1.7']);
  // What the worker makes of a task's api_url under a list (IPv6, IPv4-mapped, spellings the URL parser
  // normalises; names never, not even ones that look like an address).
  const allow = { list: apiUrlAllowList(['10.0.0.0/24', '192.168.1.7', 'fd00::/8']), shown: 'the list' };
  const use = (u: string) => taskApiUrl({ api_url: u }, allow);
  assert.deepEqual(use('http://10.0.0.9:8080/'), { url: 'http://10.0.0.9:8080' });
  assert.deepEqual(use('https://[fd00::5]/faafo'), { url: 'https://[fd00::5]/faafo' });
  assert.deepEqual(use('http://[::ffff:10.0.0.3]/'), { url: 'http://[::ffff:a00:3]' });
  assert.deepEqual(use('http://0xa.0.0.4/'), { url: 'http://10.0.0.4' });
  assert.deepEqual(use('http://192.168.1.7'), { url: 'http://192.168.1.7' });
  assert.match(use('http://192.168.1.8')?.problem ?? '', /^api_url "http:\/\/192\.168\.1\.8" is outside the list$/);
  assert.match(use('http://10.0.1.1')?.problem ?? '', /is outside the list/);
  assert.match(use('http://[fe80::1]')?.problem ?? '', /is outside the list/);
  assert.match(use('http://10.0.0.9.nip.io/')?.problem ?? '', /has a host name, not an address in the list/);
  assert.match(use('ftp://10.0.0.9/')?.problem ?? '', /is not an http/);
  assert.deepEqual(taskApiUrl({ api_url: 'http://api.example/' }), { url: 'http://api.example' }, 'no list: any');
});
