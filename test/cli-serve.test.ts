// The guide's workflow against a real `faafo serve` process (embedded default: SQLite, memory queue, image folder
// in the current directory): create, list, show, get, delete, with tables and --json; unknown uuid and
// not-yet-rendered rows; SIGTERM exits 0. A second, in-process `serve --workers 0` holds rows that stay unrendered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { main } from '../app/cli/main.js';
import type { Io } from '../app/cli/io.js';
import type { Fractal } from '../app/types.js';
import { cleanEnv, spawnFaafo, startListening } from './helpers/procs.js';
import { until } from './helpers/poll.js';

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const io: Io = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

test('faafo serve + the client commands, like the First App guide', { timeout: 300000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faafo-serve-'));
  const serve = spawnFaafo(
    ['serve', '--port', '0', '--workers', '2', '--threads', '1', '--generated-by', 'serve-test'],
    {
      cwd: dir,
      env: cleanEnv(),
      name: 'serve',
    },
  );
  try {
    const url = await startListening(serve);
    const ep = ['--endpoint-url', url];

    const created = await cli([
      ...ep,
      'create',
      '--tasks',
      '3',
      '--width',
      '64',
      '--height',
      '48',
      '--iterations',
      '64',
      '--xa',
      '-2.0',
      '--xb',
      '2.0',
      '--ya',
      '-1.5',
      '--yb',
      '1.5',
      '--json',
    ]);
    assert.equal(created.code, 0, created.stderr);
    const rows = JSON.parse(created.stdout) as Fractal[];
    assert.equal(rows.length, 3);
    for (const r of rows) assert.deepEqual([r.width, r.height, r.iterations, r.xa, r.yb], [64, 48, 64, -2, 1.5]);

    // Table output of create (env endpoint, random parameters).
    const table = await cli(['create', '--tasks', '2', '--width', '40', '--height', '30'], { FAAFO_ENDPOINT_URL: url });
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stderr, /generating 2 task\(s\)/);
    assert.match(table.stdout, /\| UUID +\| Dimensions +\| Iterations \|/);
    assert.equal((table.stdout.match(/40 x 30 pixels/g) ?? []).length, 2);

    // All five get rendered by the embedded workers.
    const all = await until(
      async () => {
        const l = await cli([...ep, 'list', '--json']);
        const objs = JSON.parse(l.stdout) as Fractal[];
        return objs.length === 5 && objs.every((o) => o.checksum && o.size) ? objs : undefined;
      },
      'all five fractals rendered',
      180000,
      250,
    );
    assert.ok(all.every((o) => o.generated_by === 'serve-test'));
    assert.ok(serve.lines.some((l) => /processing task /.test(l)));

    const list = await cli([...ep, 'list']);
    assert.equal(list.code, 0);
    assert.match(list.stdout, /^\+-+\+-+\+-+\+\n\| UUID +\| Dimensions +\| Filesize +\|\n/);
    for (const o of all)
      assert.match(
        list.stdout,
        new RegExp(`\\| ${o.uuid} \\| ${o.width} x ${o.height} pixels +\\| ${o.size} bytes +\\|`),
      );

    const one = rows[0];
    const done = all.find((o) => o.uuid === one.uuid) as Fractal;
    const show = await cli(['show', one.uuid, ...ep]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /\| Parameter +\| Value +\|/);
    assert.match(show.stdout, new RegExp(`\\| uuid +\\| ${one.uuid} +\\|`));
    assert.match(show.stdout, /\| duration +\| \d+\.\d{6} seconds +\|/);
    assert.match(show.stdout, /\| dimensions +\| 64 x 48 pixels +\|/);
    assert.match(show.stdout, new RegExp(`\\| size +\\| ${done.size} bytes +\\|`));
    assert.match(show.stdout, new RegExp(`\\| checksum +\\| ${done.checksum} \\|`));
    assert.match(show.stdout, /\| generated_by +\| serve-test +\|/);
    const showJson = await cli([...ep, 'show', one.uuid, '--json']);
    assert.equal((JSON.parse(showJson.stdout) as Fractal).checksum, done.checksum);

    // get: default file name in the cwd, --output, --json.
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const g = await cli([...ep, 'get', one.uuid]);
      assert.equal(g.code, 0, g.stderr);
      assert.match(g.stdout, new RegExp(`saved fractal ${one.uuid} to ${one.uuid}\\.png \\(${done.size} bytes\\)`));
    } finally {
      process.chdir(cwd);
    }
    const png = fs.readFileSync(path.join(dir, `${one.uuid}.png`));
    assert.equal(createHash('sha256').update(png).digest('hex'), done.checksum);
    assert.deepEqual([PNG.sync.read(png).width, PNG.sync.read(png).height], [64, 48]);
    const out = path.join(dir, 'x.png');
    const gj = await cli([...ep, 'get', one.uuid, '--output', out, '--json']);
    assert.deepEqual(JSON.parse(gj.stdout), { uuid: one.uuid, file: out, size: done.size });

    // delete, then it is gone; unknown uuids are one line, exit 1.
    const del = await cli([...ep, 'delete', one.uuid, '--json']);
    assert.equal(del.code, 0, del.stderr);
    assert.deepEqual(JSON.parse(del.stdout), { deleted: one.uuid });
    for (const cmd of ['show', 'delete', 'get']) {
      const r = await cli([...ep, cmd, one.uuid]);
      assert.equal(r.code, 1, cmd);
      assert.equal(r.stderr, `faafo: fractal '${one.uuid}' not found\n`);
    }
    const afterList = JSON.parse((await cli([...ep, 'list', '--json'])).stdout) as Fractal[];
    assert.equal(afterList.length, 4);

    // API refusing a value the CLI lets through (cr/ci given) is reported as one line too.
    const bad = await cli([
      ...ep,
      'create',
      '--tasks',
      '1',
      '--width',
      '8',
      '--height',
      '8',
      '--cr',
      '1e308',
      '--ci',
      '0',
    ]);
    assert.ok(bad.code === 0 || (bad.code === 1 && bad.stderr.trimEnd().split('\n').length <= 2), bad.stderr);

    const code = await serve.stop('SIGTERM');
    assert.equal(code, 0, serve.lines.slice(-5).join('\n'));
    assert.ok(serve.lines.some((l) => /faafo serve: stopped/.test(l)));
    assert.ok(fs.existsSync(path.join(dir, '.faafo', 'faafo.sqlite')), 'embedded database under .faafo/');
    assert.ok(
      fs
        .readdirSync(path.join(dir, '.faafo', 'images'), { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.png')).length === 4,
      'images under .faafo/images',
    );
  } finally {
    if (serve.proc.exitCode === null) serve.proc.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** `faafo serve` in this process; abort() stops it like SIGTERM. */
function serveInProcess(dir: string, workers: number) {
  const ac = new AbortController();
  const log = { text: '' };
  const io: Io = { stdout: (t) => (log.text += t), stderr: (t) => (log.text += t), env: {}, signal: ac.signal };
  const served = main(
    [
      'serve',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--workers',
      String(workers),
      '--threads',
      '1',
      '--database-url',
      `sqlite:${dir}/db.sqlite`,
      '--image-url',
      `file:${dir}/img`,
      // A fresh in-process queue, as a new `faafo serve` process would have.
      '--queue-url',
      `memory:${randomUUID()}`,
    ],
    io,
  );
  const url = async () => (await until(() => /(http:\/\/127\.0\.0\.1:\d+)\//.exec(log.text), 'serve to listen'))[1];
  return { log, url, stop: async () => (ac.abort(), served) };
}

test(
  'not yet rendered: show/list/get say so (serve --workers 0); the next serve renders what was left',
  { timeout: 180000 },
  async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faafo-serve0-'));
    const first = serveInProcess(dir, 0);
    let second: ReturnType<typeof serveInProcess> | undefined;
    try {
      const url = await first.url();
      const c = await cli([
        '--endpoint-url',
        url,
        'create',
        '--tasks',
        '2',
        '--width',
        '50',
        '--height',
        '40',
        '--json',
      ]);
      assert.equal(c.code, 0, c.stderr);
      const rows = JSON.parse(c.stdout) as Fractal[];
      const row = rows[0];
      const show = await cli(['--endpoint-url', url, 'show', row.uuid]);
      assert.equal(show.code, 0, show.stderr);
      assert.match(show.stdout, /\| duration +\| not rendered yet +\|/);
      assert.match(show.stdout, /\| size +\| not rendered yet +\|/);
      const list = await cli(['--endpoint-url', url, 'list']);
      assert.match(list.stdout, new RegExp(`\\| ${row.uuid} \\| .* pixels \\| 0 bytes +\\|`));
      const get = await cli(['--endpoint-url', url, 'get', row.uuid, '--output', path.join(dir, 'none.png')]);
      assert.equal(get.code, 1);
      assert.equal(get.stderr, `faafo: fractal '${row.uuid}' is not rendered yet; try again later\n`);
      assert.equal(fs.existsSync(path.join(dir, 'none.png')), false);
      assert.equal(await first.stop(), 0);

      // The in-process queue died with the first serve; the second one queues the unrendered rows again.
      second = serveInProcess(dir, 1);
      const url2 = await second.url();
      assert.match(second.log.text, /queued 2 fractal\(s\) left unrendered by an earlier run/);
      await until(async () => {
        const l = JSON.parse((await cli(['--endpoint-url', url2, 'list', '--json'])).stdout) as Fractal[];
        return l.length === 2 && l.every((f) => f.checksum);
      }, 'both fractals rendered by the second serve');
    } finally {
      await first.stop();
      if (second) assert.equal(await second.stop(), 0);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);
