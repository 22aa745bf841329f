import { Flags } from '@oclif/core';
import { BaseCommand } from '../lib/command.js';
import { cloudFlags } from '../lib/cloud-flags.js';
import { UsageError } from '../lib/errors.js';
import { parseMix, parseSize } from '../load/mix.js';
import { runLoad, type LoadResult } from '../load/run.js';
import { formatRow, formatSummary, formatEvent } from '../load/report.js';
import { assertAnswered, assertAuthorized } from '../load/target.js';
import { resolveTarget } from '../load/resolve.js';
import { autoRateController, findTaskRate, startingWorkers, type AutoRate } from '../load/auto-rate.js';

export default class Load extends BaseCommand {
  static override summary = 'Put load on a faafo app: fractal tasks or API requests at an arrival rate, and watch it scale.';
  static override description = [
  'Sends load at an app URL (--url, a running `faafo-stack local up` in this folder, or --watch-stack\'s load balancer output), open model: requests start on schedule whatever the answers.',
  '--mode tasks creates fractal tasks like `faafo create` and follows each until rendered (backlog, completion times), with Node\'s fetch. --rate auto finds the rate that makes the workers scale here: twice what they render (probed here, then raised while the load runs if the workers report faster renders).',
  '--mode api sends a list/get/create mix. At a fixed --rate: an open-model sender of its own (node:http; requests start on schedule, at most --connections in flight). Only --rate max uses autocannon (closed loop over --connections, as fast as answered).',
  'With --watch-stack and no --api-key, creates carry the stack\'s own API key (read from the stack like `outputs --show-secrets`, never printed) when the load goes to its app_url; a 401 stops the run with one line saying which key the API wants.',
  'A target that does not answer at all is an error (exit 1, one line naming the URL and the cause). Writes timeline.csv, timeline.json and chart.svg to --out.',
].join('\n\n');
  static override examples = [
    '<%= config.bin %> load --mode tasks --rate auto --duration 40 --size 3000x3000@512 --settle 300',
    '<%= config.bin %> load --mode tasks --rate 2 --duration 60 --size 512x512',
    '<%= config.bin %> load --mode api --url http://127.0.0.1:8800 --rate 200 --duration 30 --mix list=70,get=25,create=5',
    '<%= config.bin %> load --mode tasks --watch-stack faafo --rate 1 --duration 300 --out load-out   # the stack\'s app_url and API key',
  ];
  static override flags = {
    url: Flags.string({ description: 'app URL (default: the local run in this folder, else the stack output)' }),
    mode: Flags.string({ options: ['api', 'tasks'], default: 'tasks', description: 'what to send' }),
    'api-key': Flags.string({
      env: 'FAAFO_API_KEY',
      description:
        "the app's API key for creates when its writes are protected (env FAAFO_API_KEY); default with --watch-stack: the stack's own key, read from the stack (never printed)",
    }),
    rate: Flags.string({
      default: '1',
      description:
        'arrivals per second (requests or tasks); api mode: max = closed loop over --connections; tasks mode: auto = twice what the workers render (3 probe renders of --size on one warm thread here, then raised to twice the render times the workers report), so they scale on any machine',
    }),
    duration: Flags.integer({ default: 30, min: 1, description: 'seconds of load' }),
    'max-requests': Flags.integer({ min: 1, description: 'stop after this many requests/tasks' }),
    connections: Flags.integer({ min: 1, description: 'api mode: cap on requests in flight (default 256; --rate max: connections, default 10)' }),
    timeout: Flags.integer({ default: 30, min: 1, description: 'seconds before a request counts as a timeout' }),
    mix: Flags.string({ default: 'list=70,get=25,create=5', description: 'api mode: request mix' }),
    size: Flags.string({ description: 'fractal size WIDTHxHEIGHT[@ITERATIONS] (default: random like faafo create; api mode 64x64@128)' }),
    interval: Flags.integer({ default: 1, min: 1, description: 'seconds per timeline interval / progress line' }),
    'drain-timeout': Flags.integer({ default: 300, min: 0, description: 'tasks mode: seconds to wait for the backlog after the load' }),
    settle: Flags.integer({ default: 0, min: 0, description: 'seconds to keep watching tiers after the load until they are back at their starting size' }),
    'watch-stack': Flags.string({ description: 'Heat stack whose tier sizes and alarms to follow' }),
    'watch-local': Flags.boolean({ description: 'follow the tiers of the `local up` run in this folder (default when it is the target)' }),
    ...cloudFlags,
    out: Flags.string({ default: 'faafo-load', description: 'folder for timeline.csv, timeline.json, chart.svg' }),
  };

  async run(): Promise<LoadResult & { autoRate?: AutoRate }> {
    const { flags } = await this.parse(Load);
    const mode = flags.mode as 'api' | 'tasks';
    const auto = flags.rate === 'auto' && mode === 'tasks';
    let rate: number | 'max' = flags.rate === 'max' && mode === 'api' ? 'max' : auto ? 0 : Number(flags.rate);
    if (!auto && rate !== 'max' && (!(rate > 0) || !Number.isFinite(rate))) {
      throw new UsageError(
        `bad --rate "${flags.rate}"`,
        'give arrivals per second > 0, e.g. --rate 2 or --rate 0.5; api mode also takes --rate max, tasks mode --rate auto',
      );
    }
    const mix = parseMix(flags.mix);
    const size = parseSize(flags.size ?? (mode === 'api' ? '64x64@128' : undefined));
    const target = await resolveTarget({
      url: flags.url,
      watchStack: flags['watch-stack'],
      watchLocal: flags['watch-local'],
      apiKey: flags['api-key'] || undefined,
      cloud: flags['os-cloud'],
      region: flags['os-region-name'],
      cwd: process.cwd(),
      timeoutS: flags.timeout,
    });
    const { url, watcher } = target;
    let autoRate: AutoRate | undefined;
    if (auto) {
      autoRate = await findTaskRate({ size, workers: await startingWorkers(watcher) });
      rate = autoRate.rate;
      if (!this.jsonEnabled()) {
        this.log(
          `--rate auto: a ${flags.size ?? 'random-size'} fractal renders in ${autoRate.renderS} s on one thread here (median of ${autoRate.probes}); ` +
            `${autoRate.workers} worker(s) render ${Number((autoRate.workers / autoRate.renderS).toPrecision(2))}/s: offering ${rate} tasks/s`,
        );
      }
    }
    const tty = process.stdout.isTTY && !this.jsonEnabled();
    const ac = new AbortController();
    const onSig = () => ac.abort();
    process.once('SIGINT', onSig);
    const result = await runLoad({
      url,
      apiKey: target.apiKey,
      apiKeyFrom: target.apiKeyFrom,
      mode,
      rate,
      durationS: flags.duration,
      maxRequests: flags['max-requests'],
      connections: flags.connections,
      timeoutS: flags.timeout,
      mix,
      size,
      intervalS: flags.interval,
      drainTimeoutS: flags['drain-timeout'],
      settleS: flags.settle,
      watcher,
      outDir: flags.out,
      signal: ac.signal,
      adjustRate: autoRate ? autoRateController(autoRate) : undefined,
      onRate: (r) => {
        if (this.jsonEnabled() || !autoRate) return;
        const a = autoRate.adjustments.at(-1);
        if (tty) process.stdout.write('\r\x1b[2K');
        this.log(`--rate auto: the workers render in ${a?.renderS ?? '?'} s (median of their recent tasks): offering ${r} tasks/s`);
      },
      onRow: (row) => {
        if (this.jsonEnabled()) return;
        if (tty) process.stdout.write(`\r\x1b[2K${formatRow(row, mode)}`);
        else this.log(formatRow(row, mode));
      },
      onEvent: (e) => {
        if (this.jsonEnabled()) return;
        if (tty) process.stdout.write('\r\x1b[2K');
        this.log(formatEvent(e));
      },
    });
    process.off('SIGINT', onSig);
    if (tty) process.stdout.write('\n');
    if (!ac.signal.aborted) assertAnswered(url, result.requests.responses, result.requests.errorsByKind, flags.timeout);
    assertAuthorized(url, result.requests.errorsByKind, target.apiKeyFrom);
    this.emit(formatSummary(result));
    return autoRate ? { ...result, autoRate } : result;
  }
}
