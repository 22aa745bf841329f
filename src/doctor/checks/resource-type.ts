// Gnocchi's `instance` resource type has `server_group`: the attribute Ceilometer fills from the servers'
// metering.server_group metadata, and the one the alarms' query selects the group's members by.
import { GnocchiClient } from '../../openstack/gnocchi.js';
import { fail, ok, skip, type Check } from '../types.js';

export const resourceTypeCheck: Check = {
  id: 'resource-type',
  title: 'Gnocchi instance.server_group',
  async run({ cloud, plan }) {
    if (!plan.alarms) return skip('no autoscaling alarms');
    if (!cloud.hasService('metric')) return skip('no metric (Gnocchi) endpoint');
    const rt = await new GnocchiClient(cloud).resourceType('instance');
    if (!rt)
      return fail(
        'Gnocchi has no instance resource type',
        "ask the operator to run ceilometer-upgrade (creates Ceilometer's resource types)",
      );
    if (!rt.attributes?.server_group) {
      return fail(
        'resource type instance has no server_group attribute: alarm queries cannot select the group',
        'ask the operator to run ceilometer-upgrade (Ceilometer >= Pike adds server_group)',
      );
    }
    return ok('instance has server_group');
  },
};
