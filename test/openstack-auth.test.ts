// Keystone v3 auth against the real local Keystone/Heat (test/cloud): password (names and ids),
// application credential (id, name + user), token; token renewal and the 401 retry; and every failure as one line
// with the request id and without the password/secret/token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { createServer as createNetServer, type Server as NetServer, type AddressInfo } from 'node:net';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dump } from 'js-yaml';
import { connect, OpenStackError, type Cloud } from '../src/openstack/index.js';
import { publicHost } from './helpers/test-cloud.js';

const KEYSTONE = 'http://127.0.0.1:5000/v3';
const PASSWORD = 'secret'; // the local Keystone's test password for demo
const demoAuth = {
  auth_url: KEYSTONE,
  username: 'demo',
  password: PASSWORD,
  project_name: 'demo',
  user_domain_name: 'Default',
  project_domain_name: 'Default',
};

let dir: string;
let n = 0;
/** Connect to one cloud described inline (own clouds.yaml, isolated env and search path). */
async function connectWith(cloudDef: Record<string, unknown>, env: Record<string, string> = {}): Promise<Cloud> {
  const file = path.join(dir, `clouds-${++n}.yaml`);
  writeFileSync(file, dump({ clouds: { t: { region_name: 'RegionOne', ...cloudDef } } }));
  return connect({ cloud: 't', env: { HOME: dir, OS_CLIENT_CONFIG_FILE: file, ...env }, searchDirs: [dir] });
}
async function failure(p: Promise<unknown>): Promise<OpenStackError> {
  try {
    await p;
  } catch (e) {
    return e as OpenStackError;
  }
  assert.fail('expected a failure');
}
/** One line, no stack in the message, none of the secrets anywhere (message, inspect, JSON). */
function assertClean(e: Error, ...secrets: string[]): void {
  assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
  const all = `${e.message}\n${inspect(e, { depth: 10 })}\n${JSON.stringify(e)}\n${String((e as { hint?: string }).hint ?? '')}`;
  for (const s of secrets) assert.ok(!all.includes(s), `secret leaked in: ${e.message}`);
  assert.equal((e as { cause?: unknown }).cause, undefined, 'no axios error (config.data) kept as cause');
}

let closedPort: number;
let silent: NetServer;
let silentPort: number;
let tls: HttpsServer;
let tlsPort: number;
let certFile: string;
let mtls: HttpsServer;
let mtlsPort: number;
let clientCert: string;
let clientKey: string;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'faafo-osauth-'));
  const probe = createNetServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  // Accepts connections and never answers: a hung Keystone.
  silent = createNetServer(() => {});
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  silentPort = (silent.address() as AddressInfo).port;
  // A TLS server with a self-signed certificate for 127.0.0.1.
  certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  tls = createHttpsServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, (_req, res) => {
    res.writeHead(404, { 'Content-Type': 'application/json', 'x-openstack-request-id': 'req-tls-test' });
    res.end(JSON.stringify({ error: { code: 404, message: 'not keystone', title: 'Not Found' } }));
  });
  await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
  tlsPort = (tls.address() as AddressInfo).port;
  // A TLS server that requires a client certificate (cert/key options), trusting one self-signed client cert.
  clientCert = path.join(dir, 'client.pem');
  clientKey = path.join(dir, 'client.key');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      clientKey,
      '-out',
      clientCert,
      '-days',
      '1',
      '-subj',
      '/CN=faafo-client',
    ],
    { stdio: 'ignore' },
  );
  mtls = createHttpsServer(
    {
      cert: readFileSync(certFile),
      key: readFileSync(keyFile),
      ca: readFileSync(clientCert),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (_req, res) => {
      res.writeHead(404, { 'Content-Type': 'application/json', 'x-openstack-request-id': 'req-mtls-test' });
      res.end(JSON.stringify({ error: { code: 404, message: 'client cert accepted', title: 'Not Found' } }));
    },
  );
  await new Promise<void>((r) => mtls.listen(0, '127.0.0.1', r));
  mtlsPort = (mtls.address() as AddressInfo).port;
});
after(async () => {
  silent.close();
  tls.close();
  mtls.close();
  rmSync(dir, { recursive: true, force: true });
});

test('password auth by names: project id, user id, catalog endpoints, Heat answers', async () => {
  const c = await connectWith({ auth: demoAuth });
  assert.match(c.projectId, /^[0-9a-f]{32}$/);
  assert.match(c.userId, /^[0-9a-f]{32}$/);
  assert.equal(c.endpoint('orchestration'), `http://${publicHost()}:8004/v1/${c.projectId}`);
  assert.equal(c.endpoint('identity'), `http://${publicHost()}:5000/v3`);
  assert.ok(c.hasService('orchestration'));
  assert.equal(c.hasService('no-such-service'), false);
  assert.ok(Array.isArray(await c.heat.listStacks()));
});

test('password auth by ids (user_id, project_id) and the envvars cloud from OS_* variables', async () => {
  const first = await connectWith({ auth: demoAuth });
  const byId = await connectWith({
    auth: { auth_url: KEYSTONE, user_id: first.userId, password: PASSWORD, project_id: first.projectId },
  });
  assert.equal(byId.projectId, first.projectId);
  const env = await connect({
    env: {
      HOME: dir,
      OS_AUTH_URL: KEYSTONE,
      OS_USERNAME: 'demo',
      OS_PASSWORD: PASSWORD,
      OS_PROJECT_NAME: 'demo',
      OS_USER_DOMAIN_NAME: 'Default',
      OS_PROJECT_DOMAIN_ID: 'default',
      OS_REGION_NAME: 'RegionOne',
    },
    searchDirs: [path.join(dir, 'none')],
  });
  assert.equal(env.name, 'envvars');
  assert.equal(env.projectId, first.projectId);
});

test('application credential: by id + secret and by name + secret + user; deleted afterwards', async () => {
  const demo = await connectWith({ auth: demoAuth });
  const name = `faafo-test-${process.pid}-${randomBytes(3).toString('hex')}`;
  const r = await demo.request<{ application_credential: { id: string; secret: string } }>(
    'identity',
    'POST',
    `/users/${demo.userId}/application_credentials`,
    {
      body: { application_credential: { name, description: 'faafo-stack test, deleted by the test' } },
    },
  );
  const { id, secret } = r.data.application_credential;
  try {
    const byId = await connectWith({
      auth_type: 'v3applicationcredential',
      auth: { auth_url: KEYSTONE, application_credential_id: id, application_credential_secret: secret },
    });
    assert.equal(byId.projectId, demo.projectId);
    assert.ok(Array.isArray(await byId.heat.listStacks()));
    const byName = await connect({
      env: {
        HOME: dir,
        OS_AUTH_URL: KEYSTONE,
        OS_AUTH_TYPE: 'v3applicationcredential',
        OS_APPLICATION_CREDENTIAL_NAME: name,
        OS_APPLICATION_CREDENTIAL_SECRET: secret,
        OS_USERNAME: 'demo',
        OS_USER_DOMAIN_NAME: 'Default',
      },
      searchDirs: [path.join(dir, 'none')],
    });
    assert.equal(byName.projectId, demo.projectId);
    const bad = await failure(
      connectWith({
        auth_type: 'v3applicationcredential',
        auth: {
          auth_url: KEYSTONE,
          application_credential_id: id,
          application_credential_secret: 'not-the-secret-' + secret.slice(0, 4),
        },
      }),
    );
    assert.match(bad.message, /application credential .* was rejected/);
    assertClean(bad, secret);
  } finally {
    await demo.request('identity', 'DELETE', `/users/${demo.userId}/application_credentials/${id}`, {
      okStatuses: [204, 404],
    });
  }
});

test('token auth: an issued token, project-scoped, works as auth_type token; revoked token -> clear line', async () => {
  const demo = await connectWith({ auth: demoAuth });
  const tok = await demo.token();
  const viaToken = await connectWith({
    auth_type: 'token',
    auth: { auth_url: KEYSTONE, token: tok, project_name: 'demo', project_domain_name: 'Default' },
  });
  assert.equal(viaToken.projectId, demo.projectId);
  assert.ok(Array.isArray(await viaToken.heat.listStacks()));
  // Revoke it (as its owner), then try to use it again.
  await demo.request('identity', 'DELETE', '/auth/tokens', { headers: { 'X-Subject-Token': tok } });
  const e = await failure(
    connectWith({ auth_type: 'token', auth: { auth_url: KEYSTONE, token: tok, project_id: demo.projectId } }),
  );
  assert.match(
    e.message,
    /Keystone authentication failed: HTTP (401|404) the token was rejected \(expired, revoked or malformed\) \(request id req-/,
  );
  assertClean(e, tok);
  const malformed = await failure(
    connectWith({ auth: { auth_url: KEYSTONE, token: 'gAAAAA-not-a-token-xyz', project_id: demo.projectId } }),
  );
  assert.match(malformed.message, /the token was rejected/);
  assertClean(malformed, 'gAAAAA-not-a-token-xyz');
});

test('token renewal: re-issued shortly before expiry, and once after a 401 (revoked token)', async () => {
  const c = await connectWith({ auth: demoAuth });
  const t1 = await c.token();
  assert.equal(await c.token(), t1, 'kept while fresh');
  (c as unknown as { issued: { expiresAt: number } }).issued.expiresAt = Date.now() + 5_000; // about to expire
  const t2 = await c.token();
  assert.notEqual(t2, t1);
  // Revoke the current token behind the client's back: the next request gets 401, re-authenticates, succeeds.
  const other = await connectWith({ auth: demoAuth });
  await other.request('identity', 'DELETE', '/auth/tokens', { headers: { 'X-Subject-Token': t2 } });
  assert.ok(Array.isArray(await c.heat.listStacks()));
  assert.notEqual(await c.token(), t2);
});

test('wrong password: one line with the request id, the password never appears', async () => {
  const pw = `Wr0ng-${randomBytes(6).toString('hex')}`;
  const e = await failure(connectWith({ auth: { ...demoAuth, password: pw } }));
  assert.ok(e instanceof OpenStackError);
  assert.match(
    e.message,
    /^cloud t: Keystone authentication failed: HTTP 401 wrong password or unknown user demo \(request id req-[0-9a-f-]+\)$/,
  );
  assertClean(e, pw);
});

test('unknown project: one line naming it', async () => {
  const e = await failure(connectWith({ auth: { ...demoAuth, project_name: 'no-such-project-xyz' } }));
  assert.match(e.message, /HTTP 401 unknown project no-such-project-xyz|no access to project no-such-project-xyz/);
  assertClean(e, PASSWORD);
});

test('unknown cloud: one line listing the clouds and the file read', async () => {
  const file = path.join(dir, 'two.yaml');
  writeFileSync(file, dump({ clouds: { one: { auth: demoAuth }, two: { auth: demoAuth } } }));
  const e = await failure(
    connect({ cloud: 'three', env: { HOME: dir, OS_CLIENT_CONFIG_FILE: file }, searchDirs: [dir] }),
  );
  assert.equal(e.message, `cloud "three" not found; clouds found: one, two (files read: ${file})`);
  assert.equal((e as { exitCode?: number }).exitCode, 2);
});

test('Keystone down (closed port): connection refused, one line, no password', async () => {
  const pw = `pw-${randomBytes(6).toString('hex')}`;
  const e = await failure(
    connectWith({ auth: { ...demoAuth, auth_url: `http://127.0.0.1:${closedPort}/v3`, password: pw } }),
  );
  assert.equal(
    e.message,
    `cloud t: Keystone http://127.0.0.1:${closedPort}/v3/auth/tokens: connection refused (is the service running and the URL right?)`,
  );
  assertClean(e, pw);
});

test('Keystone hanging: timeout after api_timeout, one line', async () => {
  const pw = `pw-${randomBytes(6).toString('hex')}`;
  const e = await failure(
    connectWith({ api_timeout: 1, auth: { ...demoAuth, auth_url: `http://127.0.0.1:${silentPort}/v3`, password: pw } }),
  );
  assert.match(e.message, /^cloud t: Keystone http:\/\/127\.0\.0\.1:\d+\/v3\/auth\/tokens: timed out after 1 s$/);
  assertClean(e, pw);
});

test('TLS: self-signed certificate fails with a clear line; cacert or insecure gets through TLS', async () => {
  const pw = `pw-${randomBytes(6).toString('hex')}`;
  const url = `https://127.0.0.1:${tlsPort}/v3`;
  const e = await failure(connectWith({ auth: { ...demoAuth, auth_url: url, password: pw } }));
  assert.match(e.message, /TLS failure: .*self[- ]signed/i);
  assertClean(e, pw);
  for (const tlsOpt of [{ cacert: certFile }, { verify: false }, { insecure: true }]) {
    const past = await failure(connectWith({ ...tlsOpt, auth: { ...demoAuth, auth_url: url, password: pw } }));
    assert.match(past.message, /HTTP 404 not keystone \(request id req-tls-test\)/, JSON.stringify(tlsOpt));
    assertClean(past, pw);
  }
});

test('TLS client certificate: cert/key are presented; without them the server refuses the handshake', async () => {
  const pw = `pw-${randomBytes(6).toString('hex')}`;
  const auth = { ...demoAuth, auth_url: `https://127.0.0.1:${mtlsPort}/v3`, password: pw };
  const ok = await failure(connectWith({ cacert: certFile, cert: clientCert, key: clientKey, auth }));
  assert.match(ok.message, /HTTP 404 client cert accepted \(request id req-mtls-test\)/);
  const refused = await failure(connectWith({ cacert: certFile, auth }));
  // TLS 1.3 sends the refusal as an alert after the handshake; seen as that alert (or, rarely, as a reset).
  assert.match(
    refused.message,
    /^cloud t: Keystone https:\/\/127\.0\.0\.1:\d+\/v3\/auth\/tokens: (TLS failure: .*certificate required \(the server wants a client certificate: set cert: and key: \(OS_CERT\/OS_KEY\)\)|connection reset by the server)$/,
  );
  assertClean(refused, pw);
  const missing = await failure(
    connectWith({ cacert: certFile, cert: path.join(dir, 'nope.pem'), key: clientKey, auth }),
  );
  assert.match(missing.message, /^cannot read cert .*nope\.pem: ENOENT$/);
});

test('Heat down (orchestration_endpoint_override to a closed port): one line, no secret, no token', async () => {
  const c = await connectWith({
    auth: demoAuth,
    orchestration_endpoint_override: `http://127.0.0.1:${closedPort}/v1/%(project_id)s`,
  });
  assert.equal(c.endpoint('orchestration'), `http://127.0.0.1:${closedPort}/v1/${c.projectId}`);
  const e = await failure(c.heat.listStacks());
  assert.equal(
    e.message,
    `orchestration GET /stacks http://127.0.0.1:${closedPort}/v1/${c.projectId}/stacks: connection refused (is the service running and the URL right?)`,
  );
  assertClean(e, PASSWORD, await c.token());
});

test('no orchestration endpoint in the catalog (other region): hasService false and a clear line', async () => {
  const c = await connectWith({ auth: demoAuth, region_name: 'Nowhere' });
  assert.equal(c.hasService('orchestration'), false);
  const e = await failure(c.heat.listStacks());
  assert.match(
    e.message,
    /^cloud t has no orchestration endpoint \(interface public, region Nowhere\) in its service catalog$/,
  );
});

test('Heat errors carry the request id and the service message', async () => {
  const c = await connectWith({ auth: demoAuth });
  const e = await failure(
    c.heat.validate({ template: { heat_template_version: '2018-08-31', resources: { r: { type: 'OS::No::Such' } } } }),
  );
  assert.match(e.message, /^orchestration POST \/validate: HTTP 400 .*OS::No::Such.* \(request id req-[0-9a-f-]+\)$/);
  assert.equal(await c.heat.findStack(`no-such-stack-${process.pid}`), undefined);
});
