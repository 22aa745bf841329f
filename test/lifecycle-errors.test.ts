// Lifecycle commands when the cloud is wrong or down: unknown cloud name, wrong password, Heat not answering
// (a Keystone in front of the real one whose catalog points orchestration at a closed port). Each: one line on
// stderr, non-zero exit, no stack trace, and the password never appears in the output.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { runCli } from './helpers/lifecycle-cli.js';
import { cloudDir, publicHost } from './helpers/test-cloud.js';

const OS = cloudDir;
let dir: string;
let proxy: http.Server;
let proxyPort = 0;
let closedPort = 0;

function cloudsYaml(authUrl: string, password: string): string {
  return `clouds:
  t:
    auth:
      auth_url: ${authUrl}
      username: demo
      password: ${JSON.stringify(password)}
      project_name: demo
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
    identity_api_version: 3
`;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

function assertOneLine(r: { code: number | null; stdout: string; stderr: string }, secret: string): string {
  assert.notEqual(r.code, 0);
  assert.notEqual(r.code, 99, `unhandled error escaped: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line expected, got:\n${r.stderr}`);
  assert.match(lines[0], /^Error: /);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.ok(!(r.stdout + r.stderr).includes(secret), 'password must not be printed');
  return lines[0];
}

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'faafo-lc-err-'));
  closedPort = await freePort();
  // Keystone in front of the real one: tokens are real, but the catalog sends Heat calls to a closed port.
  proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const up = http.request(
        { host: '127.0.0.1', port: 5000, path: req.url, method: req.method, headers: { ...req.headers, host: '127.0.0.1:5000' } },
        (ur) => {
          const body: Buffer[] = [];
          ur.on('data', (c) => body.push(c));
          ur.on('end', () => {
            let text = Buffer.concat(body).toString('utf8');
            // the catalog names the cloud's public address (127.0.0.1, or 10.99.0.1 with compute)
            text = text.split(`${publicHost()}:8004`).join(`127.0.0.1:${closedPort}`).split(`${publicHost()}:5000`).join(`127.0.0.1:${proxyPort}`);
            const headers = { ...ur.headers };
            delete headers['content-length'];
            delete headers['transfer-encoding'];
            res.writeHead(ur.statusCode ?? 502, headers);
            res.end(text);
          });
        },
      );
      up.on('error', () => res.writeHead(502).end());
      up.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
  proxyPort = (proxy.address() as net.AddressInfo).port;
});

after(async () => {
  proxy?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('lifecycle commands: one-line errors, no secrets', () => {
  test('unknown cloud name', async () => {
    const r = await runCli(['list', '--os-cloud', 'no-such-cloud-xyz'], { OS_CLIENT_CONFIG_FILE: path.join(OS, 'clouds.yaml') });
    const line = assertOneLine(r, 'secret');
    assert.match(line, /no-such-cloud-xyz/);
  });

  test('wrong password', async () => {
    const pw = `Wr0ng-${randomBytes(6).toString('hex')}`;
    const file = path.join(dir, 'wrong.yaml');
    await writeFile(file, cloudsYaml('http://127.0.0.1:5000/v3', pw));
    for (const cmd of [['list'], ['status', 'whatever'], ['scale', 'workers', 'up', '-s', 'whatever']]) {
      const r = await runCli([...cmd, '--os-cloud', 't'], { OS_CLIENT_CONFIG_FILE: file });
      const line = assertOneLine(r, pw);
      assert.match(line, /auth|password|401|credential/i);
    }
  });

  test('Heat down: one line naming the orchestration service', async () => {
    const pw = 'secret';
    const file = path.join(dir, 'heat-down.yaml');
    await writeFile(file, cloudsYaml(`http://127.0.0.1:${proxyPort}/v3`, pw));
    for (const cmd of [['list'], ['status', 'whatever'], ['delete', 'whatever', '--yes']]) {
      const r = await runCli([...cmd, '--os-cloud', 't'], { OS_CLIENT_CONFIG_FILE: file });
      const line = assertOneLine(r, `password: ${pw}`);
      assert.match(line, new RegExp(`ECONNREFUSED|refused|unreachable|not answer|${closedPort}`, 'i'));
    }
  });

  test('bad usage exits 2 before touching the cloud', async () => {
    const r = await runCli(['scale', 'workers'], { OS_CLIENT_CONFIG_FILE: path.join(OS, 'clouds.yaml'), OS_CLOUD: 'faafo-local' });
    assert.equal(r.code, 2, r.stderr);
    const bad = await runCli(['create', 'x', '--template', '/nonexistent/t.yaml'], { OS_CLIENT_CONFIG_FILE: path.join(OS, 'clouds.yaml') });
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /cannot read template \/nonexistent\/t\.yaml/);
    const param = await runCli(['diff', 'x', '--template', path.join(OS, 'samples/faafo-autoscaling.yaml'), '--parameter', 'novalue'], {
      OS_CLIENT_CONFIG_FILE: path.join(OS, 'clouds.yaml'),
    });
    assert.equal(param.code, 2, param.stderr);
  });
});
