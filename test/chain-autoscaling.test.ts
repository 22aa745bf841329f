// The whole autoscaling chain on the REAL local Keystone, Heat, Gnocchi and Aodh (test/cloud,
// start.sh --with-telemetry; scripts/ensure-services.sh starts it in CI): cpu measures -> Gnocchi -> Aodh alarm ->
// trust+ signal_url -> ScalingPolicy (cooldown) -> AutoScalingGroup, on the templates `faafo-stack generate`
// writes. Only Nova/Neutron/Octavia/... are OS::Heat::None (env-none-telemetry.yaml); the test plays the servers
// (signals each member's wait condition) and Ceilometer (test/helpers/fake-ceilometer.ts: a Gnocchi instance per
// member with the server_group its metadata carries, one cumulative cpu point per minute on the minute boundary).
// Generate flags: granularity 60 (the local archive policy faafo-test keeps 60 s and 300 s; real clouds'
// ceilometer-low-rate only 300 s - doctor checks that), 1 evaluation period, cooldown 40 s, repeat_actions on
// (the generator's default). Both tiers are exercised at once on one stack; a second stack of the same templates
// has members WITHOUT metering.server_group (the broken tie-in). Steps run in order.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { connect, type Cloud } from '../src/openstack/index.js';
import { stackAlarms } from '../src/stack/alarms.js';
import { CLOUD_ENV, ChainStack, NotificationCounter, chainInput, sleep, until } from './helpers/chain.js';
import { runCli } from './helpers/lifecycle-cli.js';

const sfx = randomBytes(3).toString('hex');
const GRANULARITY = 60;
const COOLDOWN = 40; // long enough to see the repeated signals ignored (Aodh evaluates every 10 s here), short for CI
const HIGH = 95; // % of the server's vCPU on every member (generated thresholds: up > 80 %, down < 15 %)
const IDLE = 2;
let cloud: Cloud;
let main: ChainStack;
let broken: ChainStack;
let dir: string;
const counter = new NotificationCounter();
const secInMinute = () => new Date().getUTCSeconds();

before(async () => {
  cloud = await connect({ cloud: 'faafo-local', env: { ...process.env, ...CLOUD_ENV } });
  main = new ChainStack(cloud, `chain-${sfx}`);
  broken = new ChainStack(cloud, `chain-broken-${sfx}`);
  broken.brokenTieIn = true;
  // The servers are OS::Heat::None: the app bundle is never downloaded, only its URL and checksum are required.
  const input = await chainInput([
    ...['--granularity', String(GRANULARITY), '--evaluation-periods', '1', '--cooldown', String(COOLDOWN)],
    ...['--app-url', 'http://127.0.0.1:9/faafo.tgz', '--app-sha256', 'a'.repeat(64)],
  ]);
  dir = input.dir;
  await Promise.all([main.create(input), broken.create(input)]);
  await Promise.all([main.discover(), broken.discover()]);
  await counter.start();
});

after(async () => {
  counter.close();
  await Promise.allSettled([main?.delete(), broken?.delete()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Nothing in the chain moved for this long: it is stuck, not slow. */
const STALL_S = 300;

/**
 * What the chain shows now: each tier's size (or "resizing"), its alarms' states, the notifications Aodh sent,
 * and the newest cpu measure Gnocchi has processed for each live member. Any change is progress.
 */
async function chainProgress(): Promise<string> {
  const parts: string[] = [String(counter.seen.length)];
  for (const t of main.tiers) {
    parts.push(`${t.name}=${(await main.settledSize(t)) ?? 'resizing'}`);
    for (const a of [...t.upAlarms, ...t.downAlarms]) parts.push(`${a.name}:${await main.alarmState(a.alarm_id)}`);
  }
  for (const inst of main.ceilometer.instances.filter((i) => !i.ended)) {
    const m = await main.ceilometer.gnocchi
      .measures('instance', inst.id, 'cpu', { granularity: GRANULARITY })
      .catch(() => []);
    parts.push(`${inst.id}@${m.at(-1)?.[0] ?? '-'}`);
  }
  return parts.join(' ');
}

/** Like until(), but the deadline moves on whenever progress() changes: fails after STALL_S without change. */
async function untilWhileMoving(what: string, done: () => Promise<boolean>, progress: () => Promise<string>): Promise<void> {
  let seen = await progress();
  let movedAt = Date.now();
  for (;;) {
    if (await done()) return; // an assertion inside done() fails the test at once
    await sleep(1000);
    const now = await progress().catch(() => seen);
    if (now !== seen) {
      seen = now;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > STALL_S * 1000) {
      throw new Error(`${what}: nothing in the chain moved for ${STALL_S} s (${now})`);
    }
  }
}

describe('autoscaling chain on real Gnocchi + Aodh (generated templates)', { timeout: 2_400_000 }, () => {
  let upAt: Record<string, number> = {};

  test('each tier has its own scale-up and scale-down alarm on its own server_group, insufficient data at first', async () => {
    assert.deepEqual(main.tiers.map((t) => t.name).sort(), ['api', 'workers']);
    const groups = new Set<string>();
    for (const t of main.tiers) {
      assert.equal(t.upAlarms.length, 1, `${t.name} up alarms`);
      assert.equal(t.downAlarms.length, 1, `${t.name} down alarms`);
      for (const a of [...t.upAlarms, ...t.downAlarms]) {
        assert.equal(a.state, 'insufficient data', a.name);
        assert.equal(a.gnocchi_aggregation_by_resources_threshold_rule?.granularity, GRANULARITY);
        await counter.watch(cloud, a.alarm_id);
      }
      // The alarm's query names what the members carry as metadata (resolved from the member definition).
      assert.equal(
        await main.memberServerGroup(t),
        t.serverGroup,
        `${t.name}: members' metering.server_group = the alarms' server_group`,
      );
      groups.add(t.serverGroup);
      assert.equal(await main.size(t), t.min, `${t.name} starts at its minimum`);
      assert.equal(t.step, 1);
      assert.equal(t.cooldownS, COOLDOWN);
    }
    assert.equal(groups.size, main.tiers.length, 'the tiers do not share a server_group');
  });

  test('sustained high CPU: each tier grows by exactly its step, and not again within the cooldown although its alarm keeps signalling', async (tc) => {
    main.setPercent(HIGH);
    broken.setPercent(HIGH);
    // The busy history ends at the previous minute boundary: valid for the whole current minute. Late in a
    // minute, start with the next one so the evaluator sees it before the window moves.
    if (secInMinute() > 40) await until('the next minute', async () => secInMinute() <= 40, 30);
    await Promise.all([main.tick('prev'), broken.tick('prev')]);
    const pushed = Date.now();
    upAt = {};
    await until(
      'every tier to grow',
      async () => {
        await Promise.all([main.tick('prev'), broken.tick('prev')]);
        for (const t of main.tiers) {
          if (upAt[t.name]) continue;
          const n = await main.settledSize(t);
          if (n !== undefined && n > t.min!) {
            assert.equal(n, t.min! + t.step, `tier ${t.name} grew by its step`);
            upAt[t.name] = Date.now();
            tc.diagnostic(
              `${t.name}: ${t.min} -> ${n} ${((upAt[t.name] - pushed) / 1000).toFixed(1)} s after the first high measure`,
            );
          }
        }
        return main.tiers.every((t) => upAt[t.name]);
      },
      180,
    );
    // Still busy: with repeat_actions Aodh runs the action again at every evaluation (10 s here). Wait until
    // every tier's alarm has notified again after the resize, then check no tier grew a second time.
    await until(
      'a repeated scale-up notification per tier after its resize',
      async () => {
        await Promise.all([main.tick('prev'), broken.tick('prev')]);
        return main.tiers.every((t) => counter.count(t.upAlarms[0].alarm_id, upAt[t.name]) >= 1);
      },
      Math.max(...main.tiers.map((t) => t.cooldownS)) - 10,
    );
    for (const t of main.tiers) {
      assert.ok(
        Date.now() < upAt[t.name] + t.cooldownS * 1000,
        `tier ${t.name}: still inside its ${t.cooldownS} s cooldown`,
      );
      assert.equal(await main.size(t), t.min! + t.step, `tier ${t.name} did not grow again within the cooldown`);
      assert.equal(await main.alarmState(t.upAlarms[0].alarm_id), 'alarm');
    }
  });

  test('idle: each tier shrinks back to its minimum once the cooldown is over, and stays there', async (tc) => {
    main.setPercent(IDLE);
    await main.tick('now');
    const idleAt = Date.now();
    const down: Record<string, number> = {};
    const peak: Record<string, number> = {};
    // Waits on the chain, not on a clock. On a busy machine (load average 8-11) Gnocchi's metricd processes the
    // idle measures minutes late; until then Aodh still sees the busy minutes and, once the 40 s cooldown is over,
    // its repeated signal may grow a tier once more before the idle data arrives (right: Heat did what the data
    // said). So any size up to max is accepted on the way down, and the wait lasts while the chain moves
    // (a measure processed, an alarm changing state, a notification, a resize); it fails only when nothing has
    // moved for STALL_S (the old fixed 200 s window failed there while every stage was still progressing).
    await untilWhileMoving(
      'every tier back at its minimum',
      async () => {
        await Promise.all([main.tick('now'), broken.tick('prev')]);
        for (const t of main.tiers) {
          if (down[t.name]) continue;
          const n = await main.settledSize(t);
          if (n !== undefined) {
            peak[t.name] = Math.max(peak[t.name] ?? 0, n);
            assert.ok(n >= t.min! && n <= t.max!, `tier ${t.name}: size ${n} outside [${t.min}, ${t.max}]`);
          }
          if (n === t.min) {
            down[t.name] = Date.now();
            tc.diagnostic(
              `${t.name}: back to ${n} (from ${peak[t.name]}) ${((down[t.name] - idleAt) / 1000).toFixed(1)} s after the first idle measure`,
            );
          }
        }
        return main.tiers.every((t) => down[t.name]);
      },
      chainProgress,
    );
    for (const t of main.tiers) {
      assert.equal(await main.alarmState(t.downAlarms[0].alarm_id), 'alarm', `${t.name} scale-down alarm fired`);
      assert.notEqual(await main.alarmState(t.upAlarms[0].alarm_id), 'alarm', `${t.name} scale-up alarm left alarm`);
      // The scale-up's cooldown also blocked the scale-down policy until it ended.
      assert.ok(
        down[t.name] >= upAt[t.name] + t.cooldownS * 1000 - 3000,
        `tier ${t.name} shrank only after its cooldown`,
      );
    }
    // Still idle, the down alarm keeps notifying (repeat_actions): at the minimum nothing more happens.
    const since = Date.now();
    await untilWhileMoving(
      'a repeated scale-down notification per tier at the minimum',
      async () => {
        await main.tick('now');
        return main.tiers.every((t) => counter.count(t.downAlarms[0].alarm_id, since) >= 1);
      },
      chainProgress,
    );
    for (const t of main.tiers) assert.equal(await main.size(t), t.min, `${t.name} stays at its minimum`);
  });

  test('a broken tie-in (members without metering.server_group) stays in insufficient data, and status says why', async () => {
    // The same busy measures flowed to the broken stack's members all along; its alarms never evaluated.
    for (const t of broken.tiers) {
      for (const a of [...t.upAlarms, ...t.downAlarms])
        assert.equal(await broken.alarmState(a.alarm_id), 'insufficient data', a.name);
      assert.equal(await broken.size(t), t.min, `${t.name} of the broken stack never scaled`);
    }
    const alarms = (await stackAlarms(broken.heat, cloud, broken.stack))!;
    assert.equal(alarms.length, 4);
    for (const a of alarms)
      assert.match(a.why ?? '', /no Gnocchi instance resource matches .*server_group/, `${a.resource}: ${a.why}`);
    const r = await runCli(['status', broken.name], CLOUD_ENV);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /alarm api +up +api_cpu_high: insufficient data/);
    assert.match(r.stdout, /why: no Gnocchi instance resource matches \{and:\[\{=:\{server_group:[0-9a-f-]+-api\}\}/);
  });

  test("status and events of the scaled stack: each tier's alarms, thresholds in % and ns, transitions", async () => {
    const s = await runCli(['status', main.name, '--json'], CLOUD_ENV);
    assert.equal(s.code, 0, s.stderr);
    const rep = JSON.parse(s.stdout) as {
      alarms: {
        tier: string;
        direction: string;
        thresholdPercent: number;
        threshold: number;
        unit: string;
        lastTransition: unknown;
        why: unknown;
      }[];
    };
    for (const t of main.tiers) {
      const up = rep.alarms.find((a) => a.tier === t.name && a.direction === 'up')!;
      assert.ok(up, `status lists ${t.name}'s scale-up alarm`);
      assert.equal(up.thresholdPercent, 80);
      assert.equal(up.threshold, 0.8 * GRANULARITY * 1e9);
      assert.equal(up.unit, `ns of CPU per ${GRANULARITY} s`);
      assert.ok(up.lastTransition);
      assert.equal(up.why, null);
    }
    const text = await runCli(['status', main.name], CLOUD_ENV);
    assert.match(
      text.stdout,
      /alarm workers +up +worker_cpu_high: \S.*rate:mean\(cpu\) > 80% \(48000000000 ns of CPU per 60 s\), 1 x 60 s/,
    );
    assert.match(text.stdout, /last transition .* -> alarm: Transition to alarm/);
    const ev = await runCli(['events', main.name], CLOUD_ENV);
    assert.equal(ev.code, 0, ev.stderr);
    for (const name of ['api_cpu_high', 'api_cpu_low', 'worker_cpu_high', 'worker_cpu_low']) {
      assert.match(
        ev.stdout,
        new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ {2}ALARM_ALARM +${name} {2}Transition to alarm`, 'm'),
      );
    }
    assert.match(ev.stdout, /ALARM_OK +worker_cpu_high {2}Transition to ok/);
  });
});
