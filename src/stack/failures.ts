// Every FAILED resource of a stack, however deep: Heat's own stack reason names only the first one it met,
// so walk the nested resources (and, for resources already rolled back, this operation's FAILED events).
import { HeatClient, type StackRef } from '../openstack/heat.js';
import { fullName, type StackEvent } from './events.js';
import { NESTED_DEPTH, NestedPaths } from './nested-paths.js';

/** The stable `--json` shape of one failed resource. */
export interface FailedResource {
  resource: string;
  path: string;
  type?: string;
  status: string;
  reason: string;
  /** true when nothing failed below it: the root cause rather than a parent that failed because of it. */
  cause: boolean;
}

export async function collectFailures(heat: HeatClient, ref: StackRef, events: StackEvent[] = []): Promise<FailedResource[]> {
  const resources = await heat.resources(ref, NESTED_DEPTH);
  const paths = new NestedPaths(ref);
  paths.learn(resources);
  const byName = new Map<string, FailedResource>();
  for (const r of resources) {
    if (!r.resource_status.endsWith('_FAILED')) continue;
    const f: FailedResource = {
      resource: r.resource_name,
      path: paths.pathOfLinks(r.links),
      type: r.resource_type,
      status: r.resource_status,
      reason: oneLine(r.resource_status_reason),
      cause: true,
    };
    byName.set(fullName(f), f);
  }
  // Resources gone after a rollback still left their FAILED events.
  for (const e of events) {
    if (!e.status.endsWith('_FAILED') || !e.path && e.resource === ref.name) continue;
    const key = fullName(e);
    if (!byName.has(key)) byName.set(key, { resource: e.resource, path: e.path, status: e.status, reason: e.reason, cause: true });
  }
  const all = [...byName.values()];
  for (const f of all) {
    const prefix = fullName(f) + '/';
    f.cause = !all.some((o) => fullName(o).startsWith(prefix));
  }
  return all.sort((a, b) => fullName(a).localeCompare(fullName(b)));
}

export function formatFailures(stackName: string, status: string, reason: string, failures: FailedResource[]): string[] {
  const lines = [`Stack ${stackName} ${status}: ${oneLine(reason)}`];
  if (!failures.length) return lines;
  lines.push(`${failures.length} failed resource(s):`);
  for (const f of failures) {
    lines.push(`  ${f.cause ? '✗' : '·'} ${fullName(f)}${f.type ? ` (${f.type})` : ''}  ${f.status}: ${f.reason}`);
  }
  return lines;
}

function oneLine(s: string | null | undefined): string {
  return (s ?? '').replace(/\s+/g, ' ').trim();
}
