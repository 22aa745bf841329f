import { Args } from '@oclif/core';
import { BaseCommand } from '../lib/command.js';
import { cloudFlags } from '../lib/cloud-flags.js';
import { stackFlag } from '../stack/flags.js';
import { openSession, requireStack, stackName } from '../stack/session.js';
import { formatStatus, stackStatus } from '../stack/status.js';

export default class Status extends BaseCommand {
  static override summary = "A stack's status, each tier's size, the app URL and the alarms' state";
  static override description =
    'Alarm states are read from Aodh when the alarming API is in the catalog and answers (else "alarms": null). ' +
    'JSON: {"stack":{"id","name","status","reason","created","updated"},"tiers":[{"name","group","current","min","max"}],"appUrl","access":{"mode","anonymousWrites","legacyWorkers","detail"}|null,"alarms":[{"resource","id","state","reason","tier","direction","policy","metric","aggregation","granularity","evaluationPeriods","comparison","threshold","unit","thresholdPercent","vcpus","repeatActions","lastTransition":{"at","state","reason"},"why"}]|null}';
  static override examples = ['<%= config.bin %> status my-faafo', '<%= config.bin %> status my-faafo --json'];
  static override args = { stack: Args.string({ description: 'stack name or id' }) };
  static override flags = { ...cloudFlags, stack: stackFlag };

  async run() {
    const { args, flags } = await this.parse(Status);
    const { heat, cloud } = await openSession(flags);
    const stack = await requireStack(heat, stackName(args.stack, flags.stack));
    const report = await stackStatus(heat, cloud, stack);
    for (const l of formatStatus(report)) this.emit(l);
    return report;
  }
}
