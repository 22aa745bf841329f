// Every flavor the servers use exists; records vCPUs and RAM for the quota check.
import { apiPath } from './paths.js';
import { fail, ok, skip, type Check } from '../types.js';

interface NovaFlavor {
  id: string;
  name: string;
  vcpus: number;
  ram: number;
}

export const flavorsCheck: Check = {
  id: 'flavors',
  title: 'flavors',
  async run(ctx) {
    const { cloud, plan } = ctx;
    const wanted = [...new Set(plan.servers.map((s) => s.flavor))];
    if (!wanted.length) return skip('no servers');
    if (!cloud.hasService('compute')) return skip('no compute (Nova) endpoint');
    const r = await cloud.request<{ flavors: NovaFlavor[] }>(
      'compute',
      'GET',
      apiPath(cloud, 'compute', 'v2.1', '/flavors/detail'),
    );
    const found: Record<string, { vcpus: number; ram: number } | undefined> = {};
    for (const f of wanted) {
      const hit = r.data.flavors.find((x) => x.name === f) ?? r.data.flavors.find((x) => x.id === f);
      found[f] = hit ? { vcpus: hit.vcpus, ram: hit.ram } : undefined;
    }
    ctx.facts.flavors = found;
    const missing = wanted.filter((f) => !found[f]);
    if (missing.length)
      return fail(
        `flavor(s) not found: ${missing.join(', ')}`,
        'pick from `openstack flavor list` (--api-flavor/--worker-flavor)',
      );
    return ok(wanted.map((f) => `${f} (${found[f]!.vcpus} vCPU, ${found[f]!.ram} MiB)`).join(', '));
  },
};
