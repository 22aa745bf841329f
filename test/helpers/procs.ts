// Spawns `faafo` processes from source (tsx) for tests, collects their output lines and waits for patterns.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PollAbort, until } from './poll.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cliEntry = path.join(repoRoot, 'test/helpers/faafo-cli.ts');
// By absolute URL: the children may run in a temp directory where a bare `--import tsx` would not resolve.
const tsxLoader = pathToFileURL(path.join(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href;

export interface FaafoProcess {
  proc: ChildProcess;
  lines: string[];
  /** Resolves with the first line matching re (waits for it). */
  waitFor(re: RegExp, ms?: number): Promise<RegExpMatchArray>;
  /** Sends a signal and resolves with the exit code (or the signal name). */
  stop(signal?: NodeJS.Signals, ms?: number): Promise<number | string>;
  exited: Promise<number | string>;
}

/** Environment without the FAAFO_* / PORT settings of the caller, so tests control every setting. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('FAAFO_') && k !== 'PORT') env[k] = v;
  return { ...env, ...extra };
}

export function spawnFaafo(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; name?: string } = {},
): FaafoProcess {
  const proc = spawn(process.execPath, ['--import', tsxLoader, cliEntry, ...args], {
    cwd: opts.cwd ?? repoRoot,
    env: opts.env ?? cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const collect = (stream: NodeJS.ReadableStream) => {
    let buf = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buf += chunk;
      const parts = buf.split('\n');
      buf = parts.pop() ?? '';
      for (const l of parts) {
        lines.push(l);
        if (process.env.FAAFO_TEST_VERBOSE) process.stderr.write(`[${opts.name ?? args[0]}] ${l}\n`);
      }
    });
  };
  collect(proc.stdout!);
  collect(proc.stderr!);
  const exited = new Promise<number | string>((resolve) => {
    proc.on('exit', (code, sig) => resolve(code ?? sig ?? 'unknown'));
  });
  let exitValue: number | string | undefined;
  void exited.then((v) => (exitValue = v));
  return {
    proc,
    lines,
    exited,
    waitFor: (re, ms = 90000) =>
      until(
        () => {
          const hit = lines.map((l) => l.match(re)).find(Boolean);
          if (hit) return hit;
          if (exitValue !== undefined) {
            throw new PollAbort(
              `${opts.name ?? args[0]} exited (${exitValue}) before printing ${re}: ${lines.slice(-5).join(' | ')}`,
            );
          }
          return undefined;
        },
        `${opts.name ?? args[0]} to print ${re}`,
        ms,
      ),
    stop: async (signal = 'SIGTERM', ms = 120000) => {
      if (exitValue === undefined) proc.kill(signal);
      return Promise.race([
        exited,
        new Promise<never>((_, reject) =>
          setTimeout(
            () => reject(new Error(`${opts.name ?? args[0]} did not exit within ${ms / 1000} s of ${signal}`)),
            ms,
          ).unref(),
        ),
      ]);
    },
  };
}

/** Starts `faafo serve|api` on port 0 and returns its base URL once it listens. */
export async function startListening(p: FaafoProcess): Promise<string> {
  const m = await p.waitFor(/(http:\/\/127\.0\.0\.1:\d+)\//);
  return m[1];
}
