// Private network, subnet and a router to the external network (servers need it for apt and the app bundle).
import { param, ref, type Part } from './hot.js';

export function networkPart(): Part {
  return {
    resources: {
      network: { type: 'OS::Neutron::Net', properties: {} },
      subnet: {
        type: 'OS::Neutron::Subnet',
        properties: {
          network: ref('network'),
          cidr: param('network_cidr'),
          ip_version: 4,
          dns_nameservers: param('dns_nameservers'),
        },
      },
      router: {
        type: 'OS::Neutron::Router',
        properties: { external_gateway_info: { network: param('external_network') } },
      },
      router_interface: {
        type: 'OS::Neutron::RouterInterface',
        properties: { router: ref('router'), subnet: ref('subnet') },
      },
    },
  };
}

/** A port on the private subnet with the given security group (servers attach to it). */
export function serverPort(
  securityGroup: ReturnType<typeof ref> | ReturnType<typeof param>,
  network = ref('network'),
  subnet = ref('subnet'),
) {
  return {
    type: 'OS::Neutron::Port',
    properties: { network, fixed_ips: [{ subnet }], security_groups: [securityGroup] },
  };
}
