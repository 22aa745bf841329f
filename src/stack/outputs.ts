// Stack outputs as a plain object, with secret-looking outputs redacted (passwords, tokens, pre-signed alarm
// URLs that scale a group without a token), and `--outputs-file` written atomically.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { OpenStackError } from '../openstack/errors.js';
import type { HeatClient, HeatStack, StackLike } from '../openstack/heat.js';

const SECRET = /(password|passwd|secret|token|credential|private_key|alarm_url)/i;
export const REDACTED = '<redacted>';

export function isSecretOutput(key: string): boolean {
  return SECRET.test(key);
}

/** The stable `--json` shape: `{ "<output key>": value }`, secrets replaced by "<redacted>". */
export function stackOutputs(stack: HeatStack, opts: { showSecrets?: boolean } = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const o of [...(stack.outputs ?? [])].sort((a, b) => a.output_key.localeCompare(b.output_key))) {
    out[o.output_key] = !opts.showSecrets && isSecretOutput(o.output_key) ? REDACTED : (o.output_value ?? null);
  }
  return out;
}

export function formatOutputs(outputs: Record<string, unknown>): string[] {
  const keys = Object.keys(outputs);
  if (!keys.length) return ['(no outputs)'];
  const w = Math.max(...keys.map((k) => k.length));
  return keys.map((k) => {
    const v = outputs[k];
    return `${k.padEnd(w)}  ${typeof v === 'string' ? v : JSON.stringify(v)}`;
  });
}

export async function writeOutputsFile(file: string, stackName: string, outputs: Record<string, unknown>): Promise<string> {
  const to = resolve(file);
  await mkdir(dirname(to), { recursive: true });
  const tmp = `${to}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify({ [stackName]: outputs }, null, 2) + '\n', { mode: 0o600 });
  await rename(tmp, to);
  return to;
}

/** The generated template's OS::Heat::RandomString holding the stack's API key (issue 15; never an output). */
export const API_KEY_RESOURCE = 'api_key';

/**
 * The stack's API key, read from its RandomString resource's `value` attribute (so it is in no output and no
 * event); undefined for a stack without one (an older or hand-written template).
 */
export async function fetchApiKey(heat: HeatClient, stack: StackLike): Promise<string | undefined> {
  const r = await heat.resource(stack, API_KEY_RESOURCE).catch((e: unknown) => {
    if (e instanceof OpenStackError && e.status === 404) return undefined;
    throw e;
  });
  if (!r || r.resource_type !== 'OS::Heat::RandomString') return undefined;
  const v = r.attributes?.value;
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** What `create` prints about the API key on a terminal, and instead of it off a terminal. */
export function apiKeyLines(stackName: string, key: string | undefined, terminal: boolean): string[] {
  const again = `faafo-stack outputs ${stackName} --show-secrets (on a terminal)`;
  if (key === undefined) return [];
  if (!terminal) return [`API key: not printed off a terminal; fetch it with ${again}, or use create --json (apiKey)`];
  return [
    `API key (shown once; again with ${again}): ${key}`,
    '  creates and deletes need it: faafo --api-key KEY, FAAFO_API_KEY=KEY, or Authorization: Bearer KEY',
  ];
}
