// Isolated slices of this machine's real services for one test: a RabbitMQ vhost, a PostgreSQL database, a
// MariaDB database. Parallel test files cannot see each other's `tasks`/`normal` queue or `fractal` table.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import mysql from 'mysql2/promise';

const suffix = () => `${process.pid}_${randomBytes(3).toString('hex')}`;

export interface Disposable<T> {
  value: T;
  dispose(): Promise<void>;
}

/** A fresh RabbitMQ vhost with guest permissions; returns its amqp:// URL. */
export async function freshVhost(): Promise<Disposable<string>> {
  const name = `faafo_test_${suffix()}`;
  execFileSync('rabbitmqctl', ['-q', 'add_vhost', name]);
  execFileSync('rabbitmqctl', ['-q', 'set_permissions', '-p', name, 'guest', '.*', '.*', '.*']);
  return {
    value: `amqp://guest:guest@127.0.0.1:5672/${name}`,
    dispose: async () => {
      try {
        execFileSync('rabbitmqctl', ['-q', 'delete_vhost', name]);
      } catch {
        /* already gone */
      }
    },
  };
}

/** A fresh PostgreSQL database on 127.0.0.1 (trust auth); returns its postgresql:// URL. */
export async function freshPostgres(): Promise<Disposable<string>> {
  const name = `faafo_test_${suffix()}`;
  const admin = new pg.Client({ host: '127.0.0.1', user: 'postgres', database: 'postgres' });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    value: `postgresql://postgres@127.0.0.1:5432/${name}`,
    dispose: async () => {
      const c = new pg.Client({ host: '127.0.0.1', user: 'postgres', database: 'postgres' });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A fresh MariaDB database on 127.0.0.1 (root, no password); returns its mysql:// URL. */
export async function freshMysql(): Promise<Disposable<string>> {
  const name = `faafo_test_${suffix()}`;
  const c = await mysql.createConnection({ host: '127.0.0.1', user: 'root' });
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  return {
    value: `mysql://root@127.0.0.1:3306/${name}`,
    dispose: async () => {
      const d = await mysql.createConnection({ host: '127.0.0.1', user: 'root' });
      await d.query(`DROP DATABASE IF EXISTS ${name}`);
      await d.end();
    },
  };
}
