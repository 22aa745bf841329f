// Render thread (worker_threads): renders the bands the pool sends and transfers the scanlines back.
import { parentPort } from 'node:worker_threads';
import { BandRenderer, type KernelName } from './band-renderer.js';
import type { BandJob } from './band.js';

export interface BandRequest {
  id: number;
  job: BandJob;
}
export type BandReply = { id: number; rows: Uint8Array; kernel: KernelName } | { id: number; error: string };

const port = parentPort;
if (port) {
  const forced = process.env.FAAFO_RENDER_KERNEL;
  const renderer = new BandRenderer(forced === 'js' || forced === 'wasm' ? forced : 'auto');
  port.on('message', (req: BandRequest) => {
    let reply: BandReply;
    try {
      const rows = renderer.render(req.job);
      reply = { id: req.id, rows, kernel: renderer.kernel };
      port.postMessage(reply, [rows.buffer as ArrayBuffer]);
    } catch (e) {
      reply = { id: req.id, error: e instanceof Error ? e.message : String(e) };
      port.postMessage(reply);
    }
  });
}
