// What test/cloud-real/stack.test.ts needs from the test cloud with compute (test/cloud/compute/): the readiness
// check (one clear line when compute is not up: no Nova/Neutron/Glance in the catalog or no debian-13 image), the demo user's connection, the Nova/Neutron ids of everything a
// stack made (to prove `delete` left none behind), and the boot timings read from Heat's events.
import { connect, type Cloud } from '../../src/openstack/index.js';
import { DEFAULTS } from '../../src/config/defaults.js';
import type { StackEvent } from '../../src/stack/events.js';
import { cloudsYaml as testCloudsYaml } from '../helpers/test-cloud.js';

/** clouds.yaml of the project's test cloud (test/cloud/). */
export const cloudsYaml = (): string => process.env.FAAFO_CLOUDS_YAML ?? testCloudsYaml;

/** The image the generated templates boot by default (debian-13). */
const IMAGE = DEFAULTS.image;

export const cliEnv = (): NodeJS.ProcessEnv => ({ OS_CLIENT_CONFIG_FILE: cloudsYaml(), OS_CLOUD: 'faafo-local' });

/** The demo user's cloud, or one line saying why the real-stack test cannot run. */
export async function computeCloud(home: string): Promise<Cloud> {
  const cloud = await connect({
    cloud: 'faafo-local',
    env: { HOME: home, OS_CLIENT_CONFIG_FILE: cloudsYaml() },
    searchDirs: [],
  });
  const missing = ['compute', 'network', 'image', 'orchestration', 'object-store'].filter((s) => !cloud.hasService(s));
  if (missing.length) {
    throw new Error(
      `the test cloud has no compute (no ${missing.join(', ')} in its catalog): start it with test/cloud/start.sh --with-compute (npm test does)`,
    );
  }
  const images = await cloud.request<{ images: { status: string }[] }>('image', 'GET', '/v2/images', {
    query: { name: IMAGE },
  });
  if (!images.data.images.some((i) => i.status === 'active')) {
    throw new Error(`the test cloud has no active image ${IMAGE}: test/cloud/start.sh --with-compute registers it`);
  }
  return cloud;
}

/** Neutron/Nova things a stack made, by the Heat resource type that made them. */
const KINDS: Record<string, { service: string; path: (id: string) => string }> = {
  'OS::Nova::Server': { service: 'compute', path: (id) => `/servers/${id}` },
  'OS::Neutron::Port': { service: 'network', path: (id) => `/v2.0/ports/${id}` },
  'OS::Neutron::FloatingIP': { service: 'network', path: (id) => `/v2.0/floatingips/${id}` },
  'OS::Neutron::SecurityGroup': { service: 'network', path: (id) => `/v2.0/security-groups/${id}` },
  'OS::Neutron::Net': { service: 'network', path: (id) => `/v2.0/networks/${id}` },
  'OS::Neutron::Subnet': { service: 'network', path: (id) => `/v2.0/subnets/${id}` },
  'OS::Neutron::Router': { service: 'network', path: (id) => `/v2.0/routers/${id}` },
};

export interface Made {
  type: string;
  name: string;
  id: string;
}

/** Everything of the KINDS in the stack and its nested stacks (with their physical ids). */
export async function madeBy(cloud: Cloud, stack: string): Promise<Made[]> {
  const resources = await cloud.heat.resources(stack, 5);
  return resources
    .filter((r) => r.resource_type in KINDS && r.physical_resource_id)
    .map((r) => ({ type: r.resource_type, name: r.resource_name, id: r.physical_resource_id }));
}

/** Those that still exist (GET answers other than 404), plus ports still on the stack's networks. */
export async function leftBehind(cloud: Cloud, made: Made[]): Promise<string[]> {
  const left: string[] = [];
  for (const m of made) {
    const k = KINDS[m.type];
    const r = await cloud.request(k.service, 'GET', k.path(m.id), { okStatuses: [200, 404] });
    if (r.status !== 404) left.push(`${m.type} ${m.name} ${m.id}`);
  }
  for (const net of made.filter((m) => m.type === 'OS::Neutron::Net')) {
    const r = await cloud.request<{ ports: { id: string; device_owner: string }[] }>('network', 'GET', '/v2.0/ports', {
      query: { network_id: net.id },
    });
    for (const p of r.data.ports) left.push(`port ${p.id} (${p.device_owner}) on network ${net.id}`);
  }
  return left;
}

/**
 * Boot time of each server from Heat's events: from its server's CREATE_IN_PROGRESS to the CREATE_COMPLETE of the
 * wait condition its own boot script signalled (same nested path; `services_server` pairs with `services_wait`,
 * `app_server` with `wait`).
 */
export function bootTimes(events: StackEvent[]): { server: string; activeS: number; bootS: number }[] {
  const at = (path: string, resource: string, status: string) =>
    events.find((e) => e.path === path && e.resource === resource && e.status === status)?.time;
  const out: { server: string; activeS: number; bootS: number }[] = [];
  for (const e of events) {
    if (!/(^|_)server$/.test(e.resource) || e.status !== 'CREATE_IN_PROGRESS') continue;
    const active = at(e.path, e.resource, 'CREATE_COMPLETE');
    const done =
      at(e.path, e.resource.replace(/server$/, 'wait'), 'CREATE_COMPLETE') ?? at(e.path, 'wait', 'CREATE_COMPLETE');
    if (!active || !done) continue;
    const t0 = Date.parse(e.time);
    out.push({
      server: e.path ? `${e.path}/${e.resource}` : e.resource,
      activeS: Math.round((Date.parse(active) - t0) / 1000),
      bootS: Math.round((Date.parse(done) - t0) / 1000),
    });
  }
  return out;
}
