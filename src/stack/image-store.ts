// The API tier's image store when the user gave none and there can be more than one API server: a Swift container
// of the stack (faafo-images-<stack>) and an application credential the API servers use to reach it (its secret
// only in the hidden image_store_secret parameter). `delete` revokes the credential; the images stay (the
// container is the user's data) and the command says where.
import { UsageError } from '../lib/errors.js';
import type { Cloud } from '../openstack/index.js';
import type { HeatStack, StackInput } from '../openstack/heat.js';

export const imageContainer = (stack: string) => `faafo-images-${stack}`;
const credentialName = (stack: string) => `faafo-images-${stack}`;

function identityUrl(cloud: Cloud, path: string): string {
  return cloud.requireEndpoint('identity').replace(/\/v3\/?$/, '') + `/v3${path}`;
}

export async function provideImageStore(cloud: Cloud, stack: string, input: StackInput, log?: (l: string) => void): Promise<string> {
  if (!cloud.hasService('object-store')) {
    throw new UsageError(
      `cloud ${cloud.name} has no object storage (Swift) for the images of more than one API server`,
      'give --image-store-url swift://CONTAINER?... (and image_store_secret), or --max-api 1 for a file: store',
    );
  }
  const container = imageContainer(stack);
  await cloud.swift.ensureContainer(container);
  const res = await cloud.request<{ application_credential: { id: string; secret: string } }>(
    'identity',
    'POST',
    identityUrl(cloud, `/users/${encodeURIComponent(cloud.userId)}/application_credentials`),
    {
      body: {
        application_credential: {
          name: credentialName(stack),
          description: `faafo-stack: the API servers of stack ${stack} store images in Swift container ${container}`,
        },
      },
      okStatuses: [201],
    },
  );
  const cred = res.data.application_credential;
  const q = new URLSearchParams({ auth_url: cloud.requireEndpoint('identity'), application_credential_id: cred.id });
  if (cloud.regionName) q.set('region_name', cloud.regionName);
  input.parameters.image_store_url = `swift://${container}?${q.toString()}`;
  input.parameters.image_store_secret = cred.secret;
  log?.(`Images go to Swift container ${container} (application credential ${credentialName(stack)})`);
  return container;
}

/** After a stack's delete: revoke the image store credential `create` made. */
export async function revokeImageStore(cloud: Cloud, stack: HeatStack): Promise<string | undefined> {
  const url = stack.parameters?.image_store_url ?? '';
  const m = /^swift:\/\/([^?]+)\?(.*)$/.exec(url);
  if (!m || m[1] !== imageContainer(stack.name)) return undefined;
  const id = new URLSearchParams(m[2]).get('application_credential_id');
  if (!id) return undefined;
  await cloud.request('identity', 'DELETE', identityUrl(cloud, `/users/${encodeURIComponent(cloud.userId)}/application_credentials/${encodeURIComponent(id)}`), {
    okStatuses: [204, 404],
  });
  return m[1];
}
