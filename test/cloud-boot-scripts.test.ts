// The servers' boot scripts (src/templates/boot/*.sh.hbs) run for real by bash on this host, the parts that can
// run outside a server: unpacking the bundle at the right strip level (also a flat tarball whose listing is long
// enough that `tar -t | grep -q` dies of SIGPIPE under pipefail), the Node.js check against the bundle's
// bundle.json, and the prelude's ERR trap signalling a real Heat wait condition so that the stack fails with the
// failed step's own output as its reason. The whole scripts run on real servers in test/cloud-real-stack.test.ts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Handlebars from 'handlebars';
import { bundle, type BundleResult } from '../src/bundle/index.js';
import { connect, type Cloud } from '../src/openstack/index.js';
import { repoRoot } from './helpers/lifecycle-cli.js';
import { cloudsYaml } from './helpers/test-cloud.js';
import { waitHandleStack } from './helpers/wait-handle-stack.js';

const bootDir = path.join(repoRoot, 'src/templates/boot');
let work: string;
let built: BundleResult;
let cloud: Cloud;
const stackName = `faafo-boot-trap-${process.pid}-${Date.now().toString(36)}`;

/** One boot template rendered as generate renders it (every partial registered). */
function render(name: string, ctx: Record<string, unknown> = {}): string {
  const hb = Handlebars.create();
  for (const f of readdirSync(bootDir)) {
    if (f.endsWith('.sh.hbs'))
      hb.registerPartial(f.slice(0, -'.sh.hbs'.length), readFileSync(path.join(bootDir, f), 'utf8'));
  }
  return hb.compile(readFileSync(path.join(bootDir, `${name}.sh.hbs`), 'utf8'), { noEscape: true, strict: false })(ctx);
}

/** bash -c SCRIPT: exit code and the combined output. */
function bash(script: string, env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], {
      env: { PATH: process.env.PATH!, HOME: work, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code, out }));
  });
}

// What a server's prelude gives the parts: strict mode and fail(); here fail() only prints its line.
const STRICT = `set -Eeuo pipefail\nfail() { echo "faafo boot: $1" >&2; exit 1; }\n`;

/** bundle-unpack (+ node-version) on BUNDLE into a fresh APP_DIR; prints what the parts set. */
function unpack(bundlePath: string, appDir: string, opts: { nodeVersion?: boolean; tarballUrl?: string } = {}) {
  const nodeVersion = opts.nodeVersion
    ? render('node-version').replace('__NODE_TARBALL_URL__', opts.tarballUrl ?? '') + 'echo "NODE=$NODE"\n'
    : '';
  return bash(
    `${STRICT}BUNDLE=${bundlePath}\nAPP_DIR=${appDir}\n${render('bundle-unpack')}` +
      `echo "ENTRY=$ENTRY strip=\${strip:-none} NEED=$NEED_NODE_MAJOR/$NEED_NODE_ABI"\n${nodeVersion}`,
  );
}

before(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'faafo-boot-scripts-'));
  built = await bundle({ out: path.join(work, 'out') });
  cloud = await connect({
    cloud: 'faafo-local',
    env: { HOME: work, OS_CLIENT_CONFIG_FILE: cloudsYaml },
    searchDirs: [],
  });
});

after(async () => {
  const s = await cloud?.heat.findStack(stackName).catch(() => undefined);
  if (s) {
    await cloud.heat.deleteStack(s).catch(() => undefined);
    await cloud.heat.waitFor(s, { until: ['DELETE_COMPLETE'], timeoutS: 300 }).catch(() => undefined);
  }
  rmSync(work, { recursive: true, force: true });
});

test("boot: faafo-stack bundle's tarball unpacks with one folder stripped, and bundle.json names this Node.js", async () => {
  const app = path.join(work, 'opt-bundle/faafo');
  mkdirSync(path.dirname(app), { recursive: true });
  const r = await unpack(built.tarball, app, { nodeVersion: true });
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, new RegExp(`ENTRY=${app}/bin/faafo.js strip=1 NEED=20/${process.versions.modules}\\n`));
  assert.match(r.out, new RegExp(`NODE=${process.execPath}\\n`));
  const help = execFileSync(process.execPath, [path.join(app, 'bin/faafo.js'), '--help'], { encoding: 'utf8' });
  assert.match(help, /faafo/);
});

test('boot: a flat tarball with a long listing (tar -t | grep -q would die of SIGPIPE) unpacks without stripping', async () => {
  // bin/faafo.js first, then ~200 KiB of names: grep -q stops at the first line while tar is still writing
  const flat = path.join(work, 'flat');
  execFileSync('tar', ['-xzf', built.tarball, '-C', work]);
  mkdirSync(path.join(work, 'faafo/pad'), { recursive: true });
  for (let i = 0; i < 3000; i++)
    writeFileSync(path.join(work, 'faafo/pad', `padding-file-with-a-long-name-${i}.txt`), '');
  execFileSync('tar', [
    '-czf',
    `${flat}.tar.gz`,
    '-C',
    path.join(work, 'faafo'),
    'bin',
    'faafo.mjs',
    'thread.mjs',
    'pad',
  ]);
  const app = path.join(work, 'opt-flat/faafo');
  mkdirSync(path.dirname(app), { recursive: true });
  const r = await unpack(`${flat}.tar.gz`, app);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, new RegExp(`ENTRY=${app}/bin/faafo.js strip=0 NEED=20/\\n`), 'no bundle.json: any Node.js >= 20');
  assert.match(
    execFileSync(process.execPath, [path.join(app, 'bin/faafo.js'), '--help'], { encoding: 'utf8' }),
    /faafo/,
  );
});

test('boot: a single .mjs file is the entry; a tarball without bin/faafo.js fails with one line', async () => {
  const mjs = path.join(work, 'one.mjs');
  writeFileSync(mjs, 'console.log("one file")\n');
  const one = await unpack(mjs, path.join(work, 'opt-one/faafo'));
  assert.equal(one.code, 0, one.out);
  assert.match(one.out, /ENTRY=.*\/opt-one\/faafo\/faafo\.mjs strip=none/);

  execFileSync('mkdir', ['-p', path.join(work, 'empty/x')]);
  execFileSync('tar', ['-czf', path.join(work, 'nobin.tar.gz'), '-C', path.join(work, 'empty'), 'x']);
  const nobin = await unpack(path.join(work, 'nobin.tar.gz'), path.join(work, 'opt-nobin/faafo'));
  assert.equal(nobin.code, 1);
  assert.equal(nobin.out, 'faafo boot: app bundle has no bin/faafo.js\n');
});

test("boot: a server whose Node.js is not the bundle's major (and no node_tarball_url) fails with one clear line", async () => {
  const app = path.join(work, 'opt-22/faafo');
  mkdirSync(path.dirname(app), { recursive: true });
  const dir = path.join(work, 'b22');
  execFileSync('mkdir', ['-p', dir]);
  execFileSync('tar', ['-xzf', built.tarball, '-C', dir]);
  const json = path.join(dir, 'faafo/bundle.json');
  writeFileSync(
    json,
    readFileSync(json, 'utf8')
      .replace(/"major": \d+/, '"major": 22')
      .replace(/"abi": "\d+"/, '"abi": "127"'),
  );
  execFileSync('tar', ['-czf', path.join(work, 'b22.tar.gz'), '-C', dir, 'faafo']);
  const r = await unpack(path.join(work, 'b22.tar.gz'), app, { nodeVersion: true });
  assert.equal(r.code, 1, r.out);
  assert.match(
    r.out,
    /^faafo boot: the app bundle needs Node\.js 22, this image has 20: use an image whose nodejs package is that major \(Debian 13: 20\), set node_tarball_url, or bundle with that Node\.js$/m,
  );
  assert.doesNotMatch(r.out, /NODE=/);
});

test('boot: a member waits for its service as long as the boot timeout allows, and fails with its reason after it', { timeout: 120_000 }, async () => {
  // a /healthz that answers 503 three times before 200, as an API server does while the services server still boots
  let hits = 0;
  const server = http.createServer((_req, res) => {
    hits++;
    res.statusCode = hits > 3 ? 200 : 503;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const wait = render('wait-http', { command: 'api', port, untilBootTimeout: true });
  assert.match(wait, /__BOOT_TIMEOUT__/);
  const notify = 'notify() { echo "notify $1 $2"; }\n';
  // boot_timeout counts from the server's creation (about this kernel's boot): one well beyond the uptime
  const uptime = Math.floor(Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]));
  const ok = await bash(STRICT + notify + wait.replace('__BOOT_TIMEOUT__', String(uptime + 30 + 900)));
  await new Promise((resolve) => server.close(resolve));
  assert.equal(ok.code, 0, ok.out);
  assert.match(ok.out, /^notify SUCCESS faafo api answers \/healthz$/m);
  assert.equal(hits, 4, 'it kept asking until the service answered');
  // a boot timeout already spent (the wait condition is about to time out): a last short wait, then the reason
  const late = await bash(STRICT + notify + wait.replace('__BOOT_TIMEOUT__', '0'));
  assert.equal(late.code, 1, late.out);
  assert.equal(late.out, `faafo boot: faafo api did not answer /healthz within 10 s (journalctl -u faafo-api)\n`);
});

test("boot: a failed step fails the real Heat wait condition, and the stack's reason carries the step's own output", async () => {
  const { ref, curl } = await waitHandleStack(cloud, stackName, { disableRollback: true }); // keep CREATE_FAILED and its reason (a rollback would replace it)
  assert.ok(curl, 'the wait condition handle has a curl_cli');
  const log = path.join(work, 'faafo-boot.log');
  // The api prelude as generated, its log in the test folder, then a step that prints (quotes, a backslash) and fails.
  const prelude = render('prelude', { role: 'api' })
    .replace('BOOT_LOG=/var/log/faafo-boot.log', `BOOT_LOG=${log}`)
    .replace('__WC_NOTIFY__', curl);
  const step = `(printf '%s\\n' 'E: Unable to locate package "nodejs-99" in C:\\apt'; exit 100)\necho never\n`;
  const r = await bash(prelude + 'echo "step one ok"\n' + step);
  assert.equal(r.code, 1, r.out);
  assert.doesNotMatch(r.out, /never/);
  assert.match(readFileSync(log, 'utf8'), /step one ok\nE: Unable to locate package "nodejs-99" in C:\\apt\n/);
  const done = await cloud.heat.waitFor(ref, { until: ['CREATE_COMPLETE'], timeoutS: 300 });
  assert.equal(done?.status, 'CREATE_FAILED');
  assert.match(
    done!.reason,
    /api boot failed at line \d+ \(exit 100\): .*step one ok E: Unable to locate package "nodejs-99" in C:\\apt \(more in \/var\/log\/faafo-boot\.log\)/,
  );
});
