// Nested stack id -> path from the root ("api_asg/x7ykrtyqlzzh"), so an event or a failed resource deep inside
// an autoscaling group member is shown where it lives. Built from `resources?nested_depth=N` (each resource with
// a `nested` link owns that stack); for stacks already gone (rolled back, deleted) the path is read from
// Heat's nested stack names instead: `<parent stack name>-<resource>-<12 char suffix>`.
import { HeatClient, linkStackId, linkStackName, type HeatResource, type StackRef } from '../openstack/heat.js';

export const NESTED_DEPTH = 10;

export class NestedPaths {
  private byId = new Map<string, string>();
  private lastRefresh = 0;

  constructor(
    private readonly root: StackRef,
    private readonly heat?: HeatClient,
  ) {
    this.byId.set(root.id, '');
  }

  /** Learn paths from a nested resource listing. */
  learn(resources: HeatResource[]): void {
    // Parents may come after children in Heat's listing: repeat until nothing new is learned.
    let changed = true;
    while (changed) {
      changed = false;
      for (const r of resources) {
        const nested = linkStackId(r.links, 'nested');
        const parent = linkStackId(r.links, 'stack');
        if (!nested || !parent || this.byId.has(nested)) continue;
        const parentPath = this.byId.get(parent);
        if (parentPath === undefined) continue;
        this.byId.set(nested, parentPath ? `${parentPath}/${r.resource_name}` : r.resource_name);
        changed = true;
      }
    }
  }

  /** Refresh from Heat at most every `minIntervalMs` (new nested stacks appear while a create runs). */
  async refresh(minIntervalMs = 2000): Promise<void> {
    if (!this.heat || Date.now() - this.lastRefresh < minIntervalMs) return;
    this.lastRefresh = Date.now();
    this.learn(await this.heat.resources(this.root, NESTED_DEPTH));
  }

  known(stackId: string): boolean {
    return this.byId.has(stackId);
  }

  /** Path of the stack (id, name) relative to the root; '' for the root itself. */
  pathOf(stackId: string | undefined, stackName: string | undefined): string {
    if (stackId && this.byId.has(stackId)) return this.byId.get(stackId)!;
    if (stackName) return pathFromName(this.root.name, stackName);
    return '';
  }

  /** Path of an event's / a resource's stack from its links. */
  pathOfLinks(links: { href: string; rel: string }[]): string {
    return this.pathOf(linkStackId(links, 'stack'), linkStackName(links, 'stack'));
  }
}

/** `root-api_asg-abcdefghijkl-mk5dboxpdtjl-qwertyuiopas` -> `api_asg/mk5dboxpdtjl` (best effort). */
export function pathFromName(rootName: string, stackName: string): string {
  if (stackName === rootName || !stackName.startsWith(rootName + '-')) return stackName === rootName ? '' : stackName;
  let rest = stackName.slice(rootName.length + 1);
  const parts: string[] = [];
  for (;;) {
    const m = rest.match(/^(.+?)-([a-z0-9]{12})(?:-(.*))?$/);
    if (!m) {
      parts.push(rest);
      break;
    }
    parts.push(m[1]);
    if (m[3] === undefined) break;
    rest = m[3];
  }
  return parts.join('/');
}
