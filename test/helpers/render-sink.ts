// Renders into memory (small images only) and returns the PNG bytes with the renderer's result.
import { Writable } from 'node:stream';
import type { Renderer, RenderParams, RenderResult } from '../../app/render/index.js';

export async function renderToBuffer(r: Renderer, p: RenderParams): Promise<{ png: Buffer; result: RenderResult }> {
  const parts: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, cb) {
      parts.push(chunk);
      cb();
    },
  });
  const result = await r.render(p, out);
  return { png: Buffer.concat(parts), result };
}
