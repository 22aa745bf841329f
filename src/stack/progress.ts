// Optional one-line progress on a terminal (stderr only, redrawn in place), under the streamed event lines:
// "12 complete, 3 in progress, 0 failed - 42s". Never used when stderr is not a TTY (CI logs stay one event per line).
import type { StackEvent } from './events.js';
import { formatEvent, fullName } from './events.js';

export class Progress {
  private state = new Map<string, string>();
  private start = 0;
  private timer?: NodeJS.Timeout;
  private shown = false;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly print: (line: string) => void = (l) => process.stdout.write(l + '\n'),
  ) {}

  static enabled(): boolean {
    return Boolean(process.stderr.isTTY) && process.env.TERM !== 'dumb' && !process.env.CI;
  }

  /** Print an event line (clearing the progress line first) and redraw. */
  event(e: StackEvent): void {
    if (!this.start) this.start = Date.now();
    this.clear();
    this.print(formatEvent(e));
    this.state.set(fullName(e), e.status);
    this.draw();
    if (!this.timer) this.timer = setInterval(() => this.draw(), 1000).unref();
  }

  private draw(): void {
    let done = 0;
    let busy = 0;
    let failed = 0;
    for (const s of this.state.values()) {
      if (s.endsWith('_IN_PROGRESS')) busy++;
      else if (s.endsWith('_FAILED')) failed++;
      else done++;
    }
    const secs = Math.round((Date.now() - this.start) / 1000);
    this.out.write(`\r\x1b[K… ${done} complete, ${busy} in progress, ${failed} failed - ${secs}s`);
    this.shown = true;
  }

  private clear(): void {
    if (this.shown) this.out.write('\r\x1b[K');
    this.shown = false;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.clear();
  }
}

/** The onEvent of a waiting command: plain lines, plus the progress line on a terminal. */
export function eventPrinter(log: (line: string) => void): { onEvent: (e: StackEvent) => void; stop: () => void } {
  if (!Progress.enabled()) return { onEvent: (e) => log(formatEvent(e)), stop: () => undefined };
  const p = new Progress(process.stderr, log);
  return { onEvent: (e) => p.event(e), stop: () => p.stop() };
}
