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
