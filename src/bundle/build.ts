// Builds the fractal service into a self-contained folder with esbuild: faafo.mjs (app/cli/main.ts + every
// dependency, one ESM file), thread.mjs (the renderer's worker-thread entry, found through FAAFO_RENDER_THREAD
// which faafo.mjs sets to the file beside it), scaler.mjs (monitoring/scaler-main.ts, the queue scaler) and
// bin/faafo (a sh wrapper), plus the native better-sqlite3 in node_modules/ (./native.ts) for the sqlite: backend
// the all-in-one server runs on, and bundle.json saying which Node.js ABI that module needs. No package.json: the
// servers need only `node` of that major.
import { build, type Plugin } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile, chmod, copyFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENV_NAMES as E } from '../../app/settings-contract.js';
import { FaafoError } from '../lib/errors.js';
import { nativeSqliteFiles, nodeRequirement, type NodeRequirement } from './native.js';

export interface BuiltBundle {
  /** the folder holding faafo.mjs, thread.mjs, bin/faafo */
  dir: string;
  /** paths relative to dir, sorted */
  files: string[];
  version: string;
  /** the Node.js the native module needs (also in bundle.json) */
  node: NodeRequirement;
}

/** The faafo-stack package root (where package.json says name: faafo-stack). */
export function packageRoot(from = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let d = from; ; d = path.dirname(d)) {
    const p = path.join(d, 'package.json');
    if (existsSync(p)) {
      try {
        if (JSON.parse(readFileSync(p, 'utf8')).name === 'faafo-stack') return d;
      } catch {
        /* keep looking */
      }
    }
    if (path.dirname(d) === d) throw new FaafoError('cannot find the faafo-stack package root (package.json)');
  }
}

/** TypeScript sources when present (a checkout), else the built dist/ files (an installed package). */
function entry(root: string, rel: string): string {
  for (const p of [path.join(root, `${rel}.ts`), path.join(root, 'dist', `${rel}.js`)]) if (existsSync(p)) return p;
  throw new FaafoError(`cannot find ${rel}.ts or dist/${rel}.js under ${root}`, { hint: 'run `npm run build` first' });
}

export const SQLITE_MISSING =
  'the sqlite: database needs the native better-sqlite3 module in node_modules/ beside faafo.mjs, built for this Node.js ' +
  `(bundle.json says which); use postgresql:// or mysql:// (${E.databaseUrl} / --database-url) otherwise`;

/**
 * better-sqlite3 -> a stand-in that loads the real module (node_modules/ beside faafo.mjs) on first use, or throws
 * one clear line with the loader's own first line (e.g. the NODE_MODULE_VERSION mismatch).
 */
const sqliteShim: Plugin = {
  name: 'faafo-sqlite-optional',
  setup(b) {
    b.onResolve({ filter: /^better-sqlite3$/ }, () => ({ path: 'better-sqlite3', namespace: 'faafo-shim' }));
    b.onLoad({ filter: /.*/, namespace: 'faafo-shim' }, () => ({
      loader: 'js',
      contents:
        `import { createRequire } from 'node:module';\n` +
        `export default function Database(...args) {\n` +
        `  let Real;\n` +
        `  try { Real = createRequire(import.meta.url)('better-sqlite3'); }\n` +
        `  catch (e) { throw new Error(${JSON.stringify(SQLITE_MISSING)} + ': ' + String(e && e.message).split('\\n')[0]); }\n` +
        `  return new Real(...args);\n` +
        `}\n`,
    }));
  },
};

/**
 * app/images/index.ts loads the optional swift: store with `import(modPath)` (a variable, so tsc and esbuild
 * don't require the file). In the bundle there is no file beside faafo.mjs to load, so when app/images/swift.*
 * exists the variable import is turned into a literal one and esbuild includes the store.
 */
const includeSwiftStore: Plugin = {
  name: 'faafo-include-swift-store',
  setup(b) {
    b.onLoad({ filter: /[\\/]app[\\/]images[\\/]index\.(ts|js)$/ }, (args) => {
      const src = readFileSync(args.path, 'utf8');
      const dir = path.dirname(args.path);
      const hasStore = ['swift.ts', 'swift.js'].some((f) => existsSync(path.join(dir, f)));
      const decl = /const\s+(\w+)\s*=\s*(['"])\.\/swift\.js\2;/.exec(src); // source or esbuild output quoting
      if (!hasStore || !decl) return undefined;
      const contents = src.replace(new RegExp(`import\\(\\s*${decl[1]}\\s*\\)`), "import('./swift.js')");
      return { contents, loader: args.path.endsWith('.ts') ? 'ts' : 'js', resolveDir: dir };
    });
  },
};

// CommonJS dependencies bundled into ESM still call require() for node built-ins and read __dirname.
const ESM_BANNER =
  `import { createRequire as __faafoRequire } from 'node:module';\n` +
  `import { fileURLToPath as __faafoPath } from 'node:url';\n` +
  `const require = __faafoRequire(import.meta.url);\n` +
  `const __filename = __faafoPath(import.meta.url);\n` +
  `const __dirname = __faafoPath(new URL('.', import.meta.url));\n`;

const BIN = `#!/bin/sh
# faafo: runs the bundled fractal service (faafo.mjs beside this folder) with the node found on PATH
# (or $NODE). Example: ${E.databaseUrl}=postgresql://... ${E.queueUrl}=amqp://... bin/faafo api
here=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
exec "\${NODE:-node}" "$here/faafo.mjs" "$@"
`;

// bin/faafo.js, for boot scripts that run `node bin/faafo.js` (src/templates/boot). Without a package.json it may
// be loaded as CommonJS or (under a "type": "module" folder) as ESM, so it uses only what both have: dynamic
// import() and process.argv[1] (this file's path) to find ../faafo.mjs.
const BIN_JS = `#!/usr/bin/env node
// faafo: starts the bundled service (../faafo.mjs). Example: node bin/faafo.js api --port 8800
Promise.all([import('node:url'), import('node:path'), import('node:fs')]).then(([url, path, fs]) =>
  import(url.pathToFileURL(path.join(path.dirname(fs.realpathSync(process.argv[1])), '..', 'faafo.mjs')).href),
);
`;

export async function buildBundle(opts: { outDir: string; root?: string; minify?: boolean }): Promise<BuiltBundle> {
  const root = opts.root ?? packageRoot();
  const dir = path.resolve(opts.outDir);
  await rm(dir, { recursive: true, force: true });
  await mkdir(path.join(dir, 'bin'), { recursive: true });
  const version =
    (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
  const main = entry(root, 'app/cli/main');
  const thread = entry(root, 'app/render/thread');
  // The queue scaler (--worker-scaling queue runs it on the services server): monitoring/ only, no oclif, no src/.
  const scaler = entry(root, 'monitoring/scaler-main');
  const common = {
    bundle: true,
    platform: 'node' as const,
    format: 'esm' as const,
    target: 'node20',
    minify: opts.minify ?? false,
    legalComments: 'none' as const,
    logLevel: 'silent' as const,
    absWorkingDir: root,
    external: ['pg-native'],
    plugins: [sqliteShim, includeSwiftStore],
    banner: { js: ESM_BANNER },
    define: { [`process.env.${E.bundleVersion}`]: JSON.stringify(version) },
  };
  try {
    await build({
      ...common,
      stdin: {
        contents:
          // The render pool finds its thread through FAAFO_RENDER_THREAD (see app/render/thread-entry.ts).
          `process.env.${E.renderThread} ??= new URL('./thread.mjs', import.meta.url).href;\n` +
          `import { main } from ${JSON.stringify(main)};\n` +
          `process.exitCode = await main(process.argv.slice(2));\n`,
        resolveDir: root,
        sourcefile: 'faafo-bundle-entry.mjs',
        loader: 'ts',
      },
      outfile: path.join(dir, 'faafo.mjs'),
    });
    await build({ ...common, entryPoints: [thread], outfile: path.join(dir, 'thread.mjs') });
    // Built from the module itself (not a wrapper): it starts when it is the file node runs.
    await build({ ...common, entryPoints: [scaler], outfile: path.join(dir, 'scaler.mjs') });
  } catch (e) {
    const errs = (e as { errors?: { text: string; location?: { file: string; line: number } }[] }).errors ?? [];
    const first = errs[0];
    throw new FaafoError(
      `esbuild failed: ${first ? `${first.location ? `${first.location.file}:${first.location.line}: ` : ''}${first.text}` : (e as Error).message}` +
        (errs.length > 1 ? ` (+${errs.length - 1} more)` : ''),
    );
  }
  await writeFile(path.join(dir, 'bin/faafo'), BIN);
  await chmod(path.join(dir, 'bin/faafo'), 0o755);
  await writeFile(path.join(dir, 'bin/faafo.js'), BIN_JS);
  await chmod(path.join(dir, 'bin/faafo.js'), 0o755);
  const native = nativeSqliteFiles(root);
  for (const f of native) {
    await mkdir(path.dirname(path.join(dir, f.name)), { recursive: true });
    await copyFile(f.from, path.join(dir, f.name));
  }
  const node = nodeRequirement();
  // Read by the boot scripts (node-install.sh.hbs) before they start anything: the Node.js the servers need.
  await writeFile(path.join(dir, 'bundle.json'), `${JSON.stringify({ name: 'faafo', version, node }, null, 2)}\n`);
  await writeFile(
    path.join(dir, 'README.txt'),
    `faafo ${version} - the First App fractal service, bundled by faafo-stack bundle.\n` +
      `Needs Node.js ${node.major} on ${node.platform}-${node.arch} (bundle.json): node_modules/ holds better-sqlite3 built for it.\n` +
      `Run: bin/faafo api | worker | serve | --help (or node faafo.mjs ..., node bin/faafo.js ...)\n` +
      `Settings: ${E.databaseUrl} (postgresql://, mysql:// or sqlite:PATH), ${E.queueUrl},\n` +
      `${E.imageUrl}, ${E.endpointUrl}, ${E.port}.\n` +
      `Queue scaler: node scaler.mjs with ${E.scalerApiUrl}, ${E.scalerStack}, OS_AUTH_URL, OS_APPLICATION_CREDENTIAL_ID/SECRET.\n`,
  );
  const files = ['README.txt', 'bin/faafo', 'bin/faafo.js', 'bundle.json', 'faafo.mjs', 'scaler.mjs', 'thread.mjs'];
  return { dir, files: [...files, ...native.map((f) => f.name)].sort(), version, node };
}
