// `create` without --app-url: build the service bundle (src/bundle), upload it to Swift and hand the servers a
// TempURL + sha256 as the template's app_url/app_sha256 parameters, as `faafo-stack bundle --container` does.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundle } from '../bundle/index.js';
import type { Cloud } from '../openstack/index.js';
import { UsageError } from '../lib/errors.js';
import type { StackInput } from '../openstack/heat.js';
import { BUNDLE_TTL_S } from './bundle-lifetime.js';

export const DEFAULT_BUNDLE_CONTAINER = 'faafo-bundles';

export async function provideAppBundle(
  cloud: Cloud,
  input: StackInput,
  opts: { container?: string; log?: (line: string) => void } = {},
): Promise<{ url: string; sha256: string; uploaded: boolean }> {
  if (!cloud.hasService('object-store')) {
    throw new UsageError(
      `no --app-url given and cloud ${cloud.name} has no object storage (Swift) to upload the app bundle to`,
      'host the tarball of `faafo-stack bundle` yourself and pass --app-url URL --app-sha256 HEX',
    );
  }
  const container = opts.container ?? DEFAULT_BUNDLE_CONTAINER;
  opts.log?.(`Bundling the service and uploading it to Swift container ${container} ...`);
  // Built in a private temp folder (removed after the upload): concurrent creates never share a build folder.
  const out = await mkdtemp(path.join(tmpdir(), 'faafo-create-bundle-'));
  // signed for the stack's whole life: a scale-out years later still downloads it (bundle-lifetime.ts)
  const b = await bundle({ container, cloud: async () => cloud, out, ttlS: BUNDLE_TTL_S, forStack: true }).finally(() => rm(out, { recursive: true, force: true }));
  if (!b.url) throw new UsageError('the bundle has no download URL');
  input.parameters.app_url = b.url;
  input.parameters.app_sha256 = b.sha256;
  opts.log?.(`Bundle ${b.sha256.slice(0, 12)} (${Math.round(b.size / 1024)} KiB) ${b.uploaded ? 'uploaded' : 'already in Swift'}; servers download it by TempURL until ${b.expires}`);
  return { url: b.url, sha256: b.sha256, uploaded: b.uploaded };
}
