// Memory bound of the streaming renderer: the 9999x9999 fractal of the issue (286 MiB of raw RGB) rendered in a
// child process peaks only a little above a tiny render in the same setup, i.e. the image is never held whole,
// neither raw nor compressed. (Memory bounds only; speed is measured in bench/render.mjs.)
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import zlib from 'node:zlib';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface ChildReport {
  result: { size: number; checksum: string };
  maxRssMiB: number;
}

async function renderInChild(w: number, h: number, n: number, file: string): Promise<ChildReport> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/fixtures/render/render-to-file.ts', String(w), String(h), String(n), file, '2'],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 0);
  return JSON.parse(out) as ChildReport;
}

describe('renderer memory', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'render-mem-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a 9999x9999 render stays within 48 MB of a 200x200 one and under 256 MB', { timeout: 300_000 }, async () => {
    const small = await renderInChild(200, 200, 64, path.join(dir, 'small.png'));
    const bigFile = path.join(dir, 'big.png');
    const big = await renderInChild(9999, 9999, 64, bigFile);
    assert.equal(statSync(bigFile).size, big.result.size);
    const rawMiB = (9999 * 9999 * 3) / 2 ** 20;
    const growth = big.maxRssMiB - small.maxRssMiB;
    assert.ok(growth < 48, `peak RSS grew by ${growth.toFixed(1)} MiB (raw image: ${rawMiB.toFixed(0)} MiB)`);
    assert.ok(big.maxRssMiB < 256, `peak RSS ${big.maxRssMiB.toFixed(1)} MiB`);
    // And the file is a complete PNG: IHDR, IDAT chunks whose zlib stream inflates (Adler-32 checked) to exactly
    // 9999 scanlines, IEND; inflated as a stream so the test itself stays small too.
    const png = readFileSync(bigFile);
    assert.equal(png.readUInt32BE(16), 9999);
    assert.equal(png.readUInt32BE(20), 9999);
    const inflate = zlib.createInflate();
    let inflated = 0;
    inflate.on('data', (d: Buffer) => (inflated += d.length));
    let at = 8;
    let last = '';
    while (at < png.length) {
      const len = png.readUInt32BE(at);
      last = png.toString('latin1', at + 4, at + 8);
      if (last === 'IDAT') inflate.write(png.subarray(at + 8, at + 8 + len));
      at += 12 + len;
    }
    inflate.end();
    await finished(inflate);
    assert.equal(last, 'IEND');
    assert.equal(inflated, 9999 * (1 + 3 * 9999));
  });
});
