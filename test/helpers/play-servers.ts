// Plays the servers of a stack whose Nova servers are OS::Heat::None: signals each boot wait condition handle
// (nested members too) once, SUCCESS, as the server's boot script would. Shared by the lifecycle tests.
// A group member (a stack with a boot_id resource, see src/templates/member.ts) signals under its boot_id, as its
// boot script does; when an update replaces boot_id (new user data: the server would be replaced), the handle is
// signalled again under the new id, as the new server would.
import { linkStackId, linkStackName, type HeatClient } from '../../src/openstack/heat.js';

export interface PlayOptions {
  /** Stack ids (nested members) whose servers never boot: their handles are never signalled. */
  dead?: Set<string>;
}

/**
 * Signals every CREATE_COMPLETE OS::Heat::WaitConditionHandle of stack `name` not in `signalled` yet (a handle
 * with a boot_id: not signalled under its current boot_id yet), and adds what Heat accepted (HTTP 200) to it.
 * Returns the HTTP status of each signal sent.
 */
export async function playServers(
  heat: HeatClient,
  name: string,
  signalled: Set<string>,
  opts: PlayOptions = {},
): Promise<number[]> {
  const statuses: number[] = [];
  const root = await heat.find(name);
  if (!root) return statuses;
  const all = await heat.resources(root, 3);
  for (const r of all) {
    if (r.resource_type !== 'OS::Heat::WaitConditionHandle' || r.resource_status !== 'CREATE_COMPLETE') continue;
    const owner = { id: linkStackId(r.links, 'stack')!, name: linkStackName(r.links, 'stack')! };
    if (opts.dead?.has(owner.id)) continue;
    const bootIdRes = all.find(
      (b) => b.resource_name === 'boot_id' && linkStackId(b.links, 'stack') === owner.id && /COMPLETE$/.test(b.resource_status),
    );
    const bootId = bootIdRes ? String((await heat.resource(owner, 'boot_id')).attributes?.value ?? '') : '';
    const key = bootId ? `${r.physical_resource_id}:${bootId}` : r.physical_resource_id;
    if (signalled.has(key)) continue;
    const a = (await heat.resource(owner, r.resource_name)).attributes ?? {};
    if (!a.endpoint) continue;
    const res = await fetch(String(a.endpoint), {
      method: 'POST',
      headers: { 'X-Auth-Token': String(a.token), 'Content-Type': 'application/json' },
      body: JSON.stringify({ status: 'SUCCESS', data: 'booted', ...(bootId ? { id: bootId } : {}) }),
    });
    statuses.push(res.status);
    if (res.status === 200) signalled.add(key);
  }
  return statuses;
}

/**
 * Runs `work` (a CLI call that creates, updates or scales `name`) while playing the stack's servers every second:
 * an update that replaces members waits for their new boots' signals, as on a cloud it would for the new servers.
 */
export async function whilePlaying<T>(heat: HeatClient, name: string, signalled: Set<string>, work: Promise<T>): Promise<T> {
  let finished = false;
  const done = work.finally(() => (finished = true));
  while (!finished) {
    await playServers(heat, name, signalled).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 1000));
  }
  return done;
}
