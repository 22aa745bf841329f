// The guide's client commands: create, list, show, delete, get. Tables like the original client, --json on all.
import { randomUUID } from 'node:crypto';
import { ENV_NAMES } from '../settings-contract.js';
import type { Fractal } from '../types.js';
import { ApiClient } from './api-client.js';
import { intFlag, numFlag, parse, str, type OptionSpec, type Parsed } from './args.js';
import { UsageError } from './errors.js';
import { json, table, type Io } from './io.js';

export const CREATE_OPTIONS = {
  width: { type: 'string' },
  height: { type: 'string' },
  iterations: { type: 'string' },
  tasks: { type: 'string' },
  xa: { type: 'string' },
  xb: { type: 'string' },
  ya: { type: 'string' },
  yb: { type: 'string' },
  cr: { type: 'string' },
  ci: { type: 'string' },
} as const satisfies OptionSpec;

export const GET_OPTIONS = { output: { type: 'string', short: 'o' } } as const satisfies OptionSpec;

/** The original client's random ranges (spec 3.1), used for every parameter not given. */
export const RANDOM_RANGES = {
  tasks: [1, 10],
  width: [256, 1024],
  height: [256, 1024],
  iterations: [128, 512],
  xa: [-4.0, -1.0],
  xb: [1.0, 4.0],
  ya: [-3.0, -0.5],
  yb: [0.5, 3.0],
} as const;

const randint = (lo: number, hi: number, rnd: () => number) => lo + Math.floor(rnd() * (hi - lo + 1));
const uniform = (lo: number, hi: number, rnd: () => number) => lo + rnd() * (hi - lo);

export interface CreateSpec {
  tasks: number;
  width?: number;
  height?: number;
  iterations?: number;
  xa?: number;
  xb?: number;
  ya?: number;
  yb?: number;
  cr?: number;
  ci?: number;
}

/** One task's request body: given values, the rest drawn like the original client (independently per task). */
export function makeFractalRequest(spec: CreateSpec, rnd: () => number = Math.random): Record<string, unknown> {
  const R = RANDOM_RANGES;
  const body: Record<string, unknown> = {
    uuid: randomUUID(),
    width: spec.width ?? randint(R.width[0], R.width[1], rnd),
    height: spec.height ?? randint(R.height[0], R.height[1], rnd),
    iterations: spec.iterations ?? randint(R.iterations[0], R.iterations[1], rnd),
    xa: spec.xa ?? uniform(R.xa[0], R.xa[1], rnd),
    xb: spec.xb ?? uniform(R.xb[0], R.xb[1], rnd),
    ya: spec.ya ?? uniform(R.ya[0], R.ya[1], rnd),
    yb: spec.yb ?? uniform(R.yb[0], R.yb[1], rnd),
  };
  if (spec.cr !== undefined) body.cr = spec.cr;
  if (spec.ci !== undefined) body.ci = spec.ci;
  return body;
}

export function createSpec(p: Parsed, rnd: () => number = Math.random): CreateSpec {
  const spec: CreateSpec = {
    tasks: intFlag(p, 'tasks', 1, 10000) ?? randint(RANDOM_RANGES.tasks[0], RANDOM_RANGES.tasks[1], rnd),
    width: intFlag(p, 'width', 1, 16384),
    height: intFlag(p, 'height', 1, 16384),
    iterations: intFlag(p, 'iterations', 1, 100000),
    xa: numFlag(p, 'xa'),
    xb: numFlag(p, 'xb'),
    ya: numFlag(p, 'ya'),
    yb: numFlag(p, 'yb'),
    cr: numFlag(p, 'cr'),
    ci: numFlag(p, 'ci'),
  };
  if (spec.xa !== undefined && spec.xb !== undefined && spec.xa >= spec.xb)
    throw new UsageError('--xa must be less than --xb');
  if (spec.ya !== undefined && spec.yb !== undefined && spec.ya >= spec.yb)
    throw new UsageError('--ya must be less than --yb');
  if ((spec.cr === undefined) !== (spec.ci === undefined))
    throw new UsageError('--cr and --ci go together: give both or neither');
  return spec;
}

const dims = (f: Fractal) => `${f.width} x ${f.height} pixels`;

function client(p: Parsed, io: Io, endpoint: string): ApiClient {
  const debug = p.values.debug || p.values.verbose ? (l: string) => io.stderr(`${l}\n`) : undefined;
  const key = str(p, 'api-key') ?? io.env[ENV_NAMES.apiKey];
  return new ApiClient(endpoint, debug, key?.trim() || undefined);
}

function needUuid(p: Parsed, command: string): string {
  const uuid = p.positionals[0];
  if (!uuid) throw new UsageError(`missing UUID: faafo ${command} <uuid>`);
  return uuid;
}

export async function createCommand(argv: string[], io: Io, endpoint: string): Promise<number> {
  const p = parse(argv, CREATE_OPTIONS, 0, 'create');
  const spec = createSpec(p);
  const api = client(p, io, endpoint);
  if (!p.values.json) io.stderr(`generating ${spec.tasks} task(s)\n`);
  const created: Fractal[] = [];
  for (let i = 0; i < spec.tasks; i++) {
    try {
      created.push(await api.create(makeFractalRequest(spec)));
    } catch (e) {
      if (created.length > 0 && e instanceof Error) e.message += ` (${created.length} of ${spec.tasks} created before)`;
      throw e;
    }
  }
  if (p.values.json) io.stdout(json(created));
  else
    io.stdout(
      table(
        ['UUID', 'Dimensions', 'Iterations'],
        created.map((f) => [f.uuid, dims(f), f.iterations]),
      ),
    );
  return 0;
}

export async function listCommand(argv: string[], io: Io, endpoint: string): Promise<number> {
  const p = parse(argv, {}, 0, 'list');
  const all = await client(p, io, endpoint).listAll();
  if (p.values.json) io.stdout(json(all));
  else
    io.stdout(
      table(
        ['UUID', 'Dimensions', 'Filesize'],
        all.map((f) => [f.uuid, dims(f), `${f.size ?? 0} bytes`]),
      ),
    );
  return 0;
}

export async function showCommand(argv: string[], io: Io, endpoint: string): Promise<number> {
  const p = parse(argv, {}, 1, 'show');
  const f = await client(p, io, endpoint).get(needUuid(p, 'show'));
  if (p.values.json) {
    io.stdout(json(f));
    return 0;
  }
  const pending = 'not rendered yet';
  const rows: (string | number)[][] = [
    ['uuid', f.uuid],
    ['duration', f.duration === null ? pending : `${f.duration.toFixed(6)} seconds`],
    ['dimensions', dims(f)],
    ['iterations', f.iterations],
    ['xa', f.xa],
    ['xb', f.xb],
    ['ya', f.ya],
    ['yb', f.yb],
    ['size', f.size === null ? pending : `${f.size} bytes`],
    ['checksum', f.checksum ?? pending],
    ['generated_by', f.generated_by ?? pending],
  ];
  if (f.cr !== undefined && f.cr !== null) rows.push(['cr', f.cr]);
  if (f.ci !== undefined && f.ci !== null) rows.push(['ci', f.ci]);
  io.stdout(table(['Parameter', 'Value'], rows));
  return 0;
}

export async function deleteCommand(argv: string[], io: Io, endpoint: string): Promise<number> {
  const p = parse(argv, {}, 1, 'delete');
  const uuid = needUuid(p, 'delete');
  await client(p, io, endpoint).delete(uuid);
  io.stdout(p.values.json ? json({ deleted: uuid }) : `deleted fractal ${uuid}\n`);
  return 0;
}

export async function getCommand(argv: string[], io: Io, endpoint: string): Promise<number> {
  const p = parse(argv, GET_OPTIONS, 1, 'get');
  const uuid = needUuid(p, 'get');
  const file = str(p, 'output') ?? `${uuid}.png`;
  if (file === '') throw new UsageError('--output needs a file name (or - for stdout)');
  if (file === '-' && p.values.json) throw new UsageError('--json cannot be combined with --output -');
  const size = await client(p, io, endpoint).download(uuid, file);
  if (file === '-') return 0;
  io.stdout(p.values.json ? json({ uuid, file, size }) : `saved fractal ${uuid} to ${file} (${size} bytes)\n`);
  return 0;
}
