// Render thread (worker_threads): renders and compresses the bands the pool sends, transfers the bytes back.
import { parentPort } from 'node:worker_threads';
import { ENV_NAMES } from '../settings-contract.js';
import { BandRenderer, type KernelName } from './band-renderer.js';
import type { BandJob } from './band.js';
import type { EncodedBand } from './encode.js';

export interface BandRequest {
  id: number;
  job: BandJob;
}
export type BandReply = { id: number; band: EncodedBand; kernel: KernelName } | { id: number; error: string };

const port = parentPort;
if (port) {
  const forced = process.env[ENV_NAMES.renderKernel];
  const renderer = new BandRenderer(forced === 'js' || forced === 'wasm' ? forced : 'auto');
  port.on('message', (req: BandRequest) => {
    let reply: BandReply;
    try {
      const band = renderer.encode(req.job);
      reply = { id: req.id, band, kernel: renderer.kernel };
      // deflateRawSync's result may share a pooled buffer; copy when it does not own its ArrayBuffer.
      if (band.data.byteLength !== band.data.buffer.byteLength) band.data = band.data.slice();
      port.postMessage(reply, [band.data.buffer as ArrayBuffer]);
    } catch (e) {
      reply = { id: req.id, error: e instanceof Error ? e.message : String(e) };
      port.postMessage(reply);
    }
  });
}
