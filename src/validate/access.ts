// Who may write, and what is public (issue 15): a template must not expose writes or /metrics to the internet.
// - an API server (`faafo api` / `faafo serve` in its boot script) needs an API key for creates and deletes
//   (FAAFO_API_KEY), unless its operator opted in to anonymous writes (FAAFO_ANONYMOUS_WRITES);
// - a separate `faafo api` needs the workers' result secret (FAAFO_RESULT_SECRET) or an explicit legacy-worker
//   setting (FAAFO_LEGACY_WORKERS), or anyone can overwrite results; legacy workers from anywhere is a warning;
// - /metrics belongs on the internal listener (FAAFO_INTERNAL_PORT), which no security group rule opens to the
//   world and no load balancer listener or pool member forwards.
import type { Doc, Finding, TemplateSet } from './types.js';
import { isObj } from './walk.js';

/** The generated templates' internal listener (src/templates/security.ts PORTS.internal). */
export const DEFAULT_INTERNAL_PORT = 8801;

type Role = 'api' | 'serve';

/** The boot script text of a server's user_data (plain, or the template of a str_replace). */
function scriptOf(props: Record<string, unknown>): string | undefined {
  const ud = props.user_data;
  if (typeof ud === 'string') return ud;
  if (isObj(ud) && isObj(ud.str_replace) && typeof ud.str_replace.template === 'string') return ud.str_replace.template;
  return undefined;
}

function roleOf(script: string): Role | undefined {
  const m = /(?:\$ENTRY|\$\{ENTRY\}|\bfaafo(?:\.m?js)?)\s+(api|serve)\b/.exec(script);
  return m ? (m[1] as Role) : undefined;
}

/** VALUE of a `NAME=VALUE` line of the script (an environment file or unit); '' when set empty; undefined when absent. */
function envValue(script: string, name: string): string | undefined {
  const m = new RegExp(`^\\s*(?:export\\s+|Environment=)?"?${name}=["']?([^"'\\s]*)`, 'm').exec(script);
  return m ? m[1] : undefined;
}

const given = (v: string | undefined) => v !== undefined && v !== '';

interface Rule {
  props: Record<string, unknown>;
  path: string;
}

function ingressRules(resources: Record<string, unknown>): Rule[] {
  const out: Rule[] = [];
  for (const [name, r] of Object.entries(resources)) {
    if (!isObj(r)) continue;
    const props = isObj(r.properties) ? r.properties : {};
    if (r.type === 'OS::Neutron::SecurityGroup' && Array.isArray(props.rules)) {
      props.rules.forEach((x, i) => {
        if (isObj(x)) out.push({ props: x, path: `resources.${name}.properties.rules[${i}]` });
      });
    }
    if (r.type === 'OS::Neutron::SecurityGroupRule') out.push({ props, path: `resources.${name}.properties` });
  }
  return out.filter((r) => (r.props.direction ?? 'ingress') === 'ingress');
}

function portRange(rule: Record<string, unknown>): [number, number] {
  const n = (v: unknown, d: number) => (v === undefined ? d : Number(v));
  const lo = n(rule.port_range_min, 1);
  const hi = rule.port_range_max === undefined ? (rule.port_range_min === undefined ? 65535 : lo) : Number(rule.port_range_max);
  return [lo, hi];
}

/** Whether a rule admits anyone: no remote group and a world-wide (or no) address range. */
function worldOpen(rule: Record<string, unknown>, params: Record<string, unknown>): string | undefined {
  // remote_group_id in a SecurityGroup's rules, remote_group in an OS::Neutron::SecurityGroupRule
  if (rule.remote_mode === 'remote_group_id' || rule.remote_group_id !== undefined || rule.remote_group !== undefined)
    return undefined;
  let cidr: unknown = rule.remote_ip_prefix;
  if (isObj(cidr) && typeof cidr.get_param === 'string') {
    const p = params[cidr.get_param];
    cidr = isObj(p) && typeof p.default === 'string' ? p.default : undefined;
    if (cidr === undefined) return `a parameter without a default (${String((rule.remote_ip_prefix as Doc).get_param)})`;
  }
  if (cidr === undefined) return 'anyone (no remote)';
  return typeof cidr === 'string' && /^(0\.0\.0\.0|::)\/0$/.test(cidr) ? cidr : undefined;
}

export function checkAccess(set: TemplateSet): Finding[] {
  const f: Finding[] = [];
  const internalPorts = new Set<number>([DEFAULT_INTERNAL_PORT]);
  const servers: { file: string; path: string; script: string; role: Role }[] = [];
  for (const [file, t] of Object.entries(set.templates)) {
    const resources = isObj(t.resources) ? t.resources : {};
    for (const [name, r] of Object.entries(resources)) {
      if (!isObj(r) || r.type !== 'OS::Nova::Server' || !isObj(r.properties)) continue;
      const script = scriptOf(r.properties);
      const role = script === undefined ? undefined : roleOf(script);
      if (!script || !role) continue;
      servers.push({ file, path: `resources.${name}.properties.user_data`, script, role });
      const port = Number(envValue(script, 'FAAFO_INTERNAL_PORT'));
      if (Number.isInteger(port) && port > 0) internalPorts.add(port);
    }
  }

  for (const s of servers) {
    const at = { file: s.file, path: s.path };
    if (!given(envValue(s.script, 'FAAFO_API_KEY')) && !given(envValue(s.script, 'FAAFO_ANONYMOUS_WRITES'))) {
      f.push({
        severity: 'error',
        code: 'access.open-writes',
        ...at,
        message: `faafo ${s.role} takes creates and deletes from anyone: give it FAAFO_API_KEY (an OS::Heat::RandomString), or opt in with FAAFO_ANONYMOUS_WRITES=allow`,
      });
    }
    if (s.role === 'api') {
      const legacy = envValue(s.script, 'FAAFO_LEGACY_WORKERS');
      if (!given(envValue(s.script, 'FAAFO_RESULT_SECRET')) && !given(legacy)) {
        f.push({
          severity: 'error',
          code: 'access.open-results',
          ...at,
          message:
            "faafo api takes result uploads from anyone: give it and its workers FAAFO_RESULT_SECRET (an OS::Heat::RandomString), or set FAAFO_LEGACY_WORKERS with FAAFO_LEGACY_WORKER_CIDRS",
        });
      } else if (legacy === 'allow' && !given(envValue(s.script, 'FAAFO_LEGACY_WORKER_CIDRS'))) {
        f.push({
          severity: 'warning',
          code: 'access.legacy-anywhere',
          ...at,
          message: 'legacy workers (no result secret) may upload from any address: set FAAFO_LEGACY_WORKER_CIDRS to the private subnet',
        });
      }
    }
    if (!given(envValue(s.script, 'FAAFO_INTERNAL_PORT'))) {
      f.push({
        severity: 'error',
        code: 'access.public-metrics',
        ...at,
        message: `faafo ${s.role} serves /metrics on its public port: set FAAFO_INTERNAL_PORT (the internal listener, open only to the stack's own servers)`,
      });
    }
  }

  const portList = [...internalPorts].sort((a, b) => a - b).join('/');
  for (const [file, t] of Object.entries(set.templates)) {
    const resources = isObj(t.resources) ? t.resources : {};
    const params = isObj(t.parameters) ? t.parameters : {};
    for (const rule of ingressRules(resources)) {
      const proto = rule.props.protocol === undefined ? 'any' : String(rule.props.protocol);
      if (!['tcp', 'any', '6'].includes(proto)) continue;
      const [lo, hi] = portRange(rule.props);
      const hit = [...internalPorts].filter((p) => p >= lo && p <= hi);
      if (!hit.length) continue;
      const who = worldOpen(rule.props, params);
      if (who === undefined) continue;
      f.push({
        severity: 'error',
        code: 'access.internal-world-open',
        file,
        path: rule.path,
        message: `the API's internal listener (${hit.join(', ')}: /metrics) is open to ${who}: open it only to the stack's own security groups (remote_group_id / remote_group)`,
      });
    }
    for (const [name, r] of Object.entries(resources)) {
      if (!isObj(r) || typeof r.type !== 'string' || !isObj(r.properties)) continue;
      if (!/^OS::(Octavia|Neutron::LBaaS)::(Listener|PoolMember)$/.test(r.type)) continue;
      const port = Number(r.properties.protocol_port);
      if (!internalPorts.has(port)) continue;
      f.push({
        severity: 'error',
        code: 'access.lb-internal',
        file,
        path: `resources.${name}.properties.protocol_port`,
        message: `the load balancer forwards the API's internal listener (${port}: /metrics; internal ports ${portList}): forward only the public port`,
      });
    }
  }
  return f;
}
