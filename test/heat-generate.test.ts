// The generated templates against the REAL local Heat (test/cloud): template validate and preview with
// the real resource schemas (only the generated env.yaml), then one stack created with Nova/Neutron/Octavia
// mapped to OS::Heat::None (Aodh stays real: the alarms and their trusts are really created). The test plays
// the servers: it signals every member's wait condition handle, as the boot scripts would. Then the worker
// tier's scale-up policy grows the group 1 -> 2, scale-down shrinks it, and the stack deletes cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { load as loadYaml } from 'js-yaml';
import { connect, type Cloud, type HeatResource } from '../src/openstack/index.js';
import { resolveConfig } from '../src/config/index.js';
import { synthesize } from '../src/templates/index.js';
import { until } from './helpers/poll.js';
import { cloudsYaml, envNoneTelemetry } from './helpers/test-cloud.js';

const repoRoot = path.resolve(import.meta.dirname, '..');
process.env.OS_CLIENT_CONFIG_FILE ??= cloudsYaml;

type Registry = { resource_registry: Record<string, string> };
const noneEnv = loadYaml(readFileSync(envNoneTelemetry, 'utf8')) as Registry;

/** Signals every wait condition handle of the stack (nested too) that is ready and not signalled yet. */
async function playServers(cloud: Cloud, stackId: string, done: Set<string>): Promise<number> {
  const all = await cloud.heat.resources(stackId, { nestedDepth: 3 });
  const handles = all.filter(
    (r: HeatResource) => r.resource_type === 'OS::Heat::WaitConditionHandle' && r.resource_status === 'CREATE_COMPLETE',
  );
  for (const h of handles) {
    if (done.has(h.physical_resource_id)) continue;
    const href = h.links.find((l) => l.rel === 'stack')?.href ?? '';
    const m = /\/stacks\/([^/]+)\/([^/]+)$/.exec(href);
    assert.ok(m, `stack link of ${h.resource_name}: ${href}`);
    const res = await cloud.heat.resource({ name: decodeURIComponent(m[1]), id: m[2] }, h.resource_name);
    const a = res.attributes as { endpoint: string; token: string };
    const r = await fetch(a.endpoint, {
      method: 'POST',
      headers: { 'X-Auth-Token': a.token, 'Content-Type': 'application/json' },
      body: JSON.stringify({ status: 'SUCCESS', reason: 'test plays the server', data: h.resource_name }),
    });
    assert.equal(r.status, 200, `signal ${h.resource_name}: HTTP ${r.status}`);
    done.add(h.physical_resource_id);
  }
  return done.size;
}

test(
  'generated templates on the real Heat: validate, preview, create, scale workers 1 -> 2 -> 1, delete',
  { timeout: 600_000 },
  async (t) => {
    const cloud = await connect({ cloud: 'faafo-local' });
    const cfg = await resolveConfig({ flags: { cooldown: 0, granularity: 60 }, cwd: repoRoot + '/test' });
    const synth = synthesize(cfg);
    const files = synth.childFiles;
    const genEnv = synth.environment as Registry;
    const params = {
      app_url: 'https://bundles.example.invalid/faafo.tgz',
      app_sha256: '0'.repeat(64),
      // more than one API server: a Swift image store (create makes it; given here as Heat would get it)
      image_store_url: 'swift://faafo-images?auth_url=http://127.0.0.1:5000/v3&application_credential_id=x',
      boot_timeout: 300,
      scaling_cooldown: 0,
    };

    await t.test('template validate with the real resource schemas (generated env.yaml only)', async () => {
      const v = await cloud.heat.validate({ template: synth.template, files, environment: genEnv });
      const p = v.Parameters as Record<string, unknown>;
      for (const k of ['image', 'api_flavor', 'worker_flavor', 'app_url', 'app_sha256', 'scaling_cooldown'])
        assert.ok(p[k], `parameter ${k}`);
    });

    await t.test('preview: required properties, types and ranges, also inside the member templates', async () => {
      const prev = await cloud.heat.preview({
        name: `faafo-gen-preview-${randomBytes(3).toString('hex')}`,
        template: synth.template,
        files,
        environment: genEnv,
        parameters: params,
      });
      const names = JSON.stringify(prev.resources);
      for (const r of ['api_asg', 'worker_asg', 'lb_pool', 'worker_cpu_high', 'services_server'])
        assert.match(names, new RegExp(r));
    });

    const name = `faafo-gen-${randomBytes(4).toString('hex')}`;
    const environment = { resource_registry: { ...genEnv.resource_registry, ...noneEnv.resource_registry } };
    let stack: { id: string; name: string } | undefined;
    const signalled = new Set<string>();
    try {
      await t.test('create with Nova/Neutron/Octavia as OS::Heat::None reaches CREATE_COMPLETE', async () => {
        stack = await cloud.heat.createStack({
          name,
          template: synth.template,
          files,
          environment,
          parameters: params,
          timeoutMins: 10,
        });
        const s = await until(
          async () => {
            await playServers(cloud, stack!.id, signalled);
            const info = await cloud.heat.getStack(stack!);
            if (info.status.endsWith('FAILED')) throw new Error(`${info.status}: ${info.reason}`);
            return info.status === 'CREATE_COMPLETE' ? info : undefined;
          },
          'CREATE_COMPLETE',
          300_000,
          500,
        );
        assert.equal(s.status, 'CREATE_COMPLETE');
        // services + one API member + one worker member
        assert.equal(signalled.size, 3);
        const out = await cloud.heat.outputs(stack!);
        assert.equal(out.worker_current_size, 1);
        assert.equal(out.api_current_size, 1);
        assert.match(String(out.worker_scale_up_url), /\/resources\/worker_scale_up\/signal$/);
        assert.match(String(out.watch_command), new RegExp(`openstack stack output show ${name} `));
        assert.match(String(out.worker_cpu_command), /server_group="[0-9a-f-]+-worker"/);
      });

      const scale = async (policy: string, want: number) => {
        const before = JSON.stringify(await cloud.heat.resourceMetadata(stack!, 'worker_asg'));
        await cloud.heat.signal(stack!, policy);
        await until(
          async () => {
            await playServers(cloud, stack!.id, signalled); // a new member's wait condition needs its "server"
            const m = await cloud.heat.resourceMetadata(stack!, 'worker_asg');
            return JSON.stringify(m) !== before && m.scaling_in_progress === false;
          },
          `worker_asg to finish scaling to ${want}`,
          180_000,
          500,
        );
        const out = await cloud.heat.outputs(stack!);
        assert.equal(out.worker_current_size, want);
      };

      await t.test('worker scale-up policy grows the group 1 -> 2', async () => scale('worker_scale_up', 2));
      await t.test('worker scale-down policy shrinks it 2 -> 1', async () => scale('worker_scale_down', 1));
    } finally {
      if (stack) {
        await t.test('delete cleanly', async () => {
          await cloud.heat.deleteStack(stack!);
          await until(
            async () => {
              const s = await cloud.heat.findStack(stack!.id);
              if (s?.status === 'DELETE_FAILED') throw new Error(`DELETE_FAILED: ${s.reason}`);
              return !s || s.status === 'DELETE_COMPLETE';
            },
            'DELETE_COMPLETE',
            180_000,
            500,
          );
        });
      }
    }
  },
);

test(
  'variants pass the real Heat validate and preview: --no-lb, all-in-one, external database/queue, alarm-url, queue scaling',
  { timeout: 300_000 },
  async () => {
    const cloud = await connect({ cloud: 'faafo-local' });
    const variants: Record<string, unknown>[] = [
      { lb: false },
      { topology: 'all-in-one' },
      { 'database-url': 'postgresql://u:p@192.0.2.1:5432/faafo', 'queue-url': 'amqp://u:p@192.0.2.1:5672/' },
      { 'alarm-action': 'alarm-url', 'repeat-actions': false, 'api-vcpus': 4 },
      { 'worker-scaling': 'queue', 'queue-url': 'amqp://u:p@192.0.2.1:5672/' },
    ];
    for (const flags of variants) {
      const synth = synthesize(await resolveConfig({ flags, cwd: repoRoot + '/test' }));
      const input = { template: synth.template, files: synth.childFiles, environment: synth.environment };
      await cloud.heat.validate(input);
      await cloud.heat.preview({
        ...input,
        name: `faafo-gen-variant-${randomBytes(3).toString('hex')}`,
        parameters: {
          ...synth.parameters,
          app_url: 'https://bundles.example.invalid/faafo.tgz',
          app_sha256: 'a'.repeat(64),
          ...(synth.parameters.image_store_url === undefined && 'image_store_url' in (synth.template as { parameters: object }).parameters
            ? { image_store_url: 'swift://faafo-images?auth_url=http://127.0.0.1:5000/v3&application_credential_id=x' }
            : {}),
          // queue scaling: the application credential (hidden parameters, no defaults)
          ...(flags['worker-scaling'] === 'queue'
            ? {
                scaler_auth_url: 'http://127.0.0.1:5000/v3',
                scaler_app_cred_id: 'f'.repeat(32),
                scaler_app_cred_secret: 'not-a-real-secret',
              }
            : {}),
        },
      });
    }
  },
);

test(
  'validate --remote: the committed heat/ passes the real Heat; a property only Heat knows is wrong fails it',
  { timeout: 300_000 },
  async () => {
    const { spawn } = await import('node:child_process');
    const { mkdtempSync, rmSync, writeFileSync, mkdirSync, readdirSync } = await import('node:fs');
    const os = await import('node:os');
    const run = (args: string[]) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', path.join(repoRoot, 'test/helpers/run-command.ts'), ...args],
        {
          cwd: repoRoot,
          env: { ...process.env, OS_CLIENT_CONFIG_FILE: cloudsYaml },
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
        child.on('close', (code) => resolve({ code, stdout, stderr })),
      );
    };
    const ok = await run(['validate', 'heat', '--remote', '--os-cloud', 'faafo-local', '--json']);
    assert.equal(ok.code, 0, ok.stderr + ok.stdout);
    const r = JSON.parse(ok.stdout) as {
      ok: boolean;
      remote: { validate: string; preview: string };
      findings: { code: string }[];
    };
    assert.deepEqual(r.remote, { validate: 'ok', preview: 'ok' });
    assert.deepEqual(
      r.findings.map((f) => f.code),
      ['remote.placeholder', 'remote.placeholder', 'remote.placeholder'],
    );

    const dir = mkdtempSync(path.join(os.tmpdir(), 'faafo-remote-'));
    try {
      mkdirSync(path.join(dir, 'bad'));
      for (const f of readdirSync(path.join(repoRoot, 'heat')).filter((f) => f.endsWith('.yaml'))) {
        let text = readFileSync(path.join(repoRoot, 'heat', f), 'utf8');
        if (f === 'faafo-stack.yaml')
          text = text.replace('url_path: /healthz', 'url_path: /healthz\n      max_retries_down: 3');
        writeFileSync(path.join(dir, 'bad', f), text);
      }
      const bad = await run(['validate', path.join(dir, 'bad'), '--remote', '--os-cloud', 'faafo-local']);
      assert.equal(bad.code, 1, bad.stderr);
      assert.match(bad.stdout, /error: faafo-stack\.yaml: \(heat\): .*Unknown Property max_retries_down/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
