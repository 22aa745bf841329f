// Every failure becomes a JSON answer: 4xx `{"message": ...}` for bad requests, 503 when a dependency (database,
// queue, image store) is down, and never a stack trace. Fastify's own errors (schema validation, content type,
// body size, bad JSON) are mapped here too.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
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

/** What a pattern-checked field must look like, in words (the raw regex means nothing to a user). */
const PATTERN_WORDS: Record<string, string> = {
  uuid: 'a fractal id (a UUID such as 0b5d0b56-5f4c-4a8e-9c3c-0e4c1b2f7a11)',
  checksum: '64 hexadecimal digits (a sha256)',
  'x-faafo-checksum': '64 hexadecimal digits (the sha256 of the body)',
  'x-faafo-duration': 'a number of seconds such as 1.25',
  'x-faafo-cr': 'a number such as -0.8',
  'x-faafo-ci': 'a number such as 0.156',
};

const TYPE_WORDS: Record<string, string> = {
  integer: 'a whole number',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'a JSON object',
  array: 'a list',
  null: 'null',
};

interface AjvError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

const show = (v: unknown): string => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

/** One sentence for the first schema violation, naming the field and what it must be (never a regex). */
export function describeValidation(errors: AjvError[], context: string | undefined, input: unknown): string {
  const e = errors[0];
  if (!e) return 'The request is not valid';
  const path = e.instancePath.split('/').filter(Boolean);
  const name = path.join('.') || (context === 'body' ? 'the body' : (context ?? 'the request'));
  const where = context === 'headers' ? `header ${name}` : name;
  let value: unknown = input;
  for (const p of path) value = (value as Record<string, unknown> | undefined)?.[p];
  const p = e.params;
  switch (e.keyword) {
    case 'required':
      return context === 'headers'
        ? `header ${String(p.missingProperty)} is required`
        : `field "${String(p.missingProperty)}" is required`;
    case 'additionalProperties':
      return `unknown field "${String(p.additionalProperty)}"`;
    case 'type': {
      if (Array.isArray(value) && context === 'querystring') return `${where} must be given once`;
      const types = String(p.type)
        .split(',')
        .map((t) => TYPE_WORDS[t] ?? t);
      return `${where} must be ${types.join(' or ')}, got ${show(value)}`;
    }
    case 'minimum':
    case 'exclusiveMinimum':
      return `${where} must be at least ${String(p.limit)}, got ${show(value)}`;
    case 'maximum':
    case 'exclusiveMaximum':
      return `${where} must be at most ${String(p.limit)}, got ${show(value)}`;
    case 'minLength':
      return `${where} must not be empty`;
    case 'maxLength':
      return `${where} must be at most ${String(p.limit)} characters long`;
    case 'pattern': {
      const words = PATTERN_WORDS[path[path.length - 1] ?? ''] ?? 'in the documented format';
      return `${where} must be ${words}, got ${show(value)}`;
    }
    default:
      return `${where} ${(e.message ?? 'is not valid').replace(/ "\^.*\$"$/, '')}`;
  }
}

const JSON_415 = 'Request must have "Content-Type: application/json" header';

/** Maps any error to a status and a `{"message"}` body. `request` supplies the rejected input and the route's
 *  body limit for the words of the message. */
export function mapError(
  err: FastifyError | HttpError | Error,
  request?: FastifyRequest,
): { status: number; body: Record<string, unknown> } {
  if (err instanceof HttpError) return { status: err.statusCode, body: { message: err.message, ...err.extra } };
  const e = err as FastifyError;
  if (e.validation) {
    const ctx = e.validationContext;
    const input =
      ctx === 'params'
        ? request?.params
        : ctx === 'querystring'
          ? request?.query
          : ctx === 'headers'
            ? request?.headers
            : request?.body;
    return { status: 400, body: { message: describeValidation(e.validation as AjvError[], ctx, input) } };
  }
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, body: { message: JSON_415 } };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 413,
        body: {
          message: request?.routeOptions.bodyLimit
            ? `Request body is larger than the limit of ${request.routeOptions.bodyLimit} bytes`
            : 'Request body is too large',
        },
      };
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
    const { status, body } = mapError(err, request);
    if (status >= 500) {
      const cause = err instanceof UnavailableError ? err.cause : err;
      request.log.error(
        { err: cause, dependency: err instanceof UnavailableError ? err.dependency : undefined },
        'request failed',
      );
    }
    // A 503 tells load balancers and workers to retry shortly.
    if (status === 503 && !reply.hasHeader('retry-after')) reply.header('retry-after', '5');
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

/** Node's HTTP parser refused the request (no route, no Fastify request): answer `{"message"}` and close. */
export function answerClientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, message]: [number, string] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'The URL and headers of the request are too long (at most 16 KB together)']
      : err.code === 'HPE_INVALID_URL' || err.code === 'HPE_INVALID_PATH'
        ? [400, 'The URL must be ASCII: percent-encode other characters (UTF-8, e.g. %E2%98%83)']
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'The request took too long to arrive']
          : [400, 'The request is not valid HTTP'];
  const body = JSON.stringify({ message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
