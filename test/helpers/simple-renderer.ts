// A small, slow, test-only Julia renderer with the worker's renderer interface, used where a test needs a
// renderer it controls (call counts, delays). The real one is app/render (contract C4).
import { createHash } from 'node:crypto';
import { PNG } from 'pngjs';
import type { FractalRenderer } from '../../app/worker/index.js';

export class SimpleRenderer implements FractalRenderer {
  calls: string[] = [];
  /** Extra wait per render, to keep a task "in progress" in tests. */
  constructor(private readonly delayMs = 0) {}

  async render(
    p: { width: number; height: number; iterations: number; xa: number; xb: number; ya: number; yb: number; cr?: number | null; ci?: number | null },
    out: NodeJS.WritableStream,
  ) {
    const started = Date.now();
    this.calls.push(`${p.width}x${p.height}`);
    const cr = p.cr ?? -0.8;
    const ci = p.ci ?? 0.156;
    const png = new PNG({ width: p.width, height: p.height });
    for (let y = 0; y < p.height; y++) {
      const im = p.ya + (y * (p.yb - p.ya)) / Math.max(1, p.height - 1);
      for (let x = 0; x < p.width; x++) {
        let zr = p.xa + (x * (p.xb - p.xa)) / Math.max(1, p.width - 1);
        let zi = im;
        let k = 0;
        for (; k < p.iterations; k++) {
          if (zr * zr + zi * zi > 4) break;
          const t = zr * zr - zi * zi + cr;
          zi = 2 * zr * zi + ci;
          zr = t;
        }
        if (k === p.iterations) k = p.iterations - 1;
        const i = (y * p.width + x) * 4;
        png.data[i] = (k % 8) * 32;
        png.data[i + 1] = (k % 16) * 16;
        png.data[i + 2] = (k % 32) * 8;
        png.data[i + 3] = 255;
      }
    }
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    const buf = PNG.sync.write(png);
    await new Promise<void>((resolve, reject) => {
      out.on('error', reject);
      out.end(buf, () => resolve());
    });
    return {
      duration: (Date.now() - started) / 1000,
      size: buf.length,
      checksum: createHash('sha256').update(buf).digest('hex'),
      cr,
      ci,
    };
  }
}
