// Security groups. Database and queue ports are open only to the app's own groups (remote_group_id), never
// to an address range; SSH only from ssh_cidr; HTTP to the API servers from the subnet (the load balancer's
// amphorae live there) or, without a load balancer, from anywhere.
import type { StackConfig } from '../config/types.js';
import { param, ref, type Part, type Value } from './hot.js';

export const PORTS = { http: 80, postgresql: 5432, amqp: 5672 } as const;

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
const ssh = () => tcp(22, fromCidr(param('ssh_cidr')));

export function securityPart(cfg: StackConfig): Part {
  const resources: Part['resources'] = {
    api_sg: {
      type: 'OS::Neutron::SecurityGroup',
      properties: {
        description: cfg.loadBalancer
          ? 'faafo API servers: HTTP from the subnet (load balancer), SSH'
          : 'faafo API servers: HTTP, SSH',
        rules: [ssh(), tcp(PORTS.http, fromCidr(cfg.loadBalancer ? param('network_cidr') : '0.0.0.0/0'))],
      },
    },
    worker_sg: {
      type: 'OS::Neutron::SecurityGroup',
      properties: {
        description: 'faafo workers: SSH only (they connect out to the queue and the API)',
        rules: [ssh()],
      },
    },
  };
  const rules: Value[] = [ssh()];
  if (!cfg.database.external) rules.push(tcp(PORTS.postgresql, fromGroup('api_sg')));
  if (!cfg.queue.external) rules.push(tcp(PORTS.amqp, fromGroup('api_sg')), tcp(PORTS.amqp, fromGroup('worker_sg')));
  if (rules.length > 1) {
    resources.services_sg = {
      type: 'OS::Neutron::SecurityGroup',
      properties: {
        description: 'faafo services: PostgreSQL from the API group, RabbitMQ from the API and worker groups',
        rules,
      },
    };
  }
  return { resources };
}

export function allInOneSecurityPart(): Part {
  return {
    resources: {
      app_sg: {
        type: 'OS::Neutron::SecurityGroup',
        properties: {
          description: 'faafo all-in-one: HTTP, SSH',
          rules: [ssh(), tcp(PORTS.http, fromCidr('0.0.0.0/0'))],
        },
      },
    },
  };
}
