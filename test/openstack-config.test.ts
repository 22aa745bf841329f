// Cloud config resolution, table-driven over temporary folders: which clouds.yaml/secure.yaml is read, which cloud
// is chosen, the envvars cloud, OS_* overrides, TLS options, auth types and the one-line errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadCloudConfig, defaultSearchDirs, type CloudConfig } from '../src/openstack/index.js';

type Files = Record<string, string>; // relative to the case root: cwd/, home/, etc/ ...
interface Case {
  name: string;
  files: Files;
  env?: Record<string, string>;
  cloud?: string;
  region?: string;
  expect?: (c: CloudConfig, root: string) => void;
  error?: RegExp;
}

const cloud = (name: string, extra = '') =>
  `clouds:\n  ${name}:\n    auth:\n      auth_url: http://k.${name}:5000/v3\n      username: u-${name}\n      project_name: p-${name}\n${extra}`;

const cases: Case[] = [
  {
    name: 'only ./clouds.yaml: its only cloud is chosen',
    files: { 'cwd/clouds.yaml': cloud('a') },
    expect: (c, r) => (assert.equal(c.name, 'a'), assert.equal(c.files.clouds, path.join(r, 'cwd/clouds.yaml'))),
  },
  {
    name: 'cwd wins over ~/.config/openstack',
    files: { 'cwd/clouds.yaml': cloud('a'), 'home/.config/openstack/clouds.yaml': cloud('b') },
    expect: (c) => assert.equal(c.name, 'a'),
  },
  {
    name: '~/.config/openstack wins over /etc/openstack',
    files: { 'home/.config/openstack/clouds.yaml': cloud('b'), 'etc/clouds.yaml': cloud('c') },
    expect: (c) => assert.equal(c.name, 'b'),
  },
  {
    name: '/etc/openstack when nothing else',
    files: { 'etc/clouds.yaml': cloud('c') },
    expect: (c) => assert.equal(c.auth.username, 'u-c'),
  },
  {
    name: 'clouds.yml and clouds.json are found too (yaml first)',
    files: {
      'cwd/clouds.json': JSON.stringify({ clouds: { j: { auth: { auth_url: 'http://j/v3', username: 'uj' } } } }),
    },
    expect: (c) => assert.equal(c.name, 'j'),
  },
  {
    name: 'clouds.yaml before clouds.yml in one folder',
    files: { 'cwd/clouds.yaml': cloud('y1'), 'cwd/clouds.yml': cloud('y2') },
    expect: (c) => assert.equal(c.name, 'y1'),
  },
  {
    name: 'OS_CLIENT_CONFIG_FILE wins over cwd',
    files: { 'cwd/clouds.yaml': cloud('a'), 'other/my.yaml': cloud('x') },
    env: { OS_CLIENT_CONFIG_FILE: '@/other/my.yaml' },
    expect: (c) => assert.equal(c.name, 'x'),
  },
  {
    name: 'only the first clouds file is read (no merge of clouds.yaml files)',
    files: { 'cwd/clouds.yaml': cloud('a'), 'home/.config/openstack/clouds.yaml': cloud('b') },
    cloud: 'b',
    error: /cloud "b" not found; clouds found: a \(files read: .*cwd\/clouds\.yaml\)/,
  },
  {
    name: 'secure.yaml (other folder) deep-merged: password added, other keys kept',
    files: {
      'cwd/clouds.yaml': cloud('a'),
      'home/.config/openstack/secure.yaml': 'clouds:\n  a:\n    auth:\n      password: s3cr3t\n',
    },
    expect: (c) => (
      assert.equal(c.auth.password, 's3cr3t'),
      assert.equal(c.auth.username, 'u-a'),
      assert.match(c.files.secure!, /secure\.yaml$/)
    ),
  },
  {
    name: 'OS_CLIENT_SECURE_FILE wins over secure.yaml in the search path',
    files: {
      'cwd/clouds.yaml': cloud('a'),
      'cwd/secure.yaml': 'clouds:\n  a:\n    auth:\n      password: one\n',
      'x/sec.yaml': 'clouds:\n  a:\n    auth:\n      password: two\n',
    },
    env: { OS_CLIENT_SECURE_FILE: '@/x/sec.yaml' },
    expect: (c) => assert.equal(c.auth.password, 'two'),
  },
  {
    name: 'several clouds, none selected -> one line listing them',
    files: { 'cwd/clouds.yaml': cloud('a') + cloud('b').replace('clouds:\n', '') },
    error: /which cloud\? 2 clouds found \(a, b; files read: .*clouds\.yaml\)/,
  },
  {
    name: 'OS_CLOUD selects',
    files: { 'cwd/clouds.yaml': cloud('a') + cloud('b').replace('clouds:\n', '') },
    env: { OS_CLOUD: 'b' },
    expect: (c) => assert.equal(c.name, 'b'),
  },
  {
    name: '--os-cloud beats OS_CLOUD',
    files: { 'cwd/clouds.yaml': cloud('a') + cloud('b').replace('clouds:\n', '') },
    env: { OS_CLOUD: 'b' },
    cloud: 'a',
    expect: (c) => assert.equal(c.name, 'a'),
  },
  {
    name: 'unknown cloud -> clouds found and files read',
    files: { 'cwd/clouds.yaml': cloud('a'), 'cwd/secure.yaml': 'clouds: {}\n' },
    cloud: 'zz',
    error: /^cloud "zz" not found; clouds found: a \(files read: .*cwd\/clouds\.yaml, .*cwd\/secure\.yaml\)$/,
  },
  {
    name: 'no file, no OS_* -> says where it looked',
    files: {},
    error: /no cloud configured: no clouds\.yaml found \(searched .*cwd\/clouds\.yaml/,
  },
  {
    name: 'envvars cloud from OS_* variables, chosen without OS_CLOUD',
    files: { 'cwd/clouds.yaml': cloud('a') },
    env: {
      OS_AUTH_URL: 'http://e/v3',
      OS_USERNAME: 'eu',
      OS_PASSWORD: 'ep',
      OS_PROJECT_NAME: 'epr',
      OS_USER_DOMAIN_NAME: 'Default',
      OS_PROJECT_DOMAIN_ID: 'default',
      OS_REGION_NAME: 'R2',
      OS_INTERFACE: 'internal',
    },
    expect: (c) => {
      assert.equal(c.name, 'envvars');
      assert.deepEqual(c.auth, {
        auth_url: 'http://e/v3',
        username: 'eu',
        password: 'ep',
        project_name: 'epr',
        user_domain_name: 'Default',
        project_domain_id: 'default',
      });
      assert.equal(c.regionName, 'R2');
      assert.equal(c.interface, 'internal');
      assert.equal(c.authType, 'password');
    },
  },
  {
    name: 'OS_CLOUD_NAME renames the envvars cloud',
    files: {},
    env: { OS_AUTH_URL: 'http://e/v3', OS_TOKEN: 't0k', OS_CLOUD_NAME: 'mine' },
    expect: (c) => (assert.equal(c.name, 'mine'), assert.equal(c.authType, 'token')),
  },
  {
    name: 'only selector variables make no envvars cloud',
    files: { 'cwd/clouds.yaml': cloud('a') },
    env: { OS_REGION_NAME: 'R9' },
    expect: (c) => (assert.equal(c.name, 'a'), assert.equal(c.regionName, 'R9')),
  },
  {
    name: 'OS_CLOUD wins over the envvars cloud, and OS_* values override the file cloud (like openstack --os-*)',
    files: { 'cwd/clouds.yaml': cloud('a', '    region_name: R1\n') },
    env: { OS_CLOUD: 'a', OS_PASSWORD: 'frompw', OS_PROJECT_NAME: 'envproj' },
    expect: (c) => (
      assert.equal(c.name, 'a'),
      assert.equal(c.auth.password, 'frompw'),
      assert.equal(c.auth.project_name, 'envproj'),
      assert.equal(c.auth.username, 'u-a'),
      assert.equal(c.regionName, 'R1')
    ),
  },
  {
    name: 'region: --os-region-name > OS_REGION_NAME > region_name',
    files: { 'cwd/clouds.yaml': cloud('a', '    region_name: R1\n') },
    env: { OS_REGION_NAME: 'R2' },
    region: 'R3',
    expect: (c) => assert.equal(c.regionName, 'R3'),
  },
  {
    name: 'regions: list -> first is the default',
    files: { 'cwd/clouds.yaml': cloud('a', '    regions: [North, South]\n') },
    expect: (c) => assert.equal(c.regionName, 'North'),
  },
  {
    name: 'regions: list -> unknown region is an error',
    files: { 'cwd/clouds.yaml': cloud('a', '    regions: [North, South]\n') },
    region: 'west',
    error: /region west is not a region of cloud a \(known: North, South/,
  },
  {
    name: 'envvars cloud named in clouds.yaml too -> conflict error',
    files: { 'cwd/clouds.yaml': cloud('envvars') },
    env: { OS_AUTH_URL: 'http://e/v3' },
    error: /defines a cloud named "envvars", but the OS_\* variables make a cloud of that name too/,
  },
  {
    name: 'interface defaults to public',
    files: { 'cwd/clouds.yaml': cloud('a') },
    expect: (c) => assert.equal(c.interface, 'public'),
  },
  {
    name: 'TLS: verify false',
    files: { 'cwd/clouds.yaml': cloud('a', '    verify: false\n') },
    expect: (c) => assert.equal(c.verify, false),
  },
  {
    name: 'TLS: cacert, cert, key',
    files: { 'cwd/clouds.yaml': cloud('a', '    cacert: /ca.pem\n    cert: /c.pem\n    key: /k.pem\n') },
    expect: (c) => (
      assert.equal(c.verify, true),
      assert.equal(c.cacert, '/ca.pem'),
      assert.equal(c.cert, '/c.pem'),
      assert.equal(c.key, '/k.pem')
    ),
  },
  {
    name: 'TLS: OS_INSECURE=true and OS_CACERT',
    files: {},
    env: { OS_AUTH_URL: 'https://e/v3', OS_INSECURE: 'true', OS_CACERT: '/x.pem' },
    expect: (c) => (assert.equal(c.verify, false), assert.equal(c.cacert, '/x.pem')),
  },
  {
    name: 'api_timeout',
    files: { 'cwd/clouds.yaml': cloud('a', '    api_timeout: 7\n') },
    expect: (c) => assert.equal(c.apiTimeout, 7),
  },
  {
    name: 'auth_type: application credential detected from the secret',
    files: {},
    env: { OS_AUTH_URL: 'http://e/v3', OS_APPLICATION_CREDENTIAL_ID: 'i', OS_APPLICATION_CREDENTIAL_SECRET: 's' },
    expect: (c) => assert.equal(c.authType, 'v3applicationcredential'),
  },
  {
    name: 'auth_type names: v3password, v3token, v3applicationcredential',
    files: { 'cwd/clouds.yaml': cloud('a', '    auth_type: v3token\n') },
    expect: (c) => assert.equal(c.authType, 'token'),
  },
  {
    name: 'auth_type unsupported -> one line',
    files: { 'cwd/clouds.yaml': cloud('a', '    auth_type: v3oidcpassword\n') },
    error: /auth_type v3oidcpassword is not supported/,
  },
  {
    name: 'domain_id spreads to user and project domain; tenant_name -> project_name',
    files: {
      'cwd/clouds.yaml':
        'clouds:\n  d:\n    auth:\n      auth_url: http://d/v3\n      username: u\n      tenant_name: t\n      domain_id: dom1\n',
    },
    expect: (c) =>
      assert.deepEqual(c.auth, {
        auth_url: 'http://d/v3',
        username: 'u',
        project_name: 't',
        user_domain_id: 'dom1',
        project_domain_id: 'dom1',
      }),
  },
  {
    name: 'domain_name without a project is a domain scope',
    files: {
      'cwd/clouds.yaml':
        'clouds:\n  d:\n    auth:\n      auth_url: http://d/v3\n      username: u\n      domain_name: D\n',
    },
    expect: (c) => assert.equal(c.auth.domain_name, 'D'),
  },
  {
    name: 'auth keys at the top level of a cloud move into auth',
    files: { 'cwd/clouds.yaml': 'clouds:\n  t:\n    auth_url: http://t/v3\n    username: u\n    password: p\n' },
    expect: (c) => (assert.equal(c.auth.auth_url, 'http://t/v3'), assert.equal(c.auth.password, 'p')),
  },
  {
    name: 'no auth_url -> one line',
    files: { 'cwd/clouds.yaml': 'clouds:\n  n:\n    auth:\n      username: u\n' },
    error: /cloud "n" has no auth_url/,
  },
  {
    name: 'broken YAML -> one line naming the file',
    files: { 'cwd/clouds.yaml': 'clouds:\n  a: [\n' },
    error: /cwd\/clouds\.yaml is not valid YAML/,
  },
];

for (const c of cases) {
  test(`config: ${c.name}`, () => {
    const root = mkdtempSync(path.join(tmpdir(), 'faafo-oscfg-'));
    try {
      for (const d of ['cwd', 'home', 'etc']) mkdirSync(path.join(root, d), { recursive: true });
      for (const [rel, text] of Object.entries(c.files)) {
        mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
        writeFileSync(path.join(root, rel), text);
      }
      const env: NodeJS.ProcessEnv = { HOME: path.join(root, 'home') };
      for (const [k, v] of Object.entries(c.env ?? {})) env[k] = v.replace(/^@/, root);
      const cwd = path.join(root, 'cwd');
      // /etc/openstack cannot be faked: the third search directory is injected.
      const searchDirs = [cwd, path.join(root, 'home/.config/openstack'), path.join(root, 'etc')];
      const run = () => loadCloudConfig({ env, cwd, searchDirs, cloud: c.cloud, region: c.region });
      if (c.error) {
        assert.throws(run, (e: Error) => {
          assert.match(e.message, c.error!);
          assert.ok(!e.message.includes('\n'), 'one line');
          return true;
        });
      } else {
        c.expect!(run(), root);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}

test('config: default search path is cwd, $XDG_CONFIG_HOME or ~/.config, then /etc/openstack', () => {
  assert.deepEqual(defaultSearchDirs({}, '/w', '/h'), ['/w', '/h/.config/openstack', '/etc/openstack']);
  assert.deepEqual(defaultSearchDirs({ XDG_CONFIG_HOME: '/x' }, '/w', '/h'), ['/w', '/x/openstack', '/etc/openstack']);
});

test('config: HOME from the environment is used when no search path is injected', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'faafo-oscfg-'));
  try {
    mkdirSync(path.join(root, 'home/.config/openstack'), { recursive: true });
    mkdirSync(path.join(root, 'cwd'));
    writeFileSync(path.join(root, 'home/.config/openstack/clouds.yaml'), cloud('homecloud'));
    const c = loadCloudConfig({
      env: { HOME: path.join(root, 'home') },
      cwd: path.join(root, 'cwd'),
      cloud: 'homecloud',
    });
    assert.equal(c.auth.username, 'u-homecloud');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
