// Shared set-up for the local-mode end-to-end tests: a temporary folder, a fresh RabbitMQ vhost, a local run in
// its own process (test/helpers/local-supervisor.ts calls startLocal, what `local up` runs), and the evidence
// readers (state, worker logs, /metrics, rows).
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LocalOptions } from '../../src/local/supervisor.js';
import type { LocalState } from '../../src/local/state.js';
import { parsePrometheus } from '../../monitoring/metrics.js';
import { freshVhost } from './services.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');

export interface LocalRunHandle {
  appUrl: string;
  controlUrl: string;
  state(): Promise<LocalState>;
}

export interface E2E {
  dir: string;
  run: LocalRunHandle;
  dispose(): Promise<void>;
}

type E2EOptions = Omit<LocalOptions, 'cwd' | 'queueUrl' | 'databaseUrl' | 'imageUrl' | 'port' | 'controlPort' | 'log'>;

export async function startE2E(opts: E2EOptions): Promise<E2E> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'faafo-local-'));
  const vhost = await freshVhost();
  const full: LocalOptions = {
    ...opts,
    cwd: dir,
    port: 0,
    controlPort: 0,
    queueUrl: vhost.value,
    databaseUrl: `sqlite:${path.join(dir, 'faafo.sqlite')}`,
    imageUrl: `file:${path.join(dir, 'images')}`,
  };
  const tsx = pathToFileURL(path.join(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href;
  const child = spawn(process.execPath, ['--import', tsx, path.join(repoRoot, 'test/helpers/local-supervisor.ts')], {
    cwd: dir,
    env: { ...process.env, FAAFO_LOCAL_OPTIONS: JSON.stringify(full) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.pipe(createWriteStream(path.join(dir, 'supervisor.log')));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const cleanup = async () => {
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 180_000);
    await exited;
    clearTimeout(t);
    await vhost.dispose();
    if (!process.env.FAAFO_KEEP_TMP) await rm(dir, { recursive: true, force: true });
  };
  let buf = '';
  const ready = await new Promise<string[] | undefined>((resolve) => {
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /READY (\S+) (\S+)/.exec(buf);
      if (m) resolve([m[1]!, m[2]!]);
    });
    void exited.then(() => resolve(undefined));
  });
  if (!ready) {
    const log = await readFile(path.join(dir, 'supervisor.log'), 'utf8').catch(() => '');
    await cleanup();
    throw new Error(`local run did not start: ${log.slice(-2000)}`);
  }
  const [appUrl, controlUrl] = ready;
  return {
    dir,
    run: {
      appUrl,
      controlUrl,
      state: async () => (await (await fetch(new URL('/api/state', controlUrl))).json()) as LocalState,
    },
    dispose: cleanup,
  };
}

/** uuid -> how many times a worker logged "task <uuid> processed". */
export async function processedByWorkers(dir: string): Promise<Map<string, number>> {
  const logDir = path.join(dir, '.faafo', 'local', 'logs');
  const counts = new Map<string, number>();
  for (const f of await readdir(logDir)) {
    if (!f.startsWith('worker-')) continue;
    const text = await readFile(path.join(logDir, f), 'utf8');
    for (const m of text.matchAll(/task ([0-9a-f-]{36}) processed/g)) counts.set(m[1]!, (counts.get(m[1]!) ?? 0) + 1);
  }
  return counts;
}

export async function metric(appUrl: string, name: string): Promise<number> {
  const text = await (await fetch(new URL('/metrics', appUrl))).text();
  return (parsePrometheus(text).get(name) ?? []).reduce((a, s) => a + s.value, 0);
}

export async function allFractals(appUrl: string): Promise<{ uuid: string; checksum: string | null; generated_by: string | null }[]> {
  const out: { uuid: string; checksum: string | null; generated_by: string | null }[] = [];
  for (let page = 1; ; page++) {
    const res = await fetch(new URL(`/v1/fractal?page=${page}&results_per_page=100`, appUrl));
    const body = (await res.json()) as { objects: typeof out; total_pages: number };
    out.push(...body.objects);
    if (page >= body.total_pages) return out;
  }
}
