// What the main thread asks a render thread for: rows y0..y1-1 of one image, as filtered PNG scanlines.
import type { FractalParams } from '../types.js';

export interface BandJob extends FractalParams {
  /** Chosen before the bands are handed out: always set here. */
  cr: number;
  ci: number;
  y0: number;
  y1: number;
  /** zlib level of the band's compression. */
  level: number;
}

/** Bytes of one scanline: the filter byte plus 3 per pixel. */
export const scanlineBytes = (width: number) => 1 + 3 * width;
