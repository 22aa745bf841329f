// Table tests of the pure scaling decision: Aodh alarm windows, Heat capacity math, cooldown, min/max, step,
// oldest-first removal, and the period aggregation feeding it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  alarmState,
  newCapacity,
  decide,
  afterScaling,
  membersToRemove,
  type TierScaling,
  type TierState,
  type AdjustmentType,
} from '../monitoring/decision.js';
import { PeriodSeries } from '../monitoring/periods.js';
import { cpuTierScaling, queueTierScaling } from '../monitoring/params.js';

test('alarmState: all of the last N periods must breach; mixed windows change nothing', () => {
  const rule = { threshold: 80, comparison: 'gt' as const, evaluationPeriods: 3 };
  const rows: [number[], string][] = [
    [[], 'insufficient data'],
    [[90, 95], 'insufficient data'],
    [[90, 95, 99], 'alarm'],
    [[10, 90, 95, 99], 'alarm'],
    [[90, 95, 80], 'mixed'], // 80 is not > 80
    [[90, 10, 99], 'mixed'],
    [[10, 20, 30], 'ok'],
    [[99, 99, 10, 20, 30], 'ok'],
  ];
  for (const [values, want] of rows) assert.equal(alarmState(values, rule), want, JSON.stringify(values));
  const ops: [string, number, boolean][] = [
    ['gt', 5, false],
    ['ge', 5, true],
    ['lt', 5, false],
    ['le', 5, true],
    ['eq', 5, true],
    ['ne', 5, false],
  ];
  for (const [op, v, breach] of ops) {
    const r = alarmState([v], { threshold: 5, comparison: op as 'gt', evaluationPeriods: 1 });
    assert.equal(r, breach ? 'alarm' : 'ok', op);
  }
});

test('newCapacity follows heat/scaling/scalingutil.py and clamps to [min, max]', () => {
  const rows: [AdjustmentType, number, number, number | undefined, number][] = [
    // type, current, adjustment, min_adjustment_step, expected (min 1, max 10)
    ['change_in_capacity', 2, 1, undefined, 3],
    ['change_in_capacity', 2, -1, undefined, 1],
    ['change_in_capacity', 1, -1, undefined, 1], // clamped at min
    ['change_in_capacity', 9, 3, undefined, 10], // clamped at max
    ['exact_capacity', 4, 7, undefined, 7],
    ['exact_capacity', 4, 0, undefined, 1],
    ['exact_capacity', 4, 50, undefined, 10],
    ['percent_change_in_capacity', 4, 10, undefined, 5], // 0.4 -> away from zero -> +1
    ['percent_change_in_capacity', 4, -10, undefined, 3], // -0.4 -> -1
    ['percent_change_in_capacity', 5, 50, undefined, 7], // 2.5 -> toward zero -> +2
    ['percent_change_in_capacity', 5, -50, undefined, 3], // -2.5 -> -2
    ['percent_change_in_capacity', 5, 20, 3, 8], // +1 raised to min step 3
    ['percent_change_in_capacity', 8, -20, 3, 5], // -1.6 -> -1 -> step -3
  ];
  for (const [type, cur, adj, step, want] of rows) {
    const got = newCapacity(cur, { adjustmentType: type, scalingAdjustment: adj, minAdjustmentStep: step }, 1, 10);
    assert.equal(got, want, `${type} ${cur} ${adj} step ${step}`);
  }
});

const cfg: TierScaling = cpuTierScaling({
  minSize: 1,
  maxSize: 3,
  scaleUpCpu: 80,
  scaleDownCpu: 15,
  granularityS: 10,
  evaluationPeriods: 2,
  cooldownS: 30,
});
const at = (size: number, cooldownEndMs = 0, scalingInProgress = false): TierState => ({
  size,
  cooldownEndMs,
  scalingInProgress,
});

test('decide: table of alarm windows, sizes, cooldown and in-progress scaling', () => {
  const now = 1_000_000;
  const rows: { name: string; state: TierState; values: number[]; action: string; to: number; reason: RegExp }[] = [
    { name: 'no data', state: at(1), values: [], action: 'none', to: 1, reason: /insufficient/ },
    { name: 'one hot period of two', state: at(1), values: [95], action: 'none', to: 1, reason: /insufficient/ },
    { name: 'two hot periods', state: at(1), values: [90, 95], action: 'scale_up', to: 2, reason: /high alarm: 95 gt 80/ },
    { name: 'mixed window', state: at(1), values: [90, 50], action: 'none', to: 1, reason: /no alarm/ },
    { name: 'at max', state: at(3), values: [90, 95], action: 'none', to: 3, reason: /at max size 3/ },
    { name: 'cold at 3', state: at(3), values: [5, 3], action: 'scale_down', to: 2, reason: /low alarm/ },
    { name: 'cold at min', state: at(1), values: [5, 3], action: 'none', to: 1, reason: /at min size 1/ },
    { name: 'in cooldown', state: at(1, now + 12_000), values: [90, 95], action: 'none', to: 1, reason: /cooldown for 12 s/ },
    { name: 'cooldown over', state: at(1, now), values: [90, 95], action: 'scale_up', to: 2, reason: /high/ },
    { name: 'in progress', state: at(2, 0, true), values: [90, 95], action: 'none', to: 2, reason: /in progress/ },
    { name: 'between thresholds', state: at(2), values: [50, 50], action: 'none', to: 2, reason: /no alarm/ },
  ];
  for (const r of rows) {
    const d = decide(cfg, r.state, r.values, now);
    assert.equal(d.action, r.action, r.name);
    assert.equal(d.to, r.to, r.name);
    assert.equal(d.from, r.state.size, r.name);
    assert.match(d.reason, r.reason, r.name);
  }
});

test('decide: a sustained overload scales 1 -> 2 -> 3 one cooldown apart, then back down one step at a time', () => {
  let state = at(1);
  let t = 0;
  const sizes: number[] = [];
  const hot = [90, 95, 99];
  // Evaluate every 10 s for 2 minutes of overload: with a 30 s cooldown the group grows by one step per cooldown.
  for (; t <= 120_000; t += 10_000) {
    const d = decide(cfg, state, hot, t);
    state = afterScaling(cfg, state, d, t);
    sizes.push(state.size);
  }
  assert.deepEqual(sizes.slice(0, 5), [2, 2, 2, 3, 3]);
  assert.equal(state.size, 3, 'never beyond max');
  const downs: number[] = [];
  for (; t <= 300_000; t += 10_000) {
    const d = decide(cfg, state, [4, 2], t);
    state = afterScaling(cfg, state, d, t);
    downs.push(state.size);
  }
  assert.equal(downs[downs.length - 1], 1);
  assert.ok(downs.indexOf(1) > downs.indexOf(2) + 2, 'the second step waits for the cooldown');
});

test('policy cooldown overrides the group cooldown; without either there is none', () => {
  const c: TierScaling = {
    ...cfg,
    cooldownS: 100,
    up: { ...cfg.up, policy: { ...cfg.up.policy, cooldownS: 5 } },
    down: { ...cfg.down, policy: { adjustmentType: 'change_in_capacity', scalingAdjustment: -1 } },
  };
  const s1 = afterScaling(c, at(1), decide(c, at(1), [99, 99], 0), 0);
  assert.equal(s1.cooldownEndMs, 5_000);
  const s2 = afterScaling(c, at(3), decide(c, at(3), [1, 1], 0), 0);
  assert.equal(s2.cooldownEndMs, 100_000, 'group cooldown when the policy has none');
});

test('membersToRemove: oldest first by created time, then by name', () => {
  const members = [
    { id: 'c', createdMs: 300 },
    { id: 'a', createdMs: 100, name: 'w-2' },
    { id: 'b', createdMs: 100, name: 'w-1' },
    { id: 'd', createdMs: 400 },
  ];
  assert.deepEqual(
    membersToRemove(members, 2).map((m) => m.id),
    ['b', 'a'],
  );
  assert.deepEqual(membersToRemove(members, 0), []);
  assert.equal(membersToRemove(members, 9).length, 4);
});

test('PeriodSeries: means of completed, epoch-aligned periods only', () => {
  const s = new PeriodSeries(10, 3);
  s.add(1_000, 10);
  s.add(9_000, 30); // period [0,10)
  s.add(12_000, 50); // period [10,20)
  s.add(25_000, 70); // period [20,30), still open at 25 s
  assert.deepEqual(s.completed(25_000), [20, 50]);
  assert.deepEqual(s.completed(30_000), [20, 50, 70]);
  for (let t = 30_000; t < 100_000; t += 10_000) s.add(t, t / 1000);
  assert.deepEqual(s.completed(100_000), [70, 80, 90], 'keeps only the last 3');
  s.add(100_000, Number.NaN);
  assert.deepEqual(s.completed(120_000), [70, 80, 90], 'non-finite samples ignored');
});

test('settings builders reject impossible sizes and inverted thresholds', () => {
  assert.throws(() => cpuTierScaling({ ...base(), minSize: 3, maxSize: 2 }), /min 3, max 2/);
  assert.throws(() => cpuTierScaling({ ...base(), scaleUpCpu: 10, scaleDownCpu: 20 }), /below the scale-up/);
  const q = queueTierScaling({
    minSize: 1,
    maxSize: 3,
    scaleUpBacklogPerWorker: 2,
    scaleDownBacklogPerWorker: 0.5,
    granularityS: 5,
    evaluationPeriods: 1,
    scaleDownEvaluationPeriods: 3,
    cooldownS: 10,
  });
  assert.equal(q.down.alarm.evaluationPeriods, 3);
  assert.equal(decide(q, at(1), [6], 0).action, 'scale_up');
  assert.equal(decide(q, at(2), [0, 0], 0).action, 'none', 'scale-down needs three quiet periods');
  assert.equal(decide(q, at(2), [0, 0, 0], 0).action, 'scale_down');
});

function base() {
  return { minSize: 1, maxSize: 3, scaleUpCpu: 80, scaleDownCpu: 15, granularityS: 60, evaluationPeriods: 1, cooldownS: 60 };
}
