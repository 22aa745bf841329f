// Streaming PNG writer: signature and IHDR at once, then the zlib stream of the image as the bands arrive (each
// already filtered and deflated by a render thread, see encode.ts), cut into IDAT chunks of IDAT_SIZE bytes,
// then IEND. Only the pending part of one chunk is held. Counts the size and SHA-256 of every byte handed to
// `out`, and honours its backpressure.
import zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { adler32Combine, DEFLATE_END, ZLIB_HEADER, type EncodedBand } from './encode.js';

export const IDAT_SIZE = 64 * 1024;
const SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** One PNG chunk: length, type, data, CRC-32 of type and data. */
export function pngChunk(type: string, data: Uint8Array): Buffer {
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

export class PngWriter {
  private readonly hash = createHash('sha256');
  private size = 0;
  private failure: Error | undefined;
  private readonly idat = Buffer.allocUnsafe(IDAT_SIZE);
  private idatLength = 0;
  private adler = 1;
  private rejectFailed!: (e: Error) => void;
  /** Rejects with the first error (or premature close) of `out`. */
  private readonly failed = new Promise<never>((_, reject) => {
    this.rejectFailed = reject;
  });
  private readonly onOutError = (e: Error) => {
    this.failure ??= e;
    this.rejectFailed(this.failure);
  };
  /** `out` closed (e.g. a destroyed socket) before the image was complete: waiting for 'drain' would hang. */
  private readonly onOutClose = () =>
    this.onOutError(new Error('the output stream closed before the PNG was complete'));
  private started = false;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly width: number,
    private readonly height: number,
  ) {
    this.failed.catch(() => {});
    out.on('error', this.onOutError);
    out.on('close', this.onOutClose);
  }

  private async emit(buf: Uint8Array): Promise<void> {
    if (this.failure) throw this.failure;
    this.hash.update(buf);
    this.size += buf.length;
    if (!this.out.write(buf)) await Promise.race([once(this.out as never, 'drain'), this.failed]);
  }

  /** Appends bytes of the zlib stream, emitting each full IDAT chunk. */
  private async deflated(bytes: Uint8Array): Promise<void> {
    let at = 0;
    while (at < bytes.length) {
      const n = Math.min(IDAT_SIZE - this.idatLength, bytes.length - at);
      this.idat.set(bytes.subarray(at, at + n), this.idatLength);
      this.idatLength += n;
      at += n;
      if (this.idatLength === IDAT_SIZE) {
        this.idatLength = 0;
        await this.emit(pngChunk('IDAT', this.idat));
      }
    }
  }

  private async start(): Promise<void> {
    this.started = true;
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(this.width, 0);
    ihdr.writeUInt32BE(this.height, 4);
    ihdr[8] = 8; // bit depth
    ihdr[9] = 2; // colour type: truecolour RGB; compression, filter method and interlace all 0
    await this.emit(Buffer.concat([SIGNATURE, pngChunk('IHDR', ihdr)]));
    await this.deflated(ZLIB_HEADER);
  }

  /** The next band of the image, in order. */
  async write(band: EncodedBand): Promise<void> {
    if (!this.started) await this.start();
    this.adler = adler32Combine(this.adler, band.adler, band.rawLength);
    await this.deflated(band.data);
  }

  /** Ends the image; resolves once every byte was handed to `out` (which is left open). */
  async finish(): Promise<PngOutcome> {
    try {
      if (!this.started) await this.start();
      const trailer = Buffer.alloc(6);
      trailer.set(DEFLATE_END, 0);
      trailer.writeUInt32BE(this.adler, 2);
      await this.deflated(trailer);
      if (this.idatLength) await this.emit(pngChunk('IDAT', this.idat.subarray(0, this.idatLength)));
      await this.emit(pngChunk('IEND', new Uint8Array(0)));
      return { size: this.size, checksum: this.hash.digest('hex') };
    } finally {
      this.unlisten();
    }
  }

  /** Stops listening to `out` after a failure elsewhere (the render). */
  abort(): void {
    this.unlisten();
  }

  private unlisten(): void {
    this.out.removeListener('error', this.onOutError);
    this.out.removeListener('close', this.onOutClose);
  }
}
