// Cloud configuration resolved the way openstacksdk (and so the `openstack` CLI) does it:
//  - clouds.yaml: OS_CLIENT_CONFIG_FILE first, then clouds.{yaml,yml,json} in the current directory,
//    $XDG_CONFIG_HOME/openstack (default ~/.config/openstack), /etc/openstack; the FIRST file found is used.
//  - secure.yaml: OS_CLIENT_SECURE_FILE, then secure.{yaml,yml,json} in the same directories; first found is
//    deep-merged over the clouds (secrets kept apart from the shareable file).
//  - the `envvars` cloud (name: OS_CLOUD_NAME, default "envvars") made of every OS_* variable (OS_AUTH_URL ->
//    auth_url ...), unless the only OS_* variables are selectors (OS_CLOUD, OS_REGION_NAME, OS_CLIENT_*_FILE).
//  - which cloud: the explicit name (--os-cloud), else OS_CLOUD, else the envvars cloud, else the only cloud.
//  - like `openstack --os-*` options (whose defaults are the OS_* variables), OS_* auth/region/interface/TLS
//    variables override the chosen file cloud's values.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { load as loadYaml } from 'js-yaml';
import { UsageError } from '../lib/errors.js';

export type AuthType = 'password' | 'v3applicationcredential' | 'token';

export interface CloudConfig {
  /** cloud name as chosen (e.g. faafo-local, envvars) */
  name: string;
  authType: AuthType;
  /** auth section: auth_url, username/user_id, password, project_*, *_domain_*, application_credential_*, token */
  auth: Record<string, string>;
  regionName?: string;
  /** public (default), internal or admin; per service `<service_type>_interface` overrides it */
  interface: string;
  /** false = do not verify TLS certificates (verify: false / insecure: true / OS_INSECURE) */
  verify: boolean;
  cacert?: string;
  cert?: string;
  key?: string;
  /** seconds; api_timeout / OS_API_TIMEOUT */
  apiTimeout?: number;
  /** the whole merged cloud dict (for `<service>_endpoint_override`, `<service>_interface`, ...) */
  raw: Record<string, unknown>;
  /** files actually read */
  files: { clouds?: string; secure?: string };
}

export interface LoadOptions {
  cloud?: string;
  region?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** home directory (default: env.HOME, then os.homedir()) */
  home?: string;
  /** the directories searched, in order (default: cwd, ~/.config/openstack, /etc/openstack); injectable for tests */
  searchDirs?: string[];
}

type Dict = Record<string, unknown>;

const SUFFIXES = ['.yaml', '.yml', '.json'];
/** OS_* variables that only select or locate, never make an envvars cloud on their own. */
const SELECTORS = new Set([
  'OS_CLOUD',
  'OS_REGION_NAME',
  'OS_CLIENT_CONFIG_FILE',
  'OS_CLIENT_SECURE_FILE',
  'OS_CLOUD_NAME',
]);
/** Keys that belong in `auth:` even when given at the top level of a cloud or as OS_* variables. */
const AUTH_KEYS = new Set([
  'auth_url',
  'username',
  'user_id',
  'password',
  'project_name',
  'project_id',
  'tenant_name',
  'tenant_id',
  'user_domain_name',
  'user_domain_id',
  'project_domain_name',
  'project_domain_id',
  'domain_name',
  'domain_id',
  'default_domain',
  'application_credential_id',
  'application_credential_name',
  'application_credential_secret',
  'token',
  'system_scope',
  'trust_id',
]);
const AUTH_TYPES: Record<string, AuthType> = {
  password: 'password',
  v3password: 'password',
  v3applicationcredential: 'v3applicationcredential',
  applicationcredential: 'v3applicationcredential',
  application_credential: 'v3applicationcredential',
  token: 'token',
  v3token: 'token',
};

export function defaultSearchDirs(env: NodeJS.ProcessEnv, cwd: string, home: string): string[] {
  const xdg = env.XDG_CONFIG_HOME || path.join(home, '.config');
  return [cwd, path.join(xdg, 'openstack'), '/etc/openstack'];
}

function candidates(base: 'clouds' | 'secure', dirs: string[], envFile?: string): string[] {
  const list = dirs.flatMap((d) => SUFFIXES.map((s) => path.join(d, base + s)));
  return envFile ? [envFile, ...list] : list;
}

function readConfigFile(file: string): Dict {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    const doc = file.endsWith('.json') ? JSON.parse(text) : loadYaml(text);
    return doc && typeof doc === 'object' ? (doc as Dict) : {};
  } catch (e) {
    throw new UsageError(
      `${file} is not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${String((e as Error).message).split('\n')[0]}`,
    );
  }
}

function firstExisting(files: string[]): string | undefined {
  return files.find((f) => existsSync(f));
}

function isObject(v: unknown): v is Dict {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** Deep merge (objects recursively, anything else replaced), as openstacksdk's secure.yaml merge. */
export function deepMerge(base: Dict, over: Dict): Dict {
  const out: Dict = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isObject(v) && isObject(out[k]) ? deepMerge(out[k], v) : v;
  return out;
}

/** openstacksdk's envvars cloud: every OS_* variable, lower-cased without the prefix; undefined if only selectors. */
export function envvarsCloud(env: NodeJS.ProcessEnv): Record<string, string> | undefined {
  const keys = Object.keys(env).filter(
    (k) =>
      k.startsWith('OS_') &&
      !k.startsWith('OS_TEST') &&
      !k.startsWith('OS_STD') &&
      !k.startsWith('OS_LOG') &&
      env[k] !== undefined,
  );
  if (!keys.some((k) => !SELECTORS.has(k))) return undefined;
  const out: Record<string, string> = {};
  for (const k of keys) out[k.slice(3).toLowerCase()] = String(env[k]);
  return out;
}

function bool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === undefined || v === null || v === '') return undefined;
  const s = String(v).toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(s)) return true;
  if (['0', 'false', 'no', 'off'].includes(s)) return false;
  return undefined;
}

/** Normalise one cloud dict: dashes -> underscores, auth keys into `auth`, tenant -> project, domain_* spreading. */
export function normalizeCloud(raw: Dict): Dict {
  const c: Dict = {};
  for (const [k, v] of Object.entries(raw)) c[k.replace(/-/g, '_')] = v;
  const auth: Dict = {};
  for (const [k, v] of Object.entries(isObject(c.auth) ? c.auth : {})) auth[k.replace(/-/g, '_')] = v;
  for (const k of Object.keys(c)) {
    if (AUTH_KEYS.has(k)) {
      if (auth[k] === undefined) auth[k] = c[k];
      delete c[k];
    }
  }
  if (c.auth_plugin && !c.auth_type) c.auth_type = c.auth_plugin;
  for (const [old, neu] of [
    ['tenant_name', 'project_name'],
    ['tenant_id', 'project_id'],
  ] as const) {
    if (auth[old] !== undefined && auth[neu] === undefined) auth[neu] = auth[old];
    delete auth[old];
  }
  // domain_id/domain_name: for a project-scoped cloud they are the user's and the project's domain; otherwise
  // they are the (domain) scope itself.
  const projectScoped = auth.project_id !== undefined || auth.project_name !== undefined;
  for (const kind of ['id', 'name'] as const) {
    const v = auth[`domain_${kind}`];
    if (v === undefined || !projectScoped) continue;
    for (const who of ['user', 'project'])
      if (auth[`${who}_domain_${kind}`] === undefined) auth[`${who}_domain_${kind}`] = v;
    delete auth[`domain_${kind}`];
  }
  if (auth.default_domain !== undefined) {
    for (const who of ['user', 'project']) {
      if (auth[`${who}_domain_id`] === undefined && auth[`${who}_domain_name`] === undefined)
        auth[`${who}_domain_id`] = auth.default_domain;
    }
    delete auth.default_domain;
  }
  c.auth = auth;
  return c;
}

function pickAuthType(c: Dict): AuthType {
  const given = c.auth_type ? String(c.auth_type).toLowerCase() : undefined;
  if (given) {
    const t = AUTH_TYPES[given];
    if (!t) {
      throw new UsageError(
        `auth_type ${given} is not supported (use password, v3applicationcredential or token)`,
        'set auth_type in clouds.yaml or OS_AUTH_TYPE',
      );
    }
    return t;
  }
  const a = c.auth as Record<string, unknown>;
  if (a.application_credential_secret !== undefined) return 'v3applicationcredential';
  if (a.token !== undefined && a.password === undefined) return 'token';
  return 'password';
}

/** Resolve the one cloud to use; throws UsageError (one line) for an unknown cloud or a file that doesn't parse. */
export function loadCloudConfig(opts: LoadOptions = {}): CloudConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const home = opts.home ?? env.HOME ?? os.homedir();
  const dirs = opts.searchDirs ?? defaultSearchDirs(env, cwd, home);
  const found = readClouds(dirs, env);
  const envvars = addEnvvarsCloud(found, env);
  const name = chooseCloud(found, envvars, opts.cloud || env.OS_CLOUD, dirs, env);
  let c = normalizeCloud(found.clouds[name] as Dict);
  // `openstack` CLI semantics: OS_* variables are the defaults of its --os-* options and win over the file.
  if (name !== envvars.envKey && envvars.fromEnv) c = deepMerge(c, envOverrides(envvars.fromEnv));
  return toCloudConfig(name, c, opts.region ?? env.OS_REGION_NAME, found);
}

/** The clouds of the files found, and those files (`read`: as messages name them). */
interface FoundClouds {
  clouds: Dict;
  cloudsFile?: string;
  secureFile?: string;
  read: string;
}

/** The first clouds file found, with the first secure file found deep-merged over its clouds. */
function readClouds(dirs: string[], env: NodeJS.ProcessEnv): FoundClouds {
  const cloudsFile = firstExisting(candidates('clouds', dirs, env.OS_CLIENT_CONFIG_FILE));
  const secureFile = firstExisting(candidates('secure', dirs, env.OS_CLIENT_SECURE_FILE));
  const doc: Dict = cloudsFile ? readConfigFile(cloudsFile) : {};
  const clouds: Dict = isObject(doc.clouds) ? { ...doc.clouds } : {};
  if (secureFile) {
    const sec = readConfigFile(secureFile);
    if (isObject(sec.clouds)) {
      for (const [n, c] of Object.entries(sec.clouds))
        if (isObject(c)) clouds[n] = deepMerge(isObject(clouds[n]) ? clouds[n] : {}, c);
    }
  }
  const read = [cloudsFile, secureFile].filter(Boolean).join(', ') || 'none';
  return { clouds, cloudsFile, secureFile, read };
}

interface EnvvarsCloud {
  /** its name: OS_CLOUD_NAME, default "envvars" */
  envKey: string;
  /** the OS_* variables as a cloud; undefined when there are only selectors */
  fromEnv?: Record<string, string>;
}

/** Adds the envvars cloud to the clouds found; a file cloud of the same name is an error. */
function addEnvvarsCloud(found: FoundClouds, env: NodeJS.ProcessEnv): EnvvarsCloud {
  const envKey = env.OS_CLOUD_NAME || 'envvars';
  const fromEnv = envvarsCloud(env);
  if (fromEnv && found.clouds[envKey] !== undefined) {
    throw new UsageError(
      `${found.cloudsFile} defines a cloud named "${envKey}", but the OS_* variables make a cloud of that name too`,
      'rename that cloud, or set OS_CLOUD_NAME to another name',
    );
  }
  if (fromEnv) found.clouds[envKey] = fromEnv;
  return { envKey, fromEnv };
}

/** The name asked for (--os-cloud, else OS_CLOUD), else the envvars cloud, else the only cloud; it must exist. */
function chooseCloud(
  found: FoundClouds,
  envvars: EnvvarsCloud,
  asked: string | undefined,
  dirs: string[],
  env: NodeJS.ProcessEnv,
): string {
  const names = Object.keys(found.clouds);
  const chosen = asked || (envvars.fromEnv ? envvars.envKey : names.length === 1 ? names[0] : undefined);
  if (!chosen) throw noCloudChosen(names, found.read, candidates('clouds', dirs, env.OS_CLIENT_CONFIG_FILE));
  const name = String(chosen);
  if (!isObject(found.clouds[name])) {
    throw new UsageError(
      `cloud "${name}" not found; clouds found: ${names.length ? names.join(', ') : 'none'} (files read: ${found.read})`,
      'check --os-cloud / OS_CLOUD, or OS_CLIENT_CONFIG_FILE',
    );
  }
  return name;
}

/** Several clouds and none chosen, or none at all: the one line that says which, or where we looked. */
function noCloudChosen(names: string[], read: string, searched: string[]): UsageError {
  if (names.length) {
    return new UsageError(
      `which cloud? ${names.length} clouds found (${names.join(', ')}; files read: ${read})`,
      'pass --os-cloud NAME or set OS_CLOUD',
    );
  }
  return new UsageError(
    `no cloud configured: no clouds.yaml found (searched ${searched
      .filter((f) => f.endsWith('.yaml'))
      .join(', ')}) and no OS_AUTH_URL in the environment`,
    'write your cloud (auth_url, credentials, region) as clouds: {NAME: ...} in one of those files, or name ' +
      'the file in OS_CLIENT_CONFIG_FILE, and pick it with --os-cloud NAME or OS_CLOUD; or source the openrc ' +
      "file your cloud's dashboard gives (OS_AUTH_URL, OS_USERNAME, ...); `--help` of any cloud command says the same",
  );
}

/** The envvars cloud as overrides of a file cloud: all of it but the variables that select or locate. */
function envOverrides(fromEnv: Record<string, string>): Dict {
  const selectors = ['cloud', 'cloud_name', 'client_config_file', 'client_secure_file'];
  return normalizeCloud(Object.fromEntries(Object.entries(fromEnv).filter(([k]) => !selectors.includes(k))));
}

/** The chosen, merged cloud as a CloudConfig: auth values as strings, the region, the interface, TLS, timeout. */
function toCloudConfig(name: string, c: Dict, wantedRegion: string | undefined, found: FoundClouds): CloudConfig {
  const auth: Record<string, string> = Object.fromEntries(
    Object.entries(c.auth as Dict)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => [k, String(v)]),
  );
  c.auth = auth;
  const region = resolveRegion(name, c, wantedRegion);
  const timeout = c.api_timeout !== undefined ? Number(c.api_timeout) : undefined;
  if (!auth.auth_url && c.auth_type !== 'none') {
    throw new UsageError(
      `cloud "${name}" has no auth_url`,
      `add auth: {auth_url: https://keystone.example.com:5000/v3} (${found.read})`,
    );
  }
  return {
    name,
    authType: pickAuthType(c),
    auth,
    regionName: region,
    interface: String(c.interface ?? c.endpoint_type ?? 'public').replace(/URL$/, ''),
    ...tlsOf(c),
    apiTimeout: Number.isFinite(timeout) && timeout! > 0 ? timeout : undefined,
    raw: c,
    files: { clouds: found.cloudsFile, secure: found.secureFile },
  };
}

/** verify: false or insecure: true turn verification off; a string `verify` is the CA bundle (as `cacert`). */
function tlsOf(c: Dict): Pick<CloudConfig, 'verify' | 'cacert' | 'cert' | 'key'> {
  const verifyFlag = bool(c.verify);
  const verify = bool(c.insecure) === true ? false : (verifyFlag ?? true);
  const cacert = c.cacert
    ? String(c.cacert)
    : typeof c.verify === 'string' && verifyFlag === undefined
      ? c.verify
      : undefined;
  return { verify, cacert, cert: c.cert ? String(c.cert) : undefined, key: c.key ? String(c.key) : undefined };
}

/** region_name (or the first of `regions:`); an explicit region must be one of `regions:` when that list exists. */
function resolveRegion(cloud: string, c: Dict, wanted?: string): string | undefined {
  const known: string[] = Array.isArray(c.regions)
    ? c.regions.map((r: unknown) => (isObject(r) ? String(r.name) : String(r)))
    : c.region_name
      ? String(c.region_name)
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [];
  if (!wanted) return known[0];
  if (Array.isArray(c.regions) && !known.includes(wanted)) {
    throw new UsageError(
      `region ${wanted} is not a region of cloud ${cloud} (known: ${known.join(', ')}; region names are case sensitive)`,
    );
  }
  return wanted;
}
