// ajv error -> one line naming the key (or the flag it came from) and how to fix it.
import { label, type Origin } from './origin.js';

interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
  schema?: unknown;
  parentSchema?: { description?: string };
}

const HINTS: Record<string, string> = {
  'scaling.granularity': 'use a multiple of 60 that the archive policy of the cpu metric has, e.g. 60 or 300',
  'network.cidr': 'use an IPv4 CIDR such as 10.20.0.0/24',
  sshCidr: 'use an IPv4 CIDR such as 203.0.113.0/24 (0.0.0.0/0 = anywhere)',
  'app.sha256': 'give the 64 lowercase hex digits of `sha256sum BUNDLE`',
  'app.url': 'give an http:// or https:// URL',
  'database.url': 'use postgresql://USER:PASS@HOST:5432/DB or mysql://USER:PASS@HOST:3306/DB',
  'queue.url': 'use amqp://USER:PASS@HOST:5672/VHOST',
  imageStoreUrl: 'use file:/var/lib/faafo/images or swift:CONTAINER',
  name: 'start with a letter; letters, digits, _ . - only',
  'scaling.scaleUpBacklog': 'give the tasks waiting per worker, e.g. 2',
  'scaling.scaleDownBacklog': 'give the tasks waiting per worker, e.g. 0.5',
};

export function schemaErrorLine(err: AjvError | undefined, origin: Origin): { message: string; hint?: string } {
  if (!err) return { message: 'invalid configuration' };
  const p = err.instancePath.split('/').filter(Boolean).join('.');
  const where = origin.file ? ` in ${origin.file}` : '';
  if (err.keyword === 'additionalProperties') {
    const key = String(err.params.additionalProperty);
    const known = Object.keys(((err.parentSchema as { properties?: object })?.properties ?? {}) as object);
    return {
      message: `unknown key "${p ? `${p}.` : ''}${key}"${where}`,
      hint: `remove it or use one of: ${known.join(', ')}`,
    };
  }
  const what = label(p, origin);
  const isPercent = /Cpu$/.test(p);
  switch (err.keyword) {
    case 'exclusiveMinimum':
      return { message: `${what} must be > ${String(err.params.limit)}`, hint: HINTS[p] ?? 'change the value' };
    case 'minimum':
    case 'maximum':
      if (isPercent)
        return {
          message: `${what} must be a percent from 1 to 100`,
          hint: 'give the CPU percent of the whole server, e.g. 80',
        };
      return {
        message: `${what} must be ${err.keyword === 'minimum' ? '>=' : '<='} ${String(err.params.limit)}`,
        hint: HINTS[p] ?? 'change the value',
      };
    case 'multipleOf':
      return {
        message: `${what} must be a multiple of ${String(err.params.multipleOf)} seconds`,
        hint: HINTS[p] ?? 'change the value',
      };
    case 'type':
      return { message: `${what} must be ${String(err.params.type)}`, hint: 'fix the value' };
    case 'enum':
      return {
        message: `${what} must be one of ${(err.params.allowedValues as unknown[]).join(', ')}`,
        hint: 'pick one of them',
      };
    case 'pattern':
    case 'format':
    case 'minLength':
      return {
        message: `${what} is not valid (${err.parentSchema?.description ?? err.message ?? 'bad value'})`,
        hint: HINTS[p] ?? 'fix the value',
      };
    default:
      return { message: `${what} ${err.message ?? 'is invalid'}`, hint: 'see schema/faafo-stack.schema.json' };
  }
}
