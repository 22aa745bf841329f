// Polling helper for tests: wait for a condition instead of sleeping a fixed time.

/** Thrown from a condition to stop waiting at once (e.g. the process being waited on has exited). */
export class PollAbort extends Error {}

export async function until<T>(
  cond: () => T | undefined | false | null | Promise<T | undefined | false | null>,
  what: string,
  ms = 60000,
  every = 50,
): Promise<T> {
  const end = Date.now() + ms;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await cond();
      if (v) return v;
    } catch (e) {
      if (e instanceof PollAbort) throw e;
      lastErr = e;
    }
    if (Date.now() > end) {
      const why = lastErr instanceof Error ? ` (last error: ${lastErr.message})` : '';
      throw new Error(`timed out after ${ms / 1000} s waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, every));
  }
}
