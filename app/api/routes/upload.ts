// Contract C1: the worker's result upload, `PUT /v1/fractal/<uuid>/image` with the raw PNG streamed as the body.
// The checksum is verified while the bytes stream into the image store; nothing is stored on a mismatch.
import type { FastifyPluginAsync } from 'fastify';
import type { Readable } from 'node:stream';
import type { ApiContext } from '../context.js';
import { HttpError, requireContentType } from '../errors.js';
import { storeResult } from '../results.js';
import { uploadHeaders, uuidParams } from '../schemas.js';

interface UploadHeaders {
  'x-faafo-checksum': string;
  'x-faafo-duration'?: string;
  'x-faafo-generated-by'?: string;
  'x-faafo-cr'?: string;
  'x-faafo-ci'?: string;
}

const finiteOrNull = (v: string | undefined, name: string): number | null => {
  if (v === undefined) return null;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new HttpError(400, `${name} must be a finite number`);
  return n;
};

export const uploadRoutes = (ctx: ApiContext): FastifyPluginAsync =>
  async function upload(app) {
    // The PNG body is handed to the route as the raw request stream (never buffered whole).
    app.addContentTypeParser('image/png', (_req, payload, done) => done(null, payload));

    app.put<{ Params: { uuid: string }; Headers: UploadHeaders; Body: Readable }>(
      '/v1/fractal/:uuid/image',
      {
        onRequest: [
          async (req) => ctx.access.requireWorker(req),
          requireContentType('image/png'),
          async (req) => {
            const len = Number(req.headers['content-length'] ?? 0);
            if (len > ctx.limits.uploadLimit)
              throw new HttpError(413, `Image is larger than ${ctx.limits.uploadLimit} bytes`);
          },
        ],
        schema: { params: uuidParams, headers: uploadHeaders, response: { 200: { $ref: 'fractal#' } } },
      },
      async (req) => {
        const uuid = req.params.uuid.toLowerCase();
        const h = req.headers;
        if ((h['x-faafo-cr'] === undefined) !== (h['x-faafo-ci'] === undefined)) {
          throw new HttpError(400, 'X-Faafo-Cr and X-Faafo-Ci go together (the Julia constant): send both or neither');
        }
        const out = await storeResult(ctx, uuid, req.body, {
          checksum: h['x-faafo-checksum'],
          duration: finiteOrNull(h['x-faafo-duration'], 'X-Faafo-Duration'),
          generated_by: h['x-faafo-generated-by'] ?? null,
          cr: finiteOrNull(h['x-faafo-cr'], 'X-Faafo-Cr'),
          ci: finiteOrNull(h['x-faafo-ci'], 'X-Faafo-Ci'),
        });
        // Already rendered: the upload is discarded; read it to the end so the worker sees the answer cleanly.
        if (out.status === 'already-rendered') req.body.resume();
        return out.row;
      },
    );
  };
