// Next-step hints that lead somewhere (issue 11, item 9): `faafo serve --port N` suggests a create that reaches
// THAT server (run here as printed), `faafo-stack create` without a name says how to name a new stack, and
// "no cloud configured" explains clouds.yaml / OS_CLOUD / --os-cloud, as `--help` does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { main } from '../app/cli/main.js';
import type { Io } from '../app/cli/io.js';
import { freePort } from '../src/local/procs.js';
import { cleanEnv, spawnFaafo } from './helpers/procs.js';

const repoRoot = path.resolve(import.meta.dirname, '..');
const tsx = pathToFileURL(path.join(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href;

/** A faafo-stack command in an empty folder, with no cloud and no FAAFO_* settings in its environment. */
function bare(args: string[]) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faafo-hints-'));
  try {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dir, XDG_CONFIG_HOME: path.join(dir, '.config') };
    const r = spawnSync(
      process.execPath,
      ['--import', tsx, path.join(repoRoot, 'test/helpers/run-command.ts'), ...args],
      {
        cwd: dir,
        env,
        encoding: 'utf8',
      },
    );
    return { code: r.status, out: r.stdout, err: r.stderr };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test(
  'faafo serve --port N suggests a create that reaches it, and that command works as printed',
  { timeout: 180_000 },
  async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faafo-hints-'));
    const port = await freePort();
    const serve = spawnFaafo(['serve', '--port', String(port), '--workers', '1'], {
      cwd: dir,
      env: cleanEnv(),
      name: 'serve',
    });
    try {
      const m = await serve.waitFor(/try: faafo (.+?) {3}\(Ctrl-C to stop\)/);
      assert.equal(m[1], `--endpoint-url http://127.0.0.1:${port} create --tasks 3`);
      // Run it as printed, from an environment that names no endpoint (the default port is not this one).
      let stdout = '';
      let stderr = '';
      const io: Io = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {} };
      const code = await main(m[1]!.split(' '), io);
      assert.equal(code, 0, stderr);
      let listed = '';
      assert.equal(
        await main(['--endpoint-url', `http://127.0.0.1:${port}`, 'list', '--json'], {
          ...io,
          stdout: (t) => (listed += t),
        }),
        0,
      );
      assert.equal((JSON.parse(listed) as unknown[]).length, 3, `3 fractals on the server it named: ${stdout}`);
    } finally {
      await serve.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('faafo-stack create without a name says how to name the new stack', () => {
  const r = bare(['create']);
  assert.equal(r.code, 2, r.err + r.out);
  assert.equal(
    r.err,
    'Error: the new stack needs a name (e.g. `faafo-stack create my-faafo`, or `name: my-faafo` in faafo-stack.yaml, or set FAAFO_STACK_NAME)\n',
  );
  assert.doesNotMatch(r.err, /faafo-stack status/);
});

test('"no cloud configured" explains clouds.yaml, OS_CLOUD and --os-cloud; --help says the same', () => {
  const r = bare(['status', 'my-faafo']);
  assert.equal(r.code, 2, r.err + r.out);
  assert.equal(r.err.trim().split('\n').length, 1, r.err);
  assert.match(r.err, /^Error: no cloud configured: no clouds\.yaml found \(searched .*clouds\.yaml/);
  for (const words of [
    /clouds: \{NAME: \.\.\.\}/,
    /OS_CLIENT_CONFIG_FILE/,
    /--os-cloud NAME or OS_CLOUD/,
    /openrc/,
    /`--help`/,
  ])
    assert.match(r.err, words);
  const help = spawnSync(process.execPath, [path.join(repoRoot, 'bin/run.js'), 'status', '--help'], {
    encoding: 'utf8',
  });
  assert.equal(help.status, 0, help.stderr);
  const text = help.stdout.replace(/\s+/g, ' ');
  for (const words of [
    /~\/\.config\/openstack\/clouds\.yaml/,
    /OS_CLIENT_CONFIG_FILE/,
    /under `clouds:` with its `auth` \(auth_url, username, password, project_name/,
    /pick one with --os-cloud NAME or OS_CLOUD=NAME/,
    /OS_AUTH_URL, OS_USERNAME, OS_PASSWORD/,
  ]) {
    assert.match(text, words);
  }
});
