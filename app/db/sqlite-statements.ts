// better-sqlite3 behind Kysely with its prepared statements kept: Kysely's SQLite driver prepares every query
// again, and preparing costs more than running a lookup by key. Statements are kept per SQL text (a bounded,
// least-recently-used set: the repository's queries are a few dozen shapes).
import type Database from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

export function cachingStatements(db: Database.Database, max = 200): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => {
      cache.clear();
      db.close();
    },
    prepare(sql: string): SqliteStatement {
      let stmt = cache.get(sql);
      if (stmt) {
        // Most recently used last, so the first key is the one to drop.
        cache.delete(sql);
      } else {
        stmt = db.prepare(sql);
        if (cache.size >= max) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, stmt);
      return stmt;
    },
  };
}
