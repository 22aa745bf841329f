// Plays the servers of a stack whose Nova servers are OS::Heat::None: signals each boot wait condition handle
// (nested members too) once, SUCCESS, as the server's boot script would. Shared by the lifecycle tests.
import { linkStackId, linkStackName, type HeatClient } from '../../src/openstack/heat.js';

/**
 * Signals every CREATE_COMPLETE OS::Heat::WaitConditionHandle of stack `name` not in `signalled` yet, and adds
 * the handles Heat accepted (HTTP 200) to it. Returns the HTTP status of each signal sent.
 */
export async function playServers(heat: HeatClient, name: string, signalled: Set<string>): Promise<number[]> {
  const statuses: number[] = [];
  const root = await heat.find(name);
  if (!root) return statuses;
  for (const r of await heat.resources(root, 3)) {
    if (r.resource_type !== 'OS::Heat::WaitConditionHandle' || r.resource_status !== 'CREATE_COMPLETE') continue;
    if (signalled.has(r.physical_resource_id)) continue;
    const owner = { id: linkStackId(r.links, 'stack')!, name: linkStackName(r.links, 'stack')! };
    const a = (await heat.resource(owner, r.resource_name)).attributes ?? {};
    if (!a.endpoint) continue;
    const res = await fetch(String(a.endpoint), {
      method: 'POST',
      headers: { 'X-Auth-Token': String(a.token), 'Content-Type': 'application/json' },
      body: JSON.stringify({ status: 'SUCCESS', data: 'booted' }),
    });
    statuses.push(res.status);
    if (res.status === 200) signalled.add(r.physical_resource_id);
  }
  return statuses;
}
