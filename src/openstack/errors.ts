// OpenStack errors as one line a user can act on: what failed, HTTP status or network cause, the service's own
// message, and the x-openstack-request-id when there is one. Secrets are scrubbed from every message, and the axios
// error (whose config.data holds the auth body) is never kept as `cause`.
import { FaafoError } from '../lib/errors.js';

export class OpenStackError extends FaafoError {
  readonly status?: number;
  readonly requestId?: string;
  readonly code?: string;
  constructor(message: string, opts: { status?: number; requestId?: string; code?: string; hint?: string } = {}) {
    super(message.replace(/\s*\n\s*/g, ' ').trim(), { hint: opts.hint });
    this.name = 'OpenStackError';
    this.status = opts.status;
    this.requestId = opts.requestId;
    this.code = opts.code;
  }
}

/** Replaces every known secret (and anything after `password`/`secret`/`token` keys) with `***`. */
export class Scrubber {
  private readonly secrets = new Set<string>();
  add(...values: (string | undefined | null)[]): void {
    for (const v of values) if (typeof v === 'string' && v.length >= 3) this.secrets.add(v);
  }
  scrub(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join('***');
    // Belt and braces: JSON-ish "password":"..." / "secret":"..." / X-Auth-Token values.
    out = out.replace(/("(?:password|secret|token)"\s*:\s*)"[^"]*"/gi, '$1"***"');
    out = out.replace(/(x-(?:auth|subject)-token\s*[:=]\s*)\S+/gi, '$1***');
    return out;
  }
}

/** The service's own explanation from an error body (Keystone, Heat, Swift, Gnocchi/Aodh shapes). */
export function serviceMessage(data: unknown): string {
  if (data == null) return '';
  if (typeof data === 'string') {
    const s = data
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    if (s.startsWith('{')) {
      try {
        return serviceMessage(JSON.parse(s));
      } catch {
        /* not JSON */
      }
    }
    return s.slice(0, 300);
  }
  if (Buffer.isBuffer(data)) return serviceMessage(data.toString('utf8'));
  const d = data as Dict;
  const e = d.error as Dict | string | undefined;
  if (e && typeof e === 'object') {
    const msg = e.message ?? e.explanation ?? '';
    const type = e.type && e.type !== msg ? `${e.type}: ` : '';
    return `${type}${String(msg)}`.trim().slice(0, 500) || String(d.explanation ?? d.title ?? '');
  }
  if (typeof e === 'string') return e;
  for (const k of ['message', 'description', 'explanation', 'faultstring', 'title']) {
    if (typeof d[k] === 'string' && d[k]) return d[k].slice(0, 500);
  }
  return '';
}

type Dict = Record<string, unknown>;

const NET_CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is the service running and the URL right?)',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'DNS lookup failed',
  ECONNRESET: 'connection reset by the server',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'timed out',
  ECONNABORTED: 'timed out',
  ERR_CANCELED: 'cancelled',
};
const TLS_CODES = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|HOSTNAME|EPROTO/i;

/** One line for a failed request without an HTTP answer (network, TLS, timeout). */
export function networkError(what: string, url: string, err: unknown, timeoutMs?: number): OpenStackError {
  const e = err as { code?: string; message?: string; cause?: { code?: string } };
  const code = e?.code ?? e?.cause?.code ?? '';
  let why: string;
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || /timeout/i.test(e?.message ?? '')) {
    why = `timed out${timeoutMs ? ` after ${Math.round(timeoutMs / 1000)} s` : ''}`;
  } else if (TLS_CODES.test(code) || TLS_CODES.test(e?.message ?? '')) {
    // OpenSSL's messages look like "8000...:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate
    // required:../deps/...": keep the reason only.
    const raw = e?.message ?? code;
    const reason = /SSL routines:[^:]*:([^:\n]+)/.exec(raw)?.[1]?.trim() ?? raw.split('\n')[0];
    why = /certificate required|handshake failure|bad certificate/i.test(reason)
      ? `TLS failure: ${reason} (the server wants a client certificate: set cert: and key: (OS_CERT/OS_KEY))`
      : `TLS failure: ${reason} (set cacert: to the CA bundle, or verify: false / OS_INSECURE=true only for tests)`;
  } else {
    why = NET_CAUSES[code] ?? (e?.message || code || 'request failed');
  }
  return new OpenStackError(`${what} ${origin(url)}: ${why}`, { code: code || undefined });
}

export function origin(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return url.split('?')[0];
  }
}

export function requestIdOf(headers: Record<string, unknown> | undefined): string | undefined {
  if (!headers) return undefined;
  const v = headers['x-openstack-request-id'] ?? headers['x-compute-request-id'] ?? headers['x-trans-id'];
  return typeof v === 'string' ? v : Array.isArray(v) ? String(v[0]) : undefined;
}
