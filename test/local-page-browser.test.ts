// Headless Chromium on the live page of a local run: during a `load --mode tasks` run it shows the worker tier's
// size changing (1 -> 2 or more), the scaling decision, and the app's gallery frame. A second page opened mid-run
// draws the run's history from before it opened (kept by the supervisor, /api/history), with time and value axes,
// a legend, the backlog series and the alarm thresholds; the decisions table lists changes only; the gallery frame
// reloads as fractals are rendered. A screenshot goes to $FAAFO_SCREENSHOT_DIR/live-page.png (docs/live-page.png).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { cpuTierScaling, queueTierScaling } from '../monitoring/params.js';
import type { HistoryView } from '../src/local/history.js';
import { runLoad } from '../src/load/run.js';
import { startE2E } from './helpers/local-e2e.js';
import { until } from './helpers/poll.js';

// Tall enough that the gallery frame is in view (its images load lazily) for the screenshot.
const VIEWPORT = { width: 1100, height: 1600 };

test(
  'live page shows the worker tier growing during a load run, and the whole run when opened mid-run',
  { timeout: 900_000 },
  async () => {
    const common = { granularityS: 2, evaluationPeriods: 1, scaleDownEvaluationPeriods: 3, cooldownS: 4 };
    const e = await startE2E({
      threads: 1,
      api: cpuTierScaling({ minSize: 1, maxSize: 1, scaleUpCpu: 90, scaleDownCpu: 5, ...common }),
      workers: queueTierScaling({
        minSize: 1,
        maxSize: 3,
        scaleUpBacklogPerWorker: 2,
        scaleDownBacklogPerWorker: 0.5,
        ...common,
      }),
      workerMetric: 'queue',
      sampleS: 1,
      stopGraceS: 120,
    });
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    const history = async () => (await (await fetch(new URL('/api/history', e.run.controlUrl))).json()) as HistoryView;
    let load: Promise<unknown> | undefined;
    try {
      const page = await browser.newPage({ viewport: VIEWPORT });
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
      await page.waitForFunction(
        `Number(document.querySelector('[data-tier="workers"] .size')?.textContent ?? '0') >= 2`,
        undefined,
        {
          timeout: 300_000,
          polling: 500,
        },
      );
      await page.locator('#decisions tr.up').first().waitFor({ timeout: 30_000 });
      assert.match((await page.locator('#decisions tr.up').first().textContent()) ?? '', /workers.*scale_up.*1 → 2/);
      assert.equal(
        await page.locator('#sizes .u-axis').count(),
        3,
        'sizes chart: time axis, processes axis, backlog axis',
      );

      // Opened mid-run: the server's history already holds the growth; a new page must draw it from its first load.
      await until(
        async () => (await history()).samples.some((s) => s.workerSize >= 2),
        'a history sample with 2+ workers',
        60_000,
        250,
      );
      const openedAt = Date.now();
      const late = await browser.newPage({ viewport: VIEWPORT });
      await late.goto(e.run.controlUrl);
      await late.locator('#sizes .u-legend').waitFor({ timeout: 30_000 });
      await late.locator('#metrics .u-legend').waitFor({ timeout: 30_000 });
      const chart = (await late.evaluate(`(() => {
      const s = faafoCharts.sizes, m = faafoCharts.metrics;
      const labels = sel => [...document.querySelectorAll(sel + ' .u-legend .u-label')].map(e => e.textContent);
      return { t: s.data[0], workers: s.data[2], backlog: s.data[3], axes: s.axes.map(a => a.label ?? null),
        ticks: s.root.dataset.timeTicks ?? '', legend: labels('#sizes'), metricsLegend: labels('#metrics'),
        domAxes: document.querySelectorAll('#sizes .u-axis').length };
    })()`)) as {
        t: number[];
        workers: (number | null)[];
        backlog: (number | null)[];
        axes: (string | null)[];
        ticks: string;
        legend: string[];
        metricsLegend: string[];
        domAxes: number;
      };
      const before = chart.t
        .map((t, i) => ({ t: t * 1000, workers: chart.workers[i], backlog: chart.backlog[i] }))
        .filter((p) => p.t < openedAt);
      assert.ok(before.length >= 3, `samples from before the page opened: ${before.length}`);
      assert.ok(
        before.some((p) => p.workers === 1) && before.some((p) => (p.workers ?? 0) >= 2),
        `history from before the page opened shows the workers growing 1 -> 2: ${JSON.stringify(before.map((p) => p.workers))}`,
      );
      assert.ok(
        before.some((p) => (p.backlog ?? 0) > 0),
        `backlog series carries the queued fractals: ${JSON.stringify(before.map((p) => p.backlog))}`,
      );
      assert.deepEqual(chart.axes, ['time', 'processes', 'backlog (fractals)']);
      assert.equal(chart.domAxes, 3);
      assert.match(chart.ticks, /^\d\d:\d\d:\d\d( \d\d:\d\d:\d\d)+$/, `time axis shows clock times: ${chart.ticks}`);
      assert.deepEqual(chart.legend, ['API servers', 'workers', 'backlog (fractals not rendered)']);
      for (const want of [
        /^API CPU %/,
        /^workers scale-up above 2 per worker$/,
        /^workers scale-down below 0\.5 per worker$/,
        /^API scale-up above 90 %$/,
      ]) {
        assert.ok(
          chart.metricsLegend.some((l) => want.test(l)),
          `metrics legend has ${want}: ${JSON.stringify(chart.metricsLegend)}`,
        );
      }

      // No-op verdicts (alarm held back by the cooldown) are in the state but not in the table.
      const noop = await until(
        async () => (await e.run.state()).decisions.find((d) => d.action === 'none' && d.members.length === 0),
        'a held-back (no-op) decision in the run state',
        300_000,
        500,
      );
      await late.waitForFunction(`document.querySelectorAll('#decisions tr').length >= 1`, undefined, {
        timeout: 30_000,
      });
      const rows = (await late.evaluate(
        `[...document.querySelectorAll('#decisions tr')].map(r => [...r.cells].map(c => c.textContent))`,
      )) as string[][];
      for (const r of rows) {
        assert.ok(
          r[2] === 'scale_up' || r[2] === 'scale_down' || r[5] !== '',
          `only changes are listed, not ${JSON.stringify(r)} (no-op seen: ${noop.reason})`,
        );
      }
      assert.match(
        (await late.locator('[data-tier="workers"] .last').textContent()) ?? '',
        /last decision \(\d\d:\d\d:\d\d\): (none|scale_up|scale_down), \S/,
      );

      await load;
      // Fractals rendered after the page opened: its gallery frame reloads and shows them. Once the page has seen the
      // last render and its frame has loaded after it, every image in the frame decodes.
      await late.waitForFunction(`Number(document.querySelector('#gallery').dataset.loads) >= 2`, undefined, {
        timeout: 120_000,
        polling: 500,
      });
      const renderedAll = await until(
        async () => {
          const last = (await history()).samples.at(-1);
          return last?.backlog === 0 && (last.rendered ?? 0) > 0 && last.rendered;
        },
        'the backlog drained in the history',
        120_000,
        250,
      );
      // (the page's own variables: the count it last reloaded the frame for, and when; the frame's last load time)
      await late.waitForFunction(
        `rendered === ${renderedAll} && Number(document.querySelector('#gallery').dataset.loadedAt) > galleryAt`,
        undefined,
        {
          timeout: 60_000,
          polling: 250,
        },
      );
      const frame = late.frameLocator('#gallery');
      await frame.locator('img.fractal-image').first().waitFor({ timeout: 60_000 });
      // The gallery's thumbnails are loading="lazy": the ones below the frame's fold never load on their own, so
      // ask for all of them (every one must then decode: a broken or missing PNG fails the wait)
      await frame
        .locator('img.fractal-image')
        .evaluateAll((imgs) => imgs.forEach((i) => ((i as unknown as { loading: string }).loading = 'eager')));
      await until(
        async () =>
          await frame
            .locator('img.fractal-image')
            .evaluateAll(
              (imgs) =>
                imgs.length > 0 &&
                imgs.every(
                  (i) =>
                    (i as unknown as { complete: boolean; naturalWidth: number }).complete &&
                    (i as unknown as { naturalWidth: number }).naturalWidth > 0,
                ),
            ),
        'the gallery frame images decoded',
        60_000,
        250,
      );
      await late.waitForFunction(`faafoCharts.sizes.data[0].length > ${chart.t.length}`, undefined, {
        timeout: 30_000,
      });
      const dir = process.env.FAAFO_SCREENSHOT_DIR ?? mkdtempSync(path.join(os.tmpdir(), 'faafo-live-page-'));
      await late.screenshot({ path: path.join(dir, 'live-page.png'), fullPage: true });
    } finally {
      await load?.catch(() => {});
      await browser.close();
      await e.dispose();
    }
  },
);
