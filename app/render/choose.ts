// The original worker's random choice of the Julia constant c (spec 2.3, JuliaSet._set_point), made bounded.
import type { RenderParams } from './params.js';

/** Draws tried before giving up; for any N > 11 and the default rectangle a draw is accepted in a few tries. */
export const MAX_ATTEMPTS = 2000;
/** Used when no draw qualifies (always for N <= 11, where the original loops forever). */
export const FALLBACK_CONSTANT = { cr: -0.8, ci: 0.156 } as const;

/**
 * The original's escape count of c itself: z = c; for k = 0..N-1: if |z| > 2 stop, else z = z^2 + c.
 * Returns k at the stop, or N-1 when it never stopped. |z| is the modulus (Math.hypot, like Python's abs()).
 */
export function escapeCountOfC(cr: number, ci: number, n: number): number {
  let zr = cr;
  let zi = ci;
  for (let k = 0; k < n; k++) {
    if (Math.hypot(zr, zi) > 2) return k;
    const r = zr * zr - zi * zi + cr;
    zi = zr * zi + zi * zr + ci;
    zr = r;
  }
  return n - 1;
}

/** True when the original would accept c: 10 < k* < 100. */
export function acceptable(cr: number, ci: number, n: number): boolean {
  const k = escapeCountOfC(cr, ci, n);
  return k > 10 && k < 100;
}

/**
 * c uniform in the rectangle [xa,xb) x [ya,yb), redrawn until 10 < k* < 100 like the original, but at most
 * MAX_ATTEMPTS draws (none when N <= 11, since k* <= N-1 <= 10 can never qualify); then FALLBACK_CONSTANT.
 */
export function chooseConstant(p: RenderParams, random: () => number = Math.random): { cr: number; ci: number } {
  if (p.iterations > 11) {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const cr = random() * (p.xb - p.xa) + p.xa;
      const ci = random() * (p.yb - p.ya) + p.ya;
      if (acceptable(cr, ci, p.iterations)) return { cr, ci };
    }
  }
  return { ...FALLBACK_CONSTANT };
}
