// What an update would change, from Heat's update preview (PATCH .../preview, as `update` sends PATCH), printed `[+] [-] [~]` with the
// resources Heat would replace. Heat's preview re-resolves `get_resource`/`get_attr` in a scratch stack, so a
// resource that merely references another (an OS::Heat::ScalingPolicy's group, a WaitCondition's handle) is
// reported "replaced" even when nothing changed, and a nested stack (autoscaling group) is always "updated".
// Those are filtered out when their definition, the parameters and files they use, and everything they
// reference are unchanged (comparing with the stack's stored template); they are listed as `ignored`.
import { parseTemplate, type Tpl } from './tpl.js';
import { securityGroupWidening, type Widening } from './security-groups.js';
import { HeatClient, type HeatStack, type PreviewResource, type StackInput } from '../openstack/heat.js';
import { groupShrinks, memberReplacements, serverReplacements, type Destructive, type MemberReplacement } from './destructive.js';
import { findTiers, groupSize } from './tiers.js';

export type ChangeAction = 'add' | 'delete' | 'update' | 'replace';

/** The stable `--json` shape of one change. */
export interface ResourceChange {
  resource: string;
  type: string;
  action: ChangeAction;
}
export interface ParameterChange {
  name: string;
  from: string | null;
  to: string | null;
}
export interface StackDiff {
  stack: string;
  changes: ResourceChange[];
  parameters: ParameterChange[];
  /** Listed by Heat's preview but unchanged (see the module comment). */
  ignored: ResourceChange[];
  unchanged: number;
  /** Security group rules the update adds that no current rule covers. */
  widening: Widening[];
  /**
   * Changes that lose data or capacity (a standalone server replaced or rebuilt, a group shrinking, nested deletes,
   * a group of servers whose members are all replaced at once).
   */
  destructive: Destructive[];
  /** Autoscaling groups of servers whose members the update changes (replaced one batch at a time, or all at once). */
  members?: MemberReplacement[];
}

export async function computeDiff(heat: HeatClient, stack: HeatStack, input: StackInput): Promise<StackDiff> {
  const [preview, oldTemplate, oldFiles, oldEnv] = await Promise.all([
    heat.previewUpdate(stack, { ...input, existing: true }),
    heat.template(stack),
    heat.files(stack).catch(() => undefined),
    heat.environment(stack).catch(() => undefined),
  ]);
  const newT = parseTemplate(input.template);
  const params = parameterChanges(newT, input, stack.parameters ?? {});
  const real = realChanges({
    oldT: oldTemplate as Tpl,
    newT,
    oldFiles,
    newFiles: input.files,
    oldEnv,
    newEnv: input.environment as Record<string, unknown>,
    changedParams: new Set(params.map((p) => p.name)),
  });
  const top = (r: PreviewResource) => !r.parent_resource;
  const heatAction = new Map<string, ChangeAction>();
  for (const r of preview.added.filter(top)) heatAction.set(r.resource_name, 'add');
  for (const r of preview.deleted.filter(top)) heatAction.set(r.resource_name, 'delete');
  for (const r of preview.updated.filter(top)) heatAction.set(r.resource_name, 'update');
  for (const r of preview.replaced.filter(top)) heatAction.set(r.resource_name, 'replace');
  const realSet = real && propagate(newT, real, heatAction);
  const one = (r: PreviewResource, action: ChangeAction): ResourceChange => ({
    resource: r.resource_name,
    type: r.resource_type,
    action,
  });
  const changes: ResourceChange[] = [];
  const ignored: ResourceChange[] = [];
  for (const r of preview.added.filter(top)) changes.push(one(r, 'add'));
  for (const r of preview.deleted.filter(top)) changes.push(one(r, 'delete'));
  for (const [list, action] of [
    [preview.updated, 'update'],
    [preview.replaced, 'replace'],
  ] as const) {
    for (const r of list.filter(top)) {
      (realSet === undefined || realSet.has(r.resource_name) ? changes : ignored).push(one(r, action));
    }
  }
  const effective = effectiveParameters(stack, input);
  const hiddenGiven = Object.entries(newT.parameters ?? {})
    .filter(([n, d]) => d?.hidden && n in input.parameters)
    .map(([n]) => n);
  const ctx = {
    oldT: oldTemplate as Tpl,
    newT,
    changedParams: new Set([...params.map((p) => p.name), ...hiddenGiven]),
    changed: realSet,
  };
  const destructive = serverReplacements(ctx);
  // Heat's preview never says a server is replaced where servers are OS::Heat::None: say it from the template.
  for (const d of destructive) {
    const c = changes.find((x) => x.resource === d.resource);
    if (c) c.action = 'replace';
    else changes.push({ resource: d.resource, type: 'OS::Nova::Server', action: 'replace' });
    const i = ignored.findIndex((x) => x.resource === d.resource);
    if (i >= 0) ignored.splice(i, 1);
  }
  const touched = new Set(changes.filter((c) => c.action !== 'add').map((c) => c.resource));
  const sizes = await Promise.all(
    findTiers(newT, effective).map(async (t) => {
      const def = (newT.resources?.[t.group] ?? {}) as { properties?: Record<string, unknown> };
      const desired = numberOf(def.properties?.desired_capacity, effective);
      return { group: t.group, current: await groupSize(heat, stack, t.group), desired, max: t.max };
    }),
  );
  destructive.push(...groupShrinks(sizes, touched));
  const members = memberReplacements(
    ctx,
    {
      old: oldFiles as Record<string, string> | undefined,
      new: { ...((oldFiles as Record<string, string> | undefined) ?? {}), ...(input.files ?? {}) },
      registry: {
        ...(((oldEnv as { resource_registry?: Record<string, unknown> } | undefined)?.resource_registry) ?? {}),
        ...(((input.environment as { resource_registry?: Record<string, unknown> } | undefined)?.resource_registry) ?? {}),
      },
    },
    new Map(sizes.map((g) => [g.group, g.current])),
  );
  for (const m of members.filter((x) => !x.rolling)) {
    destructive.push({ resource: m.group, kind: 'replace-members', detail: m.detail.replace(/^updates/, 'replaces') });
  }
  for (const r of preview.deleted.filter((x) => x.parent_resource)) {
    destructive.push({ resource: r.resource_name, kind: 'nested-delete', detail: `deletes ${r.resource_name} inside ${r.parent_resource}` });
  }
  const order: Record<ChangeAction, number> = { add: 0, delete: 1, replace: 2, update: 3 };
  const sort = (a: ResourceChange, b: ResourceChange) =>
    order[a.action] - order[b.action] || a.resource.localeCompare(b.resource);
  return {
    stack: stack.name,
    changes: changes.sort(sort),
    parameters: params,
    ignored: ignored.sort(sort),
    unchanged: preview.unchanged.filter(top).length,
    widening: securityGroupWidening(oldTemplate as Tpl, newT, stack.parameters ?? {}, {
      ...(stack.parameters ?? {}),
      ...((input.environment as { parameters?: Record<string, unknown> })?.parameters ?? {}),
      ...input.parameters,
    }),
    destructive,
    members,
  };
}

/** Parameter values after the update (PATCH: current, then -e parameters, then --parameter), as strings. */
function effectiveParameters(stack: HeatStack, input: StackInput): Record<string, string> {
  const env = (input.environment as { parameters?: Record<string, unknown> })?.parameters ?? {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...(stack.parameters ?? {}), ...env, ...input.parameters })) out[k] = String(v);
  return out;
}

function numberOf(v: unknown, params: Record<string, string>): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') return Number(v);
  if (v && typeof v === 'object' && 'get_param' in v) {
    const p = (v as { get_param: unknown }).get_param;
    const raw = params[Array.isArray(p) ? String(p[0]) : String(p)];
    return raw === undefined ? undefined : Number(raw);
  }
  return undefined;
}

export function hasChanges(d: StackDiff): boolean {
  return d.changes.length > 0 || d.parameters.length > 0 || d.destructive.length > 0;
}

export function formatDiff(d: StackDiff): string[] {
  if (!hasChanges(d)) return [`Stack ${d.stack}: no changes`];
  const sign: Record<ChangeAction, string> = { add: '[+]', delete: '[-]', update: '[~]', replace: '[~]' };
  const lines = [`Stack ${d.stack}: ${d.changes.length} resource change(s)`];
  for (const p of d.parameters) lines.push(`[~] parameter ${p.name}: ${p.from ?? '(none)'} -> ${p.to ?? '(none)'}`);
  for (const c of d.changes) {
    lines.push(`${sign[c.action]} ${c.resource} (${c.type})${c.action === 'replace' ? '  ** REPLACED **' : ''}`);
  }
  for (const w of d.widening) lines.push(`[!] security group ${w.group} opens: ${w.rule}`);
  for (const x of d.destructive) lines.push(`[!] ${x.detail}`);
  for (const m of (d.members ?? []).filter((x) => x.rolling)) lines.push(`[~] ${m.detail}`);
  if (d.ignored.length) {
    lines.push(
      `    (not changed, though Heat's preview lists them as it re-resolves references: ${d.ignored.map((c) => c.resource).join(', ')})`,
    );
  }
  return lines;
}

/** Parameters whose effective value would change. Hidden ones are skipped: Heat only shows them masked. */
function parameterChanges(newT: Tpl, input: StackInput, current: Record<string, string>): ParameterChange[] {
  const env = input.environment as { parameters?: Record<string, unknown>; parameter_defaults?: Record<string, unknown> };
  const out: ParameterChange[] = [];
  for (const [name, def] of Object.entries(newT.parameters ?? {})) {
    if (def?.hidden) continue;
    // PATCH semantics: a parameter not given keeps its current value.
    const from = current[name] ?? null;
    const v = input.parameters[name] ?? env?.parameters?.[name] ?? env?.parameter_defaults?.[name] ?? from ?? def?.default ?? null;
    const to = v === null ? null : typeof v === 'object' ? JSON.stringify(v) : String(v);
    if (from === to || (from !== null && to !== null && sameJson(from, to))) continue;
    out.push({ name, from, to });
  }
  return out;
}

function sameJson(a: string, b: string): boolean {
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return false;
  }
}

/**
 * Top-level resources whose own definition, parameters or files change (before `propagate`), or undefined when
 * that cannot be told (the environment's registry changes: then Heat's preview is taken as is).
 */
export function realChanges(a: {
  oldT: Tpl;
  newT: Tpl;
  oldFiles?: Record<string, string>;
  newFiles: Record<string, string>;
  oldEnv?: Record<string, unknown>;
  newEnv: Record<string, unknown>;
  changedParams: Set<string>;
}): Set<string> | undefined {
  if (!a.oldEnv || !a.oldFiles) return undefined;
  // PATCH merges the new environment and files into the stack's current ones.
  const oldReg = (a.oldEnv.resource_registry ?? {}) as Record<string, unknown>;
  const newReg = { ...oldReg, ...((a.newEnv?.resource_registry ?? {}) as Record<string, unknown>) };
  if (!sameRegistry(oldReg, newReg)) return undefined;
  const changedFiles = new Set(Object.keys(a.newFiles).filter((f) => a.oldFiles![f] !== a.newFiles[f]));
  const oldR = a.oldT.resources ?? {};
  const newR = a.newT.resources ?? {};
  const changed = new Set<string>();
  for (const [name, def] of Object.entries(newR)) {
    const refs = references(def);
    if (
      !(name in oldR) ||
      JSON.stringify(canonical(oldR[name])) !== JSON.stringify(canonical(def)) ||
      [...refs.params].some((p) => a.changedParams.has(p)) ||
      [...refs.strings].some((s) => changedFiles.has(s))
    ) {
      changed.add(name);
    }
  }
  for (const name of Object.keys(oldR)) if (!(name in newR)) changed.add(name);
  return changed;
}

/**
 * Resources that change because something they reference really changes: a new id (replaced or added resource)
 * changes every `get_resource`/`get_attr` of it, an in-place update only its attributes (`get_attr`).
 */
export function propagate(newT: Tpl, real: Set<string>, heatAction: Map<string, ChangeAction>): Set<string> {
  const out = new Set(real);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [name, def] of Object.entries(newT.resources ?? {})) {
      if (out.has(name)) continue;
      const refs = references(def);
      const newId = (r: string) => out.has(r) && heatAction.get(r) !== 'update';
      if ([...refs.ids].some(newId) || [...refs.attrs].some((r) => out.has(r))) {
        out.add(name);
        grew = true;
      }
    }
  }
  return out;
}

/** Equal registries; Heat stores the concrete types a wildcard (`OS::Octavia::*`) resolved to: ignore those. */
function sameRegistry(a: unknown, b: unknown): boolean {
  const norm = (r: unknown) => {
    const o = { ...((r as Record<string, unknown>) ?? {}) };
    if (o.resources && Object.keys(o.resources as object).length === 0) delete o.resources;
    const wild = Object.keys(o).filter((k) => k.endsWith('*'));
    for (const k of Object.keys(o)) {
      if (!k.endsWith('*') && wild.some((w) => k.startsWith(w.slice(0, -1)) && o[w] === o[k])) delete o[k];
    }
    return JSON.stringify(canonical(o));
  };
  return norm(a) === norm(b);
}

/** get_param names, resources referenced by id (get_resource) and by attribute (get_attr), every string (file names). */
export function references(def: unknown): { params: Set<string>; ids: Set<string>; attrs: Set<string>; strings: Set<string> } {
  const out = { params: new Set<string>(), ids: new Set<string>(), attrs: new Set<string>(), strings: new Set<string>() };
  const walk = (v: unknown, key?: string) => {
    if (typeof v === 'string') {
      out.strings.add(v);
      if (key === 'get_param') out.params.add(v);
      if (key === 'get_resource') out.ids.add(v);
      return;
    }
    if (Array.isArray(v)) {
      if (key === 'get_param' && typeof v[0] === 'string') out.params.add(v[0]);
      if (key === 'get_attr' && typeof v[0] === 'string') out.attrs.add(v[0]);
      v.forEach((x) => walk(x));
      return;
    }
    if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(def);
  return out;
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}
