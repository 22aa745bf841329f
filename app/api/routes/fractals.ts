// The faafo REST API, wire-compatible with Flask-Restless 0.17: GET/POST /v1/fractal, GET/PUT/DELETE
// /v1/fractal/<uuid>. Stricter than the original: bad input is a 4xx JSON answer and never a stored row.
import { randomUUID } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { DuplicateFractalError } from '../../db/errors.js';
import type { Fractal, Page } from '../../types.js';
import { checkWork, type Budget } from '../budget.js';
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

/** The highest page number served (offsets stay far inside every database's integer range). */
export const MAX_PAGE = 999_999_999;

function pageNumber(raw: string | undefined): number {
  if (raw === undefined) return 1;
  const n = /^\s*\+?\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= MAX_PAGE)) {
    throw new HttpError(
      400,
      `page must be a whole number from 1 to ${MAX_PAGE}, got ${JSON.stringify(raw.slice(0, 40))}`,
    );
  }
  return n;
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

/** The Julia constant c = cr + ci*i: both given or neither (then the worker picks one). */
export function checkJulia(f: { cr?: number | null; ci?: number | null }): void {
  const has = (v: number | null | undefined) => v !== null && v !== undefined;
  if (has(f.cr) !== has(f.ci)) {
    throw new HttpError(400, 'cr and ci go together (the Julia constant cr + ci*i): give both or neither');
  }
}

const renderedConflict = (uuid: string, fields: string[]) =>
  new HttpError(409, `Fractal ${uuid} is already rendered: ${fields.join(', ')} can no longer change`);

const baseUrl = (req: FastifyRequest) => `${req.protocol}://${req.host}`;

/** Base64 text is checked and decoded in slices of this many characters (a multiple of 4). */
const BASE64_SLICE = 256 * 1024;

/** Decoded length of standard padded base64, or undefined if it is not that. A linear scan: one regex over the
 *  whole text overflows the stack on a few MB (the 500 of issue 11). */
export function base64Length(text: string): number | undefined {
  if (text.length % 4 !== 0) return undefined;
  for (let i = 0; i < text.length; i += BASE64_SLICE) {
    const slice = text.slice(i, i + BASE64_SLICE);
    const last = i + BASE64_SLICE >= text.length;
    // With the length a multiple of 4, up to two "=" at the very end is exactly the padding rule.
    if (!(last ? /^[A-Za-z0-9+/]*={0,2}$/ : /^[A-Za-z0-9+/]*$/).test(slice)) return undefined;
  }
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return (text.length / 4) * 3 - pad;
}

function* base64Slices(text: string): Generator<Buffer> {
  for (let i = 0; i < text.length; i += BASE64_SLICE) yield Buffer.from(text.slice(i, i + BASE64_SLICE), 'base64');
}

/** Client writes (POST, DELETE): the client's credentials, and one per-client budget when a rate is set. */
interface WriteGuard {
  onRequest: (req: FastifyRequest) => Promise<void>;
  rate: { config?: { rateLimit: { groupId: string } } };
}

export const fractalRoutes = (ctx: ApiContext): FastifyPluginAsync =>
  async function fractals(app) {
    const write: WriteGuard = {
      onRequest: async (req) => ctx.access.requireClient(req),
      // Only when a rate is set: no hook otherwise.
      rate: ctx.budget.writesPerMinute === undefined ? {} : { config: { rateLimit: { groupId: 'client-writes' } } },
    };
    listRoute(app, ctx);
    createRoute(app, ctx, write);
    getRoute(app, ctx);
    updateRoute(app, ctx);
    deleteRoute(app, ctx, write);
  };

// The JSON of a list page or a row is serialized (by the route's response schema) once per answer object: on
// SQLite the repository hands out the same frozen object while the data is unchanged (db/read-cache.ts), so
// repeated reads skip serializing; other databases give a new object per read and these maps never hit.
/** The route's 200 response schema serializes (fast-json-stringify: always a string). */
const toJson = (reply: FastifyReply, value: unknown) => reply.serialize(value) as string;
const sendJson = (reply: FastifyReply, json: string) => reply.type('application/json; charset=utf-8').send(json);

/** GET /v1/fractal: one page of rows, with Link headers to the next and the last page. */
function listRoute(app: FastifyInstance, ctx: ApiContext): void {
  const listJson = new WeakMap<Page<Fractal>, string>();
  app.get<{ Querystring: { page?: string; results_per_page?: string; q?: string } }>(
    '/v1/fractal',
    { schema: { querystring: listQuery, response: { 200: listReply } } },
    async (req, reply) => {
      checkSearch(req.query.q);
      const perPage = resultsPerPage(req.query.results_per_page);
      const page = pageNumber(req.query.page);
      const found = await dependency('database', () => ctx.repo.list((page - 1) * perPage, perPage));
      const totalPages = Math.ceil(found.total / perPage);
      const links = pageLinks(baseUrl(req), page, totalPages, perPage);
      if (links) reply.header('link', links);
      // page and total_pages follow from the offset and limit the answer was read for.
      let json = listJson.get(found);
      if (json === undefined) {
        json = toJson(reply, { num_results: found.total, objects: found.rows, page, total_pages: totalPages });
        listJson.set(found, json);
      }
      return sendJson(reply, json);
    },
  );
}

/** The Link header of a list page: its next page (if any) and the last page (if there are rows); '' for none. */
function pageLinks(base: string, page: number, totalPages: number, perPage: number): string {
  const link = (p: number, rel: string) => `<${base}/v1/fractal?page=${p}&results_per_page=${perPage}>; rel="${rel}"`;
  const links: string[] = [];
  if (page < totalPages) links.push(link(page + 1, 'next'));
  if (totalPages > 0) links.push(link(totalPages, 'last'));
  return links.join(', ');
}

/** POST /v1/fractal: a new pending row (201 + Location), its task published. */
function createRoute(app: FastifyInstance, ctx: ApiContext, write: WriteGuard): void {
  app.post<{ Body: CreateBody }>(
    '/v1/fractal',
    {
      onRequest: [json415, write.onRequest],
      ...write.rate,
      bodyLimit: ctx.limits.createBodyLimit,
      schema: { body: createBody, response: { 201: { $ref: 'fractal#' } } },
    },
    async (req, reply) => {
      const b = req.body;
      checkBounds(b);
      checkJulia(b);
      checkWork(ctx.budget.maxWork, b);
      const row = pendingRow(b);
      await insertWithinBacklog(ctx, row, reply);
      await publishCreated(ctx, row, req.log);
      reply.code(201).header('location', `${baseUrl(req)}/v1/fractal/${row.uuid}`);
      return row;
    },
  );
}

/** The row a create stores: the body's parameters, its uuid (or a new one), no result yet. */
function pendingRow(b: CreateBody): Fractal {
  return {
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
}

/** Inserts the row if the backlog admits it (else 503 + Retry-After); a uuid that exists is a 409. */
async function insertWithinBacklog(ctx: ApiContext, row: Fractal, reply: FastifyReply): Promise<void> {
  let admitted: ((inserted: boolean) => void) | undefined;
  try {
    admitted = await ctx.backlog?.admit();
  } catch (err) {
    if (err instanceof HttpError) reply.header('retry-after', String(ctx.budget.retryAfterS ?? 30));
    throw err instanceof HttpError ? err : new UnavailableError('database', err);
  }
  try {
    await ctx.repo.insert(row);
    admitted?.(true);
  } catch (err) {
    admitted?.(false);
    if (err instanceof DuplicateFractalError) throw new HttpError(409, `Fractal ${row.uuid} already exists`);
    throw new UnavailableError('database', err);
  }
}

/** GET /v1/fractal/<uuid>: one row. */
function getRoute(app: FastifyInstance, ctx: ApiContext): void {
  const rowJson = new WeakMap<Fractal, string>();
  app.get<{ Params: { uuid: string } }>(
    '/v1/fractal/:uuid',
    { schema: { params: uuidParams, response: { 200: { $ref: 'fractal#' } } } },
    async (req, reply) => {
      const uuid = req.params.uuid.toLowerCase();
      const row = await dependency('database', () => ctx.repo.get(uuid));
      if (!row) throw new HttpError(404, `Fractal ${uuid} not found`);
      let json = rowJson.get(row);
      if (json === undefined) {
        json = toJson(reply, row);
        rowJson.set(row, json);
      }
      return sendJson(reply, json);
    },
  );
}

type PutRole = { worker: boolean; client: boolean };

/** PUT /v1/fractal/<uuid>: a partial update (Flask-Restless treats it as PATCH); with `image`, the original
 *  worker's result. Which of the two the credentials allow is known before the body is read, so only a worker may
 *  send a body past the create limit. */
function updateRoute(app: FastifyInstance, ctx: ApiContext): void {
  const putRoles = new WeakMap<FastifyRequest, PutRole>();
  app.put<{ Params: { uuid: string }; Body: UpdateBody }>(
    '/v1/fractal/:uuid',
    {
      onRequest: [json415, async (req) => admitPut(ctx, req, putRoles)],
      // Bodies without a content-length: a non-worker's stops at the create limit too.
      preParsing: async (req, _reply, payload) => {
        const role = putRoles.get(req);
        return role && !role.worker ? capped(payload, ctx.limits.createBodyLimit) : payload;
      },
      bodyLimit: ctx.limits.legacyBodyLimit,
      schema: { params: uuidParams, body: updateBody, response: { 200: { $ref: 'fractal#' } } },
    },
    async (req) => {
      const uuid = req.params.uuid.toLowerCase();
      const { image, ...patch } = req.body;
      const role = putRoles.get(req);
      if (role && typeof image === 'string' && !role.worker) ctx.access.requireWorker(req);
      if (role && typeof image !== 'string' && !role.client) ctx.access.requireClient(req);
      if (patch.uuid !== undefined && patch.uuid.toLowerCase() !== uuid) {
        throw new HttpError(400, 'uuid in the body does not match the URL');
      }
      delete patch.uuid;
      const hasImage = typeof image === 'string';
      if (hasImage) return storeLegacyResult(ctx, uuid, image, patch);
      return editPending(ctx, uuid, patch);
    },
  );
}

/** Before the body: a client or a worker (unless access is open), and only a worker past the create limit. */
function admitPut(ctx: ApiContext, req: FastifyRequest, putRoles: WeakMap<FastifyRequest, PutRole>): void {
  if (ctx.access.open) return;
  const role = ctx.access.roleOf(req);
  if (!role.worker && !role.client) ctx.access.requireClient(req);
  putRoles.set(req, role);
  const len = Number(req.headers['content-length'] ?? 0);
  if (!role.worker && len > ctx.limits.createBodyLimit) ctx.access.requireWorker(req);
}

/** A client's edit of a row without an image. Legal transitions: pending -> done once, by storing an image; a done
 *  row never changes again (the same values again are no change). */
async function editPending(ctx: ApiContext, uuid: string, patch: Partial<Fractal>): Promise<Fractal> {
  const row = await dependency('database', () => ctx.repo.get(uuid));
  if (!row) throw new HttpError(404, `Fractal ${uuid} not found`);
  if (isRendered(row)) {
    const changed = Object.keys(patch).filter((k) => patch[k as keyof Fractal] !== row[k as keyof Fractal]);
    if (changed.length > 0) throw renderedConflict(uuid, changed);
    return row;
  }
  checkPendingEdit(row, patch, ctx.budget.maxWork);
  // Only while still pending: a result stored meanwhile wins, and this update is then a conflict.
  const applied =
    Object.keys(patch).length === 0 ||
    (await dependency('database', () => ctx.repo.updateIfChecksum(uuid, null, patch)));
  const updated = await dependency('database', () => ctx.repo.get(uuid));
  if (!updated) throw new HttpError(404, `Fractal ${uuid} not found`);
  if (!applied) throw renderedConflict(uuid, Object.keys(patch));
  return updated;
}

/** What a pending row's edit may not do: set the result's fields, resize it, or leave it out of bounds. */
function checkPendingEdit(row: Fractal, patch: Partial<Fractal>, maxWork: Budget['maxWork']): void {
  if (typeof patch.checksum === 'string' || typeof patch.size === 'number') {
    throw new HttpError(400, 'checksum and size are set by storing the image (field "image" or PUT .../image)');
  }
  // The queued task carries the size and the stored PNG must have the row's size: it is fixed at creation.
  const resized = (['width', 'height'] as const).filter((k) => patch[k] !== undefined && patch[k] !== row[k]);
  if (resized.length > 0) {
    throw new HttpError(
      409,
      `${resized.join(' and ')} cannot change after creation (the task is queued with the size): create a new fractal`,
    );
  }
  const merged = { ...row, ...patch };
  checkBounds(merged);
  checkJulia(merged);
  checkWork(maxWork, merged);
}

/** DELETE /v1/fractal/<uuid>: the row, then its image (an image left behind is only logged). */
function deleteRoute(app: FastifyInstance, ctx: ApiContext, write: WriteGuard): void {
  app.delete<{ Params: { uuid: string } }>(
    '/v1/fractal/:uuid',
    { onRequest: write.onRequest, ...write.rate, schema: { params: uuidParams, response: { 204: { type: 'null' } } } },
    async (req, reply) => {
      const uuid = req.params.uuid.toLowerCase();
      const deleted = await dependency('database', () => ctx.repo.delete(uuid));
      if (!deleted) throw new HttpError(404, `Fractal ${uuid} not found`);
      await ctx.images.delete(uuid).catch((err: unknown) => req.log.warn({ err, uuid }, 'image not deleted'));
      return reply.code(204).send();
    },
  );
}

/** The body stream, failing with a 413 once it passes `limit` bytes (chunked bodies have no length to check). */
function capped(payload: Readable, limit: number): Readable {
  let seen = 0;
  const out = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > limit) done(new HttpError(413, `Request body is larger than the limit of ${limit} bytes`));
      else done(null, chunk);
    },
  });
  payload.on('error', (e) => out.destroy(e));
  return payload.pipe(out);
}

/** The original worker's result: base64 PNG in `image` plus checksum/size/duration/generated_by. The text is
 *  decoded slice by slice into the verifying store (never a second whole copy of the image in memory). */
async function storeLegacyResult(
  ctx: ApiContext,
  uuid: string,
  image: string,
  patch: Partial<Fractal>,
): Promise<Fractal> {
  const bytes = base64Length(image);
  if (bytes === undefined) throw new HttpError(400, 'image must be standard padded base64 (A-Z, a-z, 0-9, +, /, =)');
  if (typeof patch.size === 'number' && patch.size !== bytes) {
    throw new HttpError(400, `size ${patch.size} does not match the image (${bytes} bytes)`);
  }
  const existing = await dependency('database', () => ctx.repo.get(uuid));
  if (!existing) throw new HttpError(404, `Fractal ${uuid} not found`);
  // A redelivered task's result: the first one stays (stored once).
  if (isRendered(existing)) return existing;
  // The image is rendered from the row's parameters, so they cannot change in the same request.
  const params = ['width', 'height', 'iterations', 'xa', 'xb', 'ya', 'yb'] as const;
  const moved = params.filter((k) => patch[k] !== undefined && patch[k] !== existing[k]);
  if (moved.length > 0) {
    throw new HttpError(409, `${moved.join(', ')} cannot change together with the image it was rendered with`);
  }
  checkJulia({ ...existing, ...patch });
  const out = await storeResult(ctx, uuid, Readable.from(base64Slices(image)), {
    checksum: patch.checksum ?? null,
    duration: patch.duration ?? null,
    generated_by: patch.generated_by ?? null,
    cr: patch.cr,
    ci: patch.ci,
    url: patch.url,
  });
  return out.row;
}
