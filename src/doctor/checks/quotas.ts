// The project's free quota covers the stack at its maximum sizes: instances, cores and RAM (Nova /limits),
// floating IPs (Neutron quota details), load balancers (Octavia quota + the project's load balancers).
// -1 means unlimited everywhere.
import { apiPath } from './paths.js';
import { fail, ok, skip, type Check, type DoctorContext } from '../types.js';

interface Need {
  what: string;
  need: number;
  limit: number;
  used: number;
}

const free = (n: Need) => (n.limit < 0 ? Infinity : n.limit - n.used);

async function novaNeeds(ctx: DoctorContext): Promise<Need[]> {
  const { cloud, plan } = ctx;
  const r = await cloud.request<{ limits: { absolute: Record<string, number> } }>(
    'compute',
    'GET',
    apiPath(cloud, 'compute', 'v2.1', '/limits'),
  );
  const a = r.data.limits.absolute;
  const instances = plan.servers.reduce((s, x) => s + x.count, 0);
  const needs: Need[] = [
    { what: 'instances', need: instances, limit: a.maxTotalInstances, used: a.totalInstancesUsed ?? 0 },
  ];
  const flavors = ctx.facts.flavors ?? {};
  if (plan.servers.every((s) => flavors[s.flavor])) {
    needs.push(
      {
        what: 'cores',
        need: plan.servers.reduce((s, x) => s + x.count * flavors[x.flavor]!.vcpus, 0),
        limit: a.maxTotalCores,
        used: a.totalCoresUsed ?? 0,
      },
      {
        what: 'RAM MiB',
        need: plan.servers.reduce((s, x) => s + x.count * flavors[x.flavor]!.ram, 0),
        limit: a.maxTotalRAMSize,
        used: a.totalRAMUsed ?? 0,
      },
    );
  }
  return needs;
}

async function floatingIpNeed(ctx: DoctorContext): Promise<Need> {
  const { cloud, plan } = ctx;
  const r = await cloud.request<{ quota: { floatingip: { limit: number; used: number; reserved?: number } } }>(
    'network',
    'GET',
    apiPath(cloud, 'network', 'v2.0', `/quotas/${cloud.projectId}/details.json`),
  );
  const f = r.data.quota.floatingip;
  return { what: 'floating IPs', need: plan.floatingIps, limit: f.limit, used: f.used + (f.reserved ?? 0) };
}

async function loadBalancerNeed(ctx: DoctorContext): Promise<Need> {
  const { cloud, plan } = ctx;
  const p = (x: string) => apiPath(cloud, 'load-balancer', 'v2', x);
  const q = await cloud.request<{ quota: { load_balancer?: number | null; loadbalancer?: number | null } }>(
    'load-balancer',
    'GET',
    p(`/lbaas/quotas/${cloud.projectId}`),
  );
  let limit = q.data.quota.load_balancer ?? q.data.quota.loadbalancer;
  if (limit === null || limit === undefined) {
    // null = the project uses the default quota
    const d = await cloud.request<{ quota: { load_balancer?: number; loadbalancer?: number } }>(
      'load-balancer',
      'GET',
      p('/lbaas/quotas/defaults'),
    );
    limit = d.data.quota.load_balancer ?? d.data.quota.loadbalancer ?? -1;
  }
  const lbs = await cloud.request<{ loadbalancers: unknown[] }>('load-balancer', 'GET', p('/lbaas/loadbalancers'), {
    query: { project_id: cloud.projectId },
  });
  return { what: 'load balancers', need: plan.loadBalancers, limit, used: lbs.data.loadbalancers.length };
}

export const quotasCheck: Check = {
  id: 'quotas',
  title: 'quotas at maximum size',
  async run(ctx) {
    const { cloud, plan } = ctx;
    const needs: Need[] = [];
    const skipped: string[] = [];
    if (cloud.hasService('compute')) needs.push(...(await novaNeeds(ctx)));
    else skipped.push('instances/cores/RAM (no compute endpoint)');
    if (plan.floatingIps > 0) {
      if (cloud.hasService('network')) needs.push(await floatingIpNeed(ctx));
      else skipped.push('floating IPs (no network endpoint)');
    }
    if (plan.loadBalancers > 0) {
      if (cloud.hasService('load-balancer')) needs.push(await loadBalancerNeed(ctx));
      else skipped.push('load balancers (no load-balancer endpoint)');
    }
    if (!needs.length) return skip(`not checked: ${skipped.join(', ')}`);
    const fmt = (n: Need) =>
      `${n.what} ${n.need} needed, ${free(n) === Infinity ? 'unlimited' : `${free(n)} free of ${n.limit}`}`;
    const short = needs.filter((n) => free(n) < n.need);
    const tail = skipped.length ? `; not checked: ${skipped.join(', ')}` : '';
    if (short.length) {
      return fail(
        `${short.map(fmt).join('; ')}${tail}`,
        'lower the maximum sizes (--max-api/--max-workers) or smaller flavors, or ask for more quota (`openstack quota show`)',
      );
    }
    return ok(`${needs.map(fmt).join('; ')}${tail}`);
  },
};
