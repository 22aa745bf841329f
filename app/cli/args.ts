// Argument parsing on node's util.parseArgs: global options may come before or after the subcommand, every value
// is checked and a bad one is a UsageError naming the flag.
import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: false }>;

/** Options every command accepts. `--verbose`/`--debug` are accepted for the original guide's command lines. */
export const GLOBAL_OPTIONS = {
  'endpoint-url': { type: 'string' },
  // The client's key for writes; on `faafo api`/`serve` the key the API requires (issue 15).
  'api-key': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  verbose: { type: 'boolean' },
  debug: { type: 'boolean' },
  version: { type: 'boolean' },
} as const satisfies OptionSpec;

/** Finds the subcommand: the first word that is not an option or the value of a global string option. */
export function splitCommand(argv: string[]): { command: string | undefined; rest: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') break;
    if (a.startsWith('-')) {
      const name = a.replace(/^--?/, '');
      const spec = (GLOBAL_OPTIONS as OptionSpec)[name];
      if (spec?.type === 'string' && !a.includes('=')) i++;
      continue;
    }
    return { command: a, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
  }
  return { command: undefined, rest: argv };
}

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** `--xa -2.5` → `--xa=-2.5`: parseArgs would take a negative number for an option. */
function joinNegativeValues(argv: string[], options: OptionSpec): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = argv[i + 1];
    const name = a.startsWith('--') ? a.slice(2) : undefined;
    if (name && options[name]?.type === 'string' && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

export function parse(argv: string[], options: OptionSpec, maxPositionals: number, command: string): Parsed {
  let r: ReturnType<typeof parseArgs>;
  const all: OptionSpec = { ...GLOBAL_OPTIONS, ...options };
  try {
    r = parseArgs({ args: joinNegativeValues(argv, all), options: all, strict: true, allowPositionals: true });
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0].replace(/\.? To specify .*$/, '');
    throw new UsageError(`${msg} (see: faafo ${command} --help)`);
  }
  if (r.positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument "${r.positionals[maxPositionals]}" (see: faafo ${command} --help)`);
  }
  return { values: r.values as Parsed['values'], positionals: r.positionals };
}

export function str(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** An integer flag within [min, max], or undefined when not given. */
export function intFlag(p: Parsed, name: string, min: number, max: number): number | undefined {
  const raw = str(p, name);
  if (raw === undefined) return undefined;
  const s = raw.trim();
  const n = /^[+-]?\d+$/.test(s) ? Number(s) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

/** A finite number flag, or undefined when not given. */
export function numFlag(p: Parsed, name: string): number | undefined {
  const raw = str(p, name);
  if (raw === undefined) return undefined;
  const s = raw.trim();
  const n = s === '' ? NaN : Number(s);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got "${raw}"`);
  return n;
}
