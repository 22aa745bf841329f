// Starts and stops the fractal service's processes (`faafo api`, `faafo worker`) for local mode, settings passed
// through the environment (FAAFO_*), so no URL with a password ever shows in `ps`. Output goes to one log file
// per process.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ENV_NAMES as E } from '../../app/settings-contract.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** Package root: dist/src/local -> ../../.., src/local -> ../.. */
export const packageRoot = here.includes(`${path.sep}dist${path.sep}`) ? path.resolve(here, '../../..') : path.resolve(here, '../..');

/** How to run `faafo`: the compiled CLI when built and we run compiled, else the TypeScript source through tsx. */
export function faafoCommand(): { cmd: string; args: string[] } {
  const fromSource = import.meta.url.endsWith('.ts') || process.env[E.localFromSource] === '1';
  const compiled = path.join(packageRoot, 'bin/faafo.js');
  if (!fromSource && existsSync(path.join(packageRoot, 'dist/app/cli/main.js'))) {
    return { cmd: process.execPath, args: [compiled] };
  }
  // tsx resolved from the package, not from the run's folder (which has no node_modules).
  const tsx = pathToFileURL(path.join(packageRoot, 'node_modules/tsx/dist/loader.mjs')).href;
  return { cmd: process.execPath, args: ['--import', tsx, path.join(packageRoot, 'src/local/faafo-entry.ts')] };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface ServiceProcess {
  name: string;
  tier: 'api' | 'workers';
  child: ChildProcess;
  pid: number;
  port?: number;
  createdMs: number;
  exited: Promise<number | null>;
}

export interface SpawnOptions {
  tier: 'api' | 'workers';
  name: string;
  env: Record<string, string>;
  logDir: string;
  cwd: string;
  port?: number;
}

/** Where an API process listens: the port the balancer gave it, on the loopback only. */
export function listenEnv(port: number): Record<string, string> {
  return { [E.port]: String(port), [E.host]: '127.0.0.1' };
}

export async function spawnService(o: SpawnOptions): Promise<ServiceProcess> {
  await mkdir(o.logDir, { recursive: true });
  const { cmd, args } = faafoCommand();
  const sub = o.tier === 'api' ? 'api' : 'worker';
  const log = createWriteStream(path.join(o.logDir, `${o.name}.log`), { flags: 'a' });
  const child = spawn(cmd, [...args, sub], {
    cwd: o.cwd,
    env: { ...process.env, ...o.env, ...(o.port ? listenEnv(o.port) : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      log.end();
      resolve(code);
    }),
  );
  if (!child.pid) throw new Error(`could not start faafo ${sub}`);
  return { name: o.name, tier: o.tier, child, pid: child.pid, port: o.port, createdMs: Date.now(), exited };
}

/** SIGTERM (a worker finishes its task, an API drains), SIGKILL after graceS. */
export async function stopService(p: ServiceProcess, graceS = 30): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), graceS * 1000);
  await p.exited;
  clearTimeout(timer);
}
