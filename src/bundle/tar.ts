// A minimal ustar writer (regular files and folders) + gzip, deterministic: fixed mtime, uid/gid 0, sorted
// entries, gzip header without a timestamp, so the same build gives the same sha256 (and an unchanged
// app_sha256 parameter does not make Heat replace servers).
import { gzipSync } from 'node:zlib';

export interface TarEntry {
  /** path inside the archive, `/`-separated; folders end with `/` */
  name: string;
  data?: Buffer;
  mode?: number;
}

/** 2000-01-01T00:00:00Z unless SOURCE_DATE_EPOCH says otherwise (reproducible builds convention). */
export function archiveMtime(env: NodeJS.ProcessEnv = process.env): number {
  const s = Number(env.SOURCE_DATE_EPOCH);
  return Number.isInteger(s) && s > 0 ? s : 946684800;
}

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function header(e: TarEntry, size: number, mtime: number): Buffer {
  const h = Buffer.alloc(512, 0);
  const isDir = e.name.endsWith('/');
  let name = e.name;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    // ustar: split at a `/` so that prefix <= 155 and name <= 100 bytes.
    const cut = name.lastIndexOf('/', name.length - 2 - (isDir ? 0 : 0));
    prefix = name.slice(0, cut);
    name = name.slice(cut + 1);
    if (Buffer.byteLength(name) > 100 || Buffer.byteLength(prefix) > 155)
      throw new Error(`path too long for tar: ${e.name}`);
  }
  h.write(name, 0, 100, 'utf8');
  h.write(octal(e.mode ?? (isDir ? 0o755 : 0o644), 8), 100, 8, 'ascii');
  h.write(octal(0, 8), 108, 8, 'ascii');
  h.write(octal(0, 8), 116, 8, 'ascii');
  h.write(octal(isDir ? 0 : size, 12), 124, 12, 'ascii');
  h.write(octal(mtime, 12), 136, 12, 'ascii');
  h.write('        ', 148, 8, 'ascii'); // checksum placeholder: spaces
  h.write(isDir ? '5' : '0', 156, 1, 'ascii');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  h.write('root', 265, 32, 'ascii');
  h.write('root', 297, 32, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return h;
}

/** The .tar bytes for these entries (in the given order), ending with two zero blocks. */
export function tar(entries: TarEntry[], mtime = archiveMtime()): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = e.name.endsWith('/') ? Buffer.alloc(0) : (e.data ?? Buffer.alloc(0));
    parts.push(header(e, data.length, mtime), data);
    const pad = (512 - (data.length % 512)) % 512;
    if (pad) parts.push(Buffer.alloc(pad, 0));
  }
  parts.push(Buffer.alloc(1024, 0));
  return Buffer.concat(parts);
}

export function tarGz(entries: TarEntry[], mtime = archiveMtime()): Buffer {
  return gzipSync(tar(entries, mtime), { level: 9 });
}
