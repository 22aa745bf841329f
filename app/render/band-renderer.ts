// Renders one band of rows into PNG scanlines, with the WebAssembly SIMD kernel when this runtime can
// instantiate it, else the plain JavaScript kernel (same pixels, about half the speed).
import { axisCoord, axisCoords } from './params.js';
import { scanlineBytes, type BandJob } from './band.js';
import { renderRowJs } from './kernel-js.js';
import { encodeBand, type EncodedBand } from './encode.js';
import { loadWasmKernel, type WasmKernel } from './kernel-wasm-loader.js';

export type KernelName = 'wasm' | 'js';

export class BandRenderer {
  private xs: Float64Array = new Float64Array(0);
  private xsKey = '';
  private readonly wasm: WasmKernel | undefined;

  constructor(kernel: KernelName | 'auto' = 'auto') {
    this.wasm = kernel === 'js' ? undefined : loadWasmKernel();
    if (kernel === 'wasm' && !this.wasm) throw new Error('the WebAssembly SIMD kernel cannot run here');
  }

  get kernel(): KernelName {
    return this.wasm ? 'wasm' : 'js';
  }

  /** The band's filtered, deflated scanlines (see encode.ts). */
  encode(job: BandJob): EncodedBand {
    const wasm = this.wasm;
    const filterAndSum = wasm ? (rows: Uint8Array, line: number) => wasm.filterAndSum(rows, line) : undefined;
    return encodeBand(this.render(job), scanlineBytes(job.width), job.level, filterAndSum);
  }

  /** The band's scanlines, each with filter byte 0 (from the wasm kernel: a view valid until the next call). */
  render(job: BandJob): Uint8Array {
    const line = scanlineBytes(job.width);
    const rows = job.y1 - job.y0;
    if (this.wasm) return this.wasm.band(job, line, rows);
    const key = `${job.width}|${job.xa}|${job.xb}`;
    if (key !== this.xsKey) {
      this.xs = axisCoords(job.width, job.xa, job.xb);
      this.xsKey = key;
    }
    const out = new Uint8Array(line * rows);
    for (let y = job.y0; y < job.y1; y++) {
      const zi = axisCoord(y, job.height, job.ya, job.yb);
      renderRowJs(this.xs, zi, job.cr, job.ci, job.iterations, out, (y - job.y0) * line);
    }
    return out;
  }
}
