// Swift client against the real local Swift (test/cloud, start.sh --with-swift): container, streamed
// upload, account TempURL key, a TempURL fetched without a token, anonymous plain GET refused, head/delete.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { connect, signTempUrl, type Cloud } from '../src/openstack/index.js';
import { cloudsYaml, publicHost } from './helpers/test-cloud.js';

const container = `faafo-test-${process.pid}-${randomBytes(3).toString('hex')}`;
let cloud: Cloud;

before(async () => {
  cloud = await connect({
    cloud: 'faafo-local',
    env: { HOME: '/nonexistent', OS_CLIENT_CONFIG_FILE: cloudsYaml },
    searchDirs: [],
  });
});
after(async () => {
  for (const o of await cloud.swift.listObjects(container)) await cloud.swift.deleteObject(container, o.name);
  await cloud.swift.deleteContainer(container);
});

test('swift: object-store endpoint from the catalog', () => {
  assert.equal(cloud.swift.accountUrl(), `http://${publicHost()}:8080/v1/AUTH_${cloud.projectId}`);
});

test('swift: streamed upload, TempURL GET without a token, anonymous GET 401, head and delete', async () => {
  await cloud.swift.ensureContainer(container);
  await cloud.swift.ensureContainer(container); // idempotent (202)
  const chunks = Array.from({ length: 64 }, (_, i) => randomBytes(16 * 1024 + i));
  const whole = Buffer.concat(chunks);
  const name = 'dir/faafo bundle.tgz';
  const { etag } = await cloud.swift.putObject(container, name, Readable.from(chunks), {
    contentType: 'application/gzip',
  });
  assert.equal(etag, createHash('md5').update(whole).digest('hex'));
  const head = await cloud.swift.headObject(container, name);
  assert.equal(head?.['content-length'], String(whole.length));

  const t = await cloud.swift.tempUrl('GET', container, name, 300);
  assert.equal(t.digest, 'sha256');
  assert.ok(t.url.startsWith(`http://${publicHost()}:8080/v1/AUTH_`), t.url);
  assert.match(
    t.url,
    /^http:\/\/[\d.]+:8080\/v1\/AUTH_[0-9a-f]+\/faafo-test-[^/]+\/dir\/faafo%20bundle\.tgz\?temp_url_sig=[0-9a-f]{64}&temp_url_expires=\d+$/,
  );
  const res = await fetch(t.url);
  assert.equal(res.status, 200);
  assert.ok(Buffer.from(await res.arrayBuffer()).equals(whole), 'TempURL returns the uploaded bytes');

  const plain = t.url.split('?')[0];
  assert.equal((await fetch(plain)).status, 401, 'anonymous GET without signature is refused');
  const tampered = t.url.replace(/temp_url_expires=\d+/, `temp_url_expires=${t.expires + 1}`);
  assert.equal((await fetch(tampered)).status, 401, 'a changed expiry invalidates the signature');

  await cloud.swift.deleteObject(container, name);
  assert.equal(await cloud.swift.headObject(container, name), undefined);
});

test('swift: the account TempURL key is reused, never part of the URL or messages', async () => {
  const k1 = await cloud.swift.tempUrlKey();
  assert.ok(k1.length >= 16);
  const t = await cloud.swift.tempUrl('GET', container, 'x', 60);
  assert.ok(!t.url.includes(k1));
});

test('swift: a stale cached TempURL key (another client set a new one) is detected and re-read', async () => {
  const other = await connect({
    cloud: 'faafo-local',
    env: { HOME: '/nonexistent', OS_CLIENT_CONFIG_FILE: cloudsYaml },
    searchDirs: [],
  });
  await other.swift.ensureContainer(container);
  await other.swift.putObject(container, 'stale-key.txt', Buffer.from('hello'));
  (other.swift as unknown as { key: string }).key = 'a-key-that-is-no-longer-the-accounts';
  const t = await other.swift.tempUrl('GET', container, 'stale-key.txt', 60);
  const res = await fetch(t.url);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'hello');
});

test('swift: signTempUrl follows the documented HMAC (method, expires, path) for sha1/sha256/sha512', () => {
  const body = 'GET\n1700000000\n/v1/AUTH_p/c/o';
  assert.equal(
    signTempUrl('http://s', 'GET', '/v1/AUTH_p/c/o', 1700000000, 'k', 'sha256').url,
    `http://s/v1/AUTH_p/c/o?temp_url_sig=${createHmac('sha256', 'k').update(body).digest('hex')}&temp_url_expires=1700000000`,
  );
  assert.match(
    signTempUrl('http://s', 'GET', '/v1/AUTH_p/c/o', 1700000000, 'k', 'sha1').url,
    /temp_url_sig=[0-9a-f]{40}&/,
  );
  assert.match(
    signTempUrl('http://s', 'GET', '/v1/AUTH_p/c/o', 1700000000, 'k', 'sha512').url,
    /temp_url_sig=sha512%3A[A-Za-z0-9_-]+&/,
  );
});
