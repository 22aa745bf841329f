// PRIVATE RabbitMQ and PostgreSQL instances for fault tests that stop and restart a dependency. The machine's
// shared services must never be restarted (other tests use them in parallel), so these run their own node/cluster
// on free ports in a temp dir. RabbitMQ runs as its own user (rabbitmq-server switches to it); PostgreSQL's
// initdb/pg_ctl refuse root, so they run as the postgres user when we are root.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { until } from './poll.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

export interface PrivateService {
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  dispose(): Promise<void>;
}

/** A private RabbitMQ node (own name, ports, data dir); guest/guest on vhost "/". */
export async function privateRabbit(): Promise<PrivateService> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faafo-rmq-'));
  fs.chmodSync(dir, 0o777);
  fs.writeFileSync(path.join(dir, 'plugins'), '[].\n');
  const node = `faafo-t-${randomBytes(4).toString('hex')}@localhost`;
  const port = await freePort();
  let dist = await freePort();
  while (dist === port) dist = await freePort();
  const env = {
    ...process.env,
    RABBITMQ_NODENAME: node,
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(dist),
    RABBITMQ_MNESIA_BASE: path.join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: path.join(dir, 'log'),
    RABBITMQ_PID_FILE: path.join(dir, 'pid'),
    RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, 'plugins'),
    RABBITMQ_CONFIG_FILE: path.join(dir, 'rabbitmq'),
  };
  const start = async () => {
    execFileSync('rabbitmq-server', ['-detached'], { env, stdio: 'ignore' });
    await until(
      () =>
        spawnSync('rabbitmqctl', ['-n', node, '-q', 'await_startup'], { stdio: 'ignore', timeout: 60000 }).status === 0,
      `private RabbitMQ ${node} to start`,
      120000,
      500,
    );
    await until(() => portOpen(port), `private RabbitMQ port ${port}`, 60000, 200);
  };
  const stop = async () => {
    spawnSync('rabbitmqctl', ['-n', node, '-q', 'stop'], { stdio: 'ignore', timeout: 120000 });
    await until(async () => !(await portOpen(port)), `private RabbitMQ port ${port} to close`, 60000, 200);
  };
  await start();
  return {
    url: `amqp://guest:guest@127.0.0.1:${port}/`,
    port,
    start,
    stop,
    dispose: async () => {
      await stop().catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

const PG_BIN = '/usr/lib/postgresql/15/bin';

/** A private PostgreSQL cluster on a free port (trust auth, user postgres, database postgres). */
export async function privatePostgres(): Promise<PrivateService> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faafo-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) execFileSync('chown', ['postgres', dir]);
  const port = await freePort();
  const run = (cmd: string, args: string[]) => {
    const r = asRoot
      ? spawnSync('su', ['postgres', '-s', '/bin/sh', '-c', [cmd, ...args].map((a) => `'${a}'`).join(' ')], {
          encoding: 'utf8',
        })
      : spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.status !== 0)
      throw new Error(`${path.basename(cmd)} failed: ${(r.stderr || r.stdout).trim().split('\n')[0]}`);
  };
  const data = path.join(dir, 'data');
  run(`${PG_BIN}/initdb`, ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const start = async () => {
    run(`${PG_BIN}/pg_ctl`, ['-D', data, '-o', opts, '-l', path.join(dir, 'log'), '-w', '-t', '120', 'start']);
    await until(() => portOpen(port), `private PostgreSQL port ${port}`, 60000, 200);
  };
  const stop = async () => {
    run(`${PG_BIN}/pg_ctl`, ['-D', data, '-m', 'fast', '-w', '-t', '120', 'stop']);
  };
  await start();
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    port,
    start,
    stop,
    dispose: async () => {
      await stop().catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
