import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../lib/command.js';
import { cloudFlags } from '../lib/cloud-flags.js';
import { deleteStack, failureError } from '../stack/apply.js';
import { requireApproval, terminalPrompter } from '../stack/approval.js';
import { eventPrinter } from '../stack/progress.js';
import { shouldWait, stackFlag, waitFlags } from '../stack/flags.js';
import { resultLines } from '../stack/print.js';
import { openSession, requireStack, stackName } from '../stack/session.js';
import { removeBundle } from '../stack/bundle-lifetime.js';
import { revokeImageStore } from '../stack/image-store.js';

export default class Delete extends BaseCommand {
  static override summary = 'Delete a stack and everything in it';
  static override description =
    'Asks for confirmation on a terminal unless --yes; without a terminal --yes is required (exit 2 otherwise). ' +
    'JSON: {"stack":{"id","name","status","reason"},"action":"DELETE","waited","ok","events","failures","outputs":{}}';
  static override examples = ['<%= config.bin %> delete my-faafo --yes --wait', '<%= config.bin %> delete my-faafo'];
  static override args = { stack: Args.string({ description: 'stack name or id' }) };
  static override flags = {
    ...cloudFlags,
    ...waitFlags,
    stack: stackFlag,
    yes: Flags.boolean({ char: 'y', description: 'do not ask for confirmation' }),
  };

  async run() {
    const { args, flags } = await this.parse(Delete);
    const { heat, cloud } = await openSession(flags);
    const stack = await requireStack(heat, stackName(args.stack, flags.stack));
    if (!flags.yes) {
      await requireApproval(
        `delete of stack ${stack.name}`,
        [`deletes the stack and all its resources`],
        terminalPrompter(),
        'rerun with --yes to delete without asking',
      );
    }
    const json = this.jsonEnabled();
    const printer = json ? undefined : eventPrinter((l) => this.log(l));
    const result = await deleteStack(heat, stack, {
      wait: shouldWait(flags.wait),
      timeoutMins: flags.timeout,
      onEvent: printer?.onEvent,
    }).finally(() => printer?.stop());
    if (!result.ok) {
      if (json) {
        this.logJson(result);
        return this.exit(1);
      }
      for (const l of resultLines(result).slice(1)) this.log(l);
      throw failureError(result);
    }
    for (const l of resultLines(result)) this.emit(l);
    // what `create` uploaded goes with the stack (once it is gone: a failed delete still needs it)
    if (result.waited) {
      const b = await removeBundle(cloud, heat, stack.parameters?.app_url, stack.id);
      if (b?.removed) this.emit(`Removed the app bundle ${b.removed} from Swift`);
      if (b?.kept) this.emit(`Kept the app bundle ${b.kept}`);
      const images = await revokeImageStore(cloud, stack);
      if (images) this.emit(`Revoked the image store's application credential; the images stay in Swift container ${images}`);
    }
    return result;
  }
}
