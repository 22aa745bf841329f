// The `fractal` table: faafo's original columns plus the new nullable ones, created or upgraded at start-up.
// Several API nodes may start at once, so the migration runs under a lock: pg_advisory_lock on PostgreSQL,
// GET_LOCK on MySQL/MariaDB, BEGIN IMMEDIATE (with a busy timeout) on SQLite; every step is also idempotent.
import { sql, type Kysely } from 'kysely';

export type Dialect = 'sqlite' | 'postgres' | 'mysql';

export interface FractalTable {
  uuid: string;
  checksum: string | null;
  url: string | null;
  duration: number | null;
  size: number | string | null; // bigint: PostgreSQL returns a string
  width: number;
  height: number;
  iterations: number;
  xa: number;
  xb: number;
  ya: number;
  yb: number;
  /** Legacy: base64 text of the PNG (the original worker's result); new results go to the image store. */
  image: string | Buffer | null;
  generated_by: string | null;
  cr: number | null;
  ci: number | null;
  /** ISO-8601 UTC; null on rows created by the original faafo. */
  created_at: string | null;
  /** 0 = inserted, task not yet confirmed by the broker; 1 = published; null = legacy row (treated as published). */
  published: number | null;
}

export interface DB {
  fractal: FractalTable;
}

const LOCK_KEY = 7_277_161_102; // arbitrary, stable: "faafo migrate"
const LOCK_NAME = 'faafo_migrate';

/** Columns added after the original schema; a legacy faafo table gets them with ALTER TABLE. */
const NEW_COLUMNS = [
  ['cr', 'double precision'],
  ['ci', 'double precision'],
  ['created_at', 'varchar(32)'],
  ['published', 'integer'],
] as const;

export async function migrate(db: Kysely<DB>, dialect: Dialect): Promise<void> {
  await db.connection().execute(async (conn) => {
    if (dialect === 'postgres') await sql`select pg_advisory_lock(${LOCK_KEY})`.execute(conn);
    else if (dialect === 'mysql') {
      const r = await sql<{ l: number | null }>`select get_lock(${LOCK_NAME}, 120) as l`.execute(conn);
      if (Number(r.rows[0]?.l) !== 1) throw new Error('timed out waiting for the schema migration lock');
    } else await sql`begin immediate`.execute(conn);
    try {
      await createOrUpgrade(conn, dialect);
      if (dialect === 'sqlite') await sql`commit`.execute(conn);
    } catch (err) {
      if (dialect === 'sqlite') await sql`rollback`.execute(conn).catch(() => undefined);
      throw err;
    } finally {
      if (dialect === 'postgres')
        await sql`select pg_advisory_unlock(${LOCK_KEY})`.execute(conn).catch(() => undefined);
      else if (dialect === 'mysql') await sql`select release_lock(${LOCK_NAME})`.execute(conn).catch(() => undefined);
    }
  });
}

async function createOrUpgrade(db: Kysely<DB>, dialect: Dialect): Promise<void> {
  const imageType = dialect === 'mysql' ? sql`longtext` : sql`text`;
  await db.schema
    .createTable('fractal')
    .ifNotExists()
    .addColumn('uuid', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('checksum', 'varchar(256)')
    .addColumn('url', 'varchar(256)')
    .addColumn('duration', 'double precision')
    .addColumn('size', 'bigint')
    .addColumn('width', 'integer', (c) => c.notNull())
    .addColumn('height', 'integer', (c) => c.notNull())
    .addColumn('iterations', 'integer', (c) => c.notNull())
    .addColumn('xa', 'double precision', (c) => c.notNull())
    .addColumn('xb', 'double precision', (c) => c.notNull())
    .addColumn('ya', 'double precision', (c) => c.notNull())
    .addColumn('yb', 'double precision', (c) => c.notNull())
    .addColumn('image', imageType)
    .addColumn('generated_by', 'varchar(256)')
    .addColumn('cr', 'double precision')
    .addColumn('ci', 'double precision')
    .addColumn('created_at', 'varchar(32)')
    .addColumn('published', 'integer')
    .execute();
  // A table created by the original faafo lacks the new columns.
  const tables = await db.introspection.getTables();
  const fractal = tables.find((t) => t.name === 'fractal');
  const have = new Set((fractal?.columns ?? []).map((c) => c.name));
  for (const [name, type] of NEW_COLUMNS) {
    if (!have.has(name)) await db.schema.alterTable('fractal').addColumn(name, type).execute();
  }
}
