// Offline checks of a generated template set (or any HOT main template + env.yaml + member templates):
// HOT structure, references, provider/member wiring, alarm units and metadata tie-in, world-open ports, and who
// may write (API key, result secret, /metrics on the internal listener only: access.ts).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { load } from 'js-yaml';
import { UsageError } from '../lib/errors.js';
import { checkAccess } from './access.js';
import { checkAlarms, checkMemberMetadata } from './alarms.js';
import { checkHot } from './hot-schema.js';
import { checkPorts } from './ports.js';
import { checkProviders, checkReferences } from './references.js';
import { checkRolling } from './rolling.js';
import { checkStateful } from './stateful.js';
import type { Doc, Finding, TemplateSet } from './types.js';
import { isObj } from './walk.js';

export type { Finding, Severity, TemplateSet, Doc } from './types.js';
export { SENSITIVE_PORTS } from './ports.js';

export function validateSet(set: TemplateSet): Finding[] {
  const findings: Finding[] = [];
  for (const [file, t] of Object.entries(set.templates)) {
    findings.push(
      ...checkHot(file, t),
      ...checkReferences(file, t),
      ...checkAlarms(file, t),
      ...checkPorts(file, t),
      ...checkStateful(file, t, file === set.main),
    );
    if (file !== set.main) findings.push(...checkMemberMetadata(file, t));
  }
  findings.push(...checkRolling(set));
  findings.push(...checkProviders(set), ...checkAccess(set));
  const rank = (s: Finding['severity']) => (s === 'error' ? 0 : 1);
  return findings.sort(
    (a, b) => rank(a.severity) - rank(b.severity) || a.file.localeCompare(b.file) || a.path.localeCompare(b.path),
  );
}

async function readYaml(file: string): Promise<Doc> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(
      `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      'run `faafo-stack generate` first or give the right directory',
    );
  }
  let doc: unknown;
  try {
    doc = load(text);
  } catch (e) {
    throw new UsageError(`${file} is not valid YAML: ${(e as Error).message.split('\n')[0]}`, 'fix or regenerate it');
  }
  if (!isObj(doc)) throw new UsageError(`${file} is not a YAML mapping`, 'fix or regenerate it');
  return doc;
}

export interface LoadedSet extends TemplateSet {
  dir: string;
  /** File texts as read (what --remote sends). */
  texts: Record<string, string>;
}

/** Reads DIR/faafo-stack.yaml, DIR/env.yaml (when present) and every template the registry or a type names. */
export async function loadDir(dir: string, main = 'faafo-stack.yaml'): Promise<LoadedSet> {
  const mainPath = path.join(dir, main);
  if (!existsSync(mainPath))
    throw new UsageError(
      `${mainPath} not found`,
      'run `faafo-stack generate --out DIR` first, or pass the directory holding faafo-stack.yaml',
    );
  const texts: Record<string, string> = {};
  const templates: Record<string, Doc> = {};
  const envPath = path.join(dir, 'env.yaml');
  const environment = existsSync(envPath) ? await readYaml(envPath) : undefined;
  const queue = [main];
  const registry = isObj(environment?.resource_registry)
    ? (environment!.resource_registry as Record<string, unknown>)
    : {};
  for (const v of Object.values(registry)) if (typeof v === 'string' && /\.ya?ml$/.test(v)) queue.push(v);
  while (queue.length) {
    const f = queue.shift()!;
    if (f in templates) continue;
    const full = path.join(dir, f);
    if (!existsSync(full)) continue; // reported by checkProviders
    texts[f] = await readFile(full, 'utf8');
    templates[f] = await readYaml(full);
    const res = isObj(templates[f].resources) ? templates[f].resources : {};
    for (const r of Object.values(res as Record<string, unknown>)) {
      const s = JSON.stringify(r);
      for (const m of s.matchAll(/"type":"([^"]+\.ya?ml)"/g)) queue.push(m[1]);
    }
  }
  return { dir, main, templates, environment, texts };
}

export function formatFinding(f: Finding): string {
  return `${f.severity}: ${f.file}: ${f.path}: ${f.message} [${f.code}]`;
}
