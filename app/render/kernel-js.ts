// Plain JavaScript escape-time kernel: the readable statement of the algorithm (same as julia_ref.c), used as
// the fallback when WebAssembly SIMD is unavailable and as the reference in tests.

/** Escape count of one point: steps taken before |z|^2 > 4, at most n (n = never escaped). */
export function escapeCount(zr: number, zi: number, cr: number, ci: number, n: number): number {
  let i = 0;
  for (; i < n; i++) {
    const r2 = zr * zr;
    const i2 = zi * zi;
    if (r2 + i2 > 4.0) break;
    zi = 2 * zr * zi + ci;
    zr = r2 - i2 + cr;
  }
  return i;
}

/** Writes one PNG scanline at `off`: filter byte 0, then R,G,B per pixel of the colours of the spec. */
export function renderRowJs(
  xs: Float64Array,
  zi: number,
  cr: number,
  ci: number,
  n: number,
  out: Uint8Array,
  off: number,
): void {
  out[off++] = 0;
  for (let x = 0; x < xs.length; x++) {
    const i = escapeCount(xs[x], zi, cr, ci, n);
    const k = i < n ? i : n - 1;
    out[off++] = (k & 7) << 5;
    out[off++] = (k & 15) << 4;
    out[off++] = (k & 31) << 3;
  }
}
