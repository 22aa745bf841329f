// A connected cloud: the resolved config, a Keystone token kept fresh (re-issued shortly before it expires and
// once after a 401), the catalog's endpoints, and `request()` that turns every failure into one OpenStackError line
// carrying the request id. Every known secret of the cloud is scrubbed from those lines.
import type { AxiosInstance, AxiosRequestConfig } from 'axios';
import type { Readable } from 'node:stream';
import type { CloudConfig } from './config.js';
import { catalogEndpoint, issueToken, type IssuedToken } from './keystone.js';
import { OpenStackError, Scrubber, networkError, requestIdOf, serviceMessage } from './errors.js';
import { DEFAULT_TIMEOUT_S, makeHttp } from './http.js';

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  query?: Record<string, unknown>;
  /** statuses that are not errors (default: 2xx) */
  okStatuses?: number[];
  /** 0 = hand back a 3xx as is (with okStatuses including it) */
  maxRedirects?: number;
  /** default json; `stream` for downloads, `text` for raw bodies */
  responseType?: 'json' | 'text' | 'stream' | 'arraybuffer';
  timeoutMs?: number;
}
export interface Response<T> {
  status: number;
  data: T;
  headers: Record<string, string>;
}

/** Re-issue the token when fewer than this many ms of its life are left. */
export const RENEW_BEFORE_MS = 120_000;

/** `orchestration` -> config keys `orchestration_endpoint_override`, and the project-name aliases. */
const ALIASES: Record<string, string[]> = {
  orchestration: ['heat'],
  'object-store': ['swift', 'object_store'],
  identity: ['keystone'],
  alarming: ['aodh'],
  metric: ['gnocchi'],
};

function isStream(b: unknown): b is Readable {
  return !!b && typeof (b as Readable).pipe === 'function';
}

export class Cloud {
  readonly name: string;
  readonly config: CloudConfig;
  readonly http: AxiosInstance;
  readonly scrubber = new Scrubber();
  private issued!: IssuedToken;
  private pending?: Promise<IssuedToken>;

  constructor(config: CloudConfig, http?: AxiosInstance) {
    this.config = config;
    this.name = config.name;
    this.http = http ?? makeHttp(config);
    const a = config.auth;
    this.scrubber.add(a.password, a.application_credential_secret, a.token);
  }

  get projectId(): string {
    return this.issued?.projectId ?? '';
  }
  get userId(): string {
    return this.issued?.userId ?? '';
  }
  get regionName(): string | undefined {
    return this.config.regionName;
  }
  get timeoutMs(): number {
    return (this.config.apiTimeout ?? DEFAULT_TIMEOUT_S) * 1000;
  }

  /** First authentication (connect() calls it). */
  async authenticate(): Promise<void> {
    await this.reissue();
  }

  private async reissue(): Promise<IssuedToken> {
    if (!this.pending) {
      this.pending = (async () => {
        try {
          const t = await issueToken(this.http, this.config, { timeoutMs: this.timeoutMs });
          this.scrubber.add(t.token);
          this.issued = t;
          return t;
        } catch (e) {
          throw this.scrubbed(e);
        } finally {
          this.pending = undefined;
        }
      })();
    }
    return this.pending;
  }

  /** A valid token; re-issued when it expires within RENEW_BEFORE_MS. */
  async token(): Promise<string> {
    if (!this.issued || this.issued.expiresAt - Date.now() < RENEW_BEFORE_MS) await this.reissue();
    return this.issued.token;
  }

  /** When the current token expires (ms since epoch). */
  get tokenExpiresAt(): number {
    return this.issued?.expiresAt ?? 0;
  }

  private override(serviceType: string, what: 'endpoint_override' | 'interface'): string | undefined {
    const keys = [serviceType, ...(ALIASES[serviceType] ?? [])].map((s) => `${s.replace(/-/g, '_')}_${what}`);
    for (const k of keys) {
      const v = this.config.raw[k];
      if (typeof v === 'string' && v) return v;
    }
    return undefined;
  }

  /** The service's URL: `<type>_endpoint_override` from the config, else the catalog (interface + region). */
  endpoint(serviceType: string): string | undefined {
    const o = this.override(serviceType, 'endpoint_override');
    if (o) return o.replace(/%\((project_id|tenant_id)\)s/g, this.projectId).replace(/\/+$/, '');
    const iface = this.override(serviceType, 'interface') ?? this.config.interface;
    return catalogEndpoint(this.issued?.catalog ?? [], serviceType, iface, this.config.regionName);
  }

  hasService(serviceType: string): boolean {
    return this.endpoint(serviceType) !== undefined;
  }

  /** Service types in the catalog (for messages and `doctor`). */
  services(): string[] {
    return [...new Set((this.issued?.catalog ?? []).map((e) => e.type))].sort();
  }

  requireEndpoint(serviceType: string): string {
    const url = this.endpoint(serviceType);
    if (!url) {
      const iface = this.override(serviceType, 'interface') ?? this.config.interface;
      throw new OpenStackError(
        `cloud ${this.name} has no ${serviceType} endpoint (interface ${iface}${this.config.regionName ? `, region ${this.config.regionName}` : ''}) in its service catalog`,
        { hint: `the catalog has: ${this.services().join(', ') || 'nothing'}` },
      );
    }
    return url;
  }

  /** One line, scrubbed of this cloud's secrets. */
  scrubbed(e: unknown): Error {
    if (e instanceof OpenStackError) {
      const clean = new OpenStackError(this.scrubber.scrub(e.message), {
        status: e.status,
        requestId: e.requestId,
        code: e.code,
        hint: e.hint && this.scrubber.scrub(e.hint),
      });
      return clean;
    }
    if (e instanceof Error && !(e as { isAxiosError?: boolean }).isAxiosError) {
      e.message = this.scrubber.scrub(e.message);
      return e;
    }
    return new OpenStackError(this.scrubber.scrub(String((e as Error)?.message ?? e)));
  }

  async request<T = unknown>(
    serviceType: string,
    method: string,
    path: string,
    opts: RequestOptions = {},
  ): Promise<Response<T>> {
    const base = /^https?:\/\//.test(path) ? '' : this.requireEndpoint(serviceType);
    const url = base + path;
    const what = `${serviceType} ${method.toUpperCase()} ${path.split('?')[0]}`;
    // Redirects are followed here, not by axios: its follow-redirects logs every request's headers (the
    // X-Auth-Token) under DEBUG=*.
    const send = async (url: string, method: string): Promise<Response<T>> => {
      const headers: Record<string, string> = {
        Accept: 'application/json',
        ...(opts.headers ?? {}),
        'X-Auth-Token': await this.token(),
      };
      const hasBody = opts.body !== undefined;
      if (
        hasBody &&
        !isStream(opts.body) &&
        !Buffer.isBuffer(opts.body) &&
        typeof opts.body !== 'string' &&
        !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')
      ) {
        headers['Content-Type'] = 'application/json';
      }
      const cfg: AxiosRequestConfig = {
        url,
        method,
        headers,
        params: opts.query,
        data: opts.body,
        maxRedirects: 0,
        responseType: opts.responseType ?? 'json',
        timeout: opts.timeoutMs ?? this.timeoutMs,
      };
      let res;
      try {
        res = await this.http.request(cfg);
      } catch (e) {
        throw this.scrubbed(networkError(what, url, e, cfg.timeout));
      }
      return { status: res.status, data: res.data as T, headers: flatHeaders(res.headers as Record<string, unknown>) };
    };
    const follow = async (): Promise<Response<T>> => {
      let [u, m] = [url, method];
      let r = await send(u, m);
      for (let hops = 0; hops < (opts.maxRedirects ?? 5) && [301, 302, 303, 307, 308].includes(r.status) && r.headers.location; hops++) {
        u = new URL(r.headers.location, u).toString();
        if (r.status === 303) m = 'GET';
        r = await send(u, m);
      }
      return r;
    };
    let res = await follow();
    if (res.status === 401 && !isStream(opts.body)) {
      // The token may have been revoked or expired early: re-issue once and retry.
      await this.reissue();
      res = await follow();
    }
    const ok = opts.okStatuses ? opts.okStatuses.includes(res.status) : res.status >= 200 && res.status < 300;
    if (!ok) {
      const rid = requestIdOf(res.headers);
      const msg = opts.responseType === 'stream' ? '' : serviceMessage(res.data);
      const line = `${what}: HTTP ${res.status}${msg ? ` ${msg}` : ''}${rid ? ` (request id ${rid})` : ''}`;
      throw this.scrubbed(new OpenStackError(line, { status: res.status, requestId: rid }));
    }
    return res;
  }
}

function flatHeaders(h: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {}))
    if (v !== undefined && v !== null) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  return out;
}
