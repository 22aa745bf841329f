// The OpenStack client (contract C7): connect() resolves the cloud like openstacksdk, authenticates against
// Keystone v3 and returns a Cloud with the catalog's endpoints, request(), and the Heat and Swift clients.
import { Cloud as BaseCloud } from './cloud.js';
import { loadCloudConfig, type LoadOptions } from './config.js';
import { HeatClient } from './heat.js';
import { SwiftClient } from './swift.js';

export class Cloud extends BaseCloud {
  readonly heat = new HeatClient(this);
  readonly swift = new SwiftClient(this);
}

export interface ConnectOptions {
  /** cloud name (--os-cloud); default OS_CLOUD, then the envvars cloud, then the only cloud */
  cloud?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  region?: string;
  home?: string;
  /** directories searched for clouds.yaml/secure.yaml (default: cwd, ~/.config/openstack, /etc/openstack) */
  searchDirs?: string[];
}

/** Resolve the cloud, authenticate, and return it. Errors are one line (UsageError for config, OpenStackError for the cloud). */
export async function connect(opts: ConnectOptions = {}): Promise<Cloud> {
  const cfg = loadCloudConfig(opts as LoadOptions);
  const cloud = new Cloud(cfg);
  await cloud.authenticate();
  return cloud;
}

export { loadCloudConfig, defaultSearchDirs, envvarsCloud, normalizeCloud, deepMerge } from './config.js';
export type { CloudConfig, LoadOptions, AuthType } from './config.js';
export { OpenStackError, Scrubber } from './errors.js';
export { authBody, scopeOf, catalogEndpoint, issueToken } from './keystone.js';
export type { CatalogEntry, IssuedToken } from './keystone.js';
export type { RequestOptions, Response } from './cloud.js';
export { RENEW_BEFORE_MS } from './cloud.js';
export { HeatClient } from './heat.js';
export { linkStackId, linkStackName } from './heat.js';
export type {
  StackInfo,
  StackInput,
  StackOptions,
  StackRef,
  StackLike,
  TemplateInput,
  HeatStack,
  HeatEvent,
  HeatResource,
  HeatLink,
  HeatOutput,
  PreviewResource,
  ResourceChanges,
  Requester,
} from './heat.js';
export { SwiftClient, signTempUrl } from './swift.js';
export type { TempUrlDigest } from './swift.js';
