// One error type for everything the CLI reports to a user: a one-line message, an optional fix, an exit code.
// Exit codes follow the CLI contract: 2 = bad usage or input (nothing was done), 1 = an operation failed.

export class FaafoError extends Error {
  readonly exitCode: number;
  readonly hint?: string;
  constructor(message: string, opts: { exitCode?: number; hint?: string; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'FaafoError';
    this.exitCode = opts.exitCode ?? 1;
    this.hint = opts.hint;
  }
}

/** Bad flags, config or arguments: exit code 2, nothing written. */
export class UsageError extends FaafoError {
  constructor(message: string, hint?: string) {
    super(message, { exitCode: 2, hint });
    this.name = 'UsageError';
  }
}

/** The single line a user sees for an error (never a stack trace). */
export function oneLine(err: unknown): string {
  const e = err as { message?: unknown; hint?: unknown };
  const msg = String(e?.message ?? err)
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean)
    .join(' ');
  return typeof e?.hint === 'string' && e.hint ? `${msg} (${e.hint})` : msg;
}
