// The gallery: `/`, `/index`, `/index/<page>` (5 rendered fractals per page; a page past the end is empty).
import type { FastifyPluginAsync } from 'fastify';
import type { ApiContext } from '../context.js';
import { dependency } from '../errors.js';
import { renderGallery } from '../gallery-html.js';

export const PER_PAGE = 5;

const html = { 200: { type: 'string' } } as const;

export const galleryRoutes = (ctx: ApiContext): FastifyPluginAsync =>
  async function gallery(app) {
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
    app.get<{ Params: { page: string } }>(
      '/index/:page',
      {
        schema: {
          params: {
            type: 'object',
            properties: { page: { type: 'string', pattern: '^[1-9][0-9]{0,8}$' } },
            required: ['page'],
          },
          response: html,
        },
      },
      async (req, reply) => reply.type('text/html; charset=utf-8').send(await show(Number(req.params.page))),
    );
  };
