// The one native module the bundle carries: better-sqlite3 (the all-in-one server's `faafo serve` runs on
// sqlite:), copied with its two runtime dependencies in npm's own node_modules layout, so that faafo.mjs finds it
// with an ordinary require() and `bindings` finds build/Release/better_sqlite3.node. A native module works only
// on the Node.js ABI it was built for: the host's build is checked here by loading it, and bundle.json records
// that ABI so the boot scripts can refuse (or replace) a server's Node.js that does not match.
import { createRequire } from 'node:module';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { FaafoError } from '../lib/errors.js';

/** What the bundle's native part needs from the servers' Node.js (bundle.json `node`). */
export interface NodeRequirement {
  major: number;
  /** process.versions.modules: the ABI a native module is built for */
  abi: string;
  platform: NodeJS.Platform;
  arch: string;
}

export function nodeRequirement(): NodeRequirement {
  return {
    major: Number(process.versions.node.split('.')[0]),
    abi: process.versions.modules,
    platform: process.platform,
    arch: process.arch,
  };
}

/** The runtime files of a package (package.json, licence, the listed files/folders), relative to its folder. */
function packageFiles(dir: string, parts: string[]): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    const abs = path.join(dir, rel);
    if (!existsSync(abs)) return;
    if (statSync(abs).isDirectory()) for (const n of readdirSync(abs).sort()) walk(path.join(rel, n));
    else out.push(rel.split(path.sep).join('/'));
  };
  for (const p of ['package.json', 'LICENSE', 'LICENSE.md', ...parts]) walk(p);
  return out;
}

export interface NativeFile {
  /** path inside the bundle, e.g. node_modules/better-sqlite3/lib/index.js */
  name: string;
  /** where it is on this machine */
  from: string;
}

/**
 * better-sqlite3, bindings and file-uri-to-path from the package root's node_modules, after checking in this
 * process that the native module loads and opens a database (so its ABI is this Node's: nodeRequirement()).
 */
export function nativeSqliteFiles(root: string): NativeFile[] {
  const req = createRequire(path.join(root, 'package.json'));
  let sqliteDir: string;
  try {
    sqliteDir = path.dirname(req.resolve('better-sqlite3/package.json'));
    const Database = req('better-sqlite3') as new (f: string) => { close(): void };
    new Database(':memory:').close();
  } catch (e) {
    throw new FaafoError(
      `the bundle needs better-sqlite3 built for this Node.js ${process.version}: ${(e as Error).message.split('\n')[0]}`,
      { hint: 'run `npm rebuild better-sqlite3` (or `npm ci`) with the Node.js the servers run' },
    );
  }
  const sqliteReq = createRequire(path.join(sqliteDir, 'package.json'));
  const bindingsDir = path.dirname(sqliteReq.resolve('bindings/package.json'));
  const uriDir = path.dirname(
    createRequire(path.join(bindingsDir, 'package.json')).resolve('file-uri-to-path/package.json'),
  );
  const pkgs: [string, string, string[]][] = [
    ['better-sqlite3', sqliteDir, ['lib', 'build/Release/better_sqlite3.node']],
    ['bindings', bindingsDir, ['bindings.js']],
    ['file-uri-to-path', uriDir, ['index.js']],
  ];
  return pkgs.flatMap(([name, dir, parts]) =>
    packageFiles(dir, parts).map((f) => ({ name: `node_modules/${name}/${f}`, from: path.join(dir, f) })),
  );
}
