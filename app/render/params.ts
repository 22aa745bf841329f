// Render parameters: validation and the pixel -> complex-plane mapping of the original worker and julia_ref.c.
import type { FractalParams } from '../types.js';

/** What a render needs: exactly the fractal's parameters (cr/ci absent or null: a constant is chosen). */
export type RenderParams = FractalParams;

/** Largest side accepted: the PNG encoder and the thread buffers are sized for it. */
export const MAX_SIDE = 65535;
export const MAX_ITERATIONS = 1_000_000_000;

/** Throws a RangeError with one line naming the bad field. */
export function validateParams(p: RenderParams): void {
  const int = (k: 'width' | 'height' | 'iterations', max: number) => {
    const v = p[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) {
      throw new RangeError(`${k} must be an integer from 1 to ${max} (got ${String(v)})`);
    }
  };
  int('width', MAX_SIDE);
  int('height', MAX_SIDE);
  int('iterations', MAX_ITERATIONS);
  for (const k of ['xa', 'xb', 'ya', 'yb'] as const) {
    if (typeof p[k] !== 'number' || !Number.isFinite(p[k])) throw new RangeError(`${k} must be a finite number`);
  }
  for (const k of ['cr', 'ci'] as const) {
    const v = p[k];
    if (v !== undefined && v !== null && (typeof v !== 'number' || !Number.isFinite(v))) {
      throw new RangeError(`${k} must be a finite number or absent`);
    }
  }
}

/**
 * Coordinate of pixel `i` of `n` along an axis from `a` to `b`, with exactly the operation order of the original
 * and of julia_ref.c: i*(b-a)/(n-1)+a (IEEE doubles). For n = 1 the original divides by zero (Python raises,
 * C yields NaN); here the single pixel sits at `a` (the left / top edge of the rectangle).
 */
export function axisCoord(i: number, n: number, a: number, b: number): number {
  return n === 1 ? a : (i * (b - a)) / (n - 1) + a;
}

/** All coordinates of one axis. */
export function axisCoords(n: number, a: number, b: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = axisCoord(i, n, a, b);
  return out;
}
