import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../lib/command.js';
import { cloudFlags } from '../lib/cloud-flags.js';
import { EventPoller, formatEvent, type StackEvent } from '../stack/events.js';
import { stackFlag } from '../stack/flags.js';
import { openSession, requireStack, stackName } from '../stack/session.js';
import { AlarmEventPoller } from '../stack/alarms.js';

export default class Events extends BaseCommand {
  static override summary = "A stack's events, nested stacks included, one per line";
  static override description =
    'Each line: time, status, resource with its nested path (api_asg/<member>/server), reason; alarm state transitions ' +
    'from Aodh are lines with status ALARM_<STATE> and the transition reason. --follow keeps printing new ' +
    'events until interrupted or the stack is deleted (like `openstack stack event list --follow`). ' +
    'JSON: [{"id","time","resource","path","status","reason"}] (with --follow: one JSON object per line).';
  static override examples = [
    '<%= config.bin %> events my-faafo',
    '<%= config.bin %> events my-faafo --follow',
    '<%= config.bin %> events my-faafo --json',
  ];
  static override args = { stack: Args.string({ description: 'stack name or id' }) };
  static override flags = {
    ...cloudFlags,
    stack: stackFlag,
    follow: Flags.boolean({ char: 'f', description: 'keep printing new events' }),
    'poll-interval': Flags.integer({ description: 'seconds between polls with --follow', default: 2, min: 1 }),
  };

  async run() {
    const { args, flags } = await this.parse(Events);
    const { heat, cloud } = await openSession(flags);
    const stack = await requireStack(heat, stackName(args.stack, flags.stack));
    const poller = new EventPoller(heat, stack);
    // Aodh alarm state transitions (ALARM_ALARM / ALARM_OK / ALARM_INSUFFICIENT_DATA) between the Heat events.
    const alarms = new AlarmEventPoller(heat, cloud, stack);
    const both = async () =>
      [...(await poller.poll()), ...(await alarms.poll().catch(() => []))].sort((x, y) => (x.time < y.time ? -1 : x.time > y.time ? 1 : 0));
    await poller.paths.refresh(0).catch(() => undefined);
    const all: StackEvent[] = [];
    const show = (e: StackEvent) => {
      if (this.jsonEnabled()) {
        if (flags.follow) process.stdout.write(JSON.stringify(e) + '\n');
        else all.push(e);
      } else this.log(formatEvent(e));
    };
    (await both()).forEach(show);
    if (!flags.follow) return all;
    for (;;) {
      await new Promise((r) => setTimeout(r, flags['poll-interval'] * 1000));
      const s = await heat.find(stack.id);
      (await both()).forEach(show);
      if (!s || s.stack_status === 'DELETE_COMPLETE') return this.exit(0);
    }
  }
}
