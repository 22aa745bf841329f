// The input of create/update/diff: `--template FILE` (+ its provider templates), or the templates synthesized
// from the same flags and faafo-stack.yaml as `generate`; then `-e` environments and `--parameter` values.
import type { StackInput } from './heat-api.js';
import { loadTemplateInput } from './input.js';

export const lifecycleConfigFlags = {};

export interface BuiltInput {
  stack: StackInput;
  /** The stack name from the configuration, when it has one. */
  name?: string;
}

type InputFlags = { template?: string; environment?: string[]; parameter?: string[] };

export async function buildInput(flags: InputFlags): Promise<BuiltInput> {
  if (flags.template) {
    return { stack: await loadTemplateInput({ template: flags.template, environmentFiles: flags.environment, parameters: flags.parameter }) };
  }
  throw new Error('generating templates is not wired yet: pass --template');
}
