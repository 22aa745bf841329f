// Writes a synthesized set into a directory (after the offline checks pass: an internal error never reaches
// disk) and reports the files, the findings and the parameters a user still has to give.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { load } from 'js-yaml';
import { FaafoError, UsageError } from '../lib/errors.js';
import { validateSet, type Finding } from '../validate/index.js';
import type { Synth } from './index.js';

export interface WriteResult {
  out: string;
  files: string[];
  requiredParameters: string[];
  findings: Finding[];
}

export async function writeSynth(synth: Synth, out: string): Promise<WriteResult> {
  const templates: Record<string, Record<string, unknown>> = {
    [synth.main]: load(synth.files[synth.main]) as Record<string, unknown>,
  };
  for (const [f, text] of Object.entries(synth.childFiles)) templates[f] = load(text) as Record<string, unknown>;
  const findings = validateSet({
    main: synth.main,
    templates,
    environment: synth.environment as Record<string, unknown>,
  });
  const errors = findings.filter((f) => f.severity === 'error');
  if (errors.length)
    throw new FaafoError(
      `internal: the generated templates fail the offline checks: ${errors[0].path}: ${errors[0].message}`,
    );
  // --out . next to the configuration would overwrite it (both are called faafo-stack.yaml): refuse.
  const mainPath = path.join(out, synth.main);
  if (existsSync(mainPath) && !/^heat_template_version:/m.test(await readFile(mainPath, 'utf8'))) {
    throw new UsageError(
      `${mainPath} exists and is not a Heat template (your configuration?)`,
      'choose another --out directory',
    );
  }
  await mkdir(out, { recursive: true });
  const files: string[] = [];
  for (const [name, text] of Object.entries(synth.files)) {
    const to = path.join(out, name);
    await writeFile(`${to}.tmp`, text);
    await rename(`${to}.tmp`, to);
    files.push(to);
  }
  const params = (synth.template as { parameters: Record<string, { default?: unknown }> }).parameters;
  const requiredParameters = Object.entries(params)
    .filter(([, p]) => p.default === undefined)
    .map(([k]) => k);
  return { out, files, requiredParameters, findings };
}
