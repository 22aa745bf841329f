// Does an update open a security group wider? Compares the rules of OS::Neutron::SecurityGroup (`rules`) and
// OS::Neutron::SecurityGroupRule resources in the stack's current template with the new one: a new rule that
// no old rule of the same group covers (direction, ethertype, protocol, port range, remote prefix) widens it.
import type { Tpl } from './tpl.js';

export interface Widening {
  group: string;
  rule: string;
}

interface Rule {
  direction: string;
  ethertype: string;
  protocol: string | null;
  min: number;
  max: number;
  remote: string; // CIDR, or `group:<ref>`
}

/** `oldParams`: the stack's current parameter values; `newParams`: the values the update would use. */
export function securityGroupWidening(
  oldT: Tpl,
  newT: Tpl,
  oldParams: Record<string, unknown> = {},
  newParams: Record<string, unknown> = oldParams,
): Widening[] {
  const oldRules = rulesByGroup(oldT, oldParams);
  const newRules = rulesByGroup(newT, newParams);
  const out: Widening[] = [];
  for (const [group, rules] of newRules) {
    const before = oldRules.get(group) ?? [];
    for (const r of rules) {
      if (!before.some((o) => covers(o, r))) out.push({ group, rule: describe(r) });
    }
  }
  return out;
}

function rulesByGroup(t: Tpl, params: Record<string, unknown>): Map<string, Rule[]> {
  const map = new Map<string, Rule[]>();
  const add = (g: string, r: Rule) => map.set(g, [...(map.get(g) ?? []), r]);
  const conditions = ((t as { conditions?: Record<string, unknown> }).conditions ?? {}) as Record<string, unknown>;
  for (const [name, res] of Object.entries(t.resources ?? {})) {
    const def = res as { type?: string; properties?: Record<string, unknown>; condition?: unknown };
    // a rule that exists only under a condition (e.g. SSH only when ssh_cidr is given) counts only when it holds
    if (typeof def?.condition === 'string' && holds(conditions[def.condition], conditions, params) === false) continue;
    if (def?.type === 'OS::Neutron::SecurityGroup') {
      for (const raw of (def.properties?.rules as unknown[]) ?? []) add(name, toRule(raw, params));
    } else if (def?.type === 'OS::Neutron::SecurityGroupRule') {
      const sg = def.properties?.security_group as { get_resource?: string } | string | undefined;
      const g = typeof sg === 'object' && sg?.get_resource ? sg.get_resource : String(JSON.stringify(sg));
      add(g, toRule(def.properties, params));
    }
  }
  return map;
}

function resolve(v: unknown, params: Record<string, unknown>): unknown {
  if (v && typeof v === 'object' && 'get_param' in v) {
    const p = (v as { get_param: unknown }).get_param;
    return params[Array.isArray(p) ? String(p[0]) : String(p)] ?? JSON.stringify(v);
  }
  return v;
}

function toRule(raw: unknown, params: Record<string, unknown>): Rule {
  const r = (raw ?? {}) as Record<string, unknown>;
  const get = (k: string) => resolve(r[k], params);
  const protocol = get('protocol');
  const min = get('port_range_min');
  const max = get('port_range_max');
  const ethertype = String(get('ethertype') ?? 'IPv4');
  const remoteGroup = get('remote_group_id') ?? (get('remote_mode') === 'remote_group_id' ? 'self' : undefined);
  const prefix = get('remote_ip_prefix');
  return {
    direction: String(get('direction') ?? 'ingress'),
    ethertype,
    protocol: protocol === undefined || protocol === null || protocol === 'any' ? null : String(protocol),
    min: min === undefined || min === null ? 0 : Number(min),
    max: max === undefined || max === null ? 65535 : Number(max),
    remote: remoteGroup !== undefined ? `group:${JSON.stringify(remoteGroup)}` : String(prefix ?? (ethertype === 'IPv6' ? '::/0' : '0.0.0.0/0')),
  };
}

function covers(o: Rule, n: Rule): boolean {
  return (
    o.direction === n.direction &&
    o.ethertype === n.ethertype &&
    (o.protocol === null || o.protocol === n.protocol) &&
    o.min <= n.min &&
    o.max >= n.max &&
    cidrCovers(o.remote, n.remote)
  );
}

function cidrCovers(outer: string, inner: string): boolean {
  if (outer === inner) return true;
  const a = parseV4(outer);
  const b = parseV4(inner);
  if (!a || !b) return outer === '::/0' && inner.includes(':');
  if (a.bits > b.bits) return false;
  const mask = a.bits === 0 ? 0 : (~0 << (32 - a.bits)) >>> 0;
  return ((a.addr & mask) >>> 0) === ((b.addr & mask) >>> 0);
}

function parseV4(c: string): { addr: number; bits: number } | undefined {
  const m = c.match(/^(\d+)\.(\d+)\.(\d+)\.(\d+)(?:\/(\d+))?$/);
  if (!m) return undefined;
  const addr = ((+m[1] << 24) | (+m[2] << 16) | (+m[3] << 8) | +m[4]) >>> 0;
  return { addr, bits: m[5] === undefined ? 32 : +m[5] };
}

function describe(r: Rule): string {
  const ports = r.min === 0 && r.max === 65535 ? 'all ports' : r.min === r.max ? `port ${r.min}` : `ports ${r.min}-${r.max}`;
  return `${r.direction} ${r.protocol ?? 'any protocol'} ${ports} from ${r.remote}`;
}

/** A HOT condition with these parameter values: true/false, or undefined when it cannot be told here. */
export function holds(c: unknown, conditions: Record<string, unknown>, params: Record<string, unknown>): boolean | undefined {
  if (typeof c === 'boolean') return c;
  if (typeof c === 'string') return c in conditions ? holds(conditions[c], conditions, params) : undefined;
  if (!c || typeof c !== 'object') return undefined;
  const [fn, args] = Object.entries(c as Record<string, unknown>)[0] ?? [];
  const value = (v: unknown): unknown => {
    if (v && typeof v === 'object' && 'get_param' in v) {
      const p = (v as { get_param: unknown }).get_param;
      const raw = params[Array.isArray(p) ? String(p[0]) : String(p)];
      return raw === undefined ? undefined : String(raw);
    }
    return v === null || v === undefined ? v : String(v);
  };
  const list = Array.isArray(args) ? args : [];
  switch (fn) {
    case 'equals': {
      const [a, b] = list.map(value);
      return a === undefined || b === undefined ? undefined : a === b;
    }
    case 'not': {
      const v = holds(args, conditions, params);
      return v === undefined ? undefined : !v;
    }
    case 'and':
    case 'or': {
      const vs = list.map((x) => holds(x, conditions, params));
      if (vs.includes(undefined)) return undefined;
      return fn === 'and' ? vs.every(Boolean) : vs.some(Boolean);
    }
    default:
      return undefined;
  }
}
