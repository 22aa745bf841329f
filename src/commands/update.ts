import { Args } from '@oclif/core';
import { BaseCommand } from '../lib/command.js';
import { cloudFlags } from '../lib/cloud-flags.js';
import { failureError, updateStack } from '../stack/apply.js';
import { approvalReasons, requireApproval, terminalPrompter, type ApprovalPolicy } from '../stack/approval.js';
import { computeDiff, formatDiff, hasChanges } from '../stack/diff.js';
import { eventPrinter } from '../stack/progress.js';
import { applyFlags, applyOptions, approvalFlag, inputFlags, stackFlag } from '../stack/flags.js';
import { resultLines } from '../stack/print.js';
import { openSession, requireStack, stackName } from '../stack/session.js';
import { carryOver } from '../stack/carry-over.js';
import { removeBundle, resignBundle, sameBundle } from '../stack/bundle-lifetime.js';
import { buildInput, lifecycleConfigFlags } from '../stack/stack-input.js';

export default class Update extends BaseCommand {
  static override summary = 'Show the diff, ask when it is risky, then update the stack';
  static override description =
    '--require-approval: never | broadening (default: ask before replacing or deleting resources or opening a security ' +
    'group wider) | any-change (ask before any change). It only asks on a terminal; without one it refuses (exit 2). ' +
    'It changes only what you set (flags, config file, --parameter, -e): other parameters keep their current values and ' +
    'each group keeps its current size unless you set its desired capacity. Shrinking a group, replacing or rebuilding ' +
    'a standalone (stateful) server and deleting a resource (nested ones too) are destructive: broadening asks first. ' +
    'JSON: {"diff":{...as diff},"result":{...as create}|null}';
  static override examples = [
    '<%= config.bin %> update my-faafo --max-workers 8 --wait',
    '<%= config.bin %> update my-faafo --template stack.yaml -e env.yaml --require-approval never --wait',
    '<%= config.bin %> update my-faafo --require-approval any-change',
  ];
  static override args = { stack: Args.string({ description: 'stack name or id' }) };
  static override flags = {
    ...cloudFlags,
    ...lifecycleConfigFlags,
    ...inputFlags,
    ...applyFlags,
    stack: stackFlag,
    'require-approval': approvalFlag,
  };

  async run() {
    const { args, flags } = await this.parse(Update);
    const input = await buildInput(flags);
    const { heat, cloud } = await openSession(flags);
    const stack = await requireStack(heat, stackName(args.stack, flags.stack, input.name));
    // only what the user set changes: other parameters keep their current values, group sizes their current size
    await carryOver(heat, stack, input.stack, input.explicit);
    const resigned = await resignBundle(cloud, stack, input.stack, input.explicit);
    if (resigned) this.logToStderr(`The app bundle's TempURL was close to expiry: re-signed until ${resigned}`);
    const diff = await computeDiff(heat, stack, input.stack);
    const json = this.jsonEnabled();
    const printer = json ? undefined : eventPrinter((l) => this.log(l));
    for (const l of formatDiff(diff)) this.emit(l);
    if (!hasChanges(diff)) return { diff, result: null };
    const reasons = approvalReasons(flags['require-approval'] as ApprovalPolicy, diff);
    await requireApproval(`update of stack ${stack.name}`, reasons, terminalPrompter());
    const result = await updateStack(heat, stack, input.stack, applyOptions(flags, printer?.onEvent)).finally(() =>
      printer?.stop(),
    );
    if (!result.ok) {
      if (json) {
        this.logJson({ diff, result });
        return this.exit(1);
      }
      for (const l of resultLines(result).slice(1)) this.log(l);
      throw failureError(result);
    }
    for (const l of resultLines(result)) this.emit(l);
    // the bundle create uploaded, once the stack has moved to another and every server was replaced (waited)
    const before = stack.parameters?.app_url;
    const after = input.stack.parameters.app_url;
    if (result.waited && !sameBundle(cloud, before, typeof after === 'string' ? after : before)) {
      const b = await removeBundle(cloud, heat, before);
      if (b?.removed) this.emit(`Removed the previous app bundle ${b.removed} from Swift (no stack uses it)`);
    }
    return { diff, result };
  }
}
