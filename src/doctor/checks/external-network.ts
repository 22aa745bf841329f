// The external network the floating IPs come from exists and is external (router:external).
import { apiPath } from './paths.js';
import { fail, ok, skip, type Check } from '../types.js';

interface Net {
  id: string;
  name: string;
}

export const externalNetworkCheck: Check = {
  id: 'external-network',
  title: 'external network',
  async run({ cloud, plan }) {
    if (!plan.externalNetwork && plan.floatingIps === 0) return skip('no floating IPs needed');
    if (!cloud.hasService('network')) return skip('no network (Neutron) endpoint');
    const r = await cloud.request<{ networks: Net[] }>(
      'network',
      'GET',
      apiPath(cloud, 'network', 'v2.0', '/networks'),
      { query: { 'router:external': true } },
    );
    const ext = r.data.networks;
    const names = ext.map((n) => n.name || n.id).join(', ') || 'none';
    if (!plan.externalNetwork) {
      return ext.length
        ? ok(`external network(s): ${names}`)
        : fail(
            'the project sees no external network for floating IPs',
            'ask the operator for one, or set --external-network',
          );
    }
    const hit = ext.filter((n) => n.name === plan.externalNetwork || n.id === plan.externalNetwork);
    if (hit.length === 1) return ok(`${hit[0].name} (${hit[0].id}) is external`);
    if (hit.length > 1)
      return fail(
        `${hit.length} external networks are named ${plan.externalNetwork}`,
        `give its id (--external-network ${hit[0].id})`,
      );
    return fail(
      `external network ${plan.externalNetwork} not found (external networks: ${names})`,
      `--external-network ${ext[0]?.name ?? 'NAME'}`,
    );
  },
};
