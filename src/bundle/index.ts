// `faafo-stack bundle` as a library: build the self-contained service folder, pack it into a reproducible
// tarball with its sha256, and (optionally) upload it to Swift and make a TempURL the servers can download
// without credentials. The lifecycle's `create` calls bundle() when the templates need an app URL.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, writeFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../lib/errors.js';
import type { Cloud } from '../openstack/index.js';
import { buildBundle, type BuiltBundle } from './build.js';
import { tarGz, type TarEntry } from './tar.js';

export { buildBundle, packageRoot, SQLITE_MISSING } from './build.js';
export { nodeRequirement, type NodeRequirement } from './native.js';
export { tar, tarGz, archiveMtime } from './tar.js';

/** Top-level folder inside the tarball: `tar -xzf faafo.tar.gz -C /opt` gives /opt/faafo/bin/faafo. */
export const TAR_ROOT = 'faafo';
export const DEFAULT_TTL_S = 90 * 24 * 3600;

export interface BundleResult {
  /** the unpacked bundle folder (<out>/faafo) */
  dir: string;
  files: string[];
  version: string;
  /** <out>/faafo.tar.gz */
  tarball: string;
  sha256: string;
  size: number;
  /** where servers download it: the TempURL, the --app-url, or null when neither */
  url: string | null;
  /** TempURL expiry (ISO time) when uploaded */
  expires: string | null;
  container: string | null;
  object: string | null;
  uploaded: boolean;
}

export async function packBundle(built: BuiltBundle, tarball: string): Promise<{ sha256: string; size: number }> {
  const entries: TarEntry[] = [];
  const dirs = new Set<string>([`${TAR_ROOT}/`]);
  for (const f of built.files) {
    for (let d = path.posix.dirname(f); d !== '.'; d = path.posix.dirname(d)) dirs.add(`${TAR_ROOT}/${d}/`);
    const data = await readFile(path.join(built.dir, f));
    entries.push({ name: `${TAR_ROOT}/${f}`, data, mode: f.startsWith('bin/') ? 0o755 : 0o644 });
  }
  for (const name of dirs) entries.push({ name });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)); // code-point order: locale-independent
  const gz = tarGz(entries);
  await writeFile(tarball, gz);
  const sha256 = createHash('sha256').update(gz).digest('hex');
  await writeFile(`${tarball}.sha256`, `${sha256}  ${path.basename(tarball)}\n`);
  return { sha256, size: gz.length };
}

/** Object metadata that marks a bundle `create` uploaded (Swift lower-cases it on HEAD). */
export const MADE_FOR_STACK_HEADER = 'X-Object-Meta-Faafo-Made-By';

/** Upload (streamed; skipped when Swift already has the same bytes) and sign a GET TempURL. */
export async function uploadBundle(
  cloud: Cloud,
  opts: { tarball: string; sha256: string; container: string; object?: string; ttlS: number; forStack?: boolean },
): Promise<{ url: string; expires: string; object: string; uploaded: boolean }> {
  const object = opts.object ?? `faafo-${opts.sha256.slice(0, 16)}.tar.gz`;
  await cloud.swift.ensureContainer(opts.container);
  const head = await cloud.swift.headObject(opts.container, object);
  let uploaded = false;
  if (head?.['x-object-meta-sha256'] !== opts.sha256) {
    const { size } = await stat(opts.tarball);
    await cloud.swift.putObject(opts.container, object, createReadStream(opts.tarball), {
      contentType: 'application/gzip',
      contentLength: size,
      // made by create for a stack (not by `faafo-stack bundle`): the stack's delete or its next update may remove it
      headers: { 'X-Object-Meta-Sha256': opts.sha256, ...(opts.forStack ? { [MADE_FOR_STACK_HEADER]: 'create' } : {}) },
    });
    uploaded = true;
  }
  const t = await cloud.swift.tempUrl('GET', opts.container, object, opts.ttlS);
  return { url: t.url, expires: new Date(t.expires * 1000).toISOString(), object, uploaded };
}

/** `30d`, `12h`, `90m`, `3600s` or plain seconds. */
export function parseTtl(s: string): number {
  const m = /^(\d+)\s*([smhd]?)$/i.exec(s.trim());
  if (!m || Number(m[1]) <= 0) throw new UsageError(`--ttl ${s} is not a duration`, 'e.g. --ttl 90d, 12h, 3600');
  return Number(m[1]) * ({ '': 1, s: 1, m: 60, h: 3600, d: 86400 } as Record<string, number>)[m[2].toLowerCase()];
}

export interface BundleOptions {
  /** output folder (default .faafo/bundle) */
  out?: string;
  /** upload to this Swift container */
  container?: string;
  object?: string;
  ttlS?: number;
  /** the URL the servers download from, hosted by the user: no upload */
  appUrl?: string;
  /** the cloud for --container (connect() lazily, only when uploading) */
  cloud?: () => Promise<Cloud>;
  root?: string;
  minify?: boolean;
  /** uploaded by create for a stack: marked so that the stack's delete (or the update replacing it) removes it */
  forStack?: boolean;
}

export async function bundle(opts: BundleOptions = {}): Promise<BundleResult> {
  if (opts.container && opts.appUrl)
    throw new UsageError(
      '--container and --app-url exclude each other',
      'upload to Swift, or give the URL where you host the tarball',
    );
  if (opts.appUrl && !/^https?:\/\/\S+$/i.test(opts.appUrl))
    throw new UsageError(`--app-url must be an http(s) URL, got "${opts.appUrl}"`);
  if (opts.container && !/^[^/]{1,256}$/.test(opts.container))
    throw new UsageError(`--container "${opts.container}" is not a Swift container name (no "/", 1-256 characters)`);
  // Authenticate first: a wrong cloud or password should fail before a build is spent.
  let cloud: Cloud | undefined;
  if (opts.container) {
    if (!opts.cloud) throw new UsageError('--container needs a cloud (--os-cloud / OS_CLOUD)');
    cloud = await opts.cloud();
  }
  const out = path.resolve(opts.out ?? '.faafo/bundle');
  const built = await buildBundle({ outDir: path.join(out, TAR_ROOT), root: opts.root, minify: opts.minify });
  const tarball = path.join(out, 'faafo.tar.gz');
  const { sha256, size } = await packBundle(built, tarball);
  const result: BundleResult = {
    dir: built.dir,
    files: built.files,
    version: built.version,
    tarball,
    sha256,
    size,
    url: opts.appUrl ?? null,
    expires: null,
    container: null,
    object: null,
    uploaded: false,
  };
  if (cloud && opts.container) {
    const up = await uploadBundle(cloud, {
      tarball,
      sha256,
      container: opts.container,
      object: opts.object,
      ttlS: opts.ttlS ?? DEFAULT_TTL_S,
      forStack: opts.forStack,
    });
    Object.assign(result, {
      url: up.url,
      expires: up.expires,
      container: opts.container,
      object: up.object,
      uploaded: up.uploaded,
    });
  }
  return result;
}
