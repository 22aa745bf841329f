// Where the tests find the project's own test cloud (test/cloud/: start.sh, clouds.yaml, the Heat environments
// that map absent services to OS::Heat::None, the sample templates). All inside the checkout: a clone needs
// nothing next to it.
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
