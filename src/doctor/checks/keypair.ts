// The SSH key pair the servers get exists for this user.
import { apiPath } from './paths.js';
import { fail, ok, skip, type Check } from '../types.js';

export const keypairCheck: Check = {
  id: 'keypair',
  title: 'key pair',
  async run({ cloud, plan }) {
    if (!plan.keyName) return skip('no key pair configured');
    if (!cloud.hasService('compute')) return skip('no compute (Nova) endpoint');
    const r = await cloud.request(
      'compute',
      'GET',
      apiPath(cloud, 'compute', 'v2.1', `/os-keypairs/${encodeURIComponent(plan.keyName)}`),
      { okStatuses: [200, 404] },
    );
    if (r.status === 404)
      return fail(
        `key pair ${plan.keyName} not found`,
        `\`openstack keypair create --public-key ~/.ssh/id_ed25519.pub ${plan.keyName}\`, or --key-name`,
      );
    return ok(`${plan.keyName} exists`);
  },
};
