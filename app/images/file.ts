// The `file:` image store: one PNG per fractal in a folder (sharded by the first two characters of the uuid).
// Writes go to a temporary file that is fsynced and then renamed, so a reader never sees half an image and a
// failed or aborted upload leaves nothing behind.
import { createWriteStream } from 'node:fs';
import { access, constants, mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ImageStore } from '../types.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Image keys are uuids; anything else (path traversal, odd characters) is refused before touching the disk. */
export function assertImageKey(uuid: string): void {
  if (!UUID.test(uuid)) throw new Error(`invalid image key "${uuid.slice(0, 60)}"`);
}

export class FileImageStore implements ImageStore {
  constructor(readonly dir: string) {}

  private pathOf(uuid: string): string {
    assertImageKey(uuid);
    return path.join(this.dir, uuid.slice(0, 2), `${uuid}.png`);
  }

  async put(uuid: string, png: Readable | Buffer): Promise<void> {
    const final = this.pathOf(uuid);
    await mkdir(path.dirname(final), { recursive: true });
    const tmp = path.join(path.dirname(final), `.${uuid}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      const source = Buffer.isBuffer(png) ? Readable.from([png]) : png;
      await pipeline(source, createWriteStream(tmp, { flags: 'wx' }));
      const fh = await open(tmp, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, final);
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw err;
    }
  }

  async get(uuid: string): Promise<Readable | undefined> {
    try {
      // Open first: a file deleted right after still streams from the open descriptor.
      const fh = await open(this.pathOf(uuid), 'r');
      return fh.createReadStream({ autoClose: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async delete(uuid: string): Promise<void> {
    await rm(this.pathOf(uuid), { force: true });
  }

  async ping(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await access(this.dir, constants.W_OK | constants.R_OK);
  }

  async close(): Promise<void> {}
}
