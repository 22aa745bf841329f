// The gallery: `/`, `/index`, `/index/<page>` (5 rendered fractals per page, newest first; a page past the end is
// empty). Its URLs are opened in browsers, so its errors are HTML pages too (with the same words as the JSON API).
import type { FastifyPluginAsync } from 'fastify';
import type { ApiContext } from '../context.js';
import { HttpError, dependency, mapError } from '../errors.js';
import { renderErrorPage, renderGallery } from '../gallery-html.js';
import { MAX_PAGE } from './fractals.js';

export const PER_PAGE = 5;

const html = { 200: { type: 'string' } } as const;

function galleryPage(raw: string): number {
  const n = /^\d{1,12}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= MAX_PAGE)) {
    throw new HttpError(
      404,
      `There is no gallery page "${raw.slice(0, 40)}": pages are numbered from 1 to ${MAX_PAGE}`,
    );
  }
  return n;
}

export const galleryRoutes = (ctx: ApiContext): FastifyPluginAsync =>
  async function gallery(app) {
    // Encapsulated in this plugin: only the gallery's routes answer errors with a page.
    app.setErrorHandler((err, request, reply) => {
      const { status, body } = mapError(err as Error, request);
      if (status >= 500) request.log.error({ err }, 'gallery request failed');
      if (status === 503) reply.header('retry-after', '5');
      return reply
        .code(status)
        .type('text/html; charset=utf-8')
        .send(renderErrorPage(status, String(body.message)));
    });
    const show = async (page: number) => {
      const { total, rows } = await dependency('database', () =>
        ctx.repo.listRendered((page - 1) * PER_PAGE, PER_PAGE),
      );
      return renderGallery(rows, page, total, PER_PAGE);
    };
    for (const url of ['/', '/index']) {
      app.get(url, { schema: { response: html } }, async (_req, reply) =>
        reply.type('text/html; charset=utf-8').send(await show(1)),
      );
    }
    app.get<{ Params: { page: string } }>('/index/:page', { schema: { response: html } }, async (req, reply) =>
      reply.type('text/html; charset=utf-8').send(await show(galleryPage(req.params.page))),
    );
  };
