// chooseConstant: the original's random choice of c (uniform in the rectangle, accepted iff 10 < k* < 100),
// bounded so it never hangs, with a documented fallback; and render() reporting the constant it used.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import { chooseConstant, FALLBACK_CONSTANT, MAX_ATTEMPTS, Renderer } from '../app/render/index.js';
import { escapeCountOfC } from '../app/render/choose.js';
import { renderToBuffer } from './helpers/render-sink.js';

/** Deterministic uniform [0,1) generator (mulberry32), so a failure can be replayed from the seed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rect = { xa: -2, xb: 2, ya: -1.5, yb: 1.5 };

describe('chooseConstant', () => {
  it('k* of c follows the original escape test', () => {
    assert.equal(escapeCountOfC(3, 0, 100), 0); // |c| > 2 at once
    assert.equal(escapeCountOfC(0, 0, 100), 99); // never escapes: N-1
    assert.equal(escapeCountOfC(0, 0, 1), 0);
    assert.equal(escapeCountOfC(1, 0, 100), 2); // 1 -> 2 -> 5
  });

  it('accepts only c inside the rectangle with 10 < k* < 100 (1000 seeded draws, several N)', () => {
    for (let seed = 1; seed <= 250; seed++) {
      for (const n of [12, 50, 256, 5000]) {
        const p = { width: 10, height: 10, iterations: n, ...rect };
        const c = chooseConstant(p, seeded(seed * 31 + n));
        const k = escapeCountOfC(c.cr, c.ci, n);
        assert.ok(k > 10 && k < 100, `seed ${seed} N ${n}: c=${c.cr}+${c.ci}i has k*=${k}`);
        assert.ok(c.cr >= rect.xa && c.cr < rect.xb && c.ci >= rect.ya && c.ci < rect.yb);
      }
    }
  });

  it('uses the draws like the original: cx = U*(xb-xa)+xa, cy = U*(yb-ya)+ya', () => {
    // A first draw that qualifies (c = -0.8+0.156i has k* in range for N=256) is returned as is.
    const draws = [(-0.8 + 2) / 4, (0.156 + 1.5) / 3];
    const c = chooseConstant({ width: 1, height: 1, iterations: 256, ...rect }, () => draws.shift() as number);
    assert.ok(Math.abs(c.cr + 0.8) < 1e-15 && Math.abs(c.ci - 0.156) < 1e-15);
  });

  it('N <= 11 can never qualify: the fallback at once, no draws (the original hangs)', () => {
    for (const n of [1, 2, 11]) {
      let calls = 0;
      const c = chooseConstant({ width: 10, height: 10, iterations: n, ...rect }, () => {
        calls++;
        return Math.random();
      });
      assert.deepEqual(c, FALLBACK_CONSTANT);
      assert.equal(calls, 0);
    }
  });

  it('a rectangle with no qualifying c: fallback after MAX_ATTEMPTS draws', () => {
    let calls = 0;
    const c = chooseConstant({ width: 10, height: 10, iterations: 500, xa: 5, xb: 6, ya: 5, yb: 6 }, () => {
      calls++;
      return Math.random();
    });
    assert.deepEqual(c, FALLBACK_CONSTANT);
    assert.equal(calls, 2 * MAX_ATTEMPTS);
  });
});

describe('render() without cr/ci', () => {
  const renderer = new Renderer({ threads: 2 });
  after(() => renderer.close());

  it('chooses c like the original and reports it', { timeout: 60_000 }, async () => {
    const { png, result } = await renderToBuffer(renderer, {
      width: 64,
      height: 48,
      iterations: 256,
      cr: null,
      ci: null,
      ...rect,
    });
    const k = escapeCountOfC(result.cr, result.ci, 256);
    assert.ok(k > 10 && k < 100);
    assert.equal(PNG.sync.read(png).width, 64);
    // The reported constant reproduces the image.
    const again = await renderToBuffer(renderer, {
      width: 64,
      height: 48,
      iterations: 256,
      cr: result.cr,
      ci: result.ci,
      ...rect,
    });
    assert.equal(again.result.checksum, result.checksum);
  });

  it('N=5 does not hang: renders with the fallback constant', { timeout: 60_000 }, async () => {
    const { result } = await renderToBuffer(renderer, { width: 16, height: 16, iterations: 5, ...rect });
    assert.deepEqual({ cr: result.cr, ci: result.ci }, FALLBACK_CONSTANT);
  });
});
