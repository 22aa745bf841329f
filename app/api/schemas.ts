// JSON schemas of the fractal API (Fastify validates requests with ajv and serializes replies from these).
// Limits the original faafo lacked: sizes 1..16384 px, 1..100000 iterations, finite plane bounds, no unknown fields.

export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
export const SHA256_PATTERN = '^[0-9a-fA-F]{64}$';
export const MAX_SIDE = 16384;
export const MAX_ITERATIONS = 100000;
/** Plane coordinates: any finite number a double holds comfortably (rejects the Infinity that `1e999` parses to). */
const COORD = { type: 'number', minimum: -1e15, maximum: 1e15 } as const;
const CONSTANT = { type: ['number', 'null'], minimum: -1e15, maximum: 1e15 } as const;

export const fractalSchema = {
  $id: 'fractal',
  type: 'object',
  properties: {
    uuid: { type: 'string' },
    checksum: { type: ['string', 'null'] },
    url: { type: ['string', 'null'] },
    duration: { type: ['number', 'null'] },
    size: { type: ['integer', 'null'] },
    width: { type: 'integer' },
    height: { type: 'integer' },
    iterations: { type: 'integer' },
    xa: { type: 'number' },
    xb: { type: 'number' },
    ya: { type: 'number' },
    yb: { type: 'number' },
    generated_by: { type: ['string', 'null'] },
    cr: { type: ['number', 'null'] },
    ci: { type: ['number', 'null'] },
  },
  required: ['uuid', 'width', 'height', 'iterations', 'xa', 'xb', 'ya', 'yb'],
} as const;

export const errorSchema = {
  $id: 'error',
  type: 'object',
  properties: { message: { type: 'string' }, dependency: { type: 'string' } },
  required: ['message'],
} as const;

export const uuidParams = {
  type: 'object',
  properties: { uuid: { type: 'string', pattern: UUID_PATTERN } },
  required: ['uuid'],
  additionalProperties: false,
} as const;

const dimensions = {
  width: { type: 'integer', minimum: 1, maximum: MAX_SIDE },
  height: { type: 'integer', minimum: 1, maximum: MAX_SIDE },
  iterations: { type: 'integer', minimum: 1, maximum: MAX_ITERATIONS },
  xa: COORD,
  xb: COORD,
  ya: COORD,
  yb: COORD,
  cr: CONSTANT,
  ci: CONSTANT,
} as const;

/** POST /v1/fractal: what the original client sends, plus optional cr/ci; result fields only as null. */
export const createBody = {
  type: 'object',
  properties: {
    uuid: { type: 'string', pattern: UUID_PATTERN },
    ...dimensions,
    checksum: { type: 'null' },
    url: { type: 'null' },
    duration: { type: 'null' },
    size: { type: 'null' },
    generated_by: { type: 'null' },
  },
  required: ['width', 'height', 'iterations', 'xa', 'xb', 'ya', 'yb'],
  additionalProperties: false,
} as const;

/** PUT /v1/fractal/<uuid>: a partial object, including the original worker's result (`image` base64). */
export const updateBody = {
  type: 'object',
  properties: {
    uuid: { type: 'string', pattern: UUID_PATTERN },
    ...dimensions,
    checksum: { type: ['string', 'null'], pattern: SHA256_PATTERN },
    url: { type: ['string', 'null'], maxLength: 256 },
    duration: { type: ['number', 'null'], minimum: 0, maximum: 1e9 },
    size: { type: ['integer', 'null'], minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    generated_by: { type: ['string', 'null'], maxLength: 256 },
    image: { type: ['string', 'null'] },
  },
  additionalProperties: false,
} as const;

export const listQuery = {
  type: 'object',
  properties: {
    page: { type: 'string', maxLength: 30 },
    results_per_page: { type: 'string', maxLength: 30 },
    q: { type: 'string', maxLength: 10000 },
    callback: { type: 'string', maxLength: 200 },
  },
} as const;

export const listReply = {
  type: 'object',
  properties: {
    num_results: { type: 'integer' },
    objects: { type: 'array', items: { $ref: 'fractal#' } },
    page: { type: 'integer' },
    total_pages: { type: 'integer' },
  },
  required: ['num_results', 'objects', 'page', 'total_pages'],
} as const;

const UNSIGNED_NUMBER = '(?:[0-9]{1,20}(?:\\.[0-9]{0,24})?|\\.[0-9]{1,24})(?:[eE][-+]?[0-9]{1,3})?';

/** Headers of the worker's result upload (contract C1). */
export const uploadHeaders = {
  type: 'object',
  properties: {
    'content-type': { type: 'string' },
    'x-faafo-checksum': { type: 'string', pattern: SHA256_PATTERN },
    // Numbers as String(n) writes them in JavaScript (or Python's repr): up to 17 significant digits, exponents.
    'x-faafo-duration': { type: 'string', pattern: `^${UNSIGNED_NUMBER}$` },
    'x-faafo-generated-by': { type: 'string', minLength: 1, maxLength: 256 },
    'x-faafo-cr': { type: 'string', pattern: `^[-+]?${UNSIGNED_NUMBER}$` },
    'x-faafo-ci': { type: 'string', pattern: `^[-+]?${UNSIGNED_NUMBER}$` },
  },
  required: ['x-faafo-checksum'],
} as const;
