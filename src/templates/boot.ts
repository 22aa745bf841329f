// Boot scripts (user_data) from the Handlebars templates in ./boot. Handlebars decides the shape at generate
// time (role, command, port, which services); Heat fills the __PLACEHOLDERS__ at deploy time with str_replace
// (passwords, addresses, URLs), so no secret is ever written into the generated files.
import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import { strReplace, type Intrinsic, type Value } from './hot.js';

const dir = new URL('./boot/', import.meta.url);
const read = (name: string) => readFileSync(new URL(`${name}.sh.hbs`, dir), 'utf8');

let hb: typeof Handlebars | undefined;
function engine(): typeof Handlebars {
  if (hb) return hb;
  hb = Handlebars.create();
  for (const p of ['prelude', 'node-install', 'bundle-unpack', 'node-version', 'node-app', 'wait-http', 'wait-queue', 'ready-deadline']) hb.registerPartial(p, read(p));
  return hb;
}

export type BootRole = 'api' | 'worker' | 'services' | 'all-in-one';

export interface BootContext {
  command?: 'api' | 'worker' | 'serve';
  port?: number;
  lowPort?: boolean;
  /** how long the readiness check waits for the service (seconds from its start), unless untilBootTimeout */
  readyTimeout?: number;
  /** a group member: the readiness check waits until shortly before boot_timeout (__BOOT_TIMEOUT__) runs out */
  untilBootTimeout?: boolean;
  env?: { name: string; value: string }[];
  database?: boolean;
  /** a group member: the wait condition signal carries the member's boot_id (__BOOT_ID__), see member.ts */
  bootId?: boolean;
  queue?: boolean;
  /** services server of --worker-scaling queue: the scaler's settings known at generate time */
  scaler?: {
    scaleUpBacklog: number;
    scaleDownBacklog: number;
    granularity: number;
    evaluationPeriods: number;
    scaleDownEvaluationPeriods: number;
  };
}

export function renderBoot(role: BootRole, ctx: BootContext): string {
  const tpl = engine().compile(read(role), { noEscape: true, strict: false });
  return tpl(ctx).replace(/\n{3,}/g, '\n\n');
}

/** user_data: the rendered script with Heat filling only the placeholders it actually contains. */
export function userData(script: string, params: Record<string, Value>): Intrinsic {
  const used: Record<string, Value> = {};
  for (const [k, v] of Object.entries(params)) if (script.includes(k)) used[k] = v;
  for (const m of script.matchAll(/__[A-Z0-9_]+__/g)) {
    if (!(m[0] in used)) throw new Error(`internal: boot placeholder ${m[0]} has no value`);
  }
  return strReplace(script, used);
}
