// Checks that a byte stream is a whole PNG of an expected size while the bytes pass by, holding at most one chunk
// header (never the image): the signature, IHDR first with the expected width and height, every chunk's CRC, at
// least one IDAT, and IEND as the last bytes. Pixel data is not inflated (the checksum covers the bytes; the
// structure is what tells a truncated or made-up body from an image).
import CRC32 from 'crc-32';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const MAX_CHUNK = 0x7fffffff;

/** The body is not the PNG it should be; the message says why in words for the uploader. */
export class PngStructureError extends Error {
  override name = 'PngStructureError';
}

type State = 'signature' | 'header' | 'data' | 'crc' | 'after-iend';

export class PngStructureCheck {
  private state: State = 'signature';
  private need = SIGNATURE.length;
  private buf = Buffer.alloc(0);
  private type = '';
  private crc = 0;
  private chunks = 0;
  private idat = false;
  private ihdr?: Buffer;

  constructor(
    private readonly width: number,
    private readonly height: number,
  ) {}

  /** Feeds the next bytes; throws PngStructureError at the first defect. */
  update(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.state === 'after-iend') throw new PngStructureError('PNG has bytes after its IEND chunk');
      if (this.state === 'data' && this.type !== 'IHDR') {
        // Chunk data streams through the CRC without being kept.
        const take = Math.min(this.need, chunk.length - at);
        this.crc = CRC32.buf(chunk.subarray(at, at + take), this.crc);
        at += take;
        this.need -= take;
        if (this.need === 0) this.enter('crc', 4);
        continue;
      }
      const take = Math.min(this.need - this.buf.length, chunk.length - at);
      this.buf = Buffer.concat([this.buf, chunk.subarray(at, at + take)]);
      at += take;
      if (this.buf.length === this.need) this.complete(this.buf);
    }
  }

  /** The stream ended: throws unless it ended right after IEND. */
  end(): void {
    if (this.state === 'after-iend') return;
    if (this.state === 'signature' && this.buf.length === 0) throw new PngStructureError('Body is empty, not a PNG');
    if (this.state === 'signature') throw new PngStructureError('Body is not a PNG image');
    throw new PngStructureError(
      this.chunks === 0 ? 'PNG ends after its signature' : 'PNG is truncated (it ends before its IEND chunk)',
    );
  }

  private enter(state: State, need: number): void {
    this.state = state;
    this.need = need;
    this.buf = Buffer.alloc(0);
  }

  private complete(b: Buffer): void {
    switch (this.state) {
      case 'signature':
        if (!b.equals(SIGNATURE)) throw new PngStructureError('Body is not a PNG image');
        return this.enter('header', 8);
      case 'header':
        return this.header(b);
      case 'data': // IHDR: kept (13 bytes) to check the size once its CRC is known good
        this.ihdr = b;
        this.crc = CRC32.buf(b, this.crc);
        return this.enter('crc', 4);
      case 'crc':
        return this.trailer(b);
      default:
    }
  }

  private header(b: Buffer): void {
    const length = b.readUInt32BE(0);
    const type = b.toString('latin1', 4, 8);
    if (!/^[A-Za-z]{4}$/.test(type)) throw new PngStructureError(`PNG chunk ${this.chunks + 1} has no valid type`);
    if (length > MAX_CHUNK) throw new PngStructureError(`PNG chunk ${type} claims ${length} bytes`);
    if (this.chunks === 0 && type !== 'IHDR') throw new PngStructureError('PNG does not start with an IHDR chunk');
    if (this.chunks > 0 && type === 'IHDR') throw new PngStructureError('PNG has a second IHDR chunk');
    if (type === 'IHDR' && length !== 13) throw new PngStructureError('PNG IHDR chunk has the wrong length');
    if (type === 'IEND' && length !== 0) throw new PngStructureError('PNG IEND chunk is not empty');
    if (type === 'IEND' && !this.idat) throw new PngStructureError('PNG has no image data (IDAT) before IEND');
    this.type = type;
    this.crc = CRC32.buf(b.subarray(4, 8));
    if (length === 0) this.enter('crc', 4);
    else this.enter('data', length);
  }

  private trailer(b: Buffer): void {
    // crc-32 answers signed 32-bit integers.
    if (b.readUInt32BE(0) !== this.crc >>> 0) throw new PngStructureError(`PNG chunk ${this.type} fails its CRC check`);
    this.chunks += 1;
    if (this.type === 'IHDR') {
      const w = this.ihdr!.readUInt32BE(0);
      const h = this.ihdr!.readUInt32BE(4);
      if (w !== this.width || h !== this.height) {
        throw new PngStructureError(`PNG is ${w}x${h} px but the fractal is ${this.width}x${this.height} px`);
      }
    }
    if (this.type === 'IDAT') this.idat = true;
    if (this.type === 'IEND') return this.enter('after-iend', 0);
    this.enter('header', 8);
  }
}
