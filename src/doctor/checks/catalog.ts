// The service catalog has every API the stack's resources and its autoscaling chain need.
import { fail, ok, type Check, type DoctorPlan } from '../types.js';

const WHY: Record<string, string> = {
  orchestration: 'Heat runs the stack',
  compute: 'Nova servers',
  network: 'Neutron networks, ports, floating IPs',
  image: 'Glance image of the servers',
  'load-balancer': 'Octavia load balancer in front of the API tier',
  alarming: 'Aodh alarms drive the scaling policies',
  metric: 'Gnocchi stores the cpu measures the alarms read',
  'object-store': 'Swift holds the bundled app (--bundle swift)',
  cloudformation: 'heat-api-cfn signs the alarm_url the alarms call',
};

export function requiredServices(plan: DoctorPlan): string[] {
  const s = ['orchestration', 'compute', 'network', 'image'];
  if (plan.loadBalancer) s.push('load-balancer');
  if (plan.alarms) s.push('alarming', 'metric');
  if (plan.bundleToSwift) s.push('object-store');
  if (plan.alarms && plan.alarmAction === 'alarm_url') s.push('cloudformation');
  return s;
}

export const catalogCheck: Check = {
  id: 'catalog',
  title: 'service catalog',
  async run({ cloud, plan }) {
    const need = requiredServices(plan);
    const missing = need.filter((t) => !cloud.hasService(t));
    if (!missing.length) return ok(`has ${need.join(', ')}`);
    return fail(
      `missing ${missing.map((m) => `${m} (${WHY[m]})`).join('; ')}`,
      missing.some((m) => m === 'alarming' || m === 'metric')
        ? 'use a cloud with Aodh + Gnocchi (telemetry), or generate without CPU autoscaling alarms; check `openstack catalog list` and the region/interface'
        : 'check `openstack catalog list`, --os-region-name and the interface of your clouds.yaml entry',
    );
  },
};
