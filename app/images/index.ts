// openImageStore(url): where rendered PNGs live. `file:PATH` (relative to the current directory) or
// `file:///abs/path`; `swift:` is reserved for the object-storage store (app/images/swift.ts).
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ImageStore } from '../types.js';
import { FileImageStore } from './file.js';

export { FileImageStore, assertImageKey } from './file.js';

export async function openImageStore(url: string, cwd = process.cwd()): Promise<ImageStore> {
  if (url.startsWith('file:')) {
    const dir = url.startsWith('file://') ? fileURLToPath(url) : path.resolve(cwd, decodeURIComponent(url.slice(5)));
    await mkdir(dir, { recursive: true });
    return new FileImageStore(dir);
  }
  if (url.startsWith('swift:')) {
    // Loaded lazily: the Swift store is an optional module contributed by the OpenStack work.
    const modPath = './swift.js';
    const mod = (await import(modPath).catch(() => undefined)) as
      { openSwiftImageStore?: (url: string) => Promise<ImageStore> } | undefined;
    if (!mod?.openSwiftImageStore) throw new Error('swift: image store is not available in this build; use file:PATH');
    return mod.openSwiftImageStore(url);
  }
  throw new Error(`unsupported image store URL "${url.slice(0, 80)}": use file:PATH or file:///absolute/path`);
}
