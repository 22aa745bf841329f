// doctor's checks against the REAL local cloud (test/cloud: Keystone, Heat, Swift, Gnocchi, Aodh; cloud
// `faafo-local` = demo user). Octavia is never there. Nova, Neutron and Glance are there when the cloud was started
// `--with-compute` (the catalog says which; cloudHasCompute): then the catalog check names only load-balancer and
// the image/flavor/key pair/network checks pass against the cloud's content (test/cloud/compute/lib/content.py:
// debian-13, m1.small, faafo, public); without them the catalog check names all four and those checks say "skip"
// (their logic is covered against recorded API answers in doctor-fixtures.test.ts). Archive policy (faafo-test:
// 60 s + 300 s, rate:mean), instance.server_group and trust creation are checked for real.
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
import { cloudsYaml, cloudHasCompute, quotaNeeds } from './helpers/test-cloud.js';

const env = { ...process.env, OS_CLIENT_CONFIG_FILE: cloudsYaml };
let cloud: DoctorCloud;
let withCompute: boolean;

const plan = (p: Partial<DoctorPlan> = {}): DoctorPlan => ({
  granularity: 60,
  alarmAction: 'trust',
  alarms: true,
  loadBalancer: true,
  bundleToSwift: true,
  image: 'debian-13',
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
  withCompute = await cloudHasCompute();
});

describe('doctor on the local cloud (with telemetry)', () => {
  test('catalog fails naming exactly the services this cloud lacks; telemetry checks pass; the rest follows compute', async () => {
    const rs = byId(await runDoctor(cloud, plan()));
    assert.equal(rs.catalog.status, 'fail');
    const lacking = withCompute ? ['load-balancer'] : ['compute', 'network', 'image', 'load-balancer'];
    for (const s of lacking) assert.match(rs.catalog.detail, new RegExp(`\\b${s} \\(`));
    for (const s of ['alarming', 'metric', 'object-store', 'orchestration', 'compute', 'network', 'image'])
      if (!lacking.includes(s)) assert.doesNotMatch(rs.catalog.detail, new RegExp(`\\b${s} \\(`));
    assert.ok(rs.catalog.fix);
    assert.equal(rs['archive-policy'].status, 'ok', rs['archive-policy'].detail);
    assert.match(rs['archive-policy'].detail, /faafo-test .*rate:mean at 60 s/);
    assert.equal(rs['resource-type'].status, 'ok');
    assert.equal(rs.trust.status, 'ok', rs.trust.detail);
    if (withCompute) {
      assert.equal(rs.image.status, 'ok', rs.image.detail);
      assert.match(rs.image.detail, /^debian-13 \([0-9a-f-]{36}\) active/);
      assert.equal(rs.flavors.status, 'ok', rs.flavors.detail);
      assert.match(rs.flavors.detail, /m1\.small \(1 vCPU, 2048 MiB\)/);
      assert.equal(rs.keypair.status, 'ok', rs.keypair.detail);
      assert.match(rs.keypair.detail, /faafo exists/);
      assert.equal(rs['external-network'].status, 'ok', rs['external-network'].detail);
      assert.match(rs['external-network'].detail, /^public \([0-9a-f-]{36}\) is external/);
      // The free quota depends on what else runs on this cloud (test/cloud-real boots servers): the verdict must
      // follow from the numbers doctor reports. 3 + 5 servers of 1 vCPU / 2048 MiB, 1 floating IP.
      const q = rs.quotas;
      assert.notEqual(q.status, 'skip', q.detail);
      assert.match(q.detail, /not checked: load balancers \(no load-balancer endpoint\)/);
      const needs = quotaNeeds(q.detail);
      assert.ok(needs.length > 0, q.detail);
      if (q.status === 'ok') {
        assert.deepEqual(
          needs.map((n) => `${n.what} ${n.need}`),
          ['instances 8', 'cores 8', 'RAM MiB 16384', 'floating IPs 1'],
        );
        for (const n of needs) assert.ok(n.need <= n.free, q.detail);
      } else {
        assert.equal(q.status, 'fail', q.detail);
        for (const n of needs) assert.ok(n.need > n.free, q.detail);
        assert.match(q.fix!, /--max-api\/--max-workers/);
      }
    } else {
      // No Nova/Glance/Neutron/Octavia here: these cannot run (doctor-fixtures.test.ts covers their logic).
      for (const id of ['image', 'flavors', 'keypair', 'external-network', 'quotas'])
        assert.equal(rs[id].status, 'skip', `${id}: ${rs[id].detail}`);
    }
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
