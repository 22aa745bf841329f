// Octavia load balancer in front of the API tier: HTTP listener on 80, round-robin pool, HTTP health monitor
// on GET /healthz, and a floating IP on the VIP. Members join the pool from the member template. Only the public
// port: the API's internal listener (/metrics) is never behind the load balancer.
import { attr, param, ref, type Part } from './hot.js';
import { PORTS } from './security.js';

export function loadBalancerPart(): Part {
  return {
    resources: {
      lb: { type: 'OS::Octavia::LoadBalancer', properties: { vip_subnet: ref('subnet') } },
      lb_listener: {
        type: 'OS::Octavia::Listener',
        properties: { loadbalancer: ref('lb'), protocol: 'HTTP', protocol_port: PORTS.http },
      },
      lb_pool: {
        type: 'OS::Octavia::Pool',
        properties: { listener: ref('lb_listener'), lb_algorithm: 'ROUND_ROBIN', protocol: 'HTTP' },
      },
      lb_monitor: {
        type: 'OS::Octavia::HealthMonitor',
        properties: {
          pool: ref('lb_pool'),
          type: 'HTTP',
          http_method: 'GET',
          url_path: '/healthz',
          expected_codes: '200',
          delay: 5,
          timeout: 3,
          max_retries: 3,
        },
      },
      lb_floating_ip: {
        type: 'OS::Neutron::FloatingIP',
        depends_on: ['router_interface'],
        properties: { floating_network: param('external_network'), port_id: attr('lb', 'vip_port_id') },
      },
    },
  };
}
