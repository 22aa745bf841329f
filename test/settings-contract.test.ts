// The service's settings contract (app/settings-contract.ts): THE redaction and THE scheme check, with the cases
// the functions it replaced each handled, and every environment variable the templates, local mode, the boot
// scripts and the help text name is one the contract declares.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveSettings, SettingsError } from '../app/config.js';
import { redact as dbRedact } from '../app/db/index.js';
import { HELP } from '../app/cli/help.js';
import {
  DECLARED_ENV,
  ENV_NAMES,
  isSecretEnv,
  lowerScheme,
  redactUrl,
  schemeOf,
  SETTINGS,
  type UrlKind,
} from '../app/settings-contract.js';
import { envLines } from '../src/templates/member.js';
import { allInOneEnv } from '../src/templates/all-in-one.js';
import { serviceEnv, type LocalOptions } from '../src/local/supervisor.js';
import { listenEnv } from '../src/local/procs.js';
import { localUpFlags } from '../src/local/options.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

test('redactUrl hides the password of every URL the old redaction functions handled, and leaves the rest', () => {
  const cases: [string, string][] = [
    // app/config.ts, app/queue/index.ts, app/queue/amqp.ts, src/local/supervisor.ts (the same expression)
    ['amqp://faafo:s3cret@10.0.0.5:5672/', 'amqp://faafo:***@10.0.0.5:5672/'],
    ['amqps://faafo:s3cret@mq.example:5671/vhost?heartbeat=10', 'amqps://faafo:***@mq.example:5671/vhost?heartbeat=10'],
    ['postgresql://faafo:pw@db:5432/faafo', 'postgresql://faafo:***@db:5432/faafo'],
    ['postgresql+psycopg2://faafo:pw@db/faafo', 'postgresql+psycopg2://faafo:***@db/faafo'],
    ['AMQP://U:P@H/', 'AMQP://U:***@H/'],
    ['amqp://:onlypass@h/', 'amqp://:***@h/'],
    // app/db/url.ts (not anchored on a scheme): SQLAlchemy drivers with `_`, and a leading space
    ['mysql+mysql_connector://root:secret@h/db', 'mysql+mysql_connector://root:***@h/db'],
    ['mysql://root:secret@h/db', 'mysql://root:***@h/db'],
    ['  mysql://root:secret@h/db', '  mysql://root:***@h/db'],
    ['//root:secret@h/db', '//root:***@h/db'],
    // a password holding @ (WHATWG URL reads user info up to the last @ before the path): hidden whole
    ['amqp://faafo:p@ss@h:5672/', 'amqp://faafo:***@h:5672/'],
    // nothing to hide
    ['amqp://faafo@h:5672/', 'amqp://faafo@h:5672/'],
    ['amqp://h:5672/', 'amqp://h:5672/'],
    ['http://10.0.0.7:8800/a@b', 'http://10.0.0.7:8800/a@b'],
    ['http://h:80/?user=a:b@c', 'http://h:80/?user=a:b@c'],
    ['sqlite:.faafo/faafo.sqlite', 'sqlite:.faafo/faafo.sqlite'],
    ['memory:', 'memory:'],
    ['file:/var/lib/faafo/images', 'file:/var/lib/faafo/images'],
    ['swift://faafo-images?auth_url=https://k:5000/v3', 'swift://faafo-images?auth_url=https://k:5000/v3'],
    ['', ''],
  ];
  for (const [url, want] of cases) {
    assert.equal(redactUrl(url), want, url);
    assert.equal(dbRedact(url), want, `db redact ${url}`); // app/db's redact is the same function
  }
});

test('schemeOf is the one scheme check: per kind, any case, SQLAlchemy drivers only for databases', () => {
  const cases: [UrlKind, string, string | undefined][] = [
    ['database', 'sqlite:.faafo/faafo.sqlite', 'sqlite'],
    ['database', 'sqlite:////var/lib/faafo/faafo.sqlite', 'sqlite'],
    ['database', 'postgresql://u@h/db', 'postgres'],
    ['database', 'postgres://u@h/db', 'postgres'],
    ['database', 'postgresql+psycopg2://u@h/db', 'postgres'],
    ['database', 'MYSQL+PYMYSQL://u@h/db', 'mysql'],
    ['database', 'mariadb://u@h/db', 'mysql'],
    ['database', 'oracle://u@h/db', undefined],
    ['database', 'no-scheme', undefined],
    ['queue', 'memory:', 'memory'],
    ['queue', 'memory:name', 'memory'],
    ['queue', 'sqlite:.faafo/queue.sqlite', 'sqlite'],
    ['queue', 'SQLITE:q.sqlite', 'sqlite'],
    ['queue', 'amqp://u:p@h:5672/', 'amqp'],
    ['queue', 'amqps://u:p@h:5671/', 'amqp'],
    ['queue', 'AMQP://h/', 'amqp'],
    ['queue', 'amqp:h', undefined], // amqp needs //HOST
    ['queue', 'amqp+x://h/', undefined],
    ['queue', 'redis://h/', undefined],
    ['queue', 'postgresql://h/db', undefined],
    ['image', 'file:.faafo/images', 'file'],
    ['image', 'file:///var/lib/faafo/images', 'file'],
    ['image', 'swift://container?x=1', 'swift'],
    ['image', 'Swift:container', 'swift'],
    ['image', 's3://bucket', undefined],
    ['api', 'http://10.0.0.7/', 'http'],
    ['api', 'HTTPS://lb.example', 'http'],
    ['api', 'http:10.0.0.7', undefined],
    ['api', 'ftp://h/', undefined],
  ];
  for (const [kind, url, want] of cases) assert.equal(schemeOf(kind, url), want, `${kind} ${url}`);
  assert.equal(lowerScheme(' SQLITE:Q.sqlite '), 'sqlite:Q.sqlite');
  assert.equal(lowerScheme('AMQP://U:P@H/'), 'amqp://U:P@H/');
});

test('resolveSettings takes the contract\'s schemes for each URL (messages redacted)', () => {
  const bad = (flags: Record<string, string>, re: RegExp) =>
    assert.throws(() => resolveSettings(flags, {}), (e: unknown) => e instanceof SettingsError && re.test(e.message));
  bad({ queueUrl: 'redis://u:secret@h/' }, /^queue-url "redis:\/\/u:\*\*\*@h\/" is not supported; use memory:/);
  bad({ imageUrl: 's3://bucket' }, /^image-url "s3:\/\/bucket" is not supported; use file:PATH or swift:/);
  bad({ endpointUrl: 'ftp://h' }, /^endpoint-url "ftp:\/\/h" is not supported; use http:\/\/HOST:PORT/);
  bad({ endpointUrl: 'http://' }, /^endpoint-url/);
  const s = resolveSettings({ queueUrl: 'AMQP://u:p@h/', imageUrl: 'FILE:x', endpointUrl: 'HTTP://h:1/' }, {});
  assert.equal(s.queueUrl, 'AMQP://u:p@h/');
  assert.equal(s.endpointUrl, 'HTTP://h:1');
});

test('the contract declares each setting once, and the secret ones as secrets', () => {
  const names = Object.values(SETTINGS).map((d) => d.env);
  assert.equal(new Set(names).size, names.length, 'an environment variable declared twice');
  for (const [k, d] of Object.entries(SETTINGS)) assert.equal(ENV_NAMES[k as keyof typeof ENV_NAMES], d.env);
  for (const n of ['FAAFO_RESULT_SECRET', 'FAAFO_API_KEY', 'FAAFO_DATABASE_URL', 'FAAFO_QUEUE_URL', 'OS_APPLICATION_CREDENTIAL_SECRET'])
    assert.ok(isSecretEnv(n), n);
  for (const n of ['PORT', 'FAAFO_HOST', 'FAAFO_ENDPOINT_URL', 'FAAFO_API_URL_CIDRS']) assert.ok(!isSecretEnv(n), n);
});

/** FAAFO_* and PORT names in a list of names (OS_* and others are not the service's to declare, but OK if they are). */
const serviceNames = (names: Iterable<string>) => [...names].filter((n) => /^(FAAFO_[A-Z0-9_]+|PORT)$/.test(n));

function assertDeclared(where: string, names: Iterable<string>): void {
  const all = [...names];
  assert.ok(all.length > 0, `${where}: no names found`);
  for (const n of all) assert.ok(DECLARED_ENV.has(n), `${where} writes ${n}, which app/settings-contract.ts does not declare`);
}

test('every name the templates write into a service\'s environment is declared', () => {
  assertDeclared('the API member', envLines('api').map((l) => l.name));
  assertDeclared('the worker member', envLines('worker').map((l) => l.name));
  assertDeclared('the all-in-one server', allInOneEnv().map((l) => l.name));
});

test('every name local mode passes to its processes, or reads as a flag, is declared', () => {
  const o = { databaseUrl: 'sqlite:a', queueUrl: 'sqlite:b', imageUrl: 'file:c', threads: 1 } as LocalOptions;
  assertDeclared('local mode', serviceNames(Object.keys(serviceEnv(o, 'http://127.0.0.1:8800'))));
  assertDeclared('local mode (API listeners)', Object.keys(listenEnv(8000)));
  const flagEnv = Object.values(localUpFlags)
    .map((f) => (f as { env?: string }).env)
    .filter((e): e is string => e !== undefined);
  assertDeclared('local up flags', flagEnv);
});

test('every FAAFO_*/PORT assignment in the boot scripts and the generated heat/ templates is declared', () => {
  const files = [
    ...readdirSync(path.join(root, 'src/templates/boot'))
      .filter((f) => f.endsWith('.hbs'))
      .map((f) => path.join(root, 'src/templates/boot', f)),
    ...readdirSync(path.join(root, 'heat'))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => path.join(root, 'heat', f)),
  ];
  const found = new Set<string>();
  for (const f of files) {
    for (const m of readFileSync(f, 'utf8').matchAll(/^\s*(FAAFO_[A-Z0-9_]+|PORT)=/gm)) found.add(m[1]!);
  }
  assertDeclared('the boot scripts', found);
});

test('every FAAFO_* name the service\'s --help mentions is declared', () => {
  const found = new Set<string>();
  for (const text of Object.values(HELP)) for (const m of text.matchAll(/\bFAAFO_[A-Z0-9_]*[A-Z0-9]\b/g)) found.add(m[0]);
  assertDeclared('faafo --help', found);
});
