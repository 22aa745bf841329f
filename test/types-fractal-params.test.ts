// The fractal parameters are defined once (FractalParams in app/types.ts); the renderer's, worker's and band's
// shapes derive from it. This type-checks test/fixtures/fractal-params-shapes.ts (and what it imports) with the
// project's compiler options and requires no diagnostics, and checks one wrong assertion is caught.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixture = path.join(repoRoot, 'test/fixtures/fractal-params-shapes.ts');

function diagnostics(file: string): string[] {
  const cfgPath = path.join(repoRoot, 'tsconfig.json');
  const cfg = ts.parseJsonConfigFileContent(ts.readConfigFile(cfgPath, ts.sys.readFile).config, ts.sys, repoRoot);
  const program = ts.createProgram([file], { ...cfg.options, noEmit: true });
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n')[0]);
}

test('every parameter shape derives from FractalParams', { timeout: 180_000 }, () => {
  assert.deepEqual(diagnostics(fixture), []);
});

test('a drifted shape is caught by the same check', { timeout: 180_000 }, () => {
  const dir = fs.mkdtempSync(path.join(repoRoot, 'test/fixtures/.tmp-shapes-'));
  try {
    const wrong = path.join(dir, 'wrong.ts');
    fs.writeFileSync(
      wrong,
      fs
        .readFileSync(fixture, 'utf8')
        .replaceAll("'../../app/", "'../../../app/")
        .replace(
          'Assert<Equal<RenderParams, FractalParams>>',
          'Assert<Equal<RenderParams, Omit<FractalParams, "ci">>>',
        ),
    );
    const errs = diagnostics(wrong);
    assert.ok(errs.length > 0, 'expected a type error for the drifted shape');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
