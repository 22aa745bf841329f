// Headless Chromium on the live page of a local run: during a `load --mode tasks` run it shows the worker tier's
// size changing (1 -> 2 or more), the scaling decision, and the app's gallery frame.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { cpuTierScaling, queueTierScaling } from '../monitoring/params.js';
import { runLoad } from '../src/load/run.js';
import { startE2E } from './helpers/local-e2e.js';

test('live page shows the worker tier growing during a load run', { timeout: 900_000 }, async () => {
  const common = { granularityS: 2, evaluationPeriods: 1, scaleDownEvaluationPeriods: 3, cooldownS: 4 };
  const e = await startE2E({
    threads: 1,
    api: cpuTierScaling({ minSize: 1, maxSize: 1, scaleUpCpu: 90, scaleDownCpu: 5, ...common }),
    workers: queueTierScaling({ minSize: 1, maxSize: 3, scaleUpBacklogPerWorker: 2, scaleDownBacklogPerWorker: 0.5, ...common }),
    workerMetric: 'queue',
    sampleS: 1,
    stopGraceS: 120,
  });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  let load: Promise<unknown> | undefined;
  try {
    const page = await browser.newPage();
    await page.goto(e.run.controlUrl);
    const workerSize = page.locator('[data-tier="workers"] .size');
    await workerSize.waitFor({ timeout: 60_000 });
    assert.equal(await workerSize.textContent(), '1');
    assert.equal(await page.locator('iframe#gallery').getAttribute('src'), `${e.run.appUrl}/`);
    load = runLoad({
      url: e.run.appUrl,
      mode: 'tasks',
      rate: 10,
      durationS: 8,
      maxRequests: 20,
      timeoutS: 30,
      mix: { list: 0, get: 0, create: 1 },
      size: { width: 4000, height: 4000, iterations: 1024 },
      intervalS: 1,
      drainTimeoutS: 400,
      settleS: 0,
    });
    // The page (polling /api/state) shows the tier at 2 or more, and the decision that did it.
    // (A string, evaluated in the page: this project's type-check has no DOM library.)
    await page.waitForFunction(`Number(document.querySelector('[data-tier="workers"] .size')?.textContent ?? '0') >= 2`, undefined, {
      timeout: 300_000,
      polling: 500,
    });
    await page.locator('#decisions tr.up').first().waitFor({ timeout: 30_000 });
    assert.match((await page.locator('#decisions tr.up').first().textContent()) ?? '', /workers.*scale_up.*1 → 2/);
    assert.ok(await page.locator('#chart polyline').count() >= 1, 'size chart drawn');
    await load;
  } finally {
    await load?.catch(() => {});
    await browser.close();
    await e.dispose();
  }
});
