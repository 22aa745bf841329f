import { Flags } from '@oclif/core';
import { BaseCommand } from '../lib/command.js';
import { cloudFlags } from '../lib/cloud-flags.js';
import { generateFlags, resolveConfig } from '../config/index.js';
import { connect } from '../openstack/index.js';
import { failed, formatResults, planFromConfig, runDoctor, withoutServices } from '../doctor/index.js';

export default class Doctor extends BaseCommand {
  static override summary = 'Check, before `create`, that a cloud can run the stack these flags would make';
  static override description =
    'Checks: the service catalog (orchestration, compute, network, image, load-balancer, alarming, metric; object-store ' +
    'when the app goes to Swift; cloudformation for --alarm-action alarm-url), the Gnocchi archive policy of cpu (rate:mean ' +
    'at the alarm granularity), the instance resource type (server_group), trust delegation for trust+ alarm actions, ' +
    'image, flavors, key pair, external network, quotas at the maximum sizes, and who may write (protected, or the ' +
    '--anonymous-writes / --legacy-workers opt-ins: warn). Each prints ok / warn / fail / skip ' +
    'with one line of fix; exit 1 when a check fails. ' +
    'JSON: {"cloud","ok","checks":[{"id","title","status","detail","fix"}]}';
  static override examples = [
    '<%= config.bin %> doctor --os-cloud mycloud',
    '<%= config.bin %> doctor --os-cloud mycloud --max-workers 10 --granularity 300 --json',
  ];
  static override flags = {
    ...cloudFlags,
    ...generateFlags,
    'without-service': Flags.string({
      multiple: true,
      hidden: true,
      description: 'act as if the catalog lacked this service type (to see the verdicts for a cloud without it)',
    }),
  };

  async run() {
    const { flags } = await this.parse(Doctor);
    const cfg = await resolveConfig({ flags: flags as Record<string, unknown> });
    const plan = planFromConfig(cfg);
    const real = await connect({ cloud: flags['os-cloud'], region: flags['os-region-name'] });
    const cloud = flags['without-service']?.length ? withoutServices(real, flags['without-service']) : real;
    const checks = await runDoctor(cloud, plan);
    for (const l of formatResults(cloud.name, checks)) this.emit(l);
    const report = { cloud: cloud.name, ok: !failed(checks), checks };
    if (failed(checks)) {
      if (this.jsonEnabled()) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      process.exitCode = 1;
      return this.exit(1);
    }
    return report;
  }
}
