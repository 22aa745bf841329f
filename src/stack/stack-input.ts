// The input of create/update/diff: `--template FILE` (+ its provider templates), or the templates synthesized
// from the same flags and faafo-stack.yaml as `generate` (C6); then `-e` environments and `--parameter` values.
import { generateFlags, resolveConfig } from '../config/index.js';
import { synthesize } from '../templates/index.js';
import type { StackInput } from '../openstack/heat.js';
import { loadTemplateInput, synthInput } from './input.js';
import { parseTemplate } from './tpl.js';

/** The flags of `generate` (config file, sizes, flavors, ...), shared by create/update/diff. */
export const lifecycleConfigFlags = generateFlags;

export interface BuiltInput {
  stack: StackInput;
  /** The stack name from the configuration, when it has one. */
  name?: string;
  /** The template wants an app bundle URL and nobody gave one (no --app-url, no --parameter app_url=). */
  needsAppUrl: boolean;
}

type InputFlags = { template?: string; environment?: string[]; parameter?: string[]; [flag: string]: unknown };

export async function buildInput(flags: InputFlags): Promise<BuiltInput> {
  if (flags.template) {
    const stack = await loadTemplateInput({ template: flags.template, environmentFiles: flags.environment, parameters: flags.parameter });
    return { stack, needsAppUrl: false };
  }
  const cfg = await resolveConfig({ flags });
  const synth = synthesize(cfg);
  const stack = await synthInput(synth, { environmentFiles: flags.environment, parameters: flags.parameter });
  const params = parseTemplate(synth.template).parameters ?? {};
  const needsAppUrl = 'app_url' in params && params.app_url?.default === undefined && stack.parameters.app_url === undefined;
  return { stack, name: cfg.name, needsAppUrl };
}
