// Streaming PNG encoder: filtered scanlines go into one zlib deflate stream as they are rendered; the compressed
// bytes leave as IDAT chunks of at most IDAT_SIZE bytes, so only a few bands are ever in memory. Counts the size
// and SHA-256 of every byte handed to `out`.
import zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import { once } from 'node:events';

export const IDAT_SIZE = 64 * 1024;
const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Uint8Array): Buffer {
  const buf = Buffer.allocUnsafe(12 + data.length);
  buf.writeUInt32BE(data.length, 0);
  buf.write(type, 4, 'latin1');
  buf.set(data, 8);
  buf.writeUInt32BE(zlib.crc32(buf.subarray(4, 8 + data.length)), 8 + data.length);
  return buf;
}

export interface PngOutcome {
  size: number;
  checksum: string;
}

export class PngStream {
  private readonly deflate: zlib.Deflate;
  private readonly hash = createHash('sha256');
  private size = 0;
  private failure: Error | undefined;
  private readonly pump: Promise<void>;
  private readonly onOutError = (e: Error) => this.fail(e);

  /** Writes the signature and IHDR (8-bit RGB, no interlace) at once. `level`: zlib level. */
  constructor(
    private readonly out: NodeJS.WritableStream,
    width: number,
    height: number,
    level = 6,
  ) {
    out.on('error', this.onOutError);
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(width, 0);
    ihdr.writeUInt32BE(height, 4);
    ihdr[8] = 8; // bit depth
    ihdr[9] = 2; // colour type: truecolour RGB
    // compression 0, filter method 0, interlace 0
    this.deflate = zlib.createDeflate({ level, memLevel: 9, chunkSize: IDAT_SIZE });
    this.deflate.on('error', (e) => this.fail(e));
    this.pump = this.emit(Buffer.concat([SIGNATURE, chunk('IHDR', ihdr)])).then(() => this.pumpIdat());
    this.pump.catch(() => {}); // observed through finish()/write()
    this.failed.catch(() => {});
  }

  private rejectFailed!: (e: Error) => void;
  /** Rejects with the first failure (deflate or `out` error). */
  private readonly failed = new Promise<never>((_, reject) => {
    this.rejectFailed = reject;
  });

  private fail(e: Error): void {
    this.failure ??= e;
    this.rejectFailed(this.failure);
    this.deflate.destroy();
  }

  private async emit(buf: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    this.hash.update(buf);
    this.size += buf.length;
    if (!this.out.write(buf)) await Promise.race([once(this.out as never, 'drain'), this.failed]);
  }

  /** Gathers deflate output into IDAT chunks of IDAT_SIZE bytes (the last one shorter). */
  private async pumpIdat(): Promise<void> {
    let pending: Buffer[] = [];
    let pendingLen = 0;
    for await (const data of this.deflate as AsyncIterable<Buffer>) {
      pending.push(data);
      pendingLen += data.length;
      while (pendingLen >= IDAT_SIZE) {
        const all = pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingLen);
        await this.emit(chunk('IDAT', all.subarray(0, IDAT_SIZE)));
        const rest = all.subarray(IDAT_SIZE);
        pending = rest.length ? [rest] : [];
        pendingLen = rest.length;
      }
    }
    if (pendingLen) await this.emit(chunk('IDAT', Buffer.concat(pending, pendingLen)));
    await this.emit(chunk('IEND', new Uint8Array(0)));
  }

  /** Feeds filtered scanlines (filter byte + RGB bytes per row); resolves when deflate can take more. */
  async write(rows: Uint8Array): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.deflate.write(rows)) {
      await Promise.race([once(this.deflate, 'drain'), this.pump, this.failed]);
    }
    if (this.failure) throw this.failure;
  }

  /** Ends the image; resolves once every byte was handed to `out` (which is left open). */
  async finish(): Promise<PngOutcome> {
    this.deflate.end();
    try {
      await this.pump;
      if (this.failure) throw this.failure;
      return { size: this.size, checksum: this.hash.digest('hex') };
    } finally {
      this.out.removeListener('error', this.onOutError);
    }
  }

  /** Stops after a failure elsewhere (the render); `out` is left as is. */
  abort(e: Error): void {
    this.fail(e);
    this.out.removeListener('error', this.onOutError);
  }
}
