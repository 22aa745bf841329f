// `faafo-stack doctor` as a user runs it, against the REAL local cloud (faafo-local: Keystone, Heat, Swift,
// Gnocchi, Aodh; Nova/Neutron/Glance only when started --with-compute - the catalog says which, cloudHasCompute;
// never Octavia, so the catalog check fails and exit is 1 - the right verdict for this cloud). "Without telemetry" = the hidden --without-service flag hiding metric + alarming from the
// catalog (the local Gnocchi/Aodh keep running for other tests).
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from './helpers/lifecycle-cli.js';
import { cloudsYaml, cloudHasCompute, quotaNeeds } from './helpers/test-cloud.js';

const env = { OS_CLIENT_CONFIG_FILE: cloudsYaml, OS_CLOUD: '' };
interface Report {
  cloud: string;
  ok: boolean;
  checks: { id: string; title: string; status: string; detail: string; fix?: string }[];
}

let withCompute: boolean;
before(async () => {
  withCompute = await cloudHasCompute();
});

describe('faafo-stack doctor (local cloud)', () => {
  test('text: one line per check with ok/fail/skip, a fix line under each failure, exit 1', async () => {
    const r = await runCli(['doctor', '--os-cloud', 'faafo-local'], env);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^doctor: cloud faafo-local$/m);
    assert.match(r.stdout, /^ +fix: check `openstack catalog list`/m);
    assert.match(r.stdout, /^ {2}ok {4}archive policy of cpu +faafo-test .*rate:mean at 300 s/m);
    assert.match(r.stdout, /^ {2}ok {4}Gnocchi instance.server_group/m);
    assert.match(r.stdout, /^ {2}ok {4}alarm action delegation +can create trusts/m);
    if (withCompute) {
      // Only Octavia is missing; the defaults (debian-13, m1.small, key pair faafo, network public) are the
      // compute cloud's content (test/cloud/compute/lib/content.py).
      assert.match(r.stdout, /^ {2}fail {2}service catalog +missing load-balancer \(/m);
      assert.doesNotMatch(r.stdout, /missing .*\b(compute|network|image) \(/);
      assert.match(r.stdout, /^ {2}ok {4}image +debian-13 \([0-9a-f-]{36}\) active$/m);
      assert.match(r.stdout, /^ {2}ok {4}flavors +m1\.small \(1 vCPU, 2048 MiB\)$/m);
      assert.match(r.stdout, /^ {2}ok {4}key pair +faafo exists$/m);
      assert.match(r.stdout, /^ {2}ok {4}external network +public \([0-9a-f-]{36}\) is external$/m);
      // The free quota depends on the servers other tests (test/cloud-real) run right now: the verdict must follow
      // from the numbers shown, and the tally must count it.
      const q = /^ {2}(ok|fail) {2,}quotas at maximum size +(.*)$/m.exec(r.stdout);
      assert.ok(q, r.stdout);
      const needs = quotaNeeds(q[2]!);
      assert.ok(needs.length > 0, q[2]);
      for (const n of needs) assert.equal(n.need <= n.free, q[1] === 'ok', q[2]);
      assert.match(r.stdout, new RegExp(`^\\d+ ok, \\d+ warn, ${q[1] === 'ok' ? 1 : 2} fail, 0 skip$`, 'm'));
    } else {
      assert.match(r.stdout, /^ {2}fail {2}service catalog +missing compute .*load-balancer/m);
      assert.match(r.stdout, /^ {2}skip {2}quotas at maximum size/m);
      assert.match(r.stdout, /^\d+ ok, \d+ warn, 1 fail, \d+ skip$/m);
    }
    assert.doesNotMatch(r.stdout + r.stderr, /secret/);
  });

  test('--json with generate flags: the archive policy lacks 600 s -> that check fails with the fix', async () => {
    const r = await runCli(
      ['doctor', '--os-cloud', 'faafo-local', '--granularity', '600', '--max-workers', '4', '--json'],
      env,
    );
    assert.equal(r.code, 1, r.stderr);
    const rep = JSON.parse(r.stdout) as Report;
    assert.equal(rep.ok, false);
    const ap = rep.checks.find((c) => c.id === 'archive-policy')!;
    assert.equal(ap.status, 'fail');
    assert.match(ap.detail, /keeps 60, 300 s, not the alarm granularity 600 s/);
    assert.deepEqual(
      rep.checks.map((c) => c.id),
      [
        'catalog',
        'archive-policy',
        'resource-type',
        'trust',
        'image',
        'flavors',
        'keypair',
        'external-network',
        'quotas',
        'write-access',
      ],
    );
    // who may write (issue 15): the default is protected
    const wa = rep.checks.find((c) => c.id === 'write-access')!;
    assert.equal(wa.status, 'ok');
    assert.match(wa.detail, /^protected: creates and deletes need the API key/);
  });

  test('without telemetry (metric + alarming hidden): catalog names them, telemetry checks skip', async () => {
    const r = await runCli(
      ['doctor', '--os-cloud', 'faafo-local', '--without-service', 'metric', '--without-service', 'alarming', '--json'],
      env,
    );
    assert.equal(r.code, 1, r.stderr);
    const rep = JSON.parse(r.stdout) as Report;
    const by = Object.fromEntries(rep.checks.map((c) => [c.id, c]));
    assert.match(by.catalog.detail, /alarming \(Aodh.*metric \(Gnocchi/);
    assert.equal(by['archive-policy'].status, 'skip');
    assert.equal(by['resource-type'].status, 'skip');
  });

  test('bad flags: one line, exit 2, no stack trace', async () => {
    const r = await runCli(['doctor', '--os-cloud', 'faafo-local', '--topology', 'pyramid'], env);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    const r2 = await runCli(['doctor', '--os-cloud', 'no-such-cloud'], env);
    assert.notEqual(r2.code, 0);
    assert.equal(r2.stderr.trim().split('\n').length, 1, r2.stderr);
    assert.doesNotMatch(r2.stderr, /UNHANDLED|\n\s+at /);
  });
});
