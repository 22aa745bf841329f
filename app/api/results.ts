// Storing a worker's result: the PNG goes to the image store (checksum verified while it streams), then the row
// gets checksum/size/duration/generated_by. A row already rendered is left as it is (a redelivered task is
// stored once). Used by the C1 upload route and by the original worker's base64 PUT.
import { createHash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PngStructureCheck, PngStructureError } from '../images/png-structure.js';
import type { Fractal } from '../types.js';
import type { ApiContext } from './context.js';
import { HttpError, UnavailableError, dependency } from './errors.js';

export const isRendered = (f: Fractal): boolean => f.checksum !== null && f.size !== null;

/**
 * Passes bytes through while hashing, counting and checking the PNG structure (IHDR size = the row's, chunk CRCs,
 * IEND last); fails on overflow, a defect of the structure or a checksum mismatch. Holds no more than a chunk header.
 */
export class VerifyingStream extends Transform {
  private hash = createHash('sha256');
  private png: PngStructureCheck;
  bytes = 0;
  /** sha256 hex of the bytes, once they all passed. */
  checksum?: string;

  constructor(
    /** The sha256 the uploader announced; null: none announced, the bytes' own is taken. */
    private readonly expected: string | null,
    private readonly limit: number,
    size: { width: number; height: number },
  ) {
    super();
    this.png = new PngStructureCheck(size.width, size.height);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) return cb(new HttpError(413, `Image is larger than the limit of ${this.limit} bytes`));
    try {
      this.png.update(chunk);
    } catch (err) {
      return cb(asHttp(err));
    }
    this.hash.update(chunk);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    try {
      this.png.end();
    } catch (err) {
      return cb(asHttp(err));
    }
    const actual = this.hash.digest('hex');
    this.checksum = actual;
    if (this.expected !== null && actual !== this.expected.toLowerCase()) {
      return cb(new HttpError(400, `Checksum mismatch: the body's sha256 is ${actual}`));
    }
    cb();
  }
}

const asHttp = (err: unknown): Error =>
  err instanceof PngStructureError ? new HttpError(400, err.message) : (err as Error);

export interface ResultMeta {
  /** null: none announced (the original worker's PUT without one); the stored bytes' own sha256 is used. */
  checksum: string | null;
  duration: number | null;
  generated_by: string | null;
  cr?: number | null;
  ci?: number | null;
  url?: string | null;
}

export type StoreOutcome = { status: 'stored' | 'already-rendered'; row: Fractal };

/**
 * Stores `png` as the result of `uuid`. Throws HttpError 404 when the uuid is unknown, 400 on a bad image,
 * 503 when the database or the image store fails.
 */
export async function storeResult(
  ctx: ApiContext,
  uuid: string,
  png: Readable,
  meta: ResultMeta,
): Promise<StoreOutcome> {
  return ctx.locks.run(uuid, async () => {
    const row = await dependency('database', () => ctx.repo.get(uuid));
    if (!row) throw new HttpError(404, `Fractal ${uuid} not found`);
    if (isRendered(row)) return { status: 'already-rendered', row };

    const verify = new VerifyingStream(meta.checksum, ctx.limits.uploadLimit, row);
    const [put, fed] = await Promise.allSettled([ctx.images.put(uuid, verify), pipeline(png, verify)]);
    if (put.status === 'rejected' || fed.status === 'rejected') {
      const reasons = [fed, put].flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      const http = reasons.find((r) => r instanceof HttpError);
      if (http) throw http;
      const fedErr = fed.status === 'rejected' ? (fed.reason as NodeJS.ErrnoException) : undefined;
      if (fedErr && fedErr.code !== 'ERR_STREAM_PREMATURE_CLOSE') throw new HttpError(400, 'Upload was interrupted');
      if (put.status === 'rejected') throw new UnavailableError('images', put.reason);
      throw new HttpError(400, 'Upload was interrupted');
    }

    const patch: Partial<Fractal> = {
      checksum: verify.checksum!,
      size: verify.bytes,
      duration: meta.duration,
      generated_by: meta.generated_by,
    };
    if (meta.cr !== undefined && meta.cr !== null) patch.cr = meta.cr;
    if (meta.ci !== undefined && meta.ci !== null) patch.ci = meta.ci;
    if (meta.url !== undefined) patch.url = meta.url;
    const won = await dependency('database', () => ctx.repo.updateIfChecksum(uuid, null, patch));
    const current = await dependency('database', () => ctx.repo.get(uuid));
    if (!current) {
      // Deleted while the image streamed in: don't leave the image behind.
      await ctx.images.delete(uuid).catch(() => undefined);
      throw new HttpError(404, `Fractal ${uuid} not found`);
    }
    if (won) {
      if (meta.duration !== null) ctx.metrics.renderSeconds.observe(meta.duration);
      ctx.metrics.stored.inc({ generated_by: meta.generated_by ?? 'unknown' });
      return { status: 'stored', row: current };
    }
    if (current.checksum !== patch.checksum && (await storedChecksum(ctx, uuid)) === patch.checksum) {
      // Another API node stored its result for this uuid at the same moment and won the row, but our image was
      // renamed into place after its image: make the row describe the image that is actually stored.
      await dependency('database', () => ctx.repo.updateIfChecksum(uuid, current.checksum, patch));
      return { status: 'already-rendered', row: (await dependency('database', () => ctx.repo.get(uuid))) ?? current };
    }
    return { status: 'already-rendered', row: current };
  });
}

/** sha256 of the image currently in the store (read back; only needed when two nodes raced). */
async function storedChecksum(ctx: ApiContext, uuid: string): Promise<string | undefined> {
  const stream = await dependency('images', () => ctx.images.get(uuid));
  if (!stream) return undefined;
  const hash = createHash('sha256');
  await dependency('images', () => pipeline(stream, hash));
  return hash.digest('hex');
}
