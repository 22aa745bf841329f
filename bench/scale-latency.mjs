#!/usr/bin/env node
// Time from load start to the second worker taking tasks, CPU-driven vs queue-driven, on this machine: a local run
// (1 API, workers 1..2, RabbitMQ vhost), `load --mode tasks` at a rate one worker cannot keep up with, and the
// moment the second worker logs its first "processing task". Same granularity, evaluation periods and cooldown
// for both signals.
//   node --import tsx bench/scale-latency.mjs [--granularity 10] [--rate 6] [--size 3000x3000@512]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startLocal } from '../src/local/supervisor.ts';
import { cpuTierScaling, queueTierScaling } from '../monitoring/params.ts';
import { runLoad } from '../src/load/run.ts';
import { parseSize } from '../src/load/mix.ts';

const { values: a } = parseArgs({
  options: {
    granularity: { type: 'string', default: '10' },
    rate: { type: 'string', default: '6' },
    size: { type: 'string', default: '3000x3000@512' },
    'scale-up-cpu': { type: 'string', default: '60' },
    'scale-up-backlog': { type: 'string', default: '2' },
  },
});
const g = Number(a.granularity);
const common = { granularityS: g, evaluationPeriods: 1, cooldownS: 2 * g };

async function measure(metric) {
  const vhost = `faafo_bench_${process.pid}_${metric}`;
  execFileSync('rabbitmqctl', ['-q', 'add_vhost', vhost]);
  execFileSync('rabbitmqctl', ['-q', 'set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*']);
  const dir = mkdtempSync(path.join(os.tmpdir(), `faafo-bench-scale-${metric}-`));
  const run = await startLocal({
    cwd: dir,
    port: 0,
    controlPort: 0,
    databaseUrl: `sqlite:${dir}/db.sqlite`,
    queueUrl: `amqp://guest:guest@127.0.0.1:5672/${vhost}`,
    imageUrl: `file:${dir}/images`,
    threads: 1,
    api: cpuTierScaling({ minSize: 1, maxSize: 1, scaleUpCpu: 95, scaleDownCpu: 1, ...common }),
    workers:
      metric === 'queue'
        ? queueTierScaling({ minSize: 1, maxSize: 2, scaleUpBacklogPerWorker: Number(a['scale-up-backlog']), scaleDownBacklogPerWorker: 0.1, ...common })
        : cpuTierScaling({ minSize: 1, maxSize: 2, scaleUpCpu: Number(a['scale-up-cpu']), scaleDownCpu: 1, ...common }),
    workerMetric: metric,
    sampleS: 1,
    stopGraceS: 60,
  });
  const t0 = Date.now();
  const ac = new globalThis.AbortController();
  const load = runLoad({
    url: run.appUrl,
    mode: 'tasks',
    rate: Number(a.rate),
    durationS: 20 * g,
    timeoutS: 30,
    mix: { list: 0, get: 0, create: 1 },
    size: parseSize(a.size),
    intervalS: 1,
    drainTimeoutS: 0,
    settleS: 0,
    signal: ac.signal,
  });
  let decisionS, secondS;
  const logs = path.join(dir, '.faafo', 'local', 'logs');
  while (Date.now() - t0 < 25 * g * 1000) {
    const up = run.state().decisions.find((d) => d.tier === 'workers' && d.action === 'scale_up');
    if (up && decisionS === undefined) decisionS = (Date.parse(up.at) - t0) / 1000;
    if (up) {
      const f = path.join(logs, `${up.members[0]}.log`);
      if (existsSync(f) && /processing task/.test(readFileSync(f, 'utf8'))) {
        secondS = (Date.now() - t0) / 1000;
        break;
      }
    }
    await sleep(200);
  }
  ac.abort();
  await load.catch(() => {});
  await run.stop();
  execFileSync('rabbitmqctl', ['-q', 'delete_vhost', vhost]);
  rmSync(dir, { recursive: true, force: true });
  return { metric, scaleUpDecisionS: decisionS ?? null, secondWorkerTakesTasksS: secondS ?? null };
}

const results = [];
for (const m of ['cpu', 'queue']) {
  const r = await measure(m);
  console.log(`${m}-driven: scale-up decided after ${r.scaleUpDecisionS ?? '-'} s, second worker took a task after ${r.secondWorkerTakesTasksS ?? '-'} s`);
  results.push(r);
}
console.log(JSON.stringify({ granularityS: g, evaluationPeriods: 1, rate: Number(a.rate), size: a.size, results }));
