// GET /fractal/<uuid>: the PNG, streamed from the image store (or decoded from the legacy `image` column of rows
// the original worker stored), with Content-Length and the checksum as ETag (If-None-Match answers 304).
// 404 `{"code":404,"message":"Fractal not found"}` also while not rendered yet.
import type { FastifyPluginAsync } from 'fastify';
import type { ApiContext } from '../context.js';
import { dependency } from '../errors.js';
import { isRendered } from '../results.js';
import { uuidParams } from '../schemas.js';

/** If-None-Match: "*" or a list of entity tags (weak ones compare equal, RFC 9110 13.1.2). */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}

const NOT_FOUND = { code: 404, message: 'Fractal not found' };

export const imageRoutes = (ctx: ApiContext): FastifyPluginAsync =>
  async function image(app) {
    app.get<{ Params: { uuid: string } }>(
      '/fractal/:uuid',
      {
        schema: {
          params: uuidParams,
          response: {
            404: { type: 'object', properties: { code: { type: 'integer' }, message: { type: 'string' } } },
          },
        },
      },
      async (req, reply) => {
        const uuid = req.params.uuid.toLowerCase();
        const row = await dependency('database', () => ctx.repo.get(uuid));
        if (!row || !isRendered(row)) return reply.code(404).send(NOT_FOUND);
        // A rendered image never changes (a done row is immutable), so its checksum is a strong validator.
        const etag = `"${row.checksum}"`;
        reply.header('etag', etag).header('cache-control', 'public, max-age=300');
        if (matches(req.headers['if-none-match'], etag)) return reply.code(304).send();
        const stream = await dependency('images', () => ctx.images.get(uuid));
        if (stream) return reply.type('image/png').header('content-length', String(row.size)).send(stream);
        const legacy = await dependency('database', () => ctx.repo.getLegacyImage(uuid));
        if (!legacy) return reply.code(404).send(NOT_FOUND);
        return reply.type('image/png').send(Buffer.from(legacy, 'base64'));
      },
    );
  };
