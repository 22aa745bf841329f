// FractalRepository against the real databases of this machine: the same assertions on SQLite, PostgreSQL and
// MariaDB, concurrent migrations, upgrade of an original faafo table, and recovery after the database comes back.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import mysql from 'mysql2/promise';
import { openRepository, parseDatabaseUrl, DuplicateFractalError, DatabaseUrlError, redact } from '../app/db/index.js';
import type { SqlFractalRepository } from '../app/db/repository.js';
import type { Fractal } from '../app/types.js';
import { freshMysql, freshPostgres, type Disposable } from './helpers/services.js';
import { startTcpProxy, viaPort } from './helpers/tcp-proxy.js';

const repoRoot = path.resolve(import.meta.dirname, '..');

/** Opens (and so migrates) the repository in a separate process, like one more API node starting. */
function migrateInChild(url: string): Promise<number | null> {
  const mod = pathToFileURL(path.join(repoRoot, 'app/db/index.ts')).href;
  const code = `import { openRepository } from ${JSON.stringify(mod)};
    const r = await openRepository(process.env.DB_URL); await r.close();`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      env: { ...process.env, DB_URL: url },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('exit', (c) => resolve(c));
  });
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'faafo-db-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function fractal(over: Partial<Fractal> = {}): Fractal {
  return {
    uuid: randomUUID(),
    checksum: null,
    url: null,
    duration: null,
    size: null,
    width: 320,
    height: 200,
    iterations: 256,
    xa: -1.5,
    xb: 1.5,
    ya: -1.25,
    yb: 1.25,
    generated_by: null,
    cr: null,
    ci: null,
    ...over,
  };
}

const backends: { name: string; make: () => Promise<Disposable<string>> }[] = [
  {
    name: 'sqlite',
    make: async () => ({ value: `sqlite:${path.join(tmp, `${randomUUID()}.sqlite`)}`, dispose: async () => undefined }),
  },
  { name: 'postgresql', make: freshPostgres },
  { name: 'mariadb', make: freshMysql },
];

for (const b of backends) {
  describe(`repository on ${b.name}`, { timeout: 120_000 }, () => {
    let dbUrl: Disposable<string>;
    before(async () => {
      dbUrl = await b.make();
    });
    after(async () => {
      await dbUrl.dispose();
    });

    test('several API nodes (processes) migrating at once all succeed, and again on restart', async () => {
      const results = await Promise.all([1, 2, 3, 4].map(() => migrateInChild(dbUrl.value)));
      assert.deepEqual(results, [0, 0, 0, 0]);
      const repo = await openRepository(dbUrl.value);
      await repo.migrate();
      assert.equal((await repo.list(0, 1)).total, 0);
      await repo.close();
    });

    test('listRendered: newest first; rows of the original faafo (no created_at) last; pending rows never', async () => {
      const repo = (await openRepository(dbUrl.value)) as SqlFractalRepository;
      try {
        const uuids: string[] = [];
        for (let i = 0; i < 4; i++) {
          const before = Date.now();
          while (Date.now() <= before) await new Promise((r) => setImmediate(r)); // distinct milliseconds
          const row = fractal();
          await repo.insert(row);
          if (i < 3) await repo.update(row.uuid, { checksum: String(i).repeat(64), size: 10 + i });
          uuids.push(row.uuid);
        }
        // The oldest row as the original faafo left it: no created_at.
        await repo.db.updateTable('fractal').set({ created_at: null }).where('uuid', '=', uuids[0]!).execute();
        const page = await repo.listRendered(0, 100);
        const mine = page.rows.map((r) => r.uuid).filter((u) => uuids.includes(u));
        assert.deepEqual(mine, [uuids[2], uuids[1], uuids[0]]);
        assert.deepEqual(
          (await repo.listRendered(1, 1)).rows.map((r) => r.uuid),
          [page.rows[1]!.uuid],
          'offsets follow the same order',
        );
      } finally {
        await repo.close();
      }
    });

    test('insert, get, list by uuid, update, counts, delete', async () => {
      const repo = await openRepository(dbUrl.value);
      try {
        const rows = [0, 1, 2, 3, 4, 5, 6].map(() => fractal({ cr: -0.8, ci: 0.156 }));
        for (const r of rows) await repo.insert(r);
        const got = await repo.get(rows[0]!.uuid);
        assert.deepEqual(got, rows[0]);
        assert.equal(await repo.get(randomUUID()), undefined);

        const sorted = rows.map((r) => r.uuid).sort();
        const p1 = await repo.list(0, 3);
        assert.ok(p1.total >= 7);
        const all = await repo.list(0, 1000);
        const mine = all.rows.map((r) => r.uuid).filter((u) => sorted.includes(u));
        assert.deepEqual(mine, sorted, 'list is ordered by uuid ascending');
        assert.deepEqual(
          (await repo.list(2, 3)).rows.map((r) => r.uuid),
          all.rows.slice(2, 5).map((r) => r.uuid),
        );

        const before = await repo.counts();
        const big = 3_000_000_000; // beyond 32 bits: `size` is a bigint column
        const updated = await repo.update(rows[1]!.uuid, {
          checksum: 'a'.repeat(64),
          size: big,
          duration: 1.25,
          generated_by: 'worker-1',
        });
        assert.equal(updated?.size, big);
        assert.equal(updated?.duration, 1.25);
        assert.equal(updated?.generated_by, 'worker-1');
        assert.equal(typeof updated?.width, 'number');
        const afterCounts = await repo.counts();
        assert.equal(afterCounts.done, before.done + 1);
        assert.equal(afterCounts.pending, before.pending - 1);
        const rendered = await repo.listRendered(0, 100);
        assert.deepEqual(
          rendered.rows.map((r) => r.uuid).filter((u) => rows.some((x) => x.uuid === u)),
          [rows[1]!.uuid],
        );
        assert.equal(await repo.update(randomUUID(), { size: 1 }), undefined);

        await assert.rejects(repo.insert(rows[2]!), DuplicateFractalError);

        // Compare-and-set of results: only one of two racing writers wins; the winner's value can be replaced
        // only by naming it.
        const cas = rows[5]!.uuid;
        const first = { checksum: 'b'.repeat(64), size: 10, duration: 1, generated_by: 'w1' };
        const second = { checksum: 'c'.repeat(64), size: 20, duration: 2, generated_by: 'w2' };
        assert.equal(await repo.updateIfChecksum(cas, null, first), true);
        assert.equal(await repo.updateIfChecksum(cas, null, second), false);
        assert.equal((await repo.get(cas))?.checksum, first.checksum);
        assert.equal(await repo.updateIfChecksum(cas, 'd'.repeat(64), second), false);
        assert.equal(await repo.updateIfChecksum(cas, first.checksum, second), true);
        assert.equal((await repo.get(cas))?.size, 20);
        assert.equal(await repo.updateIfChecksum(randomUUID(), null, first), false);
        await repo.update(cas, { checksum: null, size: null, duration: null, generated_by: null });

        assert.equal(await repo.getLegacyImage(rows[3]!.uuid), undefined);
        const b64 = Buffer.from('not really a png').toString('base64');
        await repo.setLegacyImage(rows[3]!.uuid, b64);
        assert.equal(await repo.getLegacyImage(rows[3]!.uuid), b64);

        assert.equal(await repo.delete(rows[4]!.uuid), true);
        assert.equal(await repo.delete(rows[4]!.uuid), false);
        assert.equal(await repo.get(rows[4]!.uuid), undefined);
        await repo.ping();
      } finally {
        await repo.close();
      }
    });

    test("reads see every write at once, this node's and another node's (SQLite keeps answers until one)", async () => {
      const reader = await openRepository(dbUrl.value);
      const writer = await openRepository(dbUrl.value);
      try {
        const row = fractal();
        const total = async () => (await reader.list(0, 5)).total;
        const n = await total();
        assert.equal(await reader.get(row.uuid), undefined);
        await writer.insert(row);
        assert.equal(await total(), n + 1, "another connection's insert is counted");
        assert.deepEqual(await reader.get(row.uuid), row);
        assert.equal((await reader.listRendered(0, 1000)).rows.filter((r) => r.uuid === row.uuid).length, 0);
        await writer.update(row.uuid, { checksum: 'e'.repeat(64), size: 7 });
        assert.equal((await reader.get(row.uuid))?.size, 7, "another connection's update is seen");
        assert.equal((await reader.listRendered(0, 1000)).rows.filter((r) => r.uuid === row.uuid).length, 1);
        // Answers are read-only (one object is shared while nothing changes): changing one throws, and changes
        // nothing for the next caller.
        const got = (await reader.get(row.uuid))!;
        assert.throws(() => (got.size = 999), TypeError);
        const listed = await reader.list(0, 1000);
        assert.throws(() => listed.rows.forEach((r) => (r.width = -1)), TypeError);
        assert.throws(() => listed.rows.push(row), TypeError);
        assert.throws(() => (listed.total = 0), TypeError);
        assert.equal((await reader.get(row.uuid))?.size, 7);
        assert.ok((await reader.list(0, 1000)).rows.every((r) => r.width > 0));
        // This connection's own writes.
        await reader.update(row.uuid, { generated_by: 'me' });
        assert.equal((await reader.get(row.uuid))?.generated_by, 'me');
        assert.equal(await writer.delete(row.uuid), true);
        assert.equal(await reader.get(row.uuid), undefined, "another connection's delete is seen");
        assert.equal(await total(), n);
        const mine = fractal();
        await reader.insert(mine);
        assert.equal(await total(), n + 1, 'own insert is counted');
      } finally {
        await reader.close();
        await writer.close();
      }
    });

    test('rows whose task was never confirmed are found for re-publishing', async () => {
      const repo = await openRepository(dbUrl.value);
      try {
        const a = fractal();
        const b2 = fractal();
        await repo.insert(a);
        await repo.insert(b2);
        await repo.markPublished(b2.uuid);
        const later = new Date(Date.now() + 60_000);
        const un = (await repo.listUnpublished(later, 1000)).map((r) => r.uuid);
        assert.ok(un.includes(a.uuid));
        assert.ok(!un.includes(b2.uuid));
        const earlier = new Date(Date.now() - 60_000);
        assert.ok(!(await repo.listUnpublished(earlier, 1000)).some((r) => r.uuid === a.uuid));
      } finally {
        await repo.close();
      }
    });
  });
}

describe('upgrading a table created by the original faafo', { timeout: 120_000 }, () => {
  const legacyDdl = (blob: string) =>
    `CREATE TABLE fractal (uuid VARCHAR(36) NOT NULL PRIMARY KEY, checksum VARCHAR(256) UNIQUE, url VARCHAR(256),
     duration FLOAT, size INTEGER, width INTEGER NOT NULL, height INTEGER NOT NULL, iterations INTEGER NOT NULL,
     xa FLOAT NOT NULL, xb FLOAT NOT NULL, ya FLOAT NOT NULL, yb FLOAT NOT NULL, image ${blob}, generated_by VARCHAR(256))`;
  const legacyInsert = `INSERT INTO fractal (uuid, checksum, size, duration, width, height, iterations, xa, xb, ya, yb, image, generated_by)
     VALUES ('00000000-0000-4000-8000-000000000001', 'abc', 3, 0.5, 10, 10, 64, -1, 1, -1, 1, 'QUJD', 'old-worker')`;

  async function check(url: string) {
    const repo = await openRepository(url);
    try {
      const row = await repo.get('00000000-0000-4000-8000-000000000001');
      assert.equal(row?.generated_by, 'old-worker');
      assert.equal(row?.cr, null);
      assert.equal(await repo.getLegacyImage(row!.uuid), 'QUJD');
      const n = fractal();
      await repo.insert(n);
      assert.ok((await repo.listUnpublished(new Date(Date.now() + 1000), 100)).some((r) => r.uuid === n.uuid));
      assert.ok(!(await repo.listUnpublished(new Date(Date.now() + 1000), 100)).some((r) => r.uuid === row!.uuid));
    } finally {
      await repo.close();
    }
  }

  test('sqlite (LargeBinary)', async () => {
    const file = path.join(tmp, 'legacy.sqlite');
    const d = new Database(file);
    d.exec(legacyDdl('BLOB'));
    d.exec(legacyInsert);
    d.close();
    await check(`sqlite:////${file.replace(/^\//, '')}`);
  });

  test('postgresql (bytea)', async () => {
    const db = await freshPostgres();
    try {
      const c = new pg.Client({ connectionString: db.value });
      await c.connect();
      await c.query(legacyDdl('BYTEA').replace(/FLOAT/g, 'DOUBLE PRECISION'));
      await c.query(legacyInsert.replace("'QUJD'", "'QUJD'::bytea"));
      await c.end();
      await check(db.value);
    } finally {
      await db.dispose();
    }
  });

  test('mariadb (MEDIUMBLOB)', async () => {
    const db = await freshMysql();
    try {
      const c = await mysql.createConnection(db.value);
      await c.query(legacyDdl('MEDIUMBLOB'));
      await c.query(legacyInsert);
      await c.end();
      await check(db.value);
    } finally {
      await db.dispose();
    }
  });
});

describe('database URLs', () => {
  test('sqlite spellings', () => {
    assert.deepEqual(parseDatabaseUrl('sqlite::memory:'), { dialect: 'sqlite', file: ':memory:' });
    assert.deepEqual(parseDatabaseUrl('sqlite:////tmp/sqlite.db'), { dialect: 'sqlite', file: '/tmp/sqlite.db' });
    assert.deepEqual(parseDatabaseUrl('sqlite:///tmp/x.db'), { dialect: 'sqlite', file: '/tmp/x.db' });
    assert.deepEqual(parseDatabaseUrl('sqlite:.faafo/faafo.sqlite', '/srv'), {
      dialect: 'sqlite',
      file: '/srv/.faafo/faafo.sqlite',
    });
  });
  test('server spellings, including SQLAlchemy driver suffixes', () => {
    assert.equal(parseDatabaseUrl('postgresql://u@h/db').dialect, 'postgres');
    assert.equal(parseDatabaseUrl('postgres://u@h/db').dialect, 'postgres');
    assert.deepEqual(parseDatabaseUrl('mysql+pymysql://faafo:pw@h/faafo'), {
      dialect: 'mysql',
      uri: 'mysql://faafo:pw@h/faafo',
    });
  });
  test('bad URLs are one clear error without the password', () => {
    assert.throws(() => parseDatabaseUrl('oracle://scott:tiger@h/db'), DatabaseUrlError);
    assert.throws(() => parseDatabaseUrl('no-scheme'), /no scheme/);
    assert.equal(redact('mysql://root:secret@h/db'), 'mysql://root:***@h/db');
  });
});

describe('recovery when the database comes back', { timeout: 180_000 }, () => {
  for (const [name, make, port] of [
    ['postgresql', freshPostgres, 5432],
    ['mariadb', freshMysql, 3306],
  ] as const) {
    test(name, async () => {
      const db = await make();
      const proxy = await startTcpProxy(port);
      const repo = await openRepository(viaPort(db.value, proxy.port), { connectTimeoutMs: 2000 });
      try {
        await repo.insert(fractal());
        await proxy.down();
        await assert.rejects(repo.list(0, 10));
        await assert.rejects(repo.ping());
        await proxy.up();
        // The pool drops the dead connections and opens new ones by itself.
        let ok = false;
        for (let i = 0; i < 60 && !ok; i++) {
          ok = await repo.ping().then(
            () => true,
            () => false,
          );
          if (!ok) await new Promise((r) => setTimeout(r, 250));
        }
        assert.ok(ok, 'the repository answers again');
        assert.ok((await repo.list(0, 10)).total >= 1);
      } finally {
        await repo.close();
        await proxy.close();
        await db.dispose();
      }
    });
  }
});
