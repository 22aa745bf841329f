// The gallery shows durations rounded for people ("0.027 seconds", not 0.02719738000000052) while the JSON API
// keeps the exact stored value.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { formatDuration } from '../app/api/gallery-html.js';
import { backends, startApi, type RunningApi, type Stack } from './helpers/api-backends.js';
import { makePng } from './helpers/png.js';

test('formatDuration: 3 decimals, 3 significant digits below a millisecond, empty when unknown', () => {
  assert.equal(formatDuration(0.02719738000000052), '0.027');
  assert.equal(formatDuration(12.34567), '12.346');
  assert.equal(formatDuration(0.1), '0.1');
  assert.equal(formatDuration(2), '2');
  assert.equal(formatDuration(0), '0');
  assert.equal(formatDuration(0.000123456), '0.000123');
  assert.equal(formatDuration(null), '');
  assert.equal(formatDuration(undefined), '');
});

describe('gallery duration against a running API', { timeout: 120_000 }, () => {
  let stack: Stack;
  let api: RunningApi;
  const uuid = randomUUID();
  const raw = '0.02719738000000052';

  before(async () => {
    stack = await backends[0]!.setup(); // SQLite + memory queue
    api = await startApi(stack, { republish: { enabled: false } });
    const post = await fetch(`${api.base}/v1/fractal`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ uuid, width: 40, height: 30, iterations: 64, xa: -1.5, xb: 1.5, ya: -1, yb: 1 }),
    });
    assert.equal(post.status, 201);
    const png = makePng(40, 30, 3);
    const up = await fetch(`${api.base}/v1/fractal/${uuid}/image`, {
      method: 'PUT',
      headers: {
        'content-type': 'image/png',
        'x-faafo-checksum': png.checksum,
        'x-faafo-duration': raw,
        'x-faafo-generated-by': 'duration-test',
      },
      body: png.bytes,
    });
    assert.equal(up.status, 200);
  });

  after(async () => {
    await api?.app.close();
    await stack?.dispose();
  });

  test('the page shows the rounded duration', async () => {
    const html = await (await fetch(`${api.base}/`)).text();
    assert.match(html, /<dd class="duration">0\.027 seconds<\/dd>/);
    assert.ok(!html.includes(raw), 'the raw float is not on the page');
  });

  test('the JSON API keeps the exact value', async () => {
    const row = (await (await fetch(`${api.base}/v1/fractal/${uuid}`)).json()) as { duration: number };
    assert.equal(row.duration, Number(raw));
  });
});
