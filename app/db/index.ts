// openRepository(url): the fractal table on SQLite (`sqlite:`), PostgreSQL (`postgresql://`) or MySQL/MariaDB
// (`mysql://`), chosen from the URL; one Kysely code path for all three. Runs the schema migration unless told not to.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, MysqlDialect, PostgresDialect, SqliteDialect } from 'kysely';
import { createPool } from 'mysql2';
import pg from 'pg';
import { SqlFractalRepository } from './repository.js';
import { ReadCache } from './read-cache.js';
import { cachingStatements } from './sqlite-statements.js';
import type { DB } from './schema.js';
import { parseDatabaseUrl } from './url.js';

export { SqlFractalRepository } from './repository.js';
export { DuplicateFractalError, DatabaseUrlError } from './errors.js';
export { parseDatabaseUrl, redact } from './url.js';

export interface OpenRepositoryOptions {
  /** Create/upgrade the schema now (default true). */
  migrate?: boolean;
  /** Pool size for PostgreSQL/MySQL (default 10). */
  poolSize?: number;
  /** Give up connecting after this long, so callers can answer 503 promptly (default 5000 ms). */
  connectTimeoutMs?: number;
}

export async function openRepository(url: string, opts: OpenRepositoryOptions = {}): Promise<SqlFractalRepository> {
  const target = parseDatabaseUrl(url);
  const poolSize = opts.poolSize ?? 10;
  const connectTimeout = opts.connectTimeoutMs ?? 5000;
  let db: Kysely<DB>;
  let cache: ReadCache | undefined;
  if (target.dialect === 'sqlite') {
    if (target.file !== ':memory:') mkdirSync(path.dirname(target.file), { recursive: true });
    const sqlite = new Database(target.file);
    // Several processes (API nodes, `faafo serve`) may share the file: wait for locks instead of failing.
    sqlite.pragma('busy_timeout = 10000');
    if (target.file !== ':memory:') sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    db = new Kysely<DB>({ dialect: new SqliteDialect({ database: cachingStatements(sqlite) }) });
    // Commits by other connections move data_version, this connection's own writes move total_changes(). Two
    // plain statements: the pragma_data_version table function prepares a PRAGMA statement on every run (twice the
    // cost of the read it guards), and total_changes() alone opens no read transaction.
    const dataVersion = sqlite.prepare('pragma data_version').pluck();
    const ownChanges = sqlite.prepare('select total_changes()').pluck();
    cache = new ReadCache(() => `${dataVersion.get() as number} ${ownChanges.get() as number}`);
  } else if (target.dialect === 'postgres') {
    const pool = new pg.Pool({
      connectionString: target.connectionString,
      max: poolSize,
      connectionTimeoutMillis: connectTimeout,
      idleTimeoutMillis: 10_000,
    });
    // An idle client whose server went away emits 'error'; the pool drops it and reconnects on next use.
    pool.on('error', () => undefined);
    // A client checked out when its server goes away emits 'error' too (its query is rejected anyway).
    pool.on('connect', (client) => client.on('error', () => undefined));
    db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  } else {
    const pool = createPool({
      uri: target.uri,
      connectionLimit: poolSize,
      connectTimeout,
      enableKeepAlive: true,
      maxIdle: poolSize,
      idleTimeout: 10_000,
    });
    // A pooled connection that loses its server is removed from the pool; keep later errors from crashing us.
    pool.on('connection', (conn) => conn.on('error', () => undefined));
    db = new Kysely<DB>({ dialect: new MysqlDialect({ pool }) });
  }
  const repo = new SqlFractalRepository(db, target.dialect, cache);
  if (opts.migrate !== false) {
    try {
      await repo.migrate();
    } catch (err) {
      await repo.close().catch(() => undefined);
      throw err;
    }
  }
  return repo;
}
