// `faafo-stack bundle` as a user runs it (oclif, --json, exit codes): upload to the real local Swift with a
// TempURL that downloads the exact tarball without a token, reuse of an identical upload, --app-url, and
// one-line usage errors.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from './helpers/lifecycle-cli.js';
import { cloudsYaml, publicHost } from './helpers/test-cloud.js';
import { connect } from '../src/openstack/index.js';

const work = mkdtempSync(path.join(tmpdir(), 'faafo-bundle-cmd-'));
const container = `faafo-bundle-test-${process.pid}-${randomBytes(3).toString('hex')}`;
const cloudEnv = { OS_CLIENT_CONFIG_FILE: cloudsYaml, OS_CLOUD: 'faafo-local' };

after(async () => {
  const cloud = await connect({ env: { HOME: work, ...cloudEnv }, searchDirs: [] });
  for (const o of await cloud.swift.listObjects(container)) await cloud.swift.deleteObject(container, o.name);
  await cloud.swift.deleteContainer(container);
  rmSync(work, { recursive: true, force: true });
});

test('bundle --container: uploads to Swift, TempURL serves the exact tarball without a token; a rerun reuses it', async () => {
  const out = path.join(work, 'b1');
  const r = await runCli(['bundle', '--out', out, '--container', container, '--ttl', '2h', '--json'], cloudEnv);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as {
    sha256: string;
    url: string;
    expires: string;
    object: string;
    uploaded: boolean;
    tarball: string;
  };
  assert.equal(j.uploaded, true);
  assert.equal(j.object, `faafo-${j.sha256.slice(0, 16)}.tar.gz`);
  const ttl = Date.parse(j.expires) - Date.now();
  assert.ok(ttl > 3600_000 && ttl <= 7200_000, `expires ${j.expires}`);
  const res = await fetch(j.url);
  assert.equal(res.status, 200);
  const bytes = Buffer.from(await res.arrayBuffer());
  assert.equal(createHash('sha256').update(bytes).digest('hex'), j.sha256);
  assert.ok(bytes.equals(readFileSync(j.tarball)));
  assert.equal((await fetch(j.url.split('?')[0])).status, 401, 'not public without the signature');

  const again = await runCli(['bundle', '--out', path.join(work, 'b2'), '--container', container], cloudEnv);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, new RegExp(`swift: ${container}/${j.object} already there \\(same sha256\\)`));
  // the catalog's object-store address: 127.0.0.1, or the public address of a cloud with compute
  const host = publicHost().replace(/\./g, '\\.');
  assert.match(again.stdout, new RegExp(`^app url: http://${host}:8080/v1/AUTH_[0-9a-f]+/.*temp_url_sig=`, 'm'));
});

test('bundle --app-url: no upload, the given URL is the app url', async () => {
  const r = await runCli(
    ['bundle', '--out', path.join(work, 'b3'), '--app-url', 'https://downloads.example.com/faafo.tar.gz', '--json'],
    {},
  );
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { url: string; uploaded: boolean; sha256: string };
  assert.equal(j.url, 'https://downloads.example.com/faafo.tar.gz');
  assert.equal(j.uploaded, false);
  assert.match(j.sha256, /^[0-9a-f]{64}$/);
});

test('bundle: usage errors are one line with exit 2', async () => {
  for (const [args, re] of [
    [['--container', 'c', '--app-url', 'https://x/y'], /cannot also be provided|exclude/],
    [['--container', 'c', '--ttl', 'soon'], /--ttl soon is not a duration/],
    [['--app-url', 'ftp://x/y'], /--app-url must be an http\(s\) URL/],
  ] as const) {
    const r = await runCli(['bundle', '--out', path.join(work, 'bad'), ...args], cloudEnv);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], re);
  }
});

test('bundle --container with an unknown cloud: one line, exit 2', async () => {
  const r = await runCli(
    ['bundle', '--out', path.join(work, 'b4'), '--container', container, '--os-cloud', 'no-such-cloud'],
    cloudEnv,
  );
  assert.equal(r.code, 2, r.stderr);
  assert.match(
    r.stderr.trim(),
    /^Error: cloud "no-such-cloud" not found; clouds found: faafo-local, faafo-local-admin \(files read: .*clouds\.yaml\)/,
  );
});
