// The `swift:` image store: one PNG per fractal as an object in a Swift container, over plain HTTP (app/ does not
// import src/). URL: `swift://CONTAINER[/PREFIX][?auth_url=...&region_name=...&interface=...&username=...
// &user_domain_name=...&project_name=...&project_domain_name=...&application_credential_id=...]`; anything not in
// the URL comes from the OS_* variables of an openrc (OS_AUTH_URL, OS_USERNAME, OS_PROJECT_NAME, ...). Secrets
// (OS_PASSWORD, OS_APPLICATION_CREDENTIAL_SECRET) only from the environment: URLs end up in logs.
// A Swift PUT is atomic (the object appears whole when the upload completes), which is what put() promises.
import { Readable } from 'node:stream';
import type { ImageStore } from '../types.js';
import { assertImageKey } from './file.js';

const AUTH_KEYS = [
  'auth_url',
  'username',
  'user_id',
  'user_domain_name',
  'user_domain_id',
  'project_name',
  'project_id',
  'project_domain_name',
  'project_domain_id',
  'application_credential_id',
  'application_credential_name',
  'region_name',
  'interface',
] as const;
type Key = (typeof AUTH_KEYS)[number];
const SECRET_KEYS = ['password', 'application_credential_secret', 'token'];

export interface SwiftStoreConfig {
  container: string;
  prefix: string;
  auth: Partial<Record<Key | 'password' | 'application_credential_secret', string>>;
}

/** Parses the URL and fills the gaps from OS_* variables; throws one line naming what is missing. */
export function parseSwiftUrl(url: string, env: NodeJS.ProcessEnv = process.env): SwiftStoreConfig {
  const m = /^swift:(?:\/\/)?([^/?#]+)(?:\/([^?#]*))?(?:\?([^#]*))?$/i.exec(url.trim());
  if (!m)
    throw new Error(
      'swift: image URL must look like swift://CONTAINER[/PREFIX][?auth_url=...] (credentials from OS_* variables)',
    );
  const container = decodeURIComponent(m[1]);
  const prefix = m[2] ? decodeURIComponent(m[2]).replace(/\/*$/, '/') : '';
  const q = new URLSearchParams(m[3] ?? '');
  for (const k of q.keys()) {
    if (SECRET_KEYS.includes(k))
      throw new Error(`swift: image URL must not carry ${k}; set OS_${k.toUpperCase()} in the environment instead`);
    if (!(AUTH_KEYS as readonly string[]).includes(k))
      throw new Error(`swift: image URL: unknown parameter "${k}" (known: ${AUTH_KEYS.join(', ')})`);
  }
  const auth: SwiftStoreConfig['auth'] = {};
  for (const k of AUTH_KEYS) {
    const v = q.get(k) ?? env[`OS_${k.toUpperCase()}`];
    if (v) auth[k] = v;
  }
  if (env.OS_PASSWORD) auth.password = env.OS_PASSWORD;
  if (env.OS_APPLICATION_CREDENTIAL_SECRET) auth.application_credential_secret = env.OS_APPLICATION_CREDENTIAL_SECRET;
  if (!auth.auth_url) throw new Error('swift: image store needs auth_url (in the URL or OS_AUTH_URL)');
  if (!auth.password && !auth.application_credential_secret) {
    throw new Error('swift: image store needs OS_PASSWORD or OS_APPLICATION_CREDENTIAL_SECRET in the environment');
  }
  return { container, prefix, auth };
}

interface Token {
  id: string;
  expiresAt: number;
  storageUrl: string;
}

function authBody(a: SwiftStoreConfig['auth']): unknown {
  const ref = (p: 'user_domain' | 'project_domain') =>
    a[`${p}_id`] ? { id: a[`${p}_id`] } : a[`${p}_name`] ? { name: a[`${p}_name`] } : { id: 'default' };
  const user = a.user_id ? { id: a.user_id } : { name: a.username, domain: ref('user_domain') };
  if (a.application_credential_secret && (a.application_credential_id || a.application_credential_name)) {
    const cred = a.application_credential_id
      ? { id: a.application_credential_id, secret: a.application_credential_secret }
      : { name: a.application_credential_name, secret: a.application_credential_secret, user };
    return { auth: { identity: { methods: ['application_credential'], application_credential: cred } } };
  }
  const project = a.project_id ? { id: a.project_id } : { name: a.project_name, domain: ref('project_domain') };
  return {
    auth: {
      identity: { methods: ['password'], password: { user: { ...user, password: a.password } } },
      ...(a.project_id || a.project_name ? { scope: { project } } : {}),
    },
  };
}

const rid = (res: Response) => res.headers.get('x-openstack-request-id') ?? res.headers.get('x-trans-id');
const failure = (what: string, res: Response) =>
  new Error(`swift image store: ${what}: HTTP ${res.status}${rid(res) ? ` (request id ${rid(res)})` : ''}`);

export class SwiftImageStore implements ImageStore {
  private token?: Token;
  private pending?: Promise<Token>;
  constructor(readonly config: SwiftStoreConfig) {}

  private async authenticate(): Promise<Token> {
    const a = this.config.auth;
    const url = `${a.auth_url!.replace(/\/+$/, '').replace(/(?<!\/v3)$/, '/v3')}/auth/tokens`;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(authBody(a)),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (e) {
      throw new Error(
        `swift image store: Keystone ${url} unreachable: ${(e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message}`,
      );
    }
    if (res.status !== 201)
      throw failure(
        `Keystone authentication for ${a.username ?? a.user_id ?? a.application_credential_id ?? a.application_credential_name} failed`,
        res,
      );
    const t = (
      (await res.json()) as {
        token: {
          expires_at: string;
          catalog?: { type: string; endpoints: { interface: string; region_id?: string; url: string }[] }[];
        };
      }
    ).token;
    const iface = (a.interface ?? 'public').replace(/URL$/, '');
    const ep = (t.catalog ?? [])
      .filter((e) => e.type === 'object-store')
      .flatMap((e) => e.endpoints)
      .find((e) => e.interface === iface && (!a.region_name || e.region_id === a.region_name));
    if (!ep)
      throw new Error(
        `swift image store: no object-store endpoint (interface ${iface}${a.region_name ? `, region ${a.region_name}` : ''}) in the catalog`,
      );
    return {
      id: res.headers.get('x-subject-token') ?? '',
      expiresAt: Date.parse(t.expires_at),
      storageUrl: ep.url.replace(/\/+$/, ''),
    };
  }

  private async current(force = false): Promise<Token> {
    if (!force && this.token && this.token.expiresAt - Date.now() > 120_000) return this.token;
    this.pending ??= this.authenticate().finally(() => (this.pending = undefined));
    this.token = await this.pending;
    return this.token;
  }

  private objectUrl(t: Token, uuid?: string): string {
    const c = `${t.storageUrl}/${encodeURIComponent(this.config.container)}`;
    if (uuid === undefined) return c;
    assertImageKey(uuid);
    return `${c}/${this.config.prefix.split('/').map(encodeURIComponent).join('/')}${uuid}.png`;
  }

  /** One request with the token; re-authenticates once on 401 when the body can be sent again. */
  private async call(
    method: string,
    uuid: string | undefined,
    init: { body?: Buffer | Readable; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      const t = await this.current(attempt > 0);
      const res = await fetch(this.objectUrl(t, uuid), {
        method,
        headers: { ...init.headers, 'X-Auth-Token': t.id },
        body: init.body as unknown as RequestInit['body'],
        ...(init.body instanceof Readable ? { duplex: 'half' } : {}),
      } as RequestInit);
      if (res.status !== 401 || attempt > 0 || init.body instanceof Readable) return res;
      await res.body?.cancel();
    }
  }

  /** Creates the container if needed (idempotent). */
  async ensureContainer(): Promise<void> {
    const res = await this.call('PUT', undefined);
    if (![201, 202, 204].includes(res.status)) throw failure(`cannot create container ${this.config.container}`, res);
  }

  async put(uuid: string, png: Readable | Buffer): Promise<void> {
    assertImageKey(uuid);
    const res = await this.call('PUT', uuid, { body: png, headers: { 'Content-Type': 'image/png' } });
    await res.body?.cancel();
    if (res.status !== 201) throw failure(`PUT ${uuid}.png`, res);
  }

  async get(uuid: string): Promise<Readable | undefined> {
    const res = await this.call('GET', uuid);
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    if (res.status !== 200 || !res.body) throw failure(`GET ${uuid}.png`, res);
    return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
  }

  async delete(uuid: string): Promise<void> {
    const res = await this.call('DELETE', uuid);
    await res.body?.cancel();
    if (res.status !== 204 && res.status !== 404) throw failure(`DELETE ${uuid}.png`, res);
  }

  async ping(): Promise<void> {
    const res = await this.call('HEAD', undefined);
    if (res.status !== 204 && res.status !== 200) throw failure(`container ${this.config.container}`, res);
  }

  async close(): Promise<void> {
    this.token = undefined;
  }
}

/** The loader app/images/index.ts calls for `swift:` URLs: parse, authenticate, create the container. */
export async function openSwiftImageStore(url: string, env: NodeJS.ProcessEnv = process.env): Promise<ImageStore> {
  const store = new SwiftImageStore(parseSwiftUrl(url, env));
  await store.ensureContainer();
  return store;
}
