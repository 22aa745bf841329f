// Every failure becomes a JSON answer: 4xx `{"message": ...}` for bad requests, 503 when a dependency (database,
// queue, image store) is down, and never a stack trace. Fastify's own errors (schema validation, content type,
// body size, bad JSON) are mapped here too.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export type Dependency = 'database' | 'queue' | 'images';

/** A dependency did not answer: the client may retry later. */
export class UnavailableError extends HttpError {
  constructor(
    readonly dependency: Dependency,
    override readonly cause?: unknown,
    message = `${dependency} unavailable, try again later`,
  ) {
    super(503, message, { dependency });
    this.name = 'UnavailableError';
  }
}

/** Runs a call to a dependency; any failure of it becomes a 503 naming the dependency. */
export async function dependency<T>(dep: Dependency, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new UnavailableError(dep, err);
  }
}

const JSON_415 = 'Request must have "Content-Type: application/json" header';

export function mapError(err: FastifyError | HttpError | Error): { status: number; body: Record<string, unknown> } {
  if (err instanceof HttpError) return { status: err.statusCode, body: { message: err.message, ...err.extra } };
  const e = err as FastifyError;
  if (e.validation) return { status: 400, body: { message: e.message } };
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, body: { message: JSON_415 } };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, body: { message: 'Request body is too large' } };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, body: { message: 'Unable to decode data' } };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, body: { message: 'Content-Length does not match the body' } };
    default:
  }
  if (err instanceof SyntaxError) return { status: 400, body: { message: 'Unable to decode data' } };
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) return { status, body: { message: e.message } };
  return { status: 500, body: { message: 'Internal server error' } };
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | HttpError, request: FastifyRequest, reply: FastifyReply) => {
    const { status, body } = mapError(err);
    if (status >= 500) {
      const cause = err instanceof UnavailableError ? err.cause : err;
      request.log.error(
        { err: cause, dependency: err instanceof UnavailableError ? err.dependency : undefined },
        'request failed',
      );
    }
    // A 503 tells load balancers and workers to retry shortly.
    if (status === 503) reply.header('retry-after', '5');
    return reply.code(status).type('application/json; charset=utf-8').send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ message: `No route for ${request.method} ${request.url.split('?')[0]!.slice(0, 200)}` });
  });
}

/** onRequest hook: answer 415 unless the request declares the given media type (checked before any body is read). */
export function requireContentType(type: string, message?: string) {
  return async (request: FastifyRequest): Promise<void> => {
    const ct = (request.headers['content-type'] ?? '').toLowerCase();
    if (!ct.startsWith(type)) {
      throw new HttpError(415, message ?? `Request must have "Content-Type: ${type}" header`);
    }
  };
}
