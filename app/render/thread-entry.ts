// The one place that knows where the render thread's module is and how to start it. Next to this file there is
// thread.js (built dist/, or a bundle that emits thread.js beside its output) or only thread.ts (running from
// source through tsx). FAAFO_RENDER_THREAD overrides it (absolute path or file: URL), for bundles that place
// the thread elsewhere.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ENV_NAMES } from '../settings-contract.js';

export function threadEntry(): URL {
  const override = process.env[ENV_NAMES.renderThread];
  if (override) return override.startsWith('file:') ? new URL(override) : pathToFileURL(override);
  const js = new URL('./thread.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return js;
  return new URL('./thread.ts', import.meta.url);
}

/**
 * Starts one render thread. A .ts entry (source run under tsx) needs tsx's loader inside the thread: tsx's
 * `--import tsx` hooks, though inherited through execArgv, do not cover a worker's entry module in Node 20, so
 * a two-line bootstrap registers tsx's ESM API in the thread first, then imports the entry.
 */
export function startThread(entry: URL): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry);
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot =
    `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })` +
    `.catch((e) => { console.error('render thread: ' + (e && e.message)); process.exit(1); });`;
  return new Worker(boot, { eval: true });
}
