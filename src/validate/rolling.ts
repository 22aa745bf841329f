// Checks that updates of an autoscaling group of servers are health-checked (issue 10 item 6), in any template set,
// hand-written ones included:
//  - group.no-rolling-updates: an OS::Heat::AutoScalingGroup whose members hold a server, without rolling_updates:
//    an update that changes the members replaces them all at once (the tier stops serving);
//  - group.no-member-wait: its members have no wait condition (a bare OS::Nova::Server, or a member template without
//    OS::Heat::WaitCondition / AWS::CloudFormation::WaitCondition / OS::Heat::SwiftSignal): a member is COMPLETE as soon
//    as Nova says ACTIVE, so a rolling update cannot wait for the service to be up;
//  - group.member-wait-not-rearmed: the member's wait condition has a fixed count and a handle that outlives the
//    server: it is satisfied by the first boot's signal, so a server that an update replaces is never waited for.
//    Re-armed: a count computed from the stack (as the generated members do: one more than the boot ids heard while
//    the current boot id is not among them), or an OS::Heat::UpdateWaitConditionHandle.
import type { Doc, Finding, TemplateSet } from './types.js';
import { isObj } from './walk.js';

const WAITS = new Set(['OS::Heat::WaitCondition', 'AWS::CloudFormation::WaitCondition', 'OS::Heat::SwiftSignal']);
const SERVERS = new Set(['OS::Nova::Server', 'AWS::EC2::Instance']);

type Res = { type?: unknown; properties?: Record<string, unknown> };
const resourcesOf = (t: Doc | undefined) =>
  (isObj(t?.resources) ? (t!.resources as Record<string, unknown>) : {}) as Record<string, Res>;

/** The member template a type names: a file of the set, directly or through the environment's registry. */
function memberTemplate(set: TemplateSet, type: unknown): Doc | undefined {
  if (typeof type !== 'string') return undefined;
  if (set.templates[type] && type !== set.main) return set.templates[type];
  const registry = isObj(set.environment?.resource_registry)
    ? (set.environment!.resource_registry as Record<string, unknown>)
    : {};
  const target = registry[type];
  return typeof target === 'string' && set.templates[target] ? set.templates[target] : undefined;
}

/** A literal or a plain parameter: the same value on every update unless the user changes it. */
const fixed = (v: unknown) => v === undefined || typeof v !== 'object' || v === null || (isObj(v) && 'get_param' in v);

function handleName(v: unknown): string | undefined {
  if (isObj(v) && typeof v.get_resource === 'string') return v.get_resource;
  if (isObj(v) && 'Ref' in v && typeof v.Ref === 'string') return v.Ref;
  return undefined;
}

export function checkRolling(set: TemplateSet): Finding[] {
  const out: Finding[] = [];
  for (const [file, t] of Object.entries(set.templates)) {
    for (const [name, r] of Object.entries(resourcesOf(t))) {
      if (!isObj(r) || r.type !== 'OS::Heat::AutoScalingGroup') continue;
      const props = isObj(r.properties) ? r.properties : {};
      const member = isObj(props.resource) ? props.resource : {};
      const nested = memberTemplate(set, member.type);
      const nestedRes = resourcesOf(nested);
      const bareServer = SERVERS.has(String(member.type));
      const hasServer = bareServer || Object.values(nestedRes).some((x) => isObj(x) && SERVERS.has(String(x.type)));
      if (!hasServer) continue;
      const at = `resources.${name}`;
      if (!isObj(props.rolling_updates)) {
        out.push({
          severity: 'warning',
          code: 'group.no-rolling-updates',
          file,
          path: `${at}.properties`,
          message: `an update that changes ${name}'s members replaces all of them at once (no rolling_updates): set rolling_updates {max_batch_size: 1, min_in_service: 1} so one server at a time is replaced and the tier keeps serving`,
        });
      }
      const waits = Object.entries(nestedRes).filter(([, x]) => isObj(x) && WAITS.has(String(x.type)));
      if (bareServer || !waits.length) {
        out.push({
          severity: 'warning',
          code: 'group.no-member-wait',
          file,
          path: `${at}.properties.resource`,
          message: `${name}'s members have no wait condition: a member is complete as soon as its server is ACTIVE, so neither create nor a rolling update waits for the service; give the member template a wait condition its boot script signals`,
        });
        continue;
      }
      const rearmed = waits.some(([, w]) => {
        const wp = isObj(w.properties) ? w.properties : {};
        const count = wp.count ?? wp.Count;
        const handle = handleName(wp.handle ?? wp.Handle);
        const handleType = handle ? nestedRes[handle]?.type : undefined;
        return !fixed(count) || handleType === 'OS::Heat::UpdateWaitConditionHandle';
      });
      if (!rearmed) {
        const [wname] = waits[0];
        out.push({
          severity: 'warning',
          code: 'group.member-wait-not-rearmed',
          file: String(Object.entries(set.templates).find(([, d]) => d === nested)?.[0] ?? file),
          path: `resources.${wname}`,
          message: `${wname} is satisfied by the first boot's signal and its handle outlives the server: when an update replaces the server (new user data), the member is complete before the new server is up; re-arm it (a count that grows when the server's user data changes, or an OS::Heat::UpdateWaitConditionHandle)`,
        });
      }
    }
  }
  return out;
}
