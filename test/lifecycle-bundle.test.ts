// Issue 10 item 4 on the real local Heat + Swift: the bundle `create` uploads stays downloadable for the stack's
// whole life (TempURL signed for years, not 90 days; re-signed by `update` when it nears expiry), and `delete` (or the
// `update` that moves the stack to another bundle) removes it once no other stack uses it (two stacks of the same
// build share one content-addressed object); a bundle the user uploaded with `faafo-stack bundle` is never removed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { connect, type Cloud } from '../src/openstack/index.js';
import { HeatClient } from '../src/openstack/heat.js';
import { playServers as signalBoots, whilePlaying } from './helpers/play-servers.js';
import { runCli } from './helpers/lifecycle-cli.js';
import { cloudDir } from './helpers/test-cloud.js';

const env = { OS_CLIENT_CONFIG_FILE: path.join(cloudDir, 'clouds.yaml'), OS_CLOUD: 'faafo-local' };
const suffix = randomBytes(3).toString('hex');
const A = `lc-bunA-${suffix}`;
const B = `lc-bunB-${suffix}`;
const CONTAINER = `lc-bundles-${suffix}`;
const YEAR_S = 365 * 24 * 3600;
let cloud: Cloud;
let heat: HeatClient;
let dir: string;
const signalled = new Set<string>();
/** Signal each boot wait condition handle (nested members too) once, as its server's boot script would. */
const playServers = (name: string) => signalBoots(heat, name, signalled);

async function complete(name: string): Promise<void> {
  const end = Date.now() + 600_000;
  for (;;) {
    await playServers(name).catch(() => undefined);
    const s = await heat.find(name);
    if (s && !/IN_PROGRESS$/.test(s.stack_status)) {
      assert.match(s.stack_status, /_COMPLETE$/, `${name}: ${s.stack_status} ${s.stack_status_reason}`);
      return;
    }
    if (Date.now() > end) throw new Error(`${name} did not settle`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

const expiresOf = (url: string) => Number(new URL(url).searchParams.get('temp_url_expires'));

before(async () => {
  cloud = await connect({ cloud: 'faafo-local', env: { ...process.env, ...env } });
  heat = cloud.heat;
  dir = await mkdtemp(path.join(tmpdir(), 'faafo-lc-bundle-'));
  await writeFile(path.join(dir, 'faafo-stack.yaml'), 'bootTimeout: 300\n');
});

after(async () => {
  for (const name of [A, B]) {
    const s = await heat?.find(name).catch(() => undefined);
    if (s) await heat.deleteStack(s).catch(() => undefined);
  }
  for (const o of await cloud?.swift.listObjects(CONTAINER).catch(() => []) ?? []) await cloud.swift.deleteObject(CONTAINER, o.name).catch(() => undefined);
  await cloud?.swift.deleteContainer(CONTAINER).catch(() => undefined);
  for (const name of [A, B]) await cloud?.swift.deleteContainer(`faafo-images-${name}`).catch(() => undefined);
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('the uploaded bundle lives as long as the stacks using it, and no longer', { timeout: 900_000 }, async () => {
  const flags = ['--config', path.join(dir, 'faafo-stack.yaml'), '-e', path.join(cloudDir, 'env-none.yaml')];
  for (const name of [A, B]) {
    const r = await runCli(['create', name, ...flags, '--container', CONTAINER, '--no-wait', '--json'], env);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    await complete(name);
  }
  const urlA = (await heat.find(A))!.parameters!.app_url;
  assert.match((await heat.find(A))!.parameters!.image_store_url, new RegExp(`^swift://faafo-images-${A}\\?auth_url=.*&application_credential_id=[0-9a-f]+`));
  const urlB = (await heat.find(B))!.parameters!.app_url;
  // signed for the stack's life: years, not 90 days
  assert.ok(expiresOf(urlA) - Date.now() / 1000 > 5 * YEAR_S, urlA);
  const object = new URL(urlA).pathname.split('/').pop()!;
  assert.equal(new URL(urlB).pathname.split('/').pop(), object, 'same build, same object');
  assert.equal((await fetch(urlB)).status, 200);

  // A URL near its expiry (as after years) is re-signed by an update that does not set app_url.
  const short = await cloud.swift.tempUrl('GET', CONTAINER, object, 3600);
  // a new app_url is new user data: the members are replaced one at a time, each waited for (played here)
  const update = (args: string[]) => whilePlaying(heat, B, signalled, runCli(['update', B, ...flags, ...args, '--require-approval', 'never', '--wait'], env));
  const set = await update(['--parameter', `app_url=${short.url}`]);
  assert.equal(set.code, 0, set.stdout + set.stderr);
  const u = await update(['--max-workers', '7']);
  assert.equal(u.code, 0, u.stdout + u.stderr);
  assert.match(u.stderr, /re-signed until/);
  const resigned = (await heat.find(B))!.parameters!.app_url;
  assert.ok(expiresOf(resigned) - Date.now() / 1000 > 5 * YEAR_S, resigned);
  assert.equal((await fetch(resigned)).status, 200);

  // Deleting A keeps the object B still downloads; deleting B removes it.
  const dA = await runCli(['delete', A, '--yes', '--wait'], env);
  assert.equal(dA.code, 0, dA.stdout + dA.stderr);
  assert.match(dA.stdout, new RegExp(`Kept the app bundle ${CONTAINER}/${object.replace(/\./g, '\\.')} \\(stack ${B} uses it\\)`));
  assert.ok(await cloud.swift.headObject(CONTAINER, object));
  // issue 10 item 3: more than one API server, so create gave the stack a Swift image store; delete revokes its
  // credential and says where the images stay
  assert.match(dA.stdout, new RegExp(`Revoked the image store's application credential; the images stay in Swift container faafo-images-${A}`));
  // B moves to a bundle the user uploaded (`faafo-stack bundle`): once B's servers run it, nothing downloads the
  // object create uploaded, so the update removes it; B's delete keeps the user's own upload.
  const own = await runCli(['bundle', '--container', CONTAINER, '--minify', '--out', path.join(dir, 'own'), '--json'], env);
  assert.equal(own.code, 0, own.stdout + own.stderr);
  const mine = JSON.parse(own.stdout) as { url: string; sha256: string; object: string };
  assert.notEqual(mine.object, object, 'the minified build is another object');
  const moved = await update(['--app-url', mine.url, '--app-sha256', mine.sha256]);
  assert.equal(moved.code, 0, moved.stdout + moved.stderr);
  assert.match(moved.stdout, new RegExp(`Removed the previous app bundle ${CONTAINER}/${object.replace(/\./g, '\\.')} from Swift`));
  assert.equal(await cloud.swift.headObject(CONTAINER, object), undefined);
  const dB = await runCli(['delete', B, '--yes', '--wait'], env);
  assert.equal(dB.code, 0, dB.stdout + dB.stderr);
  assert.match(dB.stdout, new RegExp(`Kept the app bundle ${CONTAINER}/${mine.object.replace(/\./g, '\\.')} \\(uploaded with faafo-stack bundle`));
  assert.ok(await cloud.swift.headObject(CONTAINER, mine.object), "the user's own upload stays");
  assert.notEqual((await fetch(resigned)).status, 200, 'the URL no longer serves the bundle');
});
