// FractalRepository over Kysely: one code path for SQLite, PostgreSQL and MySQL/MariaDB.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Fractal, FractalRepository, Page } from '../types.js';
import { Reusable } from './compiled.js';
import type { ReadCache } from './read-cache.js';
import { DuplicateFractalError, isUniqueViolation } from './errors.js';
import { migrate, type DB, type Dialect, type FractalTable } from './schema.js';

/** Every column of the API object (everything but `image` and the bookkeeping columns). */
const FIELDS = [
  'uuid',
  'checksum',
  'url',
  'duration',
  'size',
  'width',
  'height',
  'iterations',
  'xa',
  'xb',
  'ya',
  'yb',
  'generated_by',
  'cr',
  'ci',
] as const;

type Row = Pick<Selectable<FractalTable>, (typeof FIELDS)[number]>;

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function toFractal(r: Row): Fractal {
  return {
    uuid: r.uuid,
    checksum: r.checksum,
    url: r.url,
    duration: num(r.duration),
    size: num(r.size),
    width: Number(r.width),
    height: Number(r.height),
    iterations: Number(r.iterations),
    xa: Number(r.xa),
    xb: Number(r.xb),
    ya: Number(r.ya),
    yb: Number(r.yb),
    generated_by: r.generated_by,
    cr: num(r.cr),
    ci: num(r.ci),
  };
}

/** The columns a patch may set (uuid is the key and never changes). */
function toColumns(patch: Partial<Fractal>): Partial<FractalTable> {
  const out: Partial<Record<keyof FractalTable, unknown>> = {};
  for (const k of FIELDS) if (k !== 'uuid' && patch[k] !== undefined) out[k] = patch[k];
  return out as Partial<FractalTable>;
}

/** The reads the API makes on every request, compiled once per repository (each dialect has its own SQL). */
function compileReads(db: Kysely<DB>) {
  const fractals = db.selectFrom('fractal');
  const rendered = fractals.where('checksum', 'is not', null).where('size', 'is not', null);
  return {
    get: new Reusable(db, ['uuid'], (p) => fractals.select(FIELDS).where('uuid', '=', p.uuid)),
    // The API's list keeps Flask-Restless's primary-key order.
    list: new Reusable(db, ['offset', 'limit'], (p) =>
      fractals.select(FIELDS).orderBy('uuid', 'asc').offset(p.offset).limit(p.limit),
    ),
    // The gallery shows the newest first (rows of the original faafo, without created_at, last).
    listRendered: new Reusable(db, ['offset', 'limit'], (p) =>
      rendered
        .select(FIELDS)
        .orderBy(sql`case when created_at is null then 1 else 0 end`)
        .orderBy('created_at', 'desc')
        .orderBy('uuid', 'asc')
        .offset(p.offset)
        .limit(p.limit),
    ),
    count: new Reusable(db, [], () => fractals.select((eb) => eb.fn.countAll().as('n'))),
    countRendered: new Reusable(db, [], () => rendered.select((eb) => eb.fn.countAll().as('n'))),
  };
}

export class SqlFractalRepository implements FractalRepository {
  private readonly reads: ReturnType<typeof compileReads>;

  /** `cache` (SQLite only, see read-cache.ts) keeps answers of get/list while the database has not changed. */
  constructor(
    readonly db: Kysely<DB>,
    readonly dialect: Dialect,
    private readonly cache?: ReadCache,
  ) {
    this.reads = compileReads(db);
  }

  migrate(): Promise<void> {
    return migrate(this.db, this.dialect);
  }

  async insert(row: Fractal): Promise<void> {
    try {
      await this.db
        .insertInto('fractal')
        .values({
          ...toColumns(row),
          uuid: row.uuid,
          width: row.width,
          height: row.height,
          iterations: row.iterations,
          xa: row.xa,
          xb: row.xb,
          ya: row.ya,
          yb: row.yb,
          created_at: new Date().toISOString(),
          published: 0,
        })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new DuplicateFractalError(row.uuid);
      throw err;
    }
  }

  // Answers of get/list/listRendered are frozen: the read cache hands the same object to every caller until the
  // data changes (no copy per request), and the API keeps the JSON it serialized from it (routes/fractals.ts).
  async get(uuid: string): Promise<Fractal | undefined> {
    const read = async () => {
      const [r] = await this.reads.get.run({ uuid });
      return r ? Object.freeze(toFractal(r)) : undefined;
    };
    return this.cache ? this.cache.get(`get ${uuid}`, read) : read();
  }

  list(offset: number, limit: number): Promise<Page<Fractal>> {
    return this.cachedPage(false, offset, limit);
  }

  listRendered(offset: number, limit: number): Promise<Page<Fractal>> {
    return this.cachedPage(true, offset, limit);
  }

  private cachedPage(renderedOnly: boolean, offset: number, limit: number): Promise<Page<Fractal>> {
    if (!this.cache) return this.page(renderedOnly, offset, limit);
    return this.cache.get(`page ${renderedOnly} ${offset} ${limit}`, () => this.page(renderedOnly, offset, limit));
  }

  private async page(renderedOnly: boolean, offset: number, limit: number): Promise<Page<Fractal>> {
    const count = renderedOnly ? this.reads.countRendered : this.reads.count;
    const select = renderedOnly ? this.reads.listRendered : this.reads.list;
    const [[counted], rows] = await Promise.all([
      count.run({}),
      limit > 0 ? select.run({ offset, limit }) : Promise.resolve([]),
    ]);
    return Object.freeze({
      total: Number(counted?.n ?? 0),
      rows: Object.freeze(rows.map((r) => Object.freeze(toFractal(r)))) as Fractal[],
    });
  }

  async update(uuid: string, patch: Partial<Fractal>): Promise<Fractal | undefined> {
    const cols = toColumns(patch);
    if (Object.keys(cols).length > 0) await this.db.updateTable('fractal').set(cols).where('uuid', '=', uuid).execute();
    return this.get(uuid);
  }

  async updateIfChecksum(uuid: string, expected: string | null, patch: Partial<Fractal>): Promise<boolean> {
    const r = await this.db
      .updateTable('fractal')
      .set(toColumns(patch))
      .where('uuid', '=', uuid)
      .where((eb) =>
        expected === null ? eb.or([eb('checksum', 'is', null), eb('size', 'is', null)]) : eb('checksum', '=', expected),
      )
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async delete(uuid: string): Promise<boolean> {
    const r = await this.db.deleteFrom('fractal').where('uuid', '=', uuid).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async getLegacyImage(uuid: string): Promise<string | undefined> {
    const r = await this.db.selectFrom('fractal').select('image').where('uuid', '=', uuid).executeTakeFirst();
    if (!r || r.image === null || r.image === undefined) return undefined;
    // The original stored base64 text in a binary column (LargeBinary / MEDIUMBLOB): decode those bytes as text.
    return Buffer.isBuffer(r.image) ? r.image.toString('latin1') : r.image;
  }

  async setLegacyImage(uuid: string, base64: string): Promise<void> {
    await this.db.updateTable('fractal').set({ image: base64 }).where('uuid', '=', uuid).execute();
  }

  async counts(): Promise<{ pending: number; done: number }> {
    const r = await this.db
      .selectFrom('fractal')
      .select((eb) => [
        eb.fn.countAll().as('total'),
        eb.fn
          .sum<number | string | null>(sql`case when checksum is not null and size is not null then 1 else 0 end`)
          .as('done'),
      ])
      .executeTakeFirstOrThrow();
    const total = Number(r.total);
    const done = Number(r.done ?? 0);
    return { pending: total - done, done };
  }

  /** The broker confirmed the task of this row. */
  async markPublished(uuid: string): Promise<void> {
    await this.db.updateTable('fractal').set({ published: 1 }).where('uuid', '=', uuid).execute();
  }

  /** Rows whose task was never confirmed (an API node died between insert and publish), oldest first. */
  async listUnpublished(createdBefore: Date, limit: number): Promise<Fractal[]> {
    const rows = await this.db
      .selectFrom('fractal')
      .select(FIELDS)
      .where('published', '=', 0)
      .where('checksum', 'is', null)
      .where('created_at', '<=', createdBefore.toISOString())
      .orderBy('created_at', 'asc')
      .limit(limit)
      .execute();
    return rows.map(toFractal);
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
