// The request mix of `load --mode api` (`list=70,get=25,create=5`) and the fractal task bodies both modes send,
// drawn like the original `faafo create` (uuid4 per task, parameters within the CLI's ranges) unless sizes are fixed.
import { randomUUID } from 'node:crypto';
import { UsageError } from '../lib/errors.js';

export type RequestKind = 'list' | 'get' | 'create';
export type Mix = Record<RequestKind, number>;

export function parseMix(text: string): Mix {
  const mix: Mix = { list: 0, get: 0, create: 0 };
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(list|get|create)=(\d+(?:\.\d+)?)$/.exec(part);
    if (!m) throw new UsageError(`bad --mix entry "${part}"`, 'use e.g. --mix list=70,get=25,create=5');
    mix[m[1] as RequestKind] = Number(m[2]);
  }
  if (mix.list + mix.get + mix.create <= 0) throw new UsageError('--mix has no weight', 'e.g. --mix list=70,get=25,create=5');
  return mix;
}

/** A repeating sequence of kinds whose proportions follow the mix, interleaved (not list×14 then get×5...). */
export function mixSequence(mix: Mix, length = 20): RequestKind[] {
  const total = mix.list + mix.get + mix.create;
  const kinds = (Object.keys(mix) as RequestKind[]).filter((k) => mix[k] > 0);
  const credit: Record<string, number> = { list: 0, get: 0, create: 0 };
  const out: RequestKind[] = [];
  // Smooth weighted round robin: deterministic and evenly spread.
  for (let i = 0; i < length; i++) {
    for (const k of kinds) credit[k]! += mix[k] / total;
    const best = kinds.reduce((a, b) => (credit[b]! > credit[a]! ? b : a));
    credit[best]! -= 1;
    out.push(best);
  }
  return out;
}

export interface TaskSize {
  width?: number;
  height?: number;
  iterations?: number;
}

export function parseSize(text: string | undefined): TaskSize {
  if (!text) return {};
  const m = /^(\d+)x(\d+)(?:@(\d+))?$/.exec(text.trim());
  if (!m) throw new UsageError(`bad --size "${text}"`, 'use WIDTHxHEIGHT or WIDTHxHEIGHT@ITERATIONS, e.g. --size 512x512@256');
  const [w, h, it] = [Number(m[1]), Number(m[2]), m[3] ? Number(m[3]) : undefined];
  if (w < 1 || h < 1 || (it !== undefined && it < 1)) throw new UsageError(`bad --size "${text}"`, 'sizes must be >= 1');
  return { width: w, height: h, iterations: it };
}

const randint = (a: number, b: number) => a + Math.floor(Math.random() * (b - a + 1));
const uniform = (a: number, b: number) => a + Math.random() * (b - a);

/** One task body as `faafo create` sends it. */
export function taskBody(size: TaskSize): Record<string, unknown> {
  return {
    uuid: randomUUID(),
    width: size.width ?? randint(256, 1024),
    height: size.height ?? randint(256, 1024),
    iterations: size.iterations ?? randint(128, 512),
    xa: uniform(-4, -1),
    xb: uniform(1, 4),
    ya: uniform(-3, -0.5),
    yb: uniform(0.5, 3),
  };
}

/** Authorization for creates against an app whose writes need its API key (issue 15); none without a key. */
export const authHeader = (apiKey: string | undefined): Record<string, string> =>
  apiKey ? { authorization: `Bearer ${apiKey}` } : {};
