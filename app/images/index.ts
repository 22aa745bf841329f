// openImageStore(url): where rendered PNGs live. `file:PATH` (relative to the current directory) or
// `file:///abs/path`; `swift:` is reserved for the object-storage store (app/images/swift.ts).
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lowerScheme, schemeOf } from '../settings-contract.js';
import type { ImageStore } from '../types.js';
import { FileImageStore } from './file.js';

export { FileImageStore, assertImageKey } from './file.js';

export async function openImageStore(given: string, cwd = process.cwd()): Promise<ImageStore> {
  // The scheme check is the settings contract's (the one resolveSettings applies), schemes in any case.
  const kind = schemeOf('image', given);
  const url = kind === undefined ? given : lowerScheme(given);
  if (kind === 'file') {
    const dir = url.startsWith('file://') ? fileURLToPath(url) : path.resolve(cwd, decodeURIComponent(url.slice(5)));
    await mkdir(dir, { recursive: true });
    return new FileImageStore(dir);
  }
  if (kind === 'swift') {
    // Loaded only when used: the Swift store (app/images/swift.ts) needs Keystone credentials from the environment.
    const { openSwiftImageStore } = await import('./swift.js');
    return openSwiftImageStore(url);
  }
  throw new Error(`unsupported image store URL "${url.slice(0, 80)}": use file:PATH or file:///absolute/path`);
}
