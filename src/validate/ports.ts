// No database or queue port open to the world: a security group rule on such a port must name a remote group
// (or a narrow address range), never 0.0.0.0/0, ::/0 or nothing (Neutron's "from anywhere").
import type { Doc, Finding } from './types.js';
import { isObj } from './walk.js';

export const SENSITIVE_PORTS: Record<number, string> = {
  3306: 'MySQL/MariaDB',
  5432: 'PostgreSQL',
  5671: 'RabbitMQ (TLS)',
  5672: 'RabbitMQ',
  15672: 'RabbitMQ management',
  25672: 'RabbitMQ distribution',
  4369: 'Erlang epmd',
  6379: 'Redis',
  27017: 'MongoDB',
};

function cidrOf(v: unknown, params: Record<string, unknown>): string | undefined {
  if (typeof v === 'string') return v;
  if (isObj(v) && typeof v.get_param === 'string') {
    const p = params[v.get_param];
    return isObj(p) && typeof p.default === 'string' ? p.default : '(parameter without default)';
  }
  return undefined;
}

export function checkPorts(file: string, t: Doc): Finding[] {
  const f: Finding[] = [];
  const resources = (isObj(t.resources) ? t.resources : {}) as Record<string, Record<string, unknown>>;
  const params = (isObj(t.parameters) ? t.parameters : {}) as Record<string, unknown>;
  for (const [name, r] of Object.entries(resources)) {
    if (!isObj(r)) continue;
    const rules: [unknown, string][] = [];
    const props = isObj(r.properties) ? r.properties : {};
    if (r.type === 'OS::Neutron::SecurityGroup' && Array.isArray(props.rules))
      props.rules.forEach((x, i) => rules.push([x, `resources.${name}.properties.rules[${i}]`]));
    if (r.type === 'OS::Neutron::SecurityGroupRule') rules.push([props, `resources.${name}.properties`]);
    for (const [rule, path] of rules) {
      if (!isObj(rule)) continue;
      if ((rule.direction ?? 'ingress') !== 'ingress') continue;
      const proto = rule.protocol === undefined ? 'any' : String(rule.protocol);
      if (!['tcp', 'udp', 'any', '6', '17'].includes(proto)) continue;
      const lo =
        typeof rule.port_range_min === 'number'
          ? rule.port_range_min
          : rule.port_range_min === undefined
            ? 1
            : Number(rule.port_range_min);
      const hi =
        typeof rule.port_range_max === 'number'
          ? rule.port_range_max
          : rule.port_range_max === undefined
            ? rule.port_range_min === undefined
              ? 65535
              : lo
            : Number(rule.port_range_max);
      const exposed = Object.keys(SENSITIVE_PORTS)
        .map(Number)
        .filter((p) => p >= lo && p <= hi);
      if (exposed.length === 0) continue;
      const byGroup = rule.remote_mode === 'remote_group_id' || rule.remote_group_id !== undefined;
      if (byGroup) continue;
      const cidr = cidrOf(rule.remote_ip_prefix, params);
      if (cidr === undefined || /^(0\.0\.0\.0|::)\/0$/.test(cidr) || cidr === '(parameter without default)') {
        f.push({
          severity: 'error',
          code: 'port.world-open',
          file,
          path,
          message: `${exposed.map((p) => `${p} (${SENSITIVE_PORTS[p]})`).join(', ')} open to ${cidr ?? 'anyone (no remote)'}: allow only the app's security groups (remote_mode: remote_group_id)`,
        });
      }
    }
  }
  return f;
}
