// Queries compiled once and run many times with fresh values: on SQLite, building and compiling a Kysely query
// costs more than running it, and the API's reads (show, list, count) are the same SQL on every request.
import type { CompiledQuery, Compilable, Kysely } from 'kysely';

/** A query compiled with placeholder values; `run` puts the real values where the placeholders were. */
export class Reusable<R, K extends string> {
  private readonly compiled: CompiledQuery<R>;
  /** For each parameter of the compiled SQL: the name of the value it takes, or its fixed value. */
  private readonly slots: ReadonlyArray<{ name: K } | { fixed: unknown }>;

  /** `build` gets one distinct placeholder per name and must use each where its value goes. */
  constructor(
    private readonly db: Kysely<never> | Kysely<any>, // eslint-disable-line @typescript-eslint/no-explicit-any
    names: readonly K[],
    build: (placeholder: Record<K, never>) => Compilable<R>,
  ) {
    // Placeholders are unique strings: nothing a query builds by itself can equal one by accident.
    const marks = Object.fromEntries(names.map((n) => [n, `\u0000placeholder:${n}\u0000`])) as Record<K, never>;
    this.compiled = build(marks).compile();
    const byMark = new Map<unknown, K>(names.map((n) => [marks[n], n]));
    this.slots = this.compiled.parameters.map((p) => (byMark.has(p) ? { name: byMark.get(p)! } : { fixed: p }));
    const used = new Set(this.slots.flatMap((s) => ('name' in s ? [s.name] : [])));
    const missing = names.filter((n) => !used.has(n));
    if (missing.length) throw new Error(`compiled query does not use ${missing.join(', ')}`);
  }

  async run(values: Record<K, unknown>): Promise<R[]> {
    const parameters = this.slots.map((s) => ('name' in s ? values[s.name] : s.fixed));
    const r = await this.db.executeQuery<R>({ ...this.compiled, parameters });
    return r.rows;
  }
}
