import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../lib/command.js';
import { cloudFlags } from '../lib/cloud-flags.js';
import { computeDiff, formatDiff, hasChanges } from '../stack/diff.js';
import { inputFlags, stackFlag } from '../stack/flags.js';
import { openSession, requireStack, stackName } from '../stack/session.js';
import { carryOver } from '../stack/carry-over.js';
import { buildInput, lifecycleConfigFlags } from '../stack/stack-input.js';

export default class Diff extends BaseCommand {
  static override summary = 'Show what an update would change, from Heat\'s update preview';
  static override description =
    '[+] added, [-] deleted, [~] updated (REPLACED when Heat would replace it), [!] a security group rule that opens the ' +
    'group wider. Resources Heat\'s preview lists only because it re-resolves references (unchanged definition and inputs) ' +
    'are named on a separate line, not counted. --fail exits 1 when there are changes (CI). ' +
    'JSON: {"stack","changes":[{"resource","type","action":"add|delete|update|replace"}],"parameters":[{"name","from","to"}],"ignored":[...],"unchanged","widening":[{"group","rule"}]}';
  static override examples = [
    '<%= config.bin %> diff my-faafo --max-workers 8',
    '<%= config.bin %> diff my-faafo --template stack.yaml -e env.yaml --fail',
    '<%= config.bin %> diff my-faafo --json',
  ];
  static override args = { stack: Args.string({ description: 'stack name or id' }) };
  static override flags = {
    ...cloudFlags,
    ...lifecycleConfigFlags,
    ...inputFlags,
    stack: stackFlag,
    fail: Flags.boolean({ description: 'exit 1 when the update would change anything' }),
  };

  async run() {
    const { args, flags } = await this.parse(Diff);
    const input = await buildInput(flags);
    const { heat } = await openSession(flags);
    const stack = await requireStack(heat, stackName(args.stack, flags.stack, input.name));
    // only what the user set changes: other parameters keep their current values, group sizes their current size
    await carryOver(heat, stack, input.stack, input.explicit);
    const diff = await computeDiff(heat, stack, input.stack);
    for (const l of formatDiff(diff)) this.emit(l);
    if (flags.fail && hasChanges(diff)) {
      if (this.jsonEnabled()) this.logJson(diff);
      return this.exit(1);
    }
    return diff;
  }
}
