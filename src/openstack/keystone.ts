// Keystone v3 token issue: the request body for each auth method, the token and its expiry, the catalog, and one
// clear line for every way it can fail (never echoing the password, secret or token).
import type { AxiosInstance } from 'axios';
import { UsageError } from '../lib/errors.js';
import type { CloudConfig } from './config.js';
import { OpenStackError, networkError, requestIdOf, serviceMessage } from './errors.js';

export interface CatalogEndpoint {
  interface: string;
  region_id?: string | null;
  region?: string | null;
  url: string;
}
export interface CatalogEntry {
  type: string;
  name?: string;
  endpoints: CatalogEndpoint[];
}
export interface IssuedToken {
  token: string;
  expiresAt: number; // ms since epoch
  projectId?: string;
  projectName?: string;
  domainId?: string;
  userId: string;
  userName?: string;
  catalog: CatalogEntry[];
}

type Json = Record<string, unknown>;
interface KeystoneToken {
  expires_at?: string;
  project?: { id?: string; name?: string };
  domain?: { id?: string };
  user?: { id: string; name?: string };
  catalog?: CatalogEntry[];
}

function nameOrId(a: Record<string, string>, prefix: string): Json | undefined {
  if (a[`${prefix}_id`]) return { id: a[`${prefix}_id`] };
  if (a[`${prefix}_name`]) return { name: a[`${prefix}_name`] };
  return undefined;
}

function userRef(a: Record<string, string>): Json {
  if (a.user_id) return { id: a.user_id };
  if (!a.username)
    throw new UsageError(
      'the cloud config has neither username nor user_id',
      'add auth: {username: ..., user_domain_name: ...}',
    );
  const domain = nameOrId(a, 'user_domain') ?? { id: 'default' };
  return { name: a.username, domain };
}

/** Project scope (name needs a domain), else domain scope, else system scope, else unscoped. */
export function scopeOf(a: Record<string, string>): Json | undefined {
  if (a.project_id) return { project: { id: a.project_id } };
  if (a.project_name)
    return { project: { name: a.project_name, domain: nameOrId(a, 'project_domain') ?? { id: 'default' } } };
  const dom = nameOrId(a, 'domain');
  if (dom) return { domain: dom };
  if (a.system_scope) return { system: { [a.system_scope]: true } };
  return undefined;
}

/** The POST /v3/auth/tokens body for the cloud's auth type. */
export function authBody(cfg: Pick<CloudConfig, 'authType' | 'auth'>, tokenOverride?: string): Json {
  const a = cfg.auth;
  let identity: Json;
  let scope: Json | undefined = scopeOf(a);
  if (tokenOverride || cfg.authType === 'token') {
    const id = tokenOverride ?? a.token;
    if (!id) throw new UsageError('auth_type token needs auth.token (or OS_TOKEN)');
    identity = { methods: ['token'], token: { id } };
  } else if (cfg.authType === 'v3applicationcredential') {
    if (!a.application_credential_secret)
      throw new UsageError('an application credential needs application_credential_secret');
    let cred: Json;
    if (a.application_credential_id)
      cred = { id: a.application_credential_id, secret: a.application_credential_secret };
    else if (a.application_credential_name)
      cred = { name: a.application_credential_name, secret: a.application_credential_secret, user: userRef(a) };
    else
      throw new UsageError(
        'an application credential needs application_credential_id, or application_credential_name with username/user_id',
      );
    identity = { methods: ['application_credential'], application_credential: cred };
    scope = undefined; // the credential is bound to its project; Keystone rejects a scope
  } else {
    if (a.password === undefined)
      throw new UsageError(
        'password auth needs a password',
        'add it to secure.yaml (auth: {password: ...}) or set OS_PASSWORD',
      );
    identity = { methods: ['password'], password: { user: { ...userRef(a), password: a.password } } };
  }
  return { auth: scope ? { identity, scope } : { identity } };
}

function tokensUrl(authUrl: string): string {
  let u = authUrl.replace(/\/+$/, '');
  if (!/\/v3$/.test(u)) u = u.replace(/\/v2\.0$/, '') + '/v3';
  return `${u}/auth/tokens`;
}

/** Why Keystone said no, in user terms (a production Keystone only says 401; a debug one says more). */
function explainAuthFailure(cfg: Pick<CloudConfig, 'name' | 'authType' | 'auth'>, status: number, msg: string): string {
  const a = cfg.auth;
  const user = a.username ?? a.user_id ?? '?';
  const project = a.project_name ?? a.project_id;
  if (cfg.authType === 'token' && (status === 401 || status === 404))
    return 'the token was rejected (expired, revoked or malformed)';
  if (cfg.authType === 'v3applicationcredential' && status === 401) {
    return `application credential ${a.application_credential_name ?? a.application_credential_id} was rejected (wrong secret, expired or deleted?)`;
  }
  if (/could not find project/i.test(msg)) return `unknown project ${project}`;
  if (/could not find domain|domain.*not found/i.test(msg)) return 'unknown domain';
  if (/invalid username or password|could not find user/i.test(msg)) return `wrong password or unknown user ${user}`;
  if (/has no access to|no role|not authorized/i.test(msg)) return `user ${user} has no role on project ${project}`;
  if (status === 401)
    return `wrong password, unknown user ${user}${project ? `, or no access to project ${project}` : ''}`;
  if (status === 404 && /project/i.test(msg)) return `unknown project ${project}`;
  return msg.replace(/\s*\(Disable insecure_debug[^)]*\)/, '') || 'authentication failed';
}

export async function issueToken(
  http: AxiosInstance,
  cfg: Pick<CloudConfig, 'name' | 'authType' | 'auth'>,
  opts: { tokenOverride?: string; timeoutMs?: number } = {},
): Promise<IssuedToken> {
  const url = tokensUrl(cfg.auth.auth_url);
  const body = authBody(cfg, opts.tokenOverride);
  let res;
  try {
    res = await http.post(url, body, { headers: { 'Content-Type': 'application/json' }, maxRedirects: 0 });
  } catch (e) {
    throw networkError(`cloud ${cfg.name}: Keystone`, url, e, opts.timeoutMs);
  }
  const rid = requestIdOf(res.headers as Record<string, unknown>);
  const ridText = rid ? ` (request id ${rid})` : '';
  if (res.status !== 201 && res.status !== 200) {
    const msg = serviceMessage(res.data);
    const why = explainAuthFailure(cfg, res.status, msg);
    throw new OpenStackError(`cloud ${cfg.name}: Keystone authentication failed: HTTP ${res.status} ${why}${ridText}`, {
      status: res.status,
      requestId: rid,
    });
  }
  const token = String(res.headers['x-subject-token'] ?? '');
  const t = (res.data as { token?: KeystoneToken })?.token;
  if (!token || !t)
    throw new OpenStackError(
      `cloud ${cfg.name}: ${url} is not a Keystone v3 token endpoint (no X-Subject-Token)${ridText}`,
      { requestId: rid },
    );
  return {
    token,
    expiresAt: t.expires_at ? Date.parse(t.expires_at) : Date.now() + 3600_000,
    projectId: t.project?.id,
    projectName: t.project?.name,
    domainId: t.domain?.id,
    userId: t.user?.id ?? '',
    userName: t.user?.name,
    catalog: Array.isArray(t.catalog) ? t.catalog : [],
  };
}

/** Endpoint URL of a service type for an interface and (optional) region; undefined when the catalog has none. */
export function catalogEndpoint(
  catalog: CatalogEntry[],
  serviceType: string,
  iface: string,
  region?: string,
): string | undefined {
  const want = iface.replace(/URL$/, '');
  for (const entry of catalog.filter((e) => e.type === serviceType)) {
    const ep = entry.endpoints.find(
      (e) => e.interface === want && (!region || e.region_id === region || e.region === region),
    );
    if (ep) return ep.url.replace(/\/+$/, '');
  }
  return undefined;
}
