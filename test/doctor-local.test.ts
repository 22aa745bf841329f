// doctor's checks against the REAL local cloud (test/cloud: Keystone, Heat, Swift, Gnocchi, Aodh; cloud
// `faafo-local` = demo user). That cloud has no Nova, Neutron, Glance or Octavia: the catalog check must fail
// naming exactly those, and the image/flavor/key pair/network/quota checks must say "skip" (their logic is
// covered against recorded API answers in doctor-fixtures.test.ts). Archive policy (faafo-test: 60 s + 300 s,
// rate:mean), instance.server_group and trust creation are checked for real.
// "Without telemetry" is simulated by hiding metric + alarming from the catalog (withoutServices, the same filter
// as the hidden `--without-service` flag): the local Gnocchi/Aodh keep running for the other tests.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '../src/openstack/index.js';
import {
  runDoctor,
  withoutServices,
  failed,
  type CheckResult,
  type DoctorCloud,
  type DoctorPlan,
} from '../src/doctor/index.js';
import { cloudsYaml } from './helpers/test-cloud.js';

const env = { ...process.env, OS_CLIENT_CONFIG_FILE: cloudsYaml };
let cloud: DoctorCloud;

const plan = (p: Partial<DoctorPlan> = {}): DoctorPlan => ({
  granularity: 60,
  alarmAction: 'trust',
  alarms: true,
  loadBalancer: true,
  bundleToSwift: true,
  image: 'debian-12',
  keyName: 'faafo',
  externalNetwork: 'public',
  servers: [
    { role: 'api', flavor: 'm1.small', count: 3 },
    { role: 'workers', flavor: 'm1.small', count: 5 },
  ],
  floatingIps: 1,
  loadBalancers: 1,
  ...p,
});
const byId = (rs: CheckResult[]) => Object.fromEntries(rs.map((r) => [r.id, r]));

before(async () => {
  cloud = await connect({ cloud: 'faafo-local', env });
});

describe('doctor on the local cloud (with telemetry)', () => {
  test('catalog fails naming exactly the services this cloud lacks; telemetry checks pass; the rest is skipped', async () => {
    const rs = byId(await runDoctor(cloud, plan()));
    assert.equal(rs.catalog.status, 'fail');
    for (const s of ['compute', 'network', 'image', 'load-balancer'])
      assert.match(rs.catalog.detail, new RegExp(`\\b${s} \\(`));
    for (const s of ['alarming', 'metric', 'object-store', 'orchestration'])
      assert.doesNotMatch(rs.catalog.detail, new RegExp(`\\b${s} \\(`));
    assert.ok(rs.catalog.fix);
    assert.equal(rs['archive-policy'].status, 'ok', rs['archive-policy'].detail);
    assert.match(rs['archive-policy'].detail, /faafo-test .*rate:mean at 60 s/);
    assert.equal(rs['resource-type'].status, 'ok');
    assert.equal(rs.trust.status, 'ok', rs.trust.detail);
    // No Nova/Glance/Neutron/Octavia here: these cannot run (doctor-fixtures.test.ts covers their logic).
    for (const id of ['image', 'flavors', 'keypair', 'external-network', 'quotas'])
      assert.equal(rs[id].status, 'skip', `${id}: ${rs[id].detail}`);
  });

  test('a granularity the archive policy lacks fails with the granularities it has as the fix', async () => {
    const rs = byId(await runDoctor(cloud, plan({ granularity: 120 })));
    assert.equal(rs['archive-policy'].status, 'fail');
    assert.match(rs['archive-policy'].detail, /keeps 60, 300 s, not the alarm granularity 120 s/);
    assert.match(rs['archive-policy'].fix!, /--granularity 60/);
    assert.equal(byId(await runDoctor(cloud, plan({ granularity: 300 })))['archive-policy'].status, 'ok');
  });

  test('alarm_url actions need the cloudformation endpoint instead of a trust (this cloud has it)', async () => {
    const rs = byId(await runDoctor(cloud, plan({ alarmAction: 'alarm_url' })));
    assert.equal(rs.trust.status, 'ok');
    assert.match(rs.trust.detail, /cloudformation endpoint present/);
    const noCfn = byId(await runDoctor(withoutServices(cloud, ['cloudformation']), plan({ alarmAction: 'alarm_url' })));
    assert.equal(noCfn.trust.status, 'fail');
    assert.match(noCfn.catalog.detail, /cloudformation/);
  });

  test('the trust probe leaves no trust behind', async () => {
    // Only self-trusts (trustor = trustee = this user) are the probe's: stacks of parallel test files create and
    // delete trusts for Aodh and Heat all the time, so a global count would race. Another doctor run in parallel
    // (doctor-cli.test.ts) may hold its own probe trust for a moment: wait until no self-trust is left that was
    // not there before.
    const selfTrusts = async () =>
      new Set(
        (
          await cloud.request<{ trusts: { id: string }[] }>('identity', 'GET', '/OS-TRUST/trusts', {
            query: { trustor_user_id: cloud.userId, trustee_user_id: cloud.userId },
          })
        ).data.trusts.map((t) => t.id),
      );
    const before = await selfTrusts();
    await runDoctor(cloud, plan());
    let left: string[] = [];
    for (let i = 0; i < 30; i++) {
      left = [...(await selfTrusts())].filter((id) => !before.has(id));
      if (left.length === 0) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    assert.deepEqual(left, [], 'self-trusts left behind by the probe');
  });
});

describe('doctor on the local cloud without telemetry (metric + alarming hidden from the catalog)', () => {
  test('catalog fails naming alarming and metric; archive policy and resource type are skipped', async () => {
    const rs = await runDoctor(withoutServices(cloud, ['metric', 'alarming']), plan());
    const r = byId(rs);
    assert.ok(failed(rs));
    assert.match(r.catalog.detail, /alarming \(Aodh/);
    assert.match(r.catalog.detail, /metric \(Gnocchi/);
    assert.match(r.catalog.fix!, /Aodh \+ Gnocchi/);
    assert.equal(r['archive-policy'].status, 'skip');
    assert.equal(r['resource-type'].status, 'skip');
  });

  test('a stack without autoscaling alarms does not need telemetry at all', async () => {
    const r = byId(await runDoctor(withoutServices(cloud, ['metric', 'alarming']), plan({ alarms: false })));
    assert.doesNotMatch(r.catalog.detail, /alarming|metric/);
    assert.equal(r.trust.status, 'skip');
  });
});
