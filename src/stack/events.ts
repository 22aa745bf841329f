// Stack events, one line each (time, status, resource with its nested path, reason), and a poller that yields
// each new event once, in time order, across nested stacks - what `openstack stack event list --nested-depth N
// --follow` prints, readable in CI logs.
import { HeatClient, linkStackId, type HeatEvent, type StackRef } from '../openstack/heat.js';
import { NESTED_DEPTH, NestedPaths } from './nested-paths.js';

/** The stable `--json` shape of one event. */
export interface StackEvent {
  id: string;
  time: string;
  resource: string;
  /** Nested stack path of the resource ('' = the root stack), e.g. `api_asg/x7ykrtyqlzzh`. */
  path: string;
  status: string;
  reason: string;
}

/** `resource` prefixed with its nested path: `api_asg/x7ykrtyqlzzh/server`. */
export function fullName(e: { resource: string; path: string }): string {
  return e.path ? `${e.path}/${e.resource}` : e.resource;
}

export function formatEvent(e: StackEvent): string {
  const reason = e.reason && e.reason !== 'state changed' ? `  ${e.reason}` : '';
  return `${e.time.replace('T', ' ')}  ${e.status.padEnd(20)} ${fullName(e)}${reason}`;
}

/** Heat's event -> ours. Nested stacks' own events (they repeat their parent resource's) give undefined. */
export function toStackEvent(root: StackRef, paths: NestedPaths, ev: HeatEvent): StackEvent | undefined {
  const stackId = linkStackId(ev.links, 'stack');
  const isStackSelf = ev.physical_resource_id === stackId;
  if (isStackSelf && stackId !== root.id) return undefined;
  return {
    id: ev.id,
    time: ev.event_time,
    resource: ev.resource_name,
    path: isStackSelf ? '' : paths.pathOfLinks(ev.links),
    status: ev.resource_status,
    reason: (ev.resource_status_reason ?? '').replace(/\s+/g, ' ').trim(),
  };
}

/** Yields each new event once: `poll()` returns the events that appeared since the previous call. */
export class EventPoller {
  private seen = new Set<string>();
  readonly paths: NestedPaths;

  constructor(
    private readonly heat: HeatClient,
    private readonly root: StackRef,
  ) {
    this.paths = new NestedPaths(root, heat);
  }

  /** Mark what exists now as already seen (an update/delete/scale then shows only its own events). */
  async skipExisting(): Promise<void> {
    for (const e of await this.heat.events(this.root, NESTED_DEPTH)) this.seen.add(e.id);
  }

  async poll(): Promise<StackEvent[]> {
    const raw = (await this.heat.events(this.root, NESTED_DEPTH)).filter((e) => !this.seen.has(e.id));
    if (!raw.length) return [];
    const unknownStack = raw.some((e) => {
      const id = linkStackId(e.links, 'stack');
      return id !== undefined && !this.paths.known(id);
    });
    if (unknownStack) await this.paths.refresh().catch(() => undefined);
    // Heat lists newest first with one-second timestamps: reverse, then a stable sort by time.
    raw.reverse();
    raw.sort((a, b) => (a.event_time < b.event_time ? -1 : a.event_time > b.event_time ? 1 : 0));
    const out: StackEvent[] = [];
    for (const e of raw) {
      this.seen.add(e.id);
      const se = toStackEvent(this.root, this.paths, e);
      if (se) out.push(se);
    }
    return out;
  }
}
