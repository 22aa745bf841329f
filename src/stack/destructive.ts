// Changes that lose data or capacity, found from the templates themselves: Heat's preview cannot show them where
// servers are mapped to OS::Heat::None (whose update never replaces), and never shows a group shrinking.
//  - a standalone OS::Nova::Server (not a group member: it holds state, e.g. the database) replaced or rebuilt:
//    a property Nova cannot change in place changes, user_data under user_data_update_policy REPLACE (Heat's
//    default), image under image_update_policy REBUILD/REPLACE (both wipe the root disk);
//  - an autoscaling group updated while its desired capacity (or max) is below its current size: Heat resizes the
//    group to desired_capacity on every update of it, deleting members;
//  - resources deleted inside nested stacks (Heat's preview lists them with a parent_resource);
//  - an autoscaling group of servers whose members all change at once (no rolling_updates): the tier's servers are
//    replaced together (memberReplacements; with rolling_updates the diff names the rolling replacement instead).
import { references } from './diff.js';
import type { Tpl } from './tpl.js';

export interface Destructive {
  resource: string;
  kind: 'replace-server' | 'rebuild-server' | 'shrink' | 'nested-delete' | 'replace-members';
  detail: string;
}

/** Server properties Nova cannot update in place (Heat replaces the server when they change). */
const REPLACING = [
  'key_name',
  'availability_zone',
  'block_device_mapping',
  'block_device_mapping_v2',
  'config_drive',
  'scheduler_hints',
  'user_data_format',
  'admin_user',
  'reservation_id',
  'diskConfig',
];

type Res = { type?: string; properties?: Record<string, unknown> };

export interface ChangeContext {
  oldT: Tpl;
  newT: Tpl;
  /** Parameters whose effective value changes. */
  changedParams: Set<string>;
  /** Resources that really change (diff.ts realChanges + propagate), or undefined when unknown (then: all). */
  changed?: Set<string>;
}

const canon = (v: unknown) => JSON.stringify(sortKeys(v));
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  }
  return v;
}

/** Does the resolved value of this property change (its text, a parameter it reads, a resource it reads)? */
function propertyChanges(ctx: ChangeContext, oldV: unknown, newV: unknown): boolean {
  if (canon(oldV) !== canon(newV)) return true;
  const r = references(newV);
  if ([...r.params].some((p) => ctx.changedParams.has(p))) return true;
  const changed = (name: string) => (ctx.changed ? ctx.changed.has(name) : true);
  return [...r.ids, ...r.attrs].some(changed);
}

export function serverReplacements(ctx: ChangeContext): Destructive[] {
  const out: Destructive[] = [];
  const oldR = (ctx.oldT.resources ?? {}) as Record<string, Res>;
  for (const [name, def] of Object.entries((ctx.newT.resources ?? {}) as Record<string, Res>)) {
    const was = oldR[name];
    if (def?.type !== 'OS::Nova::Server' || was?.type !== 'OS::Nova::Server') continue;
    const np = def.properties ?? {};
    const op = was.properties ?? {};
    const changes = (p: string) => propertyChanges(ctx, op[p], np[p]);
    const why = REPLACING.filter(changes);
    const userData = String(np.user_data_update_policy ?? 'REPLACE').toUpperCase();
    if (userData === 'REPLACE' && changes('user_data')) why.push('user_data (user_data_update_policy REPLACE)');
    const image = String(np.image_update_policy ?? 'REBUILD').toUpperCase();
    if (why.length) {
      out.push({ resource: name, kind: 'replace-server', detail: `replaces server ${name} (its disk and data are lost): ${why.join(', ')} change(s)` });
    } else if (changes('image')) {
      const how = image === 'REPLACE' ? 'replaces' : 'rebuilds';
      out.push({
        resource: name,
        kind: image === 'REPLACE' ? 'replace-server' : 'rebuild-server',
        detail: `${how} server ${name} (its root disk and data are lost): image changes (image_update_policy ${image})`,
      });
    }
  }
  return out;
}

export interface GroupSize {
  group: string;
  current: number | null;
  /** Effective desired_capacity / max_size after the update (undefined: not set). */
  desired?: number;
  max?: number;
}

/** Groups the update touches that would end smaller than they are now. */
export function groupShrinks(sizes: GroupSize[], updated: Set<string>): Destructive[] {
  const out: Destructive[] = [];
  for (const g of sizes) {
    if (g.current === null || !updated.has(g.group)) continue;
    let target = g.desired !== undefined && Number.isFinite(g.desired) ? g.desired : g.current;
    if (g.max !== undefined && Number.isFinite(g.max)) target = Math.min(target, g.max);
    if (target < g.current) {
      out.push({
        resource: g.group,
        kind: 'shrink',
        detail: `shrinks ${g.group} from ${g.current} to ${target} (deletes ${g.current - target} member(s))`,
      });
    }
  }
  return out;
}

/** An autoscaling group of servers whose members the update changes (issue 10 item 6). */
export interface MemberReplacement {
  group: string;
  /** Members now (null: unknown). */
  current: number | null;
  /** rolling_updates set: one batch at a time, each healthy (where the member has a re-armed wait) before the next. */
  rolling: boolean;
  detail: string;
}

type Files = Record<string, string> | undefined;

/** The member template's text (registry entry or file name), or 'server' for a bare OS::Nova::Server member. */
function memberText(type: unknown, files: Files, registry: Record<string, unknown>): string | undefined {
  if (type === 'OS::Nova::Server') return 'server';
  if (typeof type !== 'string') return undefined;
  const target = typeof registry[type] === 'string' ? String(registry[type]) : type;
  return files?.[target];
}

/**
 * Groups whose member definition (its properties, the parameters and resources they read) or member template
 * changes: Heat updates every member, and a member server whose user data changes is replaced. Without
 * rolling_updates all at once (the tier's capacity is gone meanwhile: `destructive`); with it, one batch at a time.
 */
export function memberReplacements(
  ctx: ChangeContext,
  files: { old: Files; new: Files; registry: Record<string, unknown> },
  sizes: Map<string, number | null>,
): MemberReplacement[] {
  const out: MemberReplacement[] = [];
  const oldR = (ctx.oldT.resources ?? {}) as Record<string, Res>;
  for (const [name, def] of Object.entries((ctx.newT.resources ?? {}) as Record<string, Res>)) {
    const was = oldR[name];
    if (def?.type !== 'OS::Heat::AutoScalingGroup' || was?.type !== 'OS::Heat::AutoScalingGroup') continue;
    const np = def.properties ?? {};
    const op = was.properties ?? {};
    const nm = (np.resource ?? {}) as { type?: unknown; properties?: Record<string, unknown> };
    const om = (op.resource ?? {}) as { type?: unknown; properties?: Record<string, unknown> };
    const text = memberText(nm.type, files.new, files.registry);
    if (text === undefined || !(text === 'server' || /\bOS::Nova::Server\b/.test(text))) continue;
    const why: string[] = [];
    if (canon(nm.type) !== canon(om.type)) why.push('its member type');
    const keys = new Set([...Object.keys(nm.properties ?? {}), ...Object.keys(om.properties ?? {})]);
    const props = [...keys].filter((k) => propertyChanges(ctx, om.properties?.[k], nm.properties?.[k])).sort();
    if (props.length) why.push(`member properties ${props.join(', ')}`);
    if (text !== 'server') {
      const oldText = memberText(om.type, files.old, files.registry);
      if (oldText !== undefined && oldText !== text) why.push('its member template');
    }
    if (!why.length) continue;
    const current = sizes.get(name) ?? null;
    const n = current === null ? 'its' : `its ${current}`;
    const ru = np.rolling_updates as { max_batch_size?: unknown; min_in_service?: unknown } | undefined;
    const rolling = !!ru && typeof ru === 'object';
    const how = rolling
      ? `one batch at a time (rolling_updates max_batch_size ${String(ru.max_batch_size ?? 1)}, min_in_service ${String(ru.min_in_service ?? 0)})`
      : 'all at once (no rolling_updates: the tier stops serving meanwhile)';
    out.push({
      group: name,
      current,
      rolling,
      detail: `updates ${n} member(s) of ${name} (servers whose user data changes are replaced) ${how}: ${why.join('; ')} change(s)`,
    });
  }
  return out;
}
