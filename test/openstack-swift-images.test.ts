// The `swift:` image store of app/ (contract C3) against the real local Swift: put (Buffer and stream), get,
// missing -> undefined, delete, ping; URL parsing and one-line errors without secrets.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { openSwiftImageStore, parseSwiftUrl, SwiftImageStore } from '../app/images/swift.js';
import { openImageStore } from '../app/images/index.js';

const container = `faafo-images-test-${process.pid}-${randomBytes(3).toString('hex')}`;
const env = {
  OS_AUTH_URL: 'http://127.0.0.1:5000/v3',
  OS_USERNAME: 'demo',
  OS_PASSWORD: 'secret',
  OS_PROJECT_NAME: 'demo',
  OS_USER_DOMAIN_NAME: 'Default',
  OS_PROJECT_DOMAIN_NAME: 'Default',
  OS_REGION_NAME: 'RegionOne',
};
const created: SwiftImageStore[] = [];

async function read(r: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

after(async () => {
  const s = created[0];
  if (!s) return;
  const t = await (s as unknown as { current(): Promise<{ id: string; storageUrl: string }> }).current();
  const base = `${t.storageUrl}/${container}`;
  const list = (await (await fetch(`${base}?format=json`, { headers: { 'X-Auth-Token': t.id } })).json()) as {
    name: string;
  }[];
  for (const o of list) await fetch(`${base}/${o.name}`, { method: 'DELETE', headers: { 'X-Auth-Token': t.id } });
  await fetch(base, { method: 'DELETE', headers: { 'X-Auth-Token': t.id } });
});

test('swift images: put Buffer and stream, get, missing, delete, ping (prefix in the URL)', async () => {
  const store = (await openSwiftImageStore(`swift://${container}/img/`, env)) as SwiftImageStore;
  created.push(store);
  await store.ping();
  const a = randomUUID();
  const b = randomUUID();
  const bytesA = randomBytes(200_000);
  const bytesB = randomBytes(70_000);
  await store.put(a, bytesA);
  await store.put(b, Readable.from([bytesB.subarray(0, 1000), bytesB.subarray(1000)]));
  assert.ok((await read((await store.get(a))!)).equals(bytesA));
  assert.ok((await read((await store.get(b))!)).equals(bytesB));
  assert.equal(await store.get(randomUUID()), undefined);
  await store.delete(a);
  await store.delete(a); // already gone: fine
  assert.equal(await store.get(a), undefined);
  await assert.rejects(store.put('../etc/passwd', bytesA), /invalid image key/);
  await store.close();
});

test('swift images: openImageStore dispatches swift: URLs (OS_* from the process environment)', async () => {
  Object.assign(process.env, env);
  const store = await openImageStore(`swift://${container}?region_name=RegionOne&interface=public`);
  const id = randomUUID();
  await store.put(id, Buffer.from('png'));
  assert.equal((await read((await store.get(id))!)).toString(), 'png');
  await store.delete(id);
});

test('swift images: URL rules and one-line errors, never the password', async () => {
  assert.deepEqual(parseSwiftUrl('swift://c/p?project_name=x', env).prefix, 'p/');
  assert.equal(parseSwiftUrl('swift:c', env).container, 'c');
  assert.equal(parseSwiftUrl('swift://c?project_name=x', env).auth.project_name, 'x');
  assert.throws(() => parseSwiftUrl('swift://c?password=x', env), /must not carry password; set OS_PASSWORD/);
  assert.throws(() => parseSwiftUrl('swift://c?colour=x', env), /unknown parameter "colour"/);
  assert.throws(() => parseSwiftUrl('swift://c', {}), /needs auth_url/);
  assert.throws(
    () => parseSwiftUrl('swift://c', { OS_AUTH_URL: 'http://k/v3' }),
    /needs OS_PASSWORD or OS_APPLICATION_CREDENTIAL_SECRET/,
  );
  const pw = `Wr0ng-${randomBytes(5).toString('hex')}`;
  const e = await openSwiftImageStore(`swift://${container}`, { ...env, OS_PASSWORD: pw }).then(
    () => assert.fail('expected failure'),
    (err: Error) => err,
  );
  assert.match(
    e.message,
    /^swift image store: Keystone authentication for demo failed: HTTP 401 \(request id req-[0-9a-f-]+\)$/,
  );
  assert.ok(!e.message.includes(pw));
});
