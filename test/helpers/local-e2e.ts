// Shared set-up for the local-mode end-to-end tests: a temporary folder, a fresh RabbitMQ vhost, a local run
// started through the library the `local up` command calls, and the evidence readers (worker logs, /metrics).
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startLocal, type LocalOptions, type LocalRun } from '../../src/local/supervisor.js';
import { parsePrometheus } from '../../monitoring/metrics.js';
import { freshVhost } from './services.js';

export interface E2E {
  dir: string;
  run: LocalRun;
  dispose(): Promise<void>;
}

export async function startE2E(opts: Omit<LocalOptions, 'cwd' | 'queueUrl' | 'databaseUrl' | 'imageUrl' | 'port' | 'controlPort'>): Promise<E2E> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'faafo-local-'));
  const vhost = await freshVhost();
  let run: LocalRun;
  try {
    run = await startLocal({
      ...opts,
      cwd: dir,
      port: 0,
      controlPort: 0,
      queueUrl: vhost.value,
      databaseUrl: `sqlite:${path.join(dir, 'faafo.sqlite')}`,
      imageUrl: `file:${path.join(dir, 'images')}`,
    });
  } catch (e) {
    await vhost.dispose();
    if (!process.env.FAAFO_KEEP_TMP) await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    dir,
    run,
    async dispose() {
      await run.stop().catch(() => {});
      await vhost.dispose();
      if (!process.env.FAAFO_KEEP_TMP) await rm(dir, { recursive: true, force: true });
    },
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
