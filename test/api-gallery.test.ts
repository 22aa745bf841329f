// The gallery in a real browser (Debian's chromium via playwright-core): `/` shows 5 rendered fractals, newest
// first, whose images load; pagination leads to the next page with the rest, and unrendered rows never appear.
// The cards are compact (more than 2.5 per screen), show the Julia constant, and keep ids and checksums on one
// line. A screenshot goes to $FAAFO_SCREENSHOT_DIR/gallery.png (docs/gallery.png in the README).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { Renderer } from '../app/render/index.js';
import { chromium, type Browser, type Page } from 'playwright-core';
import { backends, startApi, type RunningApi, type Stack } from './helpers/api-backends.js';
import { until } from './helpers/poll.js';

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

const params = { width: 160, height: 120, iterations: 256, xa: -1.6, xb: 1.6, ya: -1.2, yb: 1.2 };
/** Julia constants for the rows (c = cr + ci*i), so the screenshot shows real fractals of different shapes. */
const CONSTANTS = [
  [-0.8, 0.156],
  [0.285, 0.01],
  [-0.4, 0.6],
  [-0.70176, -0.3842],
  [0.355, 0.355],
  [-0.835, -0.2321],
  [-0.7269, 0.1889],
] as const;

async function renderPng(renderer: Renderer, cr: number, ci: number) {
  const out = new PassThrough();
  const parts: Buffer[] = [];
  out.on('data', (c: Buffer) => parts.push(c));
  const r = await renderer.render({ ...params, cr, ci }, out);
  return { bytes: Buffer.concat(parts), ...r };
}

describe('gallery in headless chromium', { timeout: 240_000 }, () => {
  let stack: Stack;
  let api: RunningApi;
  let browser: Browser;
  const rendered: string[] = [];
  let pending = '';

  before(async () => {
    stack = await backends[0]!.setup(); // SQLite + memory queue
    api = await startApi(stack, { republish: { enabled: false } });
    const renderer = new Renderer({ threads: 1 });
    try {
      for (let i = 0; i < 7; i++) {
        // Distinct creation times, so "newest first" is one order (created_at has millisecond resolution).
        const before = Date.now();
        await until(() => Date.now() > before, 'the clock to advance a millisecond');
        const uuid = randomUUID();
        const [cr, ci] = CONSTANTS[i]!;
        // Half the rows get their constant at creation, the others from the worker's upload headers.
        const post = await fetch(`${api.base}/v1/fractal`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ uuid, ...params, ...(i % 2 ? { cr, ci } : {}) }),
        });
        assert.equal(post.status, 201);
        const png = await renderPng(renderer, cr, ci);
        const up = await fetch(`${api.base}/v1/fractal/${uuid}/image`, {
          method: 'PUT',
          headers: {
            'content-type': 'image/png',
            'x-faafo-checksum': png.checksum,
            'x-faafo-duration': String(png.duration),
            'x-faafo-generated-by': `gallery-test-worker-${(i % 3) + 1}.example.org`,
            'x-faafo-cr': String(cr),
            'x-faafo-ci': String(ci),
          },
          body: png.bytes,
        });
        assert.equal(up.status, 200, await up.text());
        rendered.push(uuid);
      }
    } finally {
      await renderer.close();
    }
    rendered.reverse(); // newest first
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
    assert.deepEqual(widths, [160, 160, 160, 160, 160]);
    const links = await page.$$eval('#fractals a.fractal-link', (as) => as.map((a) => a.getAttribute('href')));
    assert.deepEqual(
      links,
      first.map((u) => `/fractal/${u}`),
    );
    assert.equal(await page.locator('#pagination-top .page-current').textContent(), '1');
    assert.equal(await page.locator('#pagination-bottom a.page-next').count(), 1);
    const details = await page.locator('#fractals .fractal').first().locator('.dimensions').textContent();
    assert.equal(details, '160 x 120 px');

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

  test('cards are compact, show the Julia constant, and keep checksums on one line; screenshot', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(`${api.base}/`);
    await imagesLoaded(page, 5);
    const tops = await page.$$eval('#fractals .fractal', (els) => els.map((e) => e.getBoundingClientRect().top));
    const pitch = tops[1]! - tops[0]!;
    assert.ok(720 / pitch > 2.5, `a card takes ${pitch} px: ${(720 / pitch).toFixed(1)} per 720 px screen`);

    const julia = await page.locator('#fractals .fractal').first().locator('.julia').textContent();
    const [cr, ci] = CONSTANTS[6]!; // the newest row
    assert.equal(julia, `${cr} + ${ci}i`);

    // One line each: the rendered height is one line box, the whole value is kept (title and text).
    const lines = await page.$$eval('#fractals .checksum, #fractals .uuid', (els) =>
      els.map((e) => {
        const css = (globalThis as unknown as { getComputedStyle(el: unknown): { lineHeight: string } })
          .getComputedStyle;
        const lineHeight = parseFloat(css(e).lineHeight);
        return { h: e.getBoundingClientRect().height, lineHeight, text: e.textContent, title: e.getAttribute('title') };
      }),
    );
    assert.equal(lines.length, 10);
    for (const l of lines) {
      assert.ok(l.h <= l.lineHeight * 1.2, `${l.text} spans ${l.h} px (line ${l.lineHeight} px)`);
      assert.equal(l.title, l.text);
      assert.match(l.text!, /^([0-9a-f]{64}|[0-9a-f-]{36})$/);
    }
    const dir = process.env.FAAFO_SCREENSHOT_DIR ?? mkdtempSync(path.join(os.tmpdir(), 'faafo-gallery-'));
    await page.screenshot({ path: path.join(dir, 'gallery.png') });
    await page.close();
  });
});
