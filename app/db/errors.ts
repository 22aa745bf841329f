// Errors a FractalRepository throws that callers must tell apart from "the database is down".

/** Inserting a uuid that already exists (the original answered 400 IntegrityError). */
export class DuplicateFractalError extends Error {
  readonly code = 'FAAFO_DUPLICATE';
  constructor(readonly uuid: string) {
    super(`Fractal ${uuid} already exists`);
    this.name = 'DuplicateFractalError';
  }
}

/** The database URL names no supported backend or is malformed. */
export class DatabaseUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseUrlError';
  }
}

/** True when `err` is a unique/primary-key violation on any of the three backends. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown; errno?: unknown };
  return (
    e?.code === '23505' || // PostgreSQL unique_violation
    e?.code === 'ER_DUP_ENTRY' || // MySQL / MariaDB 1062
    e?.errno === 1062 ||
    e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    e?.code === 'SQLITE_CONSTRAINT_UNIQUE'
  );
}
