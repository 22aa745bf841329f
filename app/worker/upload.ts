// Result upload (contract C1): `PUT /v1/fractal/<uuid>/image` with the PNG streamed from the temp file, so a
// 9999x9999 image never sits in memory. Returns the HTTP status; network failures throw.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';

export interface UploadInfo {
  uuid: string;
  file: string;
  size: number;
  checksum: string;
  duration: number;
  generatedBy: string;
  cr: number;
  ci: number;
  /** Sent as X-Faafo-Result-Secret when the API requires it (issue 15). */
  resultSecret?: string;
}

export interface UploadResult {
  status: number;
  /** The API's one-line message for non-2xx answers, when it gave one. */
  message?: string;
}

const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

/** A server that is gone (its address no longer answers) must not hold a task for the whole answer timeout. */
const CONNECT_TIMEOUT_MS = 10000;

/** Uploads one rendered PNG; resolves with the answer's status (never buffers the image). */
export function uploadImage(endpointUrl: string, info: UploadInfo, timeoutMs = 120000): Promise<UploadResult> {
  const url = new URL(`${endpointUrl.replace(/\/+$/, '')}/v1/fractal/${encodeURIComponent(info.uuid)}/image`);
  const secure = url.protocol === 'https:';
  const mod = secure ? https : http;
  return new Promise<UploadResult>((resolve, reject) => {
    const req = mod.request(
      url,
      {
        method: 'PUT',
        agent: secure ? agents.https : agents.http,
        headers: {
          'Content-Type': 'image/png',
          'Content-Length': String(info.size),
          Accept: 'application/json',
          'X-Faafo-Checksum': info.checksum,
          'X-Faafo-Duration': String(info.duration),
          'X-Faafo-Generated-By': info.generatedBy,
          'X-Faafo-Cr': String(info.cr),
          'X-Faafo-Ci': String(info.ci),
          ...(info.resultSecret === undefined ? {} : { 'X-Faafo-Result-Secret': info.resultSecret }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let length = 0;
        res.on('data', (c: Buffer) => {
          if (length < 64 * 1024) chunks.push(c);
          length += c.length;
        });
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          let message: string | undefined;
          if (status >= 300) {
            const text = Buffer.concat(chunks).toString('utf8');
            try {
              const body = JSON.parse(text) as { message?: unknown };
              if (typeof body.message === 'string') message = body.message;
            } catch {
              message = text.split('\n')[0]?.slice(0, 200) || undefined;
            }
          }
          resolve({ status, message });
        });
      },
    );
    req.setTimeout(timeoutMs, () =>
      req.destroy(new Error(`no answer from ${url.origin} within ${timeoutMs / 1000} s`)),
    );
    req.on('error', reject);
    req.on('socket', (socket) => {
      if (!socket.connecting) return;
      const timer = setTimeout(
        () => req.destroy(new Error(`cannot connect to ${url.origin} within ${CONNECT_TIMEOUT_MS / 1000} s`)),
        CONNECT_TIMEOUT_MS,
      );
      socket.once('connect', () => clearTimeout(timer));
      socket.once('close', () => clearTimeout(timer));
    });
    const file = fs.createReadStream(info.file);
    file.on('error', (e) => req.destroy(e));
    file.pipe(req);
  });
}

/** GET /v1/fractal/<uuid>: the row, `null` when the API says 404, throws on other failures. */
export async function fetchFractal(endpointUrl: string, uuid: string): Promise<{ checksum: string | null } | null> {
  const res = await fetch(`${endpointUrl.replace(/\/+$/, '')}/v1/fractal/${encodeURIComponent(uuid)}`, {
    headers: { Accept: 'application/json' },
    signal: AbortSignal.timeout(15000),
  });
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`GET fractal answered ${res.status}`);
  return (await res.json()) as { checksum: string | null };
}
