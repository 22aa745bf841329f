import { BaseCommand } from '../lib/command.js';
import { cloudFlags } from '../lib/cloud-flags.js';
import { openSession } from '../stack/session.js';

export default class List extends BaseCommand {
  static override summary = 'List the stacks of your project';
  static override description = 'JSON: [{"id","name","status","reason","created","updated"}]';
  static override examples = ['<%= config.bin %> list', '<%= config.bin %> list --os-cloud mycloud --json'];
  static override flags = { ...cloudFlags };

  async run() {
    const { flags } = await this.parse(List);
    const { heat } = await openSession(flags);
    const stacks = (await heat.listStacks()).map((s) => ({
      id: s.id,
      name: s.name,
      status: s.stack_status,
      reason: s.stack_status_reason ?? '',
      created: s.creation_time,
      updated: s.updated_time ?? null,
    }));
    if (!stacks.length) this.emit('(no stacks)');
    for (const s of stacks) this.emit(`${s.name.padEnd(30)} ${s.status.padEnd(20)} ${s.created}  ${s.id}`);
    return stacks;
  }
}
