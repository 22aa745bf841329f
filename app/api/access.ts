// Who may write (issue 15). Result uploads (both paths) need the workers' shared secret when one is set; the
// original worker, which sends none, is accepted only when the operator turns legacy workers on (optionally only
// from given networks, judged by the socket's address, never by a spoofable X-Forwarded-For). Client writes
// (POST, DELETE, PUT without an image) need the API key when one is set, unless anonymous writes are allowed.
// With no setting at all the API is open as before. Secrets are compared in constant time and never logged.
import { createHash, timingSafeEqual } from 'node:crypto';
import { BlockList, isIPv4 } from 'node:net';
import type { FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';

export interface AccessPolicy {
  /** Shared by the API and its workers: required on result uploads when set. */
  resultSecret?: string;
  /** Accept result uploads without the secret (the original worker) ... */
  legacyWorkers?: boolean;
  /** ... only from these networks (CIDRs; empty or absent: from anywhere). */
  legacyWorkerCidrs?: string[];
  /** Required on client writes when set (Authorization: Bearer KEY). */
  apiKey?: string;
  /** Client writes without the key. Default: allowed only when no API key is set. */
  anonymousWrites?: boolean;
}

export const RESULT_SECRET_HEADER = 'x-faafo-result-secret';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
/** Constant-time equality (hashing first makes the lengths equal, so the length does not leak either). */
export const secretEquals = (given: string, expected: string): boolean =>
  timingSafeEqual(digest(given), digest(expected));

export function cidrList(cidrs: string[]): BlockList {
  const list = new BlockList();
  for (const raw of cidrs) {
    const [addr, bits] = raw.trim().split('/');
    const type = isIPv4(addr ?? '') ? 'ipv4' : 'ipv6';
    const prefix = bits === undefined ? (type === 'ipv4' ? 32 : 128) : Number(bits);
    list.addSubnet(addr!, prefix, type);
  }
  return list;
}

export interface AccessCheck {
  /** Whether any setting is given (no: everything is open, as before issue 15). */
  readonly open: boolean;
  /** Who the request is, by its credentials and source (throws 401 on a wrong secret or key). */
  roleOf(req: FastifyRequest): { worker: boolean; client: boolean };
  /** A result upload: the worker's right, or a 401/403. */
  requireWorker(req: FastifyRequest): void;
  /** A client write: the key's right (or anonymous writes), or a 401. */
  requireClient(req: FastifyRequest): void;
}

const bearer = (req: FastifyRequest): string | undefined => {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : undefined;
};

/** The socket's own peer address (IPv4-mapped IPv6 read as IPv4). */
const peerAddress = (req: FastifyRequest): string => (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');

export function accessCheck(p: AccessPolicy = {}): AccessCheck {
  const open =
    p.resultSecret === undefined &&
    p.apiKey === undefined &&
    p.legacyWorkers === undefined &&
    p.anonymousWrites === undefined;
  const anonymous = p.anonymousWrites ?? p.apiKey === undefined;
  const legacyFrom = p.legacyWorkerCidrs?.length ? cidrList(p.legacyWorkerCidrs) : undefined;
  // Without a secret, uploads without one are what every worker sends: open unless legacy workers are refused.
  const legacy = p.legacyWorkers ?? p.resultSecret === undefined;

  const legacyAllowed = (req: FastifyRequest) => {
    if (!legacy) return false;
    if (!legacyFrom) return true;
    const ip = peerAddress(req);
    return ip !== '' && legacyFrom.check(ip, isIPv4(ip) ? 'ipv4' : 'ipv6');
  };

  const roleOf = (req: FastifyRequest) => {
    const secret = req.headers[RESULT_SECRET_HEADER];
    let worker = false;
    if (typeof secret === 'string') {
      if (p.resultSecret === undefined || !secretEquals(secret, p.resultSecret)) {
        throw new HttpError(401, 'The result secret is not right (X-Faafo-Result-Secret)');
      }
      worker = true;
    } else worker = legacyAllowed(req);
    const key = bearer(req);
    let client = anonymous;
    if (key !== undefined) {
      if (p.apiKey === undefined || !secretEquals(key, p.apiKey)) {
        throw new HttpError(401, 'The API key is not right (Authorization: Bearer KEY)');
      }
      client = true;
    }
    return { worker, client };
  };

  return {
    open,
    roleOf,
    requireWorker(req) {
      if (roleOf(req).worker) return;
      throw new HttpError(
        401,
        p.resultSecret === undefined
          ? 'Results are accepted only from the workers this API allows'
          : 'Results come only from workers: send the result secret in X-Faafo-Result-Secret',
      );
    },
    requireClient(req) {
      if (roleOf(req).client) return;
      throw new HttpError(401, 'Writes need the API key: send Authorization: Bearer KEY (faafo --api-key KEY)', {});
    },
  };
}
