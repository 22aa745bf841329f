// The alarm logic of `status`/`events` without a cloud: which tier/policy an alarm drives (read from the template
// `generate` writes), thresholds in % and ns, Aodh's stored query, history transitions, and the diagnosis of an
// alarm stuck in "insufficient data" for each cause, against recorded Gnocchi answers. The real-cloud side
// (real Aodh + Gnocchi) is in chain-autoscaling.test.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../src/config/index.js';
import { synthesize } from '../src/templates/index.js';
import {
  alarmWiring,
  diagnoseAlarm,
  formatAlarm,
  innerQuery,
  thresholdUnits,
  vcpusOf,
  type TierAlarm,
} from '../src/stack/alarms.js';
import { transitionOf, type AodhAlarm } from '../src/openstack/aodh.js';
import {
  GnocchiClient,
  fnmatch,
  granularities,
  ruleForMetric,
  timespanSeconds,
  type Requester,
} from '../src/openstack/gnocchi.js';

/** Replays Gnocchi answers keyed "METHOD path". */
function gnocchiReplay(routes: Record<string, { status: number; body: unknown }>): GnocchiClient {
  const r: Requester = {
    async request<T>(_s: string, method: string, p: string, opts: { okStatuses?: number[] } = {}) {
      const hit = routes[`${method} ${p}`];
      if (!hit) throw new Error(`no answer for ${method} ${p}`);
      const ok = opts.okStatuses ? opts.okStatuses.includes(hit.status) : hit.status < 300;
      if (!ok) throw new Error(`HTTP ${hit.status}`);
      return { status: hit.status, data: hit.body as T, headers: {} };
    },
  };
  return new GnocchiClient(r);
}

const PROJECT_FILTER = {
  or: [
    { '=': { created_by_project_id: 'p1' } },
    { and: [{ '=': { created_by_project_id: 'svc' } }, { '=': { project_id: 'p1' } }] },
  ],
};
const userQuery = { and: [{ '=': { server_group: 'S-worker' } }, { '=': { ended_at: null } }] };
const alarm = (
  rule: Partial<NonNullable<AodhAlarm['gnocchi_aggregation_by_resources_threshold_rule']>> = {},
): AodhAlarm => ({
  alarm_id: 'a1',
  name: 'x-worker_cpu_high-abc',
  type: 'gnocchi_aggregation_by_resources_threshold',
  enabled: true,
  state: 'insufficient data',
  description: 'Scale the worker tier up ... 80% of 2 vCPU(s) over 60 s = ...',
  gnocchi_aggregation_by_resources_threshold_rule: {
    metric: 'cpu',
    resource_type: 'instance',
    aggregation_method: 'rate:mean',
    granularity: 60,
    evaluation_periods: 1,
    threshold: 96e9,
    comparison_operator: 'gt',
    query: JSON.stringify({ and: [PROJECT_FILTER, userQuery] }),
    ...rule,
  },
});
const policy = (gs: string[], methods = ['mean', 'rate:mean']) => ({
  name: 'ceilometer-low-rate',
  definition: gs.map((g) => ({ granularity: g })),
  aggregation_methods: methods,
});
const found = {
  'POST /v1/search/resource/instance': { status: 200, body: [{ id: 'i1', metrics: { cpu: 'm1' } }] },
  'GET /v1/metric/m1': { status: 200, body: { id: 'm1', archive_policy: policy(['0:01:00', '0:05:00']) } },
};

describe('alarm wiring from the generated template', () => {
  test('each generated alarm maps to its tier, policy and direction', async () => {
    const cfg = await resolveConfig({ flags: {}, cwd: '/nonexistent-dir-for-defaults' });
    const w = alarmWiring(synthesize(cfg).template);
    assert.deepEqual(Object.fromEntries(w), {
      api_cpu_high: { policy: 'api_scale_up', tier: 'api', direction: 'up' },
      api_cpu_low: { policy: 'api_scale_down', tier: 'api', direction: 'down' },
      worker_cpu_high: { policy: 'worker_scale_up', tier: 'workers', direction: 'up' },
      worker_cpu_low: { policy: 'worker_scale_down', tier: 'workers', direction: 'down' },
    });
  });

  test('alarm_url actions and trust+ str_replace actions are followed too', () => {
    const t = {
      resources: {
        g: { type: 'OS::Heat::AutoScalingGroup', properties: { min_size: 1, max_size: 2, resource: {} } },
        up: {
          type: 'OS::Heat::ScalingPolicy',
          properties: { auto_scaling_group_id: { get_resource: 'g' }, scaling_adjustment: 1 },
        },
        a1: {
          type: 'OS::Aodh::GnocchiAggregationByResourcesAlarm',
          properties: { alarm_actions: [{ get_attr: ['up', 'alarm_url'] }] },
        },
        a2: {
          type: 'OS::Aodh::GnocchiAggregationByResourcesAlarm',
          properties: {
            alarm_actions: [
              { str_replace: { template: 'trust+url', params: { url: { get_attr: ['up', 'signal_url'] } } } },
            ],
          },
        },
        a3: {
          type: 'OS::Aodh::GnocchiAggregationByResourcesAlarm',
          properties: { alarm_actions: ['http://example.org/hook'] },
        },
      },
    };
    const w = alarmWiring(t);
    assert.deepEqual(w.get('a1'), { policy: 'up', tier: 'g', direction: 'up' });
    assert.deepEqual(w.get('a2'), { policy: 'up', tier: 'g', direction: 'up' });
    assert.deepEqual(w.get('a3'), { policy: undefined, tier: undefined, direction: undefined });
  });
});

describe('units, queries, history', () => {
  test('rate:mean of cpu: ns per granularity window <-> percent of the server', () => {
    assert.deepEqual(
      thresholdUnits({ metric: 'cpu', aggregation_method: 'rate:mean', granularity: 300, threshold: 240e9 }),
      {
        unit: 'ns of CPU per 300 s',
        percent: 80,
      },
    );
    assert.deepEqual(
      thresholdUnits({ metric: 'cpu', aggregation_method: 'rate:mean', granularity: 60, threshold: 96e9 }, 2),
      {
        unit: 'ns of CPU per 60 s',
        percent: 80,
      },
    );
    // the classic unit error: a percentage as threshold reads as 0 % (fires always)
    assert.equal(
      thresholdUnits({ metric: 'cpu', aggregation_method: 'rate:mean', granularity: 300, threshold: 80 }).percent,
      0,
    );
    assert.equal(vcpusOf(alarm().description), 2);
    assert.equal(vcpusOf('no count here'), 1);
  });

  test("Aodh's stored query: the user's part without the project filter", () => {
    assert.deepEqual(innerQuery(JSON.stringify({ and: [PROJECT_FILTER, userQuery] })), userQuery);
    assert.deepEqual(innerQuery(JSON.stringify(userQuery)), userQuery); // admin-owned: stored as is
    assert.equal(innerQuery('not json'), undefined);
  });

  test('history transition detail and the status lines', () => {
    assert.deepEqual(
      transitionOf({
        alarm_id: 'a',
        type: 'state transition',
        timestamp: 't',
        detail: '{"state": "alarm", "transition_reason": "Transition to alarm due to 1 samples"}',
      }),
      {
        state: 'alarm',
        reason: 'Transition to alarm due to 1 samples',
      },
    );
    const a: TierAlarm = {
      tier: 'workers',
      resource: 'worker_cpu_high',
      id: 'a1',
      direction: 'up',
      policy: 'worker_scale_up',
      state: 'alarm',
      enabled: true,
      metric: 'cpu',
      aggregation: 'rate:mean',
      granularity: 60,
      evaluationPeriods: 1,
      comparison: 'gt',
      threshold: 96e9,
      unit: 'ns of CPU per 60 s',
      thresholdPercent: 80,
      vcpus: 2,
      repeatActions: true,
      lastTransition: {
        at: '2026-11-25T21:23:17.123456',
        state: 'alarm',
        reason: 'Transition to alarm due to 1 samples outside threshold',
      },
      reason: null,
      why: null,
    };
    assert.deepEqual(formatAlarm(a), [
      '  alarm workers  up   worker_cpu_high: alarm  rate:mean(cpu) > 80% of 2 vCPUs (96000000000 ns of CPU per 60 s), 1 x 60 s',
      '        last transition 2026-11-25 21:23:17 -> alarm: Transition to alarm due to 1 samples outside threshold',
      '        repeat_actions: signals its policy at every evaluation (the cooldown throttles it)',
    ]);
  });

  test('Gnocchi helpers: timespans, granularities, fnmatch, archive policy rule precedence', () => {
    assert.equal(timespanSeconds('0:05:00'), 300);
    assert.equal(timespanSeconds('30 days, 0:00:00'), 30 * 86400);
    assert.equal(timespanSeconds('1 day, 1:00:01'), 90001);
    assert.equal(timespanSeconds(60), 60);
    assert.equal(timespanSeconds('bogus'), undefined);
    assert.deepEqual(granularities(policy(['0:05:00', '0:01:00'])), [60, 300]);
    assert.ok(
      fnmatch('cpu', '*') && fnmatch('cpu', 'cp?') && fnmatch('disk.read.bytes', 'disk.*') && !fnmatch('cpux', 'cpu'),
    );
    assert.ok(fnmatch('cpu', '[bc]pu') && !fnmatch('cpu', '[!c]pu'));
    const rules = [
      { name: 'default', metric_pattern: '*', archive_policy_name: 'low' },
      { name: 'cpu', metric_pattern: 'cpu*', archive_policy_name: 'ceilometer-low-rate' },
    ];
    assert.equal(ruleForMetric(rules, 'cpu')?.archive_policy_name, 'ceilometer-low-rate');
    assert.equal(ruleForMetric(rules, 'memory')?.archive_policy_name, 'low');
  });
});

describe('why an alarm stays in insufficient data (recorded Gnocchi answers)', () => {
  test('no resource matches the query: the members lack metering.server_group', async () => {
    const g = gnocchiReplay({ 'POST /v1/search/resource/instance': { status: 200, body: [] } });
    assert.match(
      (await diagnoseAlarm(g, alarm()))!,
      /^no Gnocchi instance resource matches \{and:\[\{=:\{server_group:S-worker\}\},\{=:\{ended_at:null\}\}\]\}: the servers lack metadata metering.server_group/,
    );
  });

  test('the resources have no cpu metric', async () => {
    const g = gnocchiReplay({
      'POST /v1/search/resource/instance': { status: 200, body: [{ id: 'i1', metrics: { memory: 'x' } }] },
    });
    assert.match((await diagnoseAlarm(g, alarm()))!, /1 instance resource\(s\) match but none has a cpu metric/);
  });

  test('granularity not kept by the archive policy (60 s alarm on ceilometer-low-rate)', async () => {
    const g = gnocchiReplay({
      ...found,
      'GET /v1/metric/m1': { status: 200, body: { id: 'm1', archive_policy: policy(['0:05:00']) } },
    });
    assert.equal(
      await diagnoseAlarm(g, alarm()),
      'granularity 60 s is not in archive policy ceilometer-low-rate of cpu (it keeps 300 s): set the alarm granularity to one of them',
    );
  });

  test('aggregation not in the archive policy', async () => {
    const g = gnocchiReplay({
      ...found,
      'GET /v1/metric/m1': { status: 200, body: { id: 'm1', archive_policy: policy(['0:01:00'], ['mean']) } },
    });
    assert.match((await diagnoseAlarm(g, alarm()))!, /has no rate:mean aggregation \(has mean\)/);
  });

  test('no values in the window: polling interval vs granularity', async () => {
    const g = gnocchiReplay({
      ...found,
      'POST /v1/aggregates': { status: 200, body: { measures: { aggregated: [] } } },
    });
    assert.match(
      (await diagnoseAlarm(g, alarm()))!,
      /no cpu values at granularity 60 s since .*polling interval must be <= 60 s/,
    );
  });

  test('Gnocchi rejects the aggregation (e.g. Metrics not found)', async () => {
    const g = gnocchiReplay({
      ...found,
      'POST /v1/aggregates': {
        status: 400,
        body: { code: 400, description: { cause: 'Metrics not found', detail: ['x'] } },
      },
    });
    assert.match((await diagnoseAlarm(g, alarm()))!, /Gnocchi answers "Metrics not found \["x"\]"/);
  });

  test('values present: no diagnosis (the alarm is merely not evaluated yet)', async () => {
    const g = gnocchiReplay({
      ...found,
      'POST /v1/aggregates': {
        status: 200,
        body: { measures: { aggregated: [['2026-11-25T21:00:00+00:00', 60, 5.4e10]] } },
      },
    });
    assert.equal(await diagnoseAlarm(g, alarm()), null);
  });

  test('cpu_util and disabled alarms are named without asking Gnocchi', async () => {
    const g = gnocchiReplay({});
    assert.match((await diagnoseAlarm(g, alarm({ metric: 'cpu_util' })))!, /cpu_util was removed in Ceilometer Stein/);
    assert.equal(await diagnoseAlarm(g, { ...alarm(), enabled: false }), 'the alarm is disabled');
  });
});

describe('generator checks found by the chain', () => {
  test('--no-repeat-actions with a cooldown is flagged: signals inside the cooldown would be lost for good', async () => {
    const { validateSet } = await import('../src/validate/index.js');
    const { synthesize: synth } = await import('../src/templates/index.js');
    const { load } = await import('js-yaml');
    const codes = async (flags: Record<string, unknown>) => {
      const sy = synth(await resolveConfig({ flags, cwd: '/nonexistent' }));
      const templates: Record<string, Record<string, unknown>> = {
        [sy.main]: load(sy.files[sy.main]) as Record<string, unknown>,
      };
      for (const [f, text] of Object.entries(sy.childFiles)) templates[f] = load(text) as Record<string, unknown>;
      return validateSet({ main: sy.main, templates, environment: sy.environment as Record<string, unknown> }).map(
        (f) => f.code,
      );
    };
    assert.ok((await codes({ 'repeat-actions': false })).includes('alarm.repeat-off'));
    assert.ok(
      !(await codes({})).includes('alarm.repeat-off'),
      'the default (repeat on, cooldown 300 = one window) is clean',
    );
  });
});
