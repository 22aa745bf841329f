// Outputs: where the app is, the current size of each tier, the scale-up/-down URLs per tier (Heat's native
// signal_url: POST with a token, or `openstack stack resource signal STACK <policy>`), and commands to watch.
import type { StackConfig } from '../config/types.js';
import { attr, join, STACK_NAME, type Output, type Part, type Value } from './hot.js';
import type { Tier } from './member.js';
import { groupIdResource } from './tiers.js';

function appUrl(cfg: StackConfig): Value {
  if (cfg.loadBalancer) return join(['http://', attr('lb_floating_ip', 'floating_ip_address'), '/']);
  return {
    yaql: {
      expression: "coalesce($.data.ips, []).where($ != null).select('http://' + $ + '/').first('')",
      data: { ips: attr('api_asg', 'outputs_list', 'public_ip') },
    },
  };
}

function scaleUrl(tier: Tier, dir: 'up' | 'down'): Output {
  return {
    description:
      `POST here to scale the ${tier} tier ${dir} by one (needs a token: curl -X POST -H "X-Auth-Token: $(openstack token issue -f value -c id)" URL; ` +
      `or: openstack stack resource signal STACK ${tier}_scale_${dir}). Ignored during the cooldown.`,
    value: attr(`${tier}_scale_${dir}`, 'signal_url'),
  };
}

function cpuCommand(cfg: StackConfig, tier: Tier): Output {
  return {
    description: `the ${tier} tier's CPU as its alarms see it (ns of CPU time per ${cfg.scaling.granularity} s window, mean over the tier)`,
    value: join([
      `openstack metric aggregates --resource-type instance --granularity ${cfg.scaling.granularity} `,
      `'(aggregate rate:mean (metric cpu mean))' 'server_group="`,
      attr(groupIdResource(tier), 'value'),
      `" and ended_at=null'`,
    ]),
  };
}

export function tierOutputs(cfg: StackConfig): Part {
  const outputs: Record<string, Output> = {
    app_url: { description: 'URL of the fractal app (gallery and /v1 API)', value: appUrl(cfg) },
  };
  if (cfg.loadBalancer)
    outputs.lb_vip_address = { description: 'private address of the load balancer', value: attr('lb', 'vip_address') };
  else
    outputs.api_addresses = {
      description: 'floating IPs of the API servers',
      value: attr('api_asg', 'outputs_list', 'public_ip'),
    };
  Object.assign(outputs, {
    api_metrics_urls: {
      description:
        "the API servers' internal listeners (/metrics): reachable only from the stack's own servers, never through the public listener; the queue scaler reads them",
      value: {
        yaql: {
          expression: 'coalesce($.data.urls, []).where($ != null)',
          data: { urls: attr('api_asg', 'outputs_list', 'internal_url') },
        },
      },
    },
    api_current_size: { description: 'API servers now', value: attr('api_asg', 'current_size') },
    worker_current_size: { description: 'workers now', value: attr('worker_asg', 'current_size') },
    api_scale_up_url: scaleUrl('api', 'up'),
    api_scale_down_url: scaleUrl('api', 'down'),
    worker_scale_up_url: scaleUrl('worker', 'up'),
    worker_scale_down_url: scaleUrl('worker', 'down'),
    api_cpu_command: cpuCommand(cfg, 'api'),
    worker_cpu_command: cpuCommand(cfg, 'worker'),
    watch_command: {
      description: 'watch both tiers and their alarms',
      value: join([
        "watch -n 30 'openstack stack output show ",
        STACK_NAME,
        ' api_current_size -c output_value -f value; openstack stack output show ',
        STACK_NAME,
        " worker_current_size -c output_value -f value; openstack alarm list -c name -c state'",
      ]),
    },
  } satisfies Record<string, Output>);
  return { outputs };
}
