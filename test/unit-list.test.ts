// The unit subset (test/unit-tests.txt, `npm run test:unit`) names real test files that need no services, and the
// runner never hands node's test runner an empty or non-test selection (node would then pick up scripts/test.mjs
// as "the" test: issue 11, item 15).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const listed = readFileSync(path.join(root, 'test/unit-tests.txt'), 'utf8')
  .split('\n')
  .map((l) => l.replace(/#.*/, '').trim())
  .filter(Boolean);

test('every listed unit test is a test file that exists, once', () => {
  assert.ok(listed.length >= 10, `${listed.length} files`);
  assert.equal(new Set(listed).size, listed.length, 'no duplicates');
  for (const f of listed) {
    assert.match(f, /^test\/[a-z0-9-]+\.test\.ts$/, f);
    assert.ok(existsSync(path.join(root, f)), `${f} exists`);
  }
});

test('no listed unit test uses the shared services or the cloud', () => {
  const serviceHelpers = /helpers\/(services|api-backends|scaled-out|fixture-cloud|chain|local-e2e)\.js/;
  for (const f of listed) {
    const src = readFileSync(path.join(root, f), 'utf8');
    assert.doesNotMatch(src, serviceHelpers, `${f} imports a service helper`);
  }
});

test('the runner refuses a selection without test files instead of letting node pick up scripts/', () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['scripts/test.mjs', ...args], { cwd: root, encoding: 'utf8' });
  const none = run('--only', 'no-such-folder');
  assert.equal(none.status, 2);
  assert.match(none.stderr, /no test files match no-such-folder/);
  const script = run('scripts/test.mjs');
  assert.equal(script.status, 2);
  assert.match(script.stderr, /not test files: scripts\/test\.mjs/);
});
