// Swift (object-store) over Cloud.request: containers, streamed uploads, the account's TempURL key (made when
// missing, never printed) and TempURLs signed with the strongest digest the cluster allows (GET /info).
import { createHmac, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Cloud } from './cloud.js';
import { OpenStackError } from './errors.js';

const SWIFT = 'object-store';
const TEMPURL_HEADER = 'x-account-meta-temp-url-key';

function objPath(container: string, object?: string): string {
  const c = `/${encodeURIComponent(container)}`;
  return object === undefined ? c : `${c}/${object.split('/').map(encodeURIComponent).join('/')}`;
}

export type TempUrlDigest = 'sha256' | 'sha512' | 'sha1';

export class SwiftClient {
  private key?: string;
  private digests?: TempUrlDigest[];
  constructor(private readonly cloud: Cloud) {}

  /** The account URL from the catalog, e.g. http://host:8080/v1/AUTH_<project>. */
  accountUrl(): string {
    return this.cloud.requireEndpoint(SWIFT);
  }

  /** PUT the container (idempotent: 201 created, 202 already there). */
  async ensureContainer(container: string, headers: Record<string, string> = {}): Promise<void> {
    await this.cloud.request(SWIFT, 'PUT', objPath(container), { headers, okStatuses: [201, 202, 204] });
  }

  /** PUT an object; a Readable is streamed (chunked), never buffered. Returns Swift's etag (md5). */
  async putObject(
    container: string,
    name: string,
    body: Buffer | Readable | string,
    opts: { contentType?: string; contentLength?: number; headers?: Record<string, string> } = {},
  ): Promise<{ etag: string }> {
    const headers: Record<string, string> = {
      'Content-Type': opts.contentType ?? 'application/octet-stream',
      ...(opts.headers ?? {}),
    };
    if (opts.contentLength !== undefined) headers['Content-Length'] = String(opts.contentLength);
    const r = await this.cloud.request(SWIFT, 'PUT', objPath(container, name), { body, headers, okStatuses: [201] });
    return { etag: r.headers.etag ?? '' };
  }

  async headObject(container: string, name: string): Promise<Record<string, string> | undefined> {
    const r = await this.cloud.request(SWIFT, 'HEAD', objPath(container, name), { okStatuses: [200, 204, 404] });
    return r.status === 404 ? undefined : r.headers;
  }

  async deleteObject(container: string, name: string): Promise<void> {
    await this.cloud.request(SWIFT, 'DELETE', objPath(container, name), { okStatuses: [204, 404] });
  }

  /** DELETE the container (must be empty); gone already is fine. */
  async deleteContainer(container: string): Promise<void> {
    await this.cloud.request(SWIFT, 'DELETE', objPath(container), { okStatuses: [204, 404] });
  }

  async listObjects(container: string): Promise<{ name: string; bytes: number }[]> {
    const r = await this.cloud.request<{ name: string; bytes: number }[]>(SWIFT, 'GET', objPath(container), {
      query: { format: 'json' },
      okStatuses: [200, 204, 404],
    });
    return r.status === 200 && Array.isArray(r.data) ? r.data : [];
  }

  /** Set the account's TempURL key (X-Account-Meta-Temp-URL-Key). */
  async setTempUrlKey(key: string): Promise<void> {
    await this.cloud.request(SWIFT, 'POST', '', {
      headers: { 'X-Account-Meta-Temp-URL-Key': key },
      okStatuses: [204, 200],
    });
    this.key = key;
  }

  /** The account's TempURL key; a random one is generated and set when the account has none. */
  async tempUrlKey(): Promise<string> {
    if (this.key) return this.key;
    const r = await this.cloud.request(SWIFT, 'HEAD', '', { okStatuses: [200, 204] });
    const existing = r.headers[TEMPURL_HEADER];
    if (existing) {
      this.key = existing;
      this.cloud.scrubber.add(existing);
      return existing;
    }
    const key = randomBytes(32).toString('hex');
    this.cloud.scrubber.add(key);
    await this.setTempUrlKey(key);
    return key;
  }

  /** Digests the cluster's tempurl middleware accepts (GET /info), best first. */
  async tempUrlDigests(): Promise<TempUrlDigest[]> {
    if (this.digests) return this.digests;
    const info = new URL(this.accountUrl());
    const r = await this.cloud.request<{ tempurl?: { allowed_digests?: string[] } }>(
      SWIFT,
      'GET',
      `${info.origin}/info`,
      { okStatuses: [200, 404, 401, 403] },
    );
    const tempurl = r.status === 200 ? r.data?.tempurl : undefined;
    if (r.status === 200 && !tempurl)
      throw new OpenStackError(
        `cloud ${this.cloud.name}: Swift has no tempurl middleware (GET /info has no "tempurl")`,
      );
    const allowed = tempurl?.allowed_digests ?? ['sha1', 'sha256', 'sha512'];
    this.digests = (['sha256', 'sha512', 'sha1'] as const).filter((d) => allowed.includes(d));
    if (!this.digests.length) throw new OpenStackError(`Swift allows no known TempURL digest (${allowed.join(', ')})`);
    return this.digests;
  }

  /**
   * A TempURL: HMAC(key, "<METHOD>\n<expires>\n<path>") over the unquoted object path, HMAC-SHA256 when allowed.
   * The URL itself needs no token; it stops working at `expires` (seconds since epoch).
   */
  async tempUrl(
    method: string,
    container: string,
    object: string,
    ttlS: number,
  ): Promise<{ url: string; expires: number; digest: TempUrlDigest }> {
    const account = new URL(this.accountUrl());
    const rawPath = `${decodeURIComponent(account.pathname.replace(/\/+$/, ''))}/${container}/${object}`;
    for (let attempt = 1; ; attempt++) {
      const [key, digests] = await Promise.all([this.tempUrlKey(), this.tempUrlDigests()]);
      const expires = Math.floor(Date.now() / 1000) + Math.max(1, Math.floor(ttlS));
      const signed = {
        ...signTempUrl(account.origin, method, rawPath, expires, key, digests[0]),
        expires,
        digest: digests[0],
      };
      // Two clients that both found no key set different random keys at once: the last one wins. A GET TempURL
      // also allows HEAD, so check it (no token) and re-read the account key when Swift refuses the signature.
      if (method.toUpperCase() !== 'GET' || attempt >= 3) return signed;
      const probe = await this.cloud.http.head(signed.url).catch(() => undefined);
      if (probe?.status !== 401) return signed;
      this.key = undefined;
    }
  }
}

/** Sign one TempURL (exported for tests against Swift's documented algorithm). */
export function signTempUrl(
  origin: string,
  method: string,
  rawPath: string,
  expires: number,
  key: string,
  digest: TempUrlDigest,
): { url: string } {
  const mac = createHmac(digest, key).update(`${method.toUpperCase()}\n${expires}\n${rawPath}`);
  const sig = digest === 'sha512' ? `sha512:${mac.digest('base64url')}` : mac.digest('hex');
  const quoted = rawPath.split('/').map(encodeURIComponent).join('/');
  return { url: `${origin}${quoted}?temp_url_sig=${encodeURIComponent(sig)}&temp_url_expires=${expires}` };
}
