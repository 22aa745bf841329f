// doctor's write-access check and status's write mode (issue 15): protected by default; each opt-in is a warning
// naming what it lets in and the flag that turns it off; a stack's mode is read from its parameters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { resolveConfig } from '../src/config/index.js';
import { planFromConfig } from '../src/doctor/index.js';
import { writeAccessCheck } from '../src/doctor/checks/write-access.js';
import type { DoctorContext } from '../src/doctor/types.js';
import { formatWriteAccess, writeAccessOf } from '../src/stack/access-mode.js';

const cwd = path.resolve(import.meta.dirname);
const run = async (flags: Record<string, unknown>) => {
  const plan = planFromConfig(await resolveConfig({ flags, cwd }));
  return writeAccessCheck.run({ plan, facts: {} } as unknown as DoctorContext);
};

test('doctor write-access: ok when protected, warn with the flag to drop for each opt-in', async () => {
  const cases: [Record<string, unknown>, string, RegExp, RegExp | undefined][] = [
    [{}, 'ok', /^protected: creates and deletes need the API key/, undefined],
    [{ 'anonymous-writes': true }, 'warn', /^anonymous writes: anyone may create and delete fractals/, /--no-anonymous-writes/],
    [{ 'legacy-workers': true }, 'warn', /^legacy workers: .*original faafo worker, from the private subnet/, /--no-legacy-workers/],
    [{ 'anonymous-writes': true, 'legacy-workers': true }, 'warn', /^anonymous writes \+ legacy workers:/, /--no-anonymous-writes --no-legacy-workers/],
    // all-in-one has no separate workers: legacy workers do not apply
    [{ topology: 'all-in-one', 'legacy-workers': true }, 'ok', /^protected/, undefined],
  ];
  for (const [flags, status, detail, fix] of cases) {
    const r = await run(flags);
    assert.equal(r.status, status, JSON.stringify(flags));
    assert.match(r.detail, detail);
    if (fix) assert.match((r as { fix?: string }).fix ?? '', fix);
  }
});

test('status write mode from the stack parameters; a template without them says so', () => {
  assert.equal(writeAccessOf({ anonymous_writes: 'deny', legacy_workers: 'deny' })?.mode, 'protected');
  assert.equal(writeAccessOf({ anonymous_writes: 'allow', legacy_workers: 'deny' })?.mode, 'anonymous writes');
  assert.equal(writeAccessOf({ anonymous_writes: 'deny', legacy_workers: 'allow' })?.mode, 'legacy workers');
  assert.equal(writeAccessOf({ anonymous_writes: 'allow' })?.mode, 'anonymous writes', 'all-in-one has no legacy_workers');
  assert.equal(writeAccessOf({ image: 'debian-13' }), null);
  assert.match(formatWriteAccess(null), /^writes: not protected by this template/);
  assert.match(formatWriteAccess(writeAccessOf({ anonymous_writes: 'deny', legacy_workers: 'deny' })), /^writes: protected \(/);
});
