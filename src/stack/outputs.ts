// Stack outputs as a plain object, with secret-looking outputs redacted (passwords, tokens, pre-signed alarm
// URLs that scale a group without a token), and `--outputs-file` written atomically.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { HeatStack } from '../openstack/heat.js';

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
