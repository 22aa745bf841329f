// The real renderer (contract C4) wrapped so tests can count renders and keep a task "in progress" a while.
import { Renderer } from '../../app/render/index.js';
import type { FractalRenderer } from '../../app/worker/index.js';

export class CountingRenderer implements FractalRenderer {
  calls: string[] = [];
  private readonly real: Renderer;

  /** delayMs: extra wait before each render. */
  constructor(
    private readonly delayMs = 0,
    threads = 1,
  ) {
    this.real = new Renderer({ threads });
  }

  async render(p: Parameters<FractalRenderer['render']>[0], out: NodeJS.WritableStream) {
    this.calls.push(`${p.width}x${p.height}`);
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    return this.real.render(p, out);
  }

  close(): Promise<void> {
    return this.real.close();
  }
}
