import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../lib/command.js';
import { FaafoError, UsageError } from '../lib/errors.js';
import { cloudFlags } from '../lib/cloud-flags.js';
import { formatEvent } from '../stack/events.js';
import { stackFlag } from '../stack/flags.js';
import { scaleTier } from '../stack/scale.js';
import { openSession, requireStack, stackName } from '../stack/session.js';

export default class Scale extends BaseCommand {
  static override summary = 'Scale a tier: signal its scaling policy (up|down), or set its size (--to N)';
  static override description =
    'up/down signal the tier\'s OS::Heat::ScalingPolicy as an alarm would and wait until the group has resized. ' +
    'Heat ignores a signal inside the cooldown (or at min/max size) without an error: then this says so, with the ' +
    'cooldown\'s end, and exits 1. --to N updates the stack\'s size parameter of the group (a stack update). ' +
    'JSON: {"stack","tier","group","method":"signal|update","policy","parameter","before","after","changed","ignored","status"}';
  static override examples = [
    '<%= config.bin %> scale workers up --stack my-faafo',
    '<%= config.bin %> scale api down -s my-faafo',
    '<%= config.bin %> scale workers --to 4 -s my-faafo',
  ];
  static override args = {
    tier: Args.string({ description: 'api | workers (or the group resource name)', required: true }),
    direction: Args.string({ description: 'which way to scale', options: ['up', 'down'] }),
  };
  static override flags = {
    ...cloudFlags,
    stack: stackFlag,
    to: Flags.integer({ description: 'set the group to this many members (stack update)', min: 0 }),
    timeout: Flags.integer({ description: 'seconds to wait for the resize', default: 300, min: 1 }),
  };

  async run() {
    const { args, flags } = await this.parse(Scale);
    if ((args.direction === undefined) === (flags.to === undefined)) {
      throw new UsageError('say either up|down or --to N', 'e.g. `faafo-stack scale workers up -s my-faafo`');
    }
    const { heat } = await openSession(flags);
    const stack = await requireStack(heat, stackName(flags.stack));
    const json = this.jsonEnabled();
    const r = await scaleTier(heat, stack, {
      tier: args.tier,
      direction: args.direction as 'up' | 'down' | undefined,
      to: flags.to,
      timeoutS: flags.timeout,
      onEvent: json ? undefined : (e) => this.log(formatEvent(e)),
    });
    if (r.ignored) {
      if (json) {
        this.logJson(r);
        return this.exit(1);
      }
      throw new FaafoError(r.ignored);
    }
    this.emit(`Tier ${r.tier} (${r.group}): ${r.before ?? '?'} -> ${r.after ?? '?'}`);
    return r;
  }
}
