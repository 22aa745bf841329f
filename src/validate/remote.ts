// --remote: the set through the cloud's Heat (contract C7 client): template validate (types, property names,
// attributes) and a stack preview (required properties, values, nested member templates). Heat's answer
// becomes a finding; nothing is created.
import { randomBytes } from 'node:crypto';
import { UsageError } from '../lib/errors.js';
import type { LoadedSet } from './index.js';
import type { Finding } from './types.js';
import { isObj } from './walk.js';

/** Values that satisfy the generated constraints, for parameters without default in a preview. */
const PLACEHOLDERS: Record<string, string> = {
  app_url: 'https://example.invalid/faafo-bundle.tgz',
  app_sha256: '0'.repeat(64),
  image_store_url: 'swift://faafo-images?auth_url=https://keystone.example.invalid/v3&application_credential_id=placeholder',
  database_url: 'postgresql://faafo:placeholder@192.0.2.10:5432/faafo',
  queue_url: 'amqp://faafo:placeholder@192.0.2.10:5672/',
};

export function parseParameters(list: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list ?? []) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new UsageError(`--parameter ${kv} is not KEY=VALUE`, 'e.g. --parameter app_url=https://...');
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

export async function validateRemote(
  set: LoadedSet,
  flags: { 'os-cloud'?: string; 'os-region-name'?: string; parameter?: string[] },
): Promise<{ validate: string; preview: string; findings: Finding[] }> {
  const given = parseParameters(flags.parameter);
  const { connect } = await import('../openstack/index.js');
  const cloud = await connect({ cloud: flags['os-cloud'], region: flags['os-region-name'] });
  const files: Record<string, string> = {};
  for (const [f, text] of Object.entries(set.texts)) if (f !== set.main) files[f] = text;
  const input = { template: set.texts[set.main], files, environment: set.environment ?? {} };
  const findings: Finding[] = [];
  const fail = (code: string, e: unknown) => {
    findings.push({ severity: 'error', code, file: set.main, path: '(heat)', message: (e as Error).message });
    return 'failed';
  };
  const validate = await cloud.heat.validate(input).then(
    () => 'ok',
    (e) => fail('remote.validate', e),
  );
  const params: Record<string, string> = {};
  const declared = isObj(set.templates[set.main]?.parameters)
    ? (set.templates[set.main].parameters as Record<string, Record<string, unknown>>)
    : {};
  for (const [k, p] of Object.entries(declared)) {
    if (k in given || (isObj(p) && 'default' in p)) continue;
    if (PLACEHOLDERS[k]) {
      params[k] = PLACEHOLDERS[k];
      findings.push({
        severity: 'warning',
        code: 'remote.placeholder',
        file: set.main,
        path: `parameters.${k}`,
        message: `no value for ${k}: the preview used a placeholder (give --parameter ${k}=...)`,
      });
    }
  }
  Object.assign(params, given);
  const preview = await cloud.heat
    .preview({ ...input, name: `faafo-validate-${randomBytes(3).toString('hex')}`, parameters: params })
    .then(
      () => 'ok',
      (e) => fail('remote.preview', e),
    );
  return { validate, preview, findings };
}
