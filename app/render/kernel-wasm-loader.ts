// Instantiates the WebAssembly SIMD kernel (kernel.wat, assembled into kernel-wasm.ts) and drives it band by band.
import { axisCoord } from './params.js';
import type { BandJob } from './band.js';
import { KERNEL_WASM_BASE64 } from './kernel-wasm.js';

export interface WasmKernel {
  /** Filters a band of scanlines in place (as encode.ts filterBand) and returns their Adler-32. */
  filterAndSum(rows: Uint8Array, line: number): number;
  /** The band's scanlines (filter byte 0), as a view into the kernel's memory valid until the next call. */
  band(job: BandJob, line: number, rows: number): Uint8Array;
}

// The project's TypeScript lib has no WebAssembly declarations (no DOM lib); this is the part used here.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
};

interface Exports {
  memory: WasmMemory;
  row(xs: number, groups: number, zi: number, cr: number, ci: number, n: number, counts: number): void;
  colour(counts: number, width: number, n: number, out: number): void;
  filter(base: number, line: number, rows: number): void;
  adler32(p: number, len: number): number;
}

let module: object | null | undefined;

function compile(): object | null {
  if (module === undefined) {
    try {
      module = new WebAssembly.Module(Buffer.from(KERNEL_WASM_BASE64, 'base64'));
    } catch {
      module = null; // no SIMD support in this runtime
    }
  }
  return module;
}

const PAGE = 65536;
/** Pixels per kernel group: two f64x2 vectors in flight. */
export const GROUP = 4;

export function loadWasmKernel(): WasmKernel | undefined {
  const mod = compile();
  if (!mod) return undefined;
  const ex = new WebAssembly.Instance(mod, {}).exports as unknown as Exports;
  let xsKey = '';
  return {
    filterAndSum(rows, line) {
      if (rows.buffer !== ex.memory.buffer) throw new Error('filterAndSum works on the kernel memory only');
      ex.filter(rows.byteOffset, line, rows.length / line);
      return ex.adler32(rows.byteOffset, rows.length) >>> 0;
    },
    band(job, line, rows) {
      const groups = Math.ceil(job.width / GROUP);
      const padded = groups * GROUP;
      // Memory layout: xs (padded f64) | counts (padded i64) | scanlines of the band.
      const xsAt = 0;
      const countsAt = padded * 8;
      const outAt = countsAt + padded * 8;
      const need = outAt + line * rows;
      const have = ex.memory.buffer.byteLength;
      if (need > have) {
        ex.memory.grow(Math.ceil((need - have) / PAGE));
        xsKey = '';
      }
      const key = `${job.width}|${job.xa}|${job.xb}`;
      if (key !== xsKey) {
        const xs = new Float64Array(ex.memory.buffer, xsAt, padded);
        for (let x = 0; x < padded; x++) xs[x] = axisCoord(Math.min(x, job.width - 1), job.width, job.xa, job.xb);
        xsKey = key;
      }
      for (let y = job.y0; y < job.y1; y++) {
        const zi = axisCoord(y, job.height, job.ya, job.yb);
        ex.row(xsAt, groups, zi, job.cr, job.ci, job.iterations, countsAt);
        ex.colour(countsAt, job.width, job.iterations, outAt + (y - job.y0) * line);
      }
      return new Uint8Array(ex.memory.buffer, outAt, line * rows); // a view: valid until the next call
    },
  };
}
