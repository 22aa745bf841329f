// Alarm checks (Gnocchi/Aodh): the metric and aggregation exist today (cpu + rate:mean, not cpu_util), the
// granularity is a multiple of 60, the threshold has the magnitude of ns per window (not a percent), the query
// selects by server_group the value the alarmed group's members carry as metering.server_group, a high alarm
// drives a positive policy and a low one a negative policy, and signal_url actions carry trust+.
import type { Doc, Finding } from './types.js';
import { intrinsics, isObj } from './walk.js';

const GNOCCHI = new Set([
  'OS::Aodh::GnocchiAggregationByResourcesAlarm',
  'OS::Aodh::GnocchiResourcesAlarm',
  'OS::Aodh::GnocchiAggregationByMetricsAlarm',
]);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function numberOf(v: unknown, params: Record<string, unknown>): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  if (isObj(v) && typeof v.get_param === 'string') {
    const p = params[v.get_param];
    return isObj(p) ? numberOf(p.default, params) : undefined;
  }
  return undefined;
}

/** The intrinsic values inside a query (e.g. {get_attr: [api_group_id, value]}), to compare with metadata. */
function queryValues(query: unknown): unknown[] {
  const out: unknown[] = [];
  for (const c of intrinsics(query, ''))
    if (c.fn === 'get_attr' || c.fn === 'get_param' || c.fn === 'get_resource') out.push({ [c.fn]: c.args });
  if (typeof query === 'string') {
    const m = /"server_group"\s*:\s*"([^"]+)"/.exec(query);
    if (m) out.push(m[1]);
  }
  return out;
}

function groupMetadata(asg: Record<string, unknown>): unknown {
  const props = isObj(asg.properties) ? asg.properties : {};
  const member = isObj(props.resource) ? props.resource : {};
  const mprops = isObj(member.properties) ? member.properties : {};
  const md = isObj(mprops.metadata) ? mprops.metadata : isObj(member.metadata) ? member.metadata : undefined;
  return md ? md['metering.server_group'] : undefined;
}

type Dict = Record<string, unknown>;
type Add = (severity: Finding['severity'], code: string, path: string, message: string) => void;

const BY_RESOURCES = 'OS::Aodh::GnocchiAggregationByResourcesAlarm';
const dictOf = (v: unknown): Dict => (isObj(v) ? v : {});

/** One Gnocchi alarm and what its checks need: the template's resources and parameters, and where to report. */
interface Alarm {
  add: Add;
  resources: Record<string, Dict>;
  params: Dict;
  name: string;
  type: string;
  /** the dotted path of its properties */
  at: string;
  p: Dict;
  agg: string;
  gran: number | undefined;
}

/** A scaling policy the alarm signals, as one of its alarm_actions names it. */
interface PolicyRef {
  action: unknown;
  /** the dotted path of that action */
  ap: string;
  policyName: string;
  attribute: string;
  pp: Dict;
}

export function checkAlarms(file: string, t: Doc): Finding[] {
  const f: Finding[] = [];
  const add: Add = (severity, code, path, message) => f.push({ severity, code, file, path, message });
  const resources = dictOf(t.resources) as Record<string, Dict>;
  const params = dictOf(t.parameters);
  for (const [name, r] of Object.entries(resources)) {
    if (!isObj(r) || !GNOCCHI.has(String(r.type))) continue;
    const p = dictOf(r.properties);
    const agg = String(p.aggregation_method ?? 'mean');
    const gran = numberOf(p.granularity, params);
    const a: Alarm = {
      add,
      resources,
      params,
      name,
      type: String(r.type),
      at: `resources.${name}.properties`,
      p,
      agg,
      gran,
    };
    checkAggregation(a);
    checkGranularity(a);
    checkThreshold(a);
    if (a.type === BY_RESOURCES) checkQuery(a);
    checkActions(a);
  }
  return f;
}

/** The metric exists today (cpu, not cpu_util) and the aggregation is a Gnocchi one that suits it. */
function checkAggregation({ add, at, p, agg }: Alarm): void {
  if (p.metric === 'cpu_util')
    add(
      'error',
      'alarm.metric',
      `${at}.metric`,
      'cpu_util no longer exists (removed in Ceilometer Stein): use metric cpu with aggregation_method rate:mean',
    );
  if (p.metric === 'cpu' && !agg.startsWith('rate:'))
    add(
      'error',
      'alarm.aggregation',
      `${at}.aggregation_method`,
      `cpu is cumulative CPU time: aggregation_method ${agg} never crosses a CPU threshold, use rate:mean`,
    );
  if (!/^(rate:)?(mean|min|max|sum|std|count|median|first|last|\d+pct)$/.test(agg))
    add(
      'error',
      'alarm.aggregation',
      `${at}.aggregation_method`,
      `aggregation_method ${agg} is not a Gnocchi aggregation (use mean, rate:mean, max ...)`,
    );
}

/** The granularity must match an archive policy's: a multiple of 60 s (60 s when not given). */
function checkGranularity({ add, at, gran }: Alarm): void {
  if (gran === undefined)
    add(
      'warning',
      'alarm.granularity',
      `${at}.granularity`,
      'no granularity: Aodh uses 60 s, which must exist in the archive policy of the metric',
    );
  else if (gran <= 0 || gran % 60 !== 0)
    add(
      'error',
      'alarm.granularity',
      `${at}.granularity`,
      `granularity ${gran} is not a multiple of 60 s; it must match an archive policy granularity`,
    );
}

/** rate:mean of cpu is ns of CPU time per window: a threshold far off that magnitude was meant as a percent. */
function checkThreshold({ add, at, p, agg, gran, params }: Alarm): void {
  const threshold = numberOf(p.threshold, params);
  if (p.metric !== 'cpu' || !agg.startsWith('rate:') || threshold === undefined || !gran) return;
  const vcpuShare = threshold / (gran * 1e9);
  if (vcpuShare < 0.01) {
    add(
      'error',
      'alarm.threshold-unit',
      `${at}.threshold`,
      `threshold ${threshold} is ${(vcpuShare * 100).toPrecision(2)}% of one vCPU: rate:mean of cpu is ns of CPU time per ${gran} s window, so 80% of one vCPU is ${0.8 * gran * 1e9}`,
    );
  } else if (vcpuShare > 512) {
    add(
      'error',
      'alarm.threshold-unit',
      `${at}.threshold`,
      `threshold ${threshold} needs ${Math.round(vcpuShare)} busy vCPUs per server: check the unit (ns per ${gran} s window)`,
    );
  }
}

/** An alarm by resources follows the group's servers: instances selected by Gnocchi's server_group attribute. */
function checkQuery({ add, at, p }: Alarm): void {
  if (p.resource_type !== 'instance')
    add(
      'warning',
      'alarm.resource-type',
      `${at}.resource_type`,
      'server CPU lives on Gnocchi resources of type instance',
    );
  const q = JSON.stringify(p.query ?? '');
  if (!q.includes('server_group'))
    add(
      'error',
      'alarm.query',
      `${at}.query`,
      'the query does not select by server_group, so it cannot follow the group members (metering.server_group)',
    );
  if (q.includes('metering.server_group'))
    add(
      'error',
      'alarm.query',
      `${at}.query`,
      'query on metering.server_group: Gnocchi knows the attribute as server_group',
    );
}

/** Every scaling policy the alarm's actions name is checked against the alarm. */
function checkActions(a: Alarm): void {
  const actions = Array.isArray(a.p.alarm_actions) ? a.p.alarm_actions : [];
  if (actions.length === 0)
    a.add('warning', 'alarm.actions', `${a.at}.alarm_actions`, 'the alarm has no alarm_actions');
  actions.forEach((action, i) => {
    const ap = `${a.at}.alarm_actions[${i}]`;
    for (const c of intrinsics(action, ap)) {
      if (c.fn !== 'get_attr' || !Array.isArray(c.args)) continue;
      const [policyName, attribute] = c.args as [string, string];
      const policy = a.resources[policyName];
      if (!isObj(policy) || policy.type !== 'OS::Heat::ScalingPolicy') continue;
      const ref: PolicyRef = { action, ap, policyName, attribute, pp: dictOf(policy.properties) };
      checkSignal(a, ref);
      checkRepeat(a, ref);
      checkGroupTieIn(a, ref);
    }
  });
}

/** signal_url needs trust+; a high alarm must drive a positive adjustment and a low one a negative. */
function checkSignal({ add, name, p, params }: Alarm, { action, ap, policyName, attribute, pp }: PolicyRef): void {
  if (attribute === 'signal_url' && !JSON.stringify(action).includes('trust+'))
    add(
      'error',
      'alarm.trust',
      ap,
      `signal_url needs a token: prefix it with trust+ so Aodh calls it with a Keystone trust (or use alarm_url)`,
    );
  const op = String(p.comparison_operator ?? 'eq');
  const adj = numberOf(pp.scaling_adjustment, params);
  if (adj !== undefined && ((['gt', 'ge'].includes(op) && adj <= 0) || (['lt', 'le'].includes(op) && adj >= 0)))
    add(
      'error',
      'alarm.direction',
      ap,
      `alarm ${name} (${op}) drives ${policyName} whose adjustment is ${adj}: a high alarm must scale up, a low one down`,
    );
}

/** repeat_actions against the policy's cooldown: too fast to see the metric, or signals lost for good. */
function checkRepeat({ add, at, p, gran, params }: Alarm, { policyName, pp }: PolicyRef): void {
  const cooldown = numberOf(pp.cooldown, params);
  if (p.repeat_actions !== false && gran && cooldown !== undefined && cooldown < gran)
    add(
      'warning',
      'alarm.repeat',
      `resources.${policyName}.properties.cooldown`,
      `repeat_actions re-signals every evaluation while in alarm and the cooldown (${cooldown} s) is shorter than a window (${gran} s): the group may grow faster than the metric can show`,
    );
  // (added by the chain tests' helper) repeat_actions off + a cooldown loses signals: Heat drops a signal
  // inside the cooldown without an event, and the alarm never sends it again. Proven on the local chain
  // (--cooldown 40 --no-repeat-actions): the scale-down alarm fired 8 s after a scale-up and the group was
  // still at 2 with the alarm in 'alarm' 45 s after the cooldown ended.
  if (p.repeat_actions === false && cooldown !== undefined && cooldown > 0)
    add(
      'warning',
      'alarm.repeat-off',
      `${at}.repeat_actions`,
      `repeat_actions is false and ${policyName} has a ${cooldown} s cooldown: a signal inside the cooldown (e.g. scale-down right after a scale-up) is dropped and never repeated, so the group can stay at the wrong size; keep repeat_actions on`,
    );
}

/** The alarm's query must select the metering.server_group value of the group this policy scales. */
function checkGroupTieIn({ add, at, p, name, type, resources }: Alarm, { pp }: PolicyRef): void {
  const groupRef = pp.auto_scaling_group_id;
  const groupName = isObj(groupRef) && typeof groupRef.get_resource === 'string' ? groupRef.get_resource : undefined;
  const asg = groupName ? resources[groupName] : undefined;
  if (!isObj(asg) || type !== BY_RESOURCES) return;
  const md = groupMetadata(asg);
  if (md === undefined) {
    add(
      'error',
      'alarm.metadata',
      `resources.${groupName}.properties.resource`,
      `the members of ${groupName} carry no metering.server_group metadata, so alarm ${name} never sees their CPU`,
    );
  } else if (!queryValues(p.query).some((v) => same(v, md))) {
    add(
      'error',
      'alarm.metadata',
      `${at}.query`,
      `alarm ${name} scales ${groupName} but its query does not select ${groupName}'s metering.server_group value`,
    );
  }
}

/** A member template must pass the group's metadata to its server (else metering.server_group is lost). */
export function checkMemberMetadata(file: string, t: Doc): Finding[] {
  const params = isObj(t.parameters) ? t.parameters : {};
  if (!('metadata' in params)) return [];
  const resources = (isObj(t.resources) ? t.resources : {}) as Record<string, Record<string, unknown>>;
  const used = Object.values(resources).some(
    (r) =>
      isObj(r) &&
      r.type === 'OS::Nova::Server' &&
      isObj(r.properties) &&
      JSON.stringify(r.properties.metadata ?? null).includes('"get_param":"metadata"'),
  );
  return used
    ? []
    : [
        {
          severity: 'error',
          code: 'alarm.metadata',
          file,
          path: 'resources',
          message: 'parameter metadata (metering.server_group) is not given to the server: the alarms will not see it',
        },
      ];
}
