// Pixel identity of app/render with the C reference julia_ref.c (gcc -O2) on the same parameters: every pixel
// for small images (through a dump variant of julia_ref.c), rgbsum for larger ones; for both kernels
// (WebAssembly SIMD and the plain-JS fallback); plus the documented 1-pixel-wide/high mapping.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Renderer, type RenderParams } from '../app/render/index.js';
import { JuliaRef, decodeRgb, type Rect } from './helpers/julia-ref.js';
import { renderToBuffer } from './helpers/render-sink.js';

const DEFAULT: Rect = { xa: -2, xb: 2, ya: -1.5, yb: 1.5 };

interface Case {
  name: string;
  w: number;
  h: number;
  n: number;
  cr: number;
  ci: number;
  rect: Rect;
}

const small: Case[] = [
  { name: 'classic constant, default rectangle', w: 96, h: 72, n: 512, cr: -0.8, ci: 0.156, rect: DEFAULT },
  {
    name: 'odd width (not a multiple of the 4-pixel group), tall',
    w: 37,
    h: 53,
    n: 300,
    cr: -0.4,
    ci: 0.6,
    rect: DEFAULT,
  },
  { name: 'N=1: every pixel k=0', w: 13, h: 7, n: 1, cr: 0.285, ci: 0.01, rect: DEFAULT },
  { name: 'N=2', w: 21, h: 9, n: 2, cr: 0.285, ci: 0.01, rect: DEFAULT },
  {
    name: 'deep zoom, high N',
    w: 45,
    h: 30,
    n: 20000,
    cr: -0.7269,
    ci: 0.1889,
    rect: { xa: -0.1, xb: -0.09, ya: 0.64, yb: 0.65 },
  },
  {
    name: 'inverted, off-centre rectangle',
    w: 50,
    h: 41,
    n: 200,
    cr: -0.835,
    ci: -0.2321,
    rect: { xa: 1.7, xb: -1.3, ya: 1.1, yb: -0.9 },
  },
  {
    name: 'far outside the set (everything escapes at once)',
    w: 8,
    h: 3,
    n: 64,
    cr: 0.3,
    ci: 0.5,
    rect: { xa: 10, xb: 12, ya: 10, yb: 11 },
  },
  { name: '2x2', w: 2, h: 2, n: 50, cr: -0.8, ci: 0.156, rect: DEFAULT },
  // The SIMD kernel runs four steps per turn and may step past N: counts must still stop exactly at N.
  { name: 'N=5 (not a multiple of the 4-step turn)', w: 64, h: 48, n: 5, cr: -0.8, ci: 0.156, rect: DEFAULT },
  { name: 'N=7 (not a multiple of the 4-step turn)', w: 61, h: 47, n: 7, cr: 0.285, ci: 0.01, rect: DEFAULT },
  {
    // |c| > 2: a point that escaped can fall back inside |z| <= 2, so escaped lanes must stay frozen.
    name: 'constant far outside the set (escaped points fall back inside)',
    w: 57,
    h: 33,
    n: 29,
    cr: -2.6,
    ci: 0.3,
    rect: DEFAULT,
  },
];

const params = (c: Case): RenderParams => ({ width: c.w, height: c.h, iterations: c.n, cr: c.cr, ci: c.ci, ...c.rect });

/** First differing pixel, for a readable failure. */
function firstDiff(a: Buffer, b: Buffer, w: number): string {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) {
      const p = Math.floor(i / 3);
      return `pixel (${p % w},${Math.floor(p / w)}): ours ${[...a.subarray(p * 3, p * 3 + 3)]} C ${[...b.subarray(p * 3, p * 3 + 3)]}`;
    }
  }
  return 'none';
}

for (const kernel of ['wasm', 'js'] as const) {
  describe(`renderer (${kernel} kernel) is pixel-identical to julia_ref.c`, () => {
    let ref: JuliaRef;
    let renderer: Renderer;
    const saved = process.env.FAAFO_RENDER_KERNEL;

    before(async () => {
      ref = JuliaRef.build();
      // Threads read the kernel choice when they start (on the first render).
      process.env.FAAFO_RENDER_KERNEL = kernel;
      renderer = new Renderer({ threads: 2 });
      await renderToBuffer(renderer, { width: 4, height: 4, iterations: 3, ...DEFAULT, cr: 0, ci: 0 });
      if (saved === undefined) delete process.env.FAAFO_RENDER_KERNEL;
      else process.env.FAAFO_RENDER_KERNEL = saved;
      assert.equal(renderer.kernel, kernel);
    });
    after(async () => {
      await renderer.close();
      ref.remove();
    });

    for (const c of small) {
      it(`every pixel: ${c.name} (${c.w}x${c.h}, N=${c.n})`, { timeout: 120_000 }, async () => {
        const { png, result } = await renderToBuffer(renderer, params(c));
        assert.equal(result.cr, c.cr);
        assert.equal(result.ci, c.ci);
        const ours = decodeRgb(png);
        assert.equal(ours.width, c.w);
        assert.equal(ours.height, c.h);
        const theirs = ref.run(c.w, c.h, c.n, c.cr, c.ci, c.rect, true);
        assert.equal(ours.rgb.length, theirs.pixels?.length);
        assert.ok(
          ours.rgb.equals(theirs.pixels as Buffer),
          `first difference at ${firstDiff(ours.rgb, theirs.pixels as Buffer, c.w)}`,
        );
        assert.equal(ours.rgbsum, theirs.rgbsum);
      });
    }

    it('rgbsum of a 2000x1500 image at N=512 (many bands on both threads)', { timeout: 300_000 }, async () => {
      const c: Case = { name: 'large', w: 2000, h: 1500, n: 512, cr: -0.8, ci: 0.156, rect: DEFAULT };
      const { png } = await renderToBuffer(renderer, params(c));
      const ours = decodeRgb(png);
      assert.equal(ours.rgbsum, ref.run(c.w, c.h, c.n, c.cr, c.ci, c.rect).rgbsum);
    });
  });
}

describe('one pixel wide or high (the original divides by zero there)', () => {
  let ref: JuliaRef;
  const renderer = new Renderer({ threads: 2 });
  before(() => {
    ref = JuliaRef.build();
  });
  after(async () => {
    await renderer.close();
    ref.remove();
  });

  it('W=1 renders the column x=xa: column 0 of the W=2 image', { timeout: 60_000 }, async () => {
    const h = 31;
    const { png } = await renderToBuffer(renderer, {
      width: 1,
      height: h,
      iterations: 300,
      cr: -0.8,
      ci: 0.156,
      ...DEFAULT,
      xa: -0.3,
      xb: 5,
    });
    const ours = decodeRgb(png);
    const c = ref.run(2, h, 300, -0.8, 0.156, { ...DEFAULT, xa: -0.3, xb: 5 }, true).pixels as Buffer;
    const column0 = Buffer.concat(Array.from({ length: h }, (_, y) => c.subarray(y * 6, y * 6 + 3)));
    assert.ok(ours.rgb.equals(column0));
  });

  it('H=1 renders the row y=ya: row 0 of the H=2 image', { timeout: 60_000 }, async () => {
    const w = 29;
    const { png } = await renderToBuffer(renderer, {
      width: w,
      height: 1,
      iterations: 300,
      cr: -0.8,
      ci: 0.156,
      ...DEFAULT,
      ya: 0.1,
      yb: 9,
    });
    const ours = decodeRgb(png);
    const c = ref.run(w, 2, 300, -0.8, 0.156, { ...DEFAULT, ya: 0.1, yb: 9 }, true).pixels as Buffer;
    assert.ok(ours.rgb.equals(c.subarray(0, w * 3)));
  });

  it('1x1 is the point (xa, ya)', { timeout: 60_000 }, async () => {
    const { png } = await renderToBuffer(renderer, {
      width: 1,
      height: 1,
      iterations: 300,
      cr: -0.8,
      ci: 0.156,
      ...DEFAULT,
    });
    const c = ref.run(2, 2, 300, -0.8, 0.156, DEFAULT, true).pixels as Buffer;
    assert.ok(decodeRgb(png).rgb.equals(c.subarray(0, 3)));
  });
});
