// Text lines for the lifecycle commands' results (the --json shapes are the result objects themselves).
import type { ApplyResult } from './apply.js';
import { formatFailures } from './failures.js';
import { formatOutputs } from './outputs.js';

export function resultLines(r: ApplyResult): string[] {
  if (!r.waited) return [`Stack ${r.stack.name} ${r.stack.status} (id ${r.stack.id}); follow it with: faafo-stack events ${r.stack.name} --follow`];
  if (!r.ok) return formatFailures(r.stack.name, r.stack.status, r.stack.reason, r.failures);
  const lines = [`Stack ${r.stack.name} ${r.stack.status}`];
  if (r.action !== 'DELETE') {
    lines.push('Outputs:', ...formatOutputs(r.outputs).map((l) => `  ${l}`));
    if (r.outputsFile) lines.push(`Outputs written to ${r.outputsFile}`);
  }
  return lines;
}
