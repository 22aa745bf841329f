// Where the tests find the project's own test cloud (test/cloud/: start.sh, clouds.yaml, the Heat environments
// that map absent services to OS::Heat::None, the sample templates). All inside the checkout: a clone needs
// nothing next to it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const cloudDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../cloud');
/** Clouds `faafo-local` (demo, non-admin) and `faafo-local-admin`. */
export const cloudsYaml = path.join(cloudDir, 'clouds.yaml');
/** Nova, Neutron, Octavia, Aodh, Glance, ... -> OS::Heat::None. */
export const envNone = path.join(cloudDir, 'env-none.yaml');
/** Like envNone, but OS::Aodh::* stay real (Gnocchi + Aodh run). */
export const envNoneTelemetry = path.join(cloudDir, 'env-none-telemetry.yaml');
export const samplesDir = path.join(cloudDir, 'samples');

/**
 * The address the cloud's catalog names: 127.0.0.1, or 10.99.0.1 once `test/cloud/start.sh --with-compute` ran (servers
 * booted on the cloud reach it). start.sh records it in its state dir; every service listens on 127.0.0.1 as well.
 */
export function publicHost(): string {
  try {
    return (
      readFileSync(path.join(process.env.OS_LOCAL_STATE ?? '/var/lib/faafo-openstack', 'public-host'), 'utf8').trim() ||
      '127.0.0.1'
    );
  } catch {
    return '127.0.0.1';
  }
}

/**
 * Whether the cloud's catalog names compute, network and image (Nova, Neutron, Glance: `start.sh --with-compute`).
 * Asked of the catalog itself (a token for `faafo-local`), not of a state file: that is what doctor, generate's
 * checks and Heat see. The base cloud alone has none of the three.
 */
export async function cloudHasCompute(): Promise<boolean> {
  const { connect } = await import('../../src/openstack/index.js');
  const cloud = await connect({ cloud: 'faafo-local', env: { ...process.env, OS_CLIENT_CONFIG_FILE: cloudsYaml } });
  const has = ['compute', 'network', 'image'].map((s) => cloud.hasService(s));
  if (has.some((h) => h !== has[0])) throw new Error(`catalog has only part of compute/network/image: ${cloud.services().join(', ')}`);
  return has[0]!;
}

/**
 * The free-quota lines of doctor's quotas check ("instances 8 needed, 10 free of 12; ...") and whether each fits.
 * The free amount depends on what other tests (test/cloud-real) have booted at the moment, so a test checks that
 * the verdict follows from the numbers doctor reports rather than a fixed verdict.
 */
export function quotaNeeds(detail: string): { what: string; need: number; free: number }[] {
  return [...detail.matchAll(/([A-Za-z][A-Za-z ]*?) (\d+) needed, (\d+|unlimited) free/g)].map((m) => ({
    what: m[1]!.trim(),
    need: Number(m[2]),
    free: m[3] === 'unlimited' ? Infinity : Number(m[3]),
  }));
}
