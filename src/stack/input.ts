// What a create/update/diff sends to Heat, built like `openstack stack create -t FILE -e ENV --parameter K=V`:
// the main template, Heat's `files` map (provider templates it uses as resource types and `get_file`
// contents, found relative to the template), the environment (generated one merged with each `-e` file in
// order: later wins), and the `--parameter` values.
import { readFile } from 'node:fs/promises';
import { dirname, resolve, isAbsolute } from 'node:path';
import { load } from 'js-yaml';
import { UsageError } from '../lib/errors.js';
import type { StackInput } from '../openstack/heat.js';

export function parseParameters(list: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new UsageError(`--parameter ${kv}: expected KEY=VALUE`);
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function parseYaml(text: string, file: string): Record<string, unknown> {
  try {
    const v = load(text);
    if (v === null || v === undefined) return {};
    if (typeof v !== 'object' || Array.isArray(v)) throw new Error('not a mapping');
    return v as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(`${file} is not valid YAML: ${String((e as Error).message).split('\n')[0]}`);
  }
}

type Env = {
  resource_registry?: Record<string, unknown>;
  parameters?: Record<string, unknown>;
  parameter_defaults?: Record<string, unknown>;
  [k: string]: unknown;
};

/** Later environments win, key by key, in the sections Heat merges (resource_registry, parameters, ...). */
export function mergeEnvironments(...envs: Env[]): Env {
  const out: Env = {};
  for (const env of envs) {
    for (const [k, v] of Object.entries(env ?? {})) {
      if (v && typeof v === 'object' && !Array.isArray(v) && out[k] && typeof out[k] === 'object') {
        out[k] = { ...(out[k] as object), ...(v as object) };
      } else {
        out[k] = v;
      }
    }
  }
  return out;
}

export async function loadEnvironments(files: string[] = []): Promise<Env[]> {
  return Promise.all(files.map(async (f) => parseYaml(await readText(f, 'environment file'), f) as Env));
}

/** Relative provider-template types and get_file paths used by a template (recursively, into `files`). */
async function collectFiles(text: string, dir: string, files: Record<string, string>, seen: Set<string>): Promise<void> {
  const doc = parseYaml(text, dir);
  const wanted = new Set<string>();
  const walk = (v: unknown, key?: string) => {
    if (typeof v === 'string') {
      if ((key === 'type' && /\.(ya?ml|template)$/.test(v)) || key === 'get_file') {
        if (!/^[a-z]+:\/\//.test(v) && !isAbsolute(v)) wanted.add(v);
      }
      return;
    }
    if (Array.isArray(v)) return v.forEach((x) => walk(x));
    if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(doc.resources);
  for (const rel of wanted) {
    if (seen.has(rel)) continue;
    seen.add(rel);
    const text2 = await readText(resolve(dir, rel), 'template file');
    files[rel] = text2;
    if (/\.(ya?ml|template)$/.test(rel)) await collectFiles(text2, dirname(resolve(dir, rel)), files, seen);
  }
}

/** `--template FILE`: the escape hatch for a hand-written or previously generated template. */
export async function loadTemplateInput(opts: {
  template: string;
  environmentFiles?: string[];
  parameters?: string[];
}): Promise<StackInput> {
  const text = await readText(opts.template, 'template');
  parseYaml(text, opts.template);
  const files: Record<string, string> = {};
  await collectFiles(text, dirname(resolve(opts.template)), files, new Set());
  return {
    template: text,
    files,
    environment: mergeEnvironments(...(await loadEnvironments(opts.environmentFiles))),
    parameters: parseParameters(opts.parameters),
  };
}

/** A synthesized stack (src/templates) plus extra `-e` environments and `--parameter` values. */
export async function synthInput(
  synth: { template: object; childFiles: Record<string, string>; environment: object; parameters?: Record<string, unknown> },
  opts: { environmentFiles?: string[]; parameters?: string[] },
): Promise<StackInput> {
  return {
    template: synth.template,
    files: { ...synth.childFiles },
    environment: mergeEnvironments(synth.environment as Env, ...(await loadEnvironments(opts.environmentFiles))),
    parameters: { ...(synth.parameters ?? {}), ...parseParameters(opts.parameters) },
  };
}
