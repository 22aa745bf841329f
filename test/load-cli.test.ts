// `faafo-stack load` against a target that does not answer (issue 11, item 8): exit 1 and one line naming the URL
// and the cause, in both modes; never exit 0 with every request counted as an error, never a bare "fetch failed".
// And `load --help` says which engine each mode uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePort } from '../src/local/procs.js';

const repoRoot = path.resolve(import.meta.dirname, '..');
const tsx = pathToFileURL(path.join(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href;

// Asynchronous: the servers these tests start live in this process and must keep answering.
function cli(cwd: string, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', tsx, path.join(repoRoot, 'test/helpers/run-command.ts'), ...args],
      { cwd },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('close', (code: number | null) => resolve({ code, out, err }));
  });
}

async function tmp() {
  return mkdtemp(path.join(os.tmpdir(), 'faafo-loadcli-'));
}

for (const mode of ['tasks', 'api'] as const) {
  test(
    `load --mode ${mode} on a closed port: exit 1, one line with the URL and "connection refused"`,
    { timeout: 120_000 },
    async () => {
      const dir = await tmp();
      try {
        const url = `http://127.0.0.1:${await freePort()}`;
        const r = await cli(dir, [
          'load',
          '--mode',
          mode,
          '--url',
          url,
          '--duration',
          '2',
          '--out',
          path.join(dir, 'out'),
        ]);
        assert.equal(r.code, 1, r.err + r.out);
        assert.equal(r.err.trim().split('\n').length, 1, r.err);
        assert.match(
          r.err,
          new RegExp(
            `^Error: no answer from ${url.replace(/\./g, '\\.')}: connection refused: nothing listens there \\(ECONNREFUSED\\)`,
          ),
        );
        assert.ok(!existsSync(path.join(dir, 'out')), 'nothing sent, no chart written');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  test(
    `load --mode ${mode} on a server that never answers: exit 1 after --timeout, one line`,
    { timeout: 120_000 },
    async () => {
      const dir = await tmp();
      const sockets = new Set<net.Socket>();
      const silent = net.createServer((s) => sockets.add(s)); // accepts, reads, never answers
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      const url = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
      try {
        const r = await cli(dir, ['load', '--mode', mode, '--url', url, '--timeout', '1', '--duration', '2']);
        assert.equal(r.code, 1, r.err + r.out);
        assert.equal(
          r.err,
          `Error: no answer from ${url}: no answer within 1 s (--timeout) (check --url, or that the app (\`faafo-stack local up\`, or the stack) is running)\n`,
        );
      } finally {
        for (const s of sockets) s.destroy();
        silent.close();
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
}

test(
  'load --mode tasks on a target that goes away after the first answer: exit 1 naming the URL and the cause',
  { timeout: 120_000 },
  async () => {
    const dir = await tmp();
    const server = http.createServer((_req, res) => {
      res.end('hello');
      // One answer (the reachability check), then nothing listens any more.
      server.close();
      server.closeAllConnections();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    try {
      const r = await cli(dir, [
        'load',
        '--mode',
        'tasks',
        '--url',
        url,
        '--rate',
        '5',
        '--duration',
        '2',
        '--drain-timeout',
        '0',
        '--out',
        path.join(dir, 'out'),
      ]);
      assert.equal(r.code, 1, r.err + r.out);
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
      assert.match(
        r.err,
        new RegExp(
          `^Error: no answer from ${url.replace(/\./g, '\\.')} during the run: connection refused: nothing listens there \\(ECONNREFUSED\\) x\\d+\\n$`,
        ),
      );
      assert.ok(existsSync(path.join(dir, 'out', 'timeline.json')), 'the run is still recorded');
    } finally {
      server.close();
      await rm(dir, { recursive: true, force: true });
    }
  },
);

test('load --help says which engine each mode uses', () => {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin/run.js'), 'load', '--help'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const text = r.stdout.replace(/\s+/g, ' ');
  assert.match(
    text,
    /--mode api sends a list\/get\/create mix\. At a fixed --rate: an open-model sender of its own \(node:http/,
  );
  assert.match(text, /Only --rate max uses autocannon/);
  assert.doesNotMatch(text, /mix through autocannon/);
});

test('--rate auto is for tasks mode: api mode refuses it in one line, exit 2', async () => {
  const dir = await tmp();
  try {
    const r = await cli(dir, ['load', '--mode', 'api', '--rate', 'auto', '--url', 'http://127.0.0.1:9']);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /^Error: bad --rate "auto" \(.*api mode also takes --rate max, tasks mode --rate auto\)\n$/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
