// The whole autoscaling chain on the REAL local Keystone, Heat, Gnocchi and Aodh (../shared/openstack,
// start.sh --with-telemetry; scripts/ensure-services.sh starts it in CI): cpu measures -> Gnocchi -> Aodh alarm ->
// trust+ signal_url -> ScalingPolicy (cooldown) -> AutoScalingGroup. Only Nova/Neutron/Octavia are
// OS::Heat::None (env-none-telemetry.yaml); this test plays Ceilometer (test/helpers/fake-ceilometer.ts: one
// cumulative cpu point per minute on the minute boundary, resources created as ceilometer/service).
// One stack carries every tier (each tier is exercised at the same time to keep the file short), a second stack
// of the same template has members WITHOUT metering.server_group (the broken tie-in). Steps run in order.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { stackAlarms } from '../src/stack/alarms.js';
import { CLOUD_ENV, ChainStack, chainInput, until } from './helpers/chain.js';
import { localRequester } from './helpers/fake-ceilometer.js';
import { runCli } from './helpers/lifecycle-cli.js';

const sfx = randomBytes(3).toString('hex');
const cloud = localRequester('demo', 'demo');
const main = new ChainStack(cloud, `chain-${sfx}`);
const broken = new ChainStack(cloud, `chain-broken-${sfx}`);
const HIGH = 90; // % of one vCPU on every member
const IDLE = 2;
const secInMinute = () => new Date().getUTCSeconds();

/** Keep both fake Ceilometers feeding one point per new minute while waiting (busy: up to the previous minute). */
async function feed(last: 'prev' | 'now'): Promise<void> {
  await main.ceilometer.push(last);
  await broken.ceilometer.push(last);
}

before(async () => {
  const input = await chainInput();
  await Promise.all([main.create(input), broken.create(input)]);
  await Promise.all([main.discover(), broken.discover()]);
});

after(async () => {
  await Promise.allSettled([main.delete(), broken.delete()]);
});

describe('autoscaling chain on real Gnocchi + Aodh', { timeout: 420_000 }, () => {
  let upAt: Record<string, number> = {};

  test('each tier has a scale-up and a scale-down alarm tied to its members, in insufficient data before any measure', async () => {
    assert.ok(main.tiers.length >= 1, 'no AutoScalingGroup found');
    for (const t of main.tiers) {
      assert.ok(t.upAlarms.length && t.downAlarms.length, `tier ${t.name}: alarms up=${t.upAlarms.length} down=${t.downAlarms.length}`);
      for (const a of [...t.upAlarms, ...t.downAlarms]) assert.equal(a.state, 'insufficient data', `${a.name}`);
      assert.equal(await main.size(t), t.min, `tier ${t.name} starts at its minimum`);
      assert.ok(t.step >= 1 && t.min! + t.step <= t.max!, `tier ${t.name}: step ${t.step} fits in ${t.min}..${t.max}`);
      // Ceilometer makes one `instance` resource per server with the group's server_group; members = min size.
      for (let i = 0; i < (t.min ?? 1); i++) await main.ceilometer.instance(t.serverGroup, { percent: HIGH });
      // The broken stack's servers were booted without metering.server_group: no server_group attribute.
      for (let i = 0; i < (t.min ?? 1); i++) await broken.ceilometer.instance(null, { percent: HIGH });
    }
  });

  test('sustained high CPU: each tier grows by exactly its step, and no further within the cooldown', async () => {
    // The busy history ends at the previous minute boundary: valid for the whole current minute. Late in a
    // minute, start with the next one so the evaluator sees it before the window moves (README: minute boundaries).
    if (secInMinute() > 40) await until('the next minute', async () => secInMinute() <= 40, 30);
    await feed('prev');
    upAt = {};
    await until('every tier to grow', async () => {
      await feed('prev');
      for (const t of main.tiers) {
        if (upAt[t.name]) continue;
        const n = await main.settledSize(t);
        if (n !== undefined && n > t.min!) {
          assert.equal(n, t.min! + t.step, `tier ${t.name} grew by its step`);
          upAt[t.name] = Date.now();
        }
      }
      return main.tiers.every((t) => upAt[t.name]);
    }, 150);
    for (const t of main.tiers) {
      assert.equal(await main.alarmState(t.upAlarms[0].alarm_id), 'alarm', `${t.name} scale-up alarm fired`);
    }
    // Still busy: with repeat_actions the alarm signals again at every evaluation (10 s here). Wait for at
    // least one more signal per tier inside the cooldown and check the group did not grow again.
    const seen = Object.fromEntries(await Promise.all(main.tiers.map(async (t) => [t.name, (await main.signals(t.up!)).length] as const)));
    await until('a repeated scale-up signal inside the cooldown', async () => {
      await feed('prev');
      for (const t of main.tiers) {
        if (Date.now() > upAt[t.name] + t.cooldownS * 1000 - 5000) return true; // (cooldown nearly over: stop)
        if ((await main.signals(t.up!)).length <= seen[t.name]) return false;
      }
      return true;
    }, 90);
    for (const t of main.tiers) {
      const n = await main.size(t);
      assert.ok(Date.now() < upAt[t.name] + t.cooldownS * 1000, `tier ${t.name}: still inside its ${t.cooldownS} s cooldown`);
      assert.equal(n, t.min! + t.step, `tier ${t.name} did not grow again within the cooldown`);
    }
  });

  test('idle: each tier shrinks back to its minimum (after the cooldown) and stays there', async () => {
    main.ceilometer.setPercent(IDLE);
    await main.ceilometer.push('now');
    const down: Record<string, number> = {};
    await until('every tier back at its minimum', async () => {
      await main.ceilometer.push('now');
      await broken.ceilometer.push('prev');
      for (const t of main.tiers) {
        if (down[t.name]) continue;
        const n = await main.settledSize(t);
        if (n === t.min) down[t.name] = Date.now();
        else if (n !== undefined) assert.ok(n === t.min! + t.step, `tier ${t.name}: unexpected size ${n}`);
      }
      return main.tiers.every((t) => down[t.name]);
    }, 200);
    for (const t of main.tiers) {
      assert.equal(await main.alarmState(t.downAlarms[0].alarm_id), 'alarm', `${t.name} scale-down alarm fired`);
      assert.notEqual(await main.alarmState(t.upAlarms[0].alarm_id), 'alarm', `${t.name} scale-up alarm is no longer in alarm`);
      // Scale-down waited for the scale-up's cooldown (the cooldown blocks both policies).
      assert.ok(down[t.name] >= upAt[t.name] + t.cooldownS * 1000 - 2000, `tier ${t.name} shrank only after its cooldown`);
    }
  });

  test('a broken tie-in (members without metering.server_group) stays in insufficient data, and status says why', async () => {
    await broken.ceilometer.push('prev');
    // The same busy measures flowed to the broken stack's members all along; its alarms never left the state.
    for (const t of broken.tiers) {
      for (const a of [...t.upAlarms, ...t.downAlarms]) {
        assert.equal(await broken.alarmState(a.alarm_id), 'insufficient data', `${a.name} of the broken stack`);
      }
    }
    const cloudWithCatalog = Object.assign(cloud, { hasService: () => true });
    const alarms = (await stackAlarms(broken.heat, cloudWithCatalog, broken.stack))!;
    assert.ok(alarms.length >= 2);
    for (const a of alarms) {
      assert.equal(a.state, 'insufficient data');
      assert.match(a.why ?? '', /no Gnocchi instance resource matches .*server_group/, `${a.resource}: ${a.why}`);
    }
    // The tied alarms of the main stack evaluate: no "why".
    const mainAlarms = (await stackAlarms(main.heat, cloudWithCatalog, main.stack))!;
    for (const t of main.tiers) {
      const up = mainAlarms.find((a) => a.id === t.upAlarms[0].alarm_id)!;
      assert.equal(up.why, null);
      assert.ok(up.lastTransition, `${up.resource} has a transition in Aodh's history`);
      assert.ok(up.thresholdPercent !== null && up.thresholdPercent > 0 && up.thresholdPercent <= 100, `threshold in %: ${up.thresholdPercent}`);
    }
    // What a user runs: `faafo-stack status` prints the reason.
    const r = await runCli(['status', broken.name], CLOUD_ENV);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /insufficient data/);
    assert.match(r.stdout, /why: no Gnocchi instance resource matches/);
  });
});
