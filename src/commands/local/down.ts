import { Flags } from '@oclif/core';
import { BaseCommand } from '../../lib/command.js';
import { FaafoError } from '../../lib/errors.js';
import { findLocalRun } from '../../local/state.js';

export default class LocalDown extends BaseCommand {
  static override summary = 'Stop the local run in this folder (workers finish their tasks first).';
  static override flags = {
    timeout: Flags.integer({ default: 180, min: 1, description: 'seconds to wait for it to stop' }),
  };

  async run(): Promise<{ stopped: boolean; pid?: number }> {
    const { flags } = await this.parse(LocalDown);
    const s = await findLocalRun(process.cwd());
    if (!s) {
      this.emit('no local run is up in this folder');
      return { stopped: false };
    }
    process.kill(s.pid, 'SIGTERM');
    const end = Date.now() + flags.timeout * 1000;
    while (Date.now() < end) {
      if (!(await findLocalRun(process.cwd()))) {
        this.emit(`stopped local run (pid ${s.pid})`);
        return { stopped: true, pid: s.pid };
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    throw new FaafoError(`local run (pid ${s.pid}) did not stop within ${flags.timeout} s`, { hint: `kill ${s.pid}` });
  }
}
