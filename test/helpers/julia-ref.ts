// The C reference renderer (bench/reference/julia_ref.c) compiled with gcc -O2 into a temp folder, plus a
// variant whose only change is one added line that dumps each RGB row to stderr, for pixel-by-pixel checks.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const juliaRefSource = path.join(repoRoot, 'bench', 'reference', 'julia_ref.c');

export interface RefRun {
  rgbsum: bigint;
  iters: bigint;
  seconds: number;
  /** RGB bytes, row after row (dump variant only). */
  pixels?: Buffer;
}

export interface Rect {
  xa: number;
  xb: number;
  ya: number;
  yb: number;
}

export class JuliaRef {
  private constructor(
    private readonly dir: string,
    readonly bin: string,
    readonly dumpBin: string,
  ) {}

  static build(): JuliaRef {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'julia-ref-'));
    const bin = path.join(dir, 'julia_ref');
    execFileSync('gcc', ['-O2', '-o', bin, juliaRefSource, '-lm']);
    const src = readFileSync(juliaRefSource, 'utf8');
    const anchor = 'for(int x=0;x<W*3;x++) sum+=row[x];';
    if (!src.includes(anchor)) throw new Error(`julia_ref.c changed: '${anchor}' not found`);
    const dumpSrc = path.join(dir, 'julia_dump.c');
    writeFileSync(dumpSrc, src.replace(anchor, `fwrite(row,1,(size_t)W*3,stderr); ${anchor}`));
    const dumpBin = path.join(dir, 'julia_dump');
    execFileSync('gcc', ['-O2', '-o', dumpBin, dumpSrc, '-lm']);
    return new JuliaRef(dir, bin, dumpBin);
  }

  /** Runs the reference (or the dump variant) and parses its line. Numbers go through %.17g so C reads them exactly. */
  run(w: number, h: number, n: number, cr: number, ci: number, rect?: Rect, dump = false): RefRun {
    const num = (v: number) => v.toPrecision(17);
    const args = [w, h, n].map(String).concat([num(cr), num(ci)]);
    if (rect) args.push(num(rect.xa), num(rect.xb), num(rect.ya), num(rect.yb));
    const r = spawnSync(dump ? this.dumpBin : this.bin, args, { maxBuffer: 1 << 30 });
    if (r.status !== 0) throw new Error(`julia_ref failed: ${r.stderr.toString()}`);
    const line = r.stdout.toString();
    const field = (k: string) => {
      const m = new RegExp(`${k}=([0-9.]+)`).exec(line);
      if (!m) throw new Error(`julia_ref printed no ${k}: ${line}`);
      return m[1];
    };
    return {
      rgbsum: BigInt(field('rgbsum')),
      iters: BigInt(field('iters')),
      seconds: Number(field('seconds')),
      pixels: dump ? r.stderr : undefined,
    };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Decodes a PNG to tightly packed RGB bytes (pngjs gives RGBA) and sums R+G+B like julia_ref's rgbsum. */
export function decodeRgb(png: Buffer): { width: number; height: number; rgb: Buffer; rgbsum: bigint } {
  const img = PNG.sync.read(png);
  const rgb = Buffer.alloc(img.width * img.height * 3);
  let sum = 0;
  for (let i = 0, j = 0; i < img.data.length; i += 4, j += 3) {
    rgb[j] = img.data[i];
    rgb[j + 1] = img.data[i + 1];
    rgb[j + 2] = img.data[i + 2];
    sum += img.data[i] + img.data[i + 1] + img.data[i + 2];
  }
  return { width: img.width, height: img.height, rgb, rgbsum: BigInt(sum) };
}
