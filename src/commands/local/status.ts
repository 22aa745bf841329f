import { BaseCommand } from '../../lib/command.js';
import { FaafoError } from '../../lib/errors.js';
import { findLocalRun, type LocalState } from '../../local/state.js';

export default class LocalStatus extends BaseCommand {
  static override summary = 'Show the tiers, their sizes and the recent scaling decisions of the local run in this folder.';
  static override examples = ['<%= config.bin %> local status', '<%= config.bin %> local status --json'];

  async run(): Promise<LocalState> {
    await this.parse(LocalStatus);
    const s = await findLocalRun(process.cwd());
    if (!s) throw new FaafoError('no local run is up in this folder', { hint: 'start one with faafo-stack local up' });
    // The live state (sizes change between state-file writes) from the supervisor itself when it answers.
    let live = s;
    try {
      const res = await fetch(new URL('/api/state', s.controlUrl), { signal: AbortSignal.timeout(3000) });
      if (res.ok) live = (await res.json()) as LocalState;
    } catch {
      /* the state file is at most a few seconds old */
    }
    const lines = [`local run (pid ${live.pid}, up since ${live.startedAt}): app ${live.appUrl}  page ${live.controlUrl}`];
    for (const t of live.tiers) {
      lines.push(
        `${t.name.padEnd(8)} size ${t.size} (min ${t.min}, max ${t.max})  ${t.metric} ${t.value ?? '-'}  members: ${t.members.map((m) => m.name).join(', ') || '-'}`,
      );
    }
    const recent = live.decisions.slice(-10);
    lines.push(recent.length ? 'recent decisions:' : 'no scaling decisions yet');
    for (const d of recent) lines.push(`  ${d.at} ${d.tier} ${d.action} ${d.from} -> ${d.to}: ${d.reason}${d.members.length ? ` [${d.members.join(', ')}]` : ''}`);
    this.emit(lines.join('\n'));
    return live;
  }
}
