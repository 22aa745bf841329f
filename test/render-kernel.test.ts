// The WebAssembly kernel: the committed kernel-wasm.ts is exactly what build-kernel.mjs assembles from
// kernel.wat; this Node runs it (SIMD); it agrees with the plain-JS kernel on random parameters.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { BandRenderer } from '../app/render/band-renderer.js';
import { escapeCount } from '../app/render/kernel-js.js';
import { adler32, filterBand } from '../app/render/encode.js';
import { loadWasmKernel, type WasmKernel } from '../app/render/kernel-wasm-loader.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('WebAssembly SIMD kernel', () => {
  it('kernel-wasm.ts is in sync with kernel.wat', { timeout: 60_000 }, () => {
    const r = spawnSync(process.execPath, ['app/render/build-kernel.mjs', '--check'], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
  });

  it('runs on this Node (f64x2 SIMD available)', () => {
    assert.equal(new BandRenderer('auto').kernel, 'wasm');
  });

  it('gives the same scanlines as the JS kernel on 300 random bands (seeded)', () => {
    const wasm = new BandRenderer('wasm');
    const js = new BandRenderer('js');
    let s = 12345;
    const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
    for (let t = 0; t < 300; t++) {
      const width = 1 + Math.floor(rnd() * 40);
      const height = 1 + Math.floor(rnd() * 20);
      const y0 = Math.floor(rnd() * height);
      const job = {
        width,
        height,
        iterations: 1 + Math.floor(rnd() * (t % 3 === 0 ? 3 : 700)),
        xa: rnd() * 4 - 2,
        xb: rnd() * 4 - 2,
        ya: rnd() * 3 - 1.5,
        yb: rnd() * 3 - 1.5,
        cr: rnd() * 2 - 1,
        ci: rnd() * 2 - 1,
        y0,
        y1: y0 + 1 + Math.floor(rnd() * (height - y0)),
        level: 1,
      };
      const a = Buffer.from(wasm.render(job));
      const b = Buffer.from(js.render(job));
      assert.ok(a.equals(b), `seed band ${t}: ${JSON.stringify(job)}`);
    }
  });

  it('a lane that escaped keeps its count while its neighbours go on (mixed group)', () => {
    // One 4-pixel group (x = 3, 2, 1, 0 on the real axis) whose lanes escape at very different steps.
    const job = {
      width: 4,
      height: 1,
      iterations: 300,
      xa: 3,
      xb: 0,
      ya: 0,
      yb: 0,
      cr: -0.8,
      ci: 0.156,
      y0: 0,
      y1: 1,
      level: 1,
    };
    const rows = new BandRenderer('wasm').render(job);
    const counts = [0, 1, 2, 3].map((x) => escapeCount((x * (0 - 3)) / 3 + 3, 0, -0.8, 0.156, 300));
    assert.ok(new Set(counts).size >= 3, `counts differ within the group: ${counts}`);
    for (let x = 0; x < 4; x++) {
      const k = counts[x] < 300 ? counts[x] : 299;
      assert.deepEqual([...rows.subarray(1 + 3 * x, 4 + 3 * x)], [(k % 8) * 32, (k % 16) * 16, (k % 32) * 8]);
    }
  });

  it('filters and sums a band like encode.ts (SIMD Up rows, Sub first row, Adler-32)', () => {
    const loaded = loadWasmKernel();
    assert.ok(loaded);
    const kernel: WasmKernel = loaded;
    for (const [width, rows] of [
      [1, 1],
      [5, 3],
      [2000, 7],
      [37, 40],
    ]) {
      const job = {
        width,
        height: 50,
        iterations: 200,
        xa: -2,
        xb: 2,
        ya: -1.5,
        yb: 1.5,
        cr: -0.8,
        ci: 0.156,
        y0: 3,
        y1: 3 + rows,
        level: 1,
      };
      const line = 1 + 3 * width;
      const view: Uint8Array = kernel.band(job, line, rows);
      const copy: Uint8Array = Uint8Array.from(view);
      const sum = kernel.filterAndSum(view, line);
      filterBand(copy, line);
      assert.ok(Buffer.from(view).equals(Buffer.from(copy)), `filtered bytes ${width}x${rows}`);
      assert.equal(sum, adler32(copy));
    }
  });

  it('sums any bytes like zlib: SIMD blocks, 5552-byte chunks, tails, all-0xff worst case', () => {
    const loaded = loadWasmKernel();
    assert.ok(loaded);
    const kernel: WasmKernel = loaded;
    // zlib's own Adler-32 of the bytes: the trailer of a zlib stream.
    const zlibAdler = (b: Uint8Array) => {
      const z = zlib.deflateSync(b, { level: 1 });
      return z.readUInt32BE(z.length - 4);
    };
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) >>> 16;
    // Widths whose bands are shorter and longer than a chunk, multiples of 16 and not.
    for (const [width, rows] of [
      [5, 1],
      [21, 1],
      [1850, 1],
      [1851, 3],
      [4000, 5],
    ]) {
      const line = 1 + 3 * width;
      const job = {
        width,
        height: 9,
        iterations: 9,
        xa: -2,
        xb: 2,
        ya: -1,
        yb: 1,
        cr: 0,
        ci: 0,
        y0: 0,
        y1: rows,
        level: 1,
      };
      for (const fill of ['random', 'max'] as const) {
        const view: Uint8Array = kernel.band(job, line, rows);
        if (fill === 'random') for (let i = 0; i < view.length; i++) view[i] = random() & 255;
        else {
          // Raw bytes whose filtered form (Sub first row, Up below) is all 0xff after each filter byte: the
          // largest sums a chunk can reach.
          for (let i = 1; i < line; i++) view[i] = i <= 3 ? 0xff : (view[i - 3] + 0xff) & 255;
          for (let r = 1; r < rows; r++) {
            for (let i = 1; i < line; i++) view[r * line + i] = (view[(r - 1) * line + i] + 0xff) & 255;
          }
        }
        const copy = Uint8Array.from(view);
        const sum = kernel.filterAndSum(view, line);
        filterBand(copy, line);
        assert.ok(Buffer.from(view).equals(Buffer.from(copy)), `filtered bytes ${width}x${rows} ${fill}`);
        if (fill === 'max') assert.ok(copy.every((v, i) => i % line === 0 || v === 0xff));
        assert.equal(sum, zlibAdler(copy), `Adler-32 of ${copy.length} ${fill} bytes`);
        assert.equal(sum, adler32(copy));
      }
    }
  });
});
