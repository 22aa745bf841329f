// Small real PNGs for tests (pngjs), with their sha256.
import { createHash } from 'node:crypto';
import { PNG } from 'pngjs';

export interface TestPng {
  bytes: Buffer;
  checksum: string;
}

/** A w×h PNG filled with a gradient seeded by `seed` (different seeds give different bytes). */
export function makePng(w = 16, h = 12, seed = 1): TestPng {
  const png = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      png.data[i] = (x * 16 + seed * 37) & 255;
      png.data[i + 1] = (y * 16 + seed * 11) & 255;
      png.data[i + 2] = (seed * 53) & 255;
      png.data[i + 3] = 255;
    }
  }
  const bytes = PNG.sync.write(png);
  return { bytes, checksum: createHash('sha256').update(bytes).digest('hex') };
}

/** A w×h PNG of seeded noise: it barely compresses, so its size is about w*h*4 bytes (for large-upload tests). */
export function makeNoisePng(w: number, h: number, seed = 1): TestPng {
  const png = new PNG({ width: w, height: h });
  let a = seed >>> 0;
  for (let i = 0; i < png.data.length; i += 4) {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    png.data.writeUInt32BE((a | 0xff) >>> 0, i);
  }
  const bytes = PNG.sync.write(png);
  return { bytes, checksum: createHash('sha256').update(bytes).digest('hex') };
}
