// doctor's checks that the LOCAL cloud cannot run (it has no Nova, Glance, Neutron or Octavia, and its Gnocchi
// has the test policy faafo-test, not Ceilometer's): image, flavors, key pair, external network, quotas, the
// 300 s-only ceilometer-low-rate policy and refused trusts - against recorded answers shaped like the real APIs'
// (test/fixtures/doctor/production-cloud.json; test/helpers/fixture-cloud.ts replays them).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runDoctor, failed, planFromConfig, type CheckResult, type DoctorPlan } from '../src/doctor/index.js';
import { resolveConfig } from '../src/config/index.js';
import { FixtureCloud } from './helpers/fixture-cloud.js';

const plan = (p: Partial<DoctorPlan> = {}): DoctorPlan => ({
  granularity: 300,
  alarmAction: 'trust',
  alarms: true,
  loadBalancer: true,
  bundleToSwift: false,
  image: 'debian-12',
  keyName: 'faafo',
  externalNetwork: 'public',
  servers: [
    { role: 'api', flavor: 'm1.small', count: 3 },
    { role: 'workers', flavor: 'm1.small', count: 4 },
    { role: 'services', flavor: 'm1.medium', count: 1 },
  ],
  floatingIps: 1,
  loadBalancers: 1,
  ...p,
});
const run = async (cloud: FixtureCloud, p?: Partial<DoctorPlan>) => {
  const rs = await runDoctor(cloud, plan(p));
  return Object.assign(Object.fromEntries(rs.map((r) => [r.id, r])) as Record<string, CheckResult>, { all: rs });
};

describe('doctor against recorded answers of a production-like cloud', () => {
  test('everything present and within quota at granularity 300: all ok, exit would be 0', async () => {
    const cloud = new FixtureCloud('production-cloud.json');
    const r = await run(cloud);
    for (const x of r.all) assert.equal(x.status, 'ok', `${x.id}: ${x.detail}`);
    assert.ok(!failed(r.all));
    assert.match(r['archive-policy'].detail, /ceilometer-low-rate .*rate:mean at 300 s/);
    assert.match(r.flavors.detail, /m1.small \(1 vCPU, 2048 MiB\), m1.medium \(2 vCPU, 4096 MiB\)/);
    // instances 3+4+1 = 8 of 10-2 free; cores 3+4+2 = 9 of 18; RAM 7*2048+4096 = 18432 of 47104; FIP 1 of 1; LB 1 of 2-1.
    assert.match(
      r.quotas.detail,
      /instances 8 needed, 8 free of 10; cores 9 needed, 18 free of 20; RAM MiB 18432 needed, 47104 free of 51200/,
    );
    assert.match(r.quotas.detail, /floating IPs 1 needed, 1 free of 2; load balancers 1 needed, 1 free of 2/);
    // the trust probe deleted what it created
    assert.ok(cloud.calls.includes('identity DELETE /OS-TRUST/trusts/5c6d7e8f9a0b41c2d3e4f5a6b7c8d9e0'));
  });

  test('granularity 60 against ceilometer-low-rate (300 s only, what clouds ship): fail, fix --granularity 300', async () => {
    const r = await run(new FixtureCloud('production-cloud.json'), { granularity: 60 });
    assert.equal(r['archive-policy'].status, 'fail');
    assert.match(
      r['archive-policy'].detail,
      /keeps 300 s, not the alarm granularity 60 s: the alarms would stay in insufficient data/,
    );
    assert.equal(r['archive-policy'].fix, 'use --granularity 300');
  });

  test('an existing instance cpu metric decides the policy; without rate:mean it fails', async () => {
    const cloud = new FixtureCloud('production-cloud.json', {
      routes: {
        'metric POST /v1/search/resource/instance': { status: 200, body: [{ id: 'i-1', metrics: { cpu: 'm-1' } }] },
        'metric GET /v1/metric/m-1': {
          status: 200,
          body: {
            id: 'm-1',
            name: 'cpu',
            archive_policy: {
              name: 'ceilometer-low',
              definition: [{ granularity: '0:05:00' }],
              aggregation_methods: ['mean'],
            },
          },
        },
      },
    });
    const r = await run(cloud);
    assert.equal(r['archive-policy'].status, 'fail');
    assert.match(r['archive-policy'].detail, /ceilometer-low \(from cpu metric of instance i-1\) has no rate:mean/);
  });

  test('no ceilometer-low-rate policy: the archive policy rule for cpu applies (here mean only -> fail)', async () => {
    const cloud = new FixtureCloud('production-cloud.json', {
      routes: { 'metric GET /v1/archive_policy/ceilometer-low-rate': { status: 404, body: {} } },
    });
    const r = await run(cloud);
    assert.equal(r['archive-policy'].status, 'fail');
    assert.match(
      r['archive-policy'].detail,
      /ceilometer-low \(from archive policy rule default \(\*\)\) has no rate:mean/,
    );
  });

  test('instance resource type without server_group: fail', async () => {
    const cloud = new FixtureCloud('production-cloud.json', {
      routes: {
        'metric GET /v1/resource_type/instance': {
          status: 200,
          body: { name: 'instance', attributes: { host: { type: 'string', required: true } } },
        },
      },
    });
    const r = await run(cloud);
    assert.equal(r['resource-type'].status, 'fail');
    assert.match(r['resource-type'].fix!, /ceilometer-upgrade/);
  });

  test('a restricted application credential cannot create the trust Aodh needs: fail, fix alarm_url', async () => {
    const cloud = new FixtureCloud('production-cloud.json', {
      routes: {
        'identity GET /auth/tokens': {
          status: 200,
          body: {
            token: {
              methods: ['application_credential'],
              roles: [{ name: 'member' }],
              application_credential: { id: 'ac1', name: 'ci', restricted: true },
            },
          },
        },
        'identity POST /OS-TRUST/trusts': {
          status: 403,
          body: {
            error: {
              code: 403,
              title: 'Forbidden',
              message:
                "You are not authorized to perform the requested action: Using method 'application_credential' is not allowed for managing trusts.",
            },
          },
        },
      },
    });
    const r = await run(cloud);
    assert.equal(r.trust.status, 'fail');
    assert.match(r.trust.detail, /refuses a trust for this application credential: .*not allowed for managing trusts/);
    assert.match(r.trust.fix!, /--alarm-action alarm-url/);
    // and with alarm_url (cloudformation in the catalog) the same cloud is fine
    assert.equal((await run(cloud, { alarmAction: 'alarm_url' })).trust.status, 'ok');
  });

  test('missing image, ambiguous image name, missing flavor, missing key pair, non-external network', async () => {
    const twoImages = { id: 'a1', name: 'debian-12', status: 'active' };
    const cloud = new FixtureCloud('production-cloud.json', {
      routes: {
        'image GET /v2/images?name=debian-12': {
          status: 200,
          body: { images: [twoImages, { ...twoImages, id: 'b2' }] },
        },
        'image GET /v2/images?name=nope': { status: 200, body: { images: [] } },
        'compute GET /os-keypairs/nokey': {
          status: 404,
          body: { itemNotFound: { code: 404, message: 'Keypair nokey not found for user x' } },
        },
      },
    });
    const r = await run(cloud, { servers: [{ role: 'api', flavor: 'm9.huge', count: 1 }] });
    assert.equal(r.image.status, 'fail');
    assert.match(r.image.detail, /2 images are named debian-12/);
    assert.equal(r.flavors.status, 'fail');
    assert.match(r.flavors.detail, /m9.huge/);
    // flavor unknown: the quota check still counts instances but cannot count cores/RAM
    assert.match(r.quotas.detail, /instances 1 needed/);
    assert.doesNotMatch(r.quotas.detail, /cores/);
    const r2 = await run(cloud, { image: 'nope', keyName: 'nokey', externalNetwork: 'private' });
    assert.match(r2.image.detail, /image nope not found/);
    assert.equal(r2.keypair.status, 'fail');
    assert.match(r2.keypair.fix!, /openstack keypair create/);
    assert.equal(r2['external-network'].status, 'fail');
    assert.match(r2['external-network'].detail, /external network private not found \(external networks: public\)/);
  });

  test('maximum sizes beyond the quota: quotas fail naming what is short', async () => {
    const r = await run(new FixtureCloud('production-cloud.json'), {
      servers: [
        { role: 'api', flavor: 'm1.medium', count: 4 },
        { role: 'workers', flavor: 'm1.medium', count: 6 },
      ],
      floatingIps: 2,
      loadBalancers: 2,
    });
    assert.equal(r.quotas.status, 'fail');
    assert.match(r.quotas.detail, /instances 10 needed, 8 free of 10/);
    assert.match(r.quotas.detail, /cores 20 needed, 18 free of 20/);
    assert.match(r.quotas.detail, /floating IPs 2 needed, 1 free of 2/);
    assert.match(r.quotas.detail, /load balancers 2 needed, 1 free of 2/);
    assert.doesNotMatch(r.quotas.detail, /RAM/, 'RAM (40960 of 47104 free) is not short');
    assert.match(r.quotas.fix!, /openstack quota show/);
  });

  test('a cloud without Octavia and Swift: catalog fails for load-balancer only when the plan has a load balancer', async () => {
    const cloud = new FixtureCloud('production-cloud.json', { without: ['load-balancer', 'object-store'] });
    const r = await run(cloud, { bundleToSwift: true });
    assert.equal(r.catalog.status, 'fail');
    assert.match(r.catalog.detail, /load-balancer \(Octavia.*object-store \(Swift/);
    assert.match(r.quotas.detail, /not checked: load balancers \(no load-balancer endpoint\)/);
    const r2 = await run(cloud, { loadBalancer: false, loadBalancers: 0 });
    assert.equal(r2.catalog.status, 'ok');
  });

  test('an API that errors is a failed check with its one-line reason, not a crash', async () => {
    const cloud = new FixtureCloud('production-cloud.json', {
      routes: { 'compute GET /limits': { status: 503, body: { message: 'Service Unavailable' } } },
    });
    const r = await run(cloud);
    assert.equal(r.quotas.status, 'fail');
    assert.match(r.quotas.detail, /could not check: .*503/);
  });

  test('the plan from generate flags: servers at their maximum per flavor, LB, floating IPs, Swift when no --app-url', async () => {
    const cfg = await resolveConfig({
      flags: { 'max-api': 4, 'max-workers': 8, 'worker-flavor': 'm1.medium', granularity: 60 },
      cwd: '/nonexistent',
    });
    const p = planFromConfig(cfg);
    assert.deepEqual(p.servers, [
      { role: 'api', flavor: 'm1.small', count: 4 },
      { role: 'workers', flavor: 'm1.medium', count: 8 },
      { role: 'services', flavor: 'm1.small', count: 1 },
    ]);
    assert.equal(p.granularity, 60);
    assert.equal(p.alarmAction, 'trust');
    assert.equal(p.loadBalancers, 1);
    assert.equal(p.floatingIps, 1);
    assert.equal(p.bundleToSwift, true, 'create uploads the bundle to Swift when no --app-url is given');
    const noLb = planFromConfig(
      await resolveConfig({
        flags: { lb: false, 'max-api': 3, 'app-url': 'https://example.org/f.tgz', 'alarm-action': 'alarm-url' },
        cwd: '/nonexistent',
      }),
    );
    assert.equal(noLb.floatingIps, 3, 'a floating IP per API server without the load balancer');
    assert.equal(noLb.loadBalancers, 0);
    // more than one API server: create makes a Swift image store (issue 10), so object-store is needed even with --app-url
    assert.equal(noLb.bundleToSwift, true, 'a Swift image store with more than one API server');
    const oneApi = planFromConfig(
      await resolveConfig({
        flags: { lb: false, 'max-api': 1, 'app-url': 'https://example.org/f.tgz' },
        cwd: '/nonexistent',
      }),
    );
    assert.equal(oneApi.bundleToSwift, false, 'one API server with --app-url: no bundle upload, file: image store');
    assert.equal(noLb.alarmAction, 'alarm_url');
    // 12 + 1 servers need more than the 8 free instances of the recorded cloud
    const r = await runDoctor(new FixtureCloud('production-cloud.json'), { ...p, granularity: 300 });
    assert.match(r.find((x) => x.id === 'quotas')!.detail, /instances 13 needed, 8 free of 10/);
  });
});
