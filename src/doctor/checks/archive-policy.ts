// The Gnocchi archive policy that applies to Ceilometer's `cpu` metric keeps `rate:mean` at the alarm granularity.
// Which policy applies: an existing instance's cpu metric says it best; else Ceilometer's own choice for cpu
// (ceilometer-low-rate, from its gnocchi_resources.yaml) when that policy exists; else Gnocchi's archive policy
// rules (what a metric created without a policy gets).
import { GnocchiClient, granularities, ruleForMetric, type ArchivePolicy } from '../../openstack/gnocchi.js';
import { fail, ok, skip, type Check } from '../types.js';

async function cpuPolicy(g: GnocchiClient): Promise<{ policy?: ArchivePolicy; source: string }> {
  const resources = await g.searchResources('instance', {}, { limit: 20 }).catch(() => []);
  const withCpu = resources.find((r) => r.metrics?.cpu);
  if (withCpu) {
    const m = await g.metric(withCpu.metrics.cpu);
    if (m?.archive_policy) return { policy: m.archive_policy, source: `cpu metric of instance ${withCpu.id}` };
  }
  const ceilometer = await g.archivePolicy('ceilometer-low-rate');
  if (ceilometer) return { policy: ceilometer, source: "Ceilometer's default policy for cpu" };
  const rule = ruleForMetric(await g.archivePolicyRules(), 'cpu');
  if (rule)
    return {
      policy: await g.archivePolicy(rule.archive_policy_name),
      source: `archive policy rule ${rule.name} (${rule.metric_pattern})`,
    };
  return {
    source: 'no instance with a cpu metric, no ceilometer-low-rate policy, no archive policy rule matching cpu',
  };
}

export const archivePolicyCheck: Check = {
  id: 'archive-policy',
  title: 'archive policy of cpu',
  async run({ cloud, plan }) {
    if (!plan.alarms) return skip('no autoscaling alarms');
    if (!cloud.hasService('metric')) return skip('no metric (Gnocchi) endpoint');
    const { policy, source } = await cpuPolicy(new GnocchiClient(cloud));
    if (!policy)
      return fail(
        source,
        'ask the operator to run ceilometer-upgrade (creates the ceilometer-* archive policies) or add an archive policy rule for cpu',
      );
    const gs = granularities(policy);
    const name = `${policy.name} (from ${source})`;
    if (!policy.aggregation_methods.includes('rate:mean')) {
      return fail(
        `${name} has no rate:mean (has ${policy.aggregation_methods.join(', ')})`,
        'the cpu metric needs an archive policy with rate:mean, e.g. ceilometer-low-rate',
      );
    }
    if (!gs.includes(plan.granularity)) {
      return fail(
        `${name} keeps ${gs.join(', ')} s, not the alarm granularity ${plan.granularity} s: the alarms would stay in insufficient data`,
        `use --granularity ${gs.find((x) => x >= 60) ?? gs[0]}`,
      );
    }
    return ok(`${name}: rate:mean at ${plan.granularity} s`);
  },
};
