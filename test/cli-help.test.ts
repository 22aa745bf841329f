// `faafo-stack` help through the built CLI (bin/run.js, dist + manifest, as a user runs it; `npm test` builds
// first): `help <command>` works, and create's ~50 flags are grouped (sizes, scaling, network, app, cloud, output).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const repoRoot = path.resolve(import.meta.dirname, '..');
const run = (...args: string[]) =>
  spawnSync(process.execPath, [path.join(repoRoot, 'bin/run.js'), ...args], { encoding: 'utf8' });

/** Section header ("SIZES FLAGS") -> the long flag names listed in it. */
function flagSections(help: string): Map<string, string[]> {
  const sections = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of help.split('\n')) {
    if (/^[A-Z][A-Z ]*$/.test(line)) {
      current = line.endsWith('FLAGS') ? [] : undefined;
      if (current) sections.set(line, current);
      continue;
    }
    const m = /^ {2}(?:-\w, )? *--(?:\[no-\])?([a-z0-9-]+)/.exec(line);
    if (m && current) current.push(m[1]!);
  }
  return sections;
}

test('faafo-stack help create works and prints what create --help prints', () => {
  const viaHelp = run('help', 'create');
  assert.equal(viaHelp.status, 0, viaHelp.stderr);
  const direct = run('create', '--help');
  assert.equal(direct.status, 0, direct.stderr);
  assert.equal(viaHelp.stdout, direct.stdout);
  assert.match(viaHelp.stdout, /^USAGE\n {2}\$ faafo-stack create \[STACK\]/m);
  const topic = run('help', 'local', 'up');
  assert.equal(topic.status, 0, topic.stderr);
  assert.match(topic.stdout, /\$ faafo-stack local up/);
});

for (const cmd of ['create', 'update', 'diff']) {
  test(`${cmd} --help groups its flags: sizes, scaling, network, app, cloud, output`, () => {
    const r = run(cmd, '--help');
    assert.equal(r.status, 0, r.stderr);
    const s = flagSections(r.stdout);
    const expect: Record<string, string[]> = {
      'SIZES FLAGS': ['flavor', 'api-flavor', 'worker-flavor', 'min-api', 'max-api', 'min-workers', 'max-workers'],
      'SCALING FLAGS': [
        'scale-up-cpu',
        'scale-down-cpu',
        'granularity',
        'evaluation-periods',
        'cooldown',
        'worker-scaling',
      ],
      'NETWORK FLAGS': ['external-network', 'network-cidr', 'ssh-cidr', 'lb'],
      'APP FLAGS': ['image', 'app-url', 'app-sha256', 'database-url', 'queue-url', 'image-store-url'],
      'CLOUD FLAGS': ['os-cloud', 'os-region-name'],
    };
    if (cmd !== 'diff') expect['OUTPUT FLAGS'] = ['wait', 'outputs-file'];
    for (const [header, flags] of Object.entries(expect)) {
      assert.ok(s.has(header), `${cmd}: a ${header} section in ${[...s.keys()].join(', ')}`);
      for (const f of flags)
        assert.ok(s.get(header)!.includes(f), `${cmd}: --${f} under ${header}: ${s.get(header)!.join(' ')}`);
    }
    // What is left ungrouped is a short list, not 50 flags.
    assert.ok((s.get('FLAGS') ?? []).length <= 10, `${cmd} FLAGS: ${(s.get('FLAGS') ?? []).join(' ')}`);
  });
}
