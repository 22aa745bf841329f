// The service settings accept exactly the database URLs the database layer opens (one definition, app/db/url.ts):
// SQLAlchemy spellings such as `mysql+pymysql://` that faafo's own config files use are settings too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveSettings, SettingsError } from '../app/config.js';
import { parseDatabaseUrl } from '../app/db/url.js';

const SPELLINGS = [
  'sqlite:.faafo/faafo.sqlite',
  'sqlite:////var/lib/faafo/faafo.sqlite',
  'sqlite:///tmp/faafo.sqlite',
  'sqlite::memory:',
  'mysql://faafo:secret@db/faafo',
  'mysql+pymysql://faafo:secret@db/faafo',
  'mariadb://faafo@db/faafo',
  'postgresql://faafo@db/faafo',
  'postgres://faafo@db/faafo',
  'postgresql+psycopg2://faafo:secret@db/faafo',
  'MYSQL+PYMYSQL://faafo@db/faafo',
  'oracle://scott:tiger@db/orcl',
  'mssql+pyodbc://sa@db/faafo',
  'sqlite://host/relative.sqlite',
  'db.sqlite',
  '',
];

const accepts = (fn: () => unknown) => {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
};

test('settings and the database layer agree on every spelling', () => {
  for (const url of SPELLINGS) {
    const layer = accepts(() => parseDatabaseUrl(url));
    const settings = accepts(() => resolveSettings({ databaseUrl: url || ' ' }, {}));
    assert.equal(settings, layer, `${JSON.stringify(url)}: settings ${settings}, database layer ${layer}`);
  }
});

test("faafo's SQLAlchemy URLs are accepted settings (issue 11, item 16)", () => {
  for (const url of ['mysql+pymysql://faafo:secret@db/faafo', 'postgresql+psycopg2://faafo@db/faafo']) {
    assert.equal(resolveSettings({ databaseUrl: url }, {}).databaseUrl, url);
    assert.equal(resolveSettings({}, { FAAFO_DATABASE_URL: url }).databaseUrl, url);
  }
});

test('an unsupported database URL is one line naming the setting, without the password', () => {
  assert.throws(
    () => resolveSettings({ databaseUrl: 'oracle://scott:tiger@db/orcl' }, {}),
    (err: Error) =>
      err instanceof SettingsError &&
      /^database-url: database URL scheme "oracle:" is not supported/.test(err.message) &&
      !err.message.includes('tiger') &&
      !err.message.includes('\n'),
  );
  assert.throws(
    () => resolveSettings({ databaseUrl: 'nothing-here:x:y@z' }, {}),
    (err: Error) => err instanceof SettingsError && !err.message.includes('\n'),
  );
});
