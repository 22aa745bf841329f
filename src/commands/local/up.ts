import { Flags } from '@oclif/core';
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { BaseCommand } from '../../lib/command.js';
import { FaafoError } from '../../lib/errors.js';
import { resolveConfig } from '../../config/index.js';
import { localUpFlags, toLocalOptions } from '../../local/options.js';
import { assertPortFree } from '../../local/ports.js';
import { findLocalRun, stateDirOf } from '../../local/state.js';
import { startLocal } from '../../local/supervisor.js';

export default class LocalUp extends BaseCommand {
  static override summary = 'Run the stack as local processes: API processes behind a balancer, workers, and an autoscaler.';
  static override description = `Starts --min-api \`faafo api\` processes behind a round-robin balancer (health-checked on /healthz) on --port,
--min-workers \`faafo worker\` processes, and scales each tier between its min and max with the same policy settings
\`generate\` writes into the Heat template (CPU of the tier's processes; --worker-scaling queue uses the backlog).
The live page (tier sizes, decisions, gallery) is on --control-port. Stop with Ctrl-C or \`faafo-stack local down\`.`;
  static override examples = [
    '<%= config.bin %> local up',
    '<%= config.bin %> local up --detach --max-workers 4 --worker-scaling queue --granularity 10 --cooldown 20',
  ];
  static override flags = {
    ...localUpFlags,
    detach: Flags.boolean({ description: 'run in the background; logs in .faafo/local/supervisor.log' }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(LocalUp);
    const cwd = process.cwd();
    const running = await findLocalRun(cwd);
    if (running) throw new FaafoError(`a local run is already up in this folder (pid ${running.pid}, ${running.appUrl})`, { hint: 'faafo-stack local down' });
    const cfg = await resolveConfig({ configPath: flags.config, cwd });
    const opts = toLocalOptions(flags, cwd, cfg, (l) => this.log(l));
    if (flags.detach) {
      // A busy port is the common failure: say so here, not only in the background run's log.
      await assertPortFree(opts.port, '--port');
      await assertPortFree(opts.controlPort, '--control-port');
      const dir = stateDirOf(cwd);
      await mkdir(dir, { recursive: true });
      const logFile = path.join(dir, 'supervisor.log');
      const logStart = await stat(logFile).then((st) => st.size, () => 0);
      const out = openSync(logFile, 'a');
      const argv = process.argv.slice(1).filter((a) => a !== '--detach' && a !== '--json');
      // Loader flags (`--import tsx` when run from source) resolved here: the child's folder may have no node_modules.
      const execArgv = process.execArgv.map((a, i, all) =>
        all[i - 1] === '--import' && !/^(\.|\/|file:|data:)/.test(a) ? import.meta.resolve(a) : a,
      );
      const child = spawn(process.execPath, [...execArgv, ...argv], { cwd, detached: true, stdio: ['ignore', out, out] });
      child.unref();
      const end = Date.now() + 300_000;
      while (Date.now() < end) {
        const s = await findLocalRun(cwd);
        if (s) {
          this.emit(`local run up: app ${s.appUrl}  page ${s.controlUrl}  (pid ${s.pid}; faafo-stack local down to stop)`);
          return s;
        }
        if (child.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 300));
      }
      // The background run's own one-line error (BaseCommand wrote "Error: ..." to the log) is the reason.
      const written = (await readFile(logFile, 'utf8').catch(() => '')).slice(logStart);
      const reason = /^Error: (.+)$/m.exec(written)?.[1];
      if (child.exitCode !== null && reason) throw new FaafoError(reason);
      throw new FaafoError('the local run did not come up', { hint: `see ${logFile}` });
    }
    const run = await startLocal(opts);
    this.log(`local run up: app ${run.appUrl}  page ${run.controlUrl}  (Ctrl-C to stop)`);
    await new Promise<void>((resolve) => {
      const done = () => resolve();
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
    });
    this.log('stopping: workers finish their tasks first');
    await run.stop();
    return { stopped: true };
  }
}
