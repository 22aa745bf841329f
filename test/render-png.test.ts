// The renderer's PNG stream: decodable (pngjs and zlib check CRCs and the Adler-32 combined across bands),
// chunk layout, size and SHA-256 of exactly the bytes written, errors of `out` and bad parameters.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import zlib from 'node:zlib';
import { PNG } from 'pngjs';
import { Renderer } from '../app/render/index.js';
import { adler32, adler32Combine } from '../app/render/encode.js';
import { IDAT_SIZE } from '../app/render/png.js';
import { renderToBuffer } from './helpers/render-sink.js';

const rect = { xa: -2, xb: 2, ya: -1.5, yb: 1.5 };

interface Chunk {
  type: string;
  data: Buffer;
  crcOk: boolean;
}

function chunks(png: Buffer): Chunk[] {
  assert.ok(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), 'PNG signature');
  const out: Chunk[] = [];
  let at = 8;
  while (at < png.length) {
    const len = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + len);
    const crc = png.readUInt32BE(at + 8 + len);
    out.push({ type, data, crcOk: crc === zlib.crc32(png.subarray(at + 4, at + 8 + len)) });
    at += 12 + len;
  }
  assert.equal(at, png.length, 'chunks end exactly at the end of the file');
  return out;
}

describe('renderer PNG output', () => {
  const renderer = new Renderer({ threads: 2 });
  after(() => renderer.close());

  it('is a valid PNG whose size and sha256 are those of the bytes written', { timeout: 120_000 }, async () => {
    const p = { width: 1200, height: 700, iterations: 300, cr: -0.4, ci: 0.6, ...rect };
    const { png, result } = await renderToBuffer(renderer, p);
    assert.equal(result.size, png.length);
    assert.equal(result.checksum, createHash('sha256').update(png).digest('hex'));
    assert.match(result.checksum, /^[0-9a-f]{64}$/);
    assert.ok(result.duration > 0);
    const img = PNG.sync.read(png, { checkCRC: true } as never);
    assert.equal(img.width, 1200);
    assert.equal(img.height, 700);
    const cs = chunks(png);
    assert.deepEqual([cs[0].type, cs.at(-1)?.type], ['IHDR', 'IEND']);
    assert.ok(
      cs.every((c) => c.crcOk),
      'every chunk CRC is right',
    );
    const idat = cs.filter((c) => c.type === 'IDAT');
    assert.ok(idat.length > 1, 'several IDAT chunks');
    assert.ok(
      idat.slice(0, -1).every((c) => c.data.length === IDAT_SIZE),
      'full IDAT chunks of IDAT_SIZE bytes',
    );
    assert.equal(cs.length, idat.length + 2, 'only IHDR, IDAT..., IEND');
    // zlib verifies the Adler-32 trailer; the scanlines start with their filter bytes (1 = Sub, 2 = Up).
    const raw = zlib.inflateSync(Buffer.concat(idat.map((c) => c.data)));
    assert.equal(raw.length, 700 * (1 + 3 * 1200));
    for (let y = 0; y < 700; y++) assert.ok([0, 1, 2].includes(raw[y * 3601]));
    // The same parameters give the same bytes (deterministic, whatever the thread timing).
    const again = await renderToBuffer(renderer, p);
    assert.equal(again.result.checksum, result.checksum);
  });

  it('writes a valid image for 1x1 and for tiny and non-square sizes', { timeout: 60_000 }, async () => {
    for (const [w, h] of [
      [1, 1],
      [3, 1],
      [1, 5],
      [7, 2],
      [300, 3],
    ]) {
      const { png, result } = await renderToBuffer(renderer, {
        width: w,
        height: h,
        iterations: 40,
        cr: -0.8,
        ci: 0.156,
        ...rect,
      });
      const img = PNG.sync.read(png);
      assert.deepEqual([img.width, img.height], [w, h]);
      assert.equal(result.size, png.length);
    }
  });

  it('rejects bad parameters with one line and writes nothing', async () => {
    const bad = [
      { width: 0, height: 10, iterations: 10 },
      { width: 10.5, height: 10, iterations: 10 },
      { width: 10, height: 10, iterations: 0 },
      { width: 10, height: 10, iterations: 10, xa: Number.NaN },
      { width: 10, height: 10, iterations: 10, cr: Infinity, ci: 0 },
    ];
    for (const b of bad) {
      let wrote = 0;
      const out = new Writable({
        write(c: Buffer, _e, cb) {
          wrote += c.length;
          cb();
        },
      });
      await assert.rejects(renderer.render({ ...rect, ...b } as never, out), (e: Error) => {
        assert.ok(e instanceof RangeError);
        assert.doesNotMatch(e.message, /\n/);
        return true;
      });
      assert.equal(wrote, 0);
    }
  });

  it('rejects when the output stream fails, and keeps working afterwards', { timeout: 60_000 }, async () => {
    let n = 0;
    const out = new Writable({
      highWaterMark: 1024,
      write(_c, _e, cb) {
        if (++n === 3) cb(new Error('disk full'));
        else cb();
      },
    });
    out.on('error', () => {});
    await assert.rejects(
      renderer.render({ width: 800, height: 800, iterations: 100, cr: -0.8, ci: 0.156, ...rect }, out),
      /disk full/,
    );
    const { png } = await renderToBuffer(renderer, {
      width: 20,
      height: 20,
      iterations: 20,
      cr: -0.8,
      ci: 0.156,
      ...rect,
    });
    assert.equal(PNG.sync.read(png).width, 20);
  });

  it('rejects (does not hang) when the output stream is destroyed mid-render', { timeout: 60_000 }, async () => {
    let n = 0;
    const out = new Writable({
      highWaterMark: 1,
      write(_c, _e, cb) {
        // Never calls back after the 2nd write, then goes away: like a peer that vanished.
        if (++n < 2) cb();
        else setTimeout(() => out.destroy(), 20);
      },
    });
    await assert.rejects(
      renderer.render({ width: 1500, height: 1500, iterations: 100, cr: -0.8, ci: 0.156, ...rect }, out),
      /closed before the PNG was complete/,
    );
  });

  it('waits for a slow output stream (backpressure) and still writes every byte', { timeout: 60_000 }, async () => {
    const parts: Buffer[] = [];
    const out = new Writable({
      highWaterMark: 16,
      write(c: Buffer, _e, cb) {
        parts.push(c);
        setTimeout(cb, 1);
      },
    });
    const result = await renderer.render(
      { width: 600, height: 400, iterations: 64, cr: -0.8, ci: 0.156, ...rect },
      out,
    );
    await new Promise<void>((resolve) => out.end(resolve));
    const png = Buffer.concat(parts);
    assert.equal(result.size, png.length);
    assert.equal(result.checksum, createHash('sha256').update(png).digest('hex'));
    assert.equal(PNG.sync.read(png).height, 400);
  });

  it('adler32Combine equals the Adler-32 of the concatenation', () => {
    const a = Buffer.from(Array.from({ length: 100_003 }, (_, i) => (i * 7919) & 255));
    const b = Buffer.from(Array.from({ length: 70_001 }, (_, i) => (i * 104729 + 3) & 255));
    assert.equal(adler32Combine(adler32(a), adler32(b), b.length), adler32(Buffer.concat([a, b])));
    assert.equal(adler32Combine(adler32(a), adler32(Buffer.alloc(0)), 0), adler32(a));
    // Known value: Adler-32 of "Wikipedia" is 0x11E60398.
    assert.equal(adler32(Buffer.from('Wikipedia')), 0x11e60398);
  });
});
