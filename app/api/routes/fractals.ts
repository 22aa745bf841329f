// The faafo REST API, wire-compatible with Flask-Restless 0.17: GET/POST /v1/fractal, GET/PUT/DELETE
// /v1/fractal/<uuid>. Stricter than the original: bad input is a 4xx JSON answer and never a stored row.
import { randomUUID, createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { DuplicateFractalError } from '../../db/errors.js';
import type { Fractal } from '../../types.js';
import type { ApiContext } from '../context.js';
import { HttpError, UnavailableError, dependency, requireContentType } from '../errors.js';
import { publishCreated } from '../publish.js';
import { isRendered, storeResult } from '../results.js';
import { createBody, listQuery, listReply, updateBody, uuidParams } from '../schemas.js';

const DEFAULT_PER_PAGE = 10;
const MAX_PER_PAGE = 100;
const json415 = requireContentType('application/json', 'Request must have "Content-Type: application/json" header');

type CreateBody = Partial<Fractal> & Pick<Fractal, 'width' | 'height' | 'iterations' | 'xa' | 'xb' | 'ya' | 'yb'>;
type UpdateBody = Partial<Fractal> & { image?: string | null };

/** Flask-Restless: results_per_page that is not an integer or is <= 0 means the default; at most 100. */
export function resultsPerPage(raw: string | undefined): number {
  if (raw === undefined || !/^\s*[-+]?\d{1,15}\s*$/.test(raw)) return DEFAULT_PER_PAGE;
  const n = Number(raw);
  return n <= 0 ? DEFAULT_PER_PAGE : Math.min(n, MAX_PER_PAGE);
}

function pageNumber(raw: string | undefined): number {
  if (raw === undefined) return 1;
  if (!/^\s*\+?\d{1,9}\s*$/.test(raw) || Number(raw) < 1) throw new HttpError(400, 'page must be a positive integer');
  return Number(raw);
}

/** Only an empty search is supported (`q={}`); filters/order_by of Flask-Restless are not. */
function checkSearch(q: string | undefined): void {
  if (q === undefined) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(q);
  } catch {
    throw new HttpError(400, 'Unable to decode data');
  }
  const ok =
    parsed !== null &&
    typeof parsed === 'object' &&
    !Array.isArray(parsed) &&
    Object.entries(parsed).every(
      ([k, v]) => (k === 'filters' || k === 'order_by') && Array.isArray(v) && v.length === 0,
    );
  if (!ok) throw new HttpError(400, 'Unable to construct query');
}

function checkBounds(f: Pick<Fractal, 'xa' | 'xb' | 'ya' | 'yb'>): void {
  if (!(f.xa < f.xb)) throw new HttpError(400, 'xa must be less than xb');
  if (!(f.ya < f.yb)) throw new HttpError(400, 'ya must be less than yb');
}

const baseUrl = (req: FastifyRequest) => `${req.protocol}://${req.host}`;

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export const fractalRoutes = (ctx: ApiContext): FastifyPluginAsync =>
  async function fractals(app) {
    app.get<{ Querystring: { page?: string; results_per_page?: string; q?: string } }>(
      '/v1/fractal',
      { schema: { querystring: listQuery, response: { 200: listReply } } },
      async (req, reply) => {
        checkSearch(req.query.q);
        const perPage = resultsPerPage(req.query.results_per_page);
        const page = pageNumber(req.query.page);
        const { total, rows } = await dependency('database', () => ctx.repo.list((page - 1) * perPage, perPage));
        const totalPages = Math.ceil(total / perPage);
        const link = (p: number, rel: string) =>
          `<${baseUrl(req)}/v1/fractal?page=${p}&results_per_page=${perPage}>; rel="${rel}"`;
        const links: string[] = [];
        if (page < totalPages) links.push(link(page + 1, 'next'));
        if (totalPages > 0) links.push(link(totalPages, 'last'));
        if (links.length) reply.header('link', links.join(', '));
        return { num_results: total, objects: rows, page, total_pages: totalPages };
      },
    );

    app.post<{ Body: CreateBody }>(
      '/v1/fractal',
      {
        onRequest: json415,
        bodyLimit: ctx.limits.createBodyLimit,
        schema: { body: createBody, response: { 201: { $ref: 'fractal#' } } },
      },
      async (req, reply) => {
        const b = req.body;
        checkBounds(b);
        const row: Fractal = {
          uuid: (b.uuid ?? randomUUID()).toLowerCase(),
          checksum: null,
          url: null,
          duration: null,
          size: null,
          width: b.width,
          height: b.height,
          iterations: b.iterations,
          xa: b.xa,
          xb: b.xb,
          ya: b.ya,
          yb: b.yb,
          generated_by: null,
          cr: b.cr ?? null,
          ci: b.ci ?? null,
        };
        try {
          await ctx.repo.insert(row);
        } catch (err) {
          if (err instanceof DuplicateFractalError) throw new HttpError(409, `Fractal ${row.uuid} already exists`);
          throw new UnavailableError('database', err);
        }
        await publishCreated(ctx, row, req.log);
        reply.code(201).header('location', `${baseUrl(req)}/v1/fractal/${row.uuid}`);
        return row;
      },
    );

    app.get<{ Params: { uuid: string } }>(
      '/v1/fractal/:uuid',
      { schema: { params: uuidParams, response: { 200: { $ref: 'fractal#' } } } },
      async (req) => {
        const uuid = req.params.uuid.toLowerCase();
        const row = await dependency('database', () => ctx.repo.get(uuid));
        if (!row) throw new HttpError(404, `Fractal ${uuid} not found`);
        return row;
      },
    );

    // PUT is a partial update (Flask-Restless treats it as PATCH). With `image` it is the original worker's result.
    app.put<{ Params: { uuid: string }; Body: UpdateBody }>(
      '/v1/fractal/:uuid',
      {
        onRequest: json415,
        bodyLimit: ctx.limits.legacyBodyLimit,
        schema: { params: uuidParams, body: updateBody, response: { 200: { $ref: 'fractal#' } } },
      },
      async (req) => {
        const uuid = req.params.uuid.toLowerCase();
        const { image, ...patch } = req.body;
        if (patch.uuid !== undefined && patch.uuid.toLowerCase() !== uuid) {
          throw new HttpError(400, 'uuid in the body does not match the URL');
        }
        delete patch.uuid;
        const hasImage = typeof image === 'string';
        if (!hasImage && (typeof patch.checksum === 'string' || typeof patch.size === 'number')) {
          throw new HttpError(400, 'checksum and size are set by storing the image (field "image" or PUT .../image)');
        }
        if (hasImage) return storeLegacyResult(ctx, uuid, image, patch);

        const row = await dependency('database', () => ctx.repo.get(uuid));
        if (!row) throw new HttpError(404, `Fractal ${uuid} not found`);
        const merged = { ...row, ...patch };
        checkBounds(merged);
        const updated = await dependency('database', () => ctx.repo.update(uuid, patch));
        if (!updated) throw new HttpError(404, `Fractal ${uuid} not found`);
        return updated;
      },
    );

    app.delete<{ Params: { uuid: string } }>(
      '/v1/fractal/:uuid',
      { schema: { params: uuidParams, response: { 204: { type: 'null' } } } },
      async (req, reply) => {
        const uuid = req.params.uuid.toLowerCase();
        const deleted = await dependency('database', () => ctx.repo.delete(uuid));
        if (!deleted) throw new HttpError(404, `Fractal ${uuid} not found`);
        await ctx.images.delete(uuid).catch((err: unknown) => req.log.warn({ err, uuid }, 'image not deleted'));
        return reply.code(204).send();
      },
    );
  };

/** The original worker's result: base64 PNG in `image` plus checksum/size/duration/generated_by. */
async function storeLegacyResult(
  ctx: ApiContext,
  uuid: string,
  image: string,
  patch: Partial<Fractal>,
): Promise<Fractal> {
  if (!STRICT_BASE64.test(image)) throw new HttpError(400, 'image must be standard padded base64');
  const png = Buffer.from(image, 'base64');
  const checksum = createHash('sha256').update(png).digest('hex');
  if (typeof patch.checksum === 'string' && patch.checksum.toLowerCase() !== checksum) {
    throw new HttpError(400, `Checksum mismatch: the image's sha256 is ${checksum}`);
  }
  if (typeof patch.size === 'number' && patch.size !== png.length) {
    throw new HttpError(400, `size ${patch.size} does not match the image (${png.length} bytes)`);
  }
  const existing = await dependency('database', () => ctx.repo.get(uuid));
  if (!existing) throw new HttpError(404, `Fractal ${uuid} not found`);
  if (isRendered(existing)) return existing;
  checkBounds({ ...existing, ...patch });
  const out = await storeResult(ctx, uuid, Readable.from([png]), {
    checksum,
    duration: patch.duration ?? null,
    generated_by: patch.generated_by ?? null,
    cr: patch.cr,
    ci: patch.ci,
    url: patch.url,
  });
  // Other fields of the patch (rarely sent with a result) are applied too, as Flask-Restless did.
  const rest: Partial<Fractal> = { ...patch };
  for (const k of ['checksum', 'size', 'duration', 'generated_by', 'cr', 'ci', 'url'] as const) delete rest[k];
  if (out.status === 'stored' && Object.keys(rest).length > 0) {
    return (await dependency('database', () => ctx.repo.update(uuid, rest))) ?? out.row;
  }
  return out.row;
}
