// Build: transpile every TypeScript file of src/, app/ and monitoring/ to dist/ with esbuild (one file per
// file, no bundling, no type check: `npm run typecheck` does that), copy non-TS assets the code loads at run
// time, then write the oclif manifest so `faafo-stack --help` never scans command files at start-up.
import { build } from 'esbuild';
import { readdirSync, statSync, mkdirSync, copyFileSync, rmSync } from 'node:fs';
import { join, dirname, extname } from 'node:path';
import { execFileSync } from 'node:child_process';

const roots = ['src', 'app', 'monitoring'];
const assetExt = new Set(['.hbs', '.wasm', '.json', '.html', '.css', '.svg', '.sql', '.wat']);

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

rmSync('dist', { recursive: true, force: true });
const files = roots.flatMap((r) => {
  try {
    return walk(r);
  } catch {
    return [];
  }
});
const ts = files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
await build({
  entryPoints: ts,
  outdir: 'dist',
  outbase: '.',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
});
for (const f of files.filter((f) => assetExt.has(extname(f)))) {
  const to = join('dist', f);
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(f, to);
}
// Optional post-build steps contributed by parts of the project (for example compiling .wat to .wasm).
for (const step of files.filter((f) => /(^|\/)build-step\.mjs$/.test(f))) {
  execFileSync(process.execPath, [step], { stdio: 'inherit' });
}
if (process.argv.includes('--no-manifest')) process.exit(0);
try {
  execFileSync(process.execPath, ['node_modules/oclif/bin/run.js', 'manifest'], { stdio: ['ignore', 'ignore', 'inherit'] });
} catch {
  console.error('build: oclif manifest failed (are there commands in src/commands?)');
  process.exit(1);
}
