// resolveConfig (contract C6): faafo-stack.yaml (or --config) + flags -> a validated StackConfig. The file and the
// flags are merged first (flags win) and validated together with ajv against the published schema, then the
// rules JSON Schema cannot express. Any problem -> UsageError: one line naming the key/flag and the fix (exit 2).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { load } from 'js-yaml';
import { UsageError } from '../lib/errors.js';
import { DEFAULT_CONFIG_FILE, DEFAULTS } from './defaults.js';
import { FLAG_PATHS } from './flags.js';
import type { Origin } from './origin.js';
import { configSchema } from './schema.js';
import { applyRules } from './rules.js';
import { schemaErrorLine } from './messages.js';
import type { StackConfig, TierConfig } from './types.js';

export type { StackConfig, TierConfig, Topology, AlarmAction, WorkerScaling } from './types.js';
export { generateFlags, FLAG_PATHS, flagFor } from './flags.js';
export { configSchema } from './schema.js';
export { DEFAULTS, DEFAULT_CONFIG_FILE } from './defaults.js';

type Obj = Record<string, unknown>;

export interface ResolveOptions {
  flags?: Record<string, unknown>;
  /** Explicit config file (else flags.config, else ./faafo-stack.yaml when it exists). */
  configPath?: string;
  cwd?: string;
}

export async function resolveConfig(opts: ResolveOptions = {}): Promise<StackConfig> {
  return (await resolveConfigExplicit(opts)).cfg;
}

/**
 * The configuration and the paths (`workers.max`, `bootTimeout` ...) the user set, in the file or by a flag, as
 * opposed to defaults: an update changes only those and carries the stack's current values over for the rest.
 */
export async function resolveConfigExplicit(opts: ResolveOptions = {}): Promise<{ cfg: StackConfig; explicit: Set<string> }> {
  const flags = opts.flags ?? {};
  const cwd = opts.cwd ?? process.cwd();
  const { raw, file } = await readConfigFile(opts.configPath ?? (flags.config as string | undefined), cwd);
  const origin: Origin = { file, fromFlag: new Set() };
  const merged = applyFlags(raw, flags, origin);
  await checkSchema(merged, origin);
  const cfg = withDefaults(merged);
  applyRules(cfg, origin);
  return { cfg, explicit: leafPaths(merged) };
}

function leafPaths(o: Obj, prefix = '', out = new Set<string>()): Set<string> {
  for (const [k, v] of Object.entries(o)) {
    const p = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v)) leafPaths(v as Obj, p, out);
    else out.add(p);
  }
  return out;
}

async function readConfigFile(explicit: string | undefined, cwd: string): Promise<{ raw: Obj; file?: string }> {
  const file = path.resolve(cwd, explicit ?? DEFAULT_CONFIG_FILE);
  if (!existsSync(file)) {
    if (explicit) throw new UsageError(`config file ${explicit} not found`, 'check the --config path');
    return { raw: {} };
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(
      `cannot read config file ${file}: ${(e as Error).message}`,
      'check the path and its permissions',
    );
  }
  let doc: unknown;
  if (!text.replace(/#.*$/gm, '').trim()) return { raw: {}, file };
  try {
    doc = load(text);
  } catch (e) {
    const m = /^([^\n(]*)(?:\((\d+):(\d+)\))?/.exec((e as Error).message);
    const where = m?.[2] ? ` at line ${m[2]}` : '';
    throw new UsageError(
      `config file ${file} is not valid YAML${where}: ${(m?.[1] ?? '').trim()}`,
      'fix the YAML syntax',
    );
  }
  if (doc === null || doc === undefined) return { raw: {}, file };
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new UsageError(
      `config file ${file} must be a YAML mapping (key: value)`,
      'see schema/faafo-stack.schema.json',
    );
  }
  if ('heat_template_version' in (doc as Obj)) {
    // A generated template in the current directory is not a configuration.
    if (explicit)
      throw new UsageError(
        `${explicit} is a Heat template, not a faafo-stack configuration`,
        'pass the configuration file with --config',
      );
    return { raw: {} };
  }
  return { raw: structuredClone(doc as Obj), file };
}

function setPath(obj: Obj, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let o = obj;
  for (const k of keys.slice(0, -1)) {
    if (typeof o[k] !== 'object' || o[k] === null || Array.isArray(o[k])) o[k] = {};
    o = o[k] as Obj;
  }
  o[keys[keys.length - 1]] = value;
}

function applyFlags(raw: Obj, flags: Record<string, unknown>, origin: Origin): Obj {
  const out = structuredClone(raw);
  const given = (k: string) => flags[k] !== undefined && flags[k] !== null;
  if (given('flavor')) {
    // --flavor sets every flavor; the per-tier flags (applied after) win over it.
    for (const p of ['flavor', 'api.flavor', 'workers.flavor', 'services.flavor', 'allInOneFlavor']) {
      setPath(out, p, flags.flavor);
      origin.fromFlag.add(p);
    }
  }
  for (const [flag, p] of Object.entries(FLAG_PATHS)) {
    if (!given(flag)) continue;
    setPath(out, p, flags[flag]);
    origin.fromFlag.add(p);
  }
  return out;
}

type Validate = ((d: unknown) => boolean) & { errors?: unknown[] | null };
let validator: Validate | undefined;

async function compileSchema(): Promise<Validate> {
  // ajv is loaded on first use only (keeps `faafo-stack --help` fast).
  const [ajvMod, fmtMod] = await Promise.all([import('ajv/dist/2020.js'), import('ajv-formats')]);
  const unwrap = (m: unknown): unknown => (m as { default?: unknown }).default ?? m;
  type AjvLike = { compile(s: object): Validate };
  const AjvCtor = unwrap(unwrap(ajvMod)) as new (o: object) => AjvLike;
  const addFormats = unwrap(unwrap(fmtMod)) as (ajv: AjvLike, formats: string[]) => void;
  const ajv = new AjvCtor({ allErrors: false, strict: true, strictTuples: false, verbose: true });
  addFormats(ajv, ['ipv4']);
  return ajv.compile(configSchema);
}

async function checkSchema(doc: Obj, origin: Origin): Promise<void> {
  validator ??= await compileSchema();
  if (!validator(doc)) {
    const err = (validator.errors ?? [])[0] as Parameters<typeof schemaErrorLine>[0];
    const { message, hint } = schemaErrorLine(err, origin);
    throw new UsageError(message, hint);
  }
}

function tierWithDefaults(
  t: Obj | undefined,
  d: { min: number; max: number; vcpus: number },
  flavor: string,
  up: number,
  down: number,
): TierConfig {
  const tier = t ?? {};
  const min = (tier.min as number | undefined) ?? d.min;
  return {
    min,
    max: (tier.max as number | undefined) ?? Math.max(d.max, min),
    desired: (tier.desired as number | undefined) ?? min,
    flavor: (tier.flavor as string | undefined) ?? flavor,
    vcpus: (tier.vcpus as number | undefined) ?? d.vcpus,
    scaleUpCpu: (tier.scaleUpCpu as number | undefined) ?? up,
    scaleDownCpu: (tier.scaleDownCpu as number | undefined) ?? down,
  };
}

function imageStore(doc: Obj, apiMax: number): { imageStoreUrl?: string } {
  const given = doc.imageStoreUrl as string | undefined;
  if (given) return { imageStoreUrl: given };
  return apiMax <= 1 || doc.topology === 'all-in-one' ? { imageStoreUrl: DEFAULTS.imageStoreUrl } : {};
}

function withDefaults(doc: Obj): StackConfig {
  const o = (k: string) => (doc[k] ?? {}) as Obj;
  const flavor = (doc.flavor as string | undefined) ?? DEFAULTS.flavor;
  const scaling = o('scaling');
  const up = (scaling.scaleUpCpu as number | undefined) ?? DEFAULTS.scaleUpCpu;
  const down = (scaling.scaleDownCpu as number | undefined) ?? DEFAULTS.scaleDownCpu;
  const dbUrl = o('database').url as string | undefined;
  const qUrl = o('queue').url as string | undefined;
  const app = o('app');
  return {
    ...(doc.name ? { name: doc.name as string } : {}),
    topology: (doc.topology as StackConfig['topology'] | undefined) ?? DEFAULTS.topology,
    image: (doc.image as string | undefined) ?? DEFAULTS.image,
    keyName: (doc.keyName as string | undefined) ?? DEFAULTS.keyName,
    externalNetwork: (doc.externalNetwork as string | undefined) ?? DEFAULTS.externalNetwork,
    network: {
      cidr: (o('network').cidr as string | undefined) ?? DEFAULTS.networkCidr,
      dnsNameservers: (o('network').dnsNameservers as string[] | undefined) ?? [],
    },
    sshCidr: (doc.sshCidr as string | undefined) ?? DEFAULTS.sshCidr,
    app: {
      ...(app.url ? { url: app.url as string } : {}),
      ...(app.sha256 ? { sha256: app.sha256 as string } : {}),
      ...(app.nodeTarballUrl ? { nodeTarballUrl: app.nodeTarballUrl as string } : {}),
    },
    services: { flavor: (o('services').flavor as string | undefined) ?? flavor },
    database: dbUrl ? { external: true, url: dbUrl } : { external: false },
    queue: qUrl ? { external: true, url: qUrl } : { external: false },
    // file: keeps each image on the API server that took it: only right with one API server. Otherwise a Swift
    // container, which `create` makes (with its credential) when the cloud has object storage.
    ...imageStore(doc, tierWithDefaults(doc.api as Obj | undefined, DEFAULTS.api, flavor, up, down).max),
    loadBalancer: (doc.loadBalancer as boolean | undefined) ?? DEFAULTS.loadBalancer,
    access: {
      anonymousWrites: (o('access').anonymousWrites as boolean | undefined) ?? DEFAULTS.anonymousWrites,
      legacyWorkers: (o('access').legacyWorkers as boolean | undefined) ?? DEFAULTS.legacyWorkers,
    },
    api: tierWithDefaults(doc.api as Obj | undefined, DEFAULTS.api, flavor, up, down),
    workers: tierWithDefaults(doc.workers as Obj | undefined, DEFAULTS.workers, flavor, up, down),
    scaling: {
      granularity: (scaling.granularity as number | undefined) ?? DEFAULTS.granularity,
      evaluationPeriods: (scaling.evaluationPeriods as number | undefined) ?? DEFAULTS.evaluationPeriods,
      cooldown: (scaling.cooldown as number | undefined) ?? DEFAULTS.cooldown,
      alarmAction: String(scaling.alarmAction ?? DEFAULTS.alarmAction).startsWith('alarm') ? 'alarm-url' : 'signal',
      repeatActions: (scaling.repeatActions as boolean | undefined) ?? DEFAULTS.repeatActions,
      workerScaling: (scaling.workerScaling as StackConfig['scaling']['workerScaling'] | undefined) ?? DEFAULTS.workerScaling,
      scaleUpBacklog: (scaling.scaleUpBacklog as number | undefined) ?? DEFAULTS.scaleUpBacklog,
      scaleDownBacklog: (scaling.scaleDownBacklog as number | undefined) ?? DEFAULTS.scaleDownBacklog,
    },
    bootTimeout: (doc.bootTimeout as number | undefined) ?? DEFAULTS.bootTimeout,
    allInOneFlavor: (doc.allInOneFlavor as string | undefined) ?? flavor,
  };
}
