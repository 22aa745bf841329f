// Liveness, readiness and Prometheus metrics.
// /healthz: 200 while the process serves. /readyz: 200 only when database, queue and image store all answer
// (within 3 s each); otherwise 503 naming the ones that are down.
import type { FastifyPluginAsync } from 'fastify';
import type { ApiContext } from '../context.js';

const PING_TIMEOUT_MS = 3000;

const ping = (p: () => Promise<void>): Promise<boolean> =>
  Promise.race([
    p().then(
      () => true,
      () => false,
    ),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), PING_TIMEOUT_MS).unref()),
  ]);

const readyReply = {
  type: 'object',
  properties: {
    status: { type: 'string' },
    message: { type: 'string' },
    down: { type: 'array', items: { type: 'string' } },
    checks: {
      type: 'object',
      properties: { database: { type: 'string' }, queue: { type: 'string' }, images: { type: 'string' } },
    },
  },
} as const;

/** `metrics: false` on the public listener when an internal one serves /metrics (issue 15). */
export const healthRoutes = (ctx: ApiContext, o: { metrics?: boolean } = {}): FastifyPluginAsync =>
  async function health(app) {
    app.get(
      '/healthz',
      { schema: { response: { 200: { type: 'object', properties: { status: { type: 'string' } } } } } },
      async () => ({ status: 'ok' }),
    );

    app.get('/readyz', { schema: { response: { 200: readyReply, 503: readyReply } } }, async (_req, reply) => {
      const [database, queue, images] = await Promise.all([
        ping(() => ctx.repo.ping()),
        ping(() => ctx.queue.ping()),
        ping(() => ctx.images.ping()),
      ]);
      const checks = { database, queue, images };
      const down = Object.entries(checks)
        .filter(([, ok]) => !ok)
        .map(([k]) => k);
      const shown = Object.fromEntries(Object.entries(checks).map(([k, ok]) => [k, ok ? 'up' : 'down']));
      if (down.length) {
        reply.code(503);
        return { status: 'unavailable', message: `${down.join(', ')} unavailable`, down, checks: shown };
      }
      return { status: 'ok', down, checks: shown };
    });

    if (o.metrics === false) return;
    app.get('/metrics', { schema: { response: { 200: { type: 'string' } } } }, async (_req, reply) => {
      const text = await ctx.metrics.registry.metrics();
      return reply.type(ctx.metrics.registry.contentType).send(text);
    });
  };
