// Parses a database URL into the backend to use. faafo/SQLAlchemy spellings are accepted too
// (`sqlite:////abs`, `mysql+pymysql://`, `postgresql+psycopg2://`).
import path from 'node:path';
import { redactUrl, URL_SCHEMES } from '../settings-contract.js';
import { DatabaseUrlError } from './errors.js';

export type DatabaseTarget =
  | { dialect: 'sqlite'; file: string /* absolute path or ':memory:' */ }
  | { dialect: 'postgres'; connectionString: string }
  | { dialect: 'mysql'; uri: string };

export function parseDatabaseUrl(url: string, cwd = process.cwd()): DatabaseTarget {
  const m = /^([a-z][a-z0-9]*)(\+[a-z0-9_]+)?:(.*)$/i.exec(url.trim());
  if (!m)
    throw new DatabaseUrlError(
      `database URL "${redact(url)}" has no scheme; use sqlite:PATH, postgresql://… or mysql://…`,
    );
  const scheme = m[1]!.toLowerCase();
  const rest = m[3]!;
  const dialect = Object.hasOwn(URL_SCHEMES.database, scheme)
    ? URL_SCHEMES.database[scheme as keyof typeof URL_SCHEMES.database]
    : undefined;
  if (dialect === 'sqlite') {
    if (rest === ':memory:' || rest === '' || rest === '//' || rest === '///:memory:')
      return { dialect: 'sqlite', file: ':memory:' };
    // sqlite:///abs/path and sqlite:////abs/path (faafo style) are both absolute; sqlite:rel/path is relative.
    let p = rest.startsWith('//') ? rest.slice(2) : rest;
    if (rest.startsWith('//') && !p.startsWith('/')) {
      throw new DatabaseUrlError(
        `database URL "${url}" names a host; use sqlite:relative/path or sqlite:///absolute/path`,
      );
    }
    p = p.replace(/^\/+/, '/');
    return { dialect: 'sqlite', file: path.resolve(cwd, decodeURIComponent(p)) };
  }
  const scrubbed = `${scheme}:${rest}`;
  if (dialect === 'postgres') return { dialect: 'postgres', connectionString: scrubbed };
  if (dialect === 'mysql') return { dialect: 'mysql', uri: `mysql:${rest}` };
  throw new DatabaseUrlError(
    `database URL scheme "${scheme}:" is not supported; use sqlite:, postgresql:// or mysql://`,
  );
}

/** The URL with any password replaced, for messages and logs (the settings contract's redactUrl). */
export const redact = redactUrl;
