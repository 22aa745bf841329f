// The gallery in a real browser (Debian's chromium via playwright-core): `/` shows 5 rendered fractals whose
// images load, pagination leads to the next page with the rest, and unrendered rows never appear.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { chromium, type Browser, type Page } from 'playwright-core';
import { backends, startApi, type RunningApi, type Stack } from './helpers/api-backends.js';
import { makePng } from './helpers/png.js';

const CHROMIUM = process.env.FAAFO_CHROMIUM ?? '/usr/bin/chromium';
/** Waits until the page shows exactly n fractal images and every one has decoded (naturalWidth > 0). */
async function imagesLoaded(page: Page, n: number): Promise<void> {
  // A string expression: this file is type-checked without the DOM library.
  await page.waitForFunction(
    `(() => { const imgs = [...document.querySelectorAll('#fractals img.fractal-image')];
      return imgs.length === ${n} && imgs.every((i) => i.complete && i.naturalWidth > 0); })()`,
    undefined,
    { timeout: 60_000 },
  );
}

const params = { width: 40, height: 30, iterations: 64, xa: -1.5, xb: 1.5, ya: -1, yb: 1 };

describe('gallery in headless chromium', { timeout: 240_000 }, () => {
  let stack: Stack;
  let api: RunningApi;
  let browser: Browser;
  const rendered: string[] = [];
  let pending = '';

  before(async () => {
    stack = await backends[0]!.setup(); // SQLite + memory queue
    api = await startApi(stack, { republish: { enabled: false } });
    for (let i = 0; i < 7; i++) {
      const uuid = randomUUID();
      const post = await fetch(`${api.base}/v1/fractal`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ uuid, ...params }),
      });
      assert.equal(post.status, 201);
      const png = makePng(40, 30, i + 1);
      const up = await fetch(`${api.base}/v1/fractal/${uuid}/image`, {
        method: 'PUT',
        headers: {
          'content-type': 'image/png',
          'x-faafo-checksum': png.checksum,
          'x-faafo-duration': '0.1',
          'x-faafo-generated-by': 'gallery-test',
        },
        body: png.bytes,
      });
      assert.equal(up.status, 200);
      rendered.push(uuid);
    }
    rendered.sort();
    pending = randomUUID();
    await fetch(`${api.base}/v1/fractal`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ uuid: pending, ...params }),
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  });

  after(async () => {
    await browser?.close();
    await api?.app.close();
    await stack?.dispose();
  });

  test('page 1 shows 5 loaded images; the next-page link shows the other 2', async () => {
    const page = await browser.newPage();
    const failed: string[] = [];
    page.on('requestfailed', (r) => failed.push(r.url()));
    await page.goto(`${api.base}/`);
    assert.equal(await page.title(), 'First App Application for OpenStack');
    await imagesLoaded(page, 5);
    const first = await page.$$eval('#fractals .fractal', (els) => els.map((e) => e.getAttribute('data-uuid')));
    assert.deepEqual(first, rendered.slice(0, 5));
    const widths = await page.$$eval('#fractals img.fractal-image', (imgs) =>
      imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth),
    );
    assert.deepEqual(widths, [40, 40, 40, 40, 40]);
    const links = await page.$$eval('#fractals a.fractal-link', (as) => as.map((a) => a.getAttribute('href')));
    assert.deepEqual(
      links,
      first.map((u) => `/fractal/${u}`),
    );
    assert.equal(await page.locator('#pagination-top .page-current').textContent(), '1');
    assert.equal(await page.locator('#pagination-bottom a.page-next').count(), 1);
    const details = await page.locator('#fractals .fractal').first().locator('.dimensions').textContent();
    assert.equal(details, '40 x 30 px');

    await page.locator('#pagination-top a.page-next').click();
    await page.waitForURL(`${api.base}/index/2`);
    await imagesLoaded(page, 2);
    const second = await page.$$eval('#fractals .fractal', (els) => els.map((e) => e.getAttribute('data-uuid')));
    assert.deepEqual(second, rendered.slice(5));
    assert.ok(!second.includes(pending) && !first.includes(pending), 'an unrendered fractal is not shown');
    assert.equal(await page.locator('#pagination-bottom .page-current').textContent(), '2');
    assert.equal(await page.locator('#pagination-top a.page-next').count(), 0, 'no next page after the last');

    // back via the numbered link, and the page past the end is an empty page, not an error
    await page.locator('#pagination-bottom a.page-link[data-page="1"]').click();
    await page.waitForURL(`${api.base}/index/1`);
    const res = await page.goto(`${api.base}/index/9`);
    assert.equal(res?.status(), 200);
    assert.equal(await page.locator('#fractals img.fractal-image').count(), 0);
    assert.deepEqual(failed, []);
    await page.close();
  });
});
