// Security groups. Database and queue ports are open only to the app's own groups (remote_group_id), never
// to an address range; SSH only from ssh_cidr; HTTP to the API servers from anywhere (behind Octavia's OVN
// provider the client's own address arrives, not the load balancer's); the API's internal listener (/metrics) only
// from the stack's own groups.
import type { StackConfig } from '../config/types.js';
import { param, ref, type Part, type Value } from './hot.js';

/** internal: the API's second listener (FAAFO_INTERNAL_PORT): /metrics for the stack's own servers only. */
export const PORTS = { http: 80, internal: 8801, postgresql: 5432, amqp: 5672 } as const;

const tcp = (port: number, from: Record<string, Value>): Record<string, Value> => ({
  direction: 'ingress',
  ethertype: 'IPv4',
  protocol: 'tcp',
  port_range_min: port,
  port_range_max: port,
  ...from,
});
const fromCidr = (cidr: Value) => ({ remote_mode: 'remote_ip_prefix', remote_ip_prefix: cidr });
const fromGroup = (group: string) => ({ remote_mode: 'remote_group_id', remote_group_id: ref(group) });

/**
 * SSH is closed unless ssh_cidr is given (issue 10: never open to the world by default, the database host
 * included): one OS::Neutron::SecurityGroupRule per group, created only when ssh_cidr is not empty.
 */
export const SSH_CONDITION = 'ssh_allowed';
const sshConditions = () => ({ [SSH_CONDITION]: { not: { equals: [param('ssh_cidr'), ''] } } });
function sshRules(groups: string[]): Part {
  const resources: NonNullable<Part['resources']> = {};
  for (const g of groups) {
    resources[`${g}_ssh`] = {
      type: 'OS::Neutron::SecurityGroupRule',
      condition: SSH_CONDITION,
      properties: { security_group: ref(g), ...tcp(22, fromCidr(param('ssh_cidr'))) },
    };
  }
  return { conditions: sshConditions(), resources };
}

export function securityPart(cfg: StackConfig): Part {
  const resources: Part['resources'] = {
    api_sg: {
      type: 'OS::Neutron::SecurityGroup',
      properties: {
        // HTTP from anywhere even behind the load balancer: Octavia's OVN provider keeps the client's address
        // (amphorae connect from the subnet); the servers have no public address of their own there.
        description: `faafo API servers: HTTP; the internal listener (${PORTS.internal}) only from the stack's own groups (SSH only from ssh_cidr, when given)`,
        rules: [tcp(PORTS.http, fromCidr('0.0.0.0/0'))],
      },
    },
    worker_sg: {
      type: 'OS::Neutron::SecurityGroup',
      properties: {
        description: 'faafo workers: nothing in (they connect out to the queue and the API; SSH only from ssh_cidr, when given)',
        rules: [],
      },
    },
  };
  const rules: Value[] = [];
  if (!cfg.database.external) rules.push(tcp(PORTS.postgresql, fromGroup('api_sg')));
  if (!cfg.queue.external) rules.push(tcp(PORTS.amqp, fromGroup('api_sg')), tcp(PORTS.amqp, fromGroup('worker_sg')));
  if (rules.length) {
    resources.services_sg = {
      type: 'OS::Neutron::SecurityGroup',
      properties: {
        description: 'faafo services: PostgreSQL from the API group, RabbitMQ from the API and worker groups',
        rules,
      },
    };
  }
  const ssh = sshRules(Object.keys(resources));
  return { conditions: ssh.conditions, resources: { ...resources, ...internalRules(Object.keys(resources)), ...ssh.resources } };
}

/**
 * The API's internal listener (PORTS.internal: /metrics) opens only to the stack's own security groups
 * (remote_group_id), never to an address range: the queue scaler on the services server reads it there. Separate
 * rule resources, since a group's own rules cannot name the group itself.
 */
function internalRules(groups: string[]): NonNullable<Part['resources']> {
  const resources: NonNullable<Part['resources']> = {};
  for (const g of groups) {
    resources[`api_internal_from_${g.replace(/_sg$/, '')}`] = {
      type: 'OS::Neutron::SecurityGroupRule',
      // OS::Neutron::SecurityGroupRule names the remote group `remote_group` (no remote_mode)
      properties: { security_group: ref('api_sg'), ...tcp(PORTS.internal, { remote_group: ref(g) }) },
    };
  }
  return resources;
}

/**
 * Who may write (issue 15): a per-stack result secret (API and worker servers; authenticates result uploads)
 * and an API key (API servers; creates and deletes need it unless anonymous_writes is allow). Both are
 * OS::Heat::RandomString values delivered through hidden parameters, never outputs: `create` shows the key once
 * and `outputs --show-secrets` reads it from the resource on a terminal.
 */
export const API_KEY_RESOURCE = 'api_key';
export const RESULT_SECRET_RESOURCE = 'result_secret';
const randomSecret = () => ({
  type: 'OS::Heat::RandomString',
  properties: { length: 40, character_classes: [{ class: 'lettersdigits', min: 1 }] },
});
export function writeAccessPart(cfg: StackConfig): Part {
  return {
    resources: {
      [API_KEY_RESOURCE]: randomSecret(),
      ...(cfg.topology === 'tiers' ? { [RESULT_SECRET_RESOURCE]: randomSecret() } : {}),
    },
  };
}

export function allInOneSecurityPart(): Part {
  const ssh = sshRules(['app_sg']);
  return {
    conditions: ssh.conditions,
    resources: {
      app_sg: {
        type: 'OS::Neutron::SecurityGroup',
        properties: {
          description: 'faafo all-in-one: HTTP (SSH only from ssh_cidr, when given)',
          rules: [tcp(PORTS.http, fromCidr('0.0.0.0/0'))],
        },
      },
      ...ssh.resources,
    },
  };
}
