// The one axios instance per cloud: TLS from the cloud config (verify/cacert/cert/key -> an https.Agent), a
// timeout, no throwing on HTTP status (callers map statuses themselves), no proxying of secrets into errors.
import axios, { type AxiosInstance } from 'axios';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { UsageError } from '../lib/errors.js';
import type { CloudConfig } from './config.js';

export const DEFAULT_TIMEOUT_S = 60;

function readPem(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export function httpsAgentFor(cfg: Pick<CloudConfig, 'verify' | 'cacert' | 'cert' | 'key'>): https.Agent {
  return new https.Agent({
    keepAlive: true,
    rejectUnauthorized: cfg.verify,
    ca: cfg.cacert ? readPem(cfg.cacert, 'cacert') : undefined,
    cert: cfg.cert ? readPem(cfg.cert, 'cert') : undefined,
    key: cfg.key ? readPem(cfg.key, 'key') : undefined,
  });
}

export function makeHttp(cfg: Pick<CloudConfig, 'verify' | 'cacert' | 'cert' | 'key' | 'apiTimeout'>): AxiosInstance {
  return axios.create({
    httpsAgent: httpsAgentFor(cfg),
    timeout: (cfg.apiTimeout ?? DEFAULT_TIMEOUT_S) * 1000,
    validateStatus: () => true,
    proxy: false,
    // Node's own http(s), not follow-redirects: that one logs every request's headers, X-Auth-Token included,
    // under DEBUG=*. The OpenStack APIs used here never redirect.
    maxRedirects: 0,
    maxContentLength: Infinity,
    maxBodyLength: Infinity,
    headers: { 'User-Agent': 'faafo-stack' },
  });
}
