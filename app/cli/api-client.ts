// The CLI's HTTP client for the faafo API (/v1/fractal, /fractal/<uuid>). Every failure becomes a one-line
// CliError: unreachable endpoint, unknown uuid, or the API's own message.
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ENV_NAMES } from '../settings-contract.js';
import type { Fractal } from '../types.js';
import { CliError } from './errors.js';

export interface ListPage {
  num_results: number;
  objects: Fractal[];
  page: number;
  total_pages: number;
}

const TIMEOUT_MS = 60000;

export class ApiClient {
  constructor(
    readonly endpoint: string,
    private readonly debug?: (line: string) => void,
    /** Sent as Authorization: Bearer on every request when given (never printed). */
    private readonly apiKey?: string,
  ) {}

  private async request(method: string, path: string, body?: unknown): Promise<Response> {
    const url = `${this.endpoint.replace(/\/+$/, '')}${path}`;
    this.debug?.(`${method} ${url}`);
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          Accept: 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...(this.apiKey ? { Authorization: `Bearer ${this.apiKey}` } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e));
      throw new CliError(
        `cannot reach the faafo API at ${this.endpoint} (${why}); check --endpoint-url or ${ENV_NAMES.endpointUrl}`,
      );
    }
    this.debug?.(`-> ${res.status}`);
    return res;
  }

  /** The API's error message from a non-2xx answer, as one line. */
  private async failure(res: Response, what: string): Promise<CliError> {
    let detail = '';
    try {
      const text = await res.text();
      try {
        const j = JSON.parse(text) as { message?: unknown; error?: unknown };
        detail = typeof j.message === 'string' ? j.message : typeof j.error === 'string' ? j.error : '';
      } catch {
        detail = text.split('\n')[0].slice(0, 200);
      }
    } catch {
      /* no body */
    }
    // 401: the key is missing or wrong; say where the CLI takes it from.
    const hint = res.status === 401 ? `; give the API key with --api-key or ${ENV_NAMES.apiKey}` : '';
    return new CliError(
      `${what} failed: the API answered ${res.status}${detail ? ` (${detail.split('\n')[0]})` : ''}${hint}`,
    );
  }

  private async json<T>(res: Response, what: string): Promise<T> {
    try {
      return (await res.json()) as T;
    } catch {
      throw new CliError(`${what}: the API at ${this.endpoint} did not answer with JSON; is it a faafo API?`);
    }
  }

  async create(row: Record<string, unknown>): Promise<Fractal> {
    const res = await this.request('POST', '/v1/fractal', row);
    if (res.status !== 201 && res.status !== 200) throw await this.failure(res, 'creating a fractal');
    return this.json<Fractal>(res, 'creating a fractal');
  }

  async listPage(page: number, perPage = 100): Promise<ListPage> {
    const res = await this.request('GET', `/v1/fractal?page=${page}&results_per_page=${perPage}`);
    if (res.status !== 200) throw await this.failure(res, 'listing fractals');
    const body = await this.json<ListPage>(res, 'listing fractals');
    if (!body || !Array.isArray(body.objects) || typeof body.total_pages !== 'number') {
      throw new CliError(`listing fractals: unexpected answer from ${this.endpoint}; is it a faafo API?`);
    }
    return body;
  }

  /** Every fractal, walking the pages as the original client did. */
  async listAll(): Promise<Fractal[]> {
    const all: Fractal[] = [];
    for (let page = 1; ; page++) {
      const p = await this.listPage(page);
      all.push(...p.objects);
      if (page >= p.total_pages || p.objects.length === 0) return all;
    }
  }

  async get(uuid: string): Promise<Fractal> {
    const res = await this.request('GET', `/v1/fractal/${encodeURIComponent(uuid)}`);
    if (res.status === 404) throw new CliError(`fractal '${uuid}' not found`);
    if (res.status !== 200) throw await this.failure(res, `showing fractal '${uuid}'`);
    return this.json<Fractal>(res, `showing fractal '${uuid}'`);
  }

  async delete(uuid: string): Promise<void> {
    const res = await this.request('DELETE', `/v1/fractal/${encodeURIComponent(uuid)}`);
    if (res.status === 404) throw new CliError(`fractal '${uuid}' not found`);
    if (res.status !== 204 && res.status !== 200) throw await this.failure(res, `deleting fractal '${uuid}'`);
    await res.body?.cancel();
  }

  /** Downloads the PNG into `file` (or stdout when file is '-'); returns the byte count. */
  async download(uuid: string, file: string): Promise<number> {
    const res = await this.request('GET', `/fractal/${encodeURIComponent(uuid)}`);
    if (res.status === 404) {
      // Distinguish "no such fractal" from "not rendered yet".
      await res.body?.cancel();
      const row = await this.get(uuid);
      if (!row.checksum) throw new CliError(`fractal '${uuid}' is not rendered yet; try again later`);
      throw new CliError(`fractal '${uuid}' has no image`);
    }
    if (res.status !== 200 || !res.body) throw await this.failure(res, `downloading fractal '${uuid}'`);
    let size = 0;
    const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
    body.on('data', (c: Buffer) => (size += c.length));
    if (file === '-') {
      await pipeline(body, process.stdout, { end: false });
      return size;
    }
    const tmp = `${file}.part-${process.pid}`;
    try {
      await pipeline(body, fs.createWriteStream(tmp));
      await fs.promises.rename(tmp, file);
    } catch (e) {
      await fs.promises.rm(tmp, { force: true });
      const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
      throw new CliError(`cannot save fractal '${uuid}' to ${file}: ${why}`);
    }
    return size;
  }
}
