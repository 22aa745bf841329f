// Renderer (contract C4): Julia-set fractals as streamed PNGs, pixel-identical to bench/reference/julia_ref.c.
// One thread pool per Renderer, shared by concurrent render() calls; each render splits its image into bands
// of rows, keeps a bounded number of bands in flight, and feeds them in order into the PNG encoder, so memory
// stays a few MB whatever the image size.
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { validateParams, type RenderParams } from './params.js';
import { chooseConstant } from './choose.js';
import { scanlineBytes, type BandJob } from './band.js';
import { PngWriter } from './png.js';
import type { EncodedBand } from './encode.js';
import { ThreadPool } from './pool.js';
import { threadEntry } from './thread-entry.js';

export type { RenderParams } from './params.js';
export { chooseConstant, FALLBACK_CONSTANT, MAX_ATTEMPTS } from './choose.js';
export { threadEntry } from './thread-entry.js';

export interface RenderResult {
  /** Wall-clock seconds of the whole render (computing and encoding, which overlap). */
  duration: number;
  /** PNG bytes written to `out`. */
  size: number;
  /** SHA-256 (hex) of those bytes. */
  checksum: string;
  cr: number;
  ci: number;
}

export interface RendererOptions {
  /** Render threads (default: os.availableParallelism()). */
  threads?: number;
  /** zlib level of the PNG (default 3: with the Up filter about as small as level 6 and 3x faster). */
  compression?: number;
}

/**
 * Target raw bytes per band (scanlines incl. filter bytes). Each band is a fresh deflate stream, so bigger
 * bands compress a little better and cost less per-band overhead: measured on 4000x3000 (1 thread, CPU time,
 * median of 5) 128 KiB 0.521 s / 1,929,026 B; 256 KiB 0.495 s / 1,890,762 B; 1 MiB 0.468 s / 1,861,637 B.
 * MIN_BANDS still splits images of fewer rows finely enough for all threads.
 */
const BAND_BYTES = 1024 * 1024;
const MIN_BANDS = 32;

export class Renderer {
  readonly threads: number;
  private readonly pool: ThreadPool;
  private readonly level: number;

  constructor(opts: RendererOptions = {}) {
    const t = opts.threads ?? os.availableParallelism();
    if (!Number.isInteger(t) || t < 1) throw new RangeError(`threads must be a positive integer (got ${String(t)})`);
    this.threads = t;
    this.level = opts.compression ?? 3;
    this.pool = new ThreadPool(t, threadEntry());
  }

  /** The kernel the threads used for the last band: 'wasm' (SIMD) or 'js'; undefined before any render. */
  get kernel(): string | undefined {
    return this.pool.kernel;
  }

  /**
   * Renders the fractal and streams its PNG into `out` (which is not ended). The constant is p.cr/p.ci when
   * both are numbers, else chosen like the original (chooseConstant). Rejects on bad parameters (RangeError,
   * one line), a failed thread or an `out` error.
   */
  async render(p: RenderParams, out: NodeJS.WritableStream): Promise<RenderResult> {
    validateParams(p);
    const t0 = performance.now();
    const { cr, ci } =
      typeof p.cr === 'number' && typeof p.ci === 'number' ? { cr: p.cr, ci: p.ci } : chooseConstant(p);
    const { width, height, iterations, xa, xb, ya, yb } = p;
    const line = scanlineBytes(width);
    // Rows per band: about BAND_BYTES, and at least MIN_BANDS bands so small costly images spread over the
    // threads too. It depends on the image only, never on the thread count: bands are compressed separately,
    // so the PNG bytes (and checksum) of given parameters do not depend on the number of cores.
    const rows = Math.max(1, Math.min(Math.floor(BAND_BYTES / line), Math.ceil(height / MIN_BANDS)));
    const bands = Math.ceil(height / rows);
    const window = 2 * this.threads + 2;
    const png = new PngWriter(out, width, height);
    const inFlight: Promise<EncodedBand>[] = [];
    const owner = {};
    let submitted = 0;
    const submit = () => {
      const y0 = submitted * rows;
      const y1 = Math.min(height, y0 + rows);
      const job: BandJob = { width, height, iterations, xa, xb, ya, yb, cr, ci, y0, y1, level: this.level };
      const pr = this.pool.run(job, owner);
      pr.catch(() => {}); // awaited in order below
      inFlight.push(pr);
      submitted++;
    };
    try {
      while (submitted < bands && inFlight.length < window) submit();
      for (let b = 0; b < bands; b++) {
        const band = await (inFlight.shift() as Promise<EncodedBand>);
        if (submitted < bands) submit();
        await png.write(band);
      }
      const { size, checksum } = await png.finish();
      return { duration: (performance.now() - t0) / 1000, size, checksum, cr, ci };
    } catch (e) {
      this.pool.drop(owner); // bands of this render that no thread has started yet
      png.abort();
      throw e;
    }
  }

  /** Stops the threads; pending renders reject. */
  close(): Promise<void> {
    return this.pool.close();
  }
}
