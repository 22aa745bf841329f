// The scaled-out configuration as the process tests use it: one fresh PostgreSQL database, one RabbitMQ vhost and
// one image folder shared by every `faafo` process the test spawns; everything is killed and removed afterwards.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freshPostgres, freshVhost } from './services.js';
import { cleanEnv, type FaafoProcess } from './procs.js';

export interface ScaledOut {
  /** Environment for spawnFaafo: database, queue and image URLs set. */
  env: NodeJS.ProcessEnv;
  queueUrl: string;
  imgDir: string;
  /** Push every spawned process here: the ones still running are SIGKILLed at the end. */
  procs: FaafoProcess[];
}

export async function withScaledOutServices(prefix: string, fn: (s: ScaledOut) => Promise<void>): Promise<void> {
  const db = await freshPostgres();
  const vh = await freshVhost();
  const imgDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const procs: FaafoProcess[] = [];
  try {
    const env = cleanEnv({
      FAAFO_DATABASE_URL: db.value,
      FAAFO_QUEUE_URL: vh.value,
      FAAFO_IMAGE_URL: `file:${imgDir}`,
    });
    await fn({ env, queueUrl: vh.value, imgDir, procs });
  } finally {
    for (const p of procs) if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGKILL');
    await vh.dispose();
    await db.dispose();
    fs.rmSync(imgDir, { recursive: true, force: true });
  }
}
