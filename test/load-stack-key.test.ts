// `faafo-stack load` and protected writes (issue 15): an API that wants a key answers creates 401, and load says so
// in one line (which key it wants) instead of counting errors; a stack-targeted load (--watch-stack, no --api-key)
// reads the stack's own key from its api_key RandomString, on the real local Heat, and its creates succeed, with
// the key printed nowhere. The key is sent only to the stack's app_url, never to another --url.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../app/api/server.js';
import { openRepository, type SqlFractalRepository } from '../app/db/index.js';
import { openImageStore } from '../app/images/index.js';
import { openQueue } from '../app/queue/index.js';
import { freePort } from '../src/local/procs.js';
import { cloudsYaml, deleteStack, demoHeat, poll } from './helpers/heat-worker-stack.js';

const repoRoot = path.resolve(import.meta.dirname, '..');
const tsx = pathToFileURL(path.join(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href;

/** `faafo-stack load ...` in a child, without FAAFO_API_KEY from this environment (the flag's env default). */
function load(cwd: string, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, OS_CLIENT_CONFIG_FILE: cloudsYaml };
  delete env.FAAFO_API_KEY;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', tsx, path.join(repoRoot, 'test/helpers/run-command.ts'), 'load', ...args], {
      cwd,
      env,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('close', (code: number | null) => resolve({ code, out, err }));
  });
}

interface KeyedApi {
  url: string;
  repo: SqlFractalRepository;
  close(): Promise<void>;
}

/** A real faafo API whose writes need `apiKey` (anonymous writes denied, as in a generated stack). */
async function keyedApi(dir: string, apiKey: string, port = 0): Promise<KeyedApi> {
  const repo = await openRepository(`sqlite:${path.join(dir, 'db.sqlite')}`);
  await repo.migrate();
  const queue = await openQueue(`memory:stack-key-${path.basename(dir)}`);
  const images = await openImageStore(`file:${path.join(dir, 'images')}`);
  const app: FastifyInstance = buildApi({ repo, queue, images, processMetrics: false, access: { apiKey } });
  await app.listen({ port, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`;
  return {
    url,
    repo,
    async close() {
      await app.close();
      await queue.close();
      await repo.close();
      await images.close();
    },
  };
}

const oneErrorLine = (r: { err: string }) => r.err.trim().split('\n');

test('load on an API that wants a key, without one: exit 1, one line saying it wants a key, stopped at once', { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'faafo-loadkey-'));
  const api = await keyedApi(dir, randomBytes(20).toString('hex'));
  try {
    for (const mode of ['tasks', 'api'] as const) {
      // api mode: the mix's get needs a row first, so its seeding create is the one refused
      const r = await load(dir, ['--mode', mode, '--url', api.url, '--rate', '5', '--duration', '600', '--drain-timeout', '0', '--out', path.join(dir, 'out')]);
      assert.equal(r.code, 1, r.err + r.out);
      assert.equal(oneErrorLine(r).length, 1, r.err);
      assert.match(r.err, new RegExp(`^Error: the API at ${api.url.replace(/\./g, '\\.')} wants an API key for creates \\(401\\) \\(give --api-key KEY`));
      assert.doesNotMatch(r.err, /\n\s+at /);
    }
    // a wrong key: the line names where the key came from, never the key
    const wrong = 'not-the-key-' + randomBytes(8).toString('hex');
    const r = await load(dir, ['--mode', 'tasks', '--url', api.url, '--api-key', wrong, '--rate', '5', '--duration', '600', '--drain-timeout', '0']);
    assert.equal(r.code, 1, r.err + r.out);
    assert.match(r.err, /^Error: the API at \S+ refused the API key from --api-key \(401\)/);
    assert.ok(!(r.err + r.out).includes(wrong));
    assert.deepEqual((await api.repo.list(0, 10)).rows, []);
  } finally {
    await api.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('load --watch-stack without --api-key reads the stack\'s key; its creates succeed; the key is printed nowhere', { timeout: 600_000 }, async () => {
  const heat = demoHeat();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'faafo-loadkey-'));
  const port = await freePort();
  const appUrl = `http://127.0.0.1:${port}/`;
  const name = `faafo-loadkey-${randomBytes(4).toString('hex')}`;
  // What a generated stack has for this: the api_key RandomString (never an output) and the app_url output.
  const created = await heat.request<{ stack: { id: string } }>('POST', '/stacks', {
    stack_name: name,
    template: {
      heat_template_version: '2018-08-31',
      resources: { api_key: { type: 'OS::Heat::RandomString', properties: { length: 40, character_classes: [{ class: 'lettersdigits' }] } } },
      outputs: { app_url: { value: appUrl } },
    },
    timeout_mins: 10,
    disable_rollback: true,
  });
  const stackPath = `/stacks/${name}/${created.data.stack.id}`;
  let api: KeyedApi | undefined;
  try {
    await poll('CREATE_COMPLETE', 300, async () => {
      const { data } = await heat.request<{ stack: { stack_status: string; stack_status_reason: string } }>('GET', stackPath);
      if (data.stack.stack_status.endsWith('FAILED')) throw new Error(`${data.stack.stack_status}: ${data.stack.stack_status_reason}`);
      return data.stack.stack_status === 'CREATE_COMPLETE' ? true : undefined;
    });
    const { data } = await heat.request<{ resource: { attributes: { value: string } } }>('GET', `${stackPath}/resources/api_key`);
    const key = data.resource.attributes.value;
    assert.match(key, /^[A-Za-z0-9]{40}$/);
    api = await keyedApi(dir, key, port);

    const out = path.join(dir, 'out');
    const r = await load(dir, ['--mode', 'tasks', '--watch-stack', name, '--os-cloud', 'faafo-local', '--rate', '5', '--max-requests', '3', '--drain-timeout', '0', '--out', out, '--json']);
    assert.equal(r.code, 0, r.err + r.out);
    const result = JSON.parse(r.out) as { url: string; apiKeyFrom?: string; requests: { sent: number; errors: number }; tasks: { accepted: number; uuids: string[] } };
    assert.equal(result.url, appUrl);
    assert.equal(result.apiKeyFrom, `stack ${name}`);
    assert.equal(result.requests.sent, 3);
    assert.equal(result.requests.errors, 0);
    assert.equal(result.tasks.accepted, 3);
    const rows = (await api.repo.list(0, 10)).rows.map((o) => o.uuid).sort();
    assert.deepEqual(rows, [...result.tasks.uuids].sort(), 'the API stored each create');
    const text = await load(dir, ['--mode', 'tasks', '--watch-stack', name, '--os-cloud', 'faafo-local', '--rate', '5', '--max-requests', '1', '--drain-timeout', '0', '--out', out]);
    assert.equal(text.code, 0, text.err + text.out);
    assert.match(text.out, new RegExp(`^creates carried the API key from stack ${name}$`, 'm'));
    for (const seen of [r.out, r.err, text.out, text.err, await readFile(path.join(out, 'timeline.json'), 'utf8')]) {
      assert.ok(!seen.includes(key), 'the key is printed and written nowhere');
    }

    // Another --url than the stack's app_url (here the same app under another host name): the stack's key is not
    // sent there, so the protected API refuses, in one line.
    const other = `http://localhost:${port}`;
    const elsewhere = await load(dir, ['--mode', 'tasks', '--watch-stack', name, '--os-cloud', 'faafo-local', '--url', other, '--rate', '5', '--max-requests', '3', '--drain-timeout', '0']);
    assert.equal(elsewhere.code, 1, elsewhere.err + elsewhere.out);
    assert.equal(oneErrorLine(elsewhere).length, 1, elsewhere.err);
    assert.match(elsewhere.err, /wants an API key for creates \(401\)/);
    assert.equal((await api.repo.list(0, 10)).rows.length, 4);
  } finally {
    await api?.close();
    await rm(dir, { recursive: true, force: true });
    await deleteStack(heat, stackPath);
  }
});
