// The renderer's thread pool: concurrent renders share it and each gets exactly its own image; close();
// a broken thread entry fails renders with one line instead of hanging; an unclosed Renderer does not keep
// the process alive.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { Renderer, type RenderParams } from '../app/render/index.js';
import { ThreadPool } from '../app/render/pool.js';
import { threadEntry } from '../app/render/thread-entry.js';
import { renderToBuffer } from './helpers/render-sink.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rect = { xa: -2, xb: 2, ya: -1.5, yb: 1.5 };
const sink = () =>
  new Writable({
    write(_c, _e, cb) {
      cb();
    },
  });

const A: RenderParams = { width: 900, height: 700, iterations: 400, cr: -0.8, ci: 0.156, ...rect };
const B: RenderParams = {
  width: 333,
  height: 1200,
  iterations: 150,
  cr: 0.285,
  ci: 0.01,
  xa: -1.5,
  xb: 1.5,
  ya: -1,
  yb: 1,
};
const C: RenderParams = { width: 64, height: 64, iterations: 1000, cr: -0.4, ci: 0.6, ...rect };

describe('render thread pool', () => {
  it(
    'concurrent renders share the pool; each gets its own image, the same bytes whatever the thread count',
    { timeout: 300_000 },
    async () => {
      const alone = new Renderer({ threads: 1 });
      const expected = [];
      for (const p of [A, B, C]) expected.push((await renderToBuffer(alone, p)).result.checksum);
      await alone.close();
      for (const threads of [1, 2, 3]) {
        const shared = new Renderer({ threads });
        const got = await Promise.all([A, B, C, A].map((p) => renderToBuffer(shared, p)));
        assert.deepEqual(
          got.map((g) => g.result.checksum),
          [...expected, expected[0]],
          `threads=${threads}`,
        );
        for (const g of got) assert.equal(g.result.size, g.png.length);
        await shared.close();
      }
    },
  );

  it('close() fails pending renders and later ones with one line', { timeout: 60_000 }, async () => {
    const r = new Renderer({ threads: 1 });
    const pending = assert.rejects(r.render({ ...A, width: 3000, height: 3000 }, sink()), /renderer is closed/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await r.close();
    await pending;
    await assert.rejects(r.render(C, sink()), /renderer is closed/);
  });

  it(
    'drop() withdraws the queued bands of one owner; started and other bands finish',
    { timeout: 60_000 },
    async () => {
      const pool = new ThreadPool(1, threadEntry());
      const band = (y0: number) => ({
        ...rect,
        width: 400,
        height: 400,
        iterations: 300,
        cr: -0.8,
        ci: 0.156,
        y0,
        y1: y0 + 50,
        level: 3,
      });
      const mine = {};
      const other = {};
      const started = pool.run(band(0), mine); // dispatched at once to the only thread
      const queued = [pool.run(band(50), mine), pool.run(band(100), mine)];
      const theirs = pool.run(band(150), other);
      pool.drop(mine);
      for (const q of queued) await assert.rejects(q, /render abandoned/);
      assert.ok((await started).data.length > 0);
      assert.ok((await theirs).data.length > 0);
      await pool.close();
    },
  );

  it('rejects bad thread counts', () => {
    assert.throws(() => new Renderer({ threads: 0 }), RangeError);
    assert.throws(() => new Renderer({ threads: 1.5 }), RangeError);
  });

  it('a thread that cannot start fails the render with one line (no hang)', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'render-pool-'));
    const saved = process.env.FAAFO_RENDER_THREAD;
    process.env.FAAFO_RENDER_THREAD = path.join(dir, 'missing-thread.js');
    const r = new Renderer({ threads: 2 });
    if (saved === undefined) delete process.env.FAAFO_RENDER_THREAD;
    else process.env.FAAFO_RENDER_THREAD = saved;
    try {
      await assert.rejects(r.render(A, sink()), (e: Error) => {
        assert.match(e.message, /^render thread /);
        return true;
      });
    } finally {
      await r.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an idle Renderer that was never closed lets the process exit', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'render-pool-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'test/fixtures/render/render-to-file.ts',
        '300',
        '200',
        '100',
        path.join(dir, 'a.png'),
        '2',
        '--no-close',
      ],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0);
    assert.equal(JSON.parse(out).result.size > 0, true);
  });
});
