// Issue 10 item 6, the class: `validate` warns on an autoscaling group of servers whose updates are not health-checked
// (no rolling_updates, members without a wait condition, a member wait condition that a replaced server does not
// re-arm), in hand-written templates; the generated sets have none of these findings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { load } from 'js-yaml';
import { resolveConfig } from '../src/config/index.js';
import { synthesize } from '../src/templates/index.js';
import { validateSet, type TemplateSet } from '../src/validate/index.js';

const repoRoot = path.resolve(import.meta.dirname, '..');
type Obj = Record<string, unknown>;
const CODES = ['group.no-rolling-updates', 'group.no-member-wait', 'group.member-wait-not-rearmed'];

const server = { type: 'OS::Nova::Server', properties: { image: 'debian', flavor: 'm1.small' } };
const member = (resources: Obj): Obj => ({ heat_template_version: '2018-08-31', resources });
const group = (resource: Obj, extra: Obj = {}): Obj => ({
  heat_template_version: '2018-08-31',
  resources: { pool: { type: 'OS::Heat::AutoScalingGroup', properties: { min_size: 1, max_size: 3, resource, ...extra } } },
});
const ROLLING = { rolling_updates: { max_batch_size: 1, min_in_service: 1 } };
const plainWait = {
  handle: { type: 'OS::Heat::WaitConditionHandle' },
  server,
  wait: { type: 'OS::Heat::WaitCondition', depends_on: ['server'], properties: { handle: { get_resource: 'handle' }, count: 1, timeout: 600 } },
};

const cases: { name: string; set: TemplateSet; want: string[] }[] = [
  {
    name: 'a group of bare servers, no rolling_updates',
    set: { main: 'main.yaml', templates: { 'main.yaml': group(server) } },
    want: ['group.no-member-wait', 'group.no-rolling-updates'],
  },
  {
    name: 'a group of bare servers with rolling_updates: still no wait condition',
    set: { main: 'main.yaml', templates: { 'main.yaml': group(server, ROLLING) } },
    want: ['group.no-member-wait'],
  },
  {
    name: 'member template (by registry) with a fixed-count wait condition on a plain handle',
    set: {
      main: 'main.yaml',
      templates: { 'main.yaml': group({ type: 'My::Member' }, ROLLING), 'member.yaml': member(plainWait) },
      environment: { resource_registry: { 'My::Member': 'member.yaml' } },
    },
    want: ['group.member-wait-not-rearmed'],
  },
  {
    name: 'member template named by file, no rolling_updates, count from a parameter',
    set: {
      main: 'main.yaml',
      templates: {
        'main.yaml': group({ type: 'member.yaml' }),
        'member.yaml': member({ ...plainWait, wait: { ...plainWait.wait, properties: { ...plainWait.wait.properties, count: { get_param: 'n' } } } }),
      },
    },
    want: ['group.member-wait-not-rearmed', 'group.no-rolling-updates'],
  },
  {
    name: 'member template without any wait condition',
    set: {
      main: 'main.yaml',
      templates: { 'main.yaml': group({ type: 'member.yaml' }, ROLLING), 'member.yaml': member({ server }) },
    },
    want: ['group.no-member-wait'],
  },
  {
    name: 're-armed by an OS::Heat::UpdateWaitConditionHandle',
    set: {
      main: 'main.yaml',
      templates: {
        'main.yaml': group({ type: 'member.yaml' }, ROLLING),
        'member.yaml': member({ ...plainWait, handle: { type: 'OS::Heat::UpdateWaitConditionHandle' } }),
      },
    },
    want: [],
  },
  {
    name: 're-armed by a computed count',
    set: {
      main: 'main.yaml',
      templates: {
        'main.yaml': group({ type: 'member.yaml' }, ROLLING),
        'member.yaml': member({
          ...plainWait,
          wait: { ...plainWait.wait, properties: { ...plainWait.wait.properties, count: { yaql: { expression: '1', data: {} } } } },
        }),
      },
    },
    want: [],
  },
  {
    name: 'a group of something else than servers',
    set: { main: 'main.yaml', templates: { 'main.yaml': group({ type: 'OS::Heat::Value', properties: { value: 'x' } }) } },
    want: [],
  },
];

for (const c of cases) {
  test(`validate: ${c.name}`, () => {
    const got = validateSet(c.set)
      .filter((f) => CODES.includes(f.code))
      .map((f) => {
        assert.equal(f.severity, 'warning');
        return f.code;
      })
      .sort();
    assert.deepEqual(got, c.want);
  });
}

for (const flags of [{}, { 'no-lb': true }, { 'worker-scaling': 'queue' }]) {
  test(`validate: the generated set (${JSON.stringify(flags)}) has rolling updates and re-armed member waits`, async () => {
    const s = synthesize(await resolveConfig({ flags, cwd: path.join(repoRoot, 'test') }));
    const templates: Record<string, Obj> = { [s.main]: load(s.files[s.main]) as Obj };
    for (const [f, text] of Object.entries(s.childFiles)) templates[f] = load(text) as Obj;
    const found = validateSet({ main: s.main, templates, environment: s.environment as Obj }).filter((f) => CODES.includes(f.code));
    assert.deepEqual(found, []);
    // and the check does look at them: without rolling_updates, the generated groups are named
    const main = templates[s.main] as { resources: Record<string, { properties: Obj }> };
    for (const g of ['api_asg', 'worker_asg']) delete main.resources[g].properties.rolling_updates;
    const again = validateSet({ main: s.main, templates, environment: s.environment as Obj }).filter((f) => f.code === 'group.no-rolling-updates');
    assert.deepEqual(again.map((f) => f.path).sort(), ['resources.api_asg.properties', 'resources.worker_asg.properties']);
  });
}
