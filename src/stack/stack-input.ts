// The input of create/update/diff: `--template FILE` (+ its provider templates), or the templates synthesized
// from the same flags and faafo-stack.yaml as `generate` (C6); then `-e` environments and `--parameter` values.
import { generateFlags, resolveConfigExplicit } from '../config/index.js';
import { synthesize } from '../templates/index.js';
import { PARAMETER_SOURCES } from '../templates/parameters.js';
import type { StackInput } from '../openstack/heat.js';
import { loadEnvironments, loadTemplateInput, parseParameters, synthInput } from './input.js';
import { parseTemplate } from './tpl.js';

/** The flags of `generate` (config file, sizes, flavors, ...), shared by create/update/diff. */
export const lifecycleConfigFlags = generateFlags;

export interface BuiltInput {
  stack: StackInput;
  /** The stack name from the configuration, when it has one. */
  name?: string;
  /** The template wants an app bundle URL and nobody gave one (no --app-url, no --parameter app_url=). */
  needsAppUrl: boolean;
  /** The template wants an image store and none was given (more than one API server, no --image-store-url). */
  needsImageStore: boolean;
  /** Parameters the user set (flag or file of the configuration, --parameter, -e parameters): see carry-over.ts. */
  explicit: Set<string>;
}

type InputFlags = { template?: string; environment?: string[]; parameter?: string[]; [flag: string]: unknown };

export async function buildInput(flags: InputFlags): Promise<BuiltInput> {
  if (flags.template) {
    const stack = await loadTemplateInput({ template: flags.template, environmentFiles: flags.environment, parameters: flags.parameter });
    return { stack, needsAppUrl: false, needsImageStore: false, explicit: await userParameters(flags) };
  }
  const { cfg, explicit: paths } = await resolveConfigExplicit({ flags });
  const synth = synthesize(cfg);
  const stack = await synthInput(synth, { environmentFiles: flags.environment, parameters: flags.parameter });
  const params = parseTemplate(synth.template).parameters ?? {};
  const needsAppUrl = 'app_url' in params && params.app_url?.default === undefined && stack.parameters.app_url === undefined;
  const explicit = await userParameters(flags);
  for (const [param, source] of Object.entries(PARAMETER_SOURCES)) {
    if ([...paths].some((p) => p === source || p.startsWith(`${source}.`) || source.startsWith(`${p}.`))) explicit.add(param);
  }
  const needsImageStore =
    'image_store_url' in params && params.image_store_url?.default === undefined && stack.parameters.image_store_url === undefined;
  return { stack, name: cfg.name, needsAppUrl, needsImageStore, explicit };
}

async function userParameters(flags: InputFlags): Promise<Set<string>> {
  const names = new Set(Object.keys(parseParameters(flags.parameter)));
  for (const env of await loadEnvironments(flags.environment)) {
    for (const k of Object.keys({ ...(env.parameters ?? {}), ...(env.parameter_defaults ?? {}) })) names.add(k);
  }
  return names;
}
