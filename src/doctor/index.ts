// `faafo-stack doctor`: run every check in order against a connected cloud and the plan of the stack the flags
// would make. A check that throws (API down, unexpected answer) is reported as a failed check, not a crash.
import { oneLine } from '../lib/errors.js';
import { archivePolicyCheck } from './checks/archive-policy.js';
import { catalogCheck } from './checks/catalog.js';
import { externalNetworkCheck } from './checks/external-network.js';
import { flavorsCheck } from './checks/flavors.js';
import { imageCheck } from './checks/image.js';
import { keypairCheck } from './checks/keypair.js';
import { quotasCheck } from './checks/quotas.js';
import { resourceTypeCheck } from './checks/resource-type.js';
import { trustCheck } from './checks/trust.js';
import { writeAccessCheck } from './checks/write-access.js';
import type { Check, CheckResult, DoctorCloud, DoctorContext, DoctorPlan } from './types.js';

export type { CheckResult, DoctorCloud, DoctorPlan, Verdict } from './types.js';
export { planFromConfig } from './plan.js';

/** In order: flavors before quotas (quotas use the flavors' vCPUs and RAM). */
export const CHECKS: Check[] = [
  catalogCheck,
  archivePolicyCheck,
  resourceTypeCheck,
  trustCheck,
  imageCheck,
  flavorsCheck,
  keypairCheck,
  externalNetworkCheck,
  quotasCheck,
  writeAccessCheck,
];

export async function runDoctor(
  cloud: DoctorCloud,
  plan: DoctorPlan,
  checks: Check[] = CHECKS,
): Promise<CheckResult[]> {
  const ctx: DoctorContext = { cloud, plan, facts: {} };
  const out: CheckResult[] = [];
  for (const c of checks) {
    try {
      out.push({ id: c.id, title: c.title, ...(await c.run(ctx)) });
    } catch (e) {
      out.push({
        id: c.id,
        title: c.title,
        status: 'fail',
        detail: `could not check: ${oneLine(e)}`,
        fix: 'see the error; rerun when the API answers',
      });
    }
  }
  return out;
}

export const failed = (results: CheckResult[]) => results.some((r) => r.status === 'fail');

export function formatResults(cloudName: string, results: CheckResult[]): string[] {
  const w = Math.max(...results.map((r) => r.title.length));
  const lines = [`doctor: cloud ${cloudName}`];
  for (const r of results) {
    lines.push(`  ${r.status.padEnd(4)}  ${r.title.padEnd(w)}  ${r.detail}`);
    if (r.fix && r.status !== 'ok') lines.push(`  ${''.padEnd(4)}  ${''.padEnd(w)}  fix: ${r.fix}`);
  }
  const n = (v: string) => results.filter((r) => r.status === v).length;
  lines.push(`${n('ok')} ok, ${n('warn')} warn, ${n('fail')} fail, ${n('skip')} skip`);
  return lines;
}

/**
 * The cloud as if its catalog lacked these service types (`--without-service`, tests): what doctor says on a
 * cloud without, e.g., telemetry, while talking to a cloud that has it.
 */
export function withoutServices(cloud: DoctorCloud, types: string[]): DoctorCloud {
  const hidden = new Set(types);
  return {
    name: cloud.name,
    get projectId() {
      return cloud.projectId;
    },
    get userId() {
      return cloud.userId;
    },
    token: () => cloud.token(),
    hasService: (t) => !hidden.has(t) && cloud.hasService(t),
    endpoint: (t) => (hidden.has(t) ? undefined : cloud.endpoint(t)),
    request: (t, ...rest) => {
      if (hidden.has(t)) throw new Error(`${t} is hidden from the catalog`);
      return cloud.request(t, ...rest);
    },
  };
}
