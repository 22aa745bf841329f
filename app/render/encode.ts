// Per-band PNG encoding, done in the render threads so that compression scales with the cores (the pigz
// method): each band's scanlines are filtered, then deflated on their own into byte-aligned, non-final blocks
// (Z_SYNC_FLUSH); the main thread concatenates the bands behind one zlib header and ends the stream with an
// empty final block and the Adler-32 of all scanlines, combined from the bands' own Adler-32s.
import zlib from 'node:zlib';

/** Adler-32 modulus. */
const BASE = 65521;

export function adler32(data: Uint8Array, start = 1): number {
  let a = start & 0xffff;
  let b = start >>> 16;
  let i = 0;
  while (i < data.length) {
    const end = Math.min(data.length, i + 1000); // keeps both sums small integers (< 2^31) between modulos
    for (; i < end; i++) {
      a += data[i];
      b += a;
    }
    a %= BASE;
    b %= BASE;
  }
  return ((b << 16) | a) >>> 0;
}

/** Adler-32 of A followed by B, from adler32(A), adler32(B) and B's length (zlib's adler32_combine). */
export function adler32Combine(adlerA: number, adlerB: number, lengthB: number): number {
  const rem = lengthB % BASE;
  let sum1 = adlerA & 0xffff;
  let sum2 = (rem * sum1) % BASE;
  sum1 += (adlerB & 0xffff) + BASE - 1;
  sum2 += (adlerA >>> 16) + (adlerB >>> 16) + BASE - rem;
  if (sum1 >= BASE) sum1 -= BASE;
  if (sum1 >= BASE) sum1 -= BASE;
  if (sum2 >= 2 * BASE) sum2 -= 2 * BASE;
  if (sum2 >= BASE) sum2 -= BASE;
  return ((sum2 << 16) | sum1) >>> 0;
}

/**
 * Filters a band of scanlines in place (each row starts with its filter byte, written as 0 by the kernel):
 * rows after the first use filter 2 (Up: fractal rows repeat their neighbours, so mostly zeros), the band's
 * first row, whose upper neighbour lives in another band, uses filter 1 (Sub). Bottom-up, so every Up row still
 * reads its unfiltered upper row.
 */
export function filterBand(rows: Uint8Array, line: number): void {
  const count = rows.length / line;
  for (let r = count - 1; r >= 1; r--) {
    const s = r * line;
    rows[s] = 2;
    for (let i = s + line - 1; i > s; i--) rows[i] = (rows[i] - rows[i - line]) & 255;
  }
  rows[0] = 1;
  for (let i = line - 1; i > 3; i--) rows[i] = (rows[i] - rows[i - 3]) & 255;
}

export interface EncodedBand {
  /** Raw deflate blocks, byte-aligned, not final. */
  data: Uint8Array;
  /** Adler-32 and length of the filtered scanlines. */
  adler: number;
  rawLength: number;
}

/**
 * Filters and compresses one band of scanlines (consumes `rows`). `filterAndSum` does filterBand + adler32
 * faster (the WebAssembly kernel's SIMD version) when given.
 */
export function encodeBand(
  rows: Uint8Array,
  line: number,
  level: number,
  filterAndSum?: (rows: Uint8Array, line: number) => number,
): EncodedBand {
  let adler: number;
  if (filterAndSum) adler = filterAndSum(rows, line);
  else {
    filterBand(rows, line);
    adler = adler32(rows);
  }
  const z = zlib.deflateRawSync(rows, { level, memLevel: 9, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  return { data: new Uint8Array(z.buffer, z.byteOffset, z.length), adler, rawLength: rows.length };
}

/** zlib stream header (deflate, 32 KiB window, "fast" compression level hint). */
export const ZLIB_HEADER = Uint8Array.from([0x78, 0x5e]);
/** An empty final fixed-Huffman block: ends the deflate stream after the bands' non-final blocks. */
export const DEFLATE_END = Uint8Array.from([0x03, 0x00]);
